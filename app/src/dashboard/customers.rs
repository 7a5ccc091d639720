//! The identified customers who bought in a range: one SQL pass over the
//! `daily_customer_sales` rollup (the order lines under a category filter) with RFM scores as
//! window functions, and its cached list. Sales (customer count, new/returning split, top
//! customers) and Customer Insights (every figure) both read it, so it lives below both.
//! Local days are in the store time zone of `rollup_state`.
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgExecutor;

use super::filter::{DashboardFilter, DateRange};
use crate::error::AppError;
use crate::state::AppState;

/// An identified customer who bought in the range, with RFM values as of the range end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFacts {
    pub customer_id: i64,
    /// Distinct orders with a sales line in the range.
    pub orders: i64,
    pub gross_revenue: Decimal,
    /// Sales − returns in the range.
    pub net_revenue: Decimal,
    /// Local day of the first order ever (all the data).
    pub first_order: NaiveDate,
    /// Local day of the last order (with a sales line) in the range.
    pub last_order: NaiveDate,
    /// Days from the last order to the range end.
    pub recency_days: i64,
    /// Quintile scores 1–5 (5 = most recent, most orders, most revenue); ties share a score.
    pub r: i32,
    pub f: i32,
    pub m: i32,
    pub country: Option<String>,
    /// Sum of the gaps between consecutive orders in the range, in days (0 with one order).
    pub days_between_orders: i64,
}

/// Every customer who bought in the range and slice, largest net revenue first.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customer_facts(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<CustomerFacts>> {
    sqlx::query_as!(
        CustomerFacts,
        r#"with bounds as (
               select $1::date::timestamp at time zone timezone as start_at,
                      ($2::date + 1)::timestamp at time zone timezone as end_at,
                      timezone
               from rollup_state
           ),
           -- Rows per customer and day (an order lies in exactly one, so orders add up): the
           -- rollup's, or from the order lines when a category filter (a line-level dimension)
           -- is set.
           days as (
               select d.customer_id, d.day, d.orders, d.gross, d.net
               from daily_customer_sales d
               where cardinality($6::text[]) = 0
                 and d.day between $1 and $2
                 and (cardinality($3::text[]) = 0 or d.channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or d.source_id = any($4))
                 and (cardinality($5::text[]) = 0 or d.country = any($5))
               union all
               select f.customer_id, (f.ordered_at at time zone b.timezone)::date,
                      count(distinct f.sales_order_id) filter (where f.line_kind = 'sale'),
                      coalesce(sum(f.line_value) filter (where f.line_kind = 'sale'), 0),
                      sum(case when f.line_kind = 'sale' then f.line_value else -abs(f.line_value) end)
               from line_fact f
               join product p on p.product_id = f.product_id
               cross join bounds b
               where cardinality($6::text[]) > 0
                 and f.line_kind in ('sale', 'return')
                 and f.customer_id is not null
                 and f.ordered_at >= (select start_at from bounds)
                 and f.ordered_at < (select end_at from bounds)
                 and (cardinality($3::text[]) = 0 or f.channel = any($3))
                 and (cardinality($4::bigint[]) = 0 or f.source_id = any($4))
                 and (cardinality($5::text[]) = 0 or f.country = any($5))
                 and p.category = any($6)
               group by 1, 2
           ),
           c as (
               select customer_id, sum(orders) as orders, sum(gross) as gross, sum(net) as net,
                      max(day) filter (where orders > 0) as last_day,
                      min(day) filter (where orders > 0) as first_day
               from days
               group by 1
               having sum(orders) > 0
           ),
           scored as (
               select c.*,
                      least(5, 1 + floor(5.0 * (rank() over (order by last_day) - 1) / count(*) over ()))::int as r,
                      least(5, 1 + floor(5.0 * (rank() over (order by orders) - 1) / count(*) over ()))::int as f,
                      least(5, 1 + floor(5.0 * (rank() over (order by net) - 1) / count(*) over ()))::int as m
               from c
           )
           select s.customer_id as "customer_id!", s.orders::bigint as "orders!", s.gross as "gross_revenue!",
                  s.net as "net_revenue!",
                  coalesce((coalesce(cu.first_seen_at,
                                     (select min(o.ordered_at) from sales_order o where o.customer_id = s.customer_id))
                            at time zone b.timezone)::date, s.first_day) as "first_order!: NaiveDate",
                  s.last_day as "last_order!: NaiveDate",
                  ($2::date - s.last_day)::bigint as "recency_days!",
                  s.r as "r!", s.f as "f!", s.m as "m!",
                  cu.country,
                  (s.last_day - s.first_day)::bigint as "days_between_orders!"
           from scored s
           cross join bounds b
           join customer cu on cu.customer_id = s.customer_id
           order by s.net desc, s.customer_id"#,
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

/// Every customer who bought in a range and slice (largest net revenue first), cached by
/// (filter, range, data version): the Sales and Customer Insights pages share it.
pub async fn buying_customers(
    state: &AppState,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Arc<Vec<CustomerFacts>>, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.facts", &(filter, range), async {
            Ok(Arc::new(customer_facts(&state.pool, range, filter).await?))
        })
        .await
}
