//! SQL of the auth area: users, login throttling, audit entries.
use sqlx::PgExecutor;

use super::types::Role;

pub struct UserRow {
    pub app_user_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
}

pub struct UserListRow {
    pub app_user_id: i64,
    pub email: String,
    pub role: String,
    pub disabled: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn user_by_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "select app_user_id, email, password_hash, role, disabled
         from app_user where lower(email) = lower($1)",
        email
    )
    .fetch_optional(db)
    .await
}

pub async fn user_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "select app_user_id, email, password_hash, role, disabled
         from app_user where app_user_id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Inserts a user; `None` when the email is taken.
pub async fn insert_user(
    db: impl PgExecutor<'_>,
    email: &str,
    password_hash: &str,
    role: Role,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into app_user (email, password_hash, role) values ($1, $2, $3)
         on conflict do nothing
         returning app_user_id",
        email,
        password_hash,
        role.as_str()
    )
    .fetch_optional(db)
    .await
}

pub async fn list_users(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<UserListRow>> {
    sqlx::query_as!(
        UserListRow,
        r#"select app_user_id, email, role, disabled,
                  last_login_at as "last_login_at: chrono::DateTime<chrono::Utc>"
           from app_user order by lower(email)"#
    )
    .fetch_all(db)
    .await
}

pub async fn count_users(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "count!" from app_user"#)
        .fetch_one(db)
        .await
}

pub async fn touch_last_login(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set last_login_at = now() where app_user_id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Seconds until the longest active lock among `keys` ends; `None` when none is locked.
pub async fn throttle_lock_seconds(
    db: impl PgExecutor<'_>,
    keys: &[String],
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"select ceil(extract(epoch from max(locked_until) - now()))::bigint as "secs"
           from login_throttle
           where throttle_key = any($1) and locked_until > now()"#,
        keys
    )
    .fetch_one(db)
    .await
}

/// Counts one failed login against `key`; locks the key for `window_secs` once `max_failures`
/// failures fall inside one window of `window_secs`.
pub async fn record_login_failure(
    db: impl PgExecutor<'_>,
    key: &str,
    max_failures: i32,
    window_secs: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into login_throttle as t (throttle_key, failures, window_start)
           values ($1, 1, now())
           on conflict (throttle_key) do update set
             failures = case when t.window_start < now() - make_interval(secs => $3)
                             then 1 else t.failures + 1 end,
             window_start = case when t.window_start < now() - make_interval(secs => $3)
                                 then now() else t.window_start end,
             locked_until = case
                 when t.window_start >= now() - make_interval(secs => $3)
                      and t.failures + 1 >= $2
                 then now() + make_interval(secs => $3)
                 else t.locked_until end"#,
        key,
        max_failures,
        window_secs as f64
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear_login_failures(db: impl PgExecutor<'_>, key: &str) -> sqlx::Result<()> {
    sqlx::query!("delete from login_throttle where throttle_key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_audit(
    db: impl PgExecutor<'_>,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    ip: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into audit_log (actor, action, target, ip) values ($1, $2, $3, $4)",
        actor,
        action,
        target,
        ip
    )
    .execute(db)
    .await?;
    Ok(())
}
