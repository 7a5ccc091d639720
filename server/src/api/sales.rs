//! The Sales dashboard's numbers as JSON (or CSV for analysts and admins): the same functions
//! build them for the page. Multi-value filters repeat their parameter
//! (`?country=France&country=Germany`).
use app::caller::Caller;
use app::dashboard::filter::{DashboardFilter, DateRange, Grain};
use app::dashboard::range::resolve;
use app::error::AppError;
use app::features::sales::service;
use app::features::sales::types::{
    BreakdownBy, BreakdownRow, Concentration, MonthRow, ReturnedProduct, RevenuePoint, SalesSeries,
    SalesSummary, TopCustomer, TopProduct,
};
use app::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use axum_extra::extract::Query;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{authorize, authorize_dashboard, ErrorBody, Export, FormatParam, OfDashboard};
use app::export::CsvRow;
use app::features::auth::types::Role;
use app::features::embed::types::Dashboard;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DASHBOARD: Dashboard = Dashboard::Sales;

/// The Sales dashboard's routes.
pub struct Sales;

impl OfDashboard for Sales {
    const DASHBOARD: Dashboard = DASHBOARD;
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(timeseries))
        .routes(routes!(monthly))
        .routes(routes!(breakdown))
        .routes(routes!(top_products))
        .routes(routes!(top_customers))
        .routes(routes!(concentration))
        .routes(routes!(returns))
}

/// The caller's filter (an embed's locked values applied) and the range it resolves to, with
/// the latest day with data. Each route then computes only its own section, with the same
/// service functions the page is put together from.
async fn scoped(
    state: &AppState,
    caller: &Caller,
    filter: DashboardFilter,
) -> Result<(DashboardFilter, DateRange, Option<NaiveDate>), AppError> {
    let filter = caller.scope(DASHBOARD, filter)?.filter;
    let (range, latest) = resolve(&state.pool, &filter, &state.limits).await?;
    Ok((filter, range, latest))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MonthlyBody {
    range: DateRange,
    months: Vec<MonthRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BreakdownBody {
    range: DateRange,
    by: BreakdownBy,
    rows: Vec<BreakdownRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConcentrationBody {
    range: DateRange,
    concentration: Concentration,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReturnsBody {
    range: DateRange,
    grain: Grain,
    /// Returns and gross revenue per bucket (return rate = returns / gross revenue).
    points: Vec<RevenuePoint>,
    most_returned: Vec<ReturnedProduct>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ByParam {
    /// country (top 8 and "Other"), channel or category (top 6 and "Other"); required
    by: Option<BreakdownBy>,
    /// json (default) or csv (analysts and admins).
    format: Option<String>,
}

/// Gross revenue, returns, net revenue, orders, AOV, units, customers and guest share, with the
/// comparison period's figures and the split of the change.
#[utoipa::path(get, path = "/api/v1/sales/summary", tag = "sales", params(DashboardFilter),
    responses((status = 200, body = SalesSummary), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<SalesSummary>, AppError> {
    let (filter, range, data_as_of) = scoped(&state, &caller, filter).await?;
    Ok(Json(
        service::headline(&state, &filter, range, data_as_of).await?,
    ))
}

/// Revenue per day, week or month of the range (every bucket present), with the comparison period.
#[utoipa::path(get, path = "/api/v1/sales/timeseries", tag = "sales", params(DashboardFilter),
    responses((status = 200, body = SalesSeries), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn timeseries(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<SalesSeries>, AppError> {
    let (filter, range, _) = scoped(&state, &caller, filter).await?;
    Ok(Json(service::timeseries(&state, &filter, range).await?))
}

/// Revenue, orders and AOV per month with the month-on-month change; partial months marked.
#[utoipa::path(get, path = "/api/v1/sales/monthly", tag = "sales", params(DashboardFilter, FormatParam),
    responses((status = 200, body = MonthlyBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn monthly(
    State(state): State<AppState>,
    Export { filter, format, .. }: Export<Sales>,
) -> Result<Response, AppError> {
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    let months = service::monthly(&state, range, &filter).await?;
    let name = format!("sales-by-month-{}-{}", range.from, range.to);
    format.respond(&name, months, |months| MonthlyBody { range, months })
}

/// Revenue by country (top 8 and "Other"), channel, or category (top 6 and "Other"), with shares
/// of net revenue.
#[utoipa::path(get, path = "/api/v1/sales/breakdown", tag = "sales", params(DashboardFilter, ByParam),
    responses((status = 200, body = BreakdownBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn breakdown(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
    Query(by): Query<ByParam>,
) -> Result<Response, AppError> {
    let (filter, format) = authorize_dashboard(&caller, DASHBOARD, filter, by.format.as_deref())?;
    let by = by.by.ok_or_else(|| {
        AppError::invalid("by", "say what to split by: country, channel or category")
    })?;
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    let rows = service::breakdown(&state, &filter, range, by).await?;
    let column = match by {
        BreakdownBy::Country => "country",
        BreakdownBy::Channel => "channel",
        BreakdownBy::Category => "category",
    };
    // The key column is named for what the rows are split by.
    let header = [&[column], &BreakdownRow::HEADER[1..]].concat();
    let name = format!("sales-by-{column}-{}-{}", range.from, range.to);
    format.respond_as(&name, &header, rows, |rows| BreakdownBody {
        range,
        by,
        rows,
    })
}

/// Share of net revenue from the top 10 customers, the Pareto curve and the share of customers
/// that makes 80% of the identified customers' revenue.
#[utoipa::path(get, path = "/api/v1/sales/concentration", tag = "sales", params(DashboardFilter),
    responses((status = 200, body = ConcentrationBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn concentration(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<ConcentrationBody>, AppError> {
    let (filter, range, _) = scoped(&state, &caller, filter).await?;
    Ok(Json(ConcentrationBody {
        range,
        concentration: service::concentration(&state, &filter, range).await?,
    }))
}

/// Returns per bucket and the most-returned products (top 10; `format=csv` exports them).
#[utoipa::path(get, path = "/api/v1/sales/returns", tag = "sales", params(DashboardFilter, FormatParam),
    responses((status = 200, body = ReturnsBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn returns(
    State(state): State<AppState>,
    Export { filter, format, .. }: Export<Sales>,
) -> Result<Response, AppError> {
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    let grain = service::grain(&filter, &range);
    // Two independent queries, at once.
    let (most_returned, points) = tokio::try_join!(
        service::most_returned(&state, &filter, range, service::TOP_ROWS),
        service::revenue_points(&state, &filter, range, grain)
    )?;
    let name = format!("most-returned-{}-{}", range.from, range.to);
    format.respond(&name, most_returned, |most_returned| ReturnsBody {
        range,
        grain,
        points,
        most_returned,
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopParams {
    /// Rows, 1–1000 (default 50).
    limit: Option<i64>,
    /// json (default) or csv (analysts and admins: exporting is theirs).
    format: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopProductsBody {
    range: DateRange,
    rows: Vec<TopProduct>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopCustomersBody {
    range: DateRange,
    rows: Vec<TopCustomer>,
}

/// The range and the row limit.
async fn top_request(
    state: &AppState,
    filter: &DashboardFilter,
    params: &TopParams,
) -> Result<(DateRange, i64), AppError> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let (range, _) = resolve(&state.pool, filter, &state.limits).await?;
    Ok((range, limit))
}

/// Products by net revenue in the range, with units, orders and share; `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/sales/top-products", tag = "sales", params(DashboardFilter, TopParams),
    responses((status = 200, body = TopProductsBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn top_products(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
    Query(params): Query<TopParams>,
) -> Result<Response, AppError> {
    let (filter, format) =
        authorize_dashboard(&caller, DASHBOARD, filter, params.format.as_deref())?;
    let (range, limit) = top_request(&state, &filter, &params).await?;
    let rows = service::top_products(&state, &filter, range, limit).await?;
    let name = format!("top-products-{}-{}", range.from, range.to);
    format.respond(&name, rows, |rows| TopProductsBody { range, rows })
}

/// Identified customers by net revenue in the range, with orders and share; `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/sales/top-customers", tag = "sales", params(DashboardFilter, TopParams),
    responses((status = 200, body = TopCustomersBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn top_customers(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
    Query(params): Query<TopParams>,
) -> Result<Response, AppError> {
    // Customer names: users only, never an embed.
    authorize(&caller, Role::Viewer)?;
    let (filter, format) =
        authorize_dashboard(&caller, DASHBOARD, filter, params.format.as_deref())?;
    let (range, limit) = top_request(&state, &filter, &params).await?;
    let rows = service::top_customers(&state, &filter, range, limit).await?;
    let name = format!("top-customers-{}-{}", range.from, range.to);
    format.respond(&name, rows, |rows| TopCustomersBody { range, rows })
}
