//! Logs and metrics. Logging: one subscriber for the whole process, filtered by the `log` setting
//! or `RUST_LOG`. Metrics: the `metrics` facade (any crate records with `metrics::counter!` …),
//! rendered as Prometheus text on `GET /metrics` for allowed addresses or a bearer token.
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::{AddressRange, Secret, Settings};

pub fn init(filter: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| filter.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_target(false)
        .try_init();
}

const REQUEST_SECONDS: &str = "storepulse_http_request_duration_seconds";
const INGEST_ROWS_PER_SECOND: &str = "storepulse_ingest_rows_per_second";
const INGEST_RUN_SECONDS: &str = "storepulse_ingest_run_duration_seconds";

/// The process's Prometheus recorder, installed on first use (the `metrics` facade has one global
/// recorder; every router built in the process, e.g. one per test, shares it).
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(REQUEST_SECONDS.into()),
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(INGEST_ROWS_PER_SECOND.into()),
                    &[1e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6],
                )
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(INGEST_RUN_SECONDS.into()),
                    &[0.1, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0],
                )
            })
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(err) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%err, "another metrics recorder is installed: /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_histogram!(
        REQUEST_SECONDS,
        Unit::Seconds,
        "HTTP request latency by method, route template and status class"
    );
    describe_gauge!(
        "storepulse_db_pool_connections",
        "Open database connections in the pool"
    );
    describe_gauge!(
        "storepulse_db_pool_idle_connections",
        "Idle database connections in the pool"
    );
    describe_gauge!(
        "storepulse_db_pool_max_connections",
        "Largest number of database connections the pool opens"
    );
    describe_counter!(
        "storepulse_ingest_runs_total",
        "Finished ingest runs by outcome"
    );
    describe_counter!(
        "storepulse_ingest_rows_total",
        "Rows read by finished ingest runs, by outcome"
    );
    describe_counter!(
        "storepulse_ingest_rows_inserted_total",
        "Rows inserted by successful ingest runs"
    );
    describe_counter!(
        "storepulse_ingest_rows_rejected_total",
        "Rows rejected by finished ingest runs"
    );
    describe_histogram!(
        INGEST_ROWS_PER_SECOND,
        "Rows read per second of each finished ingest run"
    );
    describe_histogram!(
        INGEST_RUN_SECONDS,
        Unit::Seconds,
        "Duration of each finished ingest run"
    );
    describe_counter!(
        "storepulse_cache_requests_total",
        "Dashboard result cache lookups by query and outcome (hit or miss)"
    );
}

/// Installs the process's metrics recorder (once): what is recorded before it is lost.
pub fn install_metrics() {
    recorder();
}

/// Installs the recorder (if not yet) and keeps its histograms drained while the server runs.
pub fn spawn_metrics_upkeep() -> tokio::task::JoinHandle<()> {
    let handle = recorder();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}

/// Middleware: request latency by route template (`/api/v1/sources/{id}`, never the URL with its
/// ids or query), method and status class.
pub async fn track_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| route_label(p.as_str()));
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route, "status" => status)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A route template with axum's wildcard captures (`/pkg/{*__private__axum_nest_tail_param}`)
/// shortened to `*`.
fn route_label(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with("{*") {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a finished ingest run adds to the metrics.
pub fn record_ingest_run(
    succeeded: bool,
    rows_read: u64,
    inserted: i64,
    rejected: u64,
    seconds: f64,
) {
    let outcome = if succeeded { "succeeded" } else { "failed" };
    metrics::counter!("storepulse_ingest_runs_total", "outcome" => outcome).increment(1);
    metrics::counter!("storepulse_ingest_rows_total", "outcome" => outcome).increment(rows_read);
    metrics::counter!("storepulse_ingest_rows_inserted_total").increment(inserted.max(0) as u64);
    metrics::counter!("storepulse_ingest_rows_rejected_total").increment(rejected);
    metrics::histogram!(INGEST_RUN_SECONDS, "outcome" => outcome).record(seconds);
    if seconds > 0.0 {
        metrics::histogram!(INGEST_ROWS_PER_SECOND, "outcome" => outcome)
            .record(rows_read as f64 / seconds);
    }
}

/// Who may read `/metrics`: these addresses, or anyone with the bearer token.
#[derive(Clone)]
pub struct MetricsAccess {
    pub allow: Vec<AddressRange>,
    pub token: Option<Secret>,
    pub trust_forwarded_for: bool,
}

impl MetricsAccess {
    pub fn from_settings(settings: &Settings) -> Self {
        MetricsAccess {
            allow: settings.metrics_allow.clone(),
            token: settings.metrics_token.clone(),
            trust_forwarded_for: settings.trust_forwarded_for,
        }
    }

    fn admits(&self, headers: &axum::http::HeaderMap, peer: Option<std::net::SocketAddr>) -> bool {
        use subtle::ConstantTimeEq;
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(app::caller::bearer_token);
        if let (Some(token), Some(given)) = (&self.token, bearer) {
            if !token.expose().is_empty()
                && bool::from(token.expose().as_bytes().ct_eq(given.as_bytes()))
            {
                return true;
            }
        }
        let client =
            app::features::auth::service::client_address(headers, peer, self.trust_forwarded_for);
        client
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .is_some_and(|ip| self.allow.iter().any(|range| range.contains(&ip)))
    }
}

/// `GET /metrics`: Prometheus text, with the pool's gauges read now. 403 unless the caller's
/// address is allowed or it sends the token.
pub async fn metrics_endpoint(
    State(state): State<app::state::AppState>,
    axum::Extension(access): axum::Extension<MetricsAccess>,
    request: Request,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0);
    if !access.admits(request.headers(), peer) {
        return (
            StatusCode::FORBIDDEN,
            "metrics are served to the addresses in metrics_allow, or with metrics_token as a bearer token\n",
        )
            .into_response();
    }
    let handle = recorder();
    let pool = &state.pool;
    metrics::gauge!("storepulse_db_pool_connections").set(pool.size() as f64);
    metrics::gauge!("storepulse_db_pool_idle_connections").set(pool.num_idle() as f64);
    metrics::gauge!("storepulse_db_pool_max_connections")
        .set(pool.options().get_max_connections() as f64);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_labels_keep_templates_and_shorten_wildcards() {
        assert_eq!(route_label("/api/v1/sources/{id}"), "/api/v1/sources/{id}");
        assert_eq!(
            route_label("/pkg/{*__private__axum_nest_tail_param}"),
            "/pkg/*"
        );
    }

    #[test]
    fn address_ranges_take_addresses_and_cidr() {
        let range = AddressRange::try_from("10.0.0.0/8".to_string()).unwrap();
        assert!(range.contains(&"10.1.2.3".parse().unwrap()));
        assert!(!range.contains(&"11.0.0.1".parse().unwrap()));
        let one = AddressRange::try_from("::1".to_string()).unwrap();
        assert!(one.contains(&"::1".parse().unwrap()));
        assert!(AddressRange::try_from("localhost".to_string()).is_err());
    }
}
