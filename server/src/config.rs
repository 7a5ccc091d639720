//! Typed settings: defaults, then an optional `storepulse.toml`, then `STOREPULSE_*` variables
//! (and `DATABASE_URL`). Secrets are wrapped so that they never appear in logs or `Debug` output.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use app::features::sources::types::ValueLimits;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// A secret value: `Debug` and `Display` print `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// When to fill an empty database with the demo data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoData {
    /// Only the embedded database, and only when it has no data yet.
    Auto,
    /// Any empty database, including one given by `DATABASE_URL`.
    Always,
    Never,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address the web server listens on.
    pub addr: SocketAddr,
    /// Public URL of the site: its origin is the one browser writes must come from (with the
    /// request's Host); `https://…` turns on Secure cookies.
    pub public_url: Option<String>,
    /// Postgres to use. Without it, StorePulse runs its own in `data_dir/postgres`.
    pub database_url: Option<Secret>,
    /// Where the embedded database, generated secrets and demo logins live.
    pub data_dir: PathBuf,
    /// Folder with `initdb`, `pg_ctl` and `postgres`; found automatically when not set.
    pub pg_bin_dir: Option<PathBuf>,
    /// Connections in the pool.
    pub db_max_connections: u32,
    /// Milliseconds a request waits for a database connection before it answers 503 (default 2000).
    pub db_acquire_timeout_ms: u64,
    /// Milliseconds between two checks of the database; an embedded PostgreSQL found dead is
    /// restarted (default 1000).
    pub db_health_interval_ms: u64,
    /// IANA time zone of the store: days, weeks and months are counted in it.
    pub store_timezone: String,
    /// ISO 4217 currency of the store's prices.
    pub currency: String,
    pub demo_data: DemoData,
    /// First admin, created when the database has no users.
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    /// Site files (`pkg/` with the WASM bundle and CSS, `assets/`).
    pub site_root: PathBuf,
    /// Largest upload accepted, in MiB (the Online Retail CSV is 45 MiB, 7 MiB gzipped).
    pub max_upload_mb: u64,
    /// Days an upload folder that no ingest run refers to is kept before it is removed (default 7).
    pub upload_retention_days: u64,
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: i64,
    /// Key that signs session cookies (64+ bytes, base64); generated into `data_dir` if unset.
    pub session_key: Option<Secret>,
    /// Key that signs embed tokens; generated into `data_dir` if unset.
    pub embed_signing_key: Option<Secret>,
    /// Key (32 bytes, base64) that seals shop credentials at rest; generated into `data_dir` if
    /// unset. Replacing it makes stored credentials unreadable (connections need their tokens again).
    pub credentials_key: Option<Secret>,
    /// Let shop connections use any http(s) address and retry quickly: for a local double of a
    /// platform in tests only. Off, a Shopify shop must be https://<shop>.myshopify.com.
    pub connector_test_mode: bool,
    /// Seconds between the sync worker's rounds (scheduled shop syncs); 0: this process runs no
    /// scheduled syncs (another server on the same database may).
    pub shop_sync_poll_seconds: u64,
    /// Failed logins of one account from one address before each further try has to wait.
    pub login_free_failures: i32,
    /// The first wait after the free failures, in seconds; it doubles with each further failure.
    pub login_first_delay_seconds: i32,
    /// The longest wait, in seconds; also what an address past `login_max_failures_per_ip` waits.
    pub login_max_delay_seconds: i32,
    /// Failed logins from one address (any accounts) after which it waits the longest delay.
    pub login_max_failures_per_ip: i32,
    /// Failed logins of one account from all addresses after which every address waits from its
    /// first failure on it. Only a slow-down: an address that has not failed still logs in.
    pub login_max_failures_per_account: i32,
    /// Seconds without a failure after which a count of failures is forgotten.
    pub login_window_seconds: i32,
    /// Trust `X-Forwarded-For` for the client address (only behind your own reverse proxy).
    pub trust_forwarded_for: bool,
    /// After every data change, compute the default dashboard views in the background so that
    /// the first visitor finds them ready (`make bench` turns it off to time the routes alone).
    pub warm_default_views: bool,
    /// Addresses and CIDR ranges that may read `/metrics` (default: this machine only).
    pub metrics_allow: Vec<AddressRange>,
    /// Bearer token that opens `/metrics` from any address; unset: only `metrics_allow`.
    pub metrics_token: Option<Secret>,
    /// Send `Strict-Transport-Security`; by default on when `public_url` is https.
    pub hsts: Option<bool>,
    /// Log filter, e.g. `info` or `storepulse=debug,sqlx=warn`.
    pub log: String,
    /// Fewest orders in a range that make a customer "occasional" (default 2).
    pub engagement_occasional_from: i64,
    /// Fewest orders in a range that make a customer "regular" (default 5).
    pub engagement_regular_from: i64,
    /// Number of customer clusters; 0 chooses it by silhouette (2–8).
    pub clusters: usize,
    /// Seed of the clustering: the same seed and data give the same clusters.
    pub cluster_seed: u64,
    /// Stock rules, pricing rules and market-signal thresholds (`[inventory.stock]`,
    /// `[inventory.pricing]`, `[inventory.signals]` in the file; `STOREPULSE_INVENTORY__PRICING__MARGIN_CEILING`).
    pub inventory: app::features::inventory::types::InventorySettings,
    /// The earliest date a file may hold (orders, stock, price observations).
    pub min_order_date: chrono::NaiveDate,
    /// The latest date a file may hold, in days after today.
    pub max_days_ahead: i64,
    /// The largest price, cost or shipping amount a file may hold, in whole currency units.
    pub max_unit_price: u64,
    /// The largest quantity, stock or lead time a file may hold.
    pub max_quantity: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            database_url: None,
            data_dir: PathBuf::from("data"),
            pg_bin_dir: None,
            db_max_connections: 10,
            db_acquire_timeout_ms: 2000,
            db_health_interval_ms: 1000,
            store_timezone: "Europe/London".into(),
            currency: "GBP".into(),
            demo_data: DemoData::Auto,
            admin_email: None,
            admin_password: None,
            engagement_occasional_from: 2,
            engagement_regular_from: 5,
            clusters: 5,
            cluster_seed: 42,
            inventory: Default::default(),
            site_root: PathBuf::from("target/site"),
            max_upload_mb: 512,
            upload_retention_days: 7,
            session_idle_minutes: 8 * 60,
            session_key: None,
            embed_signing_key: None,
            credentials_key: None,
            connector_test_mode: false,
            shop_sync_poll_seconds: 10,
            login_free_failures: 5,
            login_first_delay_seconds: 10,
            login_max_delay_seconds: 15 * 60,
            login_max_failures_per_ip: 30,
            login_max_failures_per_account: 100,
            login_window_seconds: 60 * 60,
            trust_forwarded_for: false,
            warm_default_views: true,
            metrics_allow: ["127.0.0.1", "::1"]
                .map(|a| AddressRange::try_from(a.to_string()).expect("an address"))
                .to_vec(),
            metrics_token: None,
            hsts: None,
            log: "info,sqlx=warn,tower_sessions=warn".into(),
            min_order_date: ValueLimits::default().min_date,
            max_days_ahead: ValueLimits::default().max_days_ahead,
            max_unit_price: ValueLimits::default().max_unit_price,
            max_quantity: ValueLimits::default().max_quantity,
        }
    }
}

impl Settings {
    /// Reads the settings: defaults ← `config_file` (if it exists) ← environment.
    pub fn load(config_file: &Path) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if config_file.exists() {
            figment = figment.merge(Toml::file(config_file));
        }
        figment = figment.merge(Env::prefixed("STOREPULSE_").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.is_empty() {
                figment = figment.merge(Serialized::default("database_url", url));
            }
        }
        let settings: Settings = figment.extract().with_context(|| {
            format!(
                "invalid settings (from defaults, {}, STOREPULSE_* variables)",
                config_file.display()
            )
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.public_url.as_deref().is_none_or(str::is_empty) || self.public_origin().is_some(),
            "public_url must be an http(s) URL such as https://stats.example, got '{}'",
            self.public_url.as_deref().unwrap_or_default()
        );
        anyhow::ensure!(
            self.currency.len() == 3,
            "currency must be a 3-letter ISO 4217 code, got '{}'",
            self.currency
        );
        anyhow::ensure!(
            self.db_acquire_timeout_ms >= 100 && self.db_health_interval_ms >= 100,
            "db_acquire_timeout_ms and db_health_interval_ms must be at least 100"
        );
        anyhow::ensure!(
            self.session_idle_minutes > 0,
            "session_idle_minutes must be positive"
        );
        anyhow::ensure!(
            self.login_free_failures >= 1
                && self.login_max_failures_per_ip >= 2
                && self.login_max_failures_per_account >= 2,
            "login_free_failures must be at least 1, login_max_failures_per_ip and \
             login_max_failures_per_account at least 2"
        );
        anyhow::ensure!(
            self.login_first_delay_seconds >= 1
                && self.login_max_delay_seconds >= self.login_first_delay_seconds
                && self.login_window_seconds >= self.login_max_delay_seconds,
            "login delays need 1 ≤ login_first_delay_seconds ≤ login_max_delay_seconds ≤ \
             login_window_seconds, got {}, {} and {}",
            self.login_first_delay_seconds,
            self.login_max_delay_seconds,
            self.login_window_seconds
        );
        anyhow::ensure!(
            self.engagement_occasional_from >= 2
                && self.engagement_regular_from > self.engagement_occasional_from,
            "engagement thresholds need 2 ≤ engagement_occasional_from < engagement_regular_from, got {} and {}",
            self.engagement_occasional_from,
            self.engagement_regular_from
        );
        anyhow::ensure!(
            self.clusters <= 20,
            "clusters must be 0 (automatic) to 20, got {}",
            self.clusters
        );
        let inv = &self.inventory;
        anyhow::ensure!(
            inv.stock.service_level > 0.5 && inv.stock.service_level < 1.0,
            "inventory.stock.service_level must be between 0.5 and 1, got {}",
            inv.stock.service_level
        );
        anyhow::ensure!(
            inv.stock.demand_days >= 7 && inv.stock.review_days >= 0.0 && inv.stock.dead_days > 0,
            "inventory.stock needs demand_days ≥ 7, review_days ≥ 0 and dead_days > 0"
        );
        anyhow::ensure!(
            inv.pricing.margin_floor >= rust_decimal::Decimal::ZERO
                && inv.pricing.margin_ceiling > inv.pricing.margin_floor,
            "inventory.pricing needs 0 ≤ margin_floor < margin_ceiling, got {} and {}",
            inv.pricing.margin_floor,
            inv.pricing.margin_ceiling
        );
        anyhow::ensure!(
            inv.pricing.max_step > rust_decimal::Decimal::ZERO
                && inv.pricing.max_step < rust_decimal::Decimal::ONE
                && inv.pricing.min_weeks >= 3,
            "inventory.pricing needs 0 < max_step < 1 and min_weeks ≥ 3"
        );
        anyhow::ensure!(
            (0..=3660).contains(&self.max_days_ahead),
            "max_days_ahead must be 0 to 3660 days, got {}",
            self.max_days_ahead
        );
        anyhow::ensure!(
            (1..=1_000_000_000_000_000).contains(&self.max_unit_price),
            "max_unit_price must be 1 to 10^18, got {}",
            self.max_unit_price
        );
        // Quantities are stored as 32-bit integers.
        anyhow::ensure!(
            (1..=i32::MAX as i64).contains(&self.max_quantity),
            "max_quantity must be 1 to {}, got {}",
            i32::MAX,
            self.max_quantity
        );
        Ok(())
    }

    /// The origin (`scheme://host[:port]`) of the public URL, if one is set.
    pub fn public_origin(&self) -> Option<String> {
        let url = self.public_url.as_deref()?;
        app::features::embed::types::normalize_origin(app::features::embed::types::origin_of(url))
            .ok()
    }

    /// The ranges of values a file may hold.
    pub fn value_limits(&self) -> ValueLimits {
        ValueLimits {
            min_date: self.min_order_date,
            max_days_ahead: self.max_days_ahead,
            max_unit_price: self.max_unit_price,
            max_quantity: self.max_quantity,
        }
    }

    /// Whether cookies must be marked Secure (the site is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// An address or a CIDR range (`127.0.0.1`, `10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AddressRange(ipnet::IpNet);

impl AddressRange {
    pub fn contains(&self, address: &std::net::IpAddr) -> bool {
        self.0.contains(address)
    }
}

impl TryFrom<String> for AddressRange {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim();
        text.parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(AddressRange)
            .map_err(|_| {
                format!("'{text}' is neither an IP address nor a CIDR range such as 10.0.0.0/8")
            })
    }
}

impl From<AddressRange> for String {
    fn from(range: AddressRange) -> String {
        range.0.to_string()
    }
}

#[cfg(test)]
// figment::Jail's closures return figment::Error, which is large; it is the test API.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Settings {
            admin_password: Some(Secret::new("hunter2")),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "storepulse.toml",
                "currency = \"EUR\"\naddr = \"0.0.0.0:8080\"",
            )?;
            jail.set_env("STOREPULSE_CURRENCY", "USD");
            let s = Settings::load(Path::new("storepulse.toml")).map_err(|e| e.to_string())?;
            assert_eq!(s.currency, "USD");
            assert_eq!(s.addr.port(), 8080);
            Ok(())
        });
    }

    #[test]
    fn value_limits_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STOREPULSE_MIN_ORDER_DATE", "2005-03-01");
            jail.set_env("STOREPULSE_MAX_QUANTITY", "5000");
            let s = Settings::load(Path::new("none.toml")).map_err(|e| e.to_string())?;
            let limits = s.value_limits();
            assert_eq!(limits.min_date.to_string(), "2005-03-01");
            assert_eq!(limits.max_quantity, 5000);
            assert_eq!(limits.max_unit_price, 1_000_000_000);
            jail.set_env("STOREPULSE_MAX_QUANTITY", "0");
            let err = Settings::load(Path::new("none.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("max_quantity must be 1 to"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn metrics_access_comes_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            let s = Settings::load(Path::new("none.toml")).map_err(|e| e.to_string())?;
            let loopback: std::net::IpAddr = "127.0.0.1".parse().unwrap();
            assert!(s.metrics_allow.iter().any(|r| r.contains(&loopback)));
            assert!(s.metrics_token.is_none());
            jail.set_env(
                "STOREPULSE_METRICS_ALLOW",
                r#"["10.20.0.0/16", "192.0.2.9"]"#,
            );
            jail.set_env("STOREPULSE_METRICS_TOKEN", "scrape-me");
            let s = Settings::load(Path::new("none.toml")).map_err(|e| e.to_string())?;
            assert!(!s.metrics_allow.iter().any(|r| r.contains(&loopback)));
            assert!(s.metrics_allow[0].contains(&"10.20.3.4".parse().unwrap()));
            assert!(s.metrics_allow[1].contains(&"192.0.2.9".parse().unwrap()));
            assert_eq!(
                s.metrics_token.as_ref().map(Secret::expose),
                Some("scrape-me")
            );
            assert!(!format!("{s:?}").contains("scrape-me"));
            jail.set_env("STOREPULSE_METRICS_ALLOW", r#"["intranet"]"#);
            let err = Settings::load(Path::new("none.toml")).unwrap_err();
            assert!(
                format!("{err:#}").contains("'intranet' is neither"),
                "{err:#}"
            );
            Ok(())
        });
    }

    #[test]
    fn bad_values_say_what_to_fix() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STOREPULSE_CURRENCY", "pounds");
            let err = Settings::load(Path::new("none.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("currency must be a 3-letter"), "{err}");
            Ok(())
        });
    }
}
