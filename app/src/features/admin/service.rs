//! What administration does, for the server functions and the JSON API alike: users, API tokens
//! and the audit log. Callers have been checked already (admins, or the user themself).
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::types::{ApiTokenSummary, AuditEntry, AuditFilter, CreatedToken, NewUser};
use crate::caller::token_hash;
use crate::error::AppError;
use crate::features::auth::queries;
use crate::features::auth::service::{audit, random_secret, set_password, verify_password};
use crate::features::auth::session_user;
use crate::features::auth::types::{CurrentUser, Role, UserSummary};
use crate::state::AppState;

fn parse_role(role: &str) -> Result<Role, AppError> {
    role.parse()
        .map_err(|e: String| AppError::internal("stored role", e))
}

/// Every account.
pub async fn users(pool: &PgPool) -> Result<Vec<UserSummary>, AppError> {
    queries::list_users(pool)
        .await?
        .into_iter()
        .map(|row| {
            Ok(UserSummary {
                id: row.app_user_id,
                email: row.email,
                role: parse_role(&row.role)?,
                disabled: row.disabled,
                last_login_at: row.last_login_at,
            })
        })
        .collect()
}

/// Creates a user; without a password one is generated and returned (shown once).
pub async fn create_user(
    pool: &PgPool,
    admin: &CurrentUser,
    user: NewUser,
) -> Result<Option<String>, AppError> {
    let role = user
        .role
        .ok_or_else(|| AppError::invalid("role", "choose viewer, analyst or admin"))?;
    let given = user.password.filter(|p| !p.is_empty());
    let password = given.clone().unwrap_or_else(|| random_secret(16));
    crate::features::auth::service::create_user(pool, &user.email, &password, role).await?;
    audit(
        pool,
        admin,
        "user.create",
        Some(&format!("{} as {role}", user.email.trim())),
    )
    .await?;
    Ok(given.is_none().then_some(password))
}

/// Changes a user's role and whether they may log in. The last active admin stays one.
pub async fn update_user(
    pool: &PgPool,
    admin: &CurrentUser,
    id: i64,
    role: Role,
    disabled: bool,
) -> Result<(), AppError> {
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
            pool,
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
        audit(pool, admin, action, Some(&before.email)).await?;
    }
    Ok(())
}

/// Gives a user a new generated password (returned, shown once) and ends their sessions.
pub async fn reset_password(
    pool: &PgPool,
    admin: &CurrentUser,
    id: i64,
) -> Result<String, AppError> {
    let password = random_secret(16);
    let (email, _) = set_password(pool, id, "password", password.clone()).await?;
    audit(pool, admin, "user.password_reset", Some(&email)).await?;
    Ok(password)
}

/// The user changes their own password (checking the current one); their other sessions end,
/// this one stays.
pub async fn change_password(
    pool: &PgPool,
    user: &CurrentUser,
    current: String,
    new: String,
) -> Result<(), AppError> {
    let stored = queries::user_by_id(pool, user.id)
        .await?
        .map(|u| u.password_hash);
    if !verify_password(current, stored).await {
        return Err(AppError::invalid(
            "current",
            "this is not your current password",
        ));
    }
    let (_, epoch) = set_password(pool, user.id, "new", new).await?;
    session_user::keep(epoch).await?;
    audit(pool, user, "user.password_change", Some(&user.email)).await
}

/// Every API token, live ones first.
pub async fn tokens(pool: &PgPool) -> Result<Vec<ApiTokenSummary>, AppError> {
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

/// Creates a token with a role and an optional expiry; the token is in the answer, once.
pub async fn create_token(
    pool: &PgPool,
    admin: &CurrentUser,
    name: String,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedToken, AppError> {
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
        pool,
        &name,
        &token_hash(&token),
        &prefix,
        role,
        admin.id,
        expires_at,
    )
    .await?;
    audit(
        pool,
        admin,
        "token.create",
        Some(&format!("token:{name} as {role}")),
    )
    .await?;
    let summary = tokens(pool)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AppError::internal("new token", "not listed"))?;
    Ok(CreatedToken { token, summary })
}

/// Revokes a live token.
pub async fn revoke_token(pool: &PgPool, admin: &CurrentUser, id: i64) -> Result<(), AppError> {
    let name = queries::revoke_api_token(pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("A live API token with id {id}")))?;
    audit(pool, admin, "token.revoke", Some(&format!("token:{name}"))).await
}

/// Audit entries matching `filter`, newest first, at most `limit`.
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
