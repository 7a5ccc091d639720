//! The durable schedule of syncs (`sync_job`). Each connection keeps one queued job, due its
//! interval after the last sync finished (at once for a new connection, or after a sync whose
//! process died). Every server runs a worker that claims due jobs with `FOR UPDATE SKIP LOCKED`
//! and runs each while holding the connection's sync lock, so two servers never run the same
//! sync; a job left `running` by a process that died is found by its free lock, marked
//! interrupted, and its connection is due again at once — its data up to the last batch that
//! loaded stays, with the cursor that covers it, so the next sync neither loses nor repeats it.
//! Syncs asked for by hand (API, CLI) are recorded in the same table.
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use app::error::AppError;
use app::features::sources::credentials::CredentialsKey;
use app::features::sources::types::{SyncJob, SyncReport};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::sync::{self, SyncLock, SyncOptions, SyncProgress, SYNC_LOCK};

/// Why a sync ran.
#[derive(Debug, Clone, Copy)]
pub enum Reason {
    Schedule,
    Manual,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Schedule => "schedule",
            Reason::Manual => "manual",
        }
    }
}

/// A connection's syncs, newest first.
pub async fn history(pool: &PgPool, id: i64, limit: i64) -> sqlx::Result<Vec<SyncJob>> {
    let rows = sqlx::query!(
        r#"select sync_job_id, source_id, reason, state, due_at as "due_at: DateTime<Utc>",
                  started_at as "started_at: DateTime<Utc>", finished_at as "finished_at: DateTime<Utc>",
                  extract(epoch from coalesce(finished_at, now()) - started_at)::float8 as seconds,
                  claimed_by, pages, orders, inserted, updated, run_ids, error
           from sync_job where source_id = $1 order by sync_job_id desc limit $2"#,
        id,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SyncJob {
            id: r.sync_job_id,
            connection_id: r.source_id,
            reason: r.reason,
            state: r.state,
            due_at: r.due_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            seconds: r.seconds,
            claimed_by: r.claimed_by,
            pages: r.pages,
            orders: r.orders,
            inserted: r.inserted,
            updated: r.updated,
            run_ids: r.run_ids,
            error: r.error,
        })
        .collect())
}

/// This process, as the history names it.
pub fn worker_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| format!("pid {} ({:04x})", std::process::id(), rand::random::<u16>()))
        .clone()
}

/// Runs a sync of connection `id` now, recorded in the history. Refused (409) while another
/// sync of it runs anywhere.
pub async fn run_now(
    pool: &PgPool,
    key: &CredentialsKey,
    id: i64,
    options: &SyncOptions,
    progress: Arc<SyncProgress>,
) -> Result<(i64, SyncReport), AppError> {
    let name = super::connection::open(pool, key, id).await?.name;
    let lock = SyncLock::try_take(pool, id)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("A sync of '{name}' is running already.")))?;
    let job = sqlx::query_scalar!(
        "insert into sync_job (source_id, reason, state, started_at, claimed_by, requested_by)
         values ($1, $2, 'running', now(), $3, $4) returning sync_job_id",
        id,
        Reason::Manual.as_str(),
        worker_name(),
        options.started_by
    )
    .fetch_one(pool)
    .await;
    let job = match job {
        Ok(job) => job,
        Err(err) => {
            lock.release().await;
            return Err(err.into());
        }
    };
    let report = run_job(pool, key, &lock, job, options, progress).await;
    lock.release().await;
    Ok((job, report?))
}

/// Runs job `job` under `lock` and records how it ended.
async fn run_job(
    pool: &PgPool,
    key: &CredentialsKey,
    lock: &SyncLock,
    job: i64,
    options: &SyncOptions,
    progress: Arc<SyncProgress>,
) -> Result<SyncReport, AppError> {
    // While it runs, its pages and orders so far are written to its row every second: the
    // Data sources page (and the history route) show a running sync's progress.
    let ticker = {
        let (pool, progress) = (pool.clone(), progress.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                let _ = sqlx::query!(
                    "update sync_job set pages = $2, orders = $3 where sync_job_id = $1",
                    job,
                    progress.pages.load(Ordering::Relaxed) as i64,
                    progress.orders.load(Ordering::Relaxed) as i64
                )
                .execute(&pool)
                .await;
            }
        })
    };
    let result = sync::sync(pool, key, lock, options, progress).await;
    ticker.abort();
    let (state, error, report) = match &result {
        Ok(report) if report.error.is_none() => ("succeeded", None, Some(report)),
        Ok(report) => ("failed", report.error.clone(), Some(report)),
        Err(err) => ("failed", Some(err.to_string()), None),
    };
    sqlx::query!(
        "update sync_job set state = $2, finished_at = now(), error = $3, pages = $4, orders = $5,
                inserted = $6, updated = $7, run_ids = $8
         where sync_job_id = $1",
        job,
        state,
        error,
        report.map_or(0, |r| r.pages as i64),
        report.map_or(0, |r| r.orders as i64),
        report.map_or(0, |r| r.inserted),
        report.map_or(0, |r| r.updated),
        &report.map(|r| r.run_ids.clone()).unwrap_or_default()
    )
    .execute(pool)
    .await?;
    result
}

/// Marks running jobs whose process died (their connection's sync lock is free) as interrupted.
pub async fn mark_interrupted(pool: &PgPool) -> sqlx::Result<Vec<i64>> {
    let mut conn = pool.acquire().await?;
    let ids = sqlx::query_scalar!(
        "update sync_job set state = 'interrupted', finished_at = now(),
                error = 'the process running this sync stopped (a restart or a crash); what it had loaded stays, and the connection syncs again at once from there'
         where state = 'running' and pg_try_advisory_lock($1, source_id::int)
         returning sync_job_id",
        SYNC_LOCK
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query!("select pg_advisory_unlock_all()")
        .execute(&mut *conn)
        .await?;
    Ok(ids)
}

/// Queues the next sync of every connection that has none queued or running: its interval after
/// the last one finished (at once for a new connection, or after one that was interrupted).
pub async fn enqueue(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        r#"insert into sync_job (source_id, reason, due_at)
           select c.source_id, 'schedule',
                  case when last.state = 'interrupted' or last.finished_at is null then now()
                       else last.finished_at + make_interval(mins => c.sync_every_minutes) end
           from shop_connection c
           left join lateral (select j.state, j.finished_at from sync_job j where j.source_id = c.source_id
                              order by j.sync_job_id desc limit 1) last on true
           where not exists (select 1 from sync_job j where j.source_id = c.source_id
                               and j.state in ('queued', 'running'))
           on conflict do nothing"#
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Claims one due job: the job turns `running` only once its connection's sync lock is held.
async fn claim(pool: &PgPool) -> sqlx::Result<Option<(i64, SyncLock)>> {
    let mut tx = pool.begin().await?;
    let Some(due) = sqlx::query!(
        "select sync_job_id, source_id from sync_job
         where state = 'queued' and due_at <= now()
         order by due_at limit 1 for update skip locked"
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let Some(lock) = SyncLock::try_take(pool, due.source_id).await? else {
        // A sync of it asked for by hand is running: this one waits a minute.
        sqlx::query!(
            "update sync_job set due_at = now() + interval '1 minute' where sync_job_id = $1",
            due.sync_job_id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(None);
    };
    sqlx::query!(
        "update sync_job set state = 'running', started_at = now(), claimed_by = $2 where sync_job_id = $1",
        due.sync_job_id,
        worker_name()
    )
    .execute(&mut *tx)
    .await?;
    if let Err(err) = tx.commit().await {
        lock.release().await;
        return Err(err);
    }
    Ok(Some((due.sync_job_id, lock)))
}

/// One round of the worker: finds interrupted syncs, queues the next ones, and runs every due
/// job it can claim. Returns the jobs it ran.
pub async fn tick(
    pool: &PgPool,
    key: &CredentialsKey,
    options: &SyncOptions,
) -> Result<Vec<i64>, AppError> {
    for job in mark_interrupted(pool).await? {
        tracing::warn!(
            job,
            "a sync's process stopped before it finished: marked interrupted"
        );
    }
    enqueue(pool).await?;
    // Deliveries are kept a week: long enough for any redelivery to be recognised.
    sqlx::query!("delete from webhook_delivery where received_at < now() - interval '7 days'")
        .execute(pool)
        .await?;
    let mut ran = Vec::new();
    while let Some((job, lock)) = claim(pool).await? {
        let result = run_job(pool, key, &lock, job, options, Arc::default()).await;
        lock.release().await;
        match result {
            Ok(report) if report.error.is_none() => {
                tracing::info!(
                    job,
                    orders = report.orders,
                    seconds = report.seconds,
                    "scheduled sync done"
                )
            }
            Ok(report) => tracing::warn!(
                job,
                error = report.error.as_deref(),
                "scheduled sync stopped early"
            ),
            Err(err) => tracing::warn!(job, %err, "scheduled sync failed"),
        }
        ran.push(job);
        // The next sync of this connection is queued before the next claim.
        enqueue(pool).await?;
    }
    Ok(ran)
}

/// The worker of this process: a round every `every`.
pub fn spawn(
    pool: PgPool,
    key: CredentialsKey,
    options: SyncOptions,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(err) = tick(&pool, &key, &options).await {
                tracing::warn!(%err, "the sync worker's round failed; trying again next round");
            }
        }
    })
}
