//! SQL of embeds.
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::types::{Dashboard, Embed, FilterKey, LockedFilters, Theme, ValidEmbed};
use crate::error::AppError;

/// An embed as stored, with its secret version.
#[derive(Debug, Clone)]
pub struct EmbedRow {
    pub embed_id: i64,
    pub name: String,
    pub dashboard: Dashboard,
    pub locked: LockedFilters,
    pub editable: Vec<FilterKey>,
    pub allowed_origins: Vec<String>,
    pub theme: Theme,
    pub allow_export: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub secret_version: i32,
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl EmbedRow {
    pub fn to_embed(&self) -> Embed {
        Embed {
            id: self.embed_id,
            name: self.name.clone(),
            dashboard: self.dashboard,
            locked: self.locked.clone(),
            editable: self.editable.clone(),
            allowed_origins: self.allowed_origins.clone(),
            theme: self.theme,
            allow_export: self.allow_export,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            created_at: self.created_at,
            secret_version: self.secret_version,
        }
    }
}

struct Raw {
    embed_id: i64,
    name: String,
    dashboard: String,
    locked_filters: serde_json::Value,
    editable_filters: Vec<String>,
    allowed_origins: Vec<String>,
    theme: String,
    allow_export: bool,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    secret_version: i32,
    previous_secret_until: Option<DateTime<Utc>>,
}

impl TryFrom<Raw> for EmbedRow {
    type Error = AppError;
    fn try_from(r: Raw) -> Result<Self, AppError> {
        let stored = |what: &'static str| move |e: String| AppError::internal(what, e);
        Ok(EmbedRow {
            embed_id: r.embed_id,
            name: r.name,
            dashboard: r.dashboard.parse().map_err(stored("stored dashboard"))?,
            locked: serde_json::from_value(r.locked_filters)
                .map_err(|e| AppError::internal("stored locked filters", e))?,
            editable: r
                .editable_filters
                .iter()
                .map(|k| {
                    serde_json::from_value(serde_json::Value::String(k.clone()))
                        .map_err(|e| AppError::internal("stored editable filter", e))
                })
                .collect::<Result<_, _>>()?,
            allowed_origins: r.allowed_origins,
            theme: r.theme.parse().map_err(stored("stored theme"))?,
            allow_export: r.allow_export,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
            secret_version: r.secret_version,
            previous_secret_until: r.previous_secret_until,
        })
    }
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn embed_row(db: impl PgExecutor<'_>, id: i64) -> Result<Option<EmbedRow>, AppError> {
    let raw = sqlx::query_as!(
        Raw,
        r#"select embed_id, name, dashboard, locked_filters, editable_filters, allowed_origins, theme,
                  allow_export,
                  expires_at as "expires_at: DateTime<Utc>",
                  revoked_at as "revoked_at: DateTime<Utc>",
                  created_at as "created_at!: DateTime<Utc>",
                  secret_version,
                  previous_secret_until as "previous_secret_until: DateTime<Utc>"
           from embed where embed_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    raw.map(EmbedRow::try_from).transpose()
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn list_embeds(db: impl PgExecutor<'_>) -> Result<Vec<EmbedRow>, AppError> {
    let raws = sqlx::query_as!(
        Raw,
        r#"select embed_id, name, dashboard, locked_filters, editable_filters, allowed_origins, theme,
                  allow_export,
                  expires_at as "expires_at: DateTime<Utc>",
                  revoked_at as "revoked_at: DateTime<Utc>",
                  created_at as "created_at!: DateTime<Utc>",
                  secret_version,
                  previous_secret_until as "previous_secret_until: DateTime<Utc>"
           from embed order by revoked_at is not null, lower(name), embed_id"#
    )
    .fetch_all(db)
    .await?;
    raws.into_iter().map(EmbedRow::try_from).collect()
}

fn columns(e: &ValidEmbed) -> Result<(serde_json::Value, Vec<String>), AppError> {
    Ok((
        serde_json::to_value(&e.locked).map_err(|e| AppError::internal("locked filters", e))?,
        e.editable.iter().map(|k| k.as_str().to_string()).collect(),
    ))
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn insert_embed(
    db: impl PgExecutor<'_>,
    e: &ValidEmbed,
    created_by: i64,
) -> Result<i64, AppError> {
    let (locked, editable) = columns(e)?;
    Ok(sqlx::query_scalar!(
        "insert into embed (name, dashboard, locked_filters, editable_filters, allowed_origins,
                            theme, allow_export, expires_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning embed_id",
        e.name,
        e.dashboard.as_str(),
        locked,
        &editable,
        &e.allowed_origins,
        e.theme.as_str(),
        e.allow_export,
        e.expires_at as _,
        created_by
    )
    .fetch_one(db)
    .await?)
}

/// Updates an embed that is not revoked; `false` when there is none.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn update_embed(
    db: impl PgExecutor<'_>,
    id: i64,
    e: &ValidEmbed,
) -> Result<bool, AppError> {
    let (locked, editable) = columns(e)?;
    Ok(sqlx::query!(
        "update embed set name = $2, dashboard = $3, locked_filters = $4, editable_filters = $5,
                          allowed_origins = $6, theme = $7, allow_export = $8, expires_at = $9,
                          updated_at = now()
         where embed_id = $1 and revoked_at is null",
        id,
        e.name,
        e.dashboard.as_str(),
        locked,
        &editable,
        &e.allowed_origins,
        e.theme.as_str(),
        e.allow_export,
        e.expires_at as _
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn revoke_embed(db: impl PgExecutor<'_>, id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update embed set revoked_at = now(), updated_at = now() where embed_id = $1 and revoked_at is null",
        id
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// A new secret; tokens signed with the old one keep working for `grace_hours`.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn rotate_secret(
    db: impl PgExecutor<'_>,
    id: i64,
    grace_hours: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update embed set secret_version = secret_version + 1,
                          previous_secret_until = now() + make_interval(hours => $2::int),
                          updated_at = now()
         where embed_id = $1 and revoked_at is null",
        id,
        grace_hours as i32
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}
