//! The product's binary and, later, its server (store, runtime, GraphQL, auth).
//!
//! # Layout
//! - [`validate`]: checks service definition files and reports every problem with file,
//!   line and field, the way the loader at start-up will.

pub mod validate;
