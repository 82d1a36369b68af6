//! The queue shows each task's SLA level and service without reading the case: `level`
//! (`normal`, `warning`, `overdue`, as the step's timers last set it) and `service_code` on
//! `tasks`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string;

/// Adds `tasks.level` and `tasks.service_code`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(Table::alter().table("tasks").add_column(string("level").default("normal")).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("tasks").add_column(string("service_code").default("")).to_owned())
            .await
    }
}
