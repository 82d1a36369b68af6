//! The first schema: services, cases and their events, tasks, timers, outbox, materials and
//! files, certificates, calendar days, ratings and idempotency keys, with an index for each
//! query the runtime, the API and the auditors' reports make.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer, string, string_null, text, text_null};

/// The initial schema.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(name: &str, table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in columns {
        i.col(*c);
    }
    i.to_owned()
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        // Published service versions, with the YAML they were published from.
        Table::create()
            .table("services")
            .col(string("code"))
            .col(integer("version"))
            .col(string("name"))
            .col(text("source"))
            .col(string("sha256"))
            .col(big_integer("published_at"))
            .primary_key(Index::create().col("code").col("version"))
            .to_owned(),
        // The case projection: one row per case, its state snapshot and the columns queries
        // filter on. `seq` is the last event's sequence: the optimistic-concurrency version.
        Table::create()
            .table("cases")
            .col(string("id").primary_key())
            .col(string("service_code"))
            .col(integer("service_version"))
            .col(big_integer("seq"))
            .col(string("last_hash"))
            .col(string("status"))
            .col(string("office"))
            .col(string("applicant"))
            .col(string("level"))
            .col(big_integer_null("received_at"))
            .col(big_integer_null("accepted_at"))
            .col(big_integer_null("concluded_at"))
            .col(big_integer_null("legal_deadline"))
            .col(big_integer_null("promised_deadline"))
            .col(string_null("outcome"))
            .col(text("state"))
            .col(big_integer("updated_at"))
            .col(big_integer_null("remove_after"))
            .to_owned(),
        // The record: append-only, hash-chained per case.
        Table::create()
            .table("events")
            .col(string("case_id"))
            .col(big_integer("seq"))
            .col(string("kind"))
            .col(text("body"))
            .col(big_integer("at"))
            .col(string("actor"))
            .col(string("prev_hash"))
            .col(string("hash"))
            .col(big_integer_null("remove_after"))
            .primary_key(Index::create().col("case_id").col("seq"))
            .to_owned(),
        // Open tasks (the clerks' queues).
        Table::create()
            .table("tasks")
            .col(string("case_id"))
            .col(integer("task_id"))
            .col(string("step"))
            .col(string("role"))
            .col(string("office"))
            .col(string_null("claimed_by"))
            .col(big_integer("opened_at"))
            .col(big_integer_null("due_at"))
            .primary_key(Index::create().col("case_id").col("task_id"))
            .to_owned(),
        // Pending timers, claimed under a lease by the scheduler.
        Table::create()
            .table("timers")
            .col(string("case_id"))
            .col(integer("timer_id"))
            .col(string("kind"))
            .col(big_integer("due_at"))
            .col(string_null("lease_owner"))
            .col(big_integer("lease_until"))
            .col(integer("attempts"))
            .primary_key(Index::create().col("case_id").col("timer_id"))
            .to_owned(),
        // Side effects to deliver after commit.
        Table::create()
            .table("outbox")
            .col(string("idempotency_key").primary_key())
            .col(string("case_id"))
            .col(integer("effect_id"))
            .col(string("kind"))
            .col(text("payload"))
            .col(string("state"))
            .col(integer("attempts"))
            .col(big_integer("next_attempt_at"))
            .col(string_null("lease_owner"))
            .col(big_integer("lease_until"))
            .col(text_null("last_error"))
            .col(big_integer("created_at"))
            .col(big_integer_null("delivered_at"))
            .col(big_integer_null("remove_after"))
            .to_owned(),
        Table::create()
            .table("materials")
            .col(string("case_id"))
            .col(string("code"))
            .col(string("sha256"))
            .col(string("file_name"))
            .col(big_integer("supplied_at"))
            .primary_key(Index::create().col("case_id").col("code"))
            .to_owned(),
        // Uploaded files, content-addressed.
        Table::create()
            .table("files")
            .col(string("sha256").primary_key())
            .col(big_integer("size"))
            .col(string("content_type"))
            .col(string("path"))
            .col(big_integer("created_at"))
            .to_owned(),
        Table::create()
            .table("certificates")
            .col(string("number").primary_key())
            .col(string("case_id"))
            .col(string("service_code"))
            .col(text("body"))
            .col(string("signature"))
            .col(big_integer("issued_at"))
            .col(big_integer_null("revoked_at"))
            .to_owned(),
        Table::create()
            .table("calendar_days")
            .col(string("region"))
            .col(string("day"))
            .col(integer("working"))
            .col(string_null("name"))
            .primary_key(Index::create().col("region").col("day"))
            .to_owned(),
        Table::create()
            .table("ratings")
            .col(string("case_id").primary_key())
            .col(string("service_code"))
            .col(string("office"))
            .col(integer("score"))
            .col(text("comment"))
            .col(big_integer("rated_at"))
            .to_owned(),
        // A creating command's key: the same key from the same user returns the first result.
        Table::create()
            .table("idempotency_keys")
            .col(string("actor"))
            .col(string("key"))
            .col(string("case_id"))
            .col(text("response"))
            .col(big_integer("created_at"))
            .col(big_integer_null("remove_after"))
            .primary_key(Index::create().col("actor").col("key"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("cases_office_status", "cases", &["office", "status"]),
        index("cases_applicant", "cases", &["applicant"]),
        index("cases_service_received", "cases", &["service_code", "received_at"]),
        index("cases_office_received", "cases", &["office", "received_at"]),
        index("cases_status_legal_deadline", "cases", &["status", "legal_deadline"]),
        index("cases_remove_after", "cases", &["remove_after"]),
        index("events_at", "events", &["at"]),
        index("events_remove_after", "events", &["remove_after"]),
        index("tasks_queue", "tasks", &["role", "office", "due_at"]),
        index("timers_due", "timers", &["due_at"]),
        index("outbox_next", "outbox", &["state", "next_attempt_at"]),
        index("outbox_case", "outbox", &["case_id"]),
        index("certificates_case", "certificates", &["case_id"]),
        index("ratings_office", "ratings", &["office", "rated_at"]),
        index("idempotency_remove_after", "idempotency_keys", &["remove_after"]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
