//! The GraphQL API (async-graphql): queries and mutations over the store, with the caller
//! from the bearer token and errors from the closed set in [`error`].

pub mod error;
mod mutation;
mod query;
mod view;

use async_graphql::{EmptySubscription, Schema};

pub use mutation::Mutation;
pub use query::Query;

use crate::auth::Claims;
use crate::store::Store;

/// The caller of one request: `None` without a token.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Claims>);

/// The schema served at `/graphql`.
pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema over a store, with depth and complexity limits.
#[must_use]
pub fn schema(store: Store) -> AppSchema {
    Schema::build(Query, Mutation, EmptySubscription).data(store).limit_depth(12).limit_complexity(500).finish()
}

/// The caller's claims, or UNAUTHENTICATED.
fn claims<'a>(ctx: &'a async_graphql::Context<'_>) -> async_graphql::Result<&'a Claims> {
    ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()).ok_or_else(error::unauthenticated)
}

fn store<'a>(ctx: &'a async_graphql::Context<'_>) -> &'a Store {
    ctx.data_unchecked::<Store>()
}
