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
use sqlx::{PgConnection, PgPool};

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
        pass: fn(&CustomerCopy, Span, &Slice) -> T,
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
        .map_err(|e| sqlx::Error::Protocol(format!("customer days: {e}")))
    }

    /// Brings the copy to the database's current data version: whole on first use or after a
    /// reset, else the stamped days and customers only.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn sync(&self, pool: &PgPool) -> sqlx::Result<()> {
        let _one = self.loading.lock().await;
        // One snapshot: the version and the rows it stamps.
        let mut tx = pool.begin().await?;
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
                let mut changes = Changes::default();
                // COPY takes no parameters: the days are written into the statement (dates as
                // `2026-06-30`), as is the version (a number).
                let days_list = days
                    .iter()
                    .map(NaiveDate::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                copy_out(
                    &mut tx,
                    &format!(
                        "copy (select {ROW_COLUMNS} from daily_customer_sales
                               where day = any('{{{days_list}}}'::date[])) to stdout"
                    ),
                    |chunk| changes.read_rows(chunk),
                )
                .await?;
                copy_out(
                    &mut tx,
                    &format!(
                        "copy (select {SUMMARY_COLUMNS} from customer_summary
                               where version > {held}) to stdout"
                    ),
                    |chunk| changes.read_summaries(chunk),
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
                let mut loading = Loading::new(version);
                copy_out(
                    &mut tx,
                    &format!("copy (select {ROW_COLUMNS} from daily_customer_sales) to stdout"),
                    |chunk| loading.read_rows(chunk),
                )
                .await?;
                copy_out(
                    &mut tx,
                    &format!("copy (select {SUMMARY_COLUMNS} from customer_summary) to stdout"),
                    |chunk| loading.read_summaries(chunk),
                )
                .await?;
                tx.commit().await?;
                let rows = loading.rows();
                *self.data.write().unwrap_or_else(|e| e.into_inner()) = Some(loading.done());
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

/// Runs `COPY (…) TO STDOUT` and hands each chunk of its output to `read`: `kernels` reads the
/// rows (millions of them for a whole copy), optimised in every build, where the rows decoded
/// by `sqlx` in `app` ran unoptimised in the build `make run` starts (docs/performance.md).
async fn copy_out(
    conn: &mut PgConnection,
    statement: &str,
    mut read: impl FnMut(&[u8]) -> Result<(), CopyError>,
) -> sqlx::Result<()> {
    let mut out = conn.copy_out_raw(statement).await?;
    while let Some(chunk) = out.try_next().await? {
        read(&chunk).map_err(|e| sqlx::Error::Protocol(format!("customer days: {e}")))?;
    }
    Ok(())
}
