//! The auditors' facts: one row per concluded case with what the SLA report aggregates
//! (clock use net of pauses against the legal and promised budgets, pauses, extensions,
//! correction notices, visits, rating and its follow-up), so a province-wide report is one grouped scan of
//! narrow rows instead of a read of every case's state.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer, integer_null, string, string_null};

/// Adds `case_facts` and `step_facts` with their report indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("case_facts")
                    .col(string("case_id").primary_key())
                    .col(string("service_code"))
                    .col(string("office"))
                    .col(big_integer("received_at"))
                    .col(big_integer_null("accepted_at"))
                    .col(big_integer("concluded_at"))
                    .col(string("outcome"))
                    // Base seconds (working seconds for working-day limits) used and allowed.
                    .col(big_integer_null("legal_used"))
                    .col(big_integer_null("legal_budget"))
                    .col(integer_null("legal_on_time"))
                    .col(big_integer_null("promised_used"))
                    .col(big_integer_null("promised_budget"))
                    .col(integer_null("promised_on_time"))
                    .col(integer("pauses"))
                    .col(big_integer("paused_secs"))
                    .col(integer("extensions"))
                    .col(integer("extension_amount"))
                    .col(integer("corrections"))
                    .col(integer("visits"))
                    .col(integer_null("max_visits"))
                    .col(integer_null("rating"))
                    // The follow-up of a bad rating: open, overdue, closed, closed_late.
                    .col(string_null("follow_up"))
                    .col(big_integer_null("remove_after"))
                    .to_owned(),
            )
            .await?;
        // One row per completed task: the per-step figures (time on the step clock).
        manager
            .create_table(
                Table::create()
                    .table("step_facts")
                    .col(string("case_id"))
                    .col(integer("task_id"))
                    .col(string("service_code"))
                    .col(string("step"))
                    .col(string("office"))
                    .col(big_integer("opened_at"))
                    .col(big_integer("closed_at"))
                    .col(big_integer_null("used"))
                    .col(big_integer_null("budget"))
                    .col(integer_null("on_time"))
                    .primary_key(Index::create().col("case_id").col("task_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("step_facts_report").table("step_facts").col("office").col("closed_at").to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_facts_report")
                    .table("case_facts")
                    .col("office")
                    .col("concluded_at")
                    .to_owned(),
            )
            .await
    }
}
