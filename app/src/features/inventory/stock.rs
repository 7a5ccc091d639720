//! Every product's stock figures as of a day: read through `queries`, computed by `kpi`. The
//! service (the stock sections, pricing) and the market signals (`refresh`) start here.
use std::collections::HashMap;

use rust_decimal::Decimal;
use sqlx::PgPool;

use super::types::{ProductStock, StockSettings};
use super::{kpi, queries};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::error::AppError;
use crate::features::sales::queries::top_products;
use crate::features::sales::types::TopProduct;

/// Every product's stock figures as of the range end, best sellers first.
pub async fn stock_rows(
    pool: &PgPool,
    settings: &StockSettings,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Vec<ProductStock>, AppError> {
    // The products' sales and their stock facts are independent questions: asked side by side,
    // on two connections. The daily demand needs the products' ids, so it follows the facts.
    let (sold, (mut rows, demand)) =
        tokio::try_join!(merchandise_sales(pool, range, filter), async {
            let rows = queries::product_rows(pool, range, filter).await?;
            let window = kpi::demand_window(range.to, settings.demand_days);
            let ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
            let demand = queries::demand_days(pool, window, &ids).await?;
            Ok::<_, AppError>((rows, demand))
        })?;
    let sold: HashMap<i64, (i64, Decimal)> = sold
        .into_iter()
        .map(|p| (p.product_id, (p.units, p.net_revenue)))
        .collect();
    for row in &mut rows {
        (row.units_sold, row.net_revenue) = sold.get(&row.product_id).copied().unwrap_or_default();
    }
    rows.sort_by(|a, b| {
        b.net_revenue
            .cmp(&a.net_revenue)
            .then(a.product_id.cmp(&b.product_id))
    });
    Ok(kpi::stock_products(rows, &demand, range.to, settings))
}

/// The filter's merchandise by net revenue in a range, largest first, with units and orders: the
/// rollups' top products (whole weeks from the weekly rollup), of the filter's sources and
/// categories only (channel and country do not narrow products: stock serves them all).
pub async fn merchandise_sales(
    pool: &PgPool,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Vec<TopProduct>, AppError> {
    let products = DashboardFilter {
        source: filter.source.clone(),
        category: filter.category.clone(),
        ..DashboardFilter::default()
    };
    Ok(top_products(pool, range, &products, true, i64::MAX).await?)
}
