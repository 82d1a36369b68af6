//! The product binary.
//! - `api serve`: the GraphQL server with the timer scheduler and outbox deliverer, on the
//!   embedded SQLite default under `./data` unless `DATABASE_URL` says otherwise.
//! - `api token <user> [role[,role...]] [office]`: mint a development token with the HS256
//!   secret `serve` checks (`JWT_SECRET`, or the one generated in the data directory).
//! - `api validate [file-or-dir...]`: check service definitions (none named: the built-in
//!   ones); exit status 1 on problems.
//! - `api purge`: delete the records whose retention term has passed.
//! - `api demo`: load sample cases across the flagship services (a filled queue, a report).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, paths)) if cmd == "validate" => {
            let (lines, ok) =
                if paths.is_empty() { api::validate::validate_shipped() } else { api::validate::validate_paths(paths) };
            for line in lines {
                println!("{line}");
            }
            if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Some((cmd, _)) if cmd == "serve" => block_on(serve()),
        Some((cmd, rest)) if cmd == "token" => token(rest),
        Some((cmd, _)) if cmd == "purge" => block_on(purge()),
        Some((cmd, _)) if cmd == "demo" => block_on(demo()),
        _ => {
            eprintln!(
                "usage: api serve | api token <user> [roles] [office] | api validate [paths...] | api purge | api demo"
            );
            ExitCode::from(2)
        }
    }
}

fn block_on(f: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(f),
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config() -> Result<api::config::Config, ExitCode> {
    api::config::Config::from_env().map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
}

async fn serve() -> ExitCode {
    logs();
    let config = match config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    match api::http::serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`); `LOG_FORMAT=json` writes one
/// JSON object per line for a log collector.
fn logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.init();
    }
}

fn token(args: &[String]) -> ExitCode {
    let Some(user) = args.first() else {
        eprintln!("usage: api token <user> [role[,role...]] [office]   e.g. api token clerk-1 window_clerk 4101");
        return ExitCode::from(2);
    };
    let roles: Vec<String> = args.get(1).map(|r| r.split(',').map(str::to_owned).collect()).unwrap_or_default();
    let office = args.get(2).cloned().unwrap_or_default();
    let config = match config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    match config
        .auth()
        .and_then(|auth| auth.mint(user, &roles, &office, chrono::Duration::hours(12)).map_err(|e| e.to_string()))
    {
        Ok(t) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("token: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn purge() -> ExitCode {
    let settings = match config() {
        Ok(c) => c.store,
        Err(code) => return code,
    };
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
}

async fn demo() -> ExitCode {
    let config = match config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut settings = config.store.clone();
    let loaded = match config.certificate_key() {
        Ok(key) => {
            settings.certificate_key = Some(key);
            match api::store::Store::open(&settings).await {
                Ok(store) => api::demo::load(&store, chrono::Utc::now()).await,
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(api::store::StoreError::Publish(e)),
    };
    match loaded {
        Ok(l) => {
            println!(
                "loaded {} sample cases ({} concluded); {} deadline timers fired (warnings and overdue steps)",
                l.cases, l.concluded, l.timers_fired
            );
            println!("try, after `api serve`, with a token from `api token <user> <role> <office>`:");
            println!("  transfer registrar (北京市朝阳区): api token zhang.xj school_registrar 110105001");
            println!("  window clerk (郑州市金水区):       api token chen.ck window_clerk 410105");
            println!("  teacher-credential reviewer:      api token liu.sh reviewer 4101");
            println!("  auditor (河南省):                  api token audit-1 auditor 41");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
