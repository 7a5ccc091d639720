//! The application state handed to every server function through Leptos context, and the
//! result cache of the dashboards.
use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;

use crate::error::AppError;
use crate::features::auth::types::CurrentUser;
use crate::features::sources::types::{
    ConnectionChange, ConnectionChanged, ConnectionCreated, ConnectionDeleted, ConnectionSummary,
    NewConnection, SyncJob, SyncReport, TestReport, WebhooksRegistered,
};
use futures_util::future::BoxFuture;

/// Everything a request handler needs; built once by the server's startup code.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    pub auth: AuthPolicy,
    /// The store's currency (ISO 4217), used to label money.
    pub currency: String,
    /// The store's IANA time zone.
    pub timezone: String,
    /// Its UTC offsets, for showing moments as the store's time (`crate::clock`).
    pub zone: crate::clock::StoreZone,
    /// Where uploads wait to be loaded (and stay for a retry until they load).
    pub upload_dir: std::path::PathBuf,
    /// Largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Dashboard results keyed by query, filters and data version.
    pub cache: ResultCache,
    /// The per-customer-day rollup in memory (the customers who bought in a range).
    pub customer_days: crate::dashboard::customer_days::CustomerDays,
    /// Turns of the page parts (`crate::turns`): as many computing at once as there are cores,
    /// the others waiting in the order they were asked for; a page's cards compute alone.
    pub parts: crate::turns::Turns,
    pub customers: CustomerSettings,
    /// Stock rules, pricing rules and market-signal thresholds.
    pub inventory: crate::features::inventory::types::InventorySettings,
    /// Recomputes the market signals after a change, in the background.
    pub signals: crate::features::inventory::refresh::SignalRefresh,
    /// Derives each embed's token secret.
    pub embed_key: crate::features::embed::token::SigningKey,
    /// Seals and opens shop credentials.
    pub credentials: crate::features::sources::credentials::CredentialsKey,
    /// Shop connections may use any http(s) address and retry quickly (a local double of a
    /// platform, in tests); never in production.
    pub connector_test_mode: bool,
    /// The data version as a stream, for live dashboards (`GET /api/v1/live`).
    pub live: LiveFeed,
    /// The shop connectors (implemented by the server binary).
    pub connector: std::sync::Arc<dyn Connector>,
    /// Send `Strict-Transport-Security` (the site is served over https).
    pub hsts: bool,
    /// The origin of the public URL (`https://stats.example`), if set: what browsers send in
    /// `Origin`, and the site's scheme for the CSRF check.
    pub public_origin: Option<String>,
    /// Sane ranges of uploaded values; the dashboards' presets stay within its dates.
    pub limits: crate::features::sources::types::ValueLimits,
}

/// An answer of the connectors: a boxed future (the trait is used as an object).
pub type Answer<'a, T> = BoxFuture<'a, Result<T, AppError>>;

/// Shop connections as the pages and the API reach them. The connectors themselves (platform
/// clients, syncs, the schedule) live in the server binary, which puts its implementation in the
/// app state: the server functions and the REST handlers call the same methods. Every method is
/// for the roles its callers check first; the methods audit what they change.
pub trait Connector: Send + Sync {
    /// Every connection, by name (never its credentials).
    fn list<'a>(&'a self, state: &'a AppState) -> Answer<'a, Vec<ConnectionSummary>>;
    /// Tests the credentials with the platform and saves the connection only if a sync can work.
    fn create<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        new: NewConnection,
    ) -> Answer<'a, ConnectionCreated>;
    /// Changes a connection; new credentials are tested first and saved only if accepted.
    fn change<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
        change: ConnectionChange,
    ) -> Answer<'a, ConnectionChanged>;
    /// Asks the platform again what the credentials can read.
    fn test<'a>(&'a self, state: &'a AppState, id: i64) -> Answer<'a, TestReport>;
    /// Syncs now and answers when done.
    fn sync<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
    ) -> Answer<'a, SyncReport>;
    /// Deletes a connection, keeping or deleting its data.
    fn delete<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
        keep_data: bool,
    ) -> Answer<'a, ConnectionDeleted>;
    /// A connection's syncs, newest first.
    fn history<'a>(&'a self, state: &'a AppState, id: i64, limit: i64) -> Answer<'a, Vec<SyncJob>>;
    /// Sends an accepted price to the product's shop (analysts and admins: an explicit action,
    /// never automatic); the platform's answer is kept on the decision and in the audit log.
    fn push_price<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        decision_id: i64,
    ) -> Answer<'a, crate::features::inventory::types::PricingDecision>;
    /// Registers the platform's webhooks to this server.
    fn register_webhooks<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
    ) -> Answer<'a, WebhooksRegistered>;
}

/// The data version, watched by one task per process (started by the first listener): every
/// open dashboard's live stream subscribes to it instead of asking the database itself.
#[derive(Clone)]
pub struct LiveFeed {
    pool: PgPool,
    receiver: std::sync::Arc<tokio::sync::OnceCell<tokio::sync::watch::Receiver<i64>>>,
}

/// How often the data version is read while anyone listens.
const LIVE_POLL: std::time::Duration = std::time::Duration::from_millis(500);

impl LiveFeed {
    pub fn new(pool: PgPool) -> Self {
        LiveFeed {
            pool,
            receiver: Default::default(),
        }
    }

    /// The data version now and at every change.
    pub async fn subscribe(&self) -> tokio::sync::watch::Receiver<i64> {
        self.receiver
            .get_or_init(|| async {
                let first = Self::read(&self.pool).await.unwrap_or(0);
                let (sender, receiver) = tokio::sync::watch::channel(first);
                let pool = self.pool.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(LIVE_POLL);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tick.tick().await;
                        match Self::read(&pool).await {
                            Ok(version) => {
                                sender.send_if_modified(|held| {
                                    let changed = *held != version;
                                    *held = version;
                                    changed
                                });
                            }
                            Err(sqlx::Error::PoolClosed) => return,
                            Err(err) => {
                                tracing::debug!(%err, "data version not readable; trying again")
                            }
                        }
                    }
                });
                receiver
            })
            .await
            .clone()
    }

    async fn read(pool: &PgPool) -> sqlx::Result<i64> {
        sqlx::query_scalar!("select data_version from rollup_state")
            .fetch_one(pool)
            .await
    }
}

/// Settings of the Customer Insights dashboard.
#[derive(Clone, Copy, Debug, Default)]
pub struct CustomerSettings {
    pub thresholds: crate::features::customers::types::EngagementThresholds,
    pub clusters: crate::features::customers::types::ClusterSettings,
}

/// Results of dashboard queries, keyed by (query, filters, data version): a new ingest bumps the
/// data version (`rollup_state`), so stale entries are never read again and age out. Entries are
/// per process; every process computes the same results from the same database.
#[derive(Clone)]
pub struct ResultCache(
    moka::future::Cache<String, std::sync::Arc<dyn std::any::Any + Send + Sync>>,
);

impl ResultCache {
    /// A cache of at most `entries` results, each kept at most ten minutes.
    pub fn new(entries: u64) -> Self {
        Self(
            moka::future::Cache::builder()
                .max_capacity(entries)
                .time_to_live(std::time::Duration::from_secs(600))
                .build(),
        )
    }

    /// The cached result of `query` for `key` at the current data version, or computes and keeps it.
    /// Concurrent callers asking for the same missing entry wait for one computation instead of
    /// each running the queries (50 visitors opening a dashboard after an ingest cost one pass).
    pub async fn get_or_compute<T, F>(
        &self,
        pool: &PgPool,
        query: &str,
        key: &impl serde::Serialize,
        compute: F,
    ) -> Result<T, AppError>
    where
        T: Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<T, AppError>>,
    {
        let version: i64 = sqlx::query_scalar!("select data_version from rollup_state")
            .fetch_optional(pool)
            .await?
            .unwrap_or(0);
        let key = format!(
            "{query}|{version}|{}",
            serde_json::to_string(key).map_err(|e| AppError::internal("cache key", e))?
        );
        // A page part computes in its turn (`crate::turns`), taken before computing so that no
        // one waits for this entry while it waits; a cached result needs no turn.
        let _turn = match self.0.contains_key(&key) {
            true => None,
            false => crate::turns::take().await?,
        };
        let entry =
            self.0
                .entry(key)
                .or_try_insert_with(async {
                    let value = compute.await?;
                    Ok::<_, AppError>(std::sync::Arc::new(value)
                        as std::sync::Arc<dyn std::any::Any + Send + Sync>)
                })
                .await
                .map_err(|err| (*err).clone())?;
        // A miss is the one call that computed the entry; callers that waited for it are hits.
        let outcome = if entry.is_fresh() { "miss" } else { "hit" };
        metrics::counter!("storepulse_cache_requests_total", "query" => query.to_string(), "outcome" => outcome)
            .increment(1);
        entry
            .into_value()
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| {
                AppError::internal("result cache", "an entry of another type under this key")
            })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Login throttling (progressive delays, never a lockout) and client address policy.
#[derive(Clone, Debug)]
pub struct AuthPolicy {
    /// Failures of one account from one address before each further try has to wait.
    pub free_failures: i32,
    /// The first wait; it doubles with each further failure.
    pub first_delay_secs: i32,
    /// The longest wait; also the wait of an address past `max_failures_per_ip`.
    pub max_delay_secs: i32,
    /// Failures from one address (any accounts) after which it waits the longest delay.
    pub max_failures_per_ip: i32,
    /// Failures of one account from all addresses after which every address waits from its first
    /// failure on it (a slow-down; a login from an address that has not failed still goes through).
    pub max_failures_per_account: i32,
    /// Failures are forgotten after this many seconds without one.
    pub window_secs: i32,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("app state", "missing from context"))
}
