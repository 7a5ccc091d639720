//! The database: the embedded PostgreSQL or the one `DATABASE_URL` names, the pool, migrations.
pub mod embedded;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::Settings;
use embedded::EmbeddedPostgres;

/// The database StorePulse talks to, and the embedded server behind it if there is one.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded PostgreSQL; then migrates.
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
        let pool = PgPoolOptions::new()
            .max_connections(settings.db_max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("cannot connect to the database")?;
        migrate(&pool).await?;
        Ok(Database { pool, embedded })
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
