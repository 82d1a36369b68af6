//! Secrets kept in the data directory when the deployment gives none: made once, on first
//! use, and read back on every start after, so every subcommand run over the same data
//! directory agrees.

use std::path::Path;

/// The text of `file`, or, when it does not exist yet, `make()`'s text written to it: the
/// file is created new (so a second process can never overwrite it), mode 0600, and synced
/// to disk before it is used. The `bool` says whether it was made now.
///
/// # Errors
/// The file cannot be read, created or written, or `make` fails; the message names the file.
pub(super) fn read_or_make(
    file: &Path,
    make: impl FnOnce() -> Result<String, String>,
) -> Result<(String, bool), String> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok((text, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = make()?;
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(file).map_err(|e| format!("{}: {e}", file.display()))?;
            std::io::Write::write_all(&mut f, text.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((text, true))
        }
        Err(e) => Err(format!("{}: {e}", file.display())),
    }
}

/// 32 random bytes from the operating system, as 64 hex digits.
///
/// # Errors
/// The operating system has no random source.
pub(super) fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("random source: {e}"))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_made_once_and_read_back_after() {
        let file = std::env::temp_dir().join(format!("key-file-{}", uuid::Uuid::now_v7())).join("secret");
        let (made, fresh) = read_or_make(&file, random_hex).unwrap();
        assert!(fresh);
        assert_eq!(made.len(), 64);
        let (again, fresh) = read_or_make(&file, || panic!("made twice")).unwrap();
        assert!(!fresh);
        assert_eq!(again, made);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }

    #[test]
    fn two_random_secrets_differ() {
        assert_ne!(random_hex().unwrap(), random_hex().unwrap());
    }
}
