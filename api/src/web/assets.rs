//! Our own CSS and JavaScript, compiled into the binary. Each is served under a name that
//! carries a hash of its content, so it can be cached for a year and a new build is
//! fetched at once; `ETag` and `If-None-Match` answer revalidations with 304.

use std::sync::LazyLock;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset { name: "site.css", content_type: "text/css; charset=utf-8", body: include_str!("../../assets/site.css") },
    Asset {
        name: "live.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/live.js"),
    },
    Asset {
        name: "work.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/work.js"),
    },
];

/// Each asset's content hash (16 hex digits of SHA-256).
static HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    use sha2::Digest;
    ASSETS.iter().map(|a| hex::encode(&sha2::Sha256::digest(a.body.as_bytes())[..8])).collect()
});

/// The URL of asset `name` (`/assets/<hash>/<name>`); `/assets/missing` for an unknown one.
#[must_use]
pub fn url(name: &str) -> String {
    ASSETS
        .iter()
        .zip(HASHES.iter())
        .find(|(a, _)| a.name == name)
        .map_or_else(|| "/assets/missing".to_owned(), |(a, h)| format!("/assets/{h}/{}", a.name))
}

/// `GET /assets/{hash}/{name}`.
pub async fn serve(
    axum::extract::Path((hash, name)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some((asset, current)) = ASSETS.iter().zip(HASHES.iter()).find(|(a, _)| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = format!("\"{current}\"");
    // An old hash still gets today's file, but only briefly cached.
    let cache = if &hash == current { "public, max-age=31536000, immutable" } else { "public, max-age=60" };
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache.to_owned())])
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, asset.content_type.to_owned()),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        asset.body,
    )
        .into_response()
}
