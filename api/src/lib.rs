//! The product's binary and its server parts: the durable store and the runtime around the
//! pure engine.
//!
//! # Layout
//! - [`config`]: the server's settings from the environment (and the command line's flags),
//!   and the secrets made in the data directory when none is given.
//! - [`definitions`]: the service definitions published at start-up, shipped in the binary
//!   or read from a folder.
//! - [`demo`]: sample cases across the flagship services for a first look.
//! - [`export`]: CSV exports of the SLA report and the case list.
//! - [`forms`]: application forms against their JSON Schema, personal numbers by check digit.
//! - [`auth`]: JWT bearer tokens (HS256, RS256, EdDSA) and the caller they name.
//! - [`policy`]: who may see and do what; every door asks it.
//! - [`graphql`]: the GraphQL schema: queries, mutations, the closed set of error codes.
//! - [`http`]: axum routes and `serve`, with the runtime loops beside the server.
//! - [`metrics`]: counters and latency histograms for `/metrics` (Prometheus text).
//! - [`store`]: cases, hash-chained events, tasks, timers and outbox in SQLite or
//!   PostgreSQL; one command is one transaction.
//! - [`runtime`]: the timer scheduler and the outbox deliverer, each a loop that sleeps
//!   until its next due row or until the store rings its bell.
//! - [`web`]: the pages for applicants and the public, server-rendered, through the API.
//! - [`validate`]: checks service definition files and reports every problem with file,
//!   line and field, the way the loader at start-up does.

pub mod auth;
pub mod config;
pub mod definitions;
pub mod demo;
pub mod export;
pub mod forms;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod policy;
pub mod runtime;
pub mod store;
pub mod validate;
pub mod web;
