//! The GraphQL API (async-graphql): queries and mutations over the store, with the caller
//! from the bearer token and errors from the closed set in [`error`].

mod documents;
pub mod error;
mod mutation;
mod query;
pub mod report;
mod subscription;
mod view;

pub use query::visibility;

use async_graphql::Schema;

pub use subscription::Subscription;

/// Every query.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(query::CaseQuery, documents::DocumentQuery, report::ReportQuery);

/// Every mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(mutation::CaseMutation, documents::DocumentMutation);

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

/// Builds the schema over a store, with depth and complexity limits.
#[must_use]
pub fn schema(store: Store) -> AppSchema {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .data(store)
        .data(Lookups::default())
        .data(crate::forms::Forms::default())
        .limit_depth(12)
        .limit_complexity(500)
        .finish()
}

/// The caller's claims, or UNAUTHENTICATED.
fn claims<'a>(ctx: &'a async_graphql::Context<'_>) -> async_graphql::Result<&'a Claims> {
    ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()).ok_or_else(error::unauthenticated)
}

fn store<'a>(ctx: &'a async_graphql::Context<'_>) -> &'a Store {
    ctx.data_unchecked::<Store>()
}
