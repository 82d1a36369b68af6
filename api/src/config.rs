//! The server's settings, read once from the environment (or from a map in tests; the
//! command line's flags arrive as the same variables). Secrets are never logged: `Debug`
//! leaves them out.

mod secret_files;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::auth::Auth;
use crate::definitions::Definitions;
use crate::runtime::outbox::Endpoints;
use crate::store;

/// Secrets that once stood in our public source (the old development default): anyone can
/// sign tokens with them, so they are refused even when set on purpose.
const PUBLISHED_SECRETS: [&str; 1] = ["development-only-secret-change-me"];

/// Everything `serve` needs.
#[derive(Clone)]
pub struct Config {
    /// Database and definitions.
    pub store: store::Settings,
    /// Where to listen (`BIND`, default `127.0.0.1:8080`; port 0 picks a free one).
    pub bind: SocketAddr,
    /// This node's name among several (`NODE_ID`, default `node-<pid>`).
    pub node: String,
    /// How bearer tokens are checked; [`Config::auth`] gives the checker.
    pub tokens: Tokens,
    /// Outbox endpoints by kind (`OUTBOX_URL_NOTIFY`, `OUTBOX_URL_SYNC_REGISTRY`,
    /// `OUTBOX_URL_ISSUE_CERTIFICATE`, or `OUTBOX_URL` for all).
    pub endpoints: Endpoints,
    /// Lease on claimed timers and messages, seconds (`LEASE_SECS`, default 30).
    pub lease_secs: u64,
    /// Where the certificate signing key is kept when `CERT_SIGNING_KEY` is not given.
    pub key_file: PathBuf,
    /// The secret the pages' cookies are encrypted with (`SESSION_SECRET`, at least 32
    /// characters; several nodes share one), else one made in the data directory.
    pub session_secret: Option<String>,
    /// Where the made session secret is kept.
    pub session_key_file: PathBuf,
    /// The address people reach the pages at (`PUBLIC_URL`, e.g. `https://zwfw.example.gov.cn`),
    /// for the links in QR codes; by default the request's `Host`. Cookies are marked
    /// `Secure` when it is https.
    pub public_url: Option<String>,
}

/// Where the key that checks bearer tokens comes from.
#[derive(Clone)]
pub enum Tokens {
    /// The deployment gave one: `JWT_SECRET` (HS256), or `JWT_PUBLIC_KEY_PEM` with `JWT_ALG`
    /// (an identity provider's key: checking only, no minting).
    Given(Auth),
    /// None given: HS256 with a random secret kept in `file` under the data directory
    /// (`jwt-secret`), made on first use, so `api token` and `api serve` over one data
    /// directory agree and no secret is shared by every installation.
    Generated {
        /// The secret's file: 64 hex digits, whose text is the secret (so
        /// `JWT_SECRET=$(cat file)` is the same key).
        file: PathBuf,
        /// The issuer tokens must name (`JWT_ISSUER`).
        issuer: String,
        /// The audience tokens must name (`JWT_AUDIENCE`).
        audience: String,
    },
}

impl Config {
    /// Whether tokens are checked with the secret generated in the data directory, not with
    /// a key the deployment supplied: a local installation, where a development sign-in may
    /// be offered.
    #[must_use]
    pub fn generated_secret(&self) -> bool {
        matches!(self.tokens, Tokens::Generated { .. })
    }

    /// The token checker. With no key given, reads the generated secret, or makes it on first
    /// use (32 random bytes, hex, mode 0600) and logs that it did, with the file's path and
    /// never the secret.
    ///
    /// # Errors
    /// The secret file cannot be read or written, or holds something other than 64 hex
    /// digits.
    pub fn auth(&self) -> Result<Auth, String> {
        let (file, issuer, audience) = match &self.tokens {
            Tokens::Given(auth) => return Ok(auth.clone()),
            Tokens::Generated { file, issuer, audience } => (file, issuer, audience),
        };
        let (text, made) = secret_files::read_or_make(file, secret_files::random_hex)?;
        let secret = text.trim();
        if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{}: not a generated secret (64 hex digits); delete it to make a new one, or set JWT_SECRET",
                file.display()
            ));
        }
        if made {
            tracing::info!(file = %file.display(), "made a JWT secret; tokens from `api token` over this data directory are accepted");
        }
        Ok(Auth::hs256(secret.as_bytes(), issuer, audience))
    }

    /// The secret the pages' cookies are sealed with: `SESSION_SECRET`, else the one made in
    /// the data directory on first start (as for the JWT secret).
    ///
    /// # Errors
    /// The secret file cannot be read or written.
    pub fn session_secret(&self) -> Result<String, String> {
        if let Some(s) = &self.session_secret {
            return Ok(s.clone());
        }
        let (text, made) = secret_files::read_or_make(&self.session_key_file, secret_files::random_hex)?;
        if made {
            tracing::info!(file = %self.session_key_file.display(), "made a session secret for the pages' cookies");
        }
        Ok(text.trim().to_owned())
    }

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
        let (text, made) =
            secret_files::read_or_make(file, || store::CertificateKey::generate().map(|key| key.seed_hex()))?;
        let key = store::CertificateKey::from_hex(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        if made {
            tracing::info!(file = %file.display(), public_key = %key.public_hex(), "made a certificate signing key");
        }
        Ok(key)
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
        let data = std::path::Path::new(&data);
        let mut store = store::Settings::sqlite(data, definitions);
        if let Some(url) = get("DATABASE_URL") {
            store.database_url = url;
        }
        if let Some(key) = get("CERT_SIGNING_KEY") {
            store.certificate_key = Some(
                store::CertificateKey::from_hex(&key)
                    .map_err(|reason| ConfigError { name: "CERT_SIGNING_KEY", reason })?,
            );
        }
        let key_file = data.join("certificate-signing.key");
        let bind = get("BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let bind = bind.parse().map_err(|e| ConfigError { name: "BIND", reason: format!("{e}") })?;
        let issuer = get("JWT_ISSUER").unwrap_or_else(|| "edu-engine".to_owned());
        let audience = get("JWT_AUDIENCE").unwrap_or_else(|| "edu-engine".to_owned());
        let tokens = match (get("JWT_PUBLIC_KEY_PEM"), get("JWT_SECRET")) {
            (Some(pem), _) => {
                let alg = get("JWT_ALG").unwrap_or_else(|| "RS256".to_owned());
                let auth = Auth::public_key(&alg, pem.as_bytes(), &issuer, &audience)
                    .map_err(|e| ConfigError { name: "JWT_PUBLIC_KEY_PEM", reason: e.to_string() })?;
                Tokens::Given(auth)
            }
            (None, Some(secret)) if PUBLISHED_SECRETS.contains(&secret.as_str()) => {
                return Err(ConfigError {
                    name: "JWT_SECRET",
                    reason: "this secret is published in our source; set your own, or unset it to have one made".into(),
                });
            }
            (None, Some(secret)) => Tokens::Given(Auth::hs256(secret.as_bytes(), &issuer, &audience)),
            (None, None) => Tokens::Generated { file: data.join("jwt-secret"), issuer, audience },
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
        let session_secret = get("SESSION_SECRET");
        if session_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err(ConfigError { name: "SESSION_SECRET", reason: "at least 32 characters".into() });
        }
        let public_url = get("PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned());
        if public_url.as_ref().is_some_and(|u| !u.starts_with("http://") && !u.starts_with("https://")) {
            return Err(ConfigError { name: "PUBLIC_URL", reason: "an http:// or https:// address".into() });
        }
        let session_key_file = data.join("session-secret");
        Ok(Self {
            store,
            bind,
            node,
            tokens,
            endpoints,
            lease_secs,
            key_file,
            session_secret,
            session_key_file,
            public_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn without_a_key_two_configs_over_one_data_directory_share_the_generated_secret() {
        let dir = std::env::temp_dir().join(format!("config-{}", uuid::Uuid::now_v7()));
        let data = vars(&[("DATA_DIR", dir.to_str().unwrap())]);
        let minting = Config::from_map(&data).unwrap();
        assert!(minting.generated_secret());
        let token = minting.auth().unwrap().mint("u1", &[], "", chrono::Duration::hours(1)).unwrap();
        let checking = Config::from_map(&data).unwrap().auth().unwrap();
        assert_eq!(checking.verify(&token).unwrap().sub, "u1");
        assert_eq!(std::fs::read_to_string(dir.join("jwt-secret")).unwrap().len(), 64);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_given_secret_is_used_and_nothing_is_written() {
        let dir = std::env::temp_dir().join(format!("config-{}", uuid::Uuid::now_v7()));
        let config = Config::from_map(&vars(&[("DATA_DIR", dir.to_str().unwrap()), ("JWT_SECRET", "s")])).unwrap();
        assert!(!config.generated_secret());
        let token = Auth::hs256(b"s", "edu-engine", "edu-engine").mint("u1", &[], "", chrono::Duration::hours(1));
        assert!(config.auth().unwrap().verify(&token.unwrap()).is_ok());
        assert!(!dir.exists());
    }

    #[test]
    fn the_secret_once_in_our_source_is_refused_even_when_set() {
        let dir = std::env::temp_dir().join(format!("config-{}", uuid::Uuid::now_v7()));
        let set = vars(&[("DATA_DIR", dir.to_str().unwrap()), ("JWT_SECRET", "development-only-secret-change-me")]);
        let e = Config::from_map(&set).err().unwrap();
        assert!(e.to_string().starts_with("setting JWT_SECRET"), "{e}");
    }

    #[test]
    fn a_secret_file_that_was_not_generated_is_refused() {
        let dir = std::env::temp_dir().join(format!("config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("jwt-secret"), "short").unwrap();
        let e = Config::from_map(&vars(&[("DATA_DIR", dir.to_str().unwrap())])).unwrap().auth().unwrap_err();
        assert!(e.contains("jwt-secret"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn services_dir_names_a_folder_and_its_absence_means_the_built_in_definitions() {
        assert_eq!(Config::from_map(&vars(&[])).unwrap().store.definitions, Definitions::Shipped);
        let config = Config::from_map(&vars(&[("SERVICES_DIR", "elsewhere")])).unwrap();
        assert_eq!(config.store.definitions, Definitions::Dir("elsewhere".into()));
    }
}
