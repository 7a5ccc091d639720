//! Uploads and ingest runs.
use std::path::{Path, PathBuf};

use app::caller::Caller;
use app::error::AppError;
use app::features::auth::{service::audit, types::Role};
use app::features::sources::queries;
use app::features::sources::types::IngestRun;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{
    DefaultBodyLimit, FromRequest, Multipart, Path as UrlPath, Query, Request, State,
};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{authorize, csv_download};
use crate::ingest::run::{self, InputFile, Job, RunSummary, Store};
use crate::ingest::source::{forget_source, prepare_job, JobOptions, Prepared, SourceRef, Target};
use formats::FormatChoice;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Uploads stream to disk under their own limit (`max_upload_bytes`).
        .routes(routes!(upload).layer(DefaultBodyLimit::disable()))
        .routes(routes!(run))
        .routes(routes!(rejections_csv))
        .routes(routes!(retry))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Source id to load into.
    source_id: Option<i64>,
    /// Or a source name (created as a file source when new). Default: "Uploads".
    source: Option<String>,
    /// auto (default), transactions, star, catalog or competitor.
    format: Option<String>,
    /// File name of a raw (non-multipart) body, e.g. orders.csv.gz.
    filename: Option<String>,
    /// true (default): answer when the run is done; false: answer 202 at once and load in the background.
    wait: Option<bool>,
    /// auto, month_first or day_first: stored on the source.
    date_order: Option<String>,
    /// Time zone of the file's times, e.g. Europe/London: stored on the source.
    timezone: Option<String>,
}

/// A run summary as the API returns it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RunSummaryBody {
    run_id: i64,
    succeeded: bool,
    rows_read: u64,
    inserted: i64,
    updated: i64,
    rejected: u64,
    notes: Vec<String>,
    error: Option<String>,
    seconds: f64,
    /// The first rejected rows: file, line, column, reason.
    rejections: Vec<serde_json::Value>,
}

impl From<RunSummary> for RunSummaryBody {
    fn from(s: RunSummary) -> Self {
        RunSummaryBody {
            run_id: s.run_id,
            succeeded: s.succeeded,
            rows_read: s.rows_read,
            inserted: s.inserted,
            updated: s.updated,
            rejected: s.rejected,
            notes: s.notes,
            error: s.error,
            seconds: s.seconds,
            rejections: s
                .rejections
                .iter()
                .take(100)
                .map(|r| serde_json::json!({ "file": r.file, "line": r.line, "column": r.column, "reason": r.reason }))
                .collect(),
        }
    }
}

/// A run started in the background.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Started {
    run_id: i64,
    /// Where to follow it.
    status_url: String,
}

/// Upload one or more files (multipart, field `file`) or one raw file body, and load them into a
/// source in one all-or-nothing run. Gzip-compressed files are recognised by their content.
#[utoipa::path(
    post, path = "/api/v1/ingest", tag = "ingest", params(UploadParams),
    request_body(content = String, description = "CSV, CSV.gz or XLSX; or multipart/form-data with `file` fields", content_type = "text/csv"),
    responses(
        (status = 200, description = "Loaded", body = RunSummaryBody),
        (status = 202, description = "Started (wait=false)", body = Started),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "Larger than the upload limit", body = ErrorBody),
        (status = 422, description = "Nothing was loaded: the summary says why", body = RunSummaryBody)
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<UploadParams>,
    request: Request,
) -> Result<Response, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    let format = match params.format.as_deref() {
        Some(f) => f
            .parse::<FormatChoice>()
            .map_err(|e| AppError::invalid("format", e))?,
        None => FormatChoice::Auto,
    };
    // The source: an existing one, or a name for a new one that is created only once the files
    // have arrived (a refused upload leaves no source behind).
    let name = params.source.as_deref().unwrap_or("Uploads").trim();
    let source = match params.source_id {
        Some(id) => SourceRef::Id(id),
        None => SourceRef::Name(name),
    };
    let target = Target::find(&state.pool, source).await?;
    let new_name = match &target {
        Target::New { name } => Some(name.clone()),
        Target::Existing { .. } => None,
    };
    let settings = with_params(target.settings(), &params)?;
    let dir = UploadDir::new(
        state
            .upload_dir
            .join(Alphanumeric.sample_string(&mut rand::thread_rng(), 16)),
    );
    tokio::fs::create_dir_all(&dir.path)
        .await
        .map_err(|e| AppError::internal("upload folder", e))?;
    let files = receive(&state, &dir.path, params.filename.as_deref(), request).await?;
    let options = JobOptions {
        store: Store {
            currency: state.currency.clone(),
            timezone: state.timezone.clone(),
            limits: state.limits,
        },
        format,
        started_by: Some(user.id),
        signals: state.signals.clone(),
    };
    let Prepared { job, created } = prepare_job(&state.pool, target, settings, options).await?;
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    audit(&state.pool, &user, "source.upload", Some(&names.join(", "))).await?;
    if params.wait.unwrap_or(true) {
        let summary = run::ingest_upload(
            &state.pool,
            &job,
            &files,
            Default::default(),
            Some(&dir.path),
        )
        .await;
        let mut summary = match summary {
            Ok(summary) => summary,
            Err(err) => {
                if created {
                    forget_source(&state.pool, job.source_id).await?;
                }
                return Err(err.into());
            }
        };
        // The run's record has the folder now: kept until the run succeeds, for a retry.
        dir.hand_over();
        let status = if summary.succeeded {
            StatusCode::OK
        } else {
            if created {
                // Nothing was loaded: the new source goes again, with this run and its files.
                forget_source(&state.pool, job.source_id).await?;
                summary.notes.push(format!(
                    "Nothing was loaded, so the new source '{}' was not kept.",
                    new_name.unwrap_or_default()
                ));
            }
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok((status, Json(RunSummaryBody::from(summary))).into_response())
    } else {
        // A background run needs its source to be followed and retried, even if it fails.
        let run_id = run::spawn(&state.pool, job, files, &dir.path).await?;
        dir.hand_over();
        let body = Started {
            run_id,
            status_url: format!("/api/v1/ingest-runs/{run_id}"),
        };
        Ok((StatusCode::ACCEPTED, Json(body)).into_response())
    }
}

/// An upload folder that is removed when the guard is dropped, unless a background run took it
/// over: no error path leaves files behind.
struct UploadDir {
    path: PathBuf,
    keep: bool,
}

impl UploadDir {
    fn new(path: PathBuf) -> Self {
        UploadDir { path, keep: false }
    }
    /// A background run owns the folder now (it removes it once the run succeeds).
    fn hand_over(mut self) {
        self.keep = true;
    }
}

impl Drop for UploadDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The source's settings with the date order and time zone the upload names.
fn with_params(
    mut settings: app::features::sources::types::SourceSettings,
    params: &UploadParams,
) -> Result<app::features::sources::types::SourceSettings, AppError> {
    if let Some(order) = params.date_order.as_deref() {
        settings.date_order = order
            .parse()
            .map_err(|e: String| AppError::invalid("date_order", e))?;
    }
    if let Some(tz) = params.timezone.as_deref().filter(|t| !t.trim().is_empty()) {
        settings.timezone = Some(tz.trim().to_string());
    }
    app::features::sources::types::validate_settings(&settings)?;
    Ok(settings)
}

/// A file name safe to keep on disk (the original is kept for messages).
fn disk_name(index: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("{index:02}-{clean}")
}

/// Streams the upload to `dir`, refusing it once it passes the size limit.
async fn receive(
    state: &AppState,
    dir: &Path,
    raw_name: Option<&str>,
    request: Request,
) -> Result<Vec<InputFile>, AppError> {
    let too_large = || {
        AppError::TooLarge(format!(
            "The upload is larger than the limit of {} MiB; nothing was loaded. An admin can raise it with the setting STOREPULSE_MAX_UPLOAD_MB.",
            state.max_upload_bytes / (1024 * 1024)
        ))
    };
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut written = 0u64;
    let mut files = Vec::new();
    if is_multipart {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| AppError::invalid("file", e.body_text()))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| AppError::invalid("file", e.body_text()))?
        {
            let Some(name) = field.file_name().map(str::to_string) else {
                continue;
            };
            let path = dir.join(disk_name(files.len(), &name));
            save(
                field,
                &path,
                &mut written,
                state.max_upload_bytes,
                too_large,
            )
            .await?;
            files.push(InputFile { path, name });
        }
        if files.is_empty() {
            return Err(AppError::invalid(
                "file",
                "the form has no file: send it in a field named `file`",
            ));
        }
    } else {
        let name = raw_name.unwrap_or("upload.csv").to_string();
        let path: PathBuf = dir.join(disk_name(0, &name));
        let body = Body::into_data_stream(request.into_body());
        save(body, &path, &mut written, state.max_upload_bytes, too_large).await?;
        files.push(InputFile { path, name });
    }
    Ok(files)
}

/// Writes one uploaded file to `path`, counting its bytes against the upload's limit.
async fn save<E: std::fmt::Display>(
    chunks: impl futures_util::Stream<Item = Result<axum::body::Bytes, E>>,
    path: &Path,
    written: &mut u64,
    limit: u64,
    too_large: impl Fn() -> AppError,
) -> Result<(), AppError> {
    let mut chunks = std::pin::pin!(chunks);
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(|e| AppError::internal("upload file", e))?;
    while let Some(chunk) = chunks.next().await {
        let chunk =
            chunk.map_err(|e| AppError::invalid("file", format!("the upload broke off: {e}")))?;
        *written += chunk.len() as u64;
        if *written > limit {
            return Err(too_large());
        }
        out.write_all(&chunk)
            .await
            .map_err(|e| AppError::internal("upload write", e))?;
    }
    out.flush()
        .await
        .map_err(|e| AppError::internal("upload write", e))
}

/// An ingest run: state, counts, progress (bytes read of bytes total) and notes.
#[utoipa::path(
    get, path = "/api/v1/ingest-runs/{id}", tag = "ingest", params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = IngestRun), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<IngestRun>, AppError> {
    authorize(&caller, Role::Admin)?;
    queries::run_by_id(&state.pool, id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("Ingest run {id}")))
}

/// Every rejected row of a run as CSV: file, line, column, reason and the row as it was.
#[utoipa::path(
    get, path = "/api/v1/ingest-runs/{id}/rejections.csv", tag = "ingest", params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, content_type = "text/csv", description = "Rejected rows"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn rejections_csv(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<i64>,
) -> Result<Response, AppError> {
    authorize(&caller, Role::Admin)?;
    if queries::run_by_id(&state.pool, id).await?.is_none() {
        return Err(AppError::NotFound(format!("Ingest run {id}")));
    }
    let rows = queries::rejections(&state.pool, id).await?;
    csv_download(&format!("run-{id}-rejected-rows"), &rows)
}

/// Loads a failed or interrupted run's files again, as a new run in the background.
#[utoipa::path(
    post, path = "/api/v1/ingest-runs/{id}/retry", tag = "ingest", params(("id" = i64, Path, description = "Run id")),
    responses((status = 202, body = Started), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "No such run, or its files are gone", body = ErrorBody))
)]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<i64>,
) -> Result<Response, AppError> {
    let user = authorize(&caller, Role::Admin)?;
    let (source_id, dir, format) =
        queries::take_upload(&state.pool, id)
            .await?
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "A failed or interrupted upload of run {id} (a retry may have taken it)"
                ))
            })?;
    let dir = UploadDir::new(PathBuf::from(dir));
    let source = queries::source_by_id(&state.pool, source_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Source {source_id}")))?;
    let mut files = Vec::new();
    let mut entries = tokio::fs::read_dir(&dir.path)
        .await
        .map_err(|_| AppError::NotFound(format!("The files of run {id}")))?;
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|e| AppError::internal("upload folder", e))?
    {
        let disk = entry.file_name().to_string_lossy().to_string();
        let name = disk
            .split_once('-')
            .map(|(_, n)| n.to_string())
            .unwrap_or(disk);
        files.push(InputFile {
            path: entry.path(),
            name,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    audit(&state.pool, &user, "source.retry", Some(&id.to_string())).await?;
    let job = Job {
        source_id,
        settings: source.settings.0,
        store: Store {
            currency: state.currency.clone(),
            timezone: state.timezone.clone(),
            limits: state.limits,
        },
        format: format.and_then(|f| f.parse().ok()).unwrap_or_default(),
        started_by: Some(user.id),
        signals: state.signals.clone(),
        sync: None,
    };
    let run_id = run::spawn(&state.pool, job, files, &dir.path).await?;
    dir.hand_over();
    Ok((
        StatusCode::ACCEPTED,
        Json(Started {
            run_id,
            status_url: format!("/api/v1/ingest-runs/{run_id}"),
        }),
    )
        .into_response())
}

use super::ErrorBody;
