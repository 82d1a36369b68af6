//! An installation upgraded in place keeps working, on SQLite and PostgreSQL: definitions
//! published by an earlier release (before `category`, `fees` and `condition` existed) still
//! load when the store opens, and the cases running under them still read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::ConnectionTrait;
use tests::{backends, open};

/// The shipped transfer definition as the release before this one wrote it: no category,
/// no fees, version 1.
fn earlier_transfer() -> String {
    let now = std::fs::read_to_string(tests::services_dir().join("student-transfer.yaml")).unwrap();
    let old: Vec<&str> = now
        .lines()
        .filter(|l| !l.starts_with("category:") && !l.starts_with("fees:") && !l.trim_start().starts_with("condition:"))
        .map(|l| if l.starts_with("version:") { "version: 1" } else { l })
        .collect();
    old.join("\n")
}

#[tokio::test]
async fn definitions_published_by_an_earlier_release_still_load() {
    for backend in backends().await {
        let n = backend.name;
        let store = open(&backend).await;
        let text = earlier_transfer();
        let sql = "INSERT INTO services (code, version, name, source, sha256, published_at) VALUES ('JY-GG-0001', 1, '中小学生转学', $1, 'x', 0)";
        let stmt = sea_orm::Statement::from_sql_and_values(store.db().get_database_backend(), sql, [text.into()]);
        store.db().execute_raw(stmt).await.unwrap();
        drop(store);
        // Opened again, as after an upgrade: every stored version loads.
        let store = open(&backend).await;
        let old = store.service("JY-GG-0001", 1).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!((old.spec.version, old.spec.category.as_str()), (1, ""), "{n}");
        assert_eq!(store.latest("JY-GG-0001").unwrap().spec.category, "公共服务", "{n}");
    }
}

#[tokio::test]
async fn cases_stored_before_case_search_are_found_after_the_next_start() {
    for backend in backends().await {
        let n = backend.name;
        let store = open(&backend).await;
        let form =
            serde_json::json!({"office_code": "410105", "school_name": "老校区学校", "organiser_name": "举办者"});
        let at = tests::cst(2026, 3, 2, 9, 0);
        store.execute(&tests::submission("JY-XK-0001", "OLD-1", "school-1", form, at)).await.unwrap();
        // As the release before left it: no keys, listed by the migration as pending.
        let db = store.db();
        db.execute_unprepared("DELETE FROM case_keys").await.unwrap();
        db.execute_unprepared("INSERT INTO case_keys_pending (case_id) VALUES ('OLD-1')").await.unwrap();
        let clerk = tests::server::token("c1", &["window_clerk"], "410105");
        let api = tests::server::Api::new(tests::server::serve_in_process(store).await);
        let q = "{ cases(filter: {applicantName: \"老校区学校\"}) { nodes { id } } }";
        assert_eq!(api.ok(&clerk, q, serde_json::json!({})).await["nodes"], serde_json::json!([]), "{n}: unkeyed");
        // The next start writes the keys.
        let store = open(&backend).await;
        let api = tests::server::Api::new(tests::server::serve_in_process(store).await);
        let found = api.ok(&clerk, q, serde_json::json!({})).await;
        assert_eq!(found["nodes"], serde_json::json!([{ "id": "OLD-1" }]), "{n}");
    }
}
