//! Server functions of the sources area (admin only).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{IngestRun, SourceContents, SourceSettings, SourceSummary};
use crate::error::AppError;

/// Every data source with its size and latest run.
#[server(prefix = "/fn", endpoint = "list_sources", input = GetUrl)]
pub async fn list_sources() -> Result<Vec<SourceSummary>, AppError> {
    use super::queries;
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = &app_state()?.pool;
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
        .await,
    )
}

/// Recent runs, of one source or of all.
#[server(prefix = "/fn", endpoint = "list_runs", input = GetUrl)]
pub async fn list_runs(
    #[server(default)] source_id: Option<i64>,
) -> Result<Vec<IngestRun>, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(async { Ok(super::queries::runs(&app_state()?.pool, source_id, 50).await?) }.await)
}

/// One run, for following its progress.
#[server(prefix = "/fn", endpoint = "get_run", input = GetUrl)]
pub async fn get_run(id: i64) -> Result<IngestRun, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(
        async {
            super::queries::run_by_id(&app_state()?.pool, id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("Ingest run {id}")))
        }
        .await,
    )
}

/// Adds a file source (uploads go into it).
#[server(prefix = "/fn", endpoint = "create_source")]
pub async fn create_source(name: String, settings: SourceSettings) -> Result<i64, AppError> {
    use crate::features::auth::{queries::insert_audit, session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    let user = require_role(Role::Admin).await?;
    with_status(
        async {
            let name = name.trim();
            if name.is_empty() || name.len() > 100 {
                return Err(AppError::invalid(
                    "name",
                    "give the source a name of 1 to 100 characters",
                ));
            }
            super::types::validate_settings(&settings)?;
            let pool = &app_state()?.pool;
            let id = super::queries::insert_source(pool, "file", name, &settings)
                .await?
                .ok_or_else(|| {
                    AppError::Conflict(format!("A source named '{name}' exists already."))
                })?;
            insert_audit(pool, Some(&user.email), "source.create", Some(name), None).await?;
            Ok(id)
        }
        .await,
    )
}

/// Changes how a source's files are read.
#[server(prefix = "/fn", endpoint = "update_source_settings")]
pub async fn update_source_settings(id: i64, settings: SourceSettings) -> Result<(), AppError> {
    use crate::features::auth::{queries::insert_audit, session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    let user = require_role(Role::Admin).await?;
    with_status(
        async {
            super::types::validate_settings(&settings)?;
            let pool = &app_state()?.pool;
            if !super::queries::update_settings(pool, id, &settings).await? {
                return Err(AppError::NotFound(format!("Source {id}")));
            }
            insert_audit(
                pool,
                Some(&user.email),
                "source.settings",
                Some(&id.to_string()),
                None,
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// What deleting a source would remove, for the confirmation.
#[server(prefix = "/fn", endpoint = "get_source_contents", input = GetUrl)]
pub async fn get_source_contents(id: i64) -> Result<SourceContents, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    require_role(Role::Admin).await?;
    with_status(async { Ok(super::queries::source_contents(&app_state()?.pool, id).await?) }.await)
}

/// Deletes a source and everything loaded from it; dashboards update at once.
#[server(prefix = "/fn", endpoint = "delete_source")]
pub async fn delete_source(id: i64) -> Result<(), AppError> {
    use crate::features::auth::{queries::insert_audit, session::require_role, types::Role};
    use crate::state::{app_state, with_status};
    let user = require_role(Role::Admin).await?;
    with_status(
        async {
            let pool = &app_state()?.pool;
            let mut tx = pool.begin().await?;
            let uploads = super::queries::delete_source(&mut *tx, id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("Source {id}")))?;
            crate::features::sales::queries::bump_data_version(&mut tx).await?;
            insert_audit(
                &mut *tx,
                Some(&user.email),
                "source.delete",
                Some(&id.to_string()),
                None,
            )
            .await?;
            tx.commit().await?;
            // Each run's upload is a folder of files.
            for path in uploads {
                let _ = std::fs::remove_dir_all(path);
            }
            Ok(())
        }
        .await,
    )
}
