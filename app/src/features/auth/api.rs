//! Server functions of the auth area.
use leptos::prelude::*;

use super::types::{CurrentUser, UserSummary};
use crate::error::AppError;

/// Logs in and redirects to `next` (a path on this site) or the Sales page.
#[server(prefix = "/fn", endpoint = "login")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::state::with_status;
    let target = with_status(super::session::log_in(email, password, next).await)?;
    leptos_axum::redirect(&target);
    Ok(())
}

#[server(prefix = "/fn", endpoint = "logout")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn logout() -> Result<(), AppError> {
    use crate::state::with_status;
    with_status(super::session::log_out().await)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user, or `None`: not an error, so that pages can show a login link.
#[server(prefix = "/fn", endpoint = "get_current_user", input = server_fn::codec::GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::state::with_status;
    with_status(super::session::current_user().await)
}

/// Every account, for admins.
#[server(prefix = "/fn", endpoint = "list_users", input = server_fn::codec::GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use super::{queries, session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(
        async {
            let rows = queries::list_users(&app_state()?.pool).await?;
            rows.into_iter()
                .map(|row| {
                    Ok(UserSummary {
                        id: row.app_user_id,
                        email: row.email,
                        role: row
                            .role
                            .parse()
                            .map_err(|e: String| AppError::internal("stored role", e))?,
                        disabled: row.disabled,
                        last_login_at: row.last_login_at,
                    })
                })
                .collect()
        }
        .await,
    )
}
