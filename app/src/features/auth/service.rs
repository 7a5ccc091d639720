//! Login and logout, passwords, accounts and the audit log's writer.
use std::net::SocketAddr;
use std::sync::OnceLock;

use super::queries;
use super::session_user;
use super::types::{safe_next_path, CurrentUser, Role};
use crate::error::AppError;
use crate::state::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::ConnectInfo;

/// Hashes a password with argon2id, off the async runtime (it takes tens of milliseconds).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|e| AppError::internal("password hashing task", e))?
    .map_err(|e| AppError::internal("password hashing", e))
}

/// Checks a password against a stored hash. Without a hash (unknown user) it checks against a
/// dummy hash, so that the answer takes as long and does not reveal who has an account.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    // No password is longer (see `validate_new_password`); megabytes are not worth hashing.
    if password.len() > super::types::MAX_PASSWORD_BYTES {
        return false;
    }
    tokio::task::spawn_blocking(move || {
        let known = stored_hash.is_some();
        let hash = stored_hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    let salt = SaltString::generate(&mut OsRng);
                    Argon2::default()
                        .hash_password(b"not-a-password", &salt)
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
    .unwrap_or(false)
}

/// The client's address, for throttling and the audit log: the peer, or behind a trusted proxy
/// the rightmost `X-Forwarded-For` entry (the one our own proxy added; those before it are the
/// client's word).
pub fn client_address(
    headers: &http::HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<String> {
    let forwarded = trust_forwarded_for
        .then(|| {
            headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(|v| v.trim().to_string())
        })
        .flatten();
    forwarded.or_else(|| peer.map(|addr| addr.ip().to_string()))
}

/// The client's address of the current server function.
async fn client_ip(trust_forwarded_for: bool) -> Option<String> {
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr);
    client_address(&headers, peer, trust_forwarded_for)
}

/// How long a throttle key waits after its `failures`-th failure: nothing before `free` failures,
/// then `first` seconds doubling with each further failure, at most `max` seconds.
pub fn login_wait_secs(failures: i32, free: i32, first: i32, max: i32) -> Option<i64> {
    let beyond = failures - free.max(1);
    if beyond < 0 {
        return None;
    }
    let doubled = (first.max(1) as i64).saturating_mul(1i64 << beyond.min(40));
    Some(doubled.min(max.max(1) as i64))
}

/// One lock per account and address with a login attempt in the last ten minutes.
static LOGIN_ATTEMPTS: std::sync::LazyLock<
    moka::future::Cache<String, std::sync::Arc<tokio::sync::Mutex<()>>>,
> = std::sync::LazyLock::new(|| {
    moka::future::Cache::builder()
        .max_capacity(100_000)
        .time_to_idle(std::time::Duration::from_secs(600))
        .build()
});

/// Checks the credentials and starts a fresh session (new id) for the user. Returns where to go
/// next. Failures make the same account from the same address wait ever longer (and an address
/// that tried too many accounts wait the longest delay), so that a login from an address that
/// has not failed is never refused because of failures from elsewhere.
pub async fn log_in(
    state: &AppState,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    let policy = &state.auth;
    let email = email.trim().to_string();
    super::types::validate_lengths(&email, &password)?;
    let ip = client_ip(policy.trust_forwarded_for).await;
    let account = email.to_lowercase();
    let pair_key = format!("pair:{account} {}", ip.as_deref().unwrap_or("unknown"));
    let ip_key = ip.as_deref().map(|ip| format!("ip:{ip}"));
    let account_key = format!("account:{account}");
    let keys: Vec<String> = std::iter::once(pair_key.clone())
        .chain(ip_key.clone())
        .collect();

    // Attempts on one account from one address run one at a time in this process, so that
    // parallel guesses each meet the failures and waits of the ones before them instead of all
    // passing one check at once. (A lock in memory, not in the database: it holds no connection.)
    let serial = LOGIN_ATTEMPTS
        .get_with(pair_key.clone(), async { Default::default() })
        .await;
    let _one_at_a_time = serial.lock().await;
    let attempt = async {
        if let Some(secs) = queries::throttle_wait_seconds(&state.pool, &keys).await? {
            return Err(AppError::TooManyRequests {
                retry_after_secs: secs.max(1) as u64,
            });
        }

        // Unknown and disabled accounts are checked against a dummy hash and counted like the others:
        // the answer and its timing do not tell who has an account.
        let user = queries::user_by_email(&state.pool, &email).await?;
        let stored_hash = user
            .as_ref()
            .filter(|u| !u.disabled)
            .map(|u| u.password_hash.clone());
        if !verify_password(password, stored_hash).await {
            record_failure(
                &state.pool,
                policy,
                &pair_key,
                ip_key.as_deref(),
                &account_key,
            )
            .await?;
            queries::insert_audit(
                &state.pool,
                Some(&email),
                "login.failure",
                None,
                ip.as_deref(),
            )
            .await?;
            return Err(AppError::BadCredentials);
        }
        let Some(user) = user else {
            return Err(AppError::BadCredentials);
        };

        queries::clear_login_failures(&state.pool, &pair_key).await?;
        queries::touch_last_login(&state.pool, user.app_user_id).await?;
        queries::insert_audit(
            &state.pool,
            Some(&user.email),
            "login.success",
            None,
            ip.as_deref(),
        )
        .await?;
        Ok::<_, AppError>(user)
    };
    let user = attempt.await?;

    let session = session_user::session().await?;
    session_user::start(&session, user.app_user_id, user.session_epoch).await?;
    Ok(safe_next_path(next.as_deref()))
}

/// Counts a failed login and sets the waits it earns: doubling waits for the account from this
/// address (from the first failure once the account is failing from everywhere), the longest
/// wait for an address past its cap. The account key itself never waits.
async fn record_failure(
    pool: &sqlx::PgPool,
    policy: &crate::state::AuthPolicy,
    pair_key: &str,
    ip_key: Option<&str>,
    account_key: &str,
) -> Result<(), AppError> {
    queries::forget_old_login_failures(pool, policy.window_secs).await?;
    let account_failures =
        queries::record_login_failure(pool, account_key, policy.window_secs).await?;
    let free = if account_failures > policy.max_failures_per_account {
        1
    } else {
        policy.free_failures
    };
    let pair_failures = queries::record_login_failure(pool, pair_key, policy.window_secs).await?;
    if let Some(secs) = login_wait_secs(
        pair_failures,
        free,
        policy.first_delay_secs,
        policy.max_delay_secs,
    ) {
        queries::set_login_wait(pool, pair_key, secs).await?;
    }
    if let Some(ip_key) = ip_key {
        let ip_failures = queries::record_login_failure(pool, ip_key, policy.window_secs).await?;
        if ip_failures >= policy.max_failures_per_ip {
            queries::set_login_wait(pool, ip_key, policy.max_delay_secs as i64).await?;
        }
    }
    Ok(())
}

/// Ends the session of `user` (if signed in): the stored session is deleted and the cookie cleared.
pub async fn log_out(pool: &sqlx::PgPool, user: Option<&CurrentUser>) -> Result<(), AppError> {
    let session = session_user::session().await?;
    if let Some(user) = user {
        audit(pool, user, "logout", None).await?;
    }
    session.flush().await?;
    Ok(())
}

/// Creates an account (CLI, first start, demo data): validates, hashes, stores.
pub async fn create_user(
    pool: &sqlx::PgPool,
    email: &str,
    password: &str,
    role: Role,
) -> Result<i64, AppError> {
    super::types::validate_new_user(email, password)?;
    let hash = hash_password(password.to_string()).await?;
    queries::insert_user(pool, email.trim(), &hash, role)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "a user with the email {} already exists",
                email.trim()
            ))
        })
}

/// Gives a user a new password (checked under the name `field`) and ends their sessions by
/// bumping their session epoch; their email and new epoch. Used by the admin's reset, the
/// user's own change and `storepulse user password`.
pub async fn set_password(
    pool: &sqlx::PgPool,
    user_id: i64,
    field: &str,
    password: String,
) -> Result<(String, i32), AppError> {
    super::types::validate_new_password(field, &password)?;
    let hash = hash_password(password).await?;
    queries::set_password_hash(pool, user_id, &hash)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("User {user_id}")))
}

/// Writes an audit entry: who (and from which address), what, on what.
pub async fn audit(
    db: impl sqlx::PgExecutor<'_>,
    user: &CurrentUser,
    action: &str,
    target: Option<&str>,
) -> Result<(), AppError> {
    queries::insert_audit(db, Some(&user.email), action, target, user.ip.as_deref()).await?;
    Ok(())
}

/// A random password or token body: letters and digits.
pub fn random_secret(chars: usize) -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), chars)
}

#[cfg(test)]
mod tests {
    use super::login_wait_secs;

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_cap() {
        let waits: Vec<Option<i64>> = (1..=12).map(|n| login_wait_secs(n, 5, 10, 900)).collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                None,
                None,
                Some(10),
                Some(20),
                Some(40),
                Some(80),
                Some(160),
                Some(320),
                Some(640),
                Some(900)
            ]
        );
        // Thousands of failures stay at the cap (no overflow).
        assert_eq!(login_wait_secs(5000, 5, 10, 900), Some(900));
        // With one free failure (an account failing from everywhere) the first failure waits.
        assert_eq!(login_wait_secs(1, 1, 10, 900), Some(10));
    }
}
