//! The JSON API under `/api/v1`, for scripts and integrations. Same roles as the pages; every
//! handler checks the role itself. The OpenAPI document is generated from these handlers.
mod audit;
mod customers;
mod ingest;
mod inventory;
mod sales;
mod transactions;

use app::dashboard::filter::DashboardFilter;
use app::error::AppError;
use app::features::auth::caller::Caller;
use app::features::auth::types::{CurrentUser, Role};
use app::features::embed::types::Dashboard;
use app::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/ingest",
            post(ingest::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/ingest-runs/{id}", get(ingest::run))
        .route(
            "/api/v1/ingest-runs/{id}/rejections.csv",
            get(ingest::rejections_csv),
        )
        .route("/api/v1/ingest-runs/{id}/retry", post(ingest::retry))
        .route("/api/v1/transactions", get(transactions::list))
        .route("/api/v1/sales/summary", get(sales::summary))
        .route("/api/v1/sales/timeseries", get(sales::timeseries))
        .route("/api/v1/sales/monthly", get(sales::monthly))
        .route("/api/v1/sales/breakdown", get(sales::breakdown))
        .route("/api/v1/sales/top-products", get(sales::top_products))
        .route("/api/v1/sales/top-customers", get(sales::top_customers))
        .route("/api/v1/sales/concentration", get(sales::concentration))
        .route("/api/v1/sales/returns", get(sales::returns))
        .route("/api/v1/customers/summary", get(customers::summary))
        .route("/api/v1/customers/acquisition", get(customers::acquisition))
        .route("/api/v1/customers/engagement", get(customers::engagement))
        .route("/api/v1/customers/rfm", get(customers::rfm))
        .route("/api/v1/customers/clusters", get(customers::clusters))
        .route("/api/v1/customers/cohorts", get(customers::cohorts))
        .route(
            "/api/v1/customers/segment/{kind}/{id}",
            get(customers::segment),
        )
        .route("/api/v1/products", get(inventory::products))
        .route("/api/v1/products/{id}", get(inventory::product))
        .route("/api/v1/products/{id}/price", put(inventory::set_price))
        .route(
            "/api/v1/decisions",
            get(inventory::decisions).post(inventory::create_decision),
        )
        .route("/api/v1/decisions/{id}", get(inventory::decision))
        .route("/api/v1/signals", get(inventory::signal_list))
        .route("/api/v1/signals/recompute", post(inventory::recompute))
        .route("/api/v1/signals/{id}", get(inventory::signal))
        .route(
            "/api/v1/signals/{id}/acknowledge",
            put(inventory::acknowledge_signal),
        )
        .route("/api/v1/inventory/summary", get(inventory::summary))
        .route("/api/v1/inventory/premium", get(inventory::premium))
        .route(
            "/api/v1/pricing/recommendations",
            get(inventory::recommendations),
        )
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/openapi.json", get(openapi))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "StorePulse API",
        version = "1",
        description = "Sales, customer and inventory analytics. Authenticate with `Authorization: Bearer <API token>` (Admin → API tokens), the session cookie of a login, or an embed token (dashboard routes of its dashboard only)."
    ),
    paths(
        ingest::upload,
        ingest::run,
        ingest::rejections_csv,
        ingest::retry,
        transactions::list,
        sales::summary,
        sales::timeseries,
        sales::monthly,
        sales::breakdown,
        sales::top_products,
        sales::top_customers,
        sales::concentration,
        sales::returns,
        customers::summary,
        customers::acquisition,
        customers::engagement,
        customers::rfm,
        customers::clusters,
        customers::cohorts,
        customers::segment,
        inventory::products,
        inventory::product,
        inventory::set_price,
        inventory::decisions,
        inventory::decision,
        inventory::create_decision,
        inventory::signal_list,
        inventory::signal,
        inventory::acknowledge_signal,
        inventory::recompute,
        inventory::summary,
        inventory::premium,
        inventory::recommendations,
        audit::list,
        openapi
    ),
    components(schemas(
        app::features::sources::types::IngestRun,
        app::features::sales::types::Transaction,
        app::features::sales::types::TransactionPage,
        ingest::RunSummaryBody,
        ingest::Started,
        sales::SummaryBody,
        sales::TimeseriesBody,
        sales::MonthlyBody,
        sales::BreakdownBody,
        sales::TopProductsBody,
        sales::TopCustomersBody,
        sales::ConcentrationBody,
        sales::ReturnsBody,
        customers::CustomerSummaryBody,
        customers::AcquisitionBody,
        customers::EngagementBody,
        customers::RfmBody,
        customers::ClustersBody,
        customers::CohortsBody,
        inventory::ProductsBody,
        inventory::PriceBody,
        inventory::RecomputeBody,
        inventory::InventorySummaryBody,
        inventory::PremiumBody,
        app::features::admin::types::AuditEntry,
        ErrorBody
    ))
)]
pub struct ApiDoc;

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 document")))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Errors answer with a message that says what to do, and per-field messages for invalid input.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: String,
    fields: Option<std::collections::HashMap<String, Vec<String>>>,
}

/// The user of the request, if their role reaches `required` (401 without a login or token, 403
/// below it; embeds are never users).
pub fn authorize(caller: &Caller, required: Role) -> Result<CurrentUser, AppError> {
    caller.user(required)
}

/// `format=json` (default) or `format=csv`; CSV is an export, which takes the analyst role.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// json (default) or csv (analysts and admins, or an embed that allows exports).
    pub format: Option<String>,
}

pub fn wants_csv(format: Option<&str>) -> Result<bool, AppError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(AppError::invalid(
            "format",
            format!("'{other}': use json or csv"),
        )),
    }
}

/// A route with no dashboard filter (decisions, signals): users only, CSV for analysts.
pub fn authorize_format(caller: &Caller, format: Option<&str>) -> Result<bool, AppError> {
    let csv = wants_csv(format)?;
    caller.user(if csv { Role::Analyst } else { Role::Viewer })?;
    Ok(csv)
}

/// A dashboard's figures: the filter the caller may use (an embed's locked filters replace what
/// the request asked for) and whether CSV was asked for (an export: analysts, or an embed that
/// allows it).
pub fn authorize_dashboard(
    caller: &Caller,
    dashboard: Dashboard,
    filter: DashboardFilter,
    format: Option<&str>,
) -> Result<(DashboardFilter, bool), AppError> {
    let csv = wants_csv(format)?;
    let filter = caller.dashboard(dashboard, filter)?;
    if csv {
        caller.export(dashboard)?;
    }
    Ok((filter, csv))
}

/// A JSON request body, read after the caller's role was checked (so that an anonymous caller
/// gets 401 whatever it sent); a body that is not the expected JSON is a 422 that says why, one
/// over the body limit a 413.
pub fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, AppError> {
    body.map(|Json(v)| v).map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!(
                "The request body is over the limit of {} bytes.",
                BODY_LIMIT
            ))
        } else {
            AppError::invalid("body", e.body_text())
        }
    })
}

/// The largest request body outside uploads (axum's default limit, which the /fn routes and the
/// JSON routes share).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A CSV download: a header row and the rows, each value made spreadsheet-safe.
pub fn csv_response(
    name: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)
        .map_err(|e| AppError::internal("csv", e))?;
    for row in rows {
        out.write_record(row.iter().map(|v| spreadsheet_safe(v)))
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

/// Makes a value safe to open in a spreadsheet (OWASP "CSV injection"): a cell that a
/// spreadsheet could evaluate gets a leading apostrophe, which shows it as text. That is any cell
/// starting with `=`, `+`, `-`, `@`, tab or carriage return, their full-width forms (`＝＋－＠`,
/// which some spreadsheets fold to ASCII), or any of those after leading whitespace. A plain
/// decimal number (`-12.50`, `3`) stays as it is, so that amounts stay numbers; anything else
/// that merely parses as a float (`-Infinity`, `-1e5`, `+5`) is defused like text.
pub fn spreadsheet_safe(value: &str) -> String {
    if is_plain_decimal(value) {
        return value.to_string();
    }
    let risky = |c: char| {
        matches!(
            c,
            '=' | '+'
                | '-'
                | '@'
                | '\t'
                | '\r'
                | '\n'
                | '\u{FF1D}'
                | '\u{FF0B}'
                | '\u{FF0D}'
                | '\u{FF20}'
        )
    };
    match value.trim_start().chars().next() {
        _ if value.starts_with(['\t', '\r', '\n']) => format!("'{value}"),
        Some(c) if risky(c) => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// `-?digits[.digits]`: how the exports write numbers (Rust's and rust_decimal's `Display`).
fn is_plain_decimal(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("WHITE MUG"), "WHITE MUG");
        assert_eq!(spreadsheet_safe("-1+2"), "'-1+2");
        assert_eq!(spreadsheet_safe("+1+2"), "'+1+2");
        assert_eq!(spreadsheet_safe("\t=1"), "'\t=1");
        assert_eq!(spreadsheet_safe("\r=1"), "'\r=1");
        assert_eq!(spreadsheet_safe("\nx"), "'\nx");
        // Whatever merely parses as a float is not a plain number.
        for value in [
            "-Infinity",
            "-inf",
            "+Infinity",
            "-NaN",
            "+5",
            "-1e5",
            "1e5+1",
        ] {
            assert!(
                spreadsheet_safe(value).starts_with('\'') || !value.starts_with(['-', '+']),
                "{value} -> {}",
                spreadsheet_safe(value)
            );
        }
        assert_eq!(spreadsheet_safe("-Infinity"), "'-Infinity");
        // Leading whitespace and full-width forms.
        assert_eq!(spreadsheet_safe("  =1+2"), "'  =1+2");
        assert_eq!(spreadsheet_safe("\u{3000}@SUM(A1)"), "'\u{3000}@SUM(A1)");
        assert_eq!(spreadsheet_safe("\u{FF1D}1+2"), "'\u{FF1D}1+2");
        assert_eq!(spreadsheet_safe("\u{FF0B}1"), "'\u{FF0B}1");
        assert_eq!(spreadsheet_safe("\u{FF0D}1"), "'\u{FF0D}1");
        assert_eq!(spreadsheet_safe("\u{FF20}x"), "'\u{FF20}x");
        assert_eq!(spreadsheet_safe(" - 5"), "' - 5");
        // A text that only contains an operator later is left alone.
        assert_eq!(spreadsheet_safe("Mug = 2 for 1"), "Mug = 2 for 1");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn plain_numbers_stay_numbers() {
        for value in ["-12.50", "12.50", "0", "-0.5", "1234567890.123", "-3"] {
            assert_eq!(spreadsheet_safe(value), value);
        }
        for value in ["-", "-.5", "5.", "1.2.3", "--1", "1,5"] {
            assert!(!is_plain_decimal(value), "{value}");
        }
    }
}
