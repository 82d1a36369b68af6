//! The service definitions a server publishes at start-up: the ones shipped in the binary
//! (compiled in from `workflows/services`, so an installed binary needs no files beside it),
//! or the `*.yaml` files of a folder named with `--workflows` or `SERVICES_DIR`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The shipped definitions, by file name, in name order. A test checks that this list is
/// exactly the files of `workflows/services`.
pub const SHIPPED: &[(&str, &str)] = &[
    ("licence-renewal.yaml", include_str!("../../workflows/services/licence-renewal.yaml")),
    ("migrant-children-enrollment.yaml", include_str!("../../workflows/services/migrant-children-enrollment.yaml")),
    ("off-campus-training.yaml", include_str!("../../workflows/services/off-campus-training.yaml")),
    ("private-school-change.yaml", include_str!("../../workflows/services/private-school-change.yaml")),
    ("private-school-licence.yaml", include_str!("../../workflows/services/private-school-licence.yaml")),
    ("private-school-preparation.yaml", include_str!("../../workflows/services/private-school-preparation.yaml")),
    ("private-school-split-merge.yaml", include_str!("../../workflows/services/private-school-split-merge.yaml")),
    ("private-school-termination.yaml", include_str!("../../workflows/services/private-school-termination.yaml")),
    ("student-aid.yaml", include_str!("../../workflows/services/student-aid.yaml")),
    ("student-transfer.yaml", include_str!("../../workflows/services/student-transfer.yaml")),
    ("teacher-credential.yaml", include_str!("../../workflows/services/teacher-credential.yaml")),
    ("teacher-title.yaml", include_str!("../../workflows/services/teacher-title.yaml")),
];

/// Where the definitions published at start-up come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definitions {
    /// [`SHIPPED`], the default.
    Shipped,
    /// Every `*.yaml` and `*.yml` file in this folder, in name order, instead of the shipped
    /// ones. A folder that does not exist is an error, never an empty list.
    Dir(PathBuf),
}

/// One definition's text and the name its problems are reported under.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file's path, or `built-in:<file>` for a shipped one.
    pub name: String,
    /// The YAML.
    pub text: Cow<'static, str>,
}

impl Definitions {
    /// Every definition's text.
    ///
    /// # Errors
    /// The folder or one of its files cannot be read; the message names the path.
    pub fn sources(&self) -> Result<Vec<Source>, String> {
        match self {
            Self::Shipped => Ok(shipped()),
            Self::Dir(dir) => yaml_files(dir)
                .map_err(|e| format!("service definitions folder {e}"))?
                .into_iter()
                .map(|path| {
                    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    Ok(Source { name: path.display().to_string(), text: Cow::Owned(text) })
                })
                .collect(),
        }
    }
}

/// [`SHIPPED`] as sources, each named `built-in:<file>`.
#[must_use]
pub fn shipped() -> Vec<Source> {
    SHIPPED.iter().map(|(file, text)| Source { name: format!("built-in:{file}"), text: Cow::Borrowed(*text) }).collect()
}

/// The `*.yaml` and `*.yml` files directly in `dir`, sorted.
///
/// # Errors
/// `dir` cannot be listed (missing, not a folder, not readable); the message names it.
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/services")
    }

    #[test]
    fn the_shipped_list_is_exactly_the_files_of_workflows_services() {
        let on_disk: Vec<(String, String)> = yaml_files(&folder())
            .unwrap()
            .into_iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        let shipped: Vec<(String, String)> = SHIPPED.iter().map(|(f, t)| ((*f).to_owned(), (*t).to_owned())).collect();
        assert_eq!(shipped, on_disk, "add or remove the file in SHIPPED too");
    }

    #[test]
    fn a_folder_that_does_not_exist_is_an_error_naming_it() {
        let missing = std::env::temp_dir().join(format!("no-such-folder-{}", uuid::Uuid::now_v7()));
        let e = Definitions::Dir(missing.clone()).sources().unwrap_err();
        assert!(e.contains(&missing.display().to_string()), "{e}");
    }

    #[test]
    fn a_folder_gives_its_files_in_name_order() {
        let sources = Definitions::Dir(folder()).sources().unwrap();
        let names: Vec<&str> = sources.iter().map(|s| s.name.rsplit('/').next().unwrap_or_default()).collect();
        let shipped: Vec<&str> = SHIPPED.iter().map(|(f, _)| *f).collect();
        assert_eq!(names, shipped);
    }
}
