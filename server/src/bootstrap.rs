//! First-start work: demo data for a new embedded database, the first admin, the welcome text.
use std::net::SocketAddr;

use anyhow::Context;
use app::features::auth::{
    queries as users,
    service::{create_user, random_secret},
    types::Role,
};
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
/// Where the demo logins are kept, in the data folder, readable by the owner only.
pub const DEMO_LOGINS_FILE: &str = "demo-logins.txt";

/// A demo user just created, with the password it was given (shown once).
pub struct DemoLogin {
    pub email: &'static str,
    pub role: Role,
    pub password: String,
}

/// The login as the demo file and the welcome text show it: role, email and password.
impl std::fmt::Display for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<8} {}  password: {}",
            self.role, self.email, self.password
        )
    }
}

impl std::fmt::Debug for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, password [redacted])", self.email, self.role)
    }
}

/// What the start did that the welcome text tells about.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Demo users created by this start: their passwords are shown this once.
    pub new_demo_logins: Vec<DemoLogin>,
}

/// Fills a new database with the demo data (per the `demo_data` setting) and makes sure someone
/// can log in. The demo is made only on the first start on a database that never held anything.
pub async fn prepare(db: &Database, settings: &Settings) -> anyhow::Result<Prepared> {
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
    let mut prepared = Prepared::default();
    if first_start(&db.pool).await? && wants_demo {
        let end_date = app::dashboard::queries::store_today(&db.pool).await?;
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
        prepared.new_demo_logins = create_demo_users(&db.pool, settings).await?;
    }
    if users::count_users(&db.pool).await? == 0 {
        create_first_admin(&db.pool, settings).await?;
    }
    Ok(prepared)
}

/// Whether this is the first start on a database that never held anything: notes the start
/// (once) and checks that no user, source or run exists (a CLI command may have come first).
async fn first_start(pool: &PgPool) -> anyhow::Result<bool> {
    let noted = sqlx::query("insert into first_start default values on conflict do nothing")
        .execute(pool)
        .await?
        .rows_affected()
        == 1;
    let empty: bool = sqlx::query_scalar(
        "select not exists (select 1 from app_user) and not exists (select 1 from source)
                and not exists (select 1 from ingest_run)",
    )
    .fetch_one(pool)
    .await?;
    Ok(noted && empty)
}

/// Adds one demo user per role (skipping existing ones), each with its own random password, and
/// adds their logins to `data_dir/demo-logins.txt` (readable by the owner only). Returns the
/// users it created, to be shown once.
pub async fn create_demo_users(
    pool: &PgPool,
    settings: &Settings,
) -> anyhow::Result<Vec<DemoLogin>> {
    let mut created = Vec::new();
    for (email, role) in DEMO_USERS {
        let password = random_secret(20);
        match create_user(pool, email, &password, role).await {
            Ok(_) => created.push(DemoLogin {
                email,
                role,
                password,
            }),
            Err(app::error::AppError::Conflict(_)) => {}
            Err(err) => anyhow::bail!("cannot create the demo user {email}: {err}"),
        }
    }
    if !created.is_empty() {
        let lines: String = created.iter().map(|l| format!("{l}\n")).collect();
        update_demo_logins(settings, |text| {
            if text.is_empty() {
                "# StorePulse demo accounts (generated, one password each; keep private)\n"
                    .to_string()
                    + &lines
            } else {
                text.to_string() + &lines
            }
        })?;
    }
    Ok(created)
}

/// Rewrites the demo logins file (if any, or when `change` gives it text), keeping it 0600.
pub fn update_demo_logins(
    settings: &Settings,
    change: impl FnOnce(&str) -> String,
) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = settings.data_dir.join(DEMO_LOGINS_FILE);
    let before = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let after = change(&before);
    if after == before {
        return Ok(());
    }
    std::fs::create_dir_all(&settings.data_dir)?;
    write_private(&path, &after)?;
    // `write_private` sets the mode of a new file only; an older file may have been widened.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// Drops the line of `email` from the demo logins file after its password changed, so that the
/// file never holds a password that is no longer (or should no longer be) valid.
pub fn forget_demo_login(settings: &Settings, email: &str) -> anyhow::Result<()> {
    update_demo_logins(settings, |text| {
        text.lines()
            .filter(|line| {
                line.starts_with('#')
                    || !line
                        .split_whitespace()
                        .any(|word| word.eq_ignore_ascii_case(email))
            })
            .map(|line| format!("{line}\n"))
            .collect()
    })
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
            let password = random_secret(20);
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

/// The welcome text: where the app is and, with demo accounts, their passwords on the start
/// that created them, or later only the file that keeps them.
pub fn welcome(addr: SocketAddr, settings: &Settings, prepared: &Prepared) -> String {
    let url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let mut text = format!("\nStorePulse is running at {url}\n");
    let file = settings.data_dir.join(DEMO_LOGINS_FILE);
    if !prepared.new_demo_logins.is_empty() {
        text += "Demo accounts (for trying StorePulse; each has its own password, shown this once \
                 and kept in ";
        text += &format!("{}):\n", file.display());
        for login in &prepared.new_demo_logins {
            text += &format!("  {login}\n");
        }
    } else if file.exists() {
        text += &format!(
            "Demo accounts: their logins are in {} (readable by you only).\n",
            file.display()
        );
    }
    if !prepared.new_demo_logins.is_empty() || file.exists() {
        text += "These are demo accounts: give real people their own login (storepulse user add) \
                 and change a demo password with `storepulse user password --email E --generate`.\n";
    }
    text + "Press Ctrl-C to stop.\n"
}
