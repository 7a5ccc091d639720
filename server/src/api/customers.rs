//! The Customer Insights numbers as JSON (and the drill-down lists as CSV for analysts and
//! admins): the same functions build them for the page.
use app::caller::Caller;
use app::dashboard::filter::{DashboardFilter, DateRange};
use app::dashboard::range::resolve;
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::customers::service::{self as service, group_page, group_rows};
use app::features::customers::types::{
    AcquisitionMonth, Clustering, CustomerHistory, CustomerPage, CustomerRecord, CustomerSort,
    CustomersCohorts, CustomersEngagement, CustomersSummary, GroupKind, OrderRecord, Rfm,
};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::Query;
use serde::{Deserialize, Serialize};

use super::{authorize, csv_download, ErrorBody, Format};
use app::features::embed::types::Dashboard;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DASHBOARD: Dashboard = Dashboard::Customers;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(acquisition))
        .routes(routes!(engagement))
        .routes(routes!(rfm))
        .routes(routes!(clusters))
        .routes(routes!(cohorts))
        .routes(routes!(segment))
        .routes(routes!(record))
        .routes(routes!(history))
        .routes(routes!(order))
}

/// The caller's filter (an embed's locked values applied) and the range it resolves to. Each
/// route then computes only its own section, with the same functions the page uses.
async fn scoped(
    state: &AppState,
    caller: &Caller,
    filter: DashboardFilter,
) -> Result<(DashboardFilter, DateRange), AppError> {
    let filter = caller.scope(DASHBOARD, filter)?.filter;
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    Ok((filter, range))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AcquisitionBody {
    range: DateRange,
    months: Vec<AcquisitionMonth>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RfmBody {
    range: DateRange,
    rfm: Rfm,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClustersBody {
    range: DateRange,
    clustering: Clustering,
}

/// Customers, new and returning customers, repeat rate, orders and net revenue per customer,
/// guest share, with the comparison period; customers by country.
#[utoipa::path(get, path = "/api/v1/customers/summary", tag = "customers", params(DashboardFilter),
    responses((status = 200, body = CustomersSummary), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<CustomersSummary>, AppError> {
    let (filter, range) = scoped(&state, &caller, filter).await?;
    Ok(Json(service::summary(&state, &filter, range).await?))
}

/// New customers (first order ever) and returning customers per month of the range.
#[utoipa::path(get, path = "/api/v1/customers/acquisition", tag = "customers", params(DashboardFilter),
    responses((status = 200, body = AcquisitionBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acquisition(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<AcquisitionBody>, AppError> {
    // Store-wide figures (every channel and country): users only, never an embed.
    authorize(&caller, Role::Viewer)?;
    let (_, range) = scoped(&state, &caller, filter).await?;
    Ok(Json(AcquisitionBody {
        range,
        months: service::acquisition(&state, range).await?,
    }))
}

/// Engagement depth (one-time, occasional, regular) and repeat vs one-time customers.
#[utoipa::path(get, path = "/api/v1/customers/engagement", tag = "customers", params(DashboardFilter),
    responses((status = 200, body = CustomersEngagement), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn engagement(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<CustomersEngagement>, AppError> {
    let (filter, range) = scoped(&state, &caller, filter).await?;
    Ok(Json(service::engagement(&state, &filter, range).await?))
}

/// RFM segments as of the range end, with the R × F grid.
#[utoipa::path(get, path = "/api/v1/customers/rfm", tag = "customers", params(DashboardFilter),
    responses((status = 200, body = RfmBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rfm(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<RfmBody>, AppError> {
    let (filter, range) = scoped(&state, &caller, filter).await?;
    Ok(Json(RfmBody {
        range,
        rfm: service::rfm(&state, &filter, range).await?,
    }))
}

/// k-means clusters with labels, centroids, a sample of points and the cross-table with segments.
#[utoipa::path(get, path = "/api/v1/customers/clusters", tag = "customers", params(DashboardFilter),
    responses((status = 200, body = ClustersBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn clusters(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<ClustersBody>, AppError> {
    let (filter, range) = scoped(&state, &caller, filter).await?;
    Ok(Json(ClustersBody {
        range,
        clustering: service::clustering(&state, &filter, range).await?,
    }))
}

/// Cohorts by month of first order: size, lifetime value, retention and revenue per customer
/// by months since.
#[utoipa::path(get, path = "/api/v1/customers/cohorts", tag = "customers", params(DashboardFilter),
    responses((status = 200, body = CustomersCohorts), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cohorts(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<CustomersCohorts>, AppError> {
    // Store-wide figures (every channel and country): users only, never an embed.
    authorize(&caller, Role::Viewer)?;
    let (_, range) = scoped(&state, &caller, filter).await?;
    Ok(Json(service::cohorts(&state, range).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupParams {
    /// First row (default 0).
    offset: Option<i64>,
    /// Rows, 1–1000 (default 50).
    limit: Option<i64>,
    /// net_revenue (default), orders, recency or customer.
    sort: Option<CustomerSort>,
    /// json (default) or csv: every customer of the group.
    format: Option<String>,
}

/// The customers of a segment, cluster, engagement group (`one_time`, `occasional`, `regular`),
/// repeat group (`repeat`, `one_time`), country or cohort (`YYYY-MM`), with their RFM values
/// (analysts and admins).
#[utoipa::path(get, path = "/api/v1/customers/segment/{kind}/{id}", tag = "customers",
    params(("kind" = GroupKind, Path, description = "segment, cluster, engagement, repeat, country or cohort"),
           ("id" = String, Path, description = "e.g. champions, 0, regular, France, 2026-01"),
           DashboardFilter, GroupParams),
    responses((status = 200, body = CustomerPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn segment(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(String, String)>,
    Query(filter): Query<DashboardFilter>,
    Query(params): Query<GroupParams>,
) -> Result<Response, AppError> {
    authorize(&caller, Role::Analyst)?;
    let kind = GroupKind::from_key(&kind).ok_or_else(|| {
        AppError::invalid(
            "kind",
            format!("'{kind}': use segment, cluster, engagement, repeat, country or cohort"),
        )
    })?;
    let sort = params.sort.unwrap_or_default();
    match Format::parse(params.format.as_deref())? {
        Format::Csv => {
            let (range, _, _, rows) =
                group_rows(&state, &filter, kind, &id, sort, 0, usize::MAX).await?;
            let safe_id: String = id
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '-' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect();
            let name = format!(
                "customers-{}-{safe_id}-{}-{}",
                kind.key(),
                range.from,
                range.to
            );
            csv_download(&name, &rows)
        }
        Format::Json => {
            let limit = params.limit.unwrap_or(50);
            if !(1..=1000).contains(&limit) {
                return Err(AppError::invalid("limit", "must be between 1 and 1000"));
            }
            let page = group_page(
                &state,
                &filter,
                kind,
                &id,
                sort,
                params.offset.unwrap_or(0),
                limit,
            )
            .await?;
            Ok(Json(page).into_response())
        }
    }
}

/// One customer's record: who they are, lifetime figures, RFM scores, segment and cluster in the
/// filter's range, and the latest orders with their lines (analysts and admins).
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path, description = "StorePulse's customer number (`customer_id` of the lists)"), DashboardFilter),
    responses((status = 200, body = CustomerRecord), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
               (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<CustomerRecord>, AppError> {
    authorize(&caller, Role::Analyst)?;
    let id = number(&id, "customer")?;
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    Ok(Json(service::record(&state, &filter, range, id).await?))
}

/// A customer's RFM segment and scores in the filter's range and in up to five windows of its
/// length before it, latest first, each among that window's buying customers (analysts and
/// admins).
#[utoipa::path(get, path = "/api/v1/customers/{id}/history", tag = "customers",
    params(("id" = i64, Path, description = "StorePulse's customer number (`customer_id` of the lists)"), DashboardFilter),
    responses((status = 200, body = CustomerHistory), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
               (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(filter): Query<DashboardFilter>,
) -> Result<Json<CustomerHistory>, AppError> {
    authorize(&caller, Role::Analyst)?;
    let id = number(&id, "customer")?;
    let (range, _) = resolve(&state.pool, &filter, &state.limits).await?;
    Ok(Json(service::history(&state, &filter, range, id).await?))
}

/// One order with its lines, who placed it and its source (analysts and admins).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "customers",
    params(("id" = i64, Path, description = "StorePulse's order number (`order_id` of a customer's orders, `id` of a search hit)")),
    responses((status = 200, body = OrderRecord), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
               (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderRecord>, AppError> {
    authorize(&caller, Role::Analyst)?;
    let id = number(&id, "order")?;
    Ok(Json(service::order_record(&state, id).await?))
}

/// A record's number from the path, or a 422 that names what it is not.
fn number(id: &str, what: &str) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::invalid("id", format!("'{id}' is not a {what} number")))
}
