//! An in-memory copy of the per-customer-day rollup (`daily_customer_sales`) and of each
//! customer's first order day and country (`customer_summary`), from which the customers who
//! bought in a range are summed in milliseconds: in SQL the same aggregate over a 90-day window
//! of 10M order lines (~490k rows, ~240k customers) took 3–6 s cold, in numeric hash aggregates
//! and a join with every customer's summary.
//!
//! PostgreSQL stays the source of truth. The copy is loaded whole on first use and then follows
//! the data version: every rollup refresh stamps the local days and customer summaries it
//! rewrote with its version (`customer_day_stamp`, `customer_summary.version`), so a change
//! reloads only those days and customers, read in one snapshot with the version they belong to;
//! a change that may touch any row (a source removed, the time zone changed) sets
//! `rollup_state.customer_days_reset`, and the copy is loaded whole again. Any process (the
//! server, the CLI) may change the data: the stamps are in the database.
//!
//! The copy itself and its passes are `kernels::customer_days` (compiled optimised in every
//! build of the server); this module loads it, keeps it current and runs the passes off the
//! async threads.
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use kernels::customer_days::{
    Changes, CopyError, CustomerCopy, Loading, Slice, Span, ROW_COLUMNS, SUMMARY_COLUMNS,
};
use rust_decimal::Decimal;
use sqlx::{Connection, PgConnection, PgPool};
use tracing::Instrument;

use super::filter::{DashboardFilter, DateRange};

pub use kernels::customer_days::{Buyers, Summed};

/// Changes of more days than this load the copy whole (streamed) rather than day by day.
const MAX_UPDATED_DAYS: usize = 62;

/// The copy, shared by every request of a process (cheap to clone).
#[derive(Clone, Default)]
pub struct CustomerDays {
    data: Arc<RwLock<Option<CustomerCopy>>>,
    /// One load or update at a time; callers meanwhile wait for it instead of loading too.
    loading: Arc<tokio::sync::Mutex<()>>,
}

impl CustomerDays {
    /// Every identified customer with a sales line in the range and slice (channel, source,
    /// country: the rollup's dimensions), summed over their days, unordered; the copy is brought
    /// up to the database's data version first.
    pub async fn summed(
        &self,
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> sqlx::Result<Vec<Summed>> {
        self.pass(pool, range, filter, CustomerCopy::summed).await
    }

    /// The net revenue of each customer `summed` would give, in no particular order (without
    /// building their sums: what the revenue concentration needs).
    pub async fn nets(
        &self,
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> sqlx::Result<Vec<Decimal>> {
        self.pass(pool, range, filter, CustomerCopy::nets).await
    }

    /// The `n` customers `summed` would give with the largest net revenue, largest first (ties
    /// by customer id), without gathering everyone's sums.
    pub async fn top_by_net(
        &self,
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
        n: usize,
    ) -> sqlx::Result<Vec<Summed>> {
        self.pass(pool, range, filter, move |copy, range, slice| {
            copy.top_by_net(range, slice, n)
        })
        .await
    }

    /// The `Buyers` of what `summed` would give (without building each customer's sums).
    pub async fn buyers(
        &self,
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> sqlx::Result<Buyers> {
        self.pass(pool, range, filter, CustomerCopy::buyers).await
    }

    /// How many customers `summed` would give (without building them).
    pub async fn count(
        &self,
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> sqlx::Result<usize> {
        self.pass(pool, range, filter, CustomerCopy::count).await
    }

    /// Runs `pass` over the copy brought up to the database's data version.
    async fn pass<T: Default + Send + 'static>(
        &self,
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
        pass: impl FnOnce(&CustomerCopy, Span, &Slice) -> T + Send + 'static,
    ) -> sqlx::Result<T> {
        // Boxed: its queries' state is large in a debug build, and this runs deep inside the
        // rendering of a page.
        Box::pin(self.sync(pool)).await?;
        let data = self.data.clone();
        let range = Span {
            from: range.from,
            to: range.to,
        };
        let slice = Slice {
            channels: filter.channel.clone(),
            countries: filter.country.clone(),
            sources: filter.source.clone(),
        };
        // A pass over up to millions of rows: off the async threads.
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let data = data.read().unwrap_or_else(|e| e.into_inner());
            let result = data
                .as_ref()
                .map(|copy| pass(copy, range, &slice))
                .unwrap_or_default();
            tracing::debug!(secs = started.elapsed().as_secs_f64(), "customers summed");
            result
        })
        .await
        .map_err(failed)
    }

    /// Brings the copy to the database's current data version: whole on first use or after a
    /// reset, else the stamped days and customers only.
    ///
    /// It runs to its end in a task of its own, whoever waits for it: a caller that goes away (a
    /// page closed, a query beside it failing) must not drop it in the middle of a `COPY`, which
    /// sqlx 0.8 does not track — the connection would go back to the pool with the COPY's last
    /// replies unread and hand them to its next user. For the same reason a connection whose
    /// reading failed is closed, not given back.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn sync(&self, pool: &PgPool) -> sqlx::Result<()> {
        let (this, pool) = (self.clone(), pool.clone());
        tokio::spawn(
            async move {
                let _one = this.loading.lock().await;
                let mut conn = pool.acquire().await?;
                let read = this.read(&mut conn).await;
                if read.is_err() {
                    conn.close_on_drop();
                }
                read
            }
            .instrument(tracing::Span::current()),
        )
        .await
        .map_err(failed)?
    }

    /// What `sync` does, on one connection.
    async fn read(&self, conn: &mut PgConnection) -> sqlx::Result<()> {
        // One snapshot: the version and the rows it stamps.
        let mut tx = conn.begin().await?;
        sqlx::query!("set transaction isolation level repeatable read, read only")
            .execute(&mut *tx)
            .await?;
        let state = sqlx::query!("select data_version, customer_days_reset from rollup_state")
            .fetch_optional(&mut *tx)
            .await?;
        let (version, reset) = state.map_or((0, 0), |s| (s.data_version, s.customer_days_reset));
        let held = self.held_version();
        // The days stamped after the version held, unless the copy must be loaded whole.
        let changed = match held {
            Some(held) if held == version => return Ok(()),
            Some(held) if held < version && reset <= held => {
                let days: Vec<NaiveDate> = sqlx::query_scalar!(
                    r#"select day as "day!: NaiveDate" from customer_day_stamp where version > $1"#,
                    held
                )
                .fetch_all(&mut *tx)
                .await?;
                // Many days (a large load) stream into a new copy instead.
                (days.len() <= MAX_UPDATED_DAYS).then_some((held, days))
            }
            _ => None,
        };
        match changed {
            // An update: the days and customers stamped after the version held.
            Some((held, days)) => {
                let started = std::time::Instant::now();
                // COPY takes no parameters: the days are written into the statement as numbers
                // (days since 1970: any date, BC or after 9999 too), as is the version.
                let days_list = days
                    .iter()
                    .map(|day| day.to_epoch_days().to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                let changes = copy_out(
                    &mut tx,
                    format!(
                        "copy (select {ROW_COLUMNS} from daily_customer_sales
                               where day = any(array(select date '1970-01-01' + d
                                                     from unnest('{{{days_list}}}'::int[]) d)))
                         to stdout"
                    ),
                    Changes::default(),
                    Changes::read_rows,
                )
                .await?;
                let changes = copy_out(
                    &mut tx,
                    format!(
                        "copy (select {SUMMARY_COLUMNS} from customer_summary
                               where version > {held}) to stdout"
                    ),
                    changes,
                    Changes::read_summaries,
                )
                .await?;
                tx.commit().await?;
                let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
                if let Some(copy) = data.as_mut() {
                    copy.apply(&days, changes);
                    copy.version = version;
                }
                tracing::debug!(
                    days = days.len(),
                    secs = started.elapsed().as_secs_f64(),
                    "customer days updated"
                );
            }
            // First use, a reset, many days, or a database that went back (tests recreate
            // theirs): rows streamed into a new copy, which replaces the old one when complete.
            None => {
                let started = std::time::Instant::now();
                let loading = copy_out(
                    &mut tx,
                    format!("copy (select {ROW_COLUMNS} from daily_customer_sales) to stdout"),
                    Loading::new(version),
                    Loading::read_rows,
                )
                .await?;
                let loading = copy_out(
                    &mut tx,
                    format!("copy (select {SUMMARY_COLUMNS} from customer_summary) to stdout"),
                    loading,
                    Loading::read_summaries,
                )
                .await?;
                tx.commit().await?;
                let rows = loading.rows();
                // Sorting and summing millions of rows: off the async threads.
                let copy = tokio::task::spawn_blocking(move || loading.done())
                    .await
                    .map_err(failed)?;
                *self.data.write().unwrap_or_else(|e| e.into_inner()) = Some(copy);
                tracing::info!(
                    rows,
                    secs = started.elapsed().as_secs_f64(),
                    "customer days loaded"
                );
            }
        }
        Ok(())
    }

    fn held_version(&self) -> Option<i64> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        data.as_ref().map(|c| c.version)
    }
}

/// Runs `COPY (…) TO STDOUT` and has `read` read its output into `into`, which it gives back.
/// `read` is `kernels`' (the rows of a whole copy are millions: read there, optimised in every
/// build, where the rows decoded by `sqlx` in `app` ran unoptimised in the build `make run`
/// starts) and runs on a thread of its own, in batches of whole lines, while this task takes
/// the next messages from PostgreSQL (one a row; docs/performance.md, "Dashboards").
async fn copy_out<T: Send + 'static>(
    conn: &mut PgConnection,
    statement: String,
    into: T,
    read: fn(&mut T, &[u8]) -> Result<(), CopyError>,
) -> sqlx::Result<T> {
    const BATCH: usize = 1 << 20;
    let (batches, mut received) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let reader = tokio::task::spawn_blocking(move || {
        let mut into = into;
        while let Some(batch) = received.blocking_recv() {
            read(&mut into, &batch)?;
        }
        Ok::<T, CopyError>(into)
    });
    {
        let mut out = conn.copy_out_raw(&statement).await?;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(chunk) = out.try_next().await? {
            // Each message holds whole lines, and so does a batch of them.
            batch.extend_from_slice(&chunk);
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if batches.send(full).await.is_err() {
                    // The reader stopped at a line it could not read: its error is below.
                    break;
                }
            }
        }
        if !batch.is_empty() {
            // A reader that stopped early has its error below.
            let _ = batches.send(batch).await;
        }
    }
    drop(batches);
    reader.await.map_err(failed)?.map_err(failed)
}

/// A task of the copy's that failed (panicked, or read a line it could not), as a database error.
fn failed(e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Protocol(format!("customer days: {e}"))
}
