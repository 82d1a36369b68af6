//! The reforms' tables: visit slots an office publishes (预约) with their places taken, the
//! lists on public notice (公示), the credit records of commitments found false (告知承诺),
//! and three more columns of a case's facts for the SLA report.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string, string_null, text};

/// Creates `slots`, `public_notices` and `credit_records`; adds `on_commitment`,
/// `verification` and `no_shows` to `case_facts`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A slot's `booked` only grows by a conditional UPDATE (`booked < capacity`) in the
        // booking command's transaction, so two bookings of the last place cannot both win.
        manager
            .create_table(
                Table::create()
                    .table("slots")
                    .col(string("id").primary_key())
                    .col(string("service_code"))
                    .col(string("office"))
                    .col(big_integer("starts_at"))
                    .col(big_integer("ends_at"))
                    .col(integer("capacity"))
                    .col(integer("booked"))
                    .col(string("published_by"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("slots_by_office")
                    .table("slots")
                    .col("service_code")
                    .col("office")
                    .col("starts_at")
                    .to_owned(),
            )
            .await?;
        // One row per case and publicity step; `entry` is the masked columns as JSON. The
        // id is opaque (not the tracking number), so a public list gives nothing away.
        manager
            .create_table(
                Table::create()
                    .table("public_notices")
                    .col(string("id").primary_key())
                    .col(string("case_id"))
                    .col(string("step"))
                    .col(string("service_code"))
                    .col(string("office"))
                    .col(string("list"))
                    // Who may read it: `public`, or `signed_in` (a school's own list).
                    .col(string("audience"))
                    .col(text("entry"))
                    .col(big_integer("starts_at"))
                    .col(big_integer("ends_at"))
                    .col(integer("ended"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("public_notices_running").table("public_notices").col("ends_at").to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("public_notices_case").table("public_notices").col("case_id").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("credit_records")
                    .col(string("case_id").primary_key())
                    .col(string("service_code"))
                    .col(string("office"))
                    .col(string("applicant"))
                    .col(string("holder"))
                    .col(text("reason"))
                    .col(string("recorded_by"))
                    .col(big_integer("recorded_at"))
                    .to_owned(),
            )
            .await?;
        for column in [
            ColumnDef::new("on_commitment").integer().not_null().default(0).to_owned(),
            string_null("verification"),
            ColumnDef::new("no_shows").integer().not_null().default(0).to_owned(),
        ] {
            manager.alter_table(Table::alter().table("case_facts").add_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
