//! `GET /api/v1/live`: a server-sent event stream of the data version, so that an open dashboard
//! (or an embed, or a script) learns that the figures changed — an ingest, a shop sync or
//! webhook, a pricing decision — and refreshes what it shows. One event at once with the
//! current version, then one per change; a comment every 15 s keeps proxies from closing it.
use std::convert::Infallible;
use std::time::Duration;

use app::caller::Caller;
use app::error::AppError;
use app::features::auth::types::Role;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ErrorBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveParams {
    /// true: send the current version and close (for scripts).
    once: Option<bool>,
}

/// The data version as server-sent events (`event: data`, `data: {"version": N}`): now, then at
/// every change. Any user; an embed with its token (`?token=`, as browsers' EventSource cannot
/// send headers).
#[utoipa::path(get, path = "/api/v1/live", tag = "meta", params(LiveParams),
    responses((status = 200, description = "text/event-stream of data versions", content_type = "text/event-stream"),
              (status = 401, body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<LiveParams>,
) -> Result<Response, AppError> {
    if caller.embed().is_none() {
        caller.user(Role::Viewer)?;
    }
    let mut versions = state.live.subscribe().await;
    let first = *versions.borrow_and_update();
    let event = |version: i64| {
        Ok::<_, Infallible>(
            Event::default()
                .event("data")
                .data(format!("{{\"version\":{version}}}")),
        )
    };
    if params.once.unwrap_or(false) {
        return Ok(Sse::new(stream::iter([event(first)])).into_response());
    }
    let changes = stream::unfold(versions, |mut versions| async move {
        versions.changed().await.ok()?;
        let version = *versions.borrow_and_update();
        Some((version, versions))
    })
    .map(event);
    let all: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(stream::iter([event(first)]).chain(changes));
    Ok(Sse::new(all)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
