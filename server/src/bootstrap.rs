//! First-start work: demo data for a new embedded database, the first admin, the welcome text.
use std::net::SocketAddr;

use anyhow::Context;
use app::features::auth::{queries as users, session::create_user, types::Role};
use rand::distributions::{Alphanumeric, DistString};
use sqlx::PgPool;

use crate::config::{DemoData, Settings};
use crate::db::Database;
use crate::ingest::demo::{self, DemoOptions};
use crate::keys::write_private;

/// Logins of the demo users, one per role.
pub const DEMO_USERS: [(&str, Role); 3] = [
    ("admin@storepulse.example", Role::Admin),
    ("analyst@storepulse.example", Role::Analyst),
    ("viewer@storepulse.example", Role::Viewer),
];
const DEMO_LOGINS_FILE: &str = "demo-logins.txt";

/// Fills a new database with the demo data (per the `demo_data` setting) and makes sure someone
/// can log in.
pub async fn prepare(db: &Database, settings: &Settings) -> anyhow::Result<()> {
    for id in crate::ingest::run::mark_interrupted(&db.pool).await? {
        tracing::warn!(
            run_id = id,
            "ingest run was interrupted by a stop of its process; marked as interrupted"
        );
    }
    for id in crate::ingest::run::mark_interrupted(&db.pool).await? {
        tracing::warn!(
            run_id = id,
            "ingest run was interrupted by a stop of its process; marked as interrupted"
        );
    }
    let wants_demo = match settings.demo_data {
        DemoData::Always => true,
        DemoData::Auto => db.embedded.is_some(),
        DemoData::Never => false,
    };
    let empty: bool = sqlx::query_scalar("select not exists (select 1 from source)")
        .fetch_one(&db.pool)
        .await?;
    if wants_demo && empty {
        let end_date = app::features::sales::queries::store_today(&db.pool).await?;
        println!("Filling the new database with the demo shop's data…");
        let options = DemoOptions {
            orders: demo::DEFAULT_ORDERS,
            seed: 42,
            end_date,
            days: 730,
            timezone: settings.store_timezone.clone(),
            inventory: settings.inventory,
        };
        let report = demo::generate(&db.pool, &options, false).await?;
        println!("{report}");
        create_demo_users(&db.pool, settings).await?;
    }
    if users::count_users(&db.pool).await? == 0 {
        create_first_admin(&db.pool, settings).await?;
    }
    Ok(())
}

/// Adds one demo user per role (skipping existing ones) and writes their logins to
/// `data_dir/demo-logins.txt`, readable by the owner only.
pub async fn create_demo_users(pool: &PgPool, settings: &Settings) -> anyhow::Result<()> {
    let password = settings
        .demo_password
        .as_ref()
        .map(|p| p.expose().to_string())
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::thread_rng(), 16));
    let mut lines = vec!["# StorePulse demo logins (generated; keep private)".to_string()];
    for (email, role) in DEMO_USERS {
        match create_user(pool, email, &password, role).await {
            Ok(_) => lines.push(format!("{role:<8} {email}  password: {password}")),
            Err(app::error::AppError::Conflict(_)) => {}
            Err(err) => anyhow::bail!("cannot create the demo user {email}: {err}"),
        }
    }
    if lines.len() > 1 {
        std::fs::create_dir_all(&settings.data_dir)?;
        write_private(
            &settings.data_dir.join(DEMO_LOGINS_FILE),
            &(lines.join("\n") + "\n"),
        )?;
    }
    Ok(())
}

async fn create_first_admin(pool: &PgPool, settings: &Settings) -> anyhow::Result<()> {
    match (&settings.admin_email, &settings.admin_password) {
        (Some(email), Some(password)) => {
            create_user(pool, email, password.expose(), Role::Admin)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("STOREPULSE_ADMIN_EMAIL/STOREPULSE_ADMIN_PASSWORD: {e}")
                })?;
            println!("Created the first admin, {email}.");
        }
        (email, _) => {
            let email = email
                .clone()
                .unwrap_or_else(|| "admin@localhost.localdomain".to_string());
            let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 20);
            create_user(pool, &email, &password, Role::Admin)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create the first admin: {e}"))
                .context("set STOREPULSE_ADMIN_EMAIL and STOREPULSE_ADMIN_PASSWORD")?;
            // Shown once, on the console only: it is not stored anywhere in clear.
            println!("\nCreated the first admin:\n  email:    {email}\n  password: {password}\nWrite it down now; it is not shown again.\n");
        }
    }
    Ok(())
}

pub fn print_welcome(addr: SocketAddr, settings: &Settings) {
    let url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    println!("\nStorePulse is running at {url}");
    if let Ok(logins) = std::fs::read_to_string(settings.data_dir.join(DEMO_LOGINS_FILE)) {
        println!(
            "Demo logins (from {}):",
            settings.data_dir.join(DEMO_LOGINS_FILE).display()
        );
        for line in logins.lines().filter(|l| !l.starts_with('#')) {
            println!("  {line}");
        }
    }
    println!("Press Ctrl-C to stop.\n");
}
