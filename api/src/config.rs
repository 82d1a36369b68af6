//! The server's settings, read once from the environment (or from a map in tests). Secrets
//! are never logged: `Debug` leaves them out.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::auth::Auth;
use crate::definitions::Definitions;
use crate::runtime::outbox::Endpoints;
use crate::store;

/// A development secret, used only when `JWT_SECRET` is unset; `serve` warns about it.
pub const DEV_SECRET: &str = "development-only-secret-change-me";

/// Everything `serve` needs.
#[derive(Clone)]
pub struct Config {
    /// Database and definitions.
    pub store: store::Settings,
    /// Where to listen (`BIND`, default `127.0.0.1:8080`; port 0 picks a free one).
    pub bind: SocketAddr,
    /// This node's name among several (`NODE_ID`, default `node-<pid>`).
    pub node: String,
    /// Token checking.
    pub auth: Auth,
    /// Whether the secret is the development default.
    pub dev_secret: bool,
    /// Outbox endpoints by kind (`OUTBOX_URL_NOTIFY`, `OUTBOX_URL_SYNC_REGISTRY`,
    /// `OUTBOX_URL_ISSUE_CERTIFICATE`, or `OUTBOX_URL` for all).
    pub endpoints: Endpoints,
    /// Lease on claimed timers and messages, seconds (`LEASE_SECS`, default 30).
    pub lease_secs: u64,
    /// Where the certificate signing key is kept when `CERT_SIGNING_KEY` is not given.
    pub key_file: std::path::PathBuf,
}

impl Config {
    /// The certificate signing key: `CERT_SIGNING_KEY`, else the key file under the data
    /// directory, made on first start (mode 0600). Several nodes share one key through
    /// `CERT_SIGNING_KEY`.
    ///
    /// # Errors
    /// The key file cannot be read, parsed or written.
    pub fn certificate_key(&self) -> Result<store::CertificateKey, String> {
        if let Some(key) = &self.store.certificate_key {
            return Ok(key.clone());
        }
        let file = &self.key_file;
        match std::fs::read_to_string(file) {
            Ok(text) => store::CertificateKey::from_hex(&text).map_err(|e| format!("{}: {e}", file.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = store::CertificateKey::generate()?;
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut f = options.open(file).map_err(|e| format!("{}: {e}", file.display()))?;
                std::io::Write::write_all(&mut f, key.seed_hex().as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                tracing::info!(file = %file.display(), public_key = %key.public_hex(), "made a certificate signing key");
                Ok(key)
            }
            Err(e) => Err(format!("{}: {e}", file.display())),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("bind", &self.bind).field("node", &self.node).finish_non_exhaustive()
    }
}

/// A setting that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("setting {name}: {reason}")]
pub struct ConfigError {
    name: &'static str,
    reason: String,
}

impl Config {
    /// From the process environment.
    ///
    /// # Errors
    /// A setting that does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_map(&std::env::vars().collect())
    }

    /// From a map of variables.
    ///
    /// # Errors
    /// A setting that does not parse.
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |k: &str| vars.get(k).filter(|v| !v.is_empty()).cloned();
        let data = get("DATA_DIR").unwrap_or_else(|| "data".to_owned());
        let definitions = get("SERVICES_DIR").map_or(Definitions::Shipped, |d| Definitions::Dir(d.into()));
        let mut store = store::Settings::sqlite(std::path::Path::new(&data), definitions);
        if let Some(url) = get("DATABASE_URL") {
            store.database_url = url;
        }
        if let Some(key) = get("CERT_SIGNING_KEY") {
            store.certificate_key = Some(
                store::CertificateKey::from_hex(&key)
                    .map_err(|reason| ConfigError { name: "CERT_SIGNING_KEY", reason })?,
            );
        }
        let key_file = std::path::Path::new(&data).join("certificate-signing.key");
        let bind = get("BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let bind = bind.parse().map_err(|e| ConfigError { name: "BIND", reason: format!("{e}") })?;
        let issuer = get("JWT_ISSUER").unwrap_or_else(|| "edu-engine".to_owned());
        let audience = get("JWT_AUDIENCE").unwrap_or_else(|| "edu-engine".to_owned());
        let (auth, dev_secret) = match (get("JWT_PUBLIC_KEY_PEM"), get("JWT_SECRET")) {
            (Some(pem), _) => {
                let alg = get("JWT_ALG").unwrap_or_else(|| "RS256".to_owned());
                let auth = Auth::public_key(&alg, pem.as_bytes(), &issuer, &audience)
                    .map_err(|e| ConfigError { name: "JWT_PUBLIC_KEY_PEM", reason: e.to_string() })?;
                (auth, false)
            }
            (None, Some(secret)) => (Auth::hs256(secret.as_bytes(), &issuer, &audience), false),
            (None, None) => (Auth::hs256(DEV_SECRET.as_bytes(), &issuer, &audience), true),
        };
        let mut endpoints = Endpoints::default();
        for (var, kind) in [
            ("OUTBOX_URL", "*"),
            ("OUTBOX_URL_NOTIFY", "notify"),
            ("OUTBOX_URL_SYNC_REGISTRY", "sync_registry"),
            ("OUTBOX_URL_ISSUE_CERTIFICATE", "issue_certificate"),
        ] {
            if let Some(url) = get(var) {
                endpoints.by_kind.insert(kind.to_owned(), url);
            }
        }
        let lease_secs = match get("LEASE_SECS") {
            Some(v) => v.parse().map_err(|e| ConfigError { name: "LEASE_SECS", reason: format!("{e}") })?,
            None => 30,
        };
        let node = get("NODE_ID").unwrap_or_else(|| format!("node-{}", std::process::id()));
        Ok(Self { store, bind, node, auth, dev_secret, endpoints, lease_secs, key_file })
    }
}
