//! Published service versions. Publishing stores the YAML with its hash; a case keeps the
//! version it was submitted under, so publishing a new version never changes running cases.

use std::sync::Arc;

use engine::Service;

use super::sql::{all, exec, millis};
use super::{Store, StoreError};

impl Store {
    /// Publishes every `*.yaml` in `dir` (sorted), then loads every published version.
    ///
    /// # Errors
    /// A definition does not load, or a published version's text changed without a new
    /// version number.
    pub async fn publish_dir(&self, dir: &std::path::Path) -> Result<(), StoreError> {
        let read = std::fs::read_dir(dir).map_err(|e| StoreError::Publish(format!("{}: {e}", dir.display())))?;
        let mut files: Vec<_> = read.filter_map(Result::ok).map(|e| e.path()).collect();
        files.retain(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"));
        files.sort();
        for path in files {
            let source =
                std::fs::read_to_string(&path).map_err(|e| StoreError::Publish(format!("{}: {e}", path.display())))?;
            self.publish(&path.display().to_string(), &source, chrono::Utc::now()).await?;
        }
        self.load_services().await
    }

    /// Publishes one definition. Publishing the same text again is a no-op.
    ///
    /// # Errors
    /// The definition does not load, or its version was published with other text.
    pub async fn publish(
        &self,
        file: &str,
        source: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Arc<Service>, StoreError> {
        let service = Service::from_yaml(file, source).map_err(|e| StoreError::Publish(e.to_string()))?;
        let (code, version) = (service.spec.code.clone(), service.spec.version);
        let existing = all(
            &self.db,
            "SELECT sha256 FROM services WHERE code = $1 AND version = $2",
            vec![code.clone().into(), i64::from(version).into()],
        )
        .await?;
        match existing.first().map(|r| r.try_get::<String>("", "sha256")).transpose()? {
            Some(hash) if hash == service.source_hash => {}
            Some(_) => {
                return Err(StoreError::Publish(format!(
                    "{file}: {code} version {version} is already published with other text; raise `version`"
                )));
            }
            None => {
                exec(
                    &self.db,
                    "INSERT INTO services (code, version, name, source, sha256, published_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    vec![
                        code.clone().into(),
                        i64::from(version).into(),
                        service.spec.name.clone().into(),
                        source.to_owned().into(),
                        service.source_hash.clone().into(),
                        millis(now).into(),
                    ],
                )
                .await?;
            }
        }
        let service = Arc::new(service);
        self.services_mut().insert((code, version), service.clone());
        Ok(service)
    }

    /// Loads every published version into memory.
    async fn load_services(&self) -> Result<(), StoreError> {
        let rows = all(&self.db, "SELECT code, version, source FROM services", vec![]).await?;
        for row in rows {
            let code: String = row.try_get("", "code")?;
            let version = u32::try_from(row.try_get::<i32>("", "version")?).unwrap_or_default();
            if self.services_read().contains_key(&(code.clone(), version)) {
                continue;
            }
            let source: String = row.try_get("", "source")?;
            let service = Service::from_yaml(&code, &source).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            self.services_mut().insert((code, version), Arc::new(service));
        }
        Ok(())
    }

    /// A published version.
    ///
    /// # Errors
    /// [`StoreError::UnknownService`].
    pub fn service(&self, code: &str, version: u32) -> Result<Arc<Service>, StoreError> {
        self.services_read()
            .get(&(code.to_owned(), version))
            .cloned()
            .ok_or_else(|| StoreError::UnknownService(format!("{code} v{version}")))
    }

    /// The newest published version of a service: what new cases run under.
    ///
    /// # Errors
    /// [`StoreError::UnknownService`].
    pub fn latest(&self, code: &str) -> Result<Arc<Service>, StoreError> {
        let services = self.services_read();
        let newest = services.iter().filter(|((c, _), _)| c == code).max_by_key(|((_, v), _)| *v);
        newest.map(|(_, s)| s.clone()).ok_or_else(|| StoreError::UnknownService(code.to_owned()))
    }

    /// The newest version of every published service, by code.
    #[must_use]
    pub fn latest_services(&self) -> Vec<Arc<Service>> {
        let mut newest: std::collections::BTreeMap<String, Arc<Service>> = std::collections::BTreeMap::new();
        for ((code, version), s) in self.services_read().iter() {
            if newest.get(code).is_none_or(|n| n.spec.version < *version) {
                newest.insert(code.clone(), s.clone());
            }
        }
        newest.into_values().collect()
    }

    fn services_read(&self) -> std::sync::RwLockReadGuard<'_, super::Published> {
        self.services.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn services_mut(&self) -> std::sync::RwLockWriteGuard<'_, super::Published> {
        self.services.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
