//! Server functions of the Sales area, one per part of the page so that each part loads by
//! itself: each checks the caller through `guard`, resolves the filter's range and asks
//! `service` for that part only.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{
    BreakdownBy, BreakdownRow, Concentration, MonthRow, ReturnedProduct, SalesCategories,
    SalesSeries, SalesSummary, TopCustomer, TopProduct,
};
use crate::dashboard::filter::{DashboardFilter, Ranged};
use crate::error::AppError;

/// The Sales dashboard, for `guard::part`.
#[cfg(feature = "ssr")]
const SALES: crate::features::embed::types::Dashboard =
    crate::features::embed::types::Dashboard::Sales;

/// The cards, the comparison period's and why net revenue moved.
#[server(prefix = "/fn", endpoint = "get_sales_summary", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_summary(
    #[server(default)] filter: DashboardFilter,
) -> Result<SalesSummary, AppError> {
    crate::guard::cards(SALES, filter, |state, filter, range, latest| async move {
        super::service::headline(&state, &filter, range, latest).await
    })
    .await
}

/// Revenue per bucket of the range and of the comparison period.
#[server(prefix = "/fn", endpoint = "get_sales_series", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_series(
    #[server(default)] filter: DashboardFilter,
) -> Result<SalesSeries, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        super::service::timeseries(&state, &filter, range).await
    })
    .await
}

/// Net revenue by category, in total and per bucket.
#[server(prefix = "/fn", endpoint = "get_sales_categories", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_categories(
    #[server(default)] filter: DashboardFilter,
) -> Result<SalesCategories, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        super::service::categories(&state, &filter, range).await
    })
    .await
}

/// Net revenue by country or channel.
#[server(prefix = "/fn", endpoint = "get_sales_breakdown", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_breakdown(
    #[server(default)] filter: DashboardFilter,
    by: BreakdownBy,
) -> Result<Ranged<Vec<BreakdownRow>>, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        let rows = super::service::breakdown(&state, &filter, range, by).await?;
        Ok(Ranged {
            range,
            currency: state.currency.to_string(),
            rows,
        })
    })
    .await
}

/// The top products of the range.
#[server(prefix = "/fn", endpoint = "get_sales_top_products", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_top_products(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Vec<TopProduct>>, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        let limit = super::service::TOP_ROWS;
        let rows = super::service::top_products(&state, &filter, range, limit).await?;
        Ok(Ranged {
            range,
            currency: state.currency.to_string(),
            rows,
        })
    })
    .await
}

/// The top customers of the range, with their names: users only, never an embed.
#[server(prefix = "/fn", endpoint = "get_sales_top_customers", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_top_customers(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Vec<TopCustomer>>, AppError> {
    crate::guard::part(SALES, filter, true, |state, filter, range, _| async move {
        let limit = super::service::TOP_ROWS;
        let rows = super::service::top_customers(&state, &filter, range, limit).await?;
        Ok(Ranged {
            range,
            currency: state.currency.to_string(),
            rows,
        })
    })
    .await
}

/// How concentrated the identified customers' revenue is.
#[server(prefix = "/fn", endpoint = "get_sales_concentration", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_concentration(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Concentration>, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        let rows = super::service::concentration(&state, &filter, range).await?;
        Ok(Ranged {
            range,
            currency: state.currency.to_string(),
            rows,
        })
    })
    .await
}

/// The most-returned products of the range.
#[server(prefix = "/fn", endpoint = "get_sales_most_returned", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_most_returned(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Vec<ReturnedProduct>>, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        let limit = super::service::TOP_ROWS;
        let rows = super::service::most_returned(&state, &filter, range, limit).await?;
        Ok(Ranged {
            range,
            currency: state.currency.to_string(),
            rows,
        })
    })
    .await
}

/// Revenue, orders and AOV per month of the range.
#[server(prefix = "/fn", endpoint = "get_sales_monthly", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_sales_monthly(
    #[server(default)] filter: DashboardFilter,
) -> Result<Ranged<Vec<MonthRow>>, AppError> {
    crate::guard::part(SALES, filter, false, |state, filter, range, _| async move {
        let rows = super::service::monthly(&state, range, &filter).await?;
        Ok(Ranged {
            range,
            currency: state.currency.to_string(),
            rows,
        })
    })
    .await
}
