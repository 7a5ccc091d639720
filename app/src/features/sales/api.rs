//! Server functions of the Sales area.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use super::types::{Comparison, MonthRow};
use super::types::{SalesFilter, SalesOverview};
use crate::error::AppError;

/// KPI cards and revenue over time for the filter's range.
#[server(prefix = "/fn", endpoint = "get_sales_overview", input = GetUrl)]
pub async fn get_sales_overview(
    #[server(default)] filter: SalesFilter,
) -> Result<SalesOverview, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Viewer).await?;
    with_status(
        async {
            let state = app_state()?;
            overview(&state.pool, &state.currency, &filter).await
        }
        .await,
    )
}

/// Countries shown before the rest is folded into "Other".
pub const TOP_COUNTRIES: usize = 8;
/// Rows of the top products and customers tables on the page.
pub const TOP_ROWS: i64 = 10;

/// The range a filter asks for, and the local day of the latest order.
#[cfg(feature = "ssr")]
pub async fn resolve(
    pool: &sqlx::PgPool,
    filter: &SalesFilter,
) -> Result<(super::types::DateRange, Option<chrono::NaiveDate>), AppError> {
    use super::{kpi, queries};
    let latest = queries::latest_order_day(pool).await?;
    let first = queries::first_order_day(pool).await?;
    let today = queries::store_today(pool).await?;
    Ok((kpi::resolve_range(filter, first, latest, today)?, latest))
}

/// Everything the Sales page shows for a filter; the JSON API serves parts of the same.
#[cfg(feature = "ssr")]
pub async fn overview(
    pool: &sqlx::PgPool,
    currency: &str,
    filter: &SalesFilter,
) -> Result<SalesOverview, AppError> {
    use super::types::BreakdownBy;
    use super::{kpi, queries};
    let (range, latest) = resolve(pool, filter).await?;
    let grain = kpi::grain_for(&range);
    let kpis_for = |range| async move {
        let totals = queries::sales_totals(pool, range).await?;
        let customers = queries::distinct_customers(pool, range).await?;
        Ok::<_, AppError>(kpi::sales_kpis(&totals, customers))
    };
    let kpis = kpis_for(range).await?;
    let comparison = match kpi::comparison_range(&range, filter.compare) {
        Some(previous) => Some(Comparison {
            compare: filter.compare,
            range: previous,
            kpis: kpis_for(previous).await?,
        }),
        None => None,
    };
    let series = queries::revenue_series(pool, range, grain).await?;
    let monthly = queries::monthly_sales(pool, range)
        .await?
        .into_iter()
        .map(|m| {
            let net = m.gross_revenue - m.returns;
            MonthRow {
                month: m.month,
                aov: (m.orders > 0)
                    .then(|| m.gross_revenue / rust_decimal::Decimal::from(m.orders)),
                net_change: m
                    .previous_net
                    .and_then(|previous| kpi::change(net, previous)),
                net_revenue: net,
                gross_revenue: m.gross_revenue,
                returns: m.returns,
                orders: m.orders,
                partial: m.partial,
            }
        })
        .collect();
    let by_country = kpi::top_with_other(
        queries::sales_by(pool, range, BreakdownBy::Country).await?,
        TOP_COUNTRIES,
    );
    let by_channel = kpi::top_with_other(
        queries::sales_by(pool, range, BreakdownBy::Channel).await?,
        usize::MAX,
    );
    let (top_products, top_customers) = top_lists(pool, range, kpis.net_revenue, TOP_ROWS).await?;
    Ok(SalesOverview {
        range,
        grain,
        currency: currency.to_string(),
        data_as_of: latest,
        kpis,
        comparison,
        series,
        monthly,
        by_country,
        by_channel,
        top_products,
        top_customers,
    })
}

/// The top `limit` products and customers of a range, with shares of its net revenue.
#[cfg(feature = "ssr")]
pub async fn top_lists(
    pool: &sqlx::PgPool,
    range: super::types::DateRange,
    net_revenue: rust_decimal::Decimal,
    limit: i64,
) -> Result<
    (
        Vec<super::types::TopProduct>,
        Vec<super::types::TopCustomer>,
    ),
    AppError,
> {
    use super::{kpi, queries};
    let products = queries::top_products(pool, range, limit)
        .await?
        .into_iter()
        .map(|p| super::types::TopProduct {
            share: kpi::share(p.net_revenue, net_revenue),
            ..p
        })
        .collect();
    let customers = queries::top_customers(pool, range, limit)
        .await?
        .into_iter()
        .map(|c| super::types::TopCustomer {
            share: kpi::share(c.net_revenue, net_revenue),
            ..c
        })
        .collect();
    Ok((products, customers))
}
