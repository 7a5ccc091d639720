//! Server functions of the Sales area: each checks the caller through `guard` and asks `service`.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::SalesOverview;
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;

/// Everything the Sales page shows for a filter.
#[server(prefix = "/fn", endpoint = "get_sales_overview", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_overview(
    #[server(default)] filter: DashboardFilter,
) -> Result<SalesOverview, AppError> {
    use crate::features::embed::types::Dashboard;
    crate::guard::dashboard(Dashboard::Sales, filter, |state, scope| async move {
        super::service::page(&state, &scope).await
    })
    .await
}
