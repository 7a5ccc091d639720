//! The audit log for admins: JSON a page at a time, or CSV of everything the filter matches.
use app::caller::Caller;
use app::error::AppError;
use app::features::admin::service::audit_log;
use app::features::admin::types::{AuditEntry, AuditFilter, AUDIT_EXPORT, AUDIT_PAGE};
use app::features::auth::types::Role;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;

use super::{authorize, ErrorBody, Format, FormatParam};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Who did what, to what, when and from where, newest first. Filter by `action` (prefix, e.g.
/// `login`, `user.`, `embed.`), `actor` (part of an email or `token:<name>`), `from`/`to` (UTC
/// days); JSON pages hold 100 entries (`before` = the last id for the next page); `format=csv`
/// exports every match (up to 100,000). Admins only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditFilter, FormatParam),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(filter): Query<AuditFilter>,
    Query(format): Query<FormatParam>,
) -> Result<Response, AppError> {
    let format = Format::parse(format.format.as_deref())?;
    authorize(&caller, Role::Admin)?;
    let limit = match format {
        Format::Csv => AUDIT_EXPORT,
        Format::Json => AUDIT_PAGE,
    };
    let entries = audit_log(&state, &filter, limit).await?;
    format.respond("audit-log", entries, |entries| entries)
}
