//! Data sources and ingest runs, as the admin pages and the API see them.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use formats::{DateOrder, FormatChoice, ValueLimits};

/// Per-source ingest settings, stored in `source.settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceSettings {
    pub date_order: DateOrder,
    /// IANA time zone of the file's times; the store time zone when unset.
    pub timezone: Option<String>,
    /// Share of rejected rows (in %) a run may have and still load the good rows; 0 means any
    /// rejected row fails the whole run.
    pub max_rejected_percent: f64,
}

impl Default for SourceSettings {
    fn default() -> Self {
        SourceSettings {
            date_order: DateOrder::Auto,
            timezone: None,
            max_rejected_percent: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSummary {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub status: String,
    pub settings: SourceSettings,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub orders: i64,
    pub customers: i64,
    pub products: i64,
    pub last_run: Option<IngestRun>,
}

/// One upload or sync and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IngestRun {
    pub id: i64,
    pub source_id: i64,
    pub file_name: Option<String>,
    /// running, succeeded, failed or interrupted
    pub state: String,
    pub rows_read: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    pub rows_rejected: i64,
    pub bytes_read: i64,
    pub bytes_total: Option<i64>,
    pub notes: Vec<String>,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether the uploaded file is still there to retry.
    pub retryable: bool,
}

impl IngestRun {
    /// Share (0–1) of the input read so far, when the size is known.
    pub fn fraction_done(&self) -> Option<f64> {
        match self.bytes_total {
            Some(total) if total > 0 => {
                Some((self.bytes_read as f64 / total as f64).clamp(0.0, 1.0))
            }
            _ => None,
        }
    }

    /// Rows per second so far.
    pub fn rate(&self, now: DateTime<Utc>) -> Option<f64> {
        let end = self.finished_at.unwrap_or(now);
        let secs = (end - self.started_at).num_milliseconds() as f64 / 1000.0;
        (secs > 0.0).then(|| self.rows_read as f64 / secs)
    }
}

/// How much deleting a source removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceContents {
    pub orders: i64,
    pub order_lines: i64,
    pub customers: i64,
    pub products: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_defaults() {
        let s: SourceSettings = serde_json::from_str(r#"{"date_order":"day_first"}"#).unwrap();
        assert_eq!(
            s,
            SourceSettings {
                date_order: DateOrder::DayFirst,
                ..SourceSettings::default()
            }
        );
        assert_eq!("DMY".parse::<DateOrder>(), Ok(DateOrder::DayFirst));
        assert!("sideways"
            .parse::<FormatChoice>()
            .unwrap_err()
            .contains("auto, transactions"));
    }

    #[test]
    fn progress_fraction_and_rate() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let run = IngestRun {
            id: 1,
            source_id: 1,
            file_name: None,
            state: "running".into(),
            rows_read: 5000,
            rows_inserted: 0,
            rows_updated: 0,
            rows_rejected: 0,
            bytes_read: 250,
            bytes_total: Some(1000),
            notes: vec![],
            error: None,
            started_at: t0,
            finished_at: None,
            retryable: false,
        };
        assert_eq!(run.fraction_done(), Some(0.25));
        assert_eq!(run.rate(t0 + chrono::Duration::seconds(2)), Some(2500.0));
    }

    #[test]
    fn source_names_are_bounded_and_printable() {
        assert!(validate_source_name("Shopify export 2024").is_ok());
        assert!(validate_source_name(&"é".repeat(MAX_SOURCE_NAME_CHARS)).is_ok());
        for bad in [
            "".to_string(),
            "   ".to_string(),
            "x".repeat(MAX_SOURCE_NAME_CHARS + 1),
            "two\nlines".to_string(),
            "bell\u{7}".to_string(),
        ] {
            let err = validate_source_name(&bad).unwrap_err().to_string();
            assert!(err.contains("source"), "{bad:?}: {err}");
        }
    }
}

/// Longest source name, in characters.
pub const MAX_SOURCE_NAME_CHARS: usize = 200;

/// A source name: not blank, at most `MAX_SOURCE_NAME_CHARS` characters, no control characters
/// (line breaks, tabs, escapes).
pub fn validate_source_name(name: &str) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    if name.trim().is_empty() {
        return Err(AppError::invalid(
            "source",
            "give a source name or source_id",
        ));
    }
    let chars = name.chars().count();
    if chars > MAX_SOURCE_NAME_CHARS {
        return Err(AppError::invalid(
            "source",
            format!("the source name has {chars} characters; at most {MAX_SOURCE_NAME_CHARS} are allowed"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "source",
            "the source name may not contain control characters (line breaks, tabs, escapes)",
        ));
    }
    Ok(())
}

/// Settings a source may have: a known time zone shape, a sane percentage.
pub fn validate_settings(settings: &SourceSettings) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    if !(0.0..=100.0).contains(&settings.max_rejected_percent) {
        return Err(AppError::invalid(
            "max_rejected_percent",
            "must be between 0 and 100",
        ));
    }
    if let Some(tz) = &settings.timezone {
        let ok = !tz.is_empty()
            && tz.len() <= 64
            && tz
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !ok {
            return Err(AppError::invalid(
                "timezone",
                format!("'{tz}' is not a time zone name like Europe/London"),
            ));
        }
    }
    Ok(())
}

/// What StorePulse makes of the start of a file before loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPreview {
    /// The format recognised from the header, e.g. "transaction log".
    pub format: Option<String>,
    /// Why the header is not recognised, with the columns found and expected.
    pub problem: Option<String>,
    pub columns: Vec<String>,
    /// The date order the first rows suggest (or the source's setting).
    pub date_order: Option<DateOrder>,
    /// Whether that order was guessed rather than set.
    pub guessed: bool,
    /// The first rows as they were read.
    pub rows: Vec<Vec<String>>,
    /// Problems in those first rows ("line 3: Quantity 'abc' is not a number").
    pub row_problems: Vec<String>,
}

/// A shop connection as lists show it: never its credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionSummary {
    pub id: i64,
    pub name: String,
    pub platform: String,
    pub shop_url: String,
    pub shop_name: Option<String>,
    pub shop_currency: Option<String>,
    pub scopes: Vec<String>,
    pub status: String,
    pub sync_every_minutes: i32,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Why the last sync stopped early.
    pub last_error: Option<String>,
    /// Orders up to this update time are loaded.
    pub synced_through: Option<DateTime<Utc>>,
    /// When the next scheduled sync is due (queued by the sync worker).
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Always true: the credentials are stored, sealed, and never shown.
    pub credentials_set: bool,
    /// Whether a webhook signing secret is stored (never shown either).
    pub webhook_secret_set: bool,
    /// When the platform's webhooks were registered by StorePulse.
    pub webhooks_registered_at: Option<DateTime<Utc>>,
}

/// A new shop connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewConnection {
    pub name: String,
    /// shopify
    pub platform: String,
    pub shop_url: String,
    /// Shopify: the custom app's Admin API access token (shpat_…); WooCommerce: the REST API
    /// key's consumer key (ck_…).
    pub access_token: String,
    /// WooCommerce: the REST API key's consumer secret (cs_…).
    #[serde(default)]
    pub access_secret: Option<String>,
    /// Minutes between scheduled syncs (5–1440, default 15).
    #[serde(default)]
    pub sync_every_minutes: Option<i32>,
    /// The secret webhooks are signed with (Shopify: the app's API secret key), to receive
    /// orders as they happen.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

/// What may change on a connection; a new token rotates the credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionChange {
    #[serde(default)]
    pub shop_url: Option<String>,
    #[serde(default)]
    pub access_token: Option<String>,
    /// WooCommerce: the consumer secret that goes with a new consumer key.
    #[serde(default)]
    pub access_secret: Option<String>,
    #[serde(default)]
    pub sync_every_minutes: Option<i32>,
    /// A new webhook signing secret; an empty one removes it (webhooks are then refused).
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

/// What a connection test found, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestReport {
    pub shop_name: String,
    pub shop_currency: String,
    pub shop_timezone: Option<String>,
    /// What the credentials can read, e.g. "orders of the last 60 days".
    pub can_read: Vec<String>,
    /// What works but is limited, e.g. older orders that cannot be read.
    pub warnings: Vec<String>,
    /// What stops syncing; a connection is saved only without problems.
    pub problems: Vec<String>,
}

/// A saved connection and what its test found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionCreated {
    pub id: i64,
    pub test: TestReport,
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionChanged {
    pub connection: ConnectionSummary,
    /// The test of new credentials or a new URL.
    pub test: Option<TestReport>,
}

/// What deleting a connection removed or kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionDeleted {
    pub name: String,
    /// Whether the orders, customers and products stayed (as a source that no longer syncs).
    pub data_kept: bool,
    pub orders: i64,
    pub customers: i64,
    pub products: i64,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncReport {
    pub connection_id: i64,
    /// The ingest runs that loaded its batches.
    pub run_ids: Vec<i64>,
    pub pages: u64,
    pub orders: u64,
    pub products: u64,
    /// Customers read from the platform's customer list.
    #[serde(default)]
    pub customers: u64,
    /// Rows the runs inserted and updated.
    pub inserted: i64,
    pub updated: i64,
    /// What was left out and why (the platform's ids).
    pub notes: Vec<String>,
    /// Why the sync stopped early; the next one resumes from `synced_through`.
    pub error: Option<String>,
    pub synced_through: Option<DateTime<Utc>>,
    pub seconds: f64,
}

/// One sync in a connection's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncJob {
    pub id: i64,
    pub connection_id: i64,
    /// schedule or manual.
    pub reason: String,
    /// queued, running, succeeded, failed or interrupted.
    pub state: String,
    pub due_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// How long it ran (so far, while it runs).
    pub seconds: Option<f64>,
    pub claimed_by: Option<String>,
    pub pages: i64,
    pub orders: i64,
    pub inserted: i64,
    pub updated: i64,
    pub run_ids: Vec<i64>,
    pub error: Option<String>,
}

/// Where a connection's webhooks send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhooksRegistered {
    pub address: String,
    pub topics: Vec<String>,
}
