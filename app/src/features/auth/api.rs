//! Server functions of the auth area: login, logout and who is logged in. Anyone may call them.
use leptos::prelude::*;

use super::types::CurrentUser;
use crate::error::AppError;

/// Logs in and redirects to `next` (a path on this site) or the Sales page.
#[server(prefix = "/fn", endpoint = "login", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let target = crate::guard::anyone(|state, _| async move {
        super::service::log_in(&state, email, password, next).await
    })
    .await?;
    leptos_axum::redirect(&target);
    Ok(())
}

#[server(prefix = "/fn", endpoint = "logout", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn logout() -> Result<(), AppError> {
    crate::guard::anyone(|state, caller| async move {
        super::service::log_out(&state.pool, caller.signed_in()).await
    })
    .await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user, or `None`: not an error, so that pages can show a login link.
#[server(prefix = "/fn", endpoint = "get_current_user", input = server_fn::codec::GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    crate::guard::anyone(|_, caller| async move { Ok(caller.signed_in().cloned()) }).await
}
