//! The database schema as sea-orm-migration migrations, portable across SQLite (the
//! embedded default) and PostgreSQL. The server runs them at start-up.
//!
//! Conventions: instants are BIGINT milliseconds since the Unix epoch (UTC), so they
//! compare, index and subtract the same way on both backends; JSON is TEXT written by the
//! application; every row that history can outgrow carries `remove_after`, so retention is
//! a plain `DELETE ... WHERE remove_after < now`.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_public_status;
mod m20261123_000003_certificates_files;
mod m20261123_000004_task_level;
mod m20261123_000005_case_facts;
mod m20261201_000006_case_keys;
mod m20261201_000007_reforms;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_public_status::Migration),
            Box::new(m20261123_000003_certificates_files::Migration),
            Box::new(m20261123_000004_task_level::Migration),
            Box::new(m20261123_000005_case_facts::Migration),
            Box::new(m20261201_000006_case_keys::Migration),
            Box::new(m20261201_000007_reforms::Migration),
        ]
    }
}
