//! The store's sums over the `daily_sales` rollup for a range and slice: the Sales cards are
//! made from them, and Customer Insights takes its guest share from them.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use sqlx::PgExecutor;

#[cfg(feature = "ssr")]
use super::filter::{DashboardFilter, DateRange};

/// Sums over the rollup for a range (DESIGN.md metric definitions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SalesTotals {
    pub gross_revenue: Decimal,
    pub returns: Decimal,
    pub adjustments: Decimal,
    pub units: i64,
    pub orders: i64,
    /// Gross revenue of sales lines whose order has no customer (guest checkouts).
    pub unidentified_revenue: Decimal,
}

/// Sums over the rollup for a range and the filter's slice. Without a category filter, orders
/// are the exact distinct count (`orders`); with one, each category's own count
/// (`category_orders`), which counts an order once per selected category it has lines in — the
/// KPI card takes the exact count from the facts instead (Sales' `distinct_orders`).
#[cfg(feature = "ssr")]
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn sales_totals(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<SalesTotals> {
    let row = sqlx::query!(
        r#"select coalesce(sum(gross_revenue), 0) as "gross_revenue!",
                  coalesce(sum(returns_value), 0) as "returns!",
                  coalesce(sum(adjustments_value), 0) as "adjustments!",
                  coalesce(sum(units), 0)::bigint as "units!",
                  coalesce(sum(case when cardinality($6::text[]) = 0 then orders else category_orders end), 0)::bigint as "orders!",
                  coalesce(sum(unidentified_revenue), 0) as "unidentified_revenue!"
           from daily_sales
           where day between $1 and $2
             and (cardinality($3::text[]) = 0 or channel = any($3))
             and (cardinality($4::bigint[]) = 0 or source_id = any($4))
             and (cardinality($5::text[]) = 0 or country = any($5))
             and (cardinality($6::text[]) = 0 or category = any($6))"#,
        range.from as _,
        range.to as _,
        &filter.channel,
        &filter.source,
        &filter.country,
        &filter.category
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
