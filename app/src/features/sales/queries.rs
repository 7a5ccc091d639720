//! SQL of the Sales area. Dashboards read the `daily_sales` and `daily_product_sales` rollups;
//! only per-customer figures (and exact orders under a category filter) need the facts. Local days are in the store time zone kept in `rollup_state`.
//!
//! Dates are annotated (`as "day: NaiveDate"`, `x as _`) because the session store switches on
//! sqlx's `time` feature, which would otherwise map `date` to `time::Date` in the server build.
use chrono::NaiveDate;
use sqlx::PgExecutor;

use super::types::{
    BreakdownBy, BreakdownRow, CategoryPoint, ReturnedProduct, RevenuePoint, TopProduct,
};
use crate::dashboard::filter::{DashboardFilter, DateRange, Grain};

/// Distinct orders with a sales line in the slice, from the facts: the exact count under a
/// category filter (an order's lines can span categories, so the rollup cannot give it).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn distinct_orders(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        // The bounds are scalar subqueries (computed once), so the index on ordered_at serves.
        r#"select count(distinct f.sales_order_id) as "orders!"
           from line_fact f
           join product p on p.product_id = f.product_id
           where f.line_kind = 'sale'
             and f.ordered_at >= (select $1::date::timestamp at time zone timezone from rollup_state)
             and f.ordered_at < (select ($2::date + 1)::timestamp at time zone timezone from rollup_state)
             and (cardinality($3::text[]) = 0 or f.channel = any($3))
             and (cardinality($4::bigint[]) = 0 or f.source_id = any($4))
             and (cardinality($5::text[]) = 0 or f.country = any($5))
             and (cardinality($6::text[]) = 0 or p.category = any($6))"#,
        range.from as _,
        range.to as _,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category
    )
    .fetch_one(db)
    .await
}

/// Net revenue, orders and units per bucket of the range and slice, every bucket present (zero
/// when it had no sales).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn revenue_series(
    db: impl PgExecutor<'_>,
    range: DateRange,
    grain: Grain,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<RevenuePoint>> {
    let rows = sqlx::query!(
        r#"with bucket as (
               select date_trunc($3, day::timestamp)::date as period,
                      sum(gross_revenue) as gross_revenue,
                      sum(returns_value) as returns,
                      sum(case when cardinality($7::text[]) = 0 then orders else category_orders end) as orders
               from daily_sales
               where day between $1 and $2
                 and (cardinality($4::text[]) = 0 or channel = any($4))
                 and (cardinality($5::bigint[]) = 0 or source_id = any($5))
                 and (cardinality($6::text[]) = 0 or country = any($6))
                 and (cardinality($7::text[]) = 0 or category = any($7))
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
        grain.as_str(),
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category
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

/// Net revenue per bucket and category (only buckets where the category sold or had returns).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn category_series(
    db: impl PgExecutor<'_>,
    range: DateRange,
    grain: Grain,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<CategoryPoint>> {
    sqlx::query_as!(
        CategoryPoint,
        r#"select date_trunc($3, day::timestamp)::date as "period!: NaiveDate",
                  category as "category!",
                  sum(gross_revenue) - sum(returns_value) as "net_revenue!"
           from daily_sales
           where day between $1 and $2
             and (cardinality($4::text[]) = 0 or channel = any($4))
             and (cardinality($5::bigint[]) = 0 or source_id = any($5))
             and (cardinality($6::text[]) = 0 or country = any($6))
             and (cardinality($7::text[]) = 0 or category = any($7))
           group by 1, 2
           order by 1, 2"#,
        range.from as _,
        range.to as _,
        grain.as_str(),
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category
    )
    .fetch_all(db)
    .await
}

/// A page of order lines in a stable order (time, then line id), after the keyset cursor.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
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

/// One row per month of the range (empty months included; a partial month holds only the range's
/// days), with the previous month's net revenue from a window function (the whole month before
/// the range counts as the first one's base), and whether the range covers the month only in part.
pub struct MonthSalesRow {
    pub month: NaiveDate,
    pub gross_revenue: rust_decimal::Decimal,
    pub returns: rust_decimal::Decimal,
    pub orders: i64,
    pub previous_net: Option<rust_decimal::Decimal>,
    pub partial: bool,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn monthly_sales(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
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
                      sum(gross_revenue) as gross, sum(returns_value) as returns,
                      sum(case when cardinality($6::text[]) = 0 then orders else category_orders end) as orders
               from daily_sales
               -- The month before the range (whole: the first month's base), then the range's days.
               where day >= (date_trunc('month', $1::date::timestamp) - interval '1 month')::date and day <= $2
                 and (day >= $1 or day < date_trunc('month', $1::date::timestamp)::date)
                 and (cardinality($3::text[]) = 0 or channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or source_id = any($4))
                 and (cardinality($5::text[]) = 0 or country = any($5))
                 and (cardinality($6::text[]) = 0 or category = any($6))
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
        range.to as _,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category
    )
    .fetch_all(db)
    .await
}

/// Revenue and orders per country, channel or category over the range and slice, largest net
/// revenue first. A category's orders are the orders with a line in it.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn sales_by(
    db: impl PgExecutor<'_>,
    range: DateRange,
    by: BreakdownBy,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<BreakdownRow>> {
    let by = match by {
        BreakdownBy::Country => "country",
        BreakdownBy::Channel => "channel",
        BreakdownBy::Category => "category",
    };
    let rows = sqlx::query!(
        r#"select case $3 when 'country' then country when 'channel' then channel else category end as "key!",
                  sum(gross_revenue) as "gross_revenue!", sum(returns_value) as "returns!",
                  sum(case when $3 = 'category' or cardinality($7::text[]) > 0 then category_orders else orders end)::bigint as "orders!"
           from daily_sales
           where day between $1 and $2
             and (cardinality($4::text[]) = 0 or channel = any($4))
             and (cardinality($5::bigint[]) = 0 or source_id = any($5))
             and (cardinality($6::text[]) = 0 or country = any($6))
             and (cardinality($7::text[]) = 0 or category = any($7))
           group by 1
           order by sum(gross_revenue) - sum(returns_value) desc, 1"#,
        range.from as _,
        range.to as _,
        by,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BreakdownRow {
            key: r.key,
            net_revenue: r.gross_revenue - r.returns,
            gross_revenue: r.gross_revenue,
            returns: r.returns,
            orders: r.orders,
            share: None,
        })
        .collect())
}

/// Products by net revenue in the range and slice (sales − returns), largest first; with
/// `merchandise_only`, the products that are merchandise (the Inventory's: no postage or fees).
/// Without a channel, source or country slice the range's whole weeks come from
/// `weekly_product_sales` and only the days before and after them from `daily_product_sales`.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn top_products(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
    merchandise_only: bool,
    limit: i64,
) -> sqlx::Result<Vec<TopProduct>> {
    let sliced =
        !(filter.channel.is_empty() && filter.source.is_empty() && filter.country.is_empty());
    // Days before `head_end` (exclusive) and after `tail_start` (exclusive) are read by day, the
    // weeks between by week; without whole weeks every day is read by day and no week.
    let (head_end, tail_start) = match range.whole_weeks().filter(|_| !sliced) {
        Some(weeks) => weeks,
        None => (range.to.succ_opt().unwrap_or(NaiveDate::MAX), range.to),
    };
    sqlx::query_as!(
        TopProduct,
        r#"with rows as (
               select product_id, units, orders, gross_revenue, returns_value
               from daily_product_sales
               where day >= $1 and day < $8
                 and (cardinality($3::text[]) = 0 or channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or source_id = any($4))
                 and (cardinality($5::text[]) = 0 or country = any($5))
               union all
               select product_id, units, orders, gross_revenue, returns_value
               from weekly_product_sales
               where week >= $8 and week <= $9::date - 6
               union all
               select product_id, units, orders, gross_revenue, returns_value
               from daily_product_sales
               where day > $9 and day <= $2
                 and (cardinality($3::text[]) = 0 or channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or source_id = any($4))
                 and (cardinality($5::text[]) = 0 or country = any($5))
           ),
           agg as (
               select product_id, sum(units) as units, sum(orders) as orders,
                      sum(gross_revenue) - sum(returns_value) as net_revenue
               from rows
               group by 1
           )
           select p.product_id as "product_id!", p.sku as "sku!", p.name as "name!",
                  p.category as "category!", a.units::bigint as "units!", a.orders::bigint as "orders!",
                  a.net_revenue as "net_revenue!", null::numeric as "share?"
           from agg a
           join product p on p.product_id = a.product_id
           where (cardinality($6::text[]) = 0 or p.category = any($6))
             and (p.is_merchandise or not $10)
           order by a.net_revenue desc, p.sku
           limit $7"#,
        range.from as _,
        range.to as _,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category,
        limit,
        head_end as _,
        tail_start as _,
        merchandise_only
    )
    .fetch_all(db)
    .await
}

/// Products by value returned in the range and slice, largest first. The returns are summed
/// over the product-days with a return only (a partial index); the gross revenue that gives
/// the return rate, for the products listed only.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn most_returned(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
    limit: i64,
) -> sqlx::Result<Vec<ReturnedProduct>> {
    sqlx::query_as!(
        ReturnedProduct,
        r#"with agg as (
               select product_id, sum(returned_units) as returned_units, sum(returns_value) as returns
               from daily_product_sales
               where (returns_value > 0 or returned_units > 0)
                 and day between $1 and $2
                 and (cardinality($3::text[]) = 0 or channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or source_id = any($4))
                 and (cardinality($5::text[]) = 0 or country = any($5))
               group by 1
               having sum(returns_value) > 0
           ),
           top as (
               select a.product_id, a.returned_units, a.returns, p.sku, p.name, p.category
               from agg a
               join product p on p.product_id = a.product_id
               where cardinality($6::text[]) = 0 or p.category = any($6)
               order by a.returns desc, p.sku
               limit $7
           ),
           gross as (
               select d.product_id, sum(d.gross_revenue) as gross
               from daily_product_sales d
               join top t on t.product_id = d.product_id
               where d.day between $1 and $2
                 and (cardinality($3::text[]) = 0 or d.channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or d.source_id = any($4))
                 and (cardinality($5::text[]) = 0 or d.country = any($5))
               group by 1
           )
           select t.sku as "sku!", t.name as "name!", t.category as "category!",
                  t.returned_units::bigint as "returned_units!", t.returns as "returns!",
                  round(t.returns / nullif(g.gross, 0), 6) as "return_rate?"
           from top t
           left join gross g on g.product_id = t.product_id
           order by t.returns desc, t.sku"#,
        range.from as _,
        range.to as _,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category,
        limit
    )
    .fetch_all(db)
    .await
}

/// Names and countries of customers, by id.
// `instrument` spells the return type out in its expansion, where clippy finds it complex.
#[allow(clippy::type_complexity)]
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customer_labels(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> sqlx::Result<Vec<(i64, String, Option<String>, Option<String>)>> {
    Ok(sqlx::query!(
        "select customer_id, external_id, name, country from customer where customer_id = any($1)",
        ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.customer_id, r.external_id, r.name, r.country))
    .collect())
}
