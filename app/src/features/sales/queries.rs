//! SQL of the Sales area. Dashboards read the `daily_sales` rollup; only distinct customers
//! need the facts. Local days are in the store time zone kept in `rollup_state`.
//!
//! Dates are annotated (`as "day: NaiveDate"`, `x as _`) because the session store switches on
//! sqlx's `time` feature, which would otherwise map `date` to `time::Date` in the server build.
use chrono::NaiveDate;
use sqlx::{PgConnection, PgExecutor};

use super::types::{DateRange, Grain, RevenuePoint, SalesTotals};

pub async fn sales_totals(db: impl PgExecutor<'_>, range: DateRange) -> sqlx::Result<SalesTotals> {
    let row = sqlx::query!(
        r#"select coalesce(sum(gross_revenue), 0) as "gross_revenue!",
                  coalesce(sum(returns_value), 0) as "returns!",
                  coalesce(sum(adjustments_value), 0) as "adjustments!",
                  coalesce(sum(units), 0)::bigint as "units!",
                  coalesce(sum(orders), 0)::bigint as "orders!",
                  coalesce(sum(unidentified_revenue), 0) as "unidentified_revenue!"
           from daily_sales
           where day between $1 and $2"#,
        range.from as _,
        range.to as _
    )
    .fetch_one(db)
    .await?;
    Ok(SalesTotals {
        gross_revenue: row.gross_revenue,
        returns: row.returns,
        adjustments: row.adjustments,
        units: row.units,
        orders: row.orders,
        unidentified_revenue: row.unidentified_revenue,
    })
}

/// Distinct identified customers with at least one sales line in the range.
pub async fn distinct_customers(db: impl PgExecutor<'_>, range: DateRange) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        // The bounds are scalar subqueries (computed once), so the index on ordered_at serves.
        r#"select count(distinct f.customer_id) as "customers!"
           from line_fact f
           where f.line_kind = 'sale'
             and f.customer_id is not null
             and f.ordered_at >= (select $1::date::timestamp at time zone timezone from rollup_state)
             and f.ordered_at < (select ($2::date + 1)::timestamp at time zone timezone from rollup_state)"#,
        range.from as _,
        range.to as _
    )
    .fetch_one(db)
    .await
}

/// Revenue per bucket, every bucket of the range present (zero when it had no sales).
pub async fn revenue_series(
    db: impl PgExecutor<'_>,
    range: DateRange,
    grain: Grain,
) -> sqlx::Result<Vec<RevenuePoint>> {
    let rows = sqlx::query!(
        r#"with bucket as (
               select date_trunc($3, day::timestamp)::date as period,
                      sum(gross_revenue) as gross_revenue,
                      sum(returns_value) as returns,
                      sum(orders) as orders
               from daily_sales
               where day between $1 and $2
               group by 1
           )
           select p.period::date as "period!: NaiveDate",
                  coalesce(b.gross_revenue, 0) as "gross_revenue!",
                  coalesce(b.returns, 0) as "returns!",
                  coalesce(b.orders, 0)::bigint as "orders!"
           from generate_series(date_trunc($3, $1::date::timestamp),
                                date_trunc($3, $2::date::timestamp),
                                ('1 ' || $3)::interval) as p(period)
           left join bucket b on b.period = p.period::date
           order by 1"#,
        range.from as _,
        range.to as _,
        grain.as_str()
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RevenuePoint {
            period: r.period,
            net_revenue: r.gross_revenue - r.returns,
            gross_revenue: r.gross_revenue,
            returns: r.returns,
            orders: r.orders,
        })
        .collect())
}

/// The local day of the latest order, if there is any data.
pub async fn latest_order_day(db: impl PgExecutor<'_>) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar!(
        r#"select (max(ordered_at) at time zone (select timezone from rollup_state))::date as "day: NaiveDate"
           from sales_order"#
    )
    .fetch_one(db)
    .await
}

/// Today in the store's time zone.
pub async fn store_today(db: impl PgExecutor<'_>) -> sqlx::Result<NaiveDate> {
    sqlx::query_scalar!(
        r#"select (now() at time zone coalesce((select timezone from rollup_state), 'UTC'))::date as "today!: NaiveDate""#
    )
    .fetch_one(db)
    .await
}

/// Records the store time zone. When it differs from the one the rollups were built in, every
/// rollup row is rebuilt in the new zone. Returns whether a rebuild happened.
pub async fn set_store_timezone(conn: &mut PgConnection, timezone: &str) -> sqlx::Result<bool> {
    // Validates the name: Postgres refuses an unknown zone.
    sqlx::query!("select now() at time zone $1 as t", timezone)
        .fetch_one(&mut *conn)
        .await?;
    let previous = sqlx::query_scalar!("select timezone from rollup_state")
        .fetch_optional(&mut *conn)
        .await?;
    match previous {
        Some(previous) if previous == timezone => Ok(false),
        previous => {
            sqlx::query!(
                "insert into rollup_state (timezone) values ($1)
                 on conflict (singleton) do update set timezone = excluded.timezone",
                timezone
            )
            .execute(&mut *conn)
            .await?;
            if previous.is_some() {
                sqlx::query!("delete from daily_sales")
                    .execute(&mut *conn)
                    .await?;
                refresh_daily_sales_all(conn).await?;
            }
            Ok(previous.is_some())
        }
    }
}

/// Rebuilds the rollup rows of the local days `from..=to` from the facts and bumps the data
/// version. Ingestion calls it with the days its run touched.
pub async fn refresh_daily_sales(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from daily_sales where day between $1 and $2",
        from as _,
        to as _
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into daily_sales (day, source_id, channel, country, gross_revenue, returns_value,
                                    adjustments_value, units, orders, unidentified_revenue)
           select (f.ordered_at at time zone s.timezone)::date,
                  f.source_id, f.channel, f.country,
                  coalesce(sum(f.line_value) filter (where f.line_kind = 'sale'), 0),
                  coalesce(sum(abs(f.line_value)) filter (where f.line_kind = 'return'), 0),
                  coalesce(sum(f.line_value) filter (where f.line_kind = 'adjustment'), 0),
                  coalesce(sum(f.quantity) filter (where f.line_kind = 'sale'), 0),
                  count(distinct f.sales_order_id) filter (where f.line_kind = 'sale'),
                  coalesce(sum(f.line_value) filter (where f.line_kind = 'sale' and f.customer_id is null), 0)
           from line_fact f, rollup_state s
           where f.ordered_at >= ($1::date::timestamp at time zone s.timezone)
             and f.ordered_at < (($2::date + 1)::timestamp at time zone s.timezone)
           group by 1, 2, 3, 4"#,
        from as _,
        to as _
    )
    .execute(&mut *conn)
    .await?;
    bump_data_version(conn).await
}

/// Rebuilds the whole rollup (after a bulk load or a time-zone change).
pub async fn refresh_daily_sales_all(conn: &mut PgConnection) -> sqlx::Result<()> {
    let bounds = sqlx::query!(
        r#"select (min(ordered_at) at time zone s.timezone)::date as "first: NaiveDate",
                  (max(ordered_at) at time zone s.timezone)::date as "last: NaiveDate"
           from sales_order, rollup_state s
           group by s.timezone"#
    )
    .fetch_optional(&mut *conn)
    .await?;
    match bounds {
        Some(b) => match (b.first, b.last) {
            (Some(first), Some(last)) => refresh_daily_sales(conn, first, last).await,
            _ => bump_data_version(conn).await,
        },
        None => bump_data_version(conn).await,
    }
}

pub async fn bump_data_version(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("update rollup_state set data_version = data_version + 1, updated_at = now()")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A page of order lines in a stable order (time, then line id), after the keyset cursor.
pub async fn transactions_page(
    db: impl PgExecutor<'_>,
    filter: &super::types::TransactionFilter,
    after: Option<(chrono::DateTime<chrono::Utc>, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<super::types::Transaction>> {
    sqlx::query_as!(
        super::types::Transaction,
        r#"select f.order_line_id as "line_id!", o.external_id as "order!",
                  f.ordered_at as "ordered_at!: chrono::DateTime<chrono::Utc>",
                  c.external_id as "customer?", p.sku as "sku!", p.name as "product!",
                  f.quantity as "quantity!", f.unit_price as "unit_price!", f.line_value as "line_value!",
                  f.line_kind as "kind!", f.country as "country!", f.channel as "channel!", s.name as "source!"
           from line_fact f
           join sales_order o on o.sales_order_id = f.sales_order_id
           join product p on p.product_id = f.product_id
           join source s on s.source_id = f.source_id
           left join customer c on c.customer_id = f.customer_id
           where f.ordered_at >= coalesce((select $1::date::timestamp at time zone timezone from rollup_state), '-infinity')
             and f.ordered_at < coalesce((select ($2::date + 1)::timestamp at time zone timezone from rollup_state), 'infinity')
             and ($3::text is null or c.external_id = $3)
             and ($4::text is null or p.sku = $4)
             and ($5::text is null or f.country = $5)
             and ($6::timestamptz is null or (f.ordered_at, f.order_line_id) > ($6, $7))
           order by f.ordered_at, f.order_line_id
           limit $8"#,
        filter.from as _,
        filter.to as _,
        filter.customer,
        filter.product,
        filter.country,
        after.map(|a| a.0) as _,
        after.map(|a| a.1).unwrap_or(0),
        limit
    )
    .fetch_all(db)
    .await
}

/// The local day of the first order, if there is any data.
pub async fn first_order_day(db: impl PgExecutor<'_>) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar!(
        r#"select (min(ordered_at) at time zone (select timezone from rollup_state))::date as "day: NaiveDate"
           from sales_order"#
    )
    .fetch_one(db)
    .await
}

/// One row per month of the range (empty months included), with the previous month's net
/// revenue from a window function (the month before the range counts as the first one's base),
/// and whether the range covers the month only in part.
pub struct MonthSalesRow {
    pub month: NaiveDate,
    pub gross_revenue: rust_decimal::Decimal,
    pub returns: rust_decimal::Decimal,
    pub orders: i64,
    pub previous_net: Option<rust_decimal::Decimal>,
    pub partial: bool,
}

pub async fn monthly_sales(
    db: impl PgExecutor<'_>,
    range: DateRange,
) -> sqlx::Result<Vec<MonthSalesRow>> {
    sqlx::query_as!(
        MonthSalesRow,
        r#"with months as (
               select generate_series(date_trunc('month', $1::date::timestamp) - interval '1 month',
                                      date_trunc('month', $2::date::timestamp),
                                      interval '1 month')::date as month
           ),
           agg as (
               select date_trunc('month', day::timestamp)::date as month,
                      sum(gross_revenue) as gross, sum(returns_value) as returns, sum(orders) as orders
               from daily_sales
               where day >= (date_trunc('month', $1::date::timestamp) - interval '1 month')::date and day <= $2
               group by 1
           ),
           rows as (
               select m.month,
                      coalesce(a.gross, 0) as gross,
                      coalesce(a.returns, 0) as returns,
                      coalesce(a.orders, 0)::bigint as orders,
                      lag(coalesce(a.gross, 0) - coalesce(a.returns, 0)) over (order by m.month) as previous_net
               from months m left join agg a using (month)
           )
           select month as "month!: NaiveDate", gross as "gross_revenue!", returns as "returns!",
                  orders as "orders!", previous_net,
                  (month < $1::date or (month + interval '1 month' - interval '1 day')::date > $2::date) as "partial!"
           from rows
           where month >= date_trunc('month', $1::date::timestamp)::date
           order by month"#,
        range.from as _,
        range.to as _
    )
    .fetch_all(db)
    .await
}

/// Revenue and orders per country or channel over the range, largest net revenue first.
pub async fn sales_by(
    db: impl PgExecutor<'_>,
    range: DateRange,
    by: super::types::BreakdownBy,
) -> sqlx::Result<Vec<super::types::BreakdownRow>> {
    let by = match by {
        super::types::BreakdownBy::Country => "country",
        super::types::BreakdownBy::Channel => "channel",
    };
    let rows = sqlx::query!(
        r#"select case when $3 = 'country' then country else channel end as "key!",
                  sum(gross_revenue) as "gross_revenue!", sum(returns_value) as "returns!",
                  sum(orders)::bigint as "orders!"
           from daily_sales
           where day between $1 and $2
           group by 1
           order by sum(gross_revenue) - sum(returns_value) desc, 1"#,
        range.from as _,
        range.to as _,
        by
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| super::types::BreakdownRow {
            key: r.key,
            net_revenue: r.gross_revenue - r.returns,
            gross_revenue: r.gross_revenue,
            returns: r.returns,
            orders: r.orders,
            share: None,
        })
        .collect())
}

/// Products by net revenue in the range (sales − returns), largest first.
pub async fn top_products(
    db: impl PgExecutor<'_>,
    range: DateRange,
    limit: i64,
) -> sqlx::Result<Vec<super::types::TopProduct>> {
    sqlx::query_as!(
        super::types::TopProduct,
        r#"select p.sku as "sku!", p.name as "name!", p.category as "category!",
                  coalesce(sum(f.quantity) filter (where f.line_kind = 'sale'), 0)::bigint as "units!",
                  count(distinct f.sales_order_id) filter (where f.line_kind = 'sale') as "orders!",
                  coalesce(sum(f.line_value) filter (where f.line_kind = 'sale'), 0)
                    - coalesce(sum(abs(f.line_value)) filter (where f.line_kind = 'return'), 0) as "net_revenue!",
                  null::numeric as "share?"
           from line_fact f
           join product p on p.product_id = f.product_id
           where f.ordered_at >= (select $1::date::timestamp at time zone timezone from rollup_state)
             and f.ordered_at < (select ($2::date + 1)::timestamp at time zone timezone from rollup_state)
           group by p.product_id, p.sku, p.name, p.category
           order by 6 desc, 1
           limit $3"#,
        range.from as _,
        range.to as _,
        limit
    )
    .fetch_all(db)
    .await
}

/// Identified customers by net revenue in the range, largest first.
pub async fn top_customers(
    db: impl PgExecutor<'_>,
    range: DateRange,
    limit: i64,
) -> sqlx::Result<Vec<super::types::TopCustomer>> {
    sqlx::query_as!(
        super::types::TopCustomer,
        r#"select c.external_id as "customer!", c.name as "name?", c.country as "country?",
                  count(distinct f.sales_order_id) filter (where f.line_kind = 'sale') as "orders!",
                  coalesce(sum(f.line_value) filter (where f.line_kind = 'sale'), 0)
                    - coalesce(sum(abs(f.line_value)) filter (where f.line_kind = 'return'), 0) as "net_revenue!",
                  null::numeric as "share?"
           from line_fact f
           join customer c on c.customer_id = f.customer_id
           where f.ordered_at >= (select $1::date::timestamp at time zone timezone from rollup_state)
             and f.ordered_at < (select ($2::date + 1)::timestamp at time zone timezone from rollup_state)
           group by c.customer_id, c.external_id, c.name, c.country
           order by 5 desc, 1
           limit $3"#,
        range.from as _,
        range.to as _,
        limit
    )
    .fetch_all(db)
    .await
}
