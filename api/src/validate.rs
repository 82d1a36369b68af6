//! `validate`: load definition files with the engine's loader and report every problem.

use std::path::Path;

use engine::Service;

use crate::definitions::{Source, shipped, yaml_files};

/// Validates each file (a directory means every `*.yaml` in it). Returns the report lines
/// and whether every file loaded.
#[must_use]
pub fn validate_paths(paths: &[String]) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut ok = true;
    for file in expand(paths) {
        let name = file.display().to_string();
        match std::fs::read_to_string(&file) {
            Err(e) => {
                ok = false;
                lines.push(format!("{name}: cannot read: {e}"));
            }
            Ok(text) => ok &= check(&name, &text, &mut lines),
        }
    }
    (lines, ok)
}

/// Validates the definitions compiled into the binary (what `serve` publishes by default).
#[must_use]
pub fn validate_shipped() -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut ok = true;
    for Source { name, text } in shipped() {
        ok &= check(&name, &text, &mut lines);
    }
    (lines, ok)
}

/// Loads one definition, adding its report lines; whether it loaded.
fn check(name: &str, text: &str, lines: &mut Vec<String>) -> bool {
    match Service::from_yaml(name, text) {
        Ok(s) => {
            lines.push(format!("{name}: ok ({} {} v{})", s.spec.code, s.spec.name, s.spec.version));
            true
        }
        Err(e) => {
            lines.extend(e.0.iter().map(ToString::to_string));
            false
        }
    }
}

fn expand(paths: &[String]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        match yaml_files(path) {
            Ok(files) => out.extend(files),
            Err(_) => out.push(path.to_path_buf()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_services_validate() {
        let dir = format!("{}/../workflows/services", env!("CARGO_MANIFEST_DIR"));
        let (lines, ok) = validate_paths(&[dir]);
        assert!(ok, "{lines:?}");
        assert_eq!(lines.len(), 12);
    }

    #[test]
    fn the_built_in_services_validate() {
        let (lines, ok) = validate_shipped();
        assert!(ok, "{lines:?}");
        assert_eq!(lines.len(), 12);
        assert!(lines[0].starts_with("built-in:licence-renewal.yaml: ok"), "{lines:?}");
    }

    #[test]
    fn a_broken_file_is_reported_with_its_line() {
        let path = std::env::temp_dir().join(format!("broken-{}.yaml", std::process::id()));
        std::fs::write(&path, "code: X\nname: 测试\nversion: one\n").unwrap();
        let (lines, ok) = validate_paths(&[path.display().to_string()]);
        std::fs::remove_file(&path).unwrap();
        assert!(!ok);
        assert!(lines[0].contains(":3:") && lines[0].contains("version"), "{lines:?}");
    }
}
