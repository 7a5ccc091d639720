//! Server functions of administration: users, API tokens, the audit log. Admins only, except
//! changing one's own password.
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

use super::types::{ApiTokenSummary, AuditEntry, AuditFilter, CreatedToken, NewUser};
use crate::error::AppError;
use crate::features::auth::types::Role;

/// Every API token, live ones first.
#[server(prefix = "/fn", endpoint = "list_api_tokens", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, AppError> {
    use crate::features::auth::session::require_role;
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(ssr::tokens(&app_state()?.pool).await)
}

/// Creates a token with a role and an optional expiry; the token is in the answer, once.
#[server(prefix = "/fn", endpoint = "create_api_token")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn create_api_token(
    name: String,
    role: Role,
    #[server(default)] expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedToken, AppError> {
    use crate::features::auth::session::require_role;
    use crate::state::with_status;
    let admin = require_role(Role::Admin).await?;
    with_status(ssr::create_token(&admin, name, role, expires_at).await)
}

#[server(prefix = "/fn", endpoint = "revoke_api_token")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use crate::features::auth::{
        queries,
        session::{audit, require_role},
    };
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = app_state()?.pool;
            let name = queries::revoke_api_token(&pool, id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("A live API token with id {id}")))?;
            audit(
                &pool,
                &admin,
                "token.revoke",
                Some(&format!("token:{name}")),
            )
            .await
        }
        .await,
    )
}

/// Audit entries, newest first, a page at a time.
#[server(prefix = "/fn", endpoint = "get_audit_log", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_audit_log(
    #[server(default)] filter: AuditFilter,
) -> Result<Vec<AuditEntry>, AppError> {
    use crate::features::auth::session::require_role;
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(ssr::audit_log(&app_state()?, &filter, super::types::AUDIT_PAGE).await)
}

/// Creates a user; without a password one is generated and returned (shown once).
#[server(prefix = "/fn", endpoint = "create_user")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn create_user(user: NewUser) -> Result<Option<String>, AppError> {
    use crate::features::auth::session::{audit, create_user, random_secret, require_role};
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = app_state()?.pool;
            let role = user
                .role
                .ok_or_else(|| AppError::invalid("role", "choose viewer, analyst or admin"))?;
            let given = user.password.filter(|p| !p.is_empty());
            let password = given.clone().unwrap_or_else(|| random_secret(16));
            create_user(&pool, &user.email, &password, role).await?;
            audit(
                &pool,
                &admin,
                "user.create",
                Some(&format!("{} as {role}", user.email.trim())),
            )
            .await?;
            Ok(given.is_none().then_some(password))
        }
        .await,
    )
}

/// Changes a user's role and whether they may log in. The last active admin stays one.
#[server(prefix = "/fn", endpoint = "update_user")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn update_user(id: i64, role: Role, disabled: bool) -> Result<(), AppError> {
    use crate::features::auth::session::require_role;
    use crate::state::with_status;
    let admin = require_role(Role::Admin).await?;
    with_status(ssr::update_user(&admin, id, role, disabled).await)
}

/// Gives a user a new generated password (shown once) and ends their sessions.
#[server(prefix = "/fn", endpoint = "reset_password")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn reset_password(id: i64) -> Result<String, AppError> {
    use crate::features::auth::session::{audit, random_secret, require_role, set_password};
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = app_state()?.pool;
            let password = random_secret(16);
            let (email, _) = set_password(&pool, id, "password", password.clone()).await?;
            audit(&pool, &admin, "user.password_reset", Some(&email)).await?;
            Ok(password)
        }
        .await,
    )
}

/// The logged-in user changes their own password (the current one is asked for).
#[server(prefix = "/fn", endpoint = "change_password")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    use crate::features::auth::session::require_role;
    use crate::state::with_status;
    let user = require_role(Role::Viewer).await?;
    with_status(ssr::change_password(&user, current, new).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::features::auth::caller::token_hash;
    use crate::features::auth::session::{audit, random_secret, verify_password};
    use crate::features::auth::{queries, types::CurrentUser};
    use crate::state::AppState;

    fn parse_role(role: &str) -> Result<Role, AppError> {
        role.parse()
            .map_err(|e: String| AppError::internal("stored role", e))
    }

    pub async fn tokens(pool: &sqlx::PgPool) -> Result<Vec<ApiTokenSummary>, AppError> {
        queries::list_api_tokens(pool)
            .await?
            .into_iter()
            .map(|r| {
                Ok(ApiTokenSummary {
                    id: r.api_token_id,
                    name: r.name,
                    prefix: r.prefix,
                    role: parse_role(&r.role)?,
                    created_by: r.created_by,
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                    last_used_at: r.last_used_at,
                    revoked_at: r.revoked_at,
                })
            })
            .collect()
    }

    pub async fn create_token(
        admin: &CurrentUser,
        name: String,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CreatedToken, AppError> {
        let pool = crate::state::app_state()?.pool;
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "name",
                "give the token a name of 1–100 characters",
            ));
        }
        if expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(AppError::invalid(
                "expires_at",
                "the expiry must be in the future",
            ));
        }
        let token = format!("sp_{}", random_secret(40));
        let prefix: String = token.chars().take(10).collect();
        let id = queries::insert_api_token(
            &pool,
            &name,
            &token_hash(&token),
            &prefix,
            role,
            admin.id,
            expires_at,
        )
        .await?;
        audit(
            &pool,
            admin,
            "token.create",
            Some(&format!("token:{name} as {role}")),
        )
        .await?;
        let summary = tokens(&pool)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| AppError::internal("new token", "not listed"))?;
        Ok(CreatedToken { token, summary })
    }

    pub async fn audit_log(
        state: &AppState,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, AppError> {
        let day_start = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let rows = queries::list_audit(
            &state.pool,
            filter.action.as_deref().filter(|a| !a.is_empty()),
            filter
                .actor
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty()),
            filter.from.and_then(day_start),
            filter.to.and_then(|d| d.succ_opt()).and_then(day_start),
            filter.before,
            limit,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.audit_log_id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                target: r.target,
                ip: r.ip,
            })
            .collect())
    }

    pub async fn update_user(
        admin: &CurrentUser,
        id: i64,
        role: Role,
        disabled: bool,
    ) -> Result<(), AppError> {
        let pool = crate::state::app_state()?.pool;
        let mut tx = pool.begin().await?;
        // One change of admins at a time, so that two admins cannot demote each other at once.
        sqlx::query!("select pg_advisory_xact_lock(7007)")
            .execute(&mut *tx)
            .await?;
        let before = queries::user_by_id(&mut *tx, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("User {id}")))?;
        let was_admin = before.role == "admin" && !before.disabled;
        let stays_admin = role == Role::Admin && !disabled;
        if was_admin && !stays_admin && queries::other_active_admins(&mut *tx, id).await? == 0 {
            return Err(AppError::Conflict(format!(
                "{} is the last active admin: make another user an admin first",
                before.email
            )));
        }
        queries::update_user(&mut *tx, id, role, disabled).await?;
        tx.commit().await?;
        let old_role = parse_role(&before.role)?;
        if old_role != role {
            audit(
                &pool,
                admin,
                "user.role",
                Some(&format!("{}: {old_role} → {role}", before.email)),
            )
            .await?;
        }
        if before.disabled != disabled {
            let action = if disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            audit(&pool, admin, action, Some(&before.email)).await?;
        }
        Ok(())
    }

    pub async fn change_password(
        user: &CurrentUser,
        current: String,
        new: String,
    ) -> Result<(), AppError> {
        let pool = crate::state::app_state()?.pool;
        let stored = queries::user_by_id(&pool, user.id)
            .await?
            .map(|u| u.password_hash);
        if !verify_password(current, stored).await {
            return Err(AppError::invalid(
                "current",
                "this is not your current password",
            ));
        }
        let (_, epoch) =
            crate::features::auth::session::set_password(&pool, user.id, "new", new).await?;
        crate::features::auth::session::keep_session(epoch).await?;
        audit(&pool, user, "user.password_change", Some(&user.email)).await
    }
}
