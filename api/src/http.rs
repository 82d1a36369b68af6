//! The HTTP server: the pages at `/` (see [`crate::web`]), GraphQL at `/graphql` (GraphiQL, a
//! developer tool that loads its code from a public CDN, at `/graphiql`), `/healthz`,
//! `/readyz`, with the timer scheduler and the outbox deliverer running beside it until
//! shutdown.

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
use crate::graphql::{self, Caller, Schemas};
use crate::runtime::outbox::Deliverer;
use crate::runtime::timers::Scheduler;
use crate::store::Store;

/// Largest request body accepted, uploads aside.
pub const MAX_BODY: usize = 1024 * 1024;

/// Files one multipart request may carry.
pub const MAX_FILES: usize = 10;

/// What handlers share.
#[derive(Clone)]
pub struct App {
    schema: Schemas,
    auth: Auth,
    store: Store,
    site: std::sync::Arc<crate::web::Site>,
    client: crate::web::client::Client,
}

impl App {
    /// The caller of a read that a page may link to (a download, an export): named by a
    /// valid `Authorization: Bearer` token, or without one by the pages' session cookie;
    /// `None` otherwise. `/graphql` takes tokens only, so a cookie never writes.
    #[must_use]
    pub fn signed_in(&self, headers: &HeaderMap) -> Option<crate::auth::Claims> {
        match caller(self, headers) {
            Ok(Some(who)) => Some(who),
            Ok(None) => self.site.session_caller(headers),
            Err(()) => None,
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The pages' settings.
    #[must_use]
    pub fn site(&self) -> &crate::web::Site {
        &self.site
    }

    /// The pages' settings, shared.
    #[must_use]
    pub fn site_arc(&self) -> std::sync::Arc<crate::web::Site> {
        self.site.clone()
    }

    /// The API as the pages call it.
    #[must_use]
    pub fn client(&self) -> &crate::web::client::Client {
        &self.client
    }
}

/// The router over a store, with pages whose cookies are sealed by a key made now (they
/// do not outlive the process) and no sign-in offered.
pub fn router(store: Store, auth: Auth) -> Router {
    let site = crate::web::Site::new(&crate::web::session::random_token(), auth.issuer(), auth.audience());
    router_with(store, auth, site)
}

/// The router over a store, with the pages' settings.
pub fn router_with(store: Store, auth: Auth, site: crate::web::Site) -> Router {
    let schema = graphql::schema(store.clone());
    let client = crate::web::client::Client::new(schema.main.clone());
    let app = App { schema, auth, store, site: std::sync::Arc::new(site), client };
    crate::web::routes()
        .route("/graphiql", get(graphiql))
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/ws", get(subscriptions))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/files/{sha256}", get(download))
        .route("/certificate-key.pem", get(certificate_key))
        .route("/metrics", get(metrics))
        .route("/reports/sla.csv", get(crate::export::sla))
        .route("/reports/cases.csv", get(crate::export::cases))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(crate::web::protect))
        .layer(axum::middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

/// The routes as metrics and logs name them (a path outside them is `other`).
const ROUTES: [&str; 24] = [
    "/",
    "/services",
    "/services/{code}",
    "/status",
    "/verify",
    "/signin",
    "/signin/callback",
    "/services/{code}/apply",
    "/services/{code}/submit",
    "/my/cases",
    "/my/cases/{id}",
    "/my/cases/{id}/receipt",
    "/my/cases/{id}/supply",
    "/assets/{hash}/{name}",
    "/graphiql",
    "/graphql",
    "/ws",
    "/healthz",
    "/readyz",
    "/files/{sha256}",
    "/certificate-key.pem",
    "/metrics",
    "/reports/sla.csv",
    "/reports/cases.csv",
];

/// Counts and logs every request: one structured line with method, route, status and
/// latency (`LOG_FORMAT=json` makes it a JSON object).
async fn observe(
    State(app): State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let matched = request.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_owned());
    let route = ROUTES.iter().copied().find(|r| matched.as_deref() == Some(*r)).unwrap_or("other");
    let method = request.method().clone();
    let response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    app.store.metrics.request(route, status, took);
    #[allow(clippy::cast_precision_loss)]
    let ms = took.as_micros() as f64 / 1000.0;
    tracing::info!(target: "http", %method, route, status, ms, "request");
    response
}

/// Prometheus text: this node's counters and the system's backlog.
async fn metrics(State(app): State<App>) -> axum::response::Response {
    match app.store.backlog().await {
        Ok(backlog) => (
            [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            app.store.metrics.render(&backlog),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics: backlog query failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/ws").finish())
}

/// GraphQL subscriptions over WebSocket (graphql-transport-ws, or the older graphql-ws).
/// The token travels in the `connection_init` payload: `{"Authorization": "Bearer …"}`; a
/// bad one closes the connection.
async fn subscriptions(
    State(app): State<App>,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> axum::response::Response {
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        let auth = app.auth.clone();
        async_graphql_axum::GraphQLWebSocket::new(socket, app.schema.main.clone(), protocol)
            .on_connection_init(move |payload| async move {
                let header = ["Authorization", "authorization"].iter().find_map(|k| payload.get(*k)?.as_str());
                let token =
                    header.map(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")).unwrap_or(h));
                let caller = match token.map(|t| auth.verify(t.trim())) {
                    None => None,
                    Some(Ok(claims)) => Some(claims),
                    Some(Err(e)) => {
                        tracing::info!(error = %e, "subscription token refused");
                        return Err(graphql::error::unauthenticated());
                    }
                };
                let mut data = async_graphql::Data::default();
                data.insert(Caller(caller));
                Ok(data)
            })
            .serve()
    })
}

async fn certificate_key(State(app): State<App>) -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/x-pem-file")], app.store.certificate_key().public_pem())
}

/// The caller from the `Authorization: Bearer` header: `Ok(None)` without one.
fn caller(app: &App, headers: &HeaderMap) -> Result<Option<crate::auth::Claims>, ()> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    match token.map(|t| app.auth.verify(t.trim())) {
        None => Ok(None),
        Some(Ok(claims)) => Ok(Some(claims)),
        Some(Err(e)) => {
            tracing::info!(error = %e, "token refused");
            Err(())
        }
    }
}

/// A material's file, for whoever uploaded it or may see a case citing it. Anyone else
/// gets 404, as for a file that does not exist.
async fn download(
    State(app): State<App>,
    axum::extract::Path(sha256): axum::extract::Path<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    let Some(who) = app.signed_in(&headers) else {
        return (StatusCode::UNAUTHORIZED, "a valid bearer token or a signed-in session is needed").into_response();
    };
    let sha256 = sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    let allowed = async {
        let uploaded = app.store.uploaded_by(&sha256, &who.sub).await?;
        let mut citing = Vec::new();
        if !uploaded {
            for case_id in app.store.cases_citing(&sha256).await? {
                if let Some(case) = app.store.stored(&case_id).await? {
                    citing.push(crate::policy::case_access(&who, &case.state, &case.service));
                }
            }
        }
        Ok::<bool, crate::store::StoreError>(crate::policy::may_download(uploaded, citing))
    };
    let file = match allowed.await {
        Ok(true) => app.store.file(&sha256).await,
        Ok(false) => Ok(None),
        Err(e) => Err(e),
    };
    match file {
        Ok(Some(f)) => match tokio::fs::read(app.store.file_path(&sha256)).await {
            // Saved, never shown inside our origin: an uploaded file is someone else's content.
            Ok(bytes) => (
                [
                    (axum::http::header::CONTENT_TYPE, f.content_type),
                    (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{sha256}\"")),
                    (axum::http::header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, sha256, "stored file unreadable");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        },
        Ok(None) => (StatusCode::NOT_FOUND, "no such file").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "file lookup failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
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

fn refused(error: async_graphql::Error) -> GraphQLResponse {
    async_graphql::Response::from_errors(vec![error.into_server_error(async_graphql::Pos::default())]).into()
}

async fn graphql_handler(State(app): State<App>, request: axum::extract::Request) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // A GraphQL multipart request (uploads) may carry files; anything else stays small.
    let multipart = content_type.as_deref().is_some_and(|t| t.starts_with("multipart/form-data"));
    let limit = if multipart { MAX_BODY + MAX_FILES * crate::store::MAX_FILE as usize } else { MAX_BODY };
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let request = if multipart {
        let options = async_graphql::http::MultipartOptions::default()
            .max_file_size(crate::store::MAX_FILE as usize)
            .max_num_files(MAX_FILES);
        async_graphql::http::receive_body(content_type, &body[..], options).await.map_err(|e| format!("{e}"))
    } else {
        serde_json::from_slice::<async_graphql::Request>(&body).map_err(|e| format!("{e}"))
    };
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            app.store.metrics.error("BAD_USER_INPUT");
            return refused(graphql::error::bad_input(format!("request body: {e}"))).into_response();
        }
    };
    execute(&app, &headers, request).await.into_response()
}

async fn execute(app: &App, headers: &HeaderMap, request: async_graphql::Request) -> GraphQLResponse {
    let Ok(caller) = caller(app, headers) else {
        app.store.metrics.error("UNAUTHENTICATED");
        return refused(graphql::error::unauthenticated());
    };
    let operation = request.operation_name.clone();
    let user = caller.as_ref().map(|c| c.sub.clone());
    let schema = if graphql::is_introspection(&request) { &app.schema.introspection } else { &app.schema.main };
    let mut response = schema.execute(request.data(Caller(caller))).await;
    for error in &mut response.errors {
        give_code(error);
        let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(code)) => code.as_str(),
            _ => "INTERNAL",
        };
        app.store.metrics.error(code);
        tracing::info!(target: "graphql", user = user.as_deref().unwrap_or("-"), operation = operation.as_deref().unwrap_or("-"), code, message = %error.message, "refused");
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
    let auth = config.auth()?;
    if config.generated_secret() {
        tracing::info!(
            "no JWT_SECRET or JWT_PUBLIC_KEY_PEM: tokens are checked with the secret generated in the data directory"
        );
    }
    let mut settings = config.store.clone();
    settings.certificate_key = Some(config.certificate_key()?);
    let store = Store::open(&settings).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let lease = Duration::from_secs(config.lease_secs);
    let mut scheduler = Scheduler::new(store.clone(), &config.node);
    scheduler.lease = lease;
    let mut deliverer = Deliverer::new(store.clone(), &config.node, config.endpoints.clone());
    deliverer.lease = lease;
    let loops = [tokio::spawn(scheduler.run(stopped.clone())), tokio::spawn(deliverer.run(stopped))];
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let site = crate::web::site(&config, &auth).await?;
    axum::serve(listener, router_with(store, auth, site)).with_graceful_shutdown(shutdown()).await?;
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
