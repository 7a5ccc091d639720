//! The JSON API under `/api/v1`, for scripts and integrations. Same roles as the pages; every
//! handler checks the role itself. The OpenAPI document is generated from these handlers.
mod audit;
pub mod connections;
mod customers;
mod format;
mod ingest;
mod inventory;
mod live;
mod sales;
mod search;
mod transactions;

use std::sync::Arc;

use app::caller::Caller;
use app::dashboard::filter::DashboardFilter;
use app::error::AppError;
use app::features::auth::types::{CurrentUser, Role};
use app::features::embed::types::Dashboard;
use app::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use utoipa::openapi::OpenApi as Document;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use format::{csv_download, Export, Format, FormatParam, OfDashboard};

/// Every route of the API. Each module registers its handlers once, with `routes!`, which
/// takes path and method from the handler's `#[utoipa::path]`: the route table and the OpenAPI
/// document are built from the same list and cannot drift.
pub fn routes() -> Router<AppState> {
    let (router, document) = api().split_for_parts();
    router
        .layer(Extension(Arc::new(document)))
        .layer(axum::middleware::map_response(json_bad_request))
}

/// axum's own refusals of a query string or path it cannot read (`Query`, `Path`) are 400s in
/// plain text; the API answers every error in JSON (`{"error", "fields"}`), so they are rewritten
/// into that shape with their text (which names the parameter).
async fn json_bad_request(response: Response) -> Response {
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if response.status() != axum::http::StatusCode::BAD_REQUEST || !plain {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    AppError::BadRequest(text).into_response()
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ingest::router())
        .merge(transactions::router())
        .merge(sales::router())
        .merge(customers::router())
        .merge(inventory::router())
        .merge(audit::router())
        .merge(connections::router())
        .merge(live::router())
        .merge(search::router())
        .routes(routes!(openapi))
}

/// The document's header; its paths and schemas come from the routes, but for the types of
/// query parameters, which a route refers to without bringing their schema along.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "StorePulse API",
        version = "1",
        description = "Sales, customer and inventory analytics. Authenticate with `Authorization: Bearer <API token>` (Admin → API tokens), the session cookie of a login, or an embed token (dashboard routes of its dashboard only)."
    ),
    components(schemas(app::features::customers::types::CustomerSort))
)]
struct ApiDoc;

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 document")))]
async fn openapi(Extension(document): Extension<Arc<Document>>) -> Response {
    Json(document.as_ref()).into_response()
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

/// A route with no dashboard filter (decisions, signals): users only, CSV for analysts.
pub fn authorize_format(caller: &Caller, format: Option<&str>) -> Result<Format, AppError> {
    let format = Format::parse(format)?;
    caller.user(match format {
        Format::Csv => Role::Analyst,
        Format::Json => Role::Viewer,
    })?;
    Ok(format)
}

/// A dashboard's figures: the filter the caller may use (an embed's locked filters replace what
/// the request asked for) and whether CSV was asked for (an export: analysts, or an embed that
/// allows it).
pub fn authorize_dashboard(
    caller: &Caller,
    dashboard: Dashboard,
    filter: DashboardFilter,
    format: Option<&str>,
) -> Result<(DashboardFilter, Format), AppError> {
    let format = Format::parse(format)?;
    let filter = caller.dashboard(dashboard, filter)?;
    if format == Format::Csv {
        caller.export(dashboard)?;
    }
    Ok((filter, format))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// axum refuses a path registered twice when the table is built; every schema a path
    /// refers to must be in the document.
    #[test]
    fn every_schema_referred_to_is_documented() {
        let document = serde_json::to_value(api().into_openapi()).unwrap();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let text = document.to_string();
        let mut refs = text.split("\"#/components/schemas/").skip(1).peekable();
        assert!(refs.peek().is_some());
        for tail in refs {
            let name = &tail[..tail.find('"').unwrap()];
            assert!(schemas.contains_key(name), "{name} is not documented");
        }
    }
}
