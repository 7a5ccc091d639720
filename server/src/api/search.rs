//! Global search: what the top bar's search box finds, for scripts too.
use app::caller::Caller;
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::search::service::search as find;
use app::features::search::types::SearchResults;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use super::{authorize, ErrorBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for: part of a product's SKU or name, of a customer's name, email or id
    /// (three characters or more; shorter finds an exact id), or an order's number. At most 100
    /// characters.
    q: Option<String>,
}

/// Products (every user), customers and orders (analysts and admins), best first within each
/// kind, at most 6 of each, with the page that shows each.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResults>, AppError> {
    let user = authorize(&caller, Role::Viewer)?;
    Ok(Json(
        find(&state, user.role, params.q.as_deref().unwrap_or("")).await?,
    ))
}
