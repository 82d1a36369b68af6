//! The GraphQL API (async-graphql): queries and mutations over the store, with the caller
//! from the bearer token and errors from the closed set in [`error`].

mod case_parts;
mod documents;
pub mod error;
mod form_fields;
pub mod guide;
mod lists;
mod mask;
mod mutation;
mod query;
pub mod reform_parts;
pub mod reforms;
pub mod report;
mod subscription;
mod timeline;
pub mod types;
pub mod view;

use async_graphql::Schema;

pub use subscription::Subscription;

/// Every query.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    query::CaseQuery,
    lists::ListQuery,
    documents::DocumentQuery,
    report::ReportQuery,
    reforms::ReformQuery,
);

/// Every mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(mutation::CaseMutation, documents::DocumentMutation, reforms::ReformMutation);

use crate::auth::Claims;
use crate::store::Store;

/// The caller of one request: `None` without a token.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Claims>);

/// Failed public lookups per tracking number: after [`Lookups::MAX_FAILURES`] wrong codes
/// in [`Lookups::WINDOW`], that number answers nothing (not even to the right code) until
/// the window passes, so a 6-digit code cannot be guessed.
#[derive(Debug, Default)]
pub struct Lookups(std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, u32)>>);

impl Lookups {
    /// Wrong codes allowed per window.
    pub const MAX_FAILURES: u32 = 5;
    /// The window.
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (std::time::Instant, u32)>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether this tracking number is locked now.
    #[must_use]
    pub fn locked(&self, tracking_no: &str) -> bool {
        let mut map = self.map();
        match map.get(tracking_no) {
            Some((since, _)) if since.elapsed() > Self::WINDOW => {
                map.remove(tracking_no);
                false
            }
            Some((_, failures)) => *failures >= Self::MAX_FAILURES,
            None => false,
        }
    }

    /// Counts a wrong code.
    pub fn failed(&self, tracking_no: &str) {
        let mut map = self.map();
        if map.len() > 100_000 {
            map.retain(|_, (since, _)| since.elapsed() <= Self::WINDOW);
        }
        let entry = map.entry(tracking_no.to_owned()).or_insert((std::time::Instant::now(), 0));
        entry.1 += 1;
    }
}

/// The schema served at `/graphql`.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schemas served at `/graphql`: one for every request, with depth and complexity
/// limits, and one that answers introspection only, with limits of its own. The standard
/// introspection query (graphql-js `getIntrospectionQuery()`, which GraphiQL, code
/// generators and IDEs send) nests `ofType` deeper than any user query may, yet it reads
/// only the schema, which is bounded and public.
#[derive(Clone)]
pub struct Schemas {
    /// Queries, mutations, subscriptions.
    pub main: AppSchema,
    /// `__schema` and `__type` only.
    pub introspection: AppSchema,
}

fn build(store: Store) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .data(store)
        .data(Lookups::default())
        .data(crate::forms::Forms::default())
}

/// Builds the schemas over a store.
#[must_use]
pub fn schema(store: Store) -> Schemas {
    Schemas {
        main: build(store.clone()).limit_depth(12).limit_complexity(500).finish(),
        // Deep enough for the standard query (13 levels), bounded so that aliases cannot
        // multiply the schema into a huge answer.
        introspection: build(store).introspection_only().limit_depth(20).limit_complexity(2_000).finish(),
    }
}

/// Whether a request selects nothing but schema introspection (`__schema`, `__type`,
/// `__typename`), so it may go to the introspection schema.
#[must_use]
pub fn is_introspection(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
    // Every other request (nearly all) is told apart without parsing it twice.
    if !request.query.contains("__schema") && !request.query.contains("__type") {
        return false;
    }
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.iter().filter(|(n, _)| n.as_str() == name).map(|(_, op)| op).collect(),
            None => ops.values().collect(),
        },
    };
    !operations.is_empty()
        && operations.iter().all(|op| {
            op.node.ty == OperationType::Query
                && op.node.selection_set.node.items.iter().all(|item| match &item.node {
                    Selection::Field(f) => f.node.name.node.starts_with("__"),
                    _ => false,
                })
        })
}

/// The caller's claims, or UNAUTHENTICATED.
fn claims<'a>(ctx: &'a async_graphql::Context<'_>) -> async_graphql::Result<&'a Claims> {
    Ok(crate::policy::signed_in(ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()))?)
}

fn store<'a>(ctx: &'a async_graphql::Context<'_>) -> &'a Store {
    ctx.data_unchecked::<Store>()
}
