//! The `storepulse` command line.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use app::features::auth::types::Role;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::{embedded::EmbeddedPostgres, DataLock, Database};
use crate::ingest::demo::{self, DemoOptions};
use crate::ingest::run::{self as ingest_run, InputFile, Store};
use crate::ingest::source::{forget_source, prepare_job, JobOptions, Prepared, SourceRef, Target};
use crate::{bootstrap, keys::Keys, startup, telemetry};
use formats::{DateOrder, FormatChoice};

#[derive(Parser)]
#[command(
    name = "storepulse",
    version,
    about = "StorePulse: sales, customer and inventory analytics for online shops"
)]
pub struct Cli {
    /// Settings file (TOML). Optional; STOREPULSE_* environment variables override it.
    #[arg(
        long,
        global = true,
        env = "STOREPULSE_CONFIG",
        default_value = "storepulse.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Generate the demo shop's data (replaces an earlier demo data set).
    Demo {
        /// About how many orders to generate.
        #[arg(long, default_value_t = demo::DEFAULT_ORDERS)]
        orders: u64,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Last day of the data (default: today in the store time zone).
        #[arg(long)]
        end_date: Option<NaiveDate>,
        /// Number of days of history.
        #[arg(long, default_value_t = 730)]
        days: u32,
    },
    /// Load files (CSV, CSV.gz or XLSX) into a data source, all or nothing.
    Ingest {
        /// The files; a star-schema export is its customers, products and sales files together.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The source to load into (created as a file source if it does not exist).
        #[arg(long, default_value = "Uploads")]
        source: String,
        /// auto, transactions, star, catalog or competitor.
        #[arg(long, default_value = "auto")]
        format: FormatChoice,
        /// auto, month-first or day-first (stored on the source).
        #[arg(long)]
        date_order: Option<DateOrder>,
        /// Time zone of the file's times, e.g. Europe/London (stored on the source).
        #[arg(long)]
        timezone: Option<String>,
        /// Rejected rows (in %) a run may have and still load the rest (stored on the source).
        #[arg(long)]
        max_rejected_percent: Option<f64>,
    },
    /// Connect a shop (shopify, woocommerce or magento): the access token (WooCommerce: the consumer
    /// key) is read from STOREPULSE_SHOP_TOKEN or asked for, a WooCommerce consumer secret from
    /// STOREPULSE_SHOP_SECRET; tested with the platform, and saved sealed. Then `storepulse sync NAME`.
    Connect {
        /// shopify, woocommerce or magento
        platform: String,
        /// The connection's (source's) name.
        #[arg(long)]
        name: String,
        /// The shop, e.g. mystore or https://mystore.myshopify.com
        #[arg(long)]
        shop: String,
    },
    /// Sync a connected shop now: what changed since the last sync, in batches that each load
    /// all or nothing. A sync that stops early resumes there the next time.
    Sync {
        /// The connection's name.
        name: String,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Run a command with a throw-away embedded PostgreSQL; the command gets its URL in DATABASE_URL.
    /// Used by `make test` when no DATABASE_URL is set, and by `make bench` (with --keep).
    WithPostgres {
        /// Folder for the throw-away cluster (emptied before and after, unless --keep).
        #[arg(long)]
        data_dir: PathBuf,
        /// Keep the cluster in the folder between runs (the benchmark's large demo shop).
        #[arg(long)]
        keep: bool,
        /// The command and its arguments.
        #[arg(trailing_var_arg = true, required = true)]
        command: Vec<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is read from STOREPULSE_PASSWORD or asked for.
    Add {
        #[arg(long)]
        email: String,
        /// viewer, analyst or admin
        #[arg(long)]
        role: Role,
    },
    /// List the users.
    List,
    /// Give a user a new password and end their sessions.
    ///
    /// The password is read from STOREPULSE_PASSWORD or asked for; with --generate a random
    /// one is printed, once.
    Password {
        #[arg(long)]
        email: String,
        /// Generate a random password and print it.
        #[arg(long)]
        generate: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    // Server-side rendering of a dashboard polls deeply nested futures; unoptimised (debug) builds
    // need more than the default 2 MiB of stack for them (seen as a stack overflow in CI).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => serve(settings, startup::shutdown_signal())
            .await
            .map(|_| ExitCode::SUCCESS),
        Command::WithPostgres {
            data_dir,
            keep,
            command,
        } => with_postgres(&settings, data_dir, keep, command).await,
        command => {
            let (db, _lock) = open_for_command(&settings, command.name()).await?;
            let result = run_with_database(command, &settings, &db).await;
            db.close().await;
            result.map(|_| ExitCode::SUCCESS)
        }
    }
}

impl Command {
    /// The name the data folder's lock file shows for its owner.
    fn name(&self) -> &'static str {
        match self {
            Command::Serve => "serve",
            Command::Migrate => "migrate",
            Command::Demo { .. } => "demo",
            Command::Ingest { .. } => "ingest",
            Command::Connect { .. } => "connect",
            Command::Sync { .. } => "sync",
            Command::User { .. } => "user",
            Command::WithPostgres { .. } => "with-postgres",
        }
    }
}

/// The database for a command other than `serve`. With the embedded database: while a server
/// owns the data folder, the command connects to that server's PostgreSQL and never starts or
/// stops it; otherwise the command owns the folder (and its PostgreSQL) until it ends.
async fn open_for_command(
    settings: &Settings,
    command: &str,
) -> anyhow::Result<(Database, Option<DataLock>)> {
    if settings.database_url.is_some() {
        return Ok((Database::open(settings).await?, None));
    }
    match DataLock::claim(&settings.data_dir, command)? {
        Ok(lock) => Ok((Database::open(settings).await?, Some(lock))),
        Err(owner) if owner.command == "serve" => {
            tracing::info!(pid = %owner.pid, "a server owns the data folder: using its database");
            let db = Database::attach(settings).await.with_context(|| {
                format!(
                    "the StorePulse server (pid {}) owns the data folder {}, but its database does not answer",
                    owner.pid,
                    settings.data_dir.display()
                )
            })?;
            Ok((db, None))
        }
        Err(owner) => anyhow::bail!(
            "the data folder {} is in use by `storepulse {}` (pid {}); wait for it to finish",
            settings.data_dir.display(),
            owner.command,
            owner.pid
        ),
    }
}

async fn run_with_database(
    command: Command,
    settings: &Settings,
    db: &Database,
) -> anyhow::Result<()> {
    match command {
        Command::Migrate => println!("database is up to date"),
        Command::Demo {
            orders,
            seed,
            end_date,
            days,
        } => {
            let end_date = match end_date {
                Some(day) => day,
                None => app::dashboard::queries::store_today(&db.pool).await?,
            };
            let options = DemoOptions {
                orders,
                seed,
                end_date,
                days,
                timezone: settings.store_timezone.clone(),
                inventory: settings.inventory,
            };
            let report = demo::generate(&db.pool, &options, true).await?;
            println!("{report}");
            let created = bootstrap::create_demo_users(&db.pool, settings).await?;
            if !created.is_empty() {
                println!(
                    "Demo accounts, each with its own password (shown once, kept in {}):",
                    settings
                        .data_dir
                        .join(bootstrap::DEMO_LOGINS_FILE)
                        .display()
                );
                for login in created {
                    println!("  {login}");
                }
            }
        }
        Command::Ingest {
            files,
            source,
            format,
            date_order,
            timezone,
            max_rejected_percent,
        } => {
            ingest_files(
                db,
                settings,
                files,
                &source,
                format,
                date_order,
                timezone,
                max_rejected_percent,
            )
            .await?;
        }
        Command::Connect {
            platform,
            name,
            shop,
        } => connect_shop(db, settings, &platform, &name, &shop).await?,
        Command::Sync { name } => sync_shop(db, settings, &name).await?,
        Command::User {
            action: UserCommand::Add { email, role },
        } => {
            let password = given_password(&email)?;
            let id = app::features::auth::service::create_user(&db.pool, &email, &password, role)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("added {email} as {role} (id {id})");
        }
        Command::User {
            action: UserCommand::List,
        } => {
            let users = app::features::auth::queries::list_users(&db.pool).await?;
            println!(
                "{:<6} {:<36} {:<8} {:<9} last login",
                "id", "email", "role", "status"
            );
            for u in users {
                let last = u
                    .last_login_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "never".into());
                let status = if u.disabled { "disabled" } else { "active" };
                println!(
                    "{:<6} {:<36} {:<8} {:<9} {last}",
                    u.app_user_id, u.email, u.role, status
                );
            }
        }
        Command::User {
            action: UserCommand::Password { email, generate },
        } => {
            let password = if generate {
                app::features::auth::service::random_secret(20)
            } else {
                given_password(&email)?
            };
            let email = change_password(&db.pool, settings, &email, password.clone()).await?;
            println!("{email} has a new password; their sessions have ended.");
            if generate {
                println!(
                    "  password: {password}\n(shown once; it is not stored in clear anywhere)"
                );
            }
        }
        Command::Serve | Command::WithPostgres { .. } => unreachable!("handled in run"),
    }
    Ok(())
}

/// The password of a `user` command: STOREPULSE_PASSWORD, or asked for.
/// `storepulse connect`: tests the credentials and saves the connection.
async fn connect_shop(
    db: &Database,
    settings: &Settings,
    platform: &str,
    name: &str,
    shop: &str,
) -> anyhow::Result<()> {
    use crate::ingest::shop::connection;
    use app::features::sources::types::NewConnection;
    let keys = Keys::load_or_generate(settings)?;
    let token = match std::env::var("STOREPULSE_SHOP_TOKEN") {
        Ok(t) if !t.trim().is_empty() => t,
        _ => rpassword::prompt_password(format!("Access token for {shop}: "))
            .context("cannot read the access token")?,
    };
    let new = NewConnection {
        name: name.to_string(),
        platform: platform.to_string(),
        shop_url: shop.to_string(),
        access_token: token,
        // WooCommerce: the consumer secret that goes with the consumer key.
        access_secret: std::env::var("STOREPULSE_SHOP_SECRET").ok(),
        sync_every_minutes: None,
        // The app's API secret key, to receive webhooks (optional).
        webhook_secret: std::env::var("STOREPULSE_SHOP_WEBHOOK_SECRET").ok(),
    };
    let (id, report) = connection::create(
        &db.pool,
        &keys.credentials,
        crate::ingest::shop::connection::reach(settings.connector_test_mode),
        &settings.currency,
        &new,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "Connected '{name}' (id {id}): {} ({}, {})",
        report.shop_name,
        report.shop_currency,
        report
            .shop_timezone
            .as_deref()
            .unwrap_or("time zone unknown")
    );
    for line in &report.can_read {
        println!("  can read: {line}");
    }
    for line in &report.warnings {
        println!("  note: {line}");
    }
    println!("Load its orders with: storepulse sync '{name}'");
    Ok(())
}

/// `storepulse sync`: syncs a connection now, printing pages and orders as they arrive.
async fn sync_shop(db: &Database, settings: &Settings, name: &str) -> anyhow::Result<()> {
    use crate::ingest::shop::schedule;
    use crate::ingest::shop::sync::{SyncOptions, SyncProgress, BATCH_ORDERS};
    use std::sync::atomic::Ordering;
    let keys = Keys::load_or_generate(settings)?;
    let source = app::features::sources::queries::source_by_name(&db.pool, name)
        .await?
        .with_context(|| format!("there is no source named '{name}'"))?;
    let options = SyncOptions {
        store: Store {
            currency: settings.currency.clone(),
            timezone: settings.store_timezone.clone(),
            limits: settings.value_limits(),
        },
        signals: app::features::inventory::refresh::SignalRefresh::new(
            db.pool.clone(),
            settings.inventory,
        ),
        started_by: None,
        reach: crate::ingest::shop::connection::reach(settings.connector_test_mode),
        batch_orders: BATCH_ORDERS,
        work_dir: settings.data_dir.join("uploads"),
    };
    let progress = std::sync::Arc::new(SyncProgress::default());
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let shown = progress.clone();
    let started = std::time::Instant::now();
    let ticker = tokio::spawn({
        let bar = bar.clone();
        async move {
            loop {
                let orders = shown.orders.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{} pages, {} products, {orders} orders ({:.0} orders/s)",
                    shown.pages.load(Ordering::Relaxed),
                    shown.products.load(Ordering::Relaxed),
                    orders as f64 / secs
                ));
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
    });
    let report = schedule::run_now(
        &db.pool,
        &keys.credentials,
        source.source_id,
        &options,
        progress,
    )
    .await;
    ticker.abort();
    bar.finish_and_clear();
    let (_, report) = report.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} pages, {} products, {} customers and {} orders read in {:.1} s; {} rows inserted, {} updated, in {} runs ({})",
        report.pages,
        report.products,
        report.customers,
        report.orders,
        report.seconds,
        report.inserted,
        report.updated,
        report.run_ids.len(),
        report
            .run_ids
            .iter()
            .map(|id| format!("#{id}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for note in report.notes.iter().take(20) {
        println!("  {note}");
    }
    if let Some(error) = report.error {
        anyhow::bail!("the sync stopped early: {error}");
    }
    Ok(())
}

fn given_password(email: &str) -> anyhow::Result<String> {
    match std::env::var("STOREPULSE_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => rpassword::prompt_password(format!("Password for {email}: "))
            .context("cannot read the password"),
    }
}

/// `storepulse user password`: sets a user's password (ending their sessions, as an admin's
/// reset does), audits it, and drops the user's line from the demo logins file. Their email.
pub async fn change_password(
    pool: &sqlx::PgPool,
    settings: &Settings,
    email: &str,
    password: String,
) -> anyhow::Result<String> {
    use app::features::auth::{queries, service};
    let user = queries::user_by_email(pool, email.trim())
        .await?
        .with_context(|| format!("there is no user with the email {}", email.trim()))?;
    let (email, _) = service::set_password(pool, user.app_user_id, "password", password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    queries::insert_audit(pool, Some("cli"), "user.password_reset", Some(&email), None).await?;
    bootstrap::forget_demo_login(settings, &email)?;
    Ok(email)
}

/// Serves until `shutdown` completes: owns the data folder (a second server on it refuses,
/// naming this one's pid), supervises the database and cleans orphaned uploads.
pub async fn serve(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let _lock = match DataLock::claim(&settings.data_dir, "serve")? {
        Ok(lock) => lock,
        Err(owner) => anyhow::bail!(
            "the data folder {} is in use by `storepulse {}` (pid {}); stop it first, or give this \
             server its own folder with STOREPULSE_DATA_DIR",
            settings.data_dir.display(),
            owner.command,
            owner.pid
        ),
    };
    let keys = Keys::load_or_generate(&settings)?;
    let db = Database::open(&settings).await?;
    let result = serve_with(&settings, &keys, &db, shutdown).await;
    db.close().await;
    result
}

async fn serve_with(
    settings: &Settings,
    keys: &Keys,
    db: &Database,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let prepared = bootstrap::prepare(db, settings).await?;
    let (health, supervisor) = crate::db::supervise(
        db,
        std::time::Duration::from_millis(settings.db_health_interval_ms),
    );
    let (router, state) = startup::build_router(db.pool.clone(), settings, keys).await?;
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            health.clone(),
            crate::router::database_guard,
        ))
        .layer(axum::Extension(health));
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set STOREPULSE_ADDR to another address)",
                settings.addr
            )
        })?;
    let addr = listener.local_addr()?;
    if settings.public_url.is_none() && !settings.trust_forwarded_for && !addr.ip().is_loopback() {
        // Writes from browsers are checked against this site's origin (CSRF): behind an https
        // proxy that origin is https://…, which the server cannot see for itself.
        tracing::warn!(
            "serving on {addr} with no STOREPULSE_PUBLIC_URL: browsers' writes are accepted only \
             from http://<host>; behind an https proxy set STOREPULSE_PUBLIC_URL (or \
             STOREPULSE_TRUST_FORWARDED_FOR with X-Forwarded-Proto)"
        );
    }
    println!("{}", bootstrap::welcome(addr, settings, &prepared));
    let cleanup = startup::spawn_session_cleanup(db.pool.clone());
    let uploads = startup::spawn_upload_cleanup(db.pool.clone(), settings);
    let syncer = (settings.shop_sync_poll_seconds > 0).then(|| {
        crate::ingest::shop::schedule::spawn(
            db.pool.clone(),
            state.credentials.clone(),
            crate::ingest::shop::sync::SyncOptions::for_state(&state, None),
            std::time::Duration::from_secs(settings.shop_sync_poll_seconds),
        )
    });
    let warmer = settings
        .warm_default_views
        .then(|| crate::warm::spawn(state));
    let result = startup::serve(listener, router, shutdown).await;
    cleanup.abort();
    uploads.abort();
    if let Some(warmer) = warmer {
        warmer.abort();
    }
    if let Some(syncer) = syncer {
        syncer.abort();
    }
    supervisor.abort();
    result
}

async fn with_postgres(
    settings: &Settings,
    data_dir: PathBuf,
    keep: bool,
    command: Vec<String>,
) -> anyhow::Result<ExitCode> {
    if data_dir.exists() && !keep {
        std::fs::remove_dir_all(&data_dir)
            .with_context(|| format!("cannot empty {}", data_dir.display()))?;
    }
    let pg = EmbeddedPostgres::start(&data_dir, settings.pg_bin_dir.as_deref()).await?;
    let status = tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .env("DATABASE_URL", pg.url("storepulse"))
        .status()
        .await
        .with_context(|| format!("cannot run {}", command[0]));
    pg.stop().await?;
    if !keep {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    let status = status?;
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}

#[allow(clippy::too_many_arguments)]
async fn ingest_files(
    db: &Database,
    settings: &Settings,
    paths: Vec<PathBuf>,
    source: &str,
    format: FormatChoice,
    date_order: Option<DateOrder>,
    timezone: Option<String>,
    max_rejected_percent: Option<f64>,
) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    let pool = &db.pool;
    for id in ingest_run::mark_interrupted(pool).await? {
        println!("run {id} had been interrupted (its process stopped); it is marked as such");
    }
    let target = Target::find(pool, SourceRef::Name(source)).await?;
    let mut source_settings = target.settings();
    if let Some(order) = date_order {
        source_settings.date_order = order;
    }
    if let Some(tz) = timezone {
        source_settings.timezone = Some(tz);
    }
    if let Some(pct) = max_rejected_percent {
        source_settings.max_rejected_percent = pct;
    }
    let options = JobOptions {
        store: Store {
            currency: settings.currency.clone(),
            timezone: settings.store_timezone.clone(),
            limits: settings.value_limits(),
        },
        format,
        started_by: None,
        signals: app::features::inventory::refresh::SignalRefresh::new(
            pool.clone(),
            settings.inventory,
        ),
    };
    let Prepared { job, created } = prepare_job(pool, target, source_settings, options).await?;
    let files: Vec<InputFile> = paths
        .iter()
        .map(|path| InputFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            path: path.clone(),
        })
        .collect();
    let total: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();

    let progress = Arc::new(crate::ingest::file::Progress::default());
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:40}] {bytes}/{total_bytes} · {msg} · {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            loop {
                let rows = progress.rows.load(Ordering::Relaxed);
                bar.set_position(progress.bytes.load(Ordering::Relaxed));
                bar.set_message(format!(
                    "{rows} rows ({:.0} rows/s)",
                    rows as f64 / started.elapsed().as_secs_f64().max(0.001)
                ));
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
    };
    let summary = ingest_run::ingest(pool, &job, &files, progress).await?;
    ticker.abort();
    bar.finish_and_clear();
    println!("{summary}");
    // The market signals of the new data, computed before the process ends.
    job.signals.settled().await;
    if let Some(peak) = peak_memory_mib() {
        println!("  peak memory of this process: {peak} MiB");
    }
    if !summary.succeeded && created {
        forget_source(pool, job.source_id).await?;
        println!("  nothing was loaded, so the new source '{source}' was not kept");
    }
    anyhow::ensure!(
        summary.succeeded,
        "the run failed; the database is as it was before"
    );
    Ok(())
}

/// The process's peak resident memory (Linux), to show that a load's memory stays bounded.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
