//! The HTTP server: GraphQL at `/graphql` (GraphiQL at `/`), `/healthz`, `/readyz`, with the
//! timer scheduler and the outbox deliverer running beside it until shutdown.

use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::auth::Auth;
use crate::config::Config;
use crate::graphql::{self, AppSchema, Caller};
use crate::runtime::outbox::Deliverer;
use crate::runtime::timers::Scheduler;
use crate::store::Store;

/// Largest request body accepted (uploads come separately).
pub const MAX_BODY: usize = 1024 * 1024;

/// What handlers share.
#[derive(Clone)]
pub struct App {
    schema: AppSchema,
    auth: Auth,
    store: Store,
}

/// The router over a store.
pub fn router(store: Store, auth: Auth) -> Router {
    let app = App { schema: graphql::schema(store.clone()), auth, store };
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn ready(State(app): State<App>) -> impl IntoResponse {
    match app.store.db().ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

async fn graphql_handler(State(app): State<App>, headers: HeaderMap, body: axum::body::Bytes) -> GraphQLResponse {
    // The body is read whole under DefaultBodyLimit (413 beyond it), then parsed.
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let error = graphql::error::bad_input(format!("request body: {e}"));
            return async_graphql::Response::from_errors(vec![error.into_server_error(async_graphql::Pos::default())])
                .into();
        }
    };
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let caller = match token.map(|t| app.auth.verify(t.trim())) {
        None => None,
        Some(Ok(claims)) => Some(claims),
        Some(Err(e)) => {
            tracing::info!(error = %e, "token refused");
            let error = graphql::error::unauthenticated().into_server_error(async_graphql::Pos::default());
            return async_graphql::Response::from_errors(vec![error]).into();
        }
    };
    let mut response = app.schema.execute(request.data(Caller(caller))).await;
    for error in &mut response.errors {
        give_code(error);
    }
    response.into()
}

/// Every error leaves with a code from the closed set. Resolvers code their own errors
/// (see [`graphql::error`]); the ones without a code come from async-graphql checking the
/// request (syntax, unknown fields, argument types, depth and complexity limits), which is
/// the caller's input.
fn give_code(error: &mut async_graphql::ServerError) {
    if error.extensions.as_ref().is_some_and(|e| e.get("code").is_some()) {
        return;
    }
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", "BAD_USER_INPUT");
    error.extensions = Some(extensions);
}

/// Runs the server until SIGINT or SIGTERM: store, runtime loops, HTTP. Prints the address
/// it listens on as its first line on stdout (`listening on http://...`).
///
/// # Errors
/// The store cannot be opened or the address bound.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    if config.dev_secret {
        tracing::warn!("JWT_SECRET is not set: using the development secret; never do this in production");
    }
    let store = Store::open(&config.store).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let lease = Duration::from_secs(config.lease_secs);
    let mut scheduler = Scheduler::new(store.clone(), &config.node);
    scheduler.lease = lease;
    let mut deliverer = Deliverer::new(store.clone(), &config.node, config.endpoints.clone());
    deliverer.lease = lease;
    let loops = [tokio::spawn(scheduler.run(stopped.clone())), tokio::spawn(deliverer.run(stopped))];
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(store, config.auth.clone())).with_graceful_shutdown(shutdown()).await?;
    let _ = stop.send(true);
    for l in loops {
        let _ = l.await;
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = ctrl_c.await;
}
