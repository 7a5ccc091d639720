//! What the sources admin page does: list sources with their sizes and latest runs, change
//! their settings, delete them. Callers are admins.
use sqlx::PgPool;

use super::queries;
use super::types::{SourceSettings, SourceSummary};
use crate::error::AppError;
use crate::features::auth::service::audit;
use crate::features::auth::types::CurrentUser;

/// Every data source with its size and latest run.
pub async fn sources(pool: &PgPool) -> Result<Vec<SourceSummary>, AppError> {
    let counts = queries::source_counts(pool).await?;
    let mut latest = queries::runs(pool, None, 1000).await?;
    latest.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(queries::sources(pool)
        .await?
        .into_iter()
        .map(|s| {
            let c = counts.iter().find(|c| c.source_id == s.source_id);
            SourceSummary {
                id: s.source_id,
                last_run: latest.iter().find(|r| r.source_id == s.source_id).cloned(),
                kind: s.kind,
                name: s.name,
                status: s.status,
                settings: s.settings.0,
                last_sync_at: s.last_sync_at,
                orders: c.map_or(0, |c| c.orders),
                customers: c.map_or(0, |c| c.customers),
                products: c.map_or(0, |c| c.products),
            }
        })
        .collect())
}

/// Settings a source may be given: `types::validate_settings`, and a time zone PostgreSQL knows
/// (a load sets it as its session's zone, so an unknown one would fail every later load).
pub async fn check_settings(pool: &PgPool, settings: &SourceSettings) -> Result<(), AppError> {
    super::types::validate_settings(settings)?;
    if let Some(tz) = &settings.timezone {
        if !queries::is_time_zone(pool, tz).await? {
            return Err(AppError::invalid(
                "timezone",
                format!(
                    "'{tz}' is not a time zone PostgreSQL knows; use a name like Europe/London"
                ),
            ));
        }
    }
    Ok(())
}

/// Changes how a source's files are read.
pub async fn update_settings(
    pool: &PgPool,
    user: &CurrentUser,
    id: i64,
    settings: SourceSettings,
) -> Result<(), AppError> {
    check_settings(pool, &settings).await?;
    if !queries::update_settings(pool, id, &settings).await? {
        return Err(AppError::NotFound(format!("Source {id}")));
    }
    audit(pool, user, "source.settings", Some(&id.to_string())).await?;
    Ok(())
}

/// Deletes a source and everything loaded from it, and its uploaded files; dashboards update at
/// once (the data version moves).
pub async fn delete(pool: &PgPool, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let uploads = queries::delete_source(&mut *tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Source {id}")))?;
    crate::rollup::customer_days_reset(&mut tx).await?;
    audit(&mut *tx, user, "source.delete", Some(&id.to_string())).await?;
    tx.commit().await?;
    // Each run's upload is a folder of files.
    for path in uploads {
        let _ = std::fs::remove_dir_all(path);
    }
    Ok(())
}
