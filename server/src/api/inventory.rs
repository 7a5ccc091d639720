//! Inventory & Pricing as JSON (seed S4's shape): products with their stock and pricing figures,
//! price decisions, market signals, the stock summary and the price recommendations. The page
//! calls the same functions. Writes take the analyst role.
use app::caller::Caller;
use app::dashboard::filter::{DashboardFilter, DateRange};
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::inventory::kpi;
use app::features::inventory::service::{
    self, acknowledge, acknowledge_matching, data_from, decide, list_signals, premium_products,
    pricing, product_detail, products as products_of,
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
use axum::response::Response;
use axum::Json;
use axum_extra::extract::Query;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{
    authorize, authorize_dashboard, authorize_format, json_body, ErrorBody, Export, FormatParam,
    OfDashboard,
};
use app::features::embed::types::Dashboard;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DASHBOARD: Dashboard = Dashboard::Inventory;

/// The Inventory & Pricing dashboard's routes.
pub struct Inventory;

impl OfDashboard for Inventory {
    const DASHBOARD: Dashboard = DASHBOARD;
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(products))
        .routes(routes!(product))
        .routes(routes!(set_price))
        .routes(routes!(decisions, create_decision))
        .routes(routes!(decision))
        .routes(routes!(push_decision))
        .routes(routes!(signal_list))
        .routes(routes!(recompute))
        .routes(routes!(signal))
        .routes(routes!(acknowledge_signal))
        .routes(routes!(acknowledge_all))
        .routes(routes!(summary))
        .routes(routes!(premium))
        .routes(routes!(recommendations))
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
    let (filter, format) =
        authorize_dashboard(&caller, DASHBOARD, filter, format.format.as_deref())?;
    let (range, all) = products_of(&state, &filter).await?;
    let products: Vec<ProductStock> = all
        .iter()
        .filter(|p| status.status.is_none_or(|s| p.status == s))
        .cloned()
        .collect();
    let name = format!("stock-{}", range.to);
    format.respond(&name, products, |products| ProductsBody {
        range,
        as_of: range.to,
        currency: state.currency.clone(),
        products,
    })
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
    let format = authorize_format(&caller, params.format.as_deref())?;
    let list = service::decisions(&state.pool, params.product_id).await?;
    format.respond("pricing-decisions", list, |list| list)
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

/// Pushes an accepted price to the shop the product comes from (analysts and admins; an explicit
/// action, never automatic). The platform's answer is kept on the decision (`push_result`) and in
/// the audit log; 502 when the platform refused it.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/push", tag = "inventory",
    params(("id" = i64, Path, description = "decision id")),
    responses((status = 200, description = "Pushed", body = PricingDecision), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Not accepted, or not from a connected shop", body = ErrorBody),
              (status = 502, description = "The platform refused it: push_result says why", body = PricingDecision)))]
pub async fn push_decision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let user = authorize(&caller, Role::Analyst)?;
    let decision = state.connector.push_price(&state, &user, id).await?;
    let ok = decision
        .push_result
        .as_deref()
        .is_some_and(|r| r.starts_with("ok"));
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    Ok((status, Json(decision)).into_response())
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
pub struct AcknowledgedBody {
    /// Open signals acknowledged.
    acknowledged: u64,
}

/// Acknowledges every open signal of a filter (`kind`, `severity`, `product_id`; none: all of
/// them) in one audited step (analysts and admins).
#[utoipa::path(post, path = "/api/v1/signals/acknowledge", tag = "inventory", request_body = SignalFilter,
    responses((status = 200, body = AcknowledgedBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge_all(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<SignalFilter>, JsonRejection>,
) -> Result<Json<AcknowledgedBody>, AppError> {
    let user = authorize(&caller, Role::Analyst)?;
    let filter = json_body(body)?;
    Ok(Json(AcknowledgedBody {
        acknowledged: acknowledge_matching(&state.pool, &user, &filter).await?,
    }))
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
        raised: app::features::inventory::refresh::refresh_signals(&state.pool, &state.inventory)
            .await?,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InventorySummaryBody {
    range: DateRange,
    as_of: NaiveDate,
    /// The first day with sales: an `as_of` before it has no stock figures.
    data_from: Option<NaiveDate>,
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
    let (range, products) = products_of(&state, &filter).await?;
    let settings = state.inventory;
    Ok(Json(InventorySummaryBody {
        range,
        as_of: range.to,
        data_from: data_from(&state, &filter).await?,
        currency: state.currency.clone(),
        cards: kpi::cards(&products, &settings.stock),
        turnover_by_category: kpi::turnover_by_category(&products),
        abc_pareto: kpi::abc_pareto(&products),
        settings,
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
    Export { filter, format, .. }: Export<Inventory>,
) -> Result<Response, AppError> {
    let (range, premium) = premium_products(&state, &filter).await?;
    let name = format!("premium-products-{}-{}", range.from, range.to);
    format.respond(&name, premium, |products| PremiumBody { range, products })
}

/// Every product's competitor position, elasticity and recommended price (or hold, with the
/// reason); `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/pricing/recommendations", tag = "inventory", params(DashboardFilter, FormatParam),
    responses((status = 200, body = PricingOverview), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn recommendations(
    State(state): State<AppState>,
    Export { filter, format, .. }: Export<Inventory>,
) -> Result<Response, AppError> {
    let mut o = pricing(&state, &filter).await?;
    let name = format!("price-recommendations-{}", o.as_of);
    let products = std::mem::take(&mut o.products);
    format.respond(&name, products, |products| PricingOverview {
        products,
        ..o
    })
}
