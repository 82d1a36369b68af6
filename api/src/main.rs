//! The product binary.
//! - `api validate <file-or-dir>...`: check service definitions; exit status 1 on problems.
//! - `api purge`: delete the records whose retention term has passed (`DATABASE_URL`, default
//!   the SQLite file under `./data`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, paths)) if cmd == "validate" => {
            let paths = if paths.is_empty() { vec!["workflows/services".to_owned()] } else { paths.to_vec() };
            let (lines, ok) = api::validate::validate_paths(&paths);
            for line in lines {
                println!("{line}");
            }
            if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Some((cmd, _)) if cmd == "purge" => purge(),
        _ => {
            eprintln!(
                "usage: api validate [file-or-directory...] | api purge   (serve, token and demo come with the API issue)"
            );
            ExitCode::from(2)
        }
    }
}

fn purge() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("purge: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let settings = api::store::Settings::from_env();
        let result = match api::store::Store::open(&settings).await {
            Ok(store) => store.purge(chrono::Utc::now()).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(p) => {
                println!("purged {} cases past their retention term and {} idempotency keys", p.cases, p.keys);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("purge: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
