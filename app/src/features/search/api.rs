//! The search's server function (the JSON route `GET /api/v1/search` calls the same service).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::SearchResults;
use crate::error::AppError;

/// What the signed-in user may find for `q` (embeds never search).
#[server(prefix = "/fn", endpoint = "search", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn search(q: String) -> Result<SearchResults, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::role(Role::Viewer, |state, user| async move {
        super::service::search(&state, user.role, &q).await
    })
    .await
}
