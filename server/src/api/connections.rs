//! Shop connections (admins only): create (tested first), list, change or rotate credentials,
//! test, sync now, history, webhooks, delete with or without the data. Credentials go in and
//! never come out. Each handler checks the role and calls the app state's connector (the same
//! methods the Data sources page uses).
use app::caller::Caller;
use app::error::AppError;
use app::features::auth::types::Role;
use app::features::sources::types::{
    ConnectionChange, ConnectionChanged, ConnectionCreated, ConnectionDeleted, ConnectionSummary,
    NewConnection, SyncJob, SyncReport, TestReport, WebhooksRegistered,
};
use app::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{authorize, json_body, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, change, remove))
        .routes(routes!(test))
        .routes(routes!(sync_now))
        .routes(routes!(syncs))
        .routes(routes!(webhooks))
}

/// Every shop connection (never its credentials).
#[utoipa::path(get, path = "/api/v1/connections", tag = "connections",
    responses((status = 200, body = [ConnectionSummary]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ConnectionSummary>>, AppError> {
    authorize(&caller, Role::Admin)?;
    Ok(Json(state.connector.list(&state).await?))
}

/// Connects a shop: the credentials are tested with the platform first, and nothing is saved
/// unless it accepts them and a sync could work (scopes, currency).
#[utoipa::path(post, path = "/api/v1/connections", tag = "connections", request_body = NewConnection,
    responses((status = 201, body = ConnectionCreated), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, description = "A source by that name exists", body = ErrorBody),
              (status = 422, description = "Invalid, or refused by the platform: says why", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewConnection>, JsonRejection>,
) -> Result<Response, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    let new = json_body(body)?;
    let created = state.connector.create(&state, &user, new).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// One connection.
#[utoipa::path(get, path = "/api/v1/connections/{id}", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id")),
    responses((status = 200, body = ConnectionSummary), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ConnectionSummary>, AppError> {
    authorize(&caller, Role::Admin)?;
    state
        .connector
        .list(&state)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("Connection {id}")))
}

/// Changes a connection: a new access token (rotation) or URL is tested first and saved only
/// when the platform accepts it; the schedule; the webhook secret.
#[utoipa::path(patch, path = "/api/v1/connections/{id}", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id")), request_body = ConnectionChange,
    responses((status = 200, body = ConnectionChanged), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<ConnectionChange>, JsonRejection>,
) -> Result<Json<ConnectionChanged>, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    let change = json_body(body)?;
    Ok(Json(
        state.connector.change(&state, &user, id, change).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// true: keep the connection's orders, customers and products (as a paused source);
    /// false: delete them with it. Required: the choice is the admin's.
    keep_data: Option<bool>,
}

/// Deletes a connection, keeping or deleting its data as asked; says how much.
#[utoipa::path(delete, path = "/api/v1/connections/{id}", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id"), DeleteParams),
    responses((status = 200, body = ConnectionDeleted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(params): Query<DeleteParams>,
) -> Result<Json<ConnectionDeleted>, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    let keep = params.keep_data.ok_or_else(|| {
        AppError::invalid(
            "keep_data",
            "say whether to keep the connection's orders, customers and products (keep_data=true) or delete them (keep_data=false)",
        )
    })?;
    Ok(Json(state.connector.delete(&state, &user, id, keep).await?))
}

/// Tests a saved connection again: what the credentials can read, in plain words.
#[utoipa::path(post, path = "/api/v1/connections/{id}/test", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id")),
    responses((status = 200, body = TestReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, description = "The platform refused: says why", body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<TestReport>, AppError> {
    authorize(&caller, Role::Admin)?;
    Ok(Json(state.connector.test(&state, id).await?))
}

/// Syncs a connection now and answers when it is done: what changed on the platform since the
/// last sync, in batches that each load all or nothing. A sync that stops early says where, and
/// the next one resumes there.
#[utoipa::path(post, path = "/api/v1/connections/{id}/sync", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id")),
    responses((status = 200, description = "Finished", body = SyncReport),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "A sync of it is running", body = ErrorBody),
              (status = 502, description = "Stopped early: the report says where and why", body = SyncReport)))]
pub async fn sync_now(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    let report = state.connector.sync(&state, &user, id).await?;
    let status = if report.error.is_some() {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// How many, newest first (default 50, at most 500).
    limit: Option<i64>,
}

/// A connection's syncs, newest first: the next one queued, what ran, when, how long, by which
/// process, what it loaded, and why it failed.
#[utoipa::path(get, path = "/api/v1/connections/{id}/syncs", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id"), HistoryParams),
    responses((status = 200, body = [SyncJob]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn syncs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(params): Query<HistoryParams>,
) -> Result<Json<Vec<SyncJob>>, AppError> {
    authorize(&caller, Role::Admin)?;
    let limit = params.limit.unwrap_or(50);
    Ok(Json(state.connector.history(&state, id, limit).await?))
}

/// Registers the shop's webhooks (orders created, updated, cancelled, refunds, products, stock
/// levels) to this server's `/webhooks/<platform>`, so that orders arrive as they happen. Needs
/// `STOREPULSE_PUBLIC_URL` and the connection's webhook secret.
#[utoipa::path(post, path = "/api/v1/connections/{id}/webhooks", tag = "connections",
    params(("id" = i64, Path, description = "connection (source) id")),
    responses((status = 200, body = WebhooksRegistered), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, description = "No public URL or webhook secret, or refused by the platform", body = ErrorBody)))]
pub async fn webhooks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WebhooksRegistered>, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    Ok(Json(
        state.connector.register_webhooks(&state, &user, id).await?,
    ))
}
