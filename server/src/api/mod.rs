//! The JSON API under `/api/v1`, for scripts and integrations. Same roles as the pages; every
//! handler checks the role itself. The OpenAPI document is generated from these handlers.
mod ingest;
mod sales;
mod transactions;

use app::error::AppError;
use app::features::auth::{session::user_from_session, types::CurrentUser, types::Role};
use app::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_sessions::Session;
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
        .route("/api/v1/openapi.json", get(openapi))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "StorePulse API",
        version = "1",
        description = "Sales, customer and inventory analytics. Authenticate with the session cookie of a login."
    ),
    paths(
        ingest::upload,
        ingest::run,
        ingest::rejections_csv,
        ingest::retry,
        transactions::list,
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

/// The user of the request, if their role reaches `required` (401 without a login, 403 below it).
pub async fn authorize(
    state: &AppState,
    session: &Session,
    required: Role,
) -> Result<CurrentUser, AppError> {
    match user_from_session(&state.pool, session).await? {
        None => Err(AppError::Unauthorized),
        Some(user) if user.role.allows(required) => Ok(user),
        Some(_) => Err(AppError::Forbidden),
    }
}

/// Makes a value safe to open in a spreadsheet: text that a spreadsheet would run as a formula
/// gets a leading apostrophe.
pub fn spreadsheet_safe(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("WHITE MUG"), "WHITE MUG");
    }
}
