//! Keeps the default dashboard views warm. Whenever the data version changes (an ingest by this
//! or another process, a pricing decision, a source removed: anything that retires cached
//! results), the figures the Sales, Customer Insights and Inventory & Pricing pages show for
//! their default filter are computed again in the background, so that the first visitor after
//! a change finds them in the result cache. Correctness never depends on it: a visitor who comes
//! first computes the same entry (concurrent callers share one computation).
use std::time::{Duration, Instant};

use app::dashboard::filter::DashboardFilter;
use app::dashboard::range::resolve;
use app::error::AppError;
use app::features::{customers, inventory, sales};
use app::state::AppState;

/// How often the data version is looked at.
const POLL: Duration = Duration::from_secs(1);

/// Watches the data version and warms the default views after each change (and once at start).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut warmed: Option<i64> = None;
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let version = match data_version(&state).await {
                Ok(version) => version,
                Err(err) => {
                    tracing::debug!(%err, "data version not readable; warming later");
                    continue;
                }
            };
            if warmed == Some(version) {
                continue;
            }
            let started = Instant::now();
            match warm(&state).await {
                Ok(()) => tracing::debug!(
                    version,
                    secs = started.elapsed().as_secs_f64(),
                    "default dashboard views warmed"
                ),
                Err(err) => tracing::warn!(%err, "default dashboard views could not be warmed"),
            }
            warmed = Some(version);
        }
    })
}

async fn data_version(state: &AppState) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!("select data_version from rollup_state")
        .fetch_optional(&state.pool)
        .await?
        .unwrap_or(0))
}

/// Computes every part the pages show for the default filter, in the order the pages ask for
/// them (the cards first). Each is cached; the first — the buying customers of the range and of
/// the comparison period — brings the in-memory customer copy up to date.
pub async fn warm(state: &AppState) -> Result<(), AppError> {
    use app::features::sales::service::TOP_ROWS;
    use app::features::sales::types::BreakdownBy;
    let filter = DashboardFilter::default();
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    sales::service::summary(state, &filter, range).await?;
    sales::service::timeseries(state, &filter, range).await?;
    sales::service::categories(state, &filter, range).await?;
    for by in [BreakdownBy::Country, BreakdownBy::Channel] {
        sales::service::breakdown(state, &filter, range, by).await?;
    }
    sales::service::top_products(state, &filter, range, TOP_ROWS).await?;
    sales::service::top_customers(state, &filter, range, TOP_ROWS).await?;
    sales::service::concentration(state, &filter, range).await?;
    sales::service::most_returned(state, &filter, range, TOP_ROWS).await?;
    sales::service::monthly(state, range, &filter).await?;
    customers::service::summary(state, &filter, range).await?;
    customers::service::acquisition(state, range).await?;
    customers::service::engagement(state, &filter, range).await?;
    customers::service::rfm(state, &filter, range).await?;
    customers::service::clustering(state, &filter, range).await?;
    customers::service::cohorts(state, range).await?;
    inventory::service::products(state, &filter).await?;
    inventory::service::premium_products(state, &filter).await?;
    inventory::service::pricing(state, &filter).await?;
    Ok(())
}
