//! Uploaded files, content-addressed under the data directory: `files/ab/abcdef…` by the
//! SHA-256 of the content. A file is on disk (written, fsynced, renamed into place) before
//! its row is committed, so an acknowledged upload is never lost; the same content uploaded
//! twice is stored once.

use sha2::{Digest, Sha256};

use super::sql::{all, exec, millis, one};
use super::{Store, StoreError};

/// Largest file accepted: 20 MiB (scans of licences and certificates fit well below).
pub const MAX_FILE: u64 = 20 * 1024 * 1024;

/// The content types [`sniff`] recognises: what an upload may be.
pub const ACCEPTED_TYPES: [&str; 4] = ["application/pdf", "image/jpeg", "image/png", "application/ofd"];

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// SHA-256 of the content, hex: what a material refers to.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The type found in the content (not the one the client claimed).
    pub content_type: String,
}

/// Why an upload was refused: the caller's input.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Over [`MAX_FILE`].
    #[error("file: larger than {} MiB", MAX_FILE / 1024 / 1024)]
    TooLarge,
    /// Nothing in it.
    #[error("file: empty")]
    Empty,
    /// Not a type we keep.
    #[error("file: not a PDF, JPEG, PNG or OFD document")]
    Type,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The content's type from its first bytes: the documents a bureau accepts.
#[must_use]
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"PK\x03\x04") {
        // OFD (GB/T 33190), China's format for e-documents, is a ZIP container.
        Some("application/ofd")
    } else {
        None
    }
}

fn io(path: &std::path::Path, e: &std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("{}: {e}", path.display()))
}

impl Store {
    /// Where the file with this digest lives.
    #[must_use]
    pub fn file_path(&self, sha256: &str) -> std::path::PathBuf {
        self.files_dir.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Keeps an uploaded file for `subject`.
    ///
    /// # Errors
    /// Too large, empty or of a type not accepted; the disk or database fails.
    pub async fn save_file(&self, subject: &str, bytes: Vec<u8>) -> Result<StoredFile, UploadError> {
        if bytes.len() as u64 > MAX_FILE {
            return Err(UploadError::TooLarge);
        }
        if bytes.is_empty() {
            return Err(UploadError::Empty);
        }
        let content_type = sniff(&bytes).ok_or(UploadError::Type)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let path = self.file_path(&sha256);
        let size = bytes.len() as u64;
        let target = path.clone();
        tokio::task::spawn_blocking(move || write_durably(&target, &bytes))
            .await
            .map_err(|e| StoreError::Unavailable(format!("file writer: {e}")))?
            .map_err(|e| io(&path, &e))?;
        let now = millis(chrono::Utc::now());
        exec(
            &self.db,
            "INSERT INTO files (sha256, size, content_type, path, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sha256) DO NOTHING",
            vec![
                sha256.clone().into(),
                i64::try_from(size).unwrap_or(i64::MAX).into(),
                content_type.into(),
                format!("{}/{sha256}", &sha256[..2]).into(),
                now.into(),
            ],
        )
        .await
        .map_err(StoreError::from)?;
        exec(
            &self.db,
            "INSERT INTO file_uploads (sha256, subject, uploaded_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256, subject) DO NOTHING",
            vec![sha256.clone().into(), subject.to_owned().into(), now.into()],
        )
        .await
        .map_err(StoreError::from)?;
        Ok(StoredFile { sha256, size, content_type: content_type.to_owned() })
    }

    /// A stored file's description, if it was uploaded.
    ///
    /// # Errors
    /// The database fails.
    pub async fn file(&self, sha256: &str) -> Result<Option<StoredFile>, StoreError> {
        let row =
            one(&self.db, "SELECT size, content_type FROM files WHERE sha256 = $1", vec![sha256.to_owned().into()])
                .await?;
        row.map(|r| {
            Ok(StoredFile {
                sha256: sha256.to_owned(),
                size: u64::try_from(r.try_get::<i64>("", "size")?).unwrap_or(0),
                content_type: r.try_get("", "content_type")?,
            })
        })
        .transpose()
    }

    /// Whether `subject` uploaded the file.
    ///
    /// # Errors
    /// The database fails.
    pub async fn uploaded_by(&self, sha256: &str, subject: &str) -> Result<bool, StoreError> {
        let row = one(
            &self.db,
            "SELECT 1 AS one FROM file_uploads WHERE sha256 = $1 AND subject = $2",
            vec![sha256.to_owned().into(), subject.to_owned().into()],
        )
        .await?;
        Ok(row.is_some())
    }

    /// The cases whose materials cite the file (at most 50).
    ///
    /// # Errors
    /// The database fails.
    pub async fn cases_citing(&self, sha256: &str) -> Result<Vec<String>, StoreError> {
        let rows = all(
            &self.db,
            "SELECT DISTINCT case_id FROM materials WHERE sha256 = $1 LIMIT 50",
            vec![sha256.to_owned().into()],
        )
        .await?;
        rows.iter().map(|r| r.try_get("", "case_id").map_err(StoreError::from)).collect()
    }
}

/// Writes to a temporary name, fsyncs, renames into place and fsyncs the directory. The
/// same content already there is left alone.
fn write_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{}.{}", uuid::Uuid::now_v7().simple(), "part"));
    let mut f = std::fs::File::create(&temp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&temp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_read_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"PK\x03\x04...."), Some("application/ofd"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b"<html>"), None);
    }
}
