//! Every shipped definition loads; broken definitions are refused with file, line and field.
#![allow(clippy::unwrap_used)]

mod common;

use engine::Service;

#[test]
fn every_shipped_service_loads() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(common::services_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let service = Service::from_yaml(&file, &text).unwrap_or_else(|e| panic!("{e}"));
        names.push(service.spec.name);
    }
    assert_eq!(names.len(), 12, "{names:?}");
}

#[test]
fn the_json_schema_in_workflows_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/service-definition.schema.json");
    let generated = serde_json::to_string_pretty(&engine::definition::json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == generated,
        "workflows/service-definition.schema.json is stale: run UPDATE_SCHEMA=1 cargo test -p engine --test services"
    );
}
