//! Server functions of embeds: the embed page's own view, and the admin's embed management.
use leptos::prelude::*;
use server_fn::codec::GetUrl;

use super::types::{Embed, EmbedInput, EmbedView};
use crate::error::AppError;

/// What the embed page needs: its scope, theme and token expiry. Only an embed token gets it.
#[server(prefix = "/fn", endpoint = "get_embed_view", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_embed_view() -> Result<EmbedView, AppError> {
    use crate::features::auth::caller::{caller, Caller};
    use crate::state::with_status;
    with_status(match caller().await? {
        Caller::Embed(grant) => Ok(EmbedView {
            scope: grant.scope,
            token_expires_at: grant.expires_at,
            allowed_origins: grant.allowed_origins,
        }),
        Caller::Refused(reason) => Err(AppError::TokenRefused(reason)),
        _ => Err(AppError::TokenRefused(
            "this page needs an embed token (?token=…)".into(),
        )),
    })
}

/// An embed with what its admin page shows: the secret hosts sign tokens with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmbedDetail {
    pub embed: Embed,
    pub secret: String,
}

#[server(prefix = "/fn", endpoint = "list_embeds", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_embeds() -> Result<Vec<EmbedDetail>, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(
        async {
            let state = app_state()?;
            Ok(super::queries::list_embeds(&state.pool)
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
        .await,
    )
}

/// Creates (`id` none) or changes an embed. Changing its locked filters or dashboard ends the
/// tokens minted before, since their claims no longer match.
#[server(prefix = "/fn", endpoint = "save_embed")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn save_embed(
    #[server(default)] id: Option<i64>,
    input: EmbedInput,
) -> Result<i64, AppError> {
    use crate::features::auth::{
        session::{audit, require_role},
        types::Role,
    };
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = app_state()?.pool;
            let valid = input.validate(chrono::Utc::now())?;
            let action = if id.is_some() {
                "embed.update"
            } else {
                "embed.create"
            };
            let id = match id {
                None => super::queries::insert_embed(&pool, &valid, admin.id).await?,
                Some(id) => {
                    if !super::queries::update_embed(&pool, id, &valid).await? {
                        return Err(AppError::NotFound(format!("A live embed with id {id}")));
                    }
                    id
                }
            };
            audit(
                &pool,
                &admin,
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
        .await,
    )
}

/// Revokes an embed: its tokens stop working at once.
#[server(prefix = "/fn", endpoint = "revoke_embed")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn revoke_embed(id: i64) -> Result<(), AppError> {
    use crate::features::auth::{
        session::{audit, require_role},
        types::Role,
    };
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = app_state()?.pool;
            if !super::queries::revoke_embed(&pool, id).await? {
                return Err(AppError::NotFound(format!("A live embed with id {id}")));
            }
            audit(&pool, &admin, "embed.revoke", Some(&format!("embed {id}"))).await
        }
        .await,
    )
}

/// A new secret for an embed; tokens signed with the old one work for 24 more hours.
#[server(prefix = "/fn", endpoint = "rotate_embed_secret")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn rotate_embed_secret(id: i64) -> Result<(), AppError> {
    use crate::features::auth::{
        session::{audit, require_role},
        types::Role,
    };
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = app_state()?.pool;
            if !super::queries::rotate_secret(&pool, id, super::token::ROTATION_GRACE_HOURS).await?
            {
                return Err(AppError::NotFound(format!("A live embed with id {id}")));
            }
            audit(&pool, &admin, "embed.rotate", Some(&format!("embed {id}"))).await
        }
        .await,
    )
}

/// A token for an embed, valid for `minutes` (at most 30 days, never past the embed's expiry):
/// for the snippet on the admin page and hosts that do not mint their own.
#[server(prefix = "/fn", endpoint = "mint_embed_token")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn mint_embed_token(id: i64, minutes: i64) -> Result<String, AppError> {
    use crate::features::auth::{
        session::{audit, require_role},
        types::Role,
    };
    use crate::state::{app_state, with_status};
    let admin = require_role(Role::Admin).await?;
    with_status(
        async {
            let state = app_state()?;
            let longest = super::token::MAX_TOKEN_DAYS * 24 * 60;
            if !(1..=longest).contains(&minutes) {
                return Err(AppError::invalid(
                    "minutes",
                    format!("between 1 minute and {} days", super::token::MAX_TOKEN_DAYS),
                ));
            }
            let row = super::queries::embed_row(&state.pool, id)
                .await?
                .filter(|r| r.revoked_at.is_none())
                .ok_or_else(|| AppError::NotFound(format!("A live embed with id {id}")))?;
            if row.expires_at.is_some_and(|end| end <= chrono::Utc::now()) {
                return Err(AppError::Conflict(format!(
                    "embed {id} has expired: set a later expiry first"
                )));
            }
            let mut until = chrono::Utc::now() + chrono::Duration::minutes(minutes);
            if let Some(end) = row.expires_at {
                until = until.min(end);
            }
            audit(
                &state.pool,
                &admin,
                "embed.token",
                Some(&format!(
                    "embed {id} until {}",
                    until.format("%Y-%m-%d %H:%M UTC")
                )),
            )
            .await?;
            Ok(super::token::mint(&state.embed_key, &row, until))
        }
        .await,
    )
}
