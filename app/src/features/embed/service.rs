//! What the admin's embed management does: list, save, revoke, rotate, mint. Callers are admins.
use chrono::Utc;

use super::queries;
use super::token::{self, MAX_TOKEN_DAYS, ROTATION_GRACE_HOURS};
use super::types::{EmbedDetail, EmbedInput, EmbedView};
use crate::caller::Caller;
use crate::error::AppError;
use crate::features::auth::service::audit;
use crate::features::auth::types::CurrentUser;
use crate::state::AppState;

/// What the embed page needs: its scope, theme and token expiry. Only an embed token gets it.
pub fn view(caller: Caller) -> Result<EmbedView, AppError> {
    match caller {
        Caller::Embed(grant) => Ok(EmbedView {
            scope: grant.scope,
            token_expires_at: grant.expires_at,
            allowed_origins: grant.allowed_origins,
        }),
        Caller::Refused(reason) => Err(AppError::TokenRefused(reason)),
        _ => Err(AppError::TokenRefused(
            "this page needs an embed token (?token=…)".into(),
        )),
    }
}

/// Every embed with the secret hosts sign its tokens with.
pub async fn embeds(state: &AppState) -> Result<Vec<EmbedDetail>, AppError> {
    Ok(queries::list_embeds(&state.pool)
        .await?
        .into_iter()
        .map(|row| EmbedDetail {
            secret: state
                .embed_key
                .embed_secret(row.embed_id, row.secret_version),
            embed: row.to_embed(),
        })
        .collect())
}

/// Creates (`id` none) or changes an embed; its id.
pub async fn save(
    pool: &sqlx::PgPool,
    admin: &CurrentUser,
    id: Option<i64>,
    input: EmbedInput,
) -> Result<i64, AppError> {
    let valid = input.validate(Utc::now())?;
    let action = if id.is_some() {
        "embed.update"
    } else {
        "embed.create"
    };
    let id = match id {
        None => queries::insert_embed(pool, &valid, admin.id).await?,
        Some(id) => {
            if !queries::update_embed(pool, id, &valid).await? {
                return Err(AppError::NotFound(format!("A live embed with id {id}")));
            }
            id
        }
    };
    audit(
        pool,
        admin,
        action,
        Some(&format!(
            "embed {id} ({}, {})",
            valid.name,
            valid.dashboard.as_str()
        )),
    )
    .await?;
    Ok(id)
}

/// Revokes an embed: its tokens stop working at once.
pub async fn revoke(pool: &sqlx::PgPool, admin: &CurrentUser, id: i64) -> Result<(), AppError> {
    if !queries::revoke_embed(pool, id).await? {
        return Err(AppError::NotFound(format!("A live embed with id {id}")));
    }
    audit(pool, admin, "embed.revoke", Some(&format!("embed {id}"))).await
}

/// A new secret for an embed; tokens signed with the old one work for a grace period.
pub async fn rotate_secret(
    pool: &sqlx::PgPool,
    admin: &CurrentUser,
    id: i64,
) -> Result<(), AppError> {
    if !queries::rotate_secret(pool, id, ROTATION_GRACE_HOURS).await? {
        return Err(AppError::NotFound(format!("A live embed with id {id}")));
    }
    audit(pool, admin, "embed.rotate", Some(&format!("embed {id}"))).await
}

/// A token for an embed, valid for `minutes` (at most `MAX_TOKEN_DAYS`, never past the embed's
/// expiry).
pub async fn mint_token(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    minutes: i64,
) -> Result<String, AppError> {
    let longest = MAX_TOKEN_DAYS * 24 * 60;
    if !(1..=longest).contains(&minutes) {
        return Err(AppError::invalid(
            "minutes",
            format!("between 1 minute and {MAX_TOKEN_DAYS} days"),
        ));
    }
    let row = queries::embed_row(&state.pool, id)
        .await?
        .filter(|r| r.revoked_at.is_none())
        .ok_or_else(|| AppError::NotFound(format!("A live embed with id {id}")))?;
    if row.expires_at.is_some_and(|end| end <= Utc::now()) {
        return Err(AppError::Conflict(format!(
            "embed {id} has expired: set a later expiry first"
        )));
    }
    let mut until = Utc::now() + chrono::Duration::minutes(minutes);
    if let Some(end) = row.expires_at {
        until = until.min(end);
    }
    audit(
        &state.pool,
        admin,
        "embed.token",
        Some(&format!(
            "embed {id} until {}",
            until.format("%Y-%m-%d %H:%M UTC")
        )),
    )
    .await?;
    Ok(token::mint(&state.embed_key, &row, until))
}
