//! Administration: API tokens and the audit log (users live in the auth feature).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::features::auth::types::Role;

/// An API token as the admin list shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenSummary {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to recognise it by.
    pub prefix: String,
    pub role: Role,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just created: the only time the token itself is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: String,
    pub summary: ApiTokenSummary,
}

/// One audit entry: who did what, to what, when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
}

/// Filters of the audit log page (all optional); `before` pages back by entry id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct AuditFilter {
    /// Actions starting with this, e.g. `login` or `embed.`.
    #[serde(default)]
    pub action: Option<String>,
    /// Part of the actor's email or token name.
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub before: Option<i64>,
}

/// Entries per page of the audit log.
pub const AUDIT_PAGE: i64 = 100;
/// Most entries one CSV export of the audit log holds.
pub const AUDIT_EXPORT: i64 = 100_000;

/// The action families the audit log's filter offers.
pub const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("log", "Logins and logouts"),
    ("user.", "Users and roles"),
    ("token.", "API tokens"),
    ("embed.", "Embeds"),
    ("source.", "Data sources"),
    ("pricing.", "Pricing decisions"),
    ("signal.", "Market signals"),
    ("view.", "Published views"),
];

/// A new user from the admin's form; without a password one is generated and shown once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub role: Option<Role>,
    #[serde(default)]
    pub password: Option<String>,
}

/// The audit log as CSV (`format=csv` of the REST route).
#[cfg(feature = "ssr")]
impl crate::export::CsvRow for AuditEntry {
    const HEADER: &'static [&'static str] = &["at_utc", "actor", "action", "target", "ip"];
    fn cells(&self) -> Vec<String> {
        use crate::export::opt;
        vec![
            self.at.to_rfc3339(),
            opt(self.actor.as_ref()),
            self.action.clone(),
            opt(self.target.as_ref()),
            opt(self.ip.as_ref()),
        ]
    }
}
