//! The Sales dashboard's numbers as JSON: the same function builds them for the page.
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::sales::api::overview;
use app::features::sales::types::{
    BreakdownBy, BreakdownRow, Comparison, DateRange, Grain, MonthRow, RevenuePoint, SalesFilter,
    SalesKpis,
};
use app::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{authorize, ErrorBody};

/// Headline figures of the range and of the comparison period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SummaryBody {
    range: DateRange,
    currency: String,
    data_as_of: Option<NaiveDate>,
    kpis: SalesKpis,
    comparison: Option<Comparison>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TimeseriesBody {
    range: DateRange,
    grain: Grain,
    points: Vec<RevenuePoint>,
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ByParam {
    /// country or channel
    by: BreakdownBy,
}

/// Gross revenue, returns, net revenue, orders, AOV, units, customers and guest share, with the
/// comparison period's figures.
#[utoipa::path(get, path = "/api/v1/sales/summary", tag = "sales", params(SalesFilter),
    responses((status = 200, body = SummaryBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<SalesFilter>,
) -> Result<Json<SummaryBody>, AppError> {
    authorize(&state, &session, Role::Viewer).await?;
    let o = overview(&state.pool, &state.currency, &filter).await?;
    Ok(Json(SummaryBody {
        range: o.range,
        currency: o.currency,
        data_as_of: o.data_as_of,
        kpis: o.kpis,
        comparison: o.comparison,
    }))
}

/// Revenue per day, week or month of the range (every bucket present).
#[utoipa::path(get, path = "/api/v1/sales/timeseries", tag = "sales", params(SalesFilter),
    responses((status = 200, body = TimeseriesBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn timeseries(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<SalesFilter>,
) -> Result<Json<TimeseriesBody>, AppError> {
    authorize(&state, &session, Role::Viewer).await?;
    let o = overview(&state.pool, &state.currency, &filter).await?;
    Ok(Json(TimeseriesBody {
        range: o.range,
        grain: o.grain,
        points: o.series,
    }))
}

/// Revenue, orders and AOV per month with the month-on-month change; partial months marked.
#[utoipa::path(get, path = "/api/v1/sales/monthly", tag = "sales", params(SalesFilter),
    responses((status = 200, body = MonthlyBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn monthly(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<SalesFilter>,
) -> Result<Json<MonthlyBody>, AppError> {
    authorize(&state, &session, Role::Viewer).await?;
    let o = overview(&state.pool, &state.currency, &filter).await?;
    Ok(Json(MonthlyBody {
        range: o.range,
        months: o.monthly,
    }))
}

/// Revenue by country (top 8 and "Other") or by channel, with shares of net revenue.
#[utoipa::path(get, path = "/api/v1/sales/breakdown", tag = "sales", params(SalesFilter, ByParam),
    responses((status = 200, body = BreakdownBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn breakdown(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<SalesFilter>,
    Query(by): Query<ByParam>,
) -> Result<Json<BreakdownBody>, AppError> {
    authorize(&state, &session, Role::Viewer).await?;
    let o = overview(&state.pool, &state.currency, &filter).await?;
    let rows = match by.by {
        BreakdownBy::Country => o.by_country,
        BreakdownBy::Channel => o.by_channel,
    };
    Ok(Json(BreakdownBody {
        range: o.range,
        by: by.by,
        rows,
    }))
}
