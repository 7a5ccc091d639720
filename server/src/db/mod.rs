//! The database: the embedded PostgreSQL or the one `DATABASE_URL` names, the pool, migrations,
//! the data folder's owner lock and the supervision of the embedded server.
pub mod embedded;

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::Settings;
use embedded::EmbeddedPostgres;

/// The database StorePulse talks to, and the embedded server behind it if this process runs it
/// (`None` for `DATABASE_URL`, and for a command attached to a running server's database).
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded PostgreSQL; then migrates. With the
    /// embedded database the caller must hold the data folder's `DataLock`.
    pub async fn open(settings: &Settings) -> anyhow::Result<Database> {
        let (options, embedded) = match &settings.database_url {
            Some(url) => (
                PgConnectOptions::from_str(url.expose())
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?,
                None,
            ),
            None => {
                let pg = EmbeddedPostgres::start(
                    &settings.data_dir.join("postgres"),
                    settings.pg_bin_dir.as_deref(),
                )
                .await?;
                (pg.connect_options(), Some(pg))
            }
        };
        Self::connect(settings, options, embedded).await
    }

    /// Connects to the embedded PostgreSQL that the server owning the data folder runs; this
    /// process never starts or stops it.
    pub async fn attach(settings: &Settings) -> anyhow::Result<Database> {
        let bin_dir = embedded::bin_dir(settings.pg_bin_dir.as_deref())?;
        let pg = EmbeddedPostgres::attach(&settings.data_dir.join("postgres"), bin_dir)?;
        let pool = Self::pool(settings, pg.connect_options()).await?;
        // The server owns the schema: a newer CLI does not migrate under a running older server.
        let applied: Vec<i64> =
            sqlx::query_scalar("select version from _sqlx_migrations where success")
                .fetch_all(&pool)
                .await
                .context("cannot read the server's schema version")?;
        if let Some(missing) = app::MIGRATOR.iter().find(|m| !applied.contains(&m.version)) {
            anyhow::bail!(
                "the running server's database lacks migration {} ({}): stop the server and start \
                 it with this version of storepulse first",
                missing.version,
                missing.description
            );
        }
        Ok(Database {
            pool,
            embedded: None,
        })
    }

    async fn connect(
        settings: &Settings,
        options: PgConnectOptions,
        embedded: Option<EmbeddedPostgres>,
    ) -> anyhow::Result<Database> {
        let pool = Self::pool(settings, options).await?;
        migrate(&pool).await?;
        Ok(Database { pool, embedded })
    }

    async fn pool(settings: &Settings, options: PgConnectOptions) -> anyhow::Result<PgPool> {
        PgPoolOptions::new()
            .max_connections(settings.db_max_connections)
            .acquire_timeout(Duration::from_millis(settings.db_acquire_timeout_ms))
            .connect_with(options)
            .await
            .context("cannot connect to the database")
    }

    pub async fn close(self) {
        self.pool.close().await;
        if let Some(pg) = self.embedded {
            if let Err(err) = pg.stop().await {
                tracing::error!(%err, "could not stop the embedded PostgreSQL");
            }
        }
    }
}

/// Applies StorePulse's migrations and the session store's table.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    app::MIGRATOR
        .run(pool)
        .await
        .context("database migration failed")?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .migrate()
        .await
        .context("session store migration failed")?;
    Ok(())
}

/// The file in the data folder whose lock marks its owner; it holds the owner's pid and command.
pub const LOCK_FILE: &str = "storepulse.lock";

/// The exclusive hold of a data folder (an advisory `flock` on `storepulse.lock`), released when
/// dropped or when the process ends in any way.
pub struct DataLock {
    _file: std::fs::File,
}

/// The process that holds a data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: String,
    /// `serve`, `ingest`, …
    pub command: String,
}

impl DataLock {
    /// Takes the data folder for `command`, or names the process that has it.
    pub fn claim(data_dir: &Path, command: &str) -> anyhow::Result<Result<DataLock, Owner>> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                writeln!(file, "{} {command}", std::process::id())?;
                Ok(Ok(DataLock { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let mut words = text.split_whitespace();
                Ok(Err(Owner {
                    pid: words.next().unwrap_or("unknown").to_string(),
                    command: words.next().unwrap_or("unknown").to_string(),
                }))
            }
            Err(std::fs::TryLockError::Error(err)) => {
                Err(err).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }
}

/// Whether the database answers, as the supervisor last found it; `/ready` reports it.
#[derive(Clone, Default)]
pub struct DbHealth(Arc<HealthInner>);

#[derive(Default)]
struct HealthInner {
    /// Why the database is unavailable; `None` while it answers.
    down: RwLock<Option<String>>,
    wake: tokio::sync::Notify,
}

impl DbHealth {
    /// The reason the database is unavailable, if it is.
    pub fn down_reason(&self) -> Option<String> {
        self.0.down.read().map(|d| d.clone()).unwrap_or_default()
    }

    fn set(&self, reason: Option<String>) {
        if let Ok(mut down) = self.0.down.write() {
            *down = reason;
        }
    }

    /// A query failed: look at the database now rather than at the next interval.
    pub fn check_now(&self) {
        self.0.wake.notify_one();
    }
}

/// Watches the database every `interval` (and whenever `check_now` is called): an embedded
/// PostgreSQL that died is restarted, and the pool reconnects by itself. Each change is logged
/// and kept in the returned `DbHealth`. Abort the task before closing the database.
pub fn supervise(db: &Database, interval: Duration) -> (DbHealth, tokio::task::JoinHandle<()>) {
    let health = DbHealth::default();
    let (pool, pg, watched) = (db.pool.clone(), db.embedded.clone(), health.clone());
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = watched.0.wake.notified() => {}
            }
            if let Some(pg) = pg.as_ref().filter(|pg| !pg.postmaster_alive()) {
                tracing::error!("the embedded PostgreSQL is not running: restarting it");
                watched.set(Some(
                    "the embedded PostgreSQL stopped; it is being restarted".into(),
                ));
                match pg.restart().await {
                    Ok(()) => {
                        tracing::info!("the embedded PostgreSQL was restarted");
                        // Runs that were loading lost their connection with it: nothing of them
                        // was kept, and their files stay for a retry.
                        match crate::ingest::run::mark_interrupted(&pool).await {
                            Ok(ids) => {
                                for id in ids {
                                    tracing::warn!(run_id = id, "ingest run was interrupted by the database's stop; marked as interrupted");
                                }
                            }
                            Err(err) => {
                                tracing::warn!(%err, "interrupted ingest runs could not be marked yet")
                            }
                        }
                    }
                    Err(err) => {
                        tracing::error!(
                            err = format!("{err:#}"),
                            "the embedded PostgreSQL could not be restarted; trying again"
                        );
                        watched.set(Some(format!(
                            "the embedded PostgreSQL stopped and could not be restarted yet: {err:#}"
                        )));
                        continue;
                    }
                }
            }
            let answered = sqlx::query_scalar::<_, i32>("select 1")
                .fetch_one(&pool)
                .await;
            match (answered, watched.down_reason()) {
                (Ok(_), Some(_)) => {
                    tracing::info!("the database answers again");
                    watched.set(None);
                }
                (Err(err), None) => {
                    tracing::warn!(%err, "the database does not answer");
                    watched.set(Some(format!("the database does not answer: {err}")));
                }
                _ => {}
            }
        }
    });
    (health, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_names_the_owner_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataLock::claim(dir.path(), "serve").unwrap().unwrap();
        let owner = DataLock::claim(dir.path(), "ingest")
            .unwrap()
            .err()
            .unwrap();
        assert_eq!(
            owner,
            Owner {
                pid: std::process::id().to_string(),
                command: "serve".into()
            }
        );
        drop(first);
        assert!(DataLock::claim(dir.path(), "ingest").unwrap().is_ok());
    }
}
