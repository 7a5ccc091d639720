//! SQL every dashboard shares: the store's clock (today, first and latest order day in the
//! store time zone), how fresh the data is, and the values the filter bar offers.
//!
//! Dates are annotated (`as "day: NaiveDate"`, `x as _`) because the session store switches on
//! sqlx's `time` feature, which would otherwise map `date` to `time::Date` in the server build.
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use super::filter::{FilterOptions, Freshness};

/// The instants a range of local days starts and ends (the end exclusive), in the store time
/// zone. Queries over order timestamps take these as values: bounds computed inside a query
/// from `rollup_state` leave the planner guessing how many rows a range holds (it then reads
/// every order line for one day).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn utc_bounds(
    db: impl PgExecutor<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<(DateTime<Utc>, DateTime<Utc>)> {
    let b = sqlx::query!(
        r#"select ($1::date::timestamp at time zone timezone) as "start!: DateTime<Utc>",
                  (($2::date + 1)::timestamp at time zone timezone) as "end!: DateTime<Utc>"
           from rollup_state"#,
        from as _,
        to as _
    )
    .fetch_one(db)
    .await?;
    Ok((b.start, b.end))
}

/// Today in the store's time zone.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn store_today(db: impl PgExecutor<'_>) -> sqlx::Result<NaiveDate> {
    sqlx::query_scalar!(
        r#"select (now() at time zone coalesce((select timezone from rollup_state), 'UTC'))::date as "today!: NaiveDate""#
    )
    .fetch_one(db)
    .await
}

/// The local day of the latest order, if there is any data.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn latest_order_day(
    db: impl PgExecutor<'_>,
    until: NaiveDate,
) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar!(
        r#"select (max(ordered_at) at time zone (select timezone from rollup_state))::date as "day: NaiveDate"
           from sales_order
           where ordered_at < (($1::date + 1)::timestamp at time zone (select timezone from rollup_state))"#,
        until as _
    )
    .fetch_one(db)
    .await
}

/// The local day of the first order, if there is any data.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn first_order_day(
    db: impl PgExecutor<'_>,
    since: NaiveDate,
) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar!(
        r#"select (min(ordered_at) at time zone (select timezone from rollup_state))::date as "day: NaiveDate"
           from sales_order
           where ordered_at >= ($1::date::timestamp at time zone (select timezone from rollup_state))"#,
        since as _
    )
    .fetch_one(db)
    .await
}

/// Local time of the latest order and of the last finished ingest (or rollup rebuild).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn freshness(db: impl PgExecutor<'_>) -> sqlx::Result<Freshness> {
    let row = sqlx::query!(
        r#"select s.timezone as "timezone!",
                  (select max(ordered_at) from sales_order) at time zone s.timezone as "latest_order?: chrono::NaiveDateTime",
                  coalesce((select max(finished_at) from ingest_run where state = 'succeeded'), s.updated_at)
                      at time zone s.timezone as "last_ingest?: chrono::NaiveDateTime"
           from rollup_state s"#
    )
    .fetch_optional(db)
    .await?;
    Ok(row
        .map(|r| Freshness {
            timezone: r.timezone,
            latest_order: r.latest_order,
            last_ingest: r.last_ingest,
        })
        .unwrap_or_default())
}

/// The channels, sources, countries and categories present in the rollup.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn filter_options(db: &sqlx::PgPool) -> sqlx::Result<FilterOptions> {
    let channels = sqlx::query_scalar!("select distinct channel from daily_sales order by 1")
        .fetch_all(db)
        .await?;
    let countries = sqlx::query_scalar!("select distinct country from daily_sales order by 1")
        .fetch_all(db)
        .await?;
    let categories = sqlx::query_scalar!("select distinct category from daily_sales order by 1")
        .fetch_all(db)
        .await?;
    let sources = sqlx::query!(
        "select source_id, name from source
         where source_id in (select distinct source_id from daily_sales) order by name"
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.source_id, r.name))
    .collect();
    Ok(FilterOptions {
        channels,
        sources,
        countries,
        categories,
        presets: Vec::new(),
    })
}
