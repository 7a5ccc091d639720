//! The one error type of StorePulse, shared by server functions, REST routes and the browser.
//!
//! What a user sees is the `Display` text: it says what went wrong and what to do. Internal causes
//! (database errors, I/O) are logged once, where they are converted, and never cross the wire.
use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself is malformed (a server function's arguments that cannot be read).
    #[error("{0}")]
    BadRequest(String),
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("Wrong email or password.")]
    BadCredentials,
    /// A bearer or embed token was presented and is not valid: says why (expired, revoked…).
    #[error("The token was refused: {0}.")]
    TokenRefused(String),
    #[error("Your role does not give access to this.")]
    Forbidden,
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{}", describe_fields(.0))]
    Validation(BTreeMap<String, Vec<String>>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("Too many failed attempts. Try again in {}.", wait_text(*.retry_after_secs))]
    TooManyRequests { retry_after_secs: u64 },
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal,
    /// Raised in the browser when the server could not be reached or answered nonsense.
    #[error("Could not reach the server ({0}).")]
    Transport(String),
}

/// A wait in words, rounded up: "1 second", "45 seconds", "2 minutes", "15 minutes".
fn wait_text(secs: u64) -> String {
    match secs {
        0..=1 => "1 second".to_string(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

fn describe_fields(fields: &BTreeMap<String, Vec<String>>) -> String {
    fields
        .iter()
        .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
        .collect::<Vec<_>>()
        .join(". ")
}

impl AppError {
    /// A validation error on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(BTreeMap::from([(field.to_string(), vec![message.into()])]))
    }

    /// The HTTP status this error answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized | AppError::BadCredentials | AppError::TokenRefused(_) => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::Validation(_) => 422,
            AppError::TooLarge(_) => 413,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal => 500,
            AppError::Transport(_) => 502,
        }
    }

    /// Logs an internal cause with its context and returns the opaque `Internal` error.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        if let Some(err) = AppError::from_request_decoding(&value) {
            // Raised while reading the request, before the function body runs: give the
            // response its 400/413 here (nothing else will), and log nothing: the caller is wrong.
            return with_status(Err::<(), _>(err)).unwrap_err();
        }
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// On the server, errors of reading a server function's request are the caller's: arguments
    /// that do not parse or are missing (400), a body over the limit (413). `None` for the rest.
    fn from_request_decoding(value: &ServerFnErrorErr) -> Option<AppError> {
        let cause = match value {
            ServerFnErrorErr::Args(cause)
            | ServerFnErrorErr::MissingArg(cause)
            | ServerFnErrorErr::Deserialization(cause) => cause,
            _ => return None,
        };
        if cause.contains("length limit exceeded") {
            return Some(AppError::TooLarge(
                "The request body is over the size limit.".into(),
            ));
        }
        let cause: String = cause.chars().take(200).collect();
        Some(AppError::BadRequest(format!(
            "The arguments could not be read ({cause}); check their names and types."
        )))
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        // What only a caller's value can cause, for a parameter no check caught: PostgreSQL's text
        // holds no NUL byte (22021) and its dates end at 4713 BC and 5874897 AD (22008).
        match err.as_database_error().and_then(|e| e.code()).as_deref() {
            Some("22021") => AppError::BadRequest(
                "A value holds a NUL character (\\0), which text may not contain.".into(),
            ),
            Some("22008") => AppError::BadRequest(
                "A date or time is outside the range the database can hold.".into(),
            ),
            _ => AppError::internal("database error", err),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        AppError::internal("session store error", err)
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status_code())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let fields = match &self {
            AppError::Validation(fields) => Some(fields.clone()),
            _ => None,
        };
        let body = serde_json::json!({ "error": self.to_string(), "fields": fields });
        let mut response = (status, axum::Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

/// Sets the HTTP status of the current server-function response from its error, so that
/// scripts calling server functions directly get 401/403/422 rather than a generic 500.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                response.set_status(status);
            }
            if let AppError::TooManyRequests { retry_after_secs } = err {
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from(*retry_after_secs),
                );
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_names_the_field() {
        let err = AppError::invalid("from", "must be on or before 'to'");
        assert_eq!(err.to_string(), "from: must be on or before 'to'");
        assert_eq!(err.status_code(), 422);
    }

    #[test]
    fn statuses_follow_http_meaning() {
        assert_eq!(AppError::Unauthorized.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(
            AppError::TooManyRequests {
                retry_after_secs: 5
            }
            .status_code(),
            429
        );
        assert_eq!(AppError::Internal.status_code(), 500);
        assert_eq!(AppError::BadRequest("x".into()).status_code(), 400);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn malformed_arguments_are_the_callers_error() {
        let err =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `id`".into()));
        assert_eq!(err.status_code(), 400);
        assert!(err.to_string().contains("missing field `id`"), "{err}");
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "length limit exceeded".into(),
        ));
        assert_eq!(err.status_code(), 413);
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Request("refused".into()));
        assert_eq!(err.status_code(), 502);
    }

    #[test]
    fn a_refused_login_says_when_to_try_again() {
        let wait = |secs| {
            AppError::TooManyRequests {
                retry_after_secs: secs,
            }
            .to_string()
        };
        assert_eq!(wait(1), "Too many failed attempts. Try again in 1 second.");
        assert_eq!(
            wait(45),
            "Too many failed attempts. Try again in 45 seconds."
        );
        assert_eq!(
            wait(91),
            "Too many failed attempts. Try again in 2 minutes."
        );
        assert_eq!(
            wait(900),
            "Too many failed attempts. Try again in 15 minutes."
        );
    }
}
