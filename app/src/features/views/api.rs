//! Server functions of saved views. Signed-in users only (embeds have no views).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::SavedView;
use crate::error::AppError;
use crate::features::embed::types::Dashboard;
#[cfg(feature = "ssr")]
use crate::{features::auth::types::Role, guard};

/// The user's views of a dashboard and the published ones.
#[server(prefix = "/fn", endpoint = "list_saved_views", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_saved_views(dashboard: Dashboard) -> Result<Vec<SavedView>, AppError> {
    guard::role(Role::Viewer, |state, user| async move {
        super::service::list(&state.pool, &user, dashboard).await
    })
    .await
}

/// Saves the dashboard filters `query` under `name` (a view of that name gets the new filters).
#[server(prefix = "/fn", endpoint = "save_view", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn save_view(
    dashboard: Dashboard,
    name: String,
    #[server(default)] query: String,
) -> Result<SavedView, AppError> {
    guard::role(Role::Viewer, |state, user| async move {
        super::service::save(&state.pool, &user, dashboard, &name, &query).await
    })
    .await
}

/// Removes one of the user's views (admins: also a published one).
#[server(prefix = "/fn", endpoint = "delete_saved_view", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn delete_saved_view(id: i64) -> Result<(), AppError> {
    guard::role(Role::Viewer, |state, user| async move {
        super::service::delete(&state.pool, &user, id).await
    })
    .await
}

/// Publishes one of the admin's views to every user, or takes a published view back.
#[server(prefix = "/fn", endpoint = "publish_saved_view", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn publish_saved_view(id: i64, published: bool) -> Result<SavedView, AppError> {
    guard::role(Role::Admin, |state, admin| async move {
        super::service::publish(&state.pool, &admin, id, published).await
    })
    .await
}
