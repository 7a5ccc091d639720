//! Server functions of the Customer Insights area: each checks the caller through `guard` and
//! asks `service`.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{CustomerPage, CustomerSort, CustomersOverview, GroupKind};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;

/// Rows of a drill-down page.
pub const PAGE_SIZE: i64 = 50;

/// Everything the Customer Insights page shows for a filter.
#[server(prefix = "/fn", endpoint = "get_customers_overview", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_overview(
    #[server(default)] filter: DashboardFilter,
) -> Result<CustomersOverview, AppError> {
    use crate::features::embed::types::Dashboard;
    crate::guard::dashboard(Dashboard::Customers, filter, |state, scope| async move {
        super::service::page(&state, &scope).await
    })
    .await
}

/// A page of the customers in a segment, cluster, engagement group, repeat group, country or
/// cohort (analysts and admins: it names customers).
#[server(prefix = "/fn", endpoint = "get_customer_group", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customer_group(
    #[server(default)] filter: DashboardFilter,
    kind: GroupKind,
    id: String,
    #[server(default)] offset: i64,
    #[server(default)] sort: CustomerSort,
) -> Result<CustomerPage, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::role(Role::Analyst, |state, _user| async move {
        super::service::group_page(&state, &filter, kind, &id, sort, offset, PAGE_SIZE).await
    })
    .await
}
