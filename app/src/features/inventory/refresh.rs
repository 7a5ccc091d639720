//! The market signals are recomputed after every change, off the request that made it: an ingest
//! answers once its data is committed (a webhook-sized order in a few hundred milliseconds) and
//! the signals follow in the background, `SETTLE` later: the changes of that moment (a burst of
//! webhooks, an order created then paid) share one recomputation, and the first dashboard calls
//! after a change do not share the cores with it. Signals lag the data by that delay and one
//! recomputation (about a second at 10M order lines); the CLI waits for them before it exits.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Days;
use sqlx::PgPool;
use tokio::sync::watch;

use super::kpi;
use super::queries::{self, DailyPrice};
use super::signals;
use super::stock::stock_rows;
use super::types::{InventorySettings, ProductStock, StockStatus};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::error::AppError;

/// How long after a change the recomputation starts.
const SETTLE: Duration = Duration::from_millis(500);

/// How long `settled` waits at most (a failing or stuck recomputation must not hold anything).
const READ_WAIT: Duration = Duration::from_secs(30);

/// One per server (or CLI run): the database and thresholds its signals are computed with.
#[derive(Clone)]
pub struct SignalRefresh {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    settings: InventorySettings,
    /// The server's page-part turns (`AppState::parts`): a recomputation waits its turn behind
    /// the parts asked for before it instead of taking a core from them.
    turns: Option<crate::turns::Turns>,
    /// Changes asked for so far (a counter: the n-th change is ticket n).
    requested: AtomicU64,
    /// The last ticket a finished recomputation covered.
    done: watch::Sender<u64>,
    /// A recomputation task is running (at most one).
    running: AtomicBool,
}

impl std::fmt::Debug for SignalRefresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalRefresh")
            .field("requested", &self.inner.requested.load(Ordering::Relaxed))
            .field("done", &*self.inner.done.borrow())
            .finish()
    }
}

impl SignalRefresh {
    pub fn new(pool: PgPool, settings: InventorySettings) -> Self {
        Self::taking_turns(pool, settings, None)
    }

    /// One that computes only in its turn among the server's page parts.
    pub fn taking_turns(
        pool: PgPool,
        settings: InventorySettings,
        turns: Option<crate::turns::Turns>,
    ) -> Self {
        SignalRefresh {
            inner: Arc::new(Inner {
                pool,
                settings,
                turns,
                requested: AtomicU64::new(0),
                done: watch::Sender::new(0),
                running: AtomicBool::new(false),
            }),
        }
    }

    /// The data changed: recompute the signals soon, in the background (on the current Tokio
    /// runtime). Returns at once.
    pub fn changed(&self) {
        self.inner.requested.fetch_add(1, Ordering::SeqCst);
        if self.inner.running.swap(true, Ordering::SeqCst) {
            return; // the running task sees the new ticket before it stops
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut task = Running {
                inner: inner.clone(),
                finished: false,
            };
            loop {
                tokio::time::sleep(SETTLE).await;
                let turn = match &inner.turns {
                    Some(turns) => turns.one().await.ok(),
                    None => None,
                };
                let covers = inner.requested.load(Ordering::SeqCst);
                let refreshed = refresh_signals(&inner.pool, &inner.settings).await;
                drop(turn);
                if let Err(err) = refreshed {
                    tracing::warn!(%err, "market signals could not be computed");
                }
                inner.done.send_replace(covers);
                if inner.requested.load(Ordering::SeqCst) == covers {
                    inner.running.store(false, Ordering::SeqCst);
                    // A change that came between the check and here saw a running task: take
                    // it on, unless its own call already started a new task.
                    if inner.requested.load(Ordering::SeqCst) == covers
                        || inner.running.swap(true, Ordering::SeqCst)
                    {
                        break;
                    }
                }
            }
            task.finished = true;
        });
    }

    /// Waits until the signals cover every change asked for before this call (at most
    /// `READ_WAIT`).
    pub async fn settled(&self) {
        let wanted = self.inner.requested.load(Ordering::SeqCst);
        let mut done = self.inner.done.subscribe();
        let caught_up = done.wait_for(|covered| *covered >= wanted);
        if tokio::time::timeout(READ_WAIT, caught_up).await.is_err() {
            tracing::warn!(
                wanted,
                "market signals still being computed; not waiting for them any longer"
            );
        }
    }
}

/// A recomputation task. Dropped before it finished (its runtime is shutting down), it lets a
/// later change start a new task and no reader wait for it.
struct Running {
    inner: Arc<Inner>,
    finished: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.finished {
            self.inner.running.store(false, Ordering::SeqCst);
            let requested = self.inner.requested.load(Ordering::SeqCst);
            self.inner.done.send_replace(requested);
        }
    }
}

/// Computes every signal as of the latest order day and raises the new ones; returns how many.
pub async fn refresh_signals(pool: &PgPool, settings: &InventorySettings) -> Result<u64, AppError> {
    use crate::dashboard::queries::{latest_order_day, store_today};
    // A stray far-future order (loaded before the date limits existed) must not move the
    // signals' day; the default limits, as the store's settings are not at hand here.
    let until =
        crate::features::sources::types::ValueLimits::default().max_date(store_today(pool).await?);
    let Some(as_of) = latest_order_day(pool, until).await? else {
        return Ok(0);
    };
    let s = &settings.signals;
    let range = kpi::demand_window(as_of, settings.stock.demand_days);
    let products = stock_rows(pool, &settings.stock, range, &DashboardFilter::default()).await?;
    let names: HashMap<i64, String> = products
        .iter()
        .map(|p| (p.product_id, p.name.clone()))
        .collect();
    let by_id: HashMap<i64, &ProductStock> = products.iter().map(|p| (p.product_id, p)).collect();
    let window = DateRange {
        from: as_of - Days::days(96),
        to: as_of,
    };
    let prices: Vec<DailyPrice> = queries::daily_prices(pool, window)
        .await?
        .into_iter()
        .filter(|p| names.contains_key(&p.product_id))
        .collect();
    let pairs = queries::competitor_changes(pool, as_of).await?;
    // Price signals are for the products whose stock the shop reports (a connected shop, a
    // catalog file, the demo): a price the shop sets. A transaction export's daily average
    // price mixes quantity tiers, discounts and manual lines: on Online Retail these two rules
    // raised 2,558 signals of noise.
    let set_prices: Vec<DailyPrice> = prices
        .iter()
        .filter(|p| {
            by_id
                .get(&p.product_id)
                .is_some_and(|s| s.status != StockStatus::Untracked)
        })
        .cloned()
        .collect();
    let mut found = signals::low_stock(&products, as_of, s, settings.stock.dead_days);
    found.extend(signals::demand_surges(&prices, &names, as_of, s));
    found.extend(signals::own_price_changes(&set_prices, &names, as_of, s));
    found.extend(signals::price_anomalies(&set_prices, &names, as_of, s));
    found.extend(signals::competitor_drops(&pairs, &by_id, s));
    let raised = queries::insert_signals(pool, &found).await?;
    tracing::info!(raised, considered = found.len(), "market signals");
    Ok(raised)
}
