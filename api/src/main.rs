//! `api validate <file-or-dir>...`: check service definitions. Exit status 1 on problems.

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
        _ => {
            eprintln!("usage: api validate [file-or-directory...]   (serve, token and demo come with the API issue)");
            ExitCode::from(2)
        }
    }
}
