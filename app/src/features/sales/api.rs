//! Server functions of the Sales area.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{SalesFilter, SalesOverview};
use crate::error::AppError;

/// KPI cards and revenue over time for the filter's range.
#[server(prefix = "/fn", endpoint = "get_sales_overview", input = GetUrl)]
pub async fn get_sales_overview(
    #[server(default)] filter: SalesFilter,
) -> Result<SalesOverview, AppError> {
    use super::{kpi, queries};
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Viewer).await?;
    with_status(
        async {
            let state = app_state()?;
            let pool = &state.pool;
            let latest = queries::latest_order_day(pool).await?;
            let today = queries::store_today(pool).await?;
            let range = kpi::resolve_range(&filter, latest, today)?;
            let grain = kpi::grain_for(&range);
            let totals = queries::sales_totals(pool, range).await?;
            let customers = queries::distinct_customers(pool, range).await?;
            let series = queries::revenue_series(pool, range, grain).await?;
            Ok(SalesOverview {
                range,
                grain,
                currency: state.currency.clone(),
                data_as_of: latest,
                kpis: kpi::sales_kpis(&totals, customers),
                series,
            })
        }
        .await,
    )
}
