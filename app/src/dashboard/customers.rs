//! The identified customers who bought in a range: summed from the in-memory copy of the
//! `daily_customer_sales` rollup (`customer_days`; the order lines in SQL under a category
//! filter), RFM scores as ranks in Rust, and its cached list. Sales (customer count, new/returning split, top
//! customers) and Customer Insights (every figure) both read it, so it lives below both.
//! Local days are in the store time zone of `rollup_state`.
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::customer_days::{Buyers, CustomerDays, Summed};
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
    /// Shared with the customer's sums, not copied per customer.
    pub country: Option<Arc<str>>,
    /// Sum of the gaps between consecutive orders in the range, in days (0 with one order).
    pub days_between_orders: i64,
}

/// What the card-level figures read of a customer who bought in a range, whether scored
/// (`CustomerFacts`) or only summed (`Summed`): the cards need no scores.
pub trait Bought {
    /// Distinct orders with a sales line in the range.
    fn orders(&self) -> i64;
    /// Sales − returns in the range.
    fn net(&self) -> Decimal;
    /// Local day of the first order ever.
    fn first_order(&self) -> NaiveDate;
    /// Days from the first to the last order in the range (0 with one order).
    fn span_days(&self) -> i64;
    fn country(&self) -> Option<&str>;
}

impl Bought for CustomerFacts {
    fn orders(&self) -> i64 {
        self.orders
    }
    fn net(&self) -> Decimal {
        self.net_revenue
    }
    fn first_order(&self) -> NaiveDate {
        self.first_order
    }
    fn span_days(&self) -> i64 {
        self.days_between_orders
    }
    fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }
}

impl Bought for Summed {
    fn orders(&self) -> i64 {
        self.orders
    }
    fn net(&self) -> Decimal {
        self.net
    }
    fn first_order(&self) -> NaiveDate {
        self.first_order
    }
    fn span_days(&self) -> i64 {
        (self.last_day - self.first_day).num_days()
    }
    fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }
}

/// The sums of every customer who bought in the range and slice, in no particular order.
/// Without a category filter they come from the in-memory copy of `daily_customer_sales`
/// (`customer_days`); a category (a line-level dimension the rollup does not keep) sums the
/// order lines in SQL.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customer_sums(
    pool: &sqlx::PgPool,
    days: &CustomerDays,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<Summed>> {
    if filter.category.is_empty() {
        days.summed(pool, range, filter).await
    } else {
        by_category(pool, range, filter).await
    }
}

/// The net revenue of every customer who bought in the range and slice, in no particular order:
/// of `customer_sums` only what the revenue concentration needs.
pub async fn customer_nets(
    pool: &sqlx::PgPool,
    days: &CustomerDays,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<rust_decimal::Decimal>> {
    if filter.category.is_empty() {
        days.nets(pool, range, filter).await
    } else {
        let sums = by_category(pool, range, filter).await?;
        Ok(sums.into_iter().map(|s| s.net).collect())
    }
}

/// The `n` customers of `customer_sums` with the largest net revenue, largest first (ties by
/// id): the top customers, without gathering everyone's sums from the copy.
pub async fn customer_top_by_net(
    pool: &sqlx::PgPool,
    days: &CustomerDays,
    range: DateRange,
    filter: &DashboardFilter,
    n: usize,
) -> sqlx::Result<Vec<Summed>> {
    if filter.category.is_empty() {
        days.top_by_net(pool, range, filter, n).await
    } else {
        Ok(kernels::rfm::top_by_net(
            by_category(pool, range, filter).await?,
            n,
        ))
    }
}

/// The customers who bought in the range and slice, counted, and their net revenue split into
/// new and returning: of `customer_sums` only what the Sales cards need.
pub async fn customer_buyers(
    pool: &sqlx::PgPool,
    days: &CustomerDays,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Buyers> {
    if filter.category.is_empty() {
        days.buyers(pool, range, filter).await
    } else {
        let mut buyers = Buyers::default();
        for s in by_category(pool, range, filter).await? {
            buyers.add(s.net, s.first_order, range.from);
        }
        Ok(buyers)
    }
}

/// Every customer who bought in the range and slice with RFM scores, largest net revenue
/// first: `customer_sums`, then `score`.
pub async fn customer_facts(
    pool: &sqlx::PgPool,
    days: &CustomerDays,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<CustomerFacts>> {
    Ok(score(
        &customer_sums(pool, days, range, filter).await?,
        range,
    ))
}

/// The customers of `sums` with RFM scores as of the range end, largest net revenue first. The
/// quintile scores are ranks computed here (a sort of a few hundred thousand numbers takes
/// milliseconds, where SQL rank windows over numeric sort on disk).
pub fn score(sums: &[Summed], range: DateRange) -> Vec<CustomerFacts> {
    let started = std::time::Instant::now();
    let scored = scored(sums, range.to);
    tracing::debug!(secs = started.elapsed().as_secs_f64(), "customers scored");
    scored
}

/// The sums of `customer_facts` under a category filter, from the order lines: per customer
/// and local day first (an order lies in exactly one day, so orders add up), then per customer,
/// with the first order and country from `customer_summary`.
async fn by_category(
    pool: &sqlx::PgPool,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<Summed>> {
    let (start, end) = super::queries::utc_bounds(pool, range.from, range.to).await?;
    let rows = sqlx::query!(
        r#"with days as (
               select f.customer_id, (f.ordered_at at time zone s.timezone)::date as day,
                      count(distinct f.sales_order_id) filter (where f.line_kind = 'sale') as orders,
                      coalesce(sum(f.line_value) filter (where f.line_kind = 'sale'), 0) as gross,
                      sum(case when f.line_kind = 'sale' then f.line_value else -abs(f.line_value) end) as net
               from line_fact f
               join product p on p.product_id = f.product_id
               cross join rollup_state s
               where f.line_kind in ('sale', 'return')
                 and f.customer_id is not null
                 and f.ordered_at >= $5 and f.ordered_at < $6
                 and (cardinality($1::text[]) = 0 or f.channel = any($1))
                 and (cardinality($2::bigint[]) = 0 or f.source_id = any($2))
                 and (cardinality($3::text[]) = 0 or f.country = any($3))
                 and p.category = any($4)
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
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category,
        start as _,
        end as _
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Summed {
            customer_id: r.customer_id,
            orders: r.orders,
            gross: r.gross,
            net: r.net,
            first_order: r.first_order,
            first_day: r.first_day,
            last_day: r.last_day,
            country: r.country.map(Arc::from),
        })
        .collect())
}

/// Adds the RFM quintile scores (as of `as_of`) and orders the customers by net revenue, largest
/// first (ties by id): the ranks are `kernels::rfm`'s.
fn scored(rows: &[Summed], as_of: NaiveDate) -> Vec<CustomerFacts> {
    let scores = kernels::rfm::scores(rows);
    scores
        .by_net
        .iter()
        .map(|&i| {
            let (i, c) = (i as usize, &rows[i as usize]);
            CustomerFacts {
                customer_id: c.customer_id,
                orders: c.orders,
                gross_revenue: c.gross,
                net_revenue: c.net,
                first_order: c.first_order,
                last_order: c.last_day,
                recency_days: (as_of - c.last_day).num_days(),
                r: scores.r[i],
                f: scores.f[i],
                m: scores.m[i],
                country: c.country.clone(),
                days_between_orders: (c.last_day - c.first_day).num_days(),
            }
        })
        .collect()
}

/// The sums of every customer who bought in a range and slice, cached by (filter, range, data
/// version): what the top customers and Customer Insights' cards read (no scores, no order),
/// and what `buying_customers` scores for Customer Insights. The Sales cards need only
/// `customer_buyers`, the concentration `customer_nets`.
pub async fn buying_sums(
    state: &AppState,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Arc<Vec<Summed>>, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.sums", &(filter, range), async {
            // Boxed: a large state machine in a debug build, awaited deep inside page rendering.
            Ok(Arc::new(
                Box::pin(customer_sums(
                    &state.pool,
                    &state.customer_days,
                    range,
                    filter,
                ))
                .await?,
            ))
        })
        .await
}

/// Every customer who bought in a range and slice with RFM scores (largest net revenue first),
/// cached by (filter, range, data version): every Customer Insights figure reads it.
pub async fn buying_customers(
    state: &AppState,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Arc<Vec<CustomerFacts>>, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.facts", &(filter, range), async {
            let sums = buying_sums(state, range, filter).await?;
            Ok(Arc::new(score(&sums, range)))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::{score, DateRange, Summed};
    use kernels::rfm::top_by_net;
    use rust_decimal::Decimal;

    fn sums(nets: &[(i64, i64)]) -> Vec<Summed> {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        nets.iter()
            .map(|&(customer_id, net)| Summed {
                customer_id,
                orders: 1,
                gross: Decimal::from(net.max(0)),
                net: Decimal::from(net),
                first_order: day,
                first_day: day,
                last_day: day,
                country: None,
            })
            .collect()
    }

    #[test]
    fn the_top_customers_are_the_scored_list_cut_short() {
        // Ties on net revenue go by id, as in the scored list.
        const ROWS: [(i64, i64); 6] = [(7, 10), (3, 50), (9, 50), (1, -5), (4, 30), (2, 10)];
        let rows = sums(&ROWS);
        let range = DateRange {
            from: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        };
        let scored: Vec<i64> = score(&rows, range).iter().map(|c| c.customer_id).collect();
        assert_eq!(scored, [3, 9, 4, 2, 7, 1]);
        for n in 0..=7 {
            let top: Vec<i64> = top_by_net(sums(&ROWS), n)
                .iter()
                .map(|c| c.customer_id)
                .collect();
            assert_eq!(top, scored[..n.min(6)], "n = {n}");
        }
    }
}
