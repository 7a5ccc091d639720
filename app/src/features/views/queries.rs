//! SQL of saved views (table `saved_view`, migration 20261205000100).
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

pub struct ViewRow {
    pub saved_view_id: i64,
    pub owner_id: i64,
    pub dashboard: String,
    pub name: String,
    pub query: String,
    pub published: bool,
    pub updated_at: DateTime<Utc>,
    pub owner: String,
}

/// The user's own views of `dashboard` and those published by others: theirs first, by name.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn visible(
    db: impl PgExecutor<'_>,
    user_id: i64,
    dashboard: &str,
) -> sqlx::Result<Vec<ViewRow>> {
    sqlx::query_as!(
        ViewRow,
        r#"select v.saved_view_id, v.owner_id, v.dashboard, v.name, v.query, v.published,
                  v.updated_at as "updated_at: chrono::DateTime<chrono::Utc>", u.email as owner
           from saved_view v join app_user u on u.app_user_id = v.owner_id
           where v.dashboard = $2 and (v.owner_id = $1 or v.published)
           order by v.owner_id <> $1, lower(v.name), v.saved_view_id"#,
        user_id,
        dashboard
    )
    .fetch_all(db)
    .await
}

/// One view, whoever owns it.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<ViewRow>> {
    sqlx::query_as!(
        ViewRow,
        r#"select v.saved_view_id, v.owner_id, v.dashboard, v.name, v.query, v.published,
                  v.updated_at as "updated_at: chrono::DateTime<chrono::Utc>", u.email as owner
           from saved_view v join app_user u on u.app_user_id = v.owner_id
           where v.saved_view_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// How many views the user keeps of `dashboard`.
pub async fn count_owned(
    db: impl PgExecutor<'_>,
    user_id: i64,
    dashboard: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from saved_view where owner_id = $1 and dashboard = $2"#,
        user_id,
        dashboard
    )
    .fetch_one(db)
    .await
}

/// Saves a view under its name, replacing the filters of the user's view of that name (any
/// case) if there is one; returns it as stored.
pub async fn upsert(
    db: impl PgExecutor<'_>,
    user_id: i64,
    dashboard: &str,
    name: &str,
    query: &str,
) -> sqlx::Result<ViewRow> {
    sqlx::query_as!(
        ViewRow,
        r#"with saved as (
               insert into saved_view (owner_id, dashboard, name, query)
               values ($1, $2, $3, $4)
               on conflict (owner_id, dashboard, lower(name))
               do update set name = excluded.name, query = excluded.query, updated_at = now()
               returning saved_view_id, owner_id, dashboard, name, query, published, updated_at
           )
           select s.saved_view_id as "saved_view_id!", s.owner_id as "owner_id!",
                  s.dashboard as "dashboard!", s.name as "name!", s.query as "query!",
                  s.published as "published!",
                  s.updated_at as "updated_at!: chrono::DateTime<chrono::Utc>", u.email as owner
           from saved s join app_user u on u.app_user_id = s.owner_id"#,
        user_id,
        dashboard,
        name,
        query
    )
    .fetch_one(db)
    .await
}

pub async fn set_published(db: impl PgExecutor<'_>, id: i64, published: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update saved_view set published = $2, updated_at = now() where saved_view_id = $1",
        id,
        published
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from saved_view where saved_view_id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}
