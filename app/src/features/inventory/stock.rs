//! Every product's stock figures as of a day: read through `queries`, computed by `kpi`. The
//! service (the stock sections, pricing) and the market signals (`refresh`) start here.
use sqlx::PgPool;

use super::types::{ProductStock, StockSettings};
use super::{kpi, queries};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::error::AppError;

/// Every product's stock figures as of the range end, best sellers first.
pub async fn stock_rows(
    pool: &PgPool,
    settings: &StockSettings,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Vec<ProductStock>, AppError> {
    let rows = queries::product_rows(pool, range, filter).await?;
    let window = kpi::demand_window(range.to, settings.demand_days);
    let ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
    let demand = queries::demand_days(pool, window, &ids).await?;
    Ok(kpi::stock_products(rows, &demand, range.to, settings))
}
