//! Order lines, paged, for scripts and exports.
use app::caller::Caller;
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::sales::queries::transactions_page;
use app::features::sales::types::{TransactionFilter, TransactionPage};
use app::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};

use super::{authorize, ErrorBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// The cursor is the last row's time (µs since the epoch) and line id.
fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, id) = cursor.rsplit_once('-')? /* negative before 1970 */;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

/// Order lines in a stable order (time, then line id), filtered by date range (local days),
/// customer, product and country; follow `next` for further pages. Analysts and admins.
#[utoipa::path(
    get, path = "/api/v1/transactions", tag = "sales", params(TransactionFilter),
    responses((status = 200, body = TransactionPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<TransactionFilter>,
) -> Result<Json<TransactionPage>, AppError> {
    authorize(&caller, Role::Analyst)?;
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(AppError::invalid(
                "from",
                format!("{from} is after the end date {to}"),
            ));
        }
    }
    let after =
        match filter.after.as_deref() {
            Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
                AppError::invalid("after", "is not a cursor from a previous page")
            })?),
            None => None,
        };
    let items = transactions_page(&state.pool, &filter, after, limit + 1).await?;
    let mut items = items;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items
            .last()
            .map(|t| format!("{}-{}", t.ordered_at.timestamp_micros(), t.line_id))
    } else {
        None
    };
    Ok(Json(TransactionPage { items, next }))
}
