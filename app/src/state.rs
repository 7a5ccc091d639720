//! Server-side glue shared by every server function: the application state handed through
//! Leptos context, and the helper that gives a failed server function its HTTP status.
use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;

use crate::error::AppError;

/// Everything a request handler needs; built once by the server's startup code.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    pub auth: AuthPolicy,
    /// The store's currency (ISO 4217), used to label money.
    pub currency: String,
    /// The store's IANA time zone.
    pub timezone: String,
    /// Where uploads wait to be loaded (and stay for a retry until they load).
    pub upload_dir: std::path::PathBuf,
    /// Largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Login throttling and client address policy.
#[derive(Clone, Debug)]
pub struct AuthPolicy {
    pub max_failures_per_account: i32,
    pub max_failures_per_ip: i32,
    pub lockout_secs: i32,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("app state", "missing from context"))
}

/// Sets the HTTP status of the current server-function response from its error, so that
/// scripts calling server functions directly get 401/403/422 rather than a generic 500.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                response.set_status(status);
            }
        }
    }
    result
}
