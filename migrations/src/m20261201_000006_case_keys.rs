//! Staff find a case by a name or 身份证号 its application gives: `case_keys` holds each
//! case's search keys (`name:<value>`, `id:<sha256 of the number>`), written at
//! submission and removed with the case.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string;

/// Creates `case_keys`.
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
        manager.create_index(Index::create().name("case_keys_case").table("case_keys").col("case_id").to_owned()).await
    }
}
