//! Inventory & Pricing as JSON (seed S4's shape): products with their stock and pricing figures,
//! price decisions, market signals, the stock summary and the price recommendations. The page
//! calls the same functions. Writes take the analyst role.
use app::dashboard::filter::{DashboardFilter, DateRange};
use app::error::AppError;
use app::features::auth::caller::Caller;
use app::features::auth::types::Role;
use app::features::inventory::service::{
    self, acknowledge, decide, inventory, list_signals, pricing, product_detail,
};
use app::features::inventory::types::{
    AbcPoint, CategoryTurnover, DecisionAction, DecisionRequest, InventoryCards, InventorySettings,
    MarketSignal, PremiumProduct, PricingDecision, PricingOverview, ProductDetail, ProductStock,
    SignalFilter, StockStatus,
};
use app::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::Query;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{
    authorize, authorize_dashboard, authorize_format, csv_response, json_body, ErrorBody,
    FormatParam,
};
use app::features::embed::types::Dashboard;

const DASHBOARD: Dashboard = Dashboard::Inventory;

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn float(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProductsBody {
    range: DateRange,
    as_of: NaiveDate,
    currency: String,
    products: Vec<ProductStock>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusParam {
    /// Only products with this status: untracked, ok, reorder, out, overstock or dead.
    status: Option<StockStatus>,
}

/// Every product with its stock figures as of the range end (on hand, demand, days of cover,
/// turnover, ABC, safety stock, reorder point, suggested order, order-by and sell-out dates,
/// status) and its sales in the range; `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/products", tag = "inventory", params(DashboardFilter, StatusParam, FormatParam),
    responses((status = 200, body = ProductsBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn products(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
    Query(status): Query<StatusParam>,
    Query(format): Query<FormatParam>,
) -> Result<Response, AppError> {
    let (filter, csv) = authorize_dashboard(&caller, DASHBOARD, filter, format.format.as_deref())?;
    let o = inventory(&state, &filter).await?;
    let products: Vec<ProductStock> = o
        .products
        .into_iter()
        .filter(|p| status.status.is_none_or(|s| p.status == s))
        .collect();
    if csv {
        let cells = products
            .into_iter()
            .map(|p| {
                vec![
                    p.sku,
                    p.name,
                    p.category,
                    p.status.as_str().to_string(),
                    p.abc.as_str().to_string(),
                    opt(p.on_hand),
                    opt(p.unit_cost),
                    opt(p.price),
                    p.units_sold.to_string(),
                    p.net_revenue.to_string(),
                    float(Some(p.daily_demand)),
                    float(p.days_of_cover),
                    float(p.turnover),
                    float(Some(p.safety_stock)),
                    float(Some(p.reorder_point)),
                    p.suggested_order.to_string(),
                    opt(p.order_by),
                    opt(p.sells_out_on),
                    opt(p.last_sale),
                    p.lead_time_days.to_string(),
                ]
            })
            .collect();
        return csv_response(
            &format!("stock-{}", o.as_of),
            &[
                "sku",
                "name",
                "category",
                "status",
                "abc",
                "on_hand",
                "unit_cost",
                "price",
                "units_sold",
                "net_revenue",
                "daily_demand",
                "days_of_cover",
                "turnover",
                "safety_stock",
                "reorder_point",
                "suggested_order",
                "order_by",
                "sells_out_on",
                "last_sale",
                "lead_time_days",
            ],
            cells,
        );
    }
    Ok(Json(ProductsBody {
        range: o.range,
        as_of: o.as_of,
        currency: o.currency,
        products,
    })
    .into_response())
}

/// One product: stock figures, competitor position, elasticity, recommendation, daily stock and
/// sales, weekly prices, competitor observations and decisions.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "inventory",
    params(("id" = i64, Path, description = "product id"), DashboardFilter),
    responses((status = 200, body = ProductDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn product(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<ProductDetail>, AppError> {
    authorize(&caller, Role::Viewer)?;
    Ok(Json(product_detail(&state, &filter, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PriceBody {
    /// The new price.
    price: Decimal,
    #[serde(default)]
    note: String,
}

/// Sets a product's price by hand (analysts and admins): logged as a manual decision.
#[utoipa::path(put, path = "/api/v1/products/{id}/price", tag = "inventory",
    params(("id" = i64, Path, description = "product id")), request_body = PriceBody,
    responses((status = 200, body = PricingDecision), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_price(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<PriceBody>, JsonRejection>,
) -> Result<Json<PricingDecision>, AppError> {
    let user = authorize(&caller, Role::Analyst)?;
    let body = json_body(body)?;
    let request = DecisionRequest {
        product_id: id,
        action: DecisionAction::Manual,
        price: Some(body.price),
        note: body.note,
        filter: DashboardFilter::default(),
    };
    Ok(Json(decide(&state, &user, &request).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionParams {
    /// Only this product's decisions.
    product_id: Option<i64>,
    /// json (default) or csv (analysts and admins).
    format: Option<String>,
}

/// The decision log, newest first (200 at most); `format=csv` exports it.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "inventory", params(DecisionParams),
    responses((status = 200, body = Vec<PricingDecision>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn decisions(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<DecisionParams>,
) -> Result<Response, AppError> {
    let csv = authorize_format(&caller, params.format.as_deref())?;
    let list = service::decisions(&state.pool, params.product_id).await?;
    if csv {
        let cells = list
            .into_iter()
            .map(|d| {
                vec![
                    d.decision_id.to_string(),
                    d.decided_at.to_rfc3339(),
                    d.sku,
                    d.product_name,
                    d.kind,
                    d.status,
                    d.old_price.to_string(),
                    d.new_price.to_string(),
                    d.decided_by.unwrap_or_default(),
                    d.reason,
                    d.note,
                ]
            })
            .collect();
        return csv_response(
            "pricing-decisions",
            &[
                "id",
                "decided_at",
                "sku",
                "product",
                "kind",
                "status",
                "old_price",
                "new_price",
                "decided_by",
                "reason",
                "note",
            ],
            cells,
        );
    }
    Ok(Json(list).into_response())
}

/// One decision.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "inventory",
    params(("id" = i64, Path, description = "decision id")),
    responses((status = 200, body = PricingDecision), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PricingDecision>, AppError> {
    authorize(&caller, Role::Viewer)?;
    Ok(Json(service::decision(&state.pool, id).await?))
}

/// Accepts or rejects a product's current recommendation, or sets a manual price (analysts and
/// admins). With `accept` or `reject`, `price` (optional) must be the recommended price the
/// caller saw: a recommendation that changed meanwhile answers 409.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "inventory", request_body = DecisionRequest,
    responses((status = 201, body = PricingDecision), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_decision(
    State(state): State<AppState>,
    caller: Caller,
    request: Result<Json<DecisionRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<PricingDecision>), AppError> {
    let user = authorize(&caller, Role::Analyst)?;
    let request = json_body(request)?;
    Ok((
        StatusCode::CREATED,
        Json(decide(&state, &user, &request).await?),
    ))
}

/// Market signals, most severe and newest first: open ones unless `all=true`.
#[utoipa::path(get, path = "/api/v1/signals", tag = "inventory", params(SignalFilter),
    responses((status = 200, body = Vec<MarketSignal>), (status = 401, body = ErrorBody)))]
pub async fn signal_list(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<SignalFilter>,
) -> Result<Json<Vec<MarketSignal>>, AppError> {
    authorize(&caller, Role::Viewer)?;
    Ok(Json(list_signals(&state.pool, &filter, None).await?))
}

/// One signal.
#[utoipa::path(get, path = "/api/v1/signals/{id}", tag = "inventory",
    params(("id" = i64, Path, description = "signal id")),
    responses((status = 200, body = MarketSignal), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn signal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MarketSignal>, AppError> {
    authorize(&caller, Role::Viewer)?;
    list_signals(&state.pool, &SignalFilter::default(), Some(id))
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("Signal {id}")))
}

/// Acknowledges a signal (analysts and admins); 409 when it already was.
#[utoipa::path(put, path = "/api/v1/signals/{id}/acknowledge", tag = "inventory",
    params(("id" = i64, Path, description = "signal id")),
    responses((status = 200, body = MarketSignal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge_signal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MarketSignal>, AppError> {
    let user = authorize(&caller, Role::Analyst)?;
    Ok(Json(acknowledge(&state.pool, &user, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecomputeBody {
    /// Signals raised by this run (the ones raised before are not repeated).
    raised: u64,
}

/// Computes the market signals now (they are also computed after every ingest).
#[utoipa::path(post, path = "/api/v1/signals/recompute", tag = "inventory",
    responses((status = 200, body = RecomputeBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn recompute(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RecomputeBody>, AppError> {
    authorize(&caller, Role::Analyst)?;
    Ok(Json(RecomputeBody {
        raised: service::refresh_signals(&state.pool, &state.inventory).await?,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InventorySummaryBody {
    range: DateRange,
    as_of: NaiveDate,
    currency: String,
    cards: InventoryCards,
    turnover_by_category: Vec<CategoryTurnover>,
    abc_pareto: Vec<AbcPoint>,
    settings: InventorySettings,
}

/// The stock cards (values at cost and retail, SKUs in stock / low / out, days of cover, dead
/// stock, overstock), turnover by category and the ABC curve.
#[utoipa::path(get, path = "/api/v1/inventory/summary", tag = "inventory", params(DashboardFilter),
    responses((status = 200, body = InventorySummaryBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<InventorySummaryBody>, AppError> {
    let (filter, _) = authorize_dashboard(&caller, DASHBOARD, filter, None)?;
    let o = inventory(&state, &filter).await?;
    Ok(Json(InventorySummaryBody {
        range: o.range,
        as_of: o.as_of,
        currency: o.currency,
        cards: o.cards,
        turnover_by_category: o.turnover_by_category,
        abc_pareto: o.abc_pareto,
        settings: o.settings,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PremiumBody {
    range: DateRange,
    products: Vec<PremiumProduct>,
}

/// Premium products: among the top sellers by net revenue, bought by few customers, with their
/// units per order; `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/inventory/premium", tag = "inventory", params(DashboardFilter, FormatParam),
    responses((status = 200, body = PremiumBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn premium(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
    Query(format): Query<FormatParam>,
) -> Result<Response, AppError> {
    let (filter, csv) = authorize_dashboard(&caller, DASHBOARD, filter, format.format.as_deref())?;
    let o = inventory(&state, &filter).await?;
    if csv {
        let cells = o
            .premium
            .into_iter()
            .map(|p| {
                vec![
                    p.sku,
                    p.name,
                    p.net_revenue.to_string(),
                    p.customers.to_string(),
                    float(Some(p.customer_share)),
                    float(Some(p.units_per_order)),
                ]
            })
            .collect();
        return csv_response(
            &format!("premium-products-{}-{}", o.range.from, o.range.to),
            &[
                "sku",
                "name",
                "net_revenue",
                "customers",
                "customer_share",
                "units_per_order",
            ],
            cells,
        );
    }
    Ok(Json(PremiumBody {
        range: o.range,
        products: o.premium,
    })
    .into_response())
}

/// Every product's competitor position, elasticity and recommended price (or hold, with the
/// reason); `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/pricing/recommendations", tag = "inventory", params(DashboardFilter, FormatParam),
    responses((status = 200, body = PricingOverview), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn recommendations(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
    Query(format): Query<FormatParam>,
) -> Result<Response, AppError> {
    let (filter, csv) = authorize_dashboard(&caller, DASHBOARD, filter, format.format.as_deref())?;
    let o = pricing(&state, &filter).await?;
    if csv {
        let cells = o
            .products
            .into_iter()
            .map(|p| {
                let r = p.recommendation;
                vec![
                    p.sku,
                    p.name,
                    p.category,
                    opt(p.unit_cost),
                    r.current_price.to_string(),
                    opt(p.position.cheapest),
                    opt(p.position.average),
                    opt(p.position.rank),
                    opt(p.position.price_index),
                    float(p.elasticity.estimate),
                    float(p.elasticity.std_error),
                    p.elasticity.weeks.to_string(),
                    opt(r.optimum),
                    opt(r.recommended_price),
                    opt(r.expected.as_ref().map(|e| e.weekly_profit)),
                    opt(r.current.as_ref().map(|e| e.weekly_profit)),
                    r.reason,
                ]
            })
            .collect();
        return csv_response(
            &format!("price-recommendations-{}", o.as_of),
            &[
                "sku",
                "name",
                "category",
                "unit_cost",
                "current_price",
                "cheapest_competitor",
                "average_competitor",
                "our_rank",
                "price_index",
                "elasticity",
                "std_error",
                "weeks",
                "optimum",
                "recommended_price",
                "expected_weekly_profit",
                "current_weekly_profit",
                "reason",
            ],
            cells,
        );
    }
    Ok(Json(o).into_response())
}
