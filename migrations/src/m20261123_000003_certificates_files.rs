//! Certificate numbering and file ownership: one running number per number scope (the
//! pattern with office and year filled in), who uploaded each file, and materials found by
//! file so a download can be checked against the cases that cite it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string};

/// Adds `certificate_counters`, `file_uploads` and `materials_sha256`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("certificate_counters")
                    .col(string("scope").primary_key())
                    .col(big_integer("last"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("file_uploads")
                    .col(string("sha256"))
                    .col(string("subject"))
                    .col(big_integer("uploaded_at"))
                    .primary_key(Index::create().col("sha256").col("subject"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("materials_sha256").table("materials").col("sha256").to_owned()).await
    }
}
