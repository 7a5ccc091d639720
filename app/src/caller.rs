//! Who is calling (it sits above the features: it knows sessions and API tokens from `auth` and
//! embed tokens from `embed`): a logged-in user, an API token, an embed token, or nobody. The server resolves
//! it once per request (middleware) and every server function and API route asks it for what it
//! needs: a role, a dashboard with its filter, or an export.
use axum::extract::FromRequestParts;
use http::request::Parts;
use http::HeaderMap;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use crate::dashboard::filter::DashboardFilter;
use crate::dashboard::scope::Scope;
use crate::error::AppError;
use crate::features::auth::queries;
use crate::features::auth::session_user::user_from_session;
use crate::features::auth::types::{CurrentUser, Role};
use crate::features::embed::token::{self, EmbedGrant};
use crate::features::embed::types::Dashboard;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    /// A logged-in, enabled user (session cookie).
    User(CurrentUser),
    /// An API token (`Authorization: Bearer`, on /api/v1 only). It acts for the admin who created
    /// it, with the token's role; `user.email` reads `token:<name>` in the audit log.
    Token {
        token_id: i64,
        user: CurrentUser,
    },
    /// An embed token: one dashboard, its locked filters, nothing else.
    Embed(EmbedGrant),
    /// A token was presented and is not valid; never falls back to the session.
    Refused(String),
}

impl Caller {
    /// The acting user if their role reaches `required`; embeds are never users.
    pub fn user(&self, required: Role) -> Result<CurrentUser, AppError> {
        match self {
            Caller::User(user) | Caller::Token { user, .. } if user.role.allows(required) => {
                Ok(user.clone())
            }
            Caller::User(_) | Caller::Token { .. } | Caller::Embed(_) => Err(AppError::Forbidden),
            Caller::Anonymous => Err(AppError::Unauthorized),
            Caller::Refused(reason) => Err(AppError::TokenRefused(reason.clone())),
        }
    }

    /// Reading a dashboard: any user; an embed only its own dashboard, with its filter scope
    /// applied to whatever the request asked for.
    pub fn dashboard(
        &self,
        dashboard: Dashboard,
        filter: DashboardFilter,
    ) -> Result<DashboardFilter, AppError> {
        match self {
            Caller::Embed(grant) if grant.scope.dashboard == dashboard => {
                Ok(grant.scope.apply(filter))
            }
            Caller::Embed(_) => Err(AppError::Forbidden),
            other => other.user(Role::Viewer).map(|_| filter),
        }
    }

    /// What the caller may see of a dashboard: `dashboard`'s filter rule, and whether it is an
    /// embed (which leaves out what names people).
    pub fn scope(&self, dashboard: Dashboard, filter: DashboardFilter) -> Result<Scope, AppError> {
        Ok(Scope {
            filter: self.dashboard(dashboard, filter)?,
            embedded: self.embed().is_some(),
        })
    }

    /// Exporting a dashboard's table as CSV: analysts and admins, or an embed of that dashboard
    /// that allows exports.
    pub fn export(&self, dashboard: Dashboard) -> Result<(), AppError> {
        match self {
            Caller::Embed(grant)
                if grant.scope.dashboard == dashboard && grant.scope.allow_export =>
            {
                Ok(())
            }
            Caller::Embed(_) => Err(AppError::Forbidden),
            other => other.user(Role::Analyst).map(|_| ()),
        }
    }

    /// The user logged in by session cookie, if any (a page's header shows them; logout ends
    /// their session). Tokens are not logins.
    pub fn signed_in(&self) -> Option<&CurrentUser> {
        match self {
            Caller::User(user) => Some(user),
            _ => None,
        }
    }

    /// The embed this request comes from, if any.
    pub fn embed(&self) -> Option<&EmbedGrant> {
        match self {
            Caller::Embed(grant) => Some(grant),
            _ => None,
        }
    }
}

/// Route handlers take the caller as an extractor (anonymous when the middleware did not run).
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or(Caller::Anonymous))
    }
}

/// The caller of the current server function.
pub async fn caller() -> Result<Caller, AppError> {
    leptos_axum::extract::<Caller>()
        .await
        .map_err(|e| AppError::internal("caller", format!("{e:?}")))
}

/// The SHA-256 (hex) an API token is stored as.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token of an `Authorization: Bearer <token>` header. The scheme is case-insensitive
/// (RFC 9110 §11.1), so `bearer` and `BEARER` are bearer tokens too; other schemes (e.g. a
/// proxy's Basic) are not ours and are ignored.
pub fn bearer_token(value: &str) -> Option<String> {
    let value = value.trim();
    let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Works out who is calling. A bearer token wins over the session: a JWT (three dot-separated
/// parts) is an embed token, anything else an API token, which only /api/ accepts. The embed page
/// itself takes its token from `?token=`.
pub async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    query: Option<&str>,
    session: &Session,
    ip: Option<String>,
) -> Result<Caller, AppError> {
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    // Browsers cannot send headers with an EventSource: the live stream takes `?token=` too.
    let page_token = || {
        (path.starts_with("/embed/") || path == "/api/v1/live")
            .then(|| {
                form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                    .find(|(k, _)| k == "token")
                    .map(|(_, v)| v.into_owned())
            })
            .flatten()
    };
    if let Some(token) = bearer.or_else(page_token) {
        if token.split('.').count() == 3 {
            return Ok(
                match token::verify(&state.pool, &state.embed_key, &token).await? {
                    Ok(grant) => Caller::Embed(grant),
                    Err(reason) => Caller::Refused(reason),
                },
            );
        }
        if !path.starts_with("/api/") {
            return Ok(Caller::Refused(
                "API tokens are accepted on /api/v1 only".into(),
            ));
        }
        return Ok(
            match queries::api_token_user(&state.pool, &token_hash(&token)).await? {
                Some(row) => token_caller(row, ip)?,
                None => Caller::Refused("unknown, expired or revoked API token".into()),
            },
        );
    }
    Ok(match user_from_session(&state.pool, session).await? {
        Some(user) => Caller::User(CurrentUser { ip, ..user }),
        None => Caller::Anonymous,
    })
}

/// The caller an API token stands for: its creator, with the token's role.
fn token_caller(row: queries::TokenUserRow, ip: Option<String>) -> Result<Caller, AppError> {
    let parse = |role: &str| -> Result<Role, AppError> {
        role.parse()
            .map_err(|e: String| AppError::internal("stored role", e))
    };
    // A token never does more than its creator may do now (a demoted admin's tokens shrink).
    let role = parse(&row.role)?.min(parse(&row.user_role)?);
    Ok(Caller::Token {
        token_id: row.api_token_id,
        user: CurrentUser {
            id: row.app_user_id,
            email: format!("token:{}", row.name),
            role,
            ip,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer sp_abc").as_deref(), Some("sp_abc"));
        assert_eq!(bearer_token("bearer sp_abc").as_deref(), Some("sp_abc"));
        assert_eq!(bearer_token("BEARER  a.b.c ").as_deref(), Some("a.b.c"));
        assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(
            bearer_token("Bearer").as_deref(),
            Some(""),
            "presented, empty"
        );
        assert_eq!(bearer_token("Bearer ").as_deref(), Some(""));
    }
}
