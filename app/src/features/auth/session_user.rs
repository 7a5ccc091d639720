//! What a login keeps in the session cookie's server-side record, and the user it stands for.
//! A leaf both sides share: login writes it (`session`), every request reads it (`caller`).
use tower_sessions::Session;

use super::queries;
use super::types::CurrentUser;
use crate::error::AppError;

const USER_ID_KEY: &str = "user_id";
/// The user's session epoch at login: a password reset bumps it and so ends older sessions.
const EPOCH_KEY: &str = "epoch";

/// The session of the current server function.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal("session layer missing", e))
}

/// Starts a fresh session (new id) for a user who just logged in.
pub async fn start(session: &Session, user_id: i64, epoch: i32) -> Result<(), AppError> {
    // A new session id at login, so that an id planted before login is worth nothing.
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user_id).await?;
    session.insert(EPOCH_KEY, epoch).await?;
    Ok(())
}

/// Keeps the current session valid after its user changed their own password (which ended
/// every other session).
pub async fn keep(epoch: i32) -> Result<(), AppError> {
    session().await?.insert(EPOCH_KEY, epoch).await?;
    Ok(())
}

/// The enabled user a session belongs to; shared by server functions and REST routes.
pub async fn user_from_session(
    pool: &sqlx::PgPool,
    session: &Session,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(id) = session.get::<i64>(USER_ID_KEY).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i32>(EPOCH_KEY).await?.unwrap_or(0);
    match queries::user_by_id(pool, id).await? {
        Some(row) if !row.disabled && row.session_epoch == epoch => Ok(Some(CurrentUser {
            id: row.app_user_id,
            email: row.email,
            role: row
                .role
                .parse()
                .map_err(|e: String| AppError::internal("stored role", e))?,
            ip: None,
        })),
        // Deleted, disabled or given a new password since login: the session is worth nothing.
        _ => {
            session.flush().await?;
            Ok(None)
        }
    }
}
