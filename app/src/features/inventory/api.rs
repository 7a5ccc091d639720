//! Server functions of the Inventory & Pricing area: each checks the caller through `guard` and
//! asks `service`.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{
    DecisionRequest, InventoryOverview, MarketSignal, PremiumProducts, PricingDecision,
    ProductDetail, SignalFilter,
};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::features::auth::types::Role;
#[cfg(feature = "ssr")]
use crate::features::embed::types::Dashboard;
#[cfg(feature = "ssr")]
use crate::guard;

/// Stock cards, ABC and turnover by category.
#[server(prefix = "/fn", endpoint = "get_inventory_overview", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_inventory_overview(
    #[server(default)] filter: DashboardFilter,
) -> Result<InventoryOverview, AppError> {
    guard::cards(
        Dashboard::Inventory,
        filter,
        |state, filter, _, _| async move { super::service::inventory(&state, &filter).await },
    )
    .await
}

/// One page of the stock table: the filter's products narrowed by status and search, sorted by
/// a column over all of them, 50 rows.
#[server(prefix = "/fn", endpoint = "get_inventory_products", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_inventory_products(
    #[server(default)] filter: DashboardFilter,
    #[server(default)] query: super::product_list::ProductQuery,
) -> Result<super::product_list::ProductsPage, AppError> {
    guard::part(
        Dashboard::Inventory,
        filter,
        false,
        |state, filter, _, _| async move {
            super::service::product_page(&state, &filter, &query).await
        },
    )
    .await
}

/// Premium products: top sellers bought by few customers.
#[server(prefix = "/fn", endpoint = "get_inventory_premium", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_inventory_premium(
    #[server(default)] filter: DashboardFilter,
) -> Result<PremiumProducts, AppError> {
    guard::part(
        Dashboard::Inventory,
        filter,
        false,
        |state, filter, _, _| async move {
            let (range, products) = super::service::premium_products(&state, &filter).await?;
            let stock = state.inventory.stock;
            Ok(PremiumProducts {
                range,
                currency: state.currency.clone(),
                revenue_share: stock.premium_revenue_share,
                customer_share: stock.premium_customer_share,
                products,
            })
        },
    )
    .await
}

/// One page of the price recommendations table: competitor positions, elasticities and
/// recommendations, narrowed to suggested changes and a search, sorted by a column over every
/// product, 50 rows.
#[server(prefix = "/fn", endpoint = "get_pricing_products", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_pricing_products(
    #[server(default)] filter: DashboardFilter,
    #[server(default)] query: super::pricing_list::PricingQuery,
) -> Result<super::pricing_list::PricingPage, AppError> {
    guard::part(
        Dashboard::Inventory,
        filter,
        false,
        |state, filter, _, _| async move {
            super::service::pricing_page(&state, &filter, &query).await
        },
    )
    .await
}

/// One product in full: stock and sales history, weekly prices, competitors, decisions.
#[server(prefix = "/fn", endpoint = "get_product_detail", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_product_detail(
    #[server(default)] filter: DashboardFilter,
    product_id: i64,
) -> Result<ProductDetail, AppError> {
    guard::role(Role::Viewer, |state, _| async move {
        super::service::product_detail(&state, &filter, product_id).await
    })
    .await
}

/// Accept or reject a product's recommendation, or set a manual price (analysts and admins).
#[server(prefix = "/fn", endpoint = "decide_price", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn decide_price(request: DecisionRequest) -> Result<PricingDecision, AppError> {
    guard::role(Role::Analyst, |state, user| async move {
        super::service::decide(&state, &user, &request).await
    })
    .await
}

/// The decision log, newest first (one product's with `product_id`).
#[server(prefix = "/fn", endpoint = "get_decisions", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_decisions(
    #[server(default)] product_id: Option<i64>,
) -> Result<Vec<PricingDecision>, AppError> {
    guard::role(Role::Viewer, |state, _| async move {
        super::service::decisions(&state.pool, product_id).await
    })
    .await
}

/// Pushes an accepted price to the product's shop (analysts and admins).
#[server(prefix = "/fn", endpoint = "push_decision", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn push_decision(id: i64) -> Result<PricingDecision, AppError> {
    guard::role(Role::Analyst, |state, user| async move {
        state.connector.push_price(&state, &user, id).await
    })
    .await
}

/// Market signals, most severe and newest first.
#[server(prefix = "/fn", endpoint = "get_signals", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_signals(
    #[server(default)] filter: SignalFilter,
) -> Result<Vec<MarketSignal>, AppError> {
    guard::role(Role::Viewer, |state, _| async move {
        super::service::list_signals(&state.pool, &filter, None).await
    })
    .await
}

/// How many signals nobody has acknowledged yet (the header badge).
#[server(prefix = "/fn", endpoint = "get_open_signal_count", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_open_signal_count() -> Result<i64, AppError> {
    guard::role(Role::Viewer, |state, _| async move {
        super::service::open_signal_count(&state.pool).await
    })
    .await
}

/// Acknowledge every open signal of a filter (analysts and admins); how many.
#[server(prefix = "/fn", endpoint = "acknowledge_signals", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn acknowledge_signals(filter: SignalFilter) -> Result<u64, AppError> {
    guard::role(Role::Analyst, |state, user| async move {
        super::service::acknowledge_matching(&state.pool, &user, &filter).await
    })
    .await
}

/// Acknowledge a signal (analysts and admins).
#[server(prefix = "/fn", endpoint = "acknowledge_signal", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn acknowledge_signal(signal_id: i64) -> Result<MarketSignal, AppError> {
    guard::role(Role::Analyst, |state, user| async move {
        super::service::acknowledge(&state.pool, &user, signal_id).await
    })
    .await
}

/// Recompute the market signals now (analysts and admins); returns how many are new.
#[server(prefix = "/fn", endpoint = "recompute_signals", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn recompute_signals() -> Result<u64, AppError> {
    guard::role(Role::Analyst, |state, _| async move {
        super::refresh::refresh_signals(&state.pool, &state.inventory).await
    })
    .await
}
