//! Staff find a case by a name or 身份证号 its application gives: `case_keys` holds each
//! case's search keys (`name:<value>`, `id:<sha256 of the number>`), written at
//! submission and removed with the case; an index of open tasks by office, for the cases a
//! task brings into an office's scope; and `cases.due_at`, a case's next deadline.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, string};

/// Creates `case_keys`, `tasks_office`, `cases.due_at` and the list of cases still to key.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("case_keys")
                    .col(string("key"))
                    .col(string("case_id"))
                    .primary_key(Index::create().col("key").col("case_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("case_keys_case").table("case_keys").col("case_id").to_owned())
            .await?;
        // Case search looks for cases with an open task in an office scope.
        manager.create_index(Index::create().name("tasks_office").table("tasks").col("office").to_owned()).await?;
        // ... and orders them by their next deadline: the earliest of their open work (受理
        // included), else the promised deadline; cases written before start from the latter.
        manager.alter_table(Table::alter().table("cases").add_column(big_integer_null("due_at")).to_owned()).await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE cases SET due_at = promised_deadline WHERE concluded_at IS NULL")
            .await?;
        // Cases written before have no search keys yet: the server writes them at its next
        // start (it reads forms by their definitions, which a migration cannot).
        manager
            .create_table(Table::create().table("case_keys_pending").col(string("case_id").primary_key()).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO case_keys_pending (case_id) SELECT id FROM cases")
            .await?;
        Ok(())
    }
}
