//! The public status lookup: each case keeps the SHA-256 of the query code its applicant
//! was given at submission, so anyone holding tracking number and code can follow it
//! without logging in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_null;

/// Adds `cases.query_code_sha256`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("cases").add_column(string_null("query_code_sha256")).to_owned()).await
    }
}
