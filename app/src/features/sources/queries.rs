//! SQL of the sources area: data sources, ingest runs and their rejected rows.
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgExecutor;

use super::types::{IngestRun, SourceContents, SourceSettings};

pub struct SourceRow {
    pub source_id: i64,
    pub kind: String,
    pub name: String,
    pub status: String,
    pub settings: Json<SourceSettings>,
    pub last_sync_at: Option<DateTime<Utc>>,
}

pub struct SourceCountsRow {
    pub source_id: i64,
    pub orders: i64,
    pub customers: i64,
    pub products: i64,
}

struct RunRow {
    ingest_run_id: i64,
    source_id: i64,
    file_name: Option<String>,
    state: String,
    rows_read: i64,
    rows_inserted: i64,
    rows_updated: i64,
    rows_rejected: i64,
    bytes_read: i64,
    bytes_total: Option<i64>,
    notes: Json<Vec<String>>,
    error: Option<String>,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    retryable: bool,
}

impl From<RunRow> for IngestRun {
    fn from(r: RunRow) -> Self {
        IngestRun {
            id: r.ingest_run_id,
            source_id: r.source_id,
            file_name: r.file_name,
            state: r.state,
            rows_read: r.rows_read,
            rows_inserted: r.rows_inserted,
            rows_updated: r.rows_updated,
            rows_rejected: r.rows_rejected,
            bytes_read: r.bytes_read,
            bytes_total: r.bytes_total,
            notes: r.notes.0,
            error: r.error,
            started_at: r.started_at,
            finished_at: r.finished_at,
            retryable: r.retryable,
        }
    }
}

pub struct RejectionRow {
    pub file_name: String,
    pub line: i64,
    pub column_name: Option<String>,
    pub reason: String,
    pub raw: String,
}

/// A run's rejected rows as CSV: file, line, column, reason and the row as it was.
impl crate::export::CsvRow for RejectionRow {
    const HEADER: &'static [&'static str] = &["file", "line", "column", "reason", "row"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.file_name.clone(),
            self.line.to_string(),
            crate::export::opt(self.column_name.as_ref()),
            self.reason.clone(),
            self.raw.clone(),
        ]
    }
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn sources(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<SourceRow>> {
    sqlx::query_as!(
        SourceRow,
        r#"select source_id, kind, name, status,
                  settings as "settings: Json<SourceSettings>",
                  last_sync_at as "last_sync_at: DateTime<Utc>"
           from source order by created_at, source_id"#
    )
    .fetch_all(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn source_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<SourceRow>> {
    sqlx::query_as!(
        SourceRow,
        r#"select source_id, kind, name, status,
                  settings as "settings: Json<SourceSettings>",
                  last_sync_at as "last_sync_at: DateTime<Utc>"
           from source where source_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn source_by_name(
    db: impl PgExecutor<'_>,
    name: &str,
) -> sqlx::Result<Option<SourceRow>> {
    sqlx::query_as!(
        SourceRow,
        r#"select source_id, kind, name, status,
                  settings as "settings: Json<SourceSettings>",
                  last_sync_at as "last_sync_at: DateTime<Utc>"
           from source where lower(name) = lower($1)"#,
        name
    )
    .fetch_optional(db)
    .await
}

/// A new source; `None` when the name is taken.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn insert_source(
    db: impl PgExecutor<'_>,
    kind: &str,
    name: &str,
    settings: &SourceSettings,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into source (kind, name, settings) values ($1, $2, $3)
         on conflict (name) do nothing returning source_id",
        kind,
        name,
        Json(settings) as _
    )
    .fetch_optional(db)
    .await
}

/// Whether PostgreSQL knows `name` as a time zone (what a load sets as its session's zone).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn is_time_zone(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from pg_timezone_names where name = $1) as "known!""#,
        name
    )
    .fetch_one(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn update_settings(
    db: impl PgExecutor<'_>,
    id: i64,
    settings: &SourceSettings,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update source set settings = $2 where source_id = $1",
        id,
        Json(settings) as _
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Orders, customers and products per source.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn source_counts(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<SourceCountsRow>> {
    sqlx::query_as!(
        SourceCountsRow,
        r#"select s.source_id,
                  (select count(*) from sales_order o where o.source_id = s.source_id) as "orders!",
                  (select count(*) from customer c where c.source_id = s.source_id) as "customers!",
                  (select count(*) from product p where p.source_id = s.source_id) as "products!"
           from source s"#
    )
    .fetch_all(db)
    .await
}

/// What deleting the source would remove.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn source_contents(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<SourceContents> {
    sqlx::query_as!(
        SourceContents,
        r#"select (select count(*) from sales_order where source_id = $1) as "orders!",
                  (select count(*) from order_line l join sales_order o using (sales_order_id) where o.source_id = $1) as "order_lines!",
                  (select count(*) from customer where source_id = $1) as "customers!",
                  (select count(*) from product where source_id = $1) as "products!""#,
        id
    )
    .fetch_one(db)
    .await
}

/// Deletes the source with everything loaded from it (the rollup rows go with it). Returns the
/// upload files its runs kept, for the caller to remove.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn delete_source(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Vec<String>>> {
    sqlx::query_scalar!(
        r#"with gone as (delete from source where source_id = $1 returning source_id)
           select coalesce(array_agg(r.upload_path) filter (where r.upload_path is not null), '{}') as "uploads!"
           from gone left join ingest_run r using (source_id)
           group by gone.source_id"#,
        id
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn runs(
    db: impl PgExecutor<'_>,
    source_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<IngestRun>> {
    let rows = sqlx::query_as!(
        RunRow,
        r#"select ingest_run_id, source_id, file_name, state, rows_read, rows_inserted, rows_updated,
                  rows_rejected, bytes_read, bytes_total, notes as "notes: Json<Vec<String>>", error,
                  started_at as "started_at: DateTime<Utc>", finished_at as "finished_at: DateTime<Utc>",
                  (upload_path is not null and state in ('failed', 'interrupted')) as "retryable!"
           from ingest_run
           where ($1::bigint is null or source_id = $1)
           order by ingest_run_id desc
           limit $2"#,
        source_id,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(IngestRun::from).collect())
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn run_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<IngestRun>> {
    let row = sqlx::query_as!(
        RunRow,
        r#"select ingest_run_id, source_id, file_name, state, rows_read, rows_inserted, rows_updated,
                  rows_rejected, bytes_read, bytes_total, notes as "notes: Json<Vec<String>>", error,
                  started_at as "started_at: DateTime<Utc>", finished_at as "finished_at: DateTime<Utc>",
                  (upload_path is not null and state in ('failed', 'interrupted')) as "retryable!"
           from ingest_run where ingest_run_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(IngestRun::from))
}

/// Takes a failed or interrupted run's stored upload for a retry: source, folder and format. At
/// most one caller gets it (the run's record lets go of it in the same statement).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn take_upload(
    db: impl PgExecutor<'_>,
    id: i64,
) -> sqlx::Result<Option<(i64, String, Option<String>)>> {
    let row = sqlx::query!(
        r#"update ingest_run r set upload_path = null
           from (select ingest_run_id, upload_path from ingest_run where ingest_run_id = $1 for update) old
           where r.ingest_run_id = old.ingest_run_id and old.upload_path is not null and r.state <> 'running'
           returning r.source_id, old.upload_path as "upload_path!", r.format"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.source_id, r.upload_path, r.format)))
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn rejections(db: impl PgExecutor<'_>, run_id: i64) -> sqlx::Result<Vec<RejectionRow>> {
    sqlx::query_as!(
        RejectionRow,
        "select file_name, line, column_name, reason, raw from ingest_rejection
         where ingest_run_id = $1 order by file_name, line",
        run_id
    )
    .fetch_all(db)
    .await
}
