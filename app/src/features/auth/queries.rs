//! SQL of the auth area: users, login throttling, audit entries.
use sqlx::PgExecutor;

use super::types::Role;

pub struct UserRow {
    pub app_user_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub session_epoch: i32,
}

pub struct UserListRow {
    pub app_user_id: i64,
    pub email: String,
    pub role: String,
    pub disabled: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn user_by_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "select app_user_id, email, password_hash, role, disabled, session_epoch
         from app_user where lower(email) = lower($1)",
        email
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn user_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "select app_user_id, email, password_hash, role, disabled, session_epoch
         from app_user where app_user_id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Inserts a user; `None` when the email is taken.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
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

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
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

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn count_users(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "count!" from app_user"#)
        .fetch_one(db)
        .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn touch_last_login(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set last_login_at = now() where app_user_id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Seconds until every key among `keys` may try again; `None` when none has to wait.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn throttle_wait_seconds(
    db: impl PgExecutor<'_>,
    keys: &[String],
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "select ceil(extract(epoch from max(wait_until) - now()))::bigint
         from login_throttle
         where throttle_key = any($1) and wait_until > now()",
    )
    .bind(keys)
    .fetch_one(db)
    .await
}

/// Counts one failed login against `key` (failures are forgotten after `window_secs` without
/// one) and returns the key's failures so far.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn record_login_failure(
    db: impl PgExecutor<'_>,
    key: &str,
    window_secs: i32,
) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "insert into login_throttle as t (throttle_key, failures, last_failure_at)
         values ($1, 1, now())
         on conflict (throttle_key) do update set
           failures = case when t.last_failure_at < now() - make_interval(secs => $2)
                           then 1 else t.failures + 1 end,
           last_failure_at = now()
         returning failures",
    )
    .bind(key)
    .bind(window_secs as f64)
    .fetch_one(db)
    .await
}

/// Makes `key` wait `secs` seconds before its next try.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn set_login_wait(db: impl PgExecutor<'_>, key: &str, secs: i64) -> sqlx::Result<()> {
    sqlx::query(
        "update login_throttle set wait_until = now() + make_interval(secs => $2)
         where throttle_key = $1",
    )
    .bind(key)
    .bind(secs as f64)
    .execute(db)
    .await?;
    Ok(())
}

/// Drops counters whose failures are forgotten and whose wait is over, so that the table only
/// holds the current window.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn forget_old_login_failures(
    db: impl PgExecutor<'_>,
    window_secs: i32,
) -> sqlx::Result<()> {
    sqlx::query(
        "delete from login_throttle
         where last_failure_at < now() - make_interval(secs => $1)
           and (wait_until is null or wait_until < now())",
    )
    .bind(window_secs as f64)
    .execute(db)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn clear_login_failures(db: impl PgExecutor<'_>, key: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_throttle where throttle_key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
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

/// A live API token and its creator, as stored.
pub struct TokenUserRow {
    pub api_token_id: i64,
    pub name: String,
    pub role: String,
    pub app_user_id: i64,
    pub user_role: String,
}

/// The token with this hash if it is known, live, and its creator enabled; notes when it was
/// used (at most once a minute, to keep reads cheap).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn api_token_user(
    db: impl PgExecutor<'_>,
    token_hash: &str,
) -> sqlx::Result<Option<TokenUserRow>> {
    let row = sqlx::query!(
        r#"with hit as (
               select t.api_token_id, t.name, t.role, u.app_user_id, u.role as user_role
               from api_token t join app_user u on u.app_user_id = t.created_by
               where t.token_hash = $1 and t.revoked_at is null
                 and (t.expires_at is null or t.expires_at > now()) and not u.disabled
           ), touched as (
               update api_token set last_used_at = now()
               where api_token_id in (select api_token_id from hit)
                 and (last_used_at is null or last_used_at < now() - interval '1 minute')
           )
           select api_token_id as "api_token_id!", name as "name!", role as "role!",
                  app_user_id as "app_user_id!", user_role as "user_role!" from hit"#,
        token_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| TokenUserRow {
        api_token_id: r.api_token_id,
        name: r.name,
        role: r.role,
        app_user_id: r.app_user_id,
        user_role: r.user_role,
    }))
}

pub struct ApiTokenRow {
    pub api_token_id: i64,
    pub name: String,
    pub prefix: String,
    pub role: String,
    pub created_by: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn list_api_tokens(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<ApiTokenRow>> {
    sqlx::query_as!(
        ApiTokenRow,
        r#"select t.api_token_id, t.name, t.prefix, t.role, u.email as "created_by?",
                  t.created_at as "created_at!: chrono::DateTime<chrono::Utc>",
                  t.expires_at as "expires_at: chrono::DateTime<chrono::Utc>",
                  t.last_used_at as "last_used_at: chrono::DateTime<chrono::Utc>",
                  t.revoked_at as "revoked_at: chrono::DateTime<chrono::Utc>"
           from api_token t left join app_user u on u.app_user_id = t.created_by
           order by t.revoked_at is not null, t.created_at desc"#
    )
    .fetch_all(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn insert_api_token(
    db: impl PgExecutor<'_>,
    name: &str,
    token_hash: &str,
    prefix: &str,
    role: Role,
    created_by: i64,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into api_token (name, token_hash, prefix, role, created_by, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning api_token_id",
        name,
        token_hash,
        prefix,
        role.as_str(),
        created_by,
        expires_at as _
    )
    .fetch_one(db)
    .await
}

/// Revokes a live token; its name, or `None` when there is no live token with this id.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn revoke_api_token(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "update api_token set revoked_at = now() where api_token_id = $1 and revoked_at is null
         returning name",
        id
    )
    .fetch_optional(db)
    .await
}

/// Active admins other than `except`: the last one may not be demoted or disabled.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn other_active_admins(db: impl PgExecutor<'_>, except: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from app_user
           where role = 'admin' and not disabled and app_user_id <> $1"#,
        except
    )
    .fetch_one(db)
    .await
}

/// Sets a user's role and disabled flag; `None` when there is no such user, else their email.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn update_user(
    db: impl PgExecutor<'_>,
    id: i64,
    role: Role,
    disabled: bool,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "update app_user set role = $2, disabled = $3 where app_user_id = $1 returning email",
        id,
        role.as_str(),
        disabled
    )
    .fetch_optional(db)
    .await
}

/// Sets a new password and ends the user's sessions; their email and new session epoch.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    id: i64,
    hash: &str,
) -> sqlx::Result<Option<(String, i32)>> {
    sqlx::query!(
        "update app_user set password_hash = $2, session_epoch = session_epoch + 1
         where app_user_id = $1 returning email, session_epoch",
        id,
        hash
    )
    .fetch_optional(db)
    .await
    .map(|row| row.map(|r| (r.email, r.session_epoch)))
}

pub struct AuditRow {
    pub audit_log_id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
}

/// Audit entries, newest first, filtered by action prefix, actor (substring) and time.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn list_audit(
    db: impl PgExecutor<'_>,
    action: Option<&str>,
    actor: Option<&str>,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
    before_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        r#"select audit_log_id, at as "at!: chrono::DateTime<chrono::Utc>", actor, action, target, ip
           from audit_log
           where ($1::text is null or starts_with(action, $1))
             and ($2::text is null or strpos(lower(actor), lower($2)) > 0)
             and ($3::timestamptz is null or at >= $3)
             and ($4::timestamptz is null or at < $4)
             and ($5::bigint is null or audit_log_id < $5)
           order by audit_log_id desc
           limit $6"#,
        action,
        actor,
        from as _,
        to as _,
        before_id,
        limit
    )
    .fetch_all(db)
    .await
}
