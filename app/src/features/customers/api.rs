//! Server functions of the Customer Insights area, one per part of the page so that each part
//! loads by itself: each checks the caller through `guard`, resolves the filter's range and asks
//! `service` for that part only.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{
    AcquisitionMonth, Clustering, CustomerHistory, CustomerPage, CustomerRecord, CustomerSort,
    CustomersCohorts, CustomersEngagement, CustomersSummary, GroupKind, OrderRecord, Rfm,
};
use crate::dashboard::filter::{DashboardFilter, Ranged};
use crate::error::AppError;

/// Rows of a drill-down page.
pub const PAGE_SIZE: i64 = 50;

/// The Customer Insights dashboard, for `guard::part`. Acquisition and cohorts count every
/// channel and country, whatever the filter: users only, never an embed, whose filters are locked.
#[cfg(feature = "ssr")]
const CUSTOMERS: crate::features::embed::types::Dashboard =
    crate::features::embed::types::Dashboard::Customers;

/// The cards, the comparison period's and the customers by country.
#[server(prefix = "/fn", endpoint = "get_customers_summary", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_summary(
    #[server(default)] filter: DashboardFilter,
) -> Result<CustomersSummary, AppError> {
    crate::guard::cards(CUSTOMERS, filter, |state, filter, range, _| async move {
        super::service::summary(&state, &filter, range).await
    })
    .await
}

/// New and returning customers per month (store-wide: users only).
#[server(prefix = "/fn", endpoint = "get_customers_acquisition", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_acquisition(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Vec<AcquisitionMonth>>, AppError> {
    crate::guard::part(CUSTOMERS, filter, true, |state, _, range, _| async move {
        let rows = super::service::acquisition(&state, range).await?;
        Ok(Ranged {
            range,
            currency: state.currency.clone(),
            rows,
        })
    })
    .await
}

/// Engagement depth and repeat vs one-time customers.
#[server(prefix = "/fn", endpoint = "get_customers_engagement", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_engagement(
    #[server(default)] filter: DashboardFilter,
) -> Result<CustomersEngagement, AppError> {
    crate::guard::part(
        CUSTOMERS,
        filter,
        false,
        |state, filter, range, _| async move {
            super::service::engagement(&state, &filter, range).await
        },
    )
    .await
}

/// The RFM segments and grid.
#[server(prefix = "/fn", endpoint = "get_customers_rfm", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_rfm(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Rfm>, AppError> {
    crate::guard::part(
        CUSTOMERS,
        filter,
        false,
        |state, filter, range, _| async move {
            let rows = super::service::rfm(&state, &filter, range).await?;
            Ok(Ranged {
                range,
                currency: state.currency.clone(),
                rows,
            })
        },
    )
    .await
}

/// The behaviour clusters.
#[server(prefix = "/fn", endpoint = "get_customers_clusters", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_clusters(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Clustering>, AppError> {
    crate::guard::part(
        CUSTOMERS,
        filter,
        false,
        |state, filter, range, _| async move {
            let rows = super::service::clustering(&state, &filter, range).await?;
            Ok(Ranged {
                range,
                currency: state.currency.clone(),
                rows,
            })
        },
    )
    .await
}

/// Cohorts by month of first order (store-wide: users only).
#[server(prefix = "/fn", endpoint = "get_customers_cohorts", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_cohorts(
    #[server(default)] filter: DashboardFilter,
) -> Result<CustomersCohorts, AppError> {
    crate::guard::part(CUSTOMERS, filter, true, |state, _, range, _| async move {
        super::service::cohorts(&state, range).await
    })
    .await
}

/// A page of the customers in a segment, cluster, engagement group, repeat group, country or
/// cohort (analysts and admins: it names customers).
#[server(prefix = "/fn", endpoint = "get_customer_group", input = GetUrl, output = crate::codec::Read)]
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

/// One customer's record page (analysts and admins: it names the customer), their standing in
/// the range of `filter`.
#[server(prefix = "/fn", endpoint = "get_customer_record", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customer_record(
    #[server(default)] filter: DashboardFilter,
    id: i64,
) -> Result<CustomerRecord, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::role(Role::Analyst, |state, _user| async move {
        let (range, _) =
            crate::dashboard::range::resolve(&state.pool, &filter, &state.limits).await?;
        super::service::record(&state, &filter, range, id).await
    })
    .await
}

/// A customer's RFM segment and scores in the range of `filter` and the windows of its length
/// before it (analysts and admins, as the record).
#[server(prefix = "/fn", endpoint = "get_customer_history", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customer_history(
    #[server(default)] filter: DashboardFilter,
    id: i64,
) -> Result<CustomerHistory, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::role(Role::Analyst, |state, _user| async move {
        let (range, _) =
            crate::dashboard::range::resolve(&state.pool, &filter, &state.limits).await?;
        super::service::history(&state, &filter, range, id).await
    })
    .await
}

/// One order's page (analysts and admins: it names the customer).
#[server(prefix = "/fn", endpoint = "get_order_record", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_order_record(id: i64) -> Result<OrderRecord, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::role(Role::Analyst, |state, _user| async move {
        super::service::order_record(&state, id).await
    })
    .await
}
