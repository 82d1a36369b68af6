//! The product's binary and its server parts: the durable store and the runtime around the
//! pure engine.
//!
//! # Layout
//! - [`store`]: cases, hash-chained events, tasks, timers and outbox in SQLite or
//!   PostgreSQL; one command is one transaction.
//! - [`runtime`]: the timer scheduler and the outbox deliverer, each a loop that sleeps
//!   until its next due row or until the store rings its bell.
//! - [`validate`]: checks service definition files and reports every problem with file,
//!   line and field, the way the loader at start-up does.

pub mod runtime;
pub mod store;
pub mod validate;
