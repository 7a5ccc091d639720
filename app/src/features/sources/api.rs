//! Server functions of the sources area (admin only).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{IngestRun, SourceContents, SourceSettings, SourceSummary};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{features::auth::types::Role, features::sources::service, guard};

/// Every data source with its size and latest run.
#[server(prefix = "/fn", endpoint = "list_sources", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_sources() -> Result<Vec<SourceSummary>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        service::sources(&state.pool).await
    })
    .await
}

/// Recent runs, of one source or of all.
#[server(prefix = "/fn", endpoint = "list_runs", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_runs(
    #[server(default)] source_id: Option<i64>,
) -> Result<Vec<IngestRun>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        Ok(super::queries::runs(&state.pool, source_id, 50).await?)
    })
    .await
}

/// One run, for following its progress.
#[server(prefix = "/fn", endpoint = "get_run", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_run(id: i64) -> Result<IngestRun, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        super::queries::run_by_id(&state.pool, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("Ingest run {id}")))
    })
    .await
}

/// Changes how a source's files are read.
#[server(prefix = "/fn", endpoint = "update_source_settings", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn update_source_settings(id: i64, settings: SourceSettings) -> Result<(), AppError> {
    guard::role(Role::Admin, |state, user| async move {
        service::update_settings(&state.pool, &user, id, settings).await
    })
    .await
}

/// What deleting a source would remove, for the confirmation.
#[server(prefix = "/fn", endpoint = "get_source_contents", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_source_contents(id: i64) -> Result<SourceContents, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        Ok(super::queries::source_contents(&state.pool, id).await?)
    })
    .await
}

/// Deletes a source and everything loaded from it; dashboards update at once.
#[server(prefix = "/fn", endpoint = "delete_source", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn delete_source(id: i64) -> Result<(), AppError> {
    guard::role(Role::Admin, |state, user| async move {
        service::delete(&state.pool, &user, id).await
    })
    .await
}

/// Reads the start of a file (sent by the browser before the upload) and says how it would be
/// loaded: its format, the date order the rows suggest, and problems in the first rows.
#[server(prefix = "/fn", endpoint = "preview_upload", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn preview_upload(
    sample: String,
    /// Whether `sample` is the whole file (else its last line may be cut off).
    #[server(default)]
    whole_file: bool,
    #[server(default)] format: super::types::FormatChoice,
    #[server(default)] date_order: super::types::DateOrder,
) -> Result<super::types::UploadPreview, AppError> {
    use super::types::{DateOrder, UploadPreview};
    use formats::{detect, RowParser};
    guard::role(Role::Admin, |_, _| {
        async move {
            // The sample is cut at an arbitrary byte: its last line may be partial, so it is dropped.
            let complete = match sample.rfind('\n') {
                Some(end) if !whole_file => &sample[..end],
                _ => sample.as_str(),
            };
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(complete.as_bytes());
            let mut records = reader.records().filter_map(Result::ok);
            let header: Vec<String> = records
                .next()
                .map(|r| {
                    r.iter()
                        .map(|f| f.trim_start_matches('\u{feff}').to_string())
                        .collect()
                })
                .unwrap_or_default();
            let rows: Vec<(u64, Vec<String>)> = records
                .take(1000)
                .map(|r| {
                    (
                        r.position().map(|p| p.line()).unwrap_or(0),
                        r.iter().map(str::to_string).collect(),
                    )
                })
                .collect();
            let mut preview = UploadPreview {
                format: None,
                problem: None,
                columns: header.clone(),
                date_order: None,
                guessed: false,
                rows: rows.iter().take(5).map(|(_, r)| r.clone()).collect(),
                row_problems: Vec::new(),
            };
            match detect(&header, format) {
                Err(problem) => preview.problem = Some(problem),
                Ok(layout) => {
                    preview.format = Some(layout.kind.label().to_string());
                    let limits = crate::state::app_state()?.limits;
                    let today = chrono::Utc::now().date_naive();
                    let mut parser = RowParser::new(layout, date_order, limits, today);
                    let sample_rows: Vec<Vec<String>> =
                        rows.iter().map(|(_, r)| r.clone()).collect();
                    preview.date_order = Some(parser.settle_date_order(&sample_rows));
                    preview.guessed = date_order == DateOrder::Auto;
                    preview.row_problems = rows
                        .iter()
                        .filter_map(|(line, r)| parser.parse(*line, r).err())
                        .take(5)
                        .map(|rej| format!("line {}: {}", rej.line, rej.reason))
                        .collect();
                }
            }
            Ok(preview)
        }
    })
    .await
}

/// Shop connections (never their credentials).
#[server(prefix = "/fn", endpoint = "list_connections", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn list_connections() -> Result<Vec<super::types::ConnectionSummary>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        state.connector.list(&state).await
    })
    .await
}

/// Connects a shop: tested with the platform first, saved only if a sync can work.
#[server(prefix = "/fn", endpoint = "create_connection", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn create_connection(
    new: super::types::NewConnection,
) -> Result<super::types::ConnectionCreated, AppError> {
    guard::role(Role::Admin, |state, user| async move {
        state.connector.create(&state, &user, new).await
    })
    .await
}

/// Changes a connection (a new token is tested before it is saved).
#[server(prefix = "/fn", endpoint = "change_connection", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn change_connection(
    id: i64,
    change: super::types::ConnectionChange,
) -> Result<super::types::ConnectionChanged, AppError> {
    guard::role(Role::Admin, |state, user| async move {
        state.connector.change(&state, &user, id, change).await
    })
    .await
}

/// What a connection's credentials can read, asked again.
#[server(prefix = "/fn", endpoint = "test_connection", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn test_connection(id: i64) -> Result<super::types::TestReport, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        state.connector.test(&state, id).await
    })
    .await
}

/// Syncs a connection now; answers when it is done.
#[server(prefix = "/fn", endpoint = "sync_connection", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn sync_connection(id: i64) -> Result<super::types::SyncReport, AppError> {
    guard::role(Role::Admin, |state, user| async move {
        state.connector.sync(&state, &user, id).await
    })
    .await
}

/// A connection's syncs, newest first.
#[server(prefix = "/fn", endpoint = "connection_syncs", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn connection_syncs(id: i64) -> Result<Vec<super::types::SyncJob>, AppError> {
    guard::role(Role::Admin, |state, _| async move {
        state.connector.history(&state, id, 10).await
    })
    .await
}

/// Registers the shop's webhooks to this server.
#[server(prefix = "/fn", endpoint = "register_connection_webhooks", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn register_connection_webhooks(
    id: i64,
) -> Result<super::types::WebhooksRegistered, AppError> {
    guard::role(Role::Admin, |state, user| async move {
        state.connector.register_webhooks(&state, &user, id).await
    })
    .await
}

/// Deletes a connection, keeping its data (as a paused source) or deleting it with it.
#[server(prefix = "/fn", endpoint = "delete_connection", output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn delete_connection(
    id: i64,
    keep_data: bool,
) -> Result<super::types::ConnectionDeleted, AppError> {
    guard::role(Role::Admin, |state, user| async move {
        state.connector.delete(&state, &user, id, keep_data).await
    })
    .await
}
