//! Secrets kept in the data directory when the deployment gives none: made once, on first
//! use, and read back on every start after, so every subcommand run over the same data
//! directory agrees.

use std::path::Path;

/// The text of `file`, or, when it does not exist yet, `make()`'s text written to it: the
/// text goes to a private temporary file (mode 0600), synced to disk, which is then linked
/// in as `file` only if no file is there yet. So a reader never sees a file half written,
/// and when two processes start together both end up with the one that was linked first.
/// The `bool` says whether this call made it.
///
/// # Errors
/// The file cannot be read, created or written, or `make` fails; the message names the file.
pub(super) fn read_or_make(
    file: &Path,
    make: impl FnOnce() -> Result<String, String>,
) -> Result<(String, bool), String> {
    let named = |e: std::io::Error| format!("{}: {e}", file.display());
    match std::fs::read_to_string(file) {
        Ok(text) => Ok((text, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = make()?;
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let suffix = random_hex()?;
            let temporary = file.with_extension(format!("new-{}", &suffix[..16]));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let written = options.open(&temporary).and_then(|mut f| {
                std::io::Write::write_all(&mut f, text.as_bytes())?;
                f.sync_all()
            });
            let linked = written.and_then(|()| std::fs::hard_link(&temporary, file));
            let _ = std::fs::remove_file(&temporary);
            match linked {
                Ok(()) => Ok((text, true)),
                // Another process made it first: theirs is complete, and it is the one.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    std::fs::read_to_string(file).map(|t| (t, false)).map_err(named)
                }
                Err(e) => Err(named(e)),
            }
        }
        Err(e) => Err(named(e)),
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
    fn processes_starting_together_agree_on_one_secret() {
        let file = std::env::temp_dir().join(format!("key-file-{}", uuid::Uuid::now_v7())).join("secret");
        let makers: Vec<_> = (0..8)
            .map(|_| {
                let file = file.clone();
                std::thread::spawn(move || read_or_make(&file, random_hex).unwrap())
            })
            .collect();
        let results: Vec<(String, bool)> = makers.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|(_, made)| *made).count(), 1, "made once");
        assert!(results.iter().all(|(text, _)| text == &results[0].0 && text.len() == 64));
        let left: Vec<_> = std::fs::read_dir(file.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }

    #[test]
    fn two_random_secrets_differ() {
        assert_ne!(random_hex().unwrap(), random_hex().unwrap());
    }
}
