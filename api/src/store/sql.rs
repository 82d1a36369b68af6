//! Raw statements over sea-orm for both backends. Queries are written once with
//! PostgreSQL's `$1` placeholders; for SQLite they become `?1`, which SQLite reads as the
//! same numbered parameter.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement, Value};

/// A statement for `backend`.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres { sql.to_owned() } else { sql.replace('$', "?") };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Runs a statement that returns no rows.
///
/// # Errors
/// The database's error.
pub async fn exec(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<ExecResult, DbErr> {
    db.execute_raw(stmt(db.get_database_backend(), sql, values)).await
}

/// Runs a query and returns every row.
///
/// # Errors
/// The database's error.
pub async fn all(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await
}

/// Runs a query and returns its first row, if any.
///
/// # Errors
/// The database's error.
pub async fn one(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<Option<QueryResult>, DbErr> {
    db.query_one_raw(stmt(db.get_database_backend(), sql, values)).await
}

/// An instant as stored: milliseconds since the Unix epoch.
#[must_use]
pub fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A stored instant back, or the epoch for an impossible value.
#[must_use]
pub fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Whether an error is a unique-key violation (another writer got there first).
#[must_use]
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Whether an error says another writer got to a case first: a unique-key violation on a
/// case, its events or an idempotency key (SQLite names `table.column`, PostgreSQL the
/// `table_pkey` index). Any other unique violation is a fault, not a conflict to retry.
pub fn is_version_conflict(err: &DbErr) -> bool {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => ["cases", "events", "idempotency_keys"]
            .iter()
            .any(|table| message.contains(&format!("{table}.")) || message.contains(&format!("{table}_pkey"))),
        _ => false,
    }
}

/// `INSERT INTO table (columns) VALUES (...), (...)` for `rows` rows of `columns.len()`
/// values each, numbered in order.
#[must_use]
pub fn insert_rows(table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let slots: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", slots.join(", "))
        })
        .collect();
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), tuples.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_numbered_in_order() {
        assert_eq!(super::insert_rows("t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
