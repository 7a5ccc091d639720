//! SQL of the Customer Insights area: acquisition and cohorts read the `customer_month` rollup
//! and each customer's first month with a sale from `customer_summary` (local months in the
//! store time zone of `rollup_state`). The per-customer facts of a range,
//! which Sales shares, are in `crate::dashboard::customers`.
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgExecutor;

use crate::dashboard::filter::DateRange;

/// New and returning customers per month of the range (every month present), from the
/// `customer_month` rollup. New: first order with a sales line ever in the month (as the New
/// customers card and the cohorts count them); returning: bought in the month, first order before it.
pub struct AcquisitionRow {
    pub month: NaiveDate,
    pub new_customers: i64,
    pub returning_customers: i64,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn acquisition(
    db: impl PgExecutor<'_>,
    range: DateRange,
) -> sqlx::Result<Vec<AcquisitionRow>> {
    sqlx::query_as!(
        AcquisitionRow,
        r#"with months as (
               select generate_series(date_trunc('month', $1::date::timestamp),
                                      date_trunc('month', $2::date::timestamp),
                                      interval '1 month')::date as month
           ),
           active as (
               select cm.month,
                      count(*) filter (where f.first_sale_month = cm.month) as new_customers,
                      count(*) filter (where f.first_sale_month < cm.month) as returning_customers
               from customer_month cm
               join customer_summary f using (customer_id)
               where cm.month between date_trunc('month', $1::date::timestamp)::date and $2
                 and cm.orders > 0
               group by 1
           )
           select m.month as "month!: NaiveDate",
                  coalesce(a.new_customers, 0) as "new_customers!",
                  coalesce(a.returning_customers, 0) as "returning_customers!"
           from months m left join active a using (month)
           order by 1"#,
        range.from as _,
        range.to as _
    )
    .fetch_all(db)
    .await
}

/// One cohort × months-since cell: customers of the cohort active that month and their net revenue.
pub struct CohortRowSql {
    pub cohort: NaiveDate,
    pub months_since: i32,
    pub customers: i64,
    pub net_revenue: Decimal,
    pub cohort_size: i64,
}

/// Cohorts of customers whose first order ever falls in the range's months, and their activity
/// up to the range end (from `customer_month`).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn cohorts(db: impl PgExecutor<'_>, range: DateRange) -> sqlx::Result<Vec<CohortRowSql>> {
    sqlx::query_as!(
        CohortRowSql,
        r#"with members as (
               select customer_id, first_sale_month as cohort
               from customer_summary
               where first_sale_month between date_trunc('month', $1::date::timestamp)::date and $2
           ),
           sizes as (select cohort, count(*) as size from members group by 1)
           select m.cohort as "cohort!: NaiveDate",
                  ((extract(year from age(cm.month, m.cohort)) * 12 + extract(month from age(cm.month, m.cohort))))::int as "months_since!",
                  count(*) filter (where cm.orders > 0) as "customers!",
                  sum(cm.net_revenue) as "net_revenue!",
                  s.size as "cohort_size!"
           from members m
           join customer_month cm on cm.customer_id = m.customer_id and cm.month >= m.cohort and cm.month <= $2
           join sizes s on s.cohort = m.cohort
           group by m.cohort, cm.month, s.size
           order by 1, 2"#,
        range.from as _,
        range.to as _
    )
    .fetch_all(db)
    .await
}

/// The customers who bought (an order with a sales line) in a month.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn active_in_month(
    db: impl PgExecutor<'_>,
    month: NaiveDate,
) -> sqlx::Result<std::collections::HashSet<i64>> {
    Ok(sqlx::query_scalar!(
        "select customer_id from customer_month where month = $1 and orders > 0",
        month as _
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .collect())
}

/// Names and ids of customers, by internal id.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customer_labels(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> sqlx::Result<Vec<(i64, String, Option<String>)>> {
    Ok(sqlx::query!(
        "select customer_id, external_id, name from customer where customer_id = any($1)",
        ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.customer_id, r.external_id, r.name))
    .collect())
}
