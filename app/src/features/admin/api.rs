//! Server functions of administration: users, API tokens, the audit log. Admins only, except
//! changing one's own password.
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

use super::types::{ApiTokenSummary, AuditEntry, AuditFilter, CreatedToken, NewUser};
use crate::error::AppError;
use crate::features::auth::types::{Role, UserSummary};
#[cfg(feature = "ssr")]
use crate::{features::admin::service, guard};

/// Every account, for admins.
#[server(prefix = "/fn", endpoint = "list_users", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        service::users(&state.pool).await
    })
    .await
}

/// Creates a user; without a password one is generated and returned (shown once).
#[server(prefix = "/fn", endpoint = "create_user", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn create_user(user: NewUser) -> Result<Option<String>, AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::create_user(&state.pool, &admin, user).await
    })
    .await
}

/// Changes a user's role and whether they may log in. The last active admin stays one.
#[server(prefix = "/fn", endpoint = "update_user", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn update_user(id: i64, role: Role, disabled: bool) -> Result<(), AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::update_user(&state.pool, &admin, id, role, disabled).await
    })
    .await
}

/// Gives a user a new generated password (shown once) and ends their sessions.
#[server(prefix = "/fn", endpoint = "reset_password", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn reset_password(id: i64) -> Result<String, AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::reset_password(&state.pool, &admin, id).await
    })
    .await
}

/// The logged-in user changes their own password (the current one is asked for).
#[server(prefix = "/fn", endpoint = "change_password", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    guard::role(Role::Viewer, |state, user| async move {
        service::change_password(&state.pool, &user, current, new).await
    })
    .await
}

/// Every API token, live ones first.
#[server(prefix = "/fn", endpoint = "list_api_tokens", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        service::tokens(&state.pool).await
    })
    .await
}

/// Creates a token with a role and an optional expiry; the token is in the answer, once.
#[server(prefix = "/fn", endpoint = "create_api_token", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn create_api_token(
    name: String,
    role: Role,
    #[server(default)] expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedToken, AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::create_token(&state.pool, &admin, name, role, expires_at).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "revoke_api_token", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::revoke_token(&state.pool, &admin, id).await
    })
    .await
}

/// Audit entries, newest first, a page at a time.
#[server(prefix = "/fn", endpoint = "get_audit_log", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_audit_log(
    #[server(default)] filter: AuditFilter,
) -> Result<Vec<AuditEntry>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        service::audit_log(&state, &filter, super::types::AUDIT_PAGE).await
    })
    .await
}
