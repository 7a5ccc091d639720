//! The identified customers who bought in a range: one SQL pass over the
//! `daily_customer_sales` rollup (the order lines under a category filter) joined to
//! `customer_summary`, RFM scores as ranks in Rust, and its cached list. Sales (customer count, new/returning split, top
//! customers) and Customer Insights (every figure) both read it, so it lives below both.
//! Local days are in the store time zone of `rollup_state`.
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

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

/// One customer's sums over a range, as SQL returns them (scores are added in Rust).
struct Summed {
    customer_id: i64,
    orders: i64,
    gross: Decimal,
    net: Decimal,
    first_order: NaiveDate,
    first_day: NaiveDate,
    last_day: NaiveDate,
    country: Option<String>,
}

/// Every customer who bought in the range and slice, largest net revenue first. SQL sums the
/// `daily_customer_sales` rows per customer and takes the first order and country from
/// `customer_summary`; the quintile scores are ranks computed here (a sort of a few hundred
/// thousand numbers takes milliseconds, where SQL rank windows over numeric sort on disk).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customer_facts(
    pool: &sqlx::PgPool,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<CustomerFacts>> {
    let (start, end) = super::queries::utc_bounds(pool, range.from, range.to).await?;
    let rows = sqlx::query_as!(
        Summed,
        r#"with bounds as (select timezone from rollup_state),
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
                 and f.ordered_at >= $7 and f.ordered_at < $8
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
           )
           select c.customer_id as "customer_id!", c.orders::bigint as "orders!", c.gross as "gross!",
                  c.net as "net!",
                  coalesce(cs.first_order_day, c.first_day) as "first_order!: NaiveDate",
                  c.first_day as "first_day!: NaiveDate",
                  c.last_day as "last_day!: NaiveDate",
                  cs.country
           from c
           left join customer_summary cs using (customer_id)"#,
        range.from as _,
        range.to as _,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category,
        start as _,
        end as _
    )
    .fetch_all(pool)
    .await?;
    Ok(scored(rows, range.to))
}

/// Adds the RFM quintile scores (as of `as_of`) and orders the customers by net revenue, largest
/// first (ties by id).
fn scored(rows: Vec<Summed>, as_of: NaiveDate) -> Vec<CustomerFacts> {
    let r = quintiles(&rows, |c| c.last_day);
    let f = quintiles(&rows, |c| c.orders);
    let m = quintiles(&rows, |c| c.net);
    let mut facts: Vec<CustomerFacts> = rows
        .into_iter()
        .enumerate()
        .map(|(i, c)| CustomerFacts {
            customer_id: c.customer_id,
            orders: c.orders,
            gross_revenue: c.gross,
            net_revenue: c.net,
            first_order: c.first_order,
            last_order: c.last_day,
            recency_days: (as_of - c.last_day).num_days(),
            r: r[i],
            f: f[i],
            m: m[i],
            country: c.country,
            days_between_orders: (c.last_day - c.first_day).num_days(),
        })
        .collect();
    facts.sort_unstable_by(|a, b| {
        b.net_revenue
            .cmp(&a.net_revenue)
            .then(a.customer_id.cmp(&b.customer_id))
    });
    facts
}

/// Quintile scores 1–5 by a key, low to high: `min(5, 1 + ⌊5 (rank − 1) / n⌋)` where rank is
/// SQL's `rank()` (ties share the lowest rank, so they share a score).
pub fn quintiles<T, K: Ord>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<i32> {
    let n = rows.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_cached_key(|&i| key(&rows[i]));
    let mut scores = vec![0; n];
    let mut rank = 0;
    for (position, &i) in order.iter().enumerate() {
        if position == 0 || key(&rows[order[position - 1]]) != key(&rows[i]) {
            rank = position;
        }
        scores[i] = (1 + 5 * rank / n).min(5) as i32;
    }
    scores
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

#[cfg(test)]
mod tests {
    use super::quintiles;

    #[test]
    fn quintiles_are_sql_rank_scores_with_shared_ties() {
        // rank() of 10 values: 1, 2, 3, 3, 5, 6, 7, 8, 9, 10 → 1 + ⌊5 (rank − 1) / 10⌋.
        let keys = [10, 20, 30, 30, 50, 60, 70, 80, 90, 100];
        assert_eq!(quintiles(&keys, |k| *k), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Input order does not matter; equal keys share the lowest rank's score.
        assert_eq!(quintiles(&[7, 7, 7], |k| *k), [1, 1, 1]);
        assert_eq!(quintiles(&[3, 1, 2], |k| *k), [4, 1, 2]);
        assert!(quintiles::<i32, i32>(&[], |k| *k).is_empty());
    }
}
