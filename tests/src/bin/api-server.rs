//! The server exactly as `api serve` runs it (`api::http::serve` with settings from the
//! environment), built as a binary of this package so the process tests can start, kill
//! and restart it: Cargo builds it before the tests and tells them where it is.

fn main() -> std::process::ExitCode {
    let config = match api::config::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(api::http::serve(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
