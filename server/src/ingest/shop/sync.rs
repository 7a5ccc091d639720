//! A sync: the products changed since the last one, then the orders changed since the last one
//! (less an overlap, for updates written while the last sync read), page by page, loaded in
//! batches. Each batch is one ingest run (all or nothing) whose transaction also stores the
//! cursor: a sync stopped anywhere — an error, a restart, `kill -9` — resumes from the last
//! batch it loaded, and loading an order again changes nothing.
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use app::error::AppError;
use app::features::inventory::refresh::SignalRefresh;
use app::features::sources::credentials::CredentialsKey;
use app::features::sources::types::SyncReport;
use chrono::{DateTime, Duration, Utc};
use formats::FormatChoice;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

use super::connection::{self, Reach};
use super::http::FetchError;
use super::http::Pager;
use super::{magento, shopify, woo, Batch, Cursor, Platform};
use crate::ingest::run::{self, Job, RunSummary, Store, SyncStep};
use rust_decimal::Decimal;

/// Advisory-lock namespace of syncs (one per connection at a time, across processes); a running
/// sync whose lock is free has lost its process.
pub const SYNC_LOCK: i32 = 7_304;
/// Updates written while the previous sync was reading may carry an earlier `updated_at` than
/// the last one it saw: each sync reads this far back again.
const OVERLAP_MINUTES: i64 = 5;

/// Pages and orders read so far, for a progress display.
#[derive(Debug, Default)]
pub struct SyncProgress {
    pub pages: AtomicU64,
    pub orders: AtomicU64,
    pub products: AtomicU64,
}

/// What a sync needs besides the connection.
#[derive(Clone)]
pub struct SyncOptions {
    pub store: Store,
    pub signals: SignalRefresh,
    pub started_by: Option<i64>,
    pub reach: Reach,
    /// Orders per ingest run.
    pub batch_orders: u64,
    /// Where the batches' files are written while they load.
    pub work_dir: std::path::PathBuf,
}

impl SyncOptions {
    /// What a sync started by this server needs.
    pub fn for_state(state: &app::state::AppState, started_by: Option<i64>) -> SyncOptions {
        SyncOptions {
            store: Store {
                currency: state.currency.clone(),
                timezone: state.timezone.clone(),
                limits: state.limits,
            },
            signals: state.signals.clone(),
            started_by,
            reach: connection::reach(state.connector_test_mode),
            batch_orders: BATCH_ORDERS,
            work_dir: state.upload_dir.clone(),
        }
    }
}

/// Orders per run: large enough that a backfill is a few runs, small enough that a run stays
/// short and a stopped backfill loses little.
pub const BATCH_ORDERS: u64 = 5_000;

/// The right to sync one connection, held as a PostgreSQL advisory lock on a session of its own
/// for as long as this value lives: no two syncs of a connection run at once, in any process,
/// and a process that dies releases it with its session.
pub struct SyncLock {
    conn: PoolConnection<Postgres>,
    pub id: i64,
}

impl SyncLock {
    /// The lock of connection `id`, or `None` while a sync of it runs.
    pub async fn try_take(pool: &PgPool, id: i64) -> sqlx::Result<Option<SyncLock>> {
        let mut conn = pool.acquire().await?;
        // Dropped mid-sync: closed (releasing the lock) rather than returned to the pool with it.
        conn.close_on_drop();
        let locked: bool = sqlx::query_scalar!(
            r#"select pg_try_advisory_lock($1, $2) as "locked!""#,
            SYNC_LOCK,
            id as i32
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(locked.then_some(SyncLock { conn, id }))
    }

    pub async fn release(mut self) {
        let _ = sqlx::query!(
            "select pg_advisory_unlock($1, $2)",
            SYNC_LOCK,
            self.id as i32
        )
        .fetch_one(&mut *self.conn)
        .await;
    }
}

/// Syncs the connection whose lock is held.
pub async fn sync(
    pool: &PgPool,
    key: &CredentialsKey,
    lock: &SyncLock,
    options: &SyncOptions,
    progress: Arc<SyncProgress>,
) -> Result<SyncReport, AppError> {
    let id = lock.id;
    let opened = connection::open(pool, key, id).await?;
    let started = Instant::now();
    let mut report = SyncReport {
        connection_id: id,
        run_ids: Vec::new(),
        pages: 0,
        orders: 0,
        products: 0,
        customers: 0,
        inserted: 0,
        updated: 0,
        notes: Vec::new(),
        error: None,
        synced_through: None,
        seconds: 0.0,
    };
    let result = run_sync(pool, &opened, options, &progress, &mut report).await;
    report.seconds = started.elapsed().as_secs_f64();
    let error = match result {
        Ok(()) => None,
        Err(Stop::Fetch(err)) => Some(format!("{err}. {}", resume_text(report.synced_through))),
        Err(Stop::Run(text)) => Some(text),
        Err(Stop::App(err)) => return Err(err),
    };
    sqlx::query!(
        "update shop_connection set last_error = $2, updated_at = now() where source_id = $1",
        id,
        error
    )
    .execute(pool)
    .await?;
    if error.is_some() {
        sqlx::query!(
            "update source set status = 'error' where source_id = $1",
            id
        )
        .execute(pool)
        .await?;
    }
    report.error = error;
    Ok(report)
}

fn resume_text(through: Option<DateTime<Utc>>) -> String {
    match through {
        Some(t) => format!(
            "Orders updated up to {} are loaded; the next sync resumes there",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => {
            "Nothing of this sync was loaded; the next sync starts from where the last one finished"
                .to_string()
        }
    }
}

pub enum Stop {
    /// The platform could not be read.
    Fetch(FetchError),
    /// A batch's run failed (its message says why).
    Run(String),
    App(AppError),
}

impl From<sqlx::Error> for Stop {
    fn from(err: sqlx::Error) -> Self {
        Stop::App(err.into())
    }
}

impl From<FetchError> for Stop {
    fn from(err: FetchError) -> Self {
        Stop::Fetch(err)
    }
}

async fn run_sync(
    pool: &PgPool,
    opened: &connection::Opened,
    options: &SyncOptions,
    progress: &SyncProgress,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let client = Platformed::new(opened, options)?;
    let mut cursor = Cursor::parse(opened.cursor.as_deref());
    report.synced_through = cursor.orders;
    let back = |t: Option<DateTime<Utc>>| t.map(|t| t - Duration::minutes(OVERLAP_MINUTES));

    let mut batch = Batch::default();
    let mut products = client.products(back(cursor.products));
    while let Some(items) = products.next_page().await? {
        report.pages += 1;
        progress.pages.fetch_add(1, Ordering::Relaxed);
        let n = items.len() as u64;
        report.products += n;
        progress.products.fetch_add(n, Ordering::Relaxed);
        let latest = client.add_products(&mut batch, items, report).await?;
        cursor.products = cursor.products.max(latest);
    }
    client.add_costs(&mut batch, report).await?;
    // Customers, those who have not ordered too (the others also come with their orders).
    let since = back(cursor.customers);
    let mut customers = client.customers(since);
    loop {
        let items = match customers.next_page().await {
            Ok(Some(items)) => items,
            Ok(None) => break,
            Err(FetchError::Refused(text)) => {
                report.notes.push(format!(
                    "customers who have not ordered were not read ({text}); customers still load with their orders"
                ));
                break;
            }
            Err(err) => return Err(err.into()),
        };
        report.pages += 1;
        progress.pages.fetch_add(1, Ordering::Relaxed);
        report.customers += items.len() as u64;
        let (latest, done) = client.add_customers(&mut batch, items, since).await?;
        cursor.customers = cursor.customers.max(latest);
        if done {
            break;
        }
    }
    let mut orders = client.orders(back(cursor.orders));
    let mut latest = cursor.orders;
    loop {
        let page = orders.next_page().await;
        let items = match page {
            Ok(items) => items,
            Err(err) => {
                // What was read before the failure still loads: the cursor stops where it ends.
                if batch.orders() > 0 {
                    let read = Cursor {
                        orders: latest,
                        ..cursor
                    };
                    flush(pool, opened, options, &mut batch, read, report).await?;
                }
                return Err(err.into());
            }
        };
        let Some(items) = items else { break };
        report.pages += 1;
        progress.pages.fetch_add(1, Ordering::Relaxed);
        let n = items.len() as u64;
        report.orders += n;
        progress.orders.fetch_add(n, Ordering::Relaxed);
        latest = latest.max(client.add_orders(&mut batch, items, options).await?);
        if batch.orders() >= options.batch_orders {
            cursor.orders = latest;
            flush(pool, opened, options, &mut batch, cursor, report).await?;
        }
    }
    cursor.orders = latest;
    if !batch.is_empty() {
        flush(pool, opened, options, &mut batch, cursor, report).await?;
    }
    Ok(())
}

/// A connection's platform client and what reading it needs.
pub enum Platformed {
    Shopify(shopify::Client),
    /// With the store's country names, read once per sync.
    WooCommerce(
        woo::Client,
        tokio::sync::OnceCell<std::collections::HashMap<String, String>>,
    ),
    /// With the country names and the catalog's categories, read once per sync.
    Magento(
        magento::Client,
        tokio::sync::OnceCell<std::collections::HashMap<String, String>>,
        tokio::sync::OnceCell<magento::Categories>,
    ),
}

impl Platformed {
    pub fn new(opened: &connection::Opened, options: &SyncOptions) -> Result<Platformed, Stop> {
        let policy = options.reach.retry.policy();
        let refused = |e| Stop::Fetch(FetchError::Refused(e));
        Ok(match opened.platform {
            Platform::Shopify => Platformed::Shopify(
                shopify::Client::new(&opened.shop_url, &opened.token, policy).map_err(refused)?,
            ),
            Platform::WooCommerce => Platformed::WooCommerce(
                woo::Client::new(&opened.shop_url, &opened.token, policy).map_err(refused)?,
                Default::default(),
            ),
            Platform::Magento => Platformed::Magento(
                magento::Client::new(&opened.shop_url, &opened.token, policy).map_err(refused)?,
                Default::default(),
                Default::default(),
            ),
        })
    }

    fn products(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        match self {
            Platformed::Shopify(c) => c.products(since),
            Platformed::WooCommerce(c, _) => c.products(since),
            Platformed::Magento(c, ..) => c.products(since),
        }
    }

    fn customers(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        match self {
            Platformed::Shopify(c) => c.customers(since),
            Platformed::WooCommerce(c, _) => c.customers(),
            Platformed::Magento(c, ..) => c.customers(since),
        }
    }

    /// Adds a page of customers: the latest update among them, and whether no later page can
    /// hold one updated since `since` (WooCommerce lists them newest first).
    async fn add_customers(
        &self,
        batch: &mut Batch,
        items: Vec<serde_json::Value>,
        since: Option<DateTime<Utc>>,
    ) -> Result<(Option<DateTime<Utc>>, bool), Stop> {
        Ok(match self {
            Platformed::Shopify(_) => (shopify::add_customers(batch, items), false),
            Platformed::WooCommerce(c, countries) => {
                let countries = countries.get_or_try_init(|| c.countries()).await?;
                woo::add_customers(batch, items, since, countries)
            }
            Platformed::Magento(c, countries, _) => {
                let countries = countries.get_or_try_init(|| c.countries()).await?;
                (magento::add_customers(batch, items, countries), false)
            }
        })
    }

    fn orders(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        match self {
            Platformed::Shopify(c) => c.orders(since),
            Platformed::WooCommerce(c, _) => c.orders(since),
            Platformed::Magento(c, ..) => c.orders(since),
        }
    }

    /// Adds a page of products (a WooCommerce variable product with its variations); the
    /// latest modification among them.
    pub async fn add_products(
        &self,
        batch: &mut Batch,
        items: Vec<serde_json::Value>,
        report: &mut SyncReport,
    ) -> Result<Option<DateTime<Utc>>, Stop> {
        match self {
            Platformed::Shopify(_) => Ok(shopify::add_products(batch, items)),
            Platformed::Magento(c, _, categories) => {
                let categories = categories
                    .get_or_try_init(|| async {
                        match c.categories().await {
                            Ok(found) => Ok(found),
                            // An integration without the categories resource still syncs.
                            Err(FetchError::Refused(text)) => {
                                report.notes.push(format!(
                                    "categories not read ({text}); products load without them: give the integration Catalog › Categories"
                                ));
                                Ok(magento::Categories::new())
                            }
                            Err(err) => Err(err),
                        }
                    })
                    .await?;
                Ok(magento::add_products(batch, items, categories))
            }
            Platformed::WooCommerce(c, _) => {
                let mut latest = None;
                for item in items {
                    let id = item.get("id").cloned().unwrap_or_default();
                    let Ok(product) = serde_json::from_value::<woo::Product>(item) else {
                        report
                            .notes
                            .push(format!("product {id}: not the shape expected; left out"));
                        continue;
                    };
                    latest = latest.max(product.date_modified_gmt);
                    if product.kind == "variable" {
                        let mut pages = c.variations(product.id);
                        while let Some(variations) = pages.next_page().await? {
                            report.pages += 1;
                            woo::add_variations(batch, &product, variations);
                        }
                    } else {
                        woo::add_product(batch, &product);
                    }
                }
                Ok(latest)
            }
        }
    }

    /// Unit costs, where the platform keeps them apart (Shopify's inventory items, scope
    /// read_inventory: without it the products load without costs, and the sync says so).
    async fn add_costs(&self, batch: &mut Batch, report: &mut SyncReport) -> Result<(), Stop> {
        let Platformed::Shopify(client) = self else {
            return Ok(());
        };
        let items = batch.cost_items();
        if items.is_empty() {
            return Ok(());
        }
        match client.unit_costs(&items).await {
            Ok(costs) => batch.set_costs(&costs),
            Err(FetchError::Refused(text)) => report.notes.push(format!(
                "unit costs not read ({text}); pricing recommendations need them: give the token read_inventory"
            )),
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    /// Adds a page of orders (a WooCommerce order with refunds with their lines); the latest
    /// modification among them.
    pub async fn add_orders(
        &self,
        batch: &mut Batch,
        items: Vec<serde_json::Value>,
        options: &SyncOptions,
    ) -> Result<Option<DateTime<Utc>>, Stop> {
        let currency = &options.store.currency;
        match self {
            Platformed::Shopify(_) => Ok(shopify::add_orders(batch, items, currency)),
            Platformed::WooCommerce(c, countries) => {
                let countries = countries.get_or_try_init(|| c.countries()).await?;
                let mut latest = None;
                for order in woo::parse_orders(batch, items) {
                    latest = latest.max(order.date_modified_gmt);
                    let refunds = if order.refunds.is_empty() {
                        Vec::new()
                    } else {
                        c.refunds(order.id).await?
                    };
                    woo::add_order(batch, &order, refunds, currency, countries);
                }
                Ok(latest)
            }
            Platformed::Magento(c, countries, _) => {
                let countries = countries.get_or_try_init(|| c.countries()).await?;
                let mut latest = None;
                for order in magento::parse_orders(batch, items) {
                    latest = latest.max(order.updated_at);
                    let memos = if order.base_total_refunded > Decimal::ZERO {
                        c.credit_memos(order.entity_id).await?
                    } else {
                        Vec::new()
                    };
                    magento::add_order(batch, &order, memos, currency, countries);
                }
                Ok(latest)
            }
        }
    }
}

/// Loads a batch as one ingest run, with `cursor` stored in the run's transaction.
async fn flush(
    pool: &PgPool,
    opened: &connection::Opened,
    options: &SyncOptions,
    batch: &mut Batch,
    cursor: Cursor,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let loaded = load_batch(pool, opened, options, std::mem::take(batch), Some(cursor))
        .await
        .map_err(Stop::App)?;
    report.notes.extend(loaded.notes);
    let Some(summary) = loaded.run else {
        return Ok(());
    };
    report.run_ids.push(summary.run_id);
    if !summary.succeeded {
        return Err(Stop::Run(format!(
            "run {} failed, nothing of it was loaded: {}. {}",
            summary.run_id,
            summary.error.unwrap_or_default(),
            resume_text(report.synced_through)
        )));
    }
    report.inserted += summary.inserted;
    report.updated += summary.updated;
    report.synced_through = cursor.orders;
    Ok(())
}

/// What loading a batch gave.
pub struct Loaded {
    /// Its ingest run; none when the batch had no rows to load.
    pub run: Option<RunSummary>,
    /// What it left out and why.
    pub notes: Vec<String>,
}

/// Loads a batch as one ingest run (format `star`); `cursor`, when given, is stored in the run's
/// transaction. After the run succeeds the version (`updated_at`) of each of its orders is
/// recorded, so that a webhook delivering an older version later is recognised as stale.
pub async fn load_batch(
    pool: &PgPool,
    opened: &connection::Opened,
    options: &SyncOptions,
    batch: Batch,
    cursor: Option<Cursor>,
) -> Result<Loaded, AppError> {
    let known: HashSet<String> = sqlx::query_scalar!(
        "select external_id from product where source_id = $1 and external_id = any($2)",
        opened.source_id,
        &batch.line_product_ids()
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut notes = Vec::new();
    if batch.test_orders > 0 {
        notes.push(format!(
            "{} test orders left out (as in the platform's own reports)",
            batch.test_orders
        ));
    }
    if batch.not_sales > 0 {
        notes.push(format!(
            "{} orders that were never paid (pending, failed, drafts) or are in the bin left out",
            batch.not_sales
        ));
    }
    let dir = options.work_dir.join(format!(
        "sync-{}-{}",
        opened.source_id,
        rand::random::<u64>()
    ));
    let written = std::fs::create_dir_all(&dir).and_then(|_| batch.write(&dir, &known));
    let files = match written {
        // Named as the run history shows them: "Shopify orders", …
        Ok(files) if !files.is_empty() => files
            .into_iter()
            .map(|mut f| {
                f.name = format!("{} {}", opened.platform.label(), f.name);
                f
            })
            .collect::<Vec<_>>(),
        Ok(_) => {
            let _ = std::fs::remove_dir_all(&dir);
            notes.extend(batch.skipped);
            return Ok(Loaded { run: None, notes });
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(AppError::internal("writing a sync batch", e));
        }
    };
    let job = Job {
        source_id: opened.source_id,
        settings: opened.settings.clone(),
        store: options.store.clone(),
        format: FormatChoice::Star,
        started_by: options.started_by,
        signals: options.signals.clone(),
        sync: Some(SyncStep {
            cursor: cursor.map(|c| c.text()),
            notes: notes.clone(),
            stock_of: batch.catalog_ids(),
            left_out: batch.skipped.clone(),
            source: format!("{} orders and products", opened.platform.label()),
        }),
    };
    let summary = run::ingest(pool, &job, &files, Default::default()).await;
    let _ = std::fs::remove_dir_all(&dir);
    let summary = summary?;
    if summary.succeeded {
        let (ids, versions): (Vec<String>, Vec<DateTime<Utc>>) = batch.versions.into_iter().unzip();
        sqlx::query!(
            "insert into shop_order_version (source_id, order_id, updated_at)
             select $1, v.id, v.at from unnest($2::text[], $3::timestamptz[]) as v(id, at)
             on conflict (source_id, order_id) do update
                set updated_at = greatest(shop_order_version.updated_at, excluded.updated_at)",
            opened.source_id,
            &ids,
            &versions as _
        )
        .execute(pool)
        .await?;
    }
    notes.extend(batch.skipped);
    Ok(Loaded {
        run: Some(summary),
        notes,
    })
}
