//! The Sales dashboard's numbers as JSON: the same function builds them for the page.
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::sales::api::{overview, resolve, top_lists};
use app::features::sales::types::{
    BreakdownBy, BreakdownRow, Comparison, DateRange, Grain, MonthRow, RevenuePoint, SalesFilter,
    SalesKpis,
};
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{authorize, ErrorBody};

/// The overview a viewer may read (the routes below return parts of it).
async fn viewer_overview(
    state: &AppState,
    session: &Session,
    filter: &SalesFilter,
) -> Result<app::features::sales::types::SalesOverview, AppError> {
    authorize(state, session, Role::Viewer).await?;
    overview(&state.pool, &state.currency, filter).await
}

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
    let o = viewer_overview(&state, &session, &filter).await?;
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
    let o = viewer_overview(&state, &session, &filter).await?;
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
    let o = viewer_overview(&state, &session, &filter).await?;
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
    let o = viewer_overview(&state, &session, &filter).await?;
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
    rows: Vec<app::features::sales::types::TopProduct>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopCustomersBody {
    range: DateRange,
    rows: Vec<app::features::sales::types::TopCustomer>,
}

/// The range, the net revenue it shares out, the row limit and whether CSV was asked for
/// (checking the role that takes).
async fn top_request(
    state: &AppState,
    session: &Session,
    filter: &SalesFilter,
    params: &TopParams,
) -> Result<(DateRange, rust_decimal::Decimal, i64, bool), AppError> {
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(AppError::invalid(
                "format",
                format!("'{other}': use json or csv"),
            ))
        }
    };
    authorize(
        state,
        session,
        if csv { Role::Analyst } else { Role::Viewer },
    )
    .await?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let (range, _) = resolve(&state.pool, filter).await?;
    let totals = app::features::sales::queries::sales_totals(&state.pool, range).await?;
    Ok((range, totals.gross_revenue - totals.returns, limit, csv))
}

fn csv_response(name: &str, header: &[&str], rows: Vec<Vec<String>>) -> Result<Response, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)
        .map_err(|e| AppError::internal("csv", e))?;
    for row in rows {
        out.write_record(row.iter().map(|v| super::spreadsheet_safe(v)))
            .map_err(|e| AppError::internal("csv", e))?;
    }
    let body = out.into_inner().map_err(|e| AppError::internal("csv", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn share_text(share: Option<rust_decimal::Decimal>) -> String {
    share.map(|s| s.round_dp(6).to_string()).unwrap_or_default()
}

/// Products by net revenue in the range, with units, orders and share; `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/sales/top-products", tag = "sales", params(SalesFilter, TopParams),
    responses((status = 200, body = TopProductsBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn top_products(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<SalesFilter>,
    Query(params): Query<TopParams>,
) -> Result<Response, AppError> {
    let (range, net_revenue, limit, csv) = top_request(&state, &session, &filter, &params).await?;
    let (rows, _) = top_lists(&state.pool, range, net_revenue, limit).await?;
    if csv {
        let name = format!("top-products-{}-{}", range.from, range.to);
        let cells = rows
            .into_iter()
            .map(|p| {
                vec![
                    p.sku,
                    p.name,
                    p.category,
                    p.units.to_string(),
                    p.orders.to_string(),
                    p.net_revenue.to_string(),
                    share_text(p.share),
                ]
            })
            .collect();
        return csv_response(
            &name,
            &[
                "sku",
                "name",
                "category",
                "units",
                "orders",
                "net_revenue",
                "share",
            ],
            cells,
        );
    }
    Ok(Json(TopProductsBody {
        range,
        rows,
    })
    .into_response())
}

/// Identified customers by net revenue in the range, with orders and share; `format=csv` exports them.
#[utoipa::path(get, path = "/api/v1/sales/top-customers", tag = "sales", params(SalesFilter, TopParams),
    responses((status = 200, body = TopCustomersBody), (status = 401, body = ErrorBody), (status = 403, description = "CSV needs the analyst role", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn top_customers(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<SalesFilter>,
    Query(params): Query<TopParams>,
) -> Result<Response, AppError> {
    let (range, net_revenue, limit, csv) = top_request(&state, &session, &filter, &params).await?;
    let (_, rows) = top_lists(&state.pool, range, net_revenue, limit).await?;
    if csv {
        let name = format!("top-customers-{}-{}", range.from, range.to);
        let cells = rows
            .into_iter()
            .map(|c| {
                vec![
                    c.customer,
                    c.name.unwrap_or_default(),
                    c.country.unwrap_or_default(),
                    c.orders.to_string(),
                    c.net_revenue.to_string(),
                    share_text(c.share),
                ]
            })
            .collect();
        return csv_response(
            &name,
            &[
                "customer",
                "name",
                "country",
                "orders",
                "net_revenue",
                "share",
            ],
            cells,
        );
    }
    Ok(Json(TopCustomersBody {
        range,
        rows,
    })
    .into_response())
}
