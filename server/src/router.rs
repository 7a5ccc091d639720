//! The one route and layer table of the web server.
use app::state::AppState;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::service::SignedCookie;
use tower_sessions::{Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Static files (the same for everyone): the only responses a cache may keep.
const STATIC_PREFIXES: &[&str] = &["/pkg/", "/assets/", "/favicon"];

/// A folder of static files, sent as compressed at build time when the browser accepts it.
fn static_files(dir: String) -> ServeDir {
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
}

/// Paths anyone may fetch without a session. Everything else that is a page needs a login.
/// (`/fn/` and `/api/` check roles themselves and answer 401 rather than redirect.)
const PUBLIC_PREFIXES: &[&str] = &[
    "/login",
    "/fn/",
    "/api/",
    "/pkg/",
    "/assets/",
    "/health",
    "/ready",
    "/favicon",
    "/embed/",
    "/metrics",
    "/webhooks/",
];

pub fn router(
    state: AppState,
    sessions: SessionManagerLayer<PostgresStore, SignedCookie>,
    metrics: crate::telemetry::MetricsAccess,
) -> Router {
    let site_root = state.leptos_options.site_root.to_string();
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let (missing_state, missing_options) = (state.clone(), state.leptos_options.clone());
    let caller_state = state.clone();
    // A page asked for by the in-place swap helper (public/nav.js, `X-Swap: 1`)
    // is rendered in order, every suspended part in its place: the helper parses it with
    // DOMParser, which runs none of the inline scripts that out-of-order streaming needs.
    let (swap_state, swap_options) = (state.clone(), state.leptos_options.clone());
    let render_in_order = leptos_axum::render_app_to_stream_in_order_with_context(
        move || provide_context(swap_state.clone()),
        move || shell(swap_options.clone()),
    );

    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        // Prometheus text for allowed addresses or the metrics token (docs/operations.md).
        .route(
            "/metrics",
            get(crate::telemetry::metrics_endpoint).layer(axum::Extension(metrics)),
        )
        // Shop platforms' webhooks: verified by their signature, not by a login.
        .route(
            "/webhooks/shopify",
            axum::routing::post(crate::ingest::shop::webhook::shopify),
        )
        .route(
            "/webhooks/woocommerce",
            axum::routing::post(crate::ingest::shop::webhook::woocommerce),
        )
        .merge(crate::api::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        // The bundle and assets as compressed at build time (scripts/precompress.mjs), when the
        // browser takes brotli or gzip; the compression layer leaves those answers alone.
        .nest_service("/pkg", static_files(format!("{site_root}/pkg")))
        .nest_service("/assets", static_files(format!("{site_root}/assets")))
        // Any other address: under /api/ and /fn/ a JSON 404 like every API error; elsewhere
        // the app's own "Page not found" page, answered with 404.
        .fallback(not_found(leptos_axum::render_app_to_stream_with_context(
            move || provide_context(missing_state.clone()),
            move || shell(missing_options.clone()),
        )))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let render_in_order = render_in_order.clone();
            async move {
                if is_swap_request(&request) {
                    render_in_order(request).await
                } else {
                    next.run(request).await
                }
            }
        }))
        .layer(middleware::from_fn(require_login_for_pages))
        .layer(middleware::from_fn_with_state(
            caller_state.clone(),
            resolve_caller,
        ))
        .layer(middleware::from_fn_with_state(
            caller_state.clone(),
            refuse_cross_site_writes,
        ))
        .layer(sessions)
        // Server functions and JSON bodies; uploads set their own limit. Over it: 413.
        .layer(DefaultBodyLimit::max(crate::api::BODY_LIMIT))
        // Outside the refusals above, so that their answers carry the headers too.
        .layer(middleware::from_fn_with_state(
            caller_state.clone(),
            security_headers,
        ))
        .layer(CompressionLayer::new())
        // Spans name the path, never the query (an embed page's query holds its token).
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        // Latency per route template; outermost, so that it counts every layer's time.
        .layer(middleware::from_fn(crate::telemetry::track_request))
        .with_state(state)
}

/// The answer to an address no route takes. Scripts calling the API or a server function get
/// JSON they can parse (`{"error": "The route GET /api/v1/… was not found."}`), people get the app's 404 page.
fn not_found<H, F>(render_page: H) -> axum::routing::MethodRouter<AppState>
where
    H: Fn(Request) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = Response> + Send + 'static,
{
    axum::routing::any(move |request: Request| {
        let render_page = render_page.clone();
        async move {
            let path = request.uri().path();
            if path.starts_with("/api/") || path.starts_with("/fn/") {
                let route = format!("The route {} {path}", request.method());
                return app::error::AppError::NotFound(route).into_response();
            }
            if !matches!(*request.method(), Method::GET | Method::HEAD) {
                return StatusCode::METHOD_NOT_ALLOWED.into_response();
            }
            render_page(request).await
        }
    })
}

/// Process is up.
async fn health() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Database is reachable: 503 with the reason while the supervisor finds it down (e.g. while
/// the embedded PostgreSQL is being restarted), and at once rather than after a pool timeout.
async fn ready(
    State(state): State<AppState>,
    health: Option<axum::Extension<crate::db::DbHealth>>,
) -> Response {
    let unavailable = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "database unavailable", "reason": reason })),
        )
            .into_response()
    };
    if let Some(reason) = health.as_ref().and_then(|h| h.down_reason()) {
        return unavailable(reason);
    }
    let answered = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool),
    )
    .await;
    match answered {
        Ok(Ok(_)) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        failed => {
            let reason = match failed {
                Ok(Err(err)) => format!("the database does not answer: {err}"),
                _ => "the database did not answer within 1 s".to_string(),
            };
            tracing::warn!(%reason, "readiness check failed");
            if let Some(health) = health {
                health.check_now();
            }
            unavailable(reason)
        }
    }
}

/// While the supervisor finds the database down, every request that would need it answers 503
/// at once (with `Retry-After` and the reason) instead of waiting for a connection; a 5xx answer
/// has the supervisor look at the database now. The server adds it around the whole router.
pub async fn database_guard(
    State(health): State<crate::db::DbHealth>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let needs_database = !(path == "/health"
        || path == "/ready"
        || path == "/metrics"
        || STATIC_PREFIXES.iter().any(|p| path.starts_with(p)));
    if needs_database {
        if let Some(reason) = health.down_reason() {
            let body = serde_json::json!({
                "error": format!("The database is unavailable ({reason}). Try again in a moment."),
                "fields": null,
            });
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "2")],
                Json(body),
            )
                .into_response();
        }
    }
    let response = next.run(request).await;
    if response.status().is_server_error() {
        health.check_now();
    }
    response
}

/// Works out who is calling (session, API token or embed token) once, for every handler.
async fn resolve_caller(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let uri = request.uri().clone();
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0);
    let ip = app::features::auth::service::client_address(
        request.headers(),
        peer,
        state.auth.trust_forwarded_for,
    );
    match app::caller::resolve(
        &state,
        request.headers(),
        uri.path(),
        uri.query(),
        &session,
        ip,
    )
    .await
    {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(err) => err.into_response(),
    }
}

/// Headers of every response. Pages get their full Content-Security-Policy (with the script
/// nonce, and for embeds the embed's `frame-ancestors`) from the shell; everything else may not
/// be framed and runs nothing. Only embed pages go without `X-Frame-Options: DENY`. Everything
/// but the static files is made for one caller (pages, server functions, JSON, CSV exports):
/// `Cache-Control: no-store`, so that neither the browser nor a shared cache keeps it.
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let embed_page = path.starts_with("/embed/");
    let static_file = STATIC_PREFIXES.iter().any(|p| path.starts_with(p));
    let bundle = path.starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !static_file {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if bundle {
        // The bundle is a main module and chunks that must come from the same build (their
        // names do not change between builds): the browser asks again each time (a 304 when
        // unchanged) instead of mixing a cached chunk with a newer main module.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if !embed_page {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if state.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// A page (GET, not the API, a server function or a static file) fetched by the swap helper.
fn is_swap_request(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && request.headers().contains_key("x-swap")
        && !["/api/", "/fn/", "/pkg/", "/assets/", "/embed/"]
            .iter()
            .any(|p| path.starts_with(p))
}

fn is_public(path: &str) -> bool {
    PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Page visits without a session go to the login page and come back afterwards; the login page
/// with a session goes straight on. (Server functions check roles themselves.)
async fn require_login_for_pages(session: Session, request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let path = request.uri().path();
    let logged_in = matches!(session.get::<i64>("user_id").await, Ok(Some(_)));
    if path == "/login" && logged_in {
        let next_path = request
            .uri()
            .query()
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "next"))
            .map(|(_, v)| v.into_owned());
        return Redirect::to(&app::features::auth::types::safe_next_path(
            next_path.as_deref(),
        ))
        .into_response();
    }
    if is_public(path) || logged_in {
        return next.run(request).await;
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("next", target)
        .finish();
    Redirect::to(&format!("/login?{query}")).into_response()
}

/// Refuses state-changing requests sent by another site (CSRF): a browser names the sending
/// origin in `Origin` (else `Referer`, or at least `Sec-Fetch-Site`), whose scheme, host and port
/// must be this site's.
async fn refuse_cross_site_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let sender = text(header::ORIGIN)
        .or_else(|| text(header::REFERER).map(app::features::embed::types::origin_of));
    let origin_ok = match sender {
        Some(sender) => {
            let site = site_origins(
                state.public_origin.as_deref(),
                headers,
                state.auth.trust_forwarded_for,
            );
            app::features::embed::types::normalize_origin(sender)
                .is_ok_and(|sender| site.contains(&sender))
        }
        None => !matches!(
            text(HeaderName::from_static("sec-fetch-site")),
            Some("cross-site") | Some("same-site")
        ),
    };
    if origin_ok {
        next.run(request).await
    } else {
        tracing::warn!(uri = %request.uri(), "refused a cross-site write");
        app::error::AppError::Forbidden.into_response()
    }
}

/// The origins this site is reached at: the public URL's (`STOREPULSE_PUBLIC_URL`), and the
/// request's `Host` with the site's scheme, which is the public URL's, else
/// `X-Forwarded-Proto` from a trusted proxy, else http (the server itself speaks plain HTTP).
fn site_origins(
    public_origin: Option<&str>,
    headers: &header::HeaderMap,
    trust_proxy: bool,
) -> Vec<String> {
    let scheme = public_origin
        .and_then(|o| o.split_once("://"))
        .map(|(scheme, _)| scheme)
        .or_else(|| {
            trust_proxy
                .then(|| headers.get("x-forwarded-proto")?.to_str().ok())
                .flatten()
        })
        .unwrap_or("http");
    let mut origins: Vec<String> = public_origin.map(String::from).into_iter().collect();
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        if let Ok(origin) =
            app::features::embed::types::normalize_origin(&format!("{scheme}://{host}"))
        {
            origins.push(origin);
        }
    }
    origins
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::features::embed::types::origin_of;

    #[test]
    fn public_paths() {
        assert!(is_public("/login"));
        assert!(is_public("/pkg/storepulse.js"));
        assert!(is_public("/fn/login"));
        assert!(!is_public("/sales"));
        assert!(!is_public("/"));
    }

    #[test]
    fn the_site_origin_has_a_scheme_host_and_port() {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert_eq!(
            site_origins(None, &headers, false),
            ["http://127.0.0.1:3000"]
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            site_origins(None, &headers, false),
            ["http://127.0.0.1:3000"],
            "untrusted"
        );
        assert_eq!(
            site_origins(None, &headers, true),
            ["https://127.0.0.1:3000"]
        );
        headers.insert(header::HOST, HeaderValue::from_static("stats.example:443"));
        assert_eq!(
            site_origins(Some("https://stats.example"), &headers, false),
            ["https://stats.example", "https://stats.example"]
        );
        assert_eq!(
            origin_of("https://stats.example/sales?x=1"),
            "https://stats.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
    }
}
