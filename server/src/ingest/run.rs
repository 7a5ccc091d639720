//! One ingest run: its record in `ingest_run`, the load inside one transaction, progress, the
//! summary, and recognising runs whose process died.
use std::fmt;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::{Acquire, PgPool, Postgres};

use super::file::{self, Event, FileNotes, Progress};
use super::load::{self, widen, TimeSpan};
use super::IngestError;
use formats::{DateOrder, FileKind, FormatChoice, Layout, Rejection, RowParser, ValueLimits};

/// Advisory-lock namespaces (first key of the two-key form).
const RUN_LOCK: i32 = 7_301;
const SOURCE_LOCK: i32 = 7_302;
/// Rollup rebuilds delete and re-insert days and customer summaries across all sources: one at a
/// time.
const ROLLUP_LOCK: i64 = 7_303;
/// Runs loading at once in this process; each holds a database connection for its whole length,
/// so they must leave room in the pool for pages.
static RUN_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Rows kept in memory before the date order is settled.
const SAMPLE_ROWS: usize = 1000;
/// Bytes of staged CSV sent to COPY at a time.
const BATCH_BYTES: usize = 4 << 20;
/// Rejected rows kept for the error report (all are counted).
const MAX_KEPT_REJECTIONS: usize = 10_000;
/// Files with more rows than this merge without nested loops (see `stage_file`). Kept small: the
/// orders a file adds are new to the planner's statistics (estimated at one row), so a nested
/// loop over them costs rows × rows — 179 s for a 40,000-row upload — and at 1,000 rows that
/// stays under a million comparisons.
const LARGE_FILE_ROWS: u64 = 1_000;

pub use app::features::sources::types::SourceSettings;

/// A file to load, and the name users know it by.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub name: String,
}

/// What the run needs to know about the store.
#[derive(Debug, Clone)]
pub struct Store {
    pub currency: String,
    pub timezone: String,
    /// The ranges of values a file may hold.
    pub limits: ValueLimits,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub name: String,
    pub kind: FileKind,
    pub rows: u64,
    pub inserted: i64,
    pub updated: i64,
    pub rejected: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub succeeded: bool,
    pub files: Vec<FileSummary>,
    pub rows_read: u64,
    pub inserted: i64,
    pub updated: i64,
    pub rejected: u64,
    pub notes: Vec<String>,
    pub error: Option<String>,
    pub seconds: f64,
    /// Rejected rows (up to `MAX_KEPT_REJECTIONS`; all are counted in `rejected`).
    pub rejections: Vec<RejectedRow>,
}

/// A row that could not be used: where, why, and the row as it was.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedRow {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
    pub raw: String,
}

fn thousands(n: u64) -> String {
    app::components::format::group_thousands(&n.to_string())
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.succeeded {
            "succeeded"
        } else {
            "FAILED — nothing was loaded"
        };
        writeln!(f, "run {} {state} in {:.1} s", self.run_id, self.seconds)?;
        for file in &self.files {
            writeln!(
                f,
                "  {}: {} · {} rows · {} rejected",
                file.name,
                file.kind.label(),
                thousands(file.rows),
                thousands(file.rejected)
            )?;
        }
        write!(
            f,
            "  read {} · inserted {} · updated {} · rejected {}",
            thousands(self.rows_read),
            thousands(self.inserted.max(0) as u64),
            thousands(self.updated.max(0) as u64),
            thousands(self.rejected)
        )?;
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        for r in self.rejections.iter().take(10) {
            let file = &r.file;
            let column = r
                .column
                .as_deref()
                .map(|c| format!(", {c}"))
                .unwrap_or_default();
            write!(
                f,
                "\n  rejected: {file}, line {}{column}: {}",
                r.line, r.reason
            )?;
        }
        if self.rejected as usize > self.rejections.len().min(10) {
            write!(f, "\n  … the run's error report lists every rejected row")?;
        }
        if let Some(error) = &self.error {
            write!(f, "\n  error: {error}")?;
        }
        Ok(())
    }
}

/// A registered run and the connection that holds its lock: while the lock is held, the run's
/// process is alive. Load with `execute` on this same connection.
pub struct StartedRun {
    pub run_id: i64,
    conn: PoolConnection<Postgres>,
}

/// Records a new run as `running` and locks it, atomically: no other process can see the run
/// without its lock.
pub async fn start(
    pool: &PgPool,
    source_id: i64,
    files: &[InputFile],
    format: FormatChoice,
    started_by: Option<i64>,
    upload_path: Option<&str>,
) -> sqlx::Result<StartedRun> {
    let mut conn = pool.acquire().await?;
    // If this connection is dropped mid-run, close it (releasing the run's lock) rather than
    // return it to the pool still holding the lock.
    conn.close_on_drop();
    let names = files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let bytes_total: i64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len() as i64)
        .sum();
    let mut tx = conn.begin().await?;
    let format = serde_json::to_value(format)
        .ok()
        .and_then(|v| v.as_str().map(String::from));
    let run_id = sqlx::query_scalar!(
        "insert into ingest_run (source_id, file_name, format, started_by, bytes_total, upload_path)
         values ($1, $2, $3, $4, $5, $6) returning ingest_run_id",
        source_id,
        names,
        format,
        started_by,
        bytes_total,
        upload_path
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!("select pg_advisory_lock($1, $2)", RUN_LOCK, run_id as i32)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StartedRun { run_id, conn })
}

/// Marks runs whose process died (their lock is free) as interrupted. Safe to call from any
/// process at any time.
pub async fn mark_interrupted(pool: &PgPool) -> sqlx::Result<Vec<i64>> {
    let mut conn = pool.acquire().await?;
    let ids = sqlx::query_scalar!(
        "update ingest_run set state = 'interrupted', finished_at = now(),
                error = case when upload_path is not null
                    then 'the process loading this run stopped before it finished (a restart or a crash); nothing of it was kept. Its files were kept: retry it'
                    else 'the process loading this run stopped before it finished (a restart or a crash); nothing of it was kept. Load the files again' end
         where state = 'running' and pg_try_advisory_lock($1, ingest_run_id::int)
         returning ingest_run_id",
        RUN_LOCK
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query!("select pg_advisory_unlock_all()")
        .execute(&mut *conn)
        .await?;
    Ok(ids)
}

/// Everything a run needs besides its files.
#[derive(Clone)]
pub struct Job {
    pub source_id: i64,
    pub settings: SourceSettings,
    pub store: Store,
    pub format: FormatChoice,
    pub started_by: Option<i64>,
    /// Recomputes the market signals after a successful run (in the background).
    pub signals: app::features::inventory::refresh::SignalRefresh,
    /// Set when a shop sync loads this run.
    pub sync: Option<SyncStep>,
}

/// What a shop sync adds to the run that loads one of its batches.
#[derive(Debug, Clone, Default)]
pub struct SyncStep {
    /// The sync's position after this run's data, stored on the source in the run's
    /// transaction: it advances only with the data it covers (none for a webhook's order).
    pub cursor: Option<String>,
    /// What the sync left out and why (the platform's ids), kept with the run's notes.
    pub notes: Vec<String>,
    /// The platform's catalog products in this run: their on-hand counts become today's
    /// inventory snapshots (the platforms keep no stock history to read).
    pub stock_of: Vec<String>,
    /// What the platform sent that could not be loaded (an order in another currency, an
    /// unreadable item), with its id and why: the run's rejected rows, under `source`.
    pub left_out: Vec<String>,
    /// Names them in the error report ("Shopify orders").
    pub source: String,
}

/// Loads `files` to the end and returns the summary. The load runs in its own task, so a caller
/// that goes away (a closed HTTP request) does not cut it short.
pub async fn ingest(
    pool: &PgPool,
    job: &Job,
    files: &[InputFile],
    progress: Arc<Progress>,
) -> sqlx::Result<RunSummary> {
    ingest_upload(pool, job, files, progress, None).await
}

/// `ingest` of uploaded files kept in `upload_dir`: the run's record keeps the folder until the
/// run succeeds (then it is removed), so that a failed or interrupted run can be retried.
pub async fn ingest_upload(
    pool: &PgPool,
    job: &Job,
    files: &[InputFile],
    progress: Arc<Progress>,
    upload_dir: Option<&std::path::Path>,
) -> sqlx::Result<RunSummary> {
    let slot = RUN_SLOTS
        .acquire()
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let upload_path = upload_dir.map(|d| d.to_string_lossy().to_string());
    let run = start(
        pool,
        job.source_id,
        files,
        job.format,
        job.started_by,
        upload_path.as_deref(),
    )
    .await?;
    let (pool, job, files) = (pool.clone(), job.clone(), files.to_vec());
    let dir = upload_dir.map(|d| d.to_path_buf());
    let task = tokio::spawn(async move {
        let summary = execute(&pool, run, &job, &files, progress).await;
        drop(slot);
        if let Some(dir) = dir.filter(|_| summary.succeeded) {
            let _ = tokio::fs::remove_dir_all(&dir).await;
        }
        summary
    });
    task.await
        .map_err(|e| sqlx::Error::Protocol(format!("the ingest task stopped: {e}")))
}

/// Registers the run and loads it in the background; returns the run id at once. The uploaded
/// files (in `dir`) stay on disk until the run succeeds, so that a failed or interrupted run can
/// be retried.
pub async fn spawn(
    pool: &PgPool,
    job: Job,
    files: Vec<InputFile>,
    dir: &std::path::Path,
) -> sqlx::Result<i64> {
    let run = start(
        pool,
        job.source_id,
        &files,
        job.format,
        job.started_by,
        Some(&dir.to_string_lossy()),
    )
    .await?;
    let run_id = run.run_id;
    let pool = pool.clone();
    let dir = dir.to_path_buf();
    tokio::spawn(async move {
        // Waits its turn here: the run shows as running with 0 rows read meanwhile.
        let _slot = RUN_SLOTS.acquire().await;
        let summary = execute(&pool, run, &job, &files, Arc::default()).await;
        if summary.succeeded {
            let _ = tokio::fs::remove_dir_all(&dir).await;
        }
    });
    Ok(run_id)
}

/// Loads the files in one transaction and records the outcome on the run — a success inside that
/// same transaction. Never returns an error: a failure is part of the summary and of the record.
#[tracing::instrument(skip_all, fields(run_id = run.run_id, source_id = job.source_id, files = files.len()))]
pub async fn execute(
    pool: &PgPool,
    mut run: StartedRun,
    job: &Job,
    files: &[InputFile],
    progress: Arc<Progress>,
) -> RunSummary {
    let started = Instant::now();
    let ticker = spawn_progress_writer(pool.clone(), run.run_id, progress.clone());
    let mut summary = RunSummary {
        run_id: run.run_id,
        succeeded: false,
        files: Vec::new(),
        rows_read: 0,
        inserted: 0,
        updated: 0,
        rejected: 0,
        notes: Vec::new(),
        error: None,
        seconds: 0.0,
        rejections: Vec::new(),
    };
    let result = load_all(
        &mut run.conn,
        job,
        files,
        &progress,
        &mut summary,
        &ticker,
        started,
    )
    .await;
    ticker.abort();
    summary.seconds = started.elapsed().as_secs_f64();
    if let Err(err) = result {
        tracing::warn!(run_id = run.run_id, %err, "ingest run failed");
        // All or nothing: the transaction was rolled back.
        summary.succeeded = false;
        summary.inserted = 0;
        summary.updated = 0;
        for file in &mut summary.files {
            file.inserted = 0;
            file.updated = 0;
        }
        summary.error = Some(err.to_string());
        let recorded = async {
            let mut tx = run.conn.begin().await?;
            record_outcome(&mut tx, &summary, &progress).await?;
            tx.commit().await
        };
        if let Err(err) = recorded.await {
            tracing::error!(run_id = run.run_id, %err, "could not record the failure of an ingest run");
        }
    }
    let _ = sqlx::query!(
        "select pg_advisory_unlock($1, $2)",
        RUN_LOCK,
        run.run_id as i32
    )
    .fetch_one(&mut *run.conn)
    .await;
    if summary.succeeded {
        // Signals are about the new data: computed after the run answers (readers of the signals
        // wait for them); a failure there does not undo the load.
        job.signals.changed();
    }
    crate::telemetry::record_ingest_run(
        summary.succeeded,
        summary.rows_read,
        summary.inserted,
        summary.rejected,
        summary.seconds,
    );
    summary
}

fn spawn_progress_writer(
    pool: PgPool,
    run_id: i64,
    progress: Arc<Progress>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let _ = sqlx::query!(
                "update ingest_run set rows_read = $2, bytes_read = $3 where ingest_run_id = $1",
                run_id,
                progress.rows.load(Ordering::Relaxed) as i64,
                progress.bytes.load(Ordering::Relaxed) as i64
            )
            .execute(&pool)
            .await;
        }
    })
}

/// The kind of each file, from its header, in load order (dimensions first).
fn plan(
    files: &[InputFile],
    format: FormatChoice,
) -> Result<Vec<(Layout, InputFile)>, IngestError> {
    let mut planned = Vec::with_capacity(files.len());
    for input in files {
        let mut header = None;
        file::read_rows(&input.path, &input.name, &Progress::default(), |event| {
            if let Event::Header(h) = event {
                header = Some(h);
            }
            Ok(ControlFlow::Break(()))
        })?;
        let header = header.unwrap_or_default();
        let layout = formats::detect(&header, format).map_err(|message| IngestError::File {
            file: input.name.clone(),
            message,
        })?;
        planned.push((layout, input.clone()));
    }
    planned.sort_by_key(|(layout, _)| layout.kind);
    Ok(planned)
}

/// The whole load of a run, in one transaction: stage and merge each file, refuse the run when
/// too many rows were rejected, rebuild the rollup days it touched, and record the outcome with
/// the data.
async fn load_all(
    conn: &mut PoolConnection<Postgres>,
    job: &Job,
    files: &[InputFile],
    progress: &Arc<Progress>,
    summary: &mut RunSummary,
    ticker: &tokio::task::JoinHandle<()>,
    started: Instant,
) -> Result<(), IngestError> {
    let planned = plan(files, job.format)?;
    let mut tx = conn.begin().await?;
    begin_load(&mut tx, job).await?;
    let mut touched = None;
    for (index, (layout, input)) in planned.into_iter().enumerate() {
        let kind = layout.kind;
        let table = format!("stage_{index}");
        let phase = Instant::now();
        let parsed = stage_file(&mut tx, job, &table, layout, &input, progress).await?;
        tracing::debug!(file = %input.name, secs = phase.elapsed().as_secs_f64(), "parsed and staged");
        let phase = Instant::now();
        // An order loads whole: the other lines of an order with a rejected line stay out too.
        let left_out = load::drop_orders(&mut tx, kind, &table, &parsed.rejected_orders).await?;
        let merged = load::merge(&mut tx, kind, &table, job.source_id, &job.store.currency).await?;
        tracing::debug!(file = %input.name, secs = phase.elapsed().as_secs_f64(), "merged");
        touched = widen(touched, merged.touched);
        add_file(summary, &input, kind, parsed, left_out, merged);
    }
    check_rejected(summary, &job.settings)?;
    if let Some(sync) = &job.sync {
        summary.notes.extend(sync.notes.iter().cloned());
        // Rejected rows of the run (its error report), not counted against the rejected-rows
        // limit: an order left out on purpose must not stop every later sync.
        summary.rejected += sync.left_out.len() as u64;
        for (n, reason) in sync.left_out.iter().enumerate() {
            if summary.rejections.len() < MAX_KEPT_REJECTIONS {
                summary.rejections.push(RejectedRow {
                    file: sync.source.clone(),
                    line: n as u64 + 1,
                    column: None,
                    reason: reason.clone(),
                    raw: String::new(),
                });
            }
        }
        // Today in the load's time zone (the store's for a shop connection).
        sqlx::query!(
            "insert into inventory_snapshot (product_id, day, on_hand)
             select product_id, current_date, on_hand from product
             where source_id = $1 and external_id = any($2) and on_hand is not null
             on conflict (product_id, day) do update set on_hand = excluded.on_hand",
            job.source_id,
            &sync.stock_of
        )
        .execute(&mut *tx)
        .await?;
    }
    refresh_rollup(&mut tx, touched).await?;
    sqlx::query!(
        "update source set last_sync_at = now(), status = 'active', sync_cursor = coalesce($2, sync_cursor)
         where source_id = $1",
        job.source_id,
        job.sync.as_ref().and_then(|s| s.cursor.clone())
    )
    .execute(&mut *tx)
    .await?;
    // The outcome commits with the data: a run is never recorded as failed when its data is in.
    ticker.abort();
    summary.succeeded = true;
    summary.seconds = started.elapsed().as_secs_f64();
    record_outcome(&mut tx, summary, progress).await?;
    tx.commit().await?;
    Ok(())
}

/// One load per source at a time, and the time zones the load reads and counts days in.
async fn begin_load(tx: &mut sqlx::PgConnection, job: &Job) -> Result<(), IngestError> {
    let (settings, store) = (&job.settings, &job.store);
    sqlx::query!(
        "select pg_advisory_xact_lock($1, $2)",
        SOURCE_LOCK,
        job.source_id as i32
    )
    .execute(&mut *tx)
    .await?;
    // The rollup counts days in the store time zone: make sure it is recorded (a no-op after the
    // first time). Then the file's times are local to the source's zone.
    app::rollup::set_store_timezone(&mut *tx, &store.timezone).await?;
    let timezone = settings
        .timezone
        .clone()
        .unwrap_or_else(|| store.timezone.clone());
    sqlx::query!("select set_config('TimeZone', $1, true)", timezone)
        .fetch_one(&mut *tx)
        .await?;
    Ok(())
}

/// Parses one file on a blocking thread while its rows stream by COPY into the staging table
/// `table`, then readies the table for the merges.
async fn stage_file(
    tx: &mut sqlx::PgConnection,
    job: &Job,
    table: &str,
    layout: Layout,
    input: &InputFile,
    progress: &Arc<Progress>,
) -> Result<Parsed, IngestError> {
    load::create_staging(&mut *tx, layout.kind, table).await?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let parse_progress = progress.clone();
    let parse_input = input.clone();
    let date_order = job.settings.date_order;
    let limits = job.store.limits;
    let parser = tokio::task::spawn_blocking(move || {
        parse_file(
            &parse_input,
            layout,
            date_order,
            limits,
            &parse_progress,
            sender,
        )
    });
    let mut copy = tx.copy_in_raw(&load::copy_statement(table)).await?;
    let mut copy_error = None;
    while let Some(batch) = receiver.recv().await {
        if let Err(err) = copy.send(batch).await {
            copy_error = Some(err);
            break;
        }
    }
    drop(receiver);
    let parsed = parser.await.map_err(|e| IngestError::File {
        file: input.name.clone(),
        message: format!("the parser stopped: {e}"),
    })?;
    let parsed = match (parsed, copy_error) {
        // A broken COPY stops the parser too; the database's error is the one that says why.
        (_, Some(err)) => return Err(err.into()),
        (Err(err), None) => {
            let _ = copy.abort("parse failed").await;
            return Err(err);
        }
        (Ok(parsed), None) => parsed,
    };
    copy.finish().await?;
    // Statistics for the staged rows (autovacuum never analyses temporary tables), and no
    // nested loops for the merges of a large file: with fresh statistics of a large order-line
    // table the planner chose nested loops over it that ran for minutes. A small file (a few
    // orders, a webhook's one order) keeps them: its merge is a few index probes, where hash
    // joins would read every order (1.5 s per order at 10M lines).
    // The staging table's name is made per file at run time: not checkable at compile time.
    sqlx::query(&format!("analyze {table}"))
        .execute(&mut *tx)
        .await?;
    if parsed.rows > LARGE_FILE_ROWS {
        sqlx::query!("set local enable_nestloop = off")
            .execute(&mut *tx)
            .await?;
    }
    Ok(parsed)
}

/// Adds what one file gave (rows, rejections, notes, counts) to the run's summary.
fn add_file(
    summary: &mut RunSummary,
    input: &InputFile,
    kind: FileKind,
    parsed: Parsed,
    left_out: Vec<Rejection>,
    merged: load::Merged,
) {
    let rejected = parsed.rejected + left_out.len() as u64 + merged.rejected.len() as u64;
    let rows = parsed
        .kept
        .into_iter()
        .chain(left_out.into_iter().map(|r| (r, String::new())))
        .chain(merged.rejected.into_iter().map(|r| (r, String::new())));
    for (r, raw) in rows {
        if summary.rejections.len() < MAX_KEPT_REJECTIONS {
            summary.rejections.push(RejectedRow {
                file: input.name.clone(),
                line: r.line,
                column: r.column,
                reason: r.reason,
                raw,
            });
        }
    }
    summary
        .rejections
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    summary.notes.extend(file_notes(
        &input.name,
        kind,
        &parsed.notes,
        parsed.duplicates,
        parsed.date_order,
    ));
    summary
        .notes
        .extend(merged.notes.iter().map(|n| format!("{}: {n}", input.name)));
    summary.files.push(FileSummary {
        name: input.name.clone(),
        kind,
        rows: parsed.rows,
        inserted: merged.inserted,
        updated: merged.updated,
        rejected,
    });
    summary.rows_read += parsed.rows;
    summary.inserted += merged.inserted;
    summary.updated += merged.updated;
    summary.rejected += rejected;
}

/// Refuses the run when more rows were rejected than the source allows.
fn check_rejected(summary: &RunSummary, settings: &SourceSettings) -> Result<(), IngestError> {
    if summary.rejected > 0 {
        let percent = summary.rejected as f64 * 100.0 / summary.rows_read.max(1) as f64;
        if percent > settings.max_rejected_percent {
            let first = summary
                .rejections
                .first()
                .map(|r| format!("{}, line {}: {}", r.file, r.line, r.reason))
                .unwrap_or_default();
            return Err(IngestError::TooManyRejected {
                rejected: summary.rejected,
                read: summary.rows_read,
                percent,
                allowed: settings.max_rejected_percent,
                first,
            });
        }
    }
    Ok(())
}

/// Rebuilds the rollup days the run's orders touched and those of products whose category
/// changed, then the summaries of customers whose country or first-seen time changed.
async fn refresh_rollup(tx: &mut sqlx::PgConnection, touched: TimeSpan) -> Result<(), IngestError> {
    // Products whose category changed (by any file in this run) move their lines between
    // rollup rows: their days are rebuilt too.
    let recategorised = sqlx::query!(
        r#"with dirty as (delete from rollup_dirty_product returning product_id)
         select min(o.ordered_at) as "first: chrono::DateTime<chrono::Utc>",
                max(o.ordered_at) as "last: chrono::DateTime<chrono::Utc>"
         from order_line l join sales_order o using (sales_order_id)
         where l.product_id in (select product_id from dirty)"#,
    )
    .fetch_one(&mut *tx)
    .await?;
    let touched = widen(touched, recategorised.first.zip(recategorised.last));

    let phase = Instant::now();
    sqlx::query!("select pg_advisory_xact_lock($1)", ROLLUP_LOCK)
        .execute(&mut *tx)
        .await?;
    if let Some((first, last)) = touched {
        // The rollup refresh plans with nested loops (a large file's merge turned them off):
        // rebuilding one day's customers probes indexes; hash joins would read whole tables.
        sqlx::query!("set local enable_nestloop to default")
            .execute(&mut *tx)
            .await?;
        let days = sqlx::query!(
            r#"select ($1::timestamptz at time zone timezone)::date as "first!: chrono::NaiveDate",
                      ($2::timestamptz at time zone timezone)::date as "last!: chrono::NaiveDate"
               from rollup_state"#,
            first as _,
            last as _
        )
        .fetch_one(&mut *tx)
        .await?;
        app::rollup::refresh_days(&mut *tx, days.first, days.last).await?;
    } else {
        // No order moved, but products, stock or prices may have: results cached for the old
        // data must not be read again (refresh_days bumps the version when days are rebuilt).
        app::rollup::bump_data_version(&mut *tx).await?;
    }
    // Customers whose country or first-seen time changed without an order on the days above (a
    // file of customers alone).
    app::rollup::refresh_noted_customers(&mut *tx).await?;
    tracing::debug!(secs = phase.elapsed().as_secs_f64(), "rollup refreshed");
    Ok(())
}

fn file_notes(
    name: &str,
    kind: FileKind,
    notes: &FileNotes,
    duplicates: u64,
    order: DateOrder,
) -> Vec<String> {
    let mut out = vec![format!("{name}: read as {}", kind.label())];
    if duplicates > 0 {
        out.push(format!("{name}: {duplicates} rows repeat an earlier row of their order exactly; each is kept as its own line"));
    }
    if notes.gzip {
        out.push(format!("{name}: gzip-compressed"));
    }
    if notes.latin1_fields > 0 {
        out.push(format!(
            "{name}: {} fields were not UTF-8 and were read as ISO-8859-1 (Latin-1)",
            notes.latin1_fields
        ));
    }
    if order != DateOrder::Auto {
        out.push(format!("{name}: dates read {order}"));
    }
    out
}

/// What parsing one file produced (its rows went to COPY as they were parsed).
struct Parsed {
    rows: u64,
    rejected: u64,
    kept: Vec<(Rejection, String)>,
    /// Orders (invoices) with a rejected line.
    rejected_orders: Vec<String>,
    /// Rows that repeat an earlier row of the same order exactly.
    duplicates: u64,
    notes: FileNotes,
    date_order: DateOrder,
}

/// Runs on a blocking thread: reads and parses rows, sending staged CSV in batches.
fn parse_file(
    input: &InputFile,
    layout: Layout,
    date_order: DateOrder,
    limits: ValueLimits,
    progress: &Progress,
    sender: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<Parsed, IngestError> {
    struct State {
        parser: RowParser,
        settled: bool,
        sample: Vec<(u64, Vec<String>)>,
        writer: csv::Writer<Vec<u8>>,
        rows: u64,
        rejected: u64,
        kept: Vec<(Rejection, String)>,
        rejected_orders: std::collections::BTreeSet<String>,
        repeats: formats::Repeats,
        sender: tokio::sync::mpsc::Sender<Vec<u8>>,
    }
    impl State {
        fn handle(&mut self, line: u64, fields: Vec<String>) -> Result<(), IngestError> {
            match self.parser.parse(line, &fields) {
                Ok(record) => {
                    self.note_repeat(&fields);
                    self.writer
                        .write_record(&record)
                        .map_err(|e| IngestError::File {
                            file: String::new(),
                            message: e.to_string(),
                        })?
                }
                Err(rejection) => {
                    self.rejected += 1;
                    if let Some(key) = self.parser.order_key(&fields) {
                        self.rejected_orders.insert(key);
                    }
                    if self.kept.len() < MAX_KEPT_REJECTIONS {
                        let mut raw = csv::Writer::from_writer(Vec::new());
                        let _ = raw.write_record(&fields);
                        let raw = String::from_utf8_lossy(&raw.into_inner().unwrap_or_default())
                            .trim_end()
                            .to_string();
                        self.kept.push((rejection, raw));
                    }
                }
            }
            if self.writer.get_ref().len() >= BATCH_BYTES {
                self.flush()?;
            }
            Ok(())
        }
        fn note_repeat(&mut self, fields: &[String]) {
            if let Some(order) = self.parser.order_key(fields) {
                self.repeats.note(order, fields);
            }
        }
        fn settle(&mut self) -> Result<(), IngestError> {
            let rows: Vec<Vec<String>> = self.sample.iter().map(|(_, f)| f.clone()).collect();
            self.parser.settle_date_order(&rows);
            self.settled = true;
            for (line, fields) in std::mem::take(&mut self.sample) {
                self.handle(line, fields)?;
            }
            Ok(())
        }
        fn flush(&mut self) -> Result<(), IngestError> {
            let batch = std::mem::replace(
                &mut self.writer,
                csv::Writer::from_writer(Vec::with_capacity(BATCH_BYTES + (1 << 16))),
            );
            let bytes = batch.into_inner().map_err(|e| IngestError::File {
                file: String::new(),
                message: e.to_string(),
            })?;
            if !bytes.is_empty() {
                self.sender
                    .blocking_send(bytes)
                    .map_err(|_| IngestError::Cancelled)?;
            }
            Ok(())
        }
    }

    let mut state = State {
        parser: RowParser::new(layout, date_order, limits, chrono::Utc::now().date_naive()),
        settled: date_order != DateOrder::Auto,
        sample: Vec::new(),
        writer: csv::Writer::from_writer(Vec::with_capacity(BATCH_BYTES + (1 << 16))),
        rows: 0,
        rejected: 0,
        kept: Vec::new(),
        rejected_orders: Default::default(),
        repeats: Default::default(),
        sender,
    };
    let notes = file::read_rows(&input.path, &input.name, progress, |event| {
        if let Event::Row { line, fields } = event {
            state.rows += 1;
            progress.rows.fetch_add(1, Ordering::Relaxed);
            if state.settled {
                state.handle(line, fields)?;
            } else {
                state.sample.push((line, fields));
                if state.sample.len() >= SAMPLE_ROWS {
                    state.settle()?;
                }
            }
        }
        Ok(ControlFlow::Continue(()))
    })?;
    if !state.settled {
        state.settle()?;
    }
    if state.rows == 0 {
        return Err(IngestError::File {
            file: input.name.clone(),
            message: "has a header but no rows: nothing to load".into(),
        });
    }
    state.flush()?;
    Ok(Parsed {
        rows: state.rows,
        rejected: state.rejected,
        kept: state.kept,
        rejected_orders: state.rejected_orders.into_iter().collect(),
        duplicates: state.repeats.count(),
        notes,
        date_order: state.parser.date_order(),
    })
}

/// Writes the outcome on the run's record, and its rejected rows for the error report.
async fn record_outcome(
    conn: &mut sqlx::PgConnection,
    summary: &RunSummary,
    progress: &Progress,
) -> sqlx::Result<()> {
    let state = if summary.succeeded {
        "succeeded"
    } else {
        "failed"
    };
    let first: Vec<serde_json::Value> = summary
        .rejections
        .iter()
        .take(50)
        .map(|r| serde_json::json!({ "file": r.file, "line": r.line, "column": r.column, "reason": r.reason }))
        .collect();
    sqlx::query!(
        "update ingest_run set state = $2, rows_read = $3, rows_inserted = $4, rows_updated = $5, rows_rejected = $6,
                errors = $7, notes = $8, error = $9, finished_at = clock_timestamp(), bytes_read = $10,
                upload_path = case when $2 = 'succeeded' then null else upload_path end
         where ingest_run_id = $1",
        summary.run_id,
        state,
        summary.rows_read as i64,
        summary.inserted,
        summary.updated,
        summary.rejected as i64,
        serde_json::Value::Array(first),
        serde_json::json!(summary.notes),
        summary.error.as_deref(),
        progress.bytes.load(Ordering::Relaxed) as i64
    )
    .execute(&mut *conn)
    .await?;
    if !summary.rejections.is_empty() {
        let files: Vec<&str> = summary.rejections.iter().map(|r| r.file.as_str()).collect();
        let lines: Vec<i64> = summary.rejections.iter().map(|r| r.line as i64).collect();
        let columns: Vec<Option<&str>> = summary
            .rejections
            .iter()
            .map(|r| r.column.as_deref())
            .collect();
        let reasons: Vec<&str> = summary
            .rejections
            .iter()
            .map(|r| r.reason.as_str())
            .collect();
        let raws: Vec<&str> = summary.rejections.iter().map(|r| r.raw.as_str()).collect();
        sqlx::query!(
            "insert into ingest_rejection (ingest_run_id, file_name, line, column_name, reason, raw)
             select $1, f, l, c, r, w from unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) as u(f, l, c, r, w)",
            summary.run_id,
            &files as _,
            &lines,
            &columns as _,
            &reasons as _,
            &raws as _
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Removes the folders under `upload_dir` that no ingest run refers to (a retry's files are
/// referred to until the run succeeds or its source is deleted) once they are older than
/// `max_age`: uploads cut off before their run was registered. Returns the folders removed.
pub async fn clean_orphan_uploads(
    pool: &PgPool,
    upload_dir: &std::path::Path,
    max_age: Duration,
) -> anyhow::Result<Vec<PathBuf>> {
    let kept = sqlx::query_scalar!(
        r#"select upload_path as "upload_path!" from ingest_run where upload_path is not null"#
    )
    .fetch_all(pool)
    .await?;
    let kept: std::collections::HashSet<std::ffi::OsString> = kept
        .iter()
        .filter_map(|p| {
            std::path::Path::new(p)
                .file_name()
                .map(|n| n.to_os_string())
        })
        .collect();
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(upload_dir) else {
        return Ok(removed);
    };
    for entry in entries.flatten() {
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if kept.contains(&entry.file_name()) || age.is_none_or(|age| age < max_age) {
            continue;
        }
        let path = entry.path();
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match gone {
            Ok(()) => removed.push(path),
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "could not remove an orphaned upload")
            }
        }
    }
    Ok(removed)
}
