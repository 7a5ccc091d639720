//! Server functions of embeds: the embed page's own view, and the admin's embed management.
use leptos::prelude::*;
use server_fn::codec::GetUrl;

use super::types::{EmbedDetail, EmbedInput, EmbedView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{features::auth::types::Role, features::embed::service, guard};

/// What the embed page needs: its scope, theme and token expiry. Only an embed token gets it.
#[server(prefix = "/fn", endpoint = "get_embed_view", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_embed_view() -> Result<EmbedView, AppError> {
    guard::anyone(|_, caller| async move { service::view(caller) }).await
}

#[server(prefix = "/fn", endpoint = "list_embeds", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_embeds() -> Result<Vec<EmbedDetail>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        service::embeds(&state).await
    })
    .await
}

/// Creates (`id` none) or changes an embed. Changing its locked filters or dashboard ends the
/// tokens minted before, since their claims no longer match.
#[server(prefix = "/fn", endpoint = "save_embed", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn save_embed(
    #[server(default)] id: Option<i64>,
    input: EmbedInput,
) -> Result<i64, AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::save(&state.pool, &admin, id, input).await
    })
    .await
}

/// Revokes an embed: its tokens stop working at once.
#[server(prefix = "/fn", endpoint = "revoke_embed", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn revoke_embed(id: i64) -> Result<(), AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::revoke(&state.pool, &admin, id).await
    })
    .await
}

/// A new secret for an embed; tokens signed with the old one work for 24 more hours.
#[server(prefix = "/fn", endpoint = "rotate_embed_secret", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn rotate_embed_secret(id: i64) -> Result<(), AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::rotate_secret(&state.pool, &admin, id).await
    })
    .await
}

/// A token for an embed, valid for `minutes` (at most 30 days, never past the embed's expiry):
/// for the snippet on the admin page and hosts that do not mint their own.
#[server(prefix = "/fn", endpoint = "mint_embed_token", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn mint_embed_token(id: i64, minutes: i64) -> Result<String, AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        service::mint_token(&state, &admin, id, minutes).await
    })
    .await
}
