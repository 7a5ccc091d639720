//! Builds the application once, for `main` and for the tests alike.
use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use app::state::{AppState, AuthPolicy};
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::Settings;
use crate::keys::Keys;
use crate::router;

/// Site settings for Leptos: the bundle `pkg/storepulse.js` + `pkg/storepulse_bg.wasm` under the
/// site root (as `make` builds it with wasm-bindgen).
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("storepulse")
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .build()
}

/// The state every request sees.
pub fn app_state(pool: PgPool, settings: &Settings, keys: &Keys) -> AppState {
    // One turn per core for the page parts (and the market signals after a change).
    let parts = app::turns::Turns::per_core();
    AppState {
        pool: pool.clone(),
        leptos_options: leptos_options(settings),
        auth: AuthPolicy {
            free_failures: settings.login_free_failures,
            first_delay_secs: settings.login_first_delay_seconds,
            max_delay_secs: settings.login_max_delay_seconds,
            max_failures_per_ip: settings.login_max_failures_per_ip,
            max_failures_per_account: settings.login_max_failures_per_account,
            window_secs: settings.login_window_seconds,
            trust_forwarded_for: settings.trust_forwarded_for,
        },
        currency: settings.currency.clone(),
        timezone: settings.store_timezone.clone(),
        zone: Default::default(),
        upload_dir: settings.data_dir.join("uploads"),
        max_upload_bytes: settings.max_upload_mb * 1024 * 1024,
        cache: app::state::ResultCache::new(1000),
        customer_days: Default::default(),
        parts: parts.clone(),
        customers: app::state::CustomerSettings {
            thresholds: app::features::customers::types::EngagementThresholds {
                occasional_from: settings.engagement_occasional_from,
                regular_from: settings.engagement_regular_from,
            },
            clusters: app::features::customers::types::ClusterSettings {
                k: (settings.clusters > 0).then_some(settings.clusters),
                seed: settings.cluster_seed,
            },
        },
        inventory: settings.inventory,
        signals: app::features::inventory::refresh::SignalRefresh::taking_turns(
            pool.clone(),
            settings.inventory,
            Some(parts),
        ),
        embed_key: app::features::embed::token::SigningKey::new(keys.embed.expose().as_bytes()),
        credentials: keys.credentials.clone(),
        connector_test_mode: settings.connector_test_mode,
        connector: std::sync::Arc::new(crate::ingest::shop::service::Shops),
        live: app::state::LiveFeed::new(pool.clone()),
        hsts: settings.hsts.unwrap_or_else(|| settings.secure_cookies()),
        public_origin: settings.public_origin(),
        limits: settings.value_limits(),
    }
}

/// Prepares the database for serving (store time zone, rollups) and builds the router, with the
/// state its requests share (the result cache, which the warmer fills too).
pub async fn build_router(
    pool: PgPool,
    settings: &Settings,
    keys: &Keys,
) -> anyhow::Result<(axum::Router, AppState)> {
    let mut conn = pool.acquire().await?;
    if app::rollup::set_store_timezone(&mut conn, &settings.store_timezone)
        .await
        .with_context(|| {
            format!(
                "store_timezone '{}' is not a time zone PostgreSQL knows",
                settings.store_timezone
            )
        })?
    {
        tracing::info!(timezone = %settings.store_timezone, "store time zone changed: rollups rebuilt");
    }
    if app::rollup::ensure(&mut conn).await? {
        tracing::info!("rollups were empty (new rollup tables after an upgrade): rebuilt");
    }
    let zone = app::clock::StoreZone::load(&mut conn, &settings.store_timezone).await?;
    drop(conn);

    let store = PostgresStore::new(pool.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name("storepulse_session")
        .with_secure(settings.secure_cookies())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            settings.session_idle_minutes,
        )))
        .with_signed(keys.session.clone());
    crate::telemetry::install_metrics();
    let mut state = app_state(pool, settings, keys);
    state.zone = zone;
    Ok((
        router::router(
            state.clone(),
            sessions,
            crate::telemetry::MetricsAccess::from_settings(settings),
        ),
        state,
    ))
}

/// Serves until `shutdown` completes. Client addresses are passed on for throttling and audit.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let upkeep = crate::telemetry::spawn_metrics_upkeep();
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server error");
    upkeep.abort();
    served
}

/// Deletes expired sessions in the background.
pub fn spawn_session_cleanup(pool: PgPool) -> tokio::task::JoinHandle<()> {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        let store = PostgresStore::new(pool);
        if let Err(err) = store
            .continuously_delete_expired(tokio::time::Duration::from_secs(300))
            .await
        {
            tracing::error!(%err, "expired-session cleanup stopped");
        }
    })
}

/// Removes orphaned upload folders (no run refers to them) older than `upload_retention_days`,
/// at start and then every hour, saying so in the log.
pub fn spawn_upload_cleanup(pool: PgPool, settings: &Settings) -> tokio::task::JoinHandle<()> {
    let dir = settings.data_dir.join("uploads");
    let max_age = std::time::Duration::from_secs(settings.upload_retention_days * 24 * 3600);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match crate::ingest::run::clean_orphan_uploads(&pool, &dir, max_age).await {
                Ok(removed) if !removed.is_empty() => tracing::info!(
                    count = removed.len(),
                    days = max_age.as_secs() / 86_400,
                    folder = %dir.display(),
                    "removed upload folders that no ingest run refers to"
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!(
                    err = format!("{err:#}"),
                    "orphaned uploads could not be cleaned"
                ),
            }
        }
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
