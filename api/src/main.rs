//! The product binary: one command with a subcommand per job (`api --help` lists them,
//! `api <subcommand> --help` tells each one's arguments). Settings come from the environment
//! (README, "Set-up"); the flags `--bind`, `--database-url`, `--data-dir` and `--workflows`
//! stand for `BIND`, `DATABASE_URL`, `DATA_DIR` and `SERVICES_DIR` and win over them. Bad
//! usage exits with status 2 and says what was wrong.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// 教育政务服务工作流引擎: education-bureau services on statutory working-day clocks.
#[derive(Parser)]
#[command(name = "api", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GraphQL over HTTP, with the timer scheduler and the outbox deliverer
    ///
    /// Publishes the service definitions (the built-in ones unless --workflows names a
    /// folder), then prints `listening on http://ADDR` as its first line on stdout. Stops on
    /// SIGINT or SIGTERM.
    Serve {
        /// Address to listen on; port 0 picks a free one [env: BIND] [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Mint a token signed with the secret `serve` checks (for development and tests)
    ///
    /// The secret is JWT_SECRET, or the one generated in the data directory (made on first
    /// use), so run this with the same --data-dir as `serve`. The token is valid 12 hours.
    #[command(after_help = "Example: api token clerk-1 window_clerk 4101")]
    Token {
        /// The user id (the token's `sub`)
        user: String,
        /// Roles held, comma-separated (e.g. window_clerk, or auditor,admin)
        roles: Option<String>,
        /// Office code: 行政区划代码 + unit (e.g. 4101); staff act in it and its sub-offices
        office: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Check service definitions and print every problem with file, line and field
    ///
    /// Exits with status 1 when a definition does not load.
    Validate {
        /// Files, or folders of *.yaml [default: the definitions built into this binary]
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Delete the records whose retention term has passed
    Purge {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Load sample cases across the flagship services, for a first look
    ///
    /// Cases dated back over the last weeks, so the queues hold warnings and overdue steps,
    /// and some concluded, certified and rated. Prints tokens to try them with.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Where the data lives.
#[derive(Args)]
struct DataArgs {
    /// Folder of the SQLite file, uploaded files and the generated keys [env: DATA_DIR] [default: ./data]
    #[arg(long, value_name = "DIR")]
    data_dir: Option<String>,
}

/// The store a subcommand opens.
#[derive(Args)]
struct StoreArgs {
    #[command(flatten)]
    data: DataArgs,
    /// sqlite://FILE?mode=rwc or postgres://... [env: DATABASE_URL] [default: SQLite under the data directory]
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Publish the *.yaml definitions of this folder instead of the built-in ones [env: SERVICES_DIR]
    #[arg(long, value_name = "DIR")]
    workflows: Option<String>,
}

impl StoreArgs {
    fn vars(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("DATA_DIR", self.data.data_dir.clone()),
            ("DATABASE_URL", self.database_url.clone()),
            ("SERVICES_DIR", self.workflows.clone()),
        ]
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Validate { paths } => {
            let (lines, ok) = if paths.is_empty() {
                api::validate::validate_shipped()
            } else {
                api::validate::validate_paths(&paths)
            };
            for line in lines {
                println!("{line}");
            }
            if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Serve { bind, store } => {
            let mut flags = store.vars();
            flags.push(("BIND", bind.map(|b| b.to_string())));
            block_on(serve(flags))
        }
        Command::Token { user, roles, office, data } => token(&user, roles, office, data),
        Command::Purge { store } => block_on(purge(store.vars())),
        Command::Demo { store } => block_on(demo(store.vars())),
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

/// The settings: the environment, with the flags given put over it; starts the logs.
fn config(flags: Vec<(&'static str, Option<String>)>) -> Result<api::config::Config, ExitCode> {
    logs();
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    for (name, value) in flags {
        if let Some(value) = value {
            vars.insert(name.to_owned(), value);
        }
    }
    api::config::Config::from_map(&vars).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
}

async fn serve(flags: Vec<(&'static str, Option<String>)>) -> ExitCode {
    let config = match config(flags) {
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

fn token(user: &str, roles: Option<String>, office: Option<String>, data: DataArgs) -> ExitCode {
    let roles: Vec<String> = roles.map(|r| r.split(',').map(str::to_owned).collect()).unwrap_or_default();
    // A token whose office is malformed would see nothing: say so now instead.
    if let Some(o) = office.as_deref().filter(|o| !o.is_empty())
        && let Err(e) = engine::OfficeCode::parse(o)
    {
        eprintln!("token: office: {e}");
        return ExitCode::from(2);
    }
    let config = match config(vec![("DATA_DIR", data.data_dir)]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let minted = config.auth().and_then(|auth| {
        auth.mint(user, &roles, &office.unwrap_or_default(), chrono::Duration::hours(12)).map_err(|e| e.to_string())
    });
    match minted {
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

async fn purge(flags: Vec<(&'static str, Option<String>)>) -> ExitCode {
    let config = match config(flags) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The installation's key, as serve and demo open the store with (purge signs nothing,
    // but a store opened without one warns that it would sign with a passing key).
    let mut settings = config.store.clone();
    let result = match config.certificate_key() {
        Ok(key) => {
            settings.certificate_key = Some(key);
            match api::store::Store::open(&settings).await {
                Ok(store) => store.purge(chrono::Utc::now()).await,
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(api::store::StoreError::Publish(e)),
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

async fn demo(flags: Vec<(&'static str, Option<String>)>) -> ExitCode {
    let config = match config(flags) {
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
