//! Embeds: a dashboard shown inside another site, with filters locked by the admin.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dashboard::filter::{DashboardFilter, FilterOptions};

/// The dashboards that can be embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dashboard {
    Sales,
    Customers,
    Inventory,
}

impl Dashboard {
    pub const ALL: [Dashboard; 3] = [Dashboard::Sales, Dashboard::Customers, Dashboard::Inventory];

    pub fn as_str(self) -> &'static str {
        match self {
            Dashboard::Sales => "sales",
            Dashboard::Customers => "customers",
            Dashboard::Inventory => "inventory",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Dashboard::Sales => "Sales",
            Dashboard::Customers => "Customer Insights",
            Dashboard::Inventory => "Inventory & Pricing",
        }
    }

    /// The filters this dashboard's figures follow, which are the only ones an embed may lock or
    /// let the viewer change. Inventory & Pricing follows the dates only (stock and prices are
    /// not per country, channel or source), so its embeds lock nothing.
    pub fn filters(self) -> &'static [FilterKey] {
        match self {
            Dashboard::Sales | Dashboard::Customers => &[
                FilterKey::Channel,
                FilterKey::Source,
                FilterKey::Country,
                FilterKey::Category,
            ],
            Dashboard::Inventory => &[],
        }
    }
}

impl std::str::FromStr for Dashboard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dashboard::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown dashboard '{s}': use sales, customers or inventory"))
    }
}

/// A filter of the dashboards' filter bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterKey {
    Channel,
    Source,
    Country,
    Category,
}

impl FilterKey {
    pub const ALL: [FilterKey; 4] = [
        FilterKey::Channel,
        FilterKey::Source,
        FilterKey::Country,
        FilterKey::Category,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilterKey::Channel => "channel",
            FilterKey::Source => "source",
            FilterKey::Country => "country",
            FilterKey::Category => "category",
        }
    }
}

/// Locked filter values by filter: `{"country": ["Germany"]}`. Source values are source ids.
pub type LockedFilters = BTreeMap<FilterKey, Vec<String>>;

/// Background of an embedded dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Transparent,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::Transparent];
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Transparent => "transparent",
        }
    }
}

impl std::str::FromStr for Theme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Theme::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown theme '{s}': use light, dark or transparent"))
    }
}

/// What an embed lets its viewers see and do; the server applies it to every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedScope {
    pub embed_id: i64,
    pub dashboard: Dashboard,
    pub locked: LockedFilters,
    /// Filters the viewer may change (the dates always may).
    pub editable: Vec<FilterKey>,
    pub allow_export: bool,
    pub theme: Theme,
}

impl EmbedScope {
    /// The filter a request from this embed may use: locked filters set to their values, filters
    /// the viewer may not change cleared, and the rest as asked. Whatever a crafted request asks
    /// for, it sees no rows outside the locked values.
    pub fn apply(&self, mut filter: DashboardFilter) -> DashboardFilter {
        for key in FilterKey::ALL {
            let wanted: Vec<String> = match self.locked.get(&key) {
                Some(values) => values.clone(),
                None if self.editable.contains(&key) => continue,
                None => Vec::new(),
            };
            match key {
                FilterKey::Channel => filter.channel = wanted,
                FilterKey::Country => filter.country = wanted,
                FilterKey::Category => filter.category = wanted,
                // A locked source that is not a number matches no source.
                FilterKey::Source => {
                    filter.source = wanted.iter().map(|v| v.parse().unwrap_or(-1)).collect()
                }
            }
        }
        filter
    }

    /// The filter bar's choices inside this embed: a locked filter offers its values only, a
    /// filter the viewer may not change offers nothing.
    pub fn options(&self, all: FilterOptions) -> FilterOptions {
        let keep = |key: FilterKey, values: Vec<String>| -> Vec<String> {
            match self.locked.get(&key) {
                Some(locked) => values.into_iter().filter(|v| locked.contains(v)).collect(),
                None if self.editable.contains(&key) => values,
                None => Vec::new(),
            }
        };
        let sources = match self.locked.get(&FilterKey::Source) {
            Some(locked) => all
                .sources
                .into_iter()
                .filter(|(id, _)| locked.contains(&id.to_string()))
                .collect(),
            None if self.editable.contains(&FilterKey::Source) => all.sources,
            None => Vec::new(),
        };
        FilterOptions {
            channels: keep(FilterKey::Channel, all.channels),
            sources,
            countries: keep(FilterKey::Country, all.countries),
            categories: keep(FilterKey::Category, all.categories),
            presets: all.presets,
        }
    }

    /// Whether the viewer may change this filter.
    pub fn may_change(&self, key: FilterKey) -> bool {
        !self.locked.contains_key(&key) && self.editable.contains(&key)
    }
}

/// What the embed page needs to know about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedView {
    pub scope: EmbedScope,
    /// When the token ends (the page asks its host for a new one before).
    pub token_expires_at: DateTime<Utc>,
    /// The origins the page accepts renewed tokens from.
    pub allowed_origins: Vec<String>,
}

/// An embed as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embed {
    pub id: i64,
    pub name: String,
    pub dashboard: Dashboard,
    pub locked: LockedFilters,
    pub editable: Vec<FilterKey>,
    pub allowed_origins: Vec<String>,
    pub theme: Theme,
    pub allow_export: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub secret_version: i32,
}

/// An embed with what its admin page shows: the secret hosts sign tokens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedDetail {
    pub embed: Embed,
    pub secret: String,
}

/// What an admin sets when creating or editing an embed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmbedInput {
    pub name: String,
    pub dashboard: String,
    #[serde(default)]
    pub locked: LockedFilters,
    #[serde(default)]
    pub editable: Vec<FilterKey>,
    /// One origin per entry, e.g. `https://shop.example` (http or https only).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub theme: Theme,
    #[serde(default)]
    pub allow_export: bool,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The most allowed origins an embed takes.
pub const MAX_ORIGINS: usize = 20;
/// The longest origin, in characters (a host name has at most 253).
pub const MAX_ORIGIN_CHARS: usize = 300;
/// The most values one locked filter takes.
pub const MAX_LOCKED_VALUES: usize = 100;
/// The longest locked value, in characters.
pub const MAX_VALUE_CHARS: usize = 200;

/// The checked form of an [`EmbedInput`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEmbed {
    pub name: String,
    pub dashboard: Dashboard,
    pub locked: LockedFilters,
    pub editable: Vec<FilterKey>,
    pub allowed_origins: Vec<String>,
    pub theme: Theme,
    pub allow_export: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

impl EmbedInput {
    /// Checks every field; the error names the field and says what to do.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidEmbed, crate::error::AppError> {
        use crate::error::AppError;
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "name",
                "give the embed a name of 1–100 characters",
            ));
        }
        let dashboard: Dashboard = self
            .dashboard
            .parse()
            .map_err(|e: String| AppError::invalid("dashboard", e))?;
        let mut locked = LockedFilters::new();
        for (key, values) in &self.locked {
            if !dashboard.filters().contains(key) {
                return Err(AppError::invalid(
                    "locked",
                    format!(
                        "the {} dashboard does not follow the {} filter",
                        dashboard.title(),
                        key.as_str()
                    ),
                ));
            }
            let mut values: Vec<String> = values
                .iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            values.sort();
            values.dedup();
            if values.is_empty() {
                continue;
            }
            if values.len() > MAX_LOCKED_VALUES
                || values.iter().any(|v| v.chars().count() > MAX_VALUE_CHARS)
            {
                return Err(AppError::invalid(
                    "locked",
                    format!(
                        "lock at most {MAX_LOCKED_VALUES} values of at most {MAX_VALUE_CHARS} characters per filter"
                    ),
                ));
            }
            if *key == FilterKey::Source && values.iter().any(|v| v.parse::<i64>().is_err()) {
                return Err(AppError::invalid(
                    "locked",
                    "sources are locked by their id",
                ));
            }
            locked.insert(*key, values);
        }
        let mut editable: Vec<FilterKey> = self
            .editable
            .iter()
            .copied()
            .filter(|k| dashboard.filters().contains(k) && !locked.contains_key(k))
            .collect();
        editable.sort();
        editable.dedup();
        let mut allowed_origins = Vec::new();
        for origin in &self.allowed_origins {
            let origin = origin.trim();
            if origin.is_empty() {
                continue;
            }
            if origin.chars().count() > MAX_ORIGIN_CHARS {
                return Err(AppError::invalid(
                    "allowed_origins",
                    format!("an origin has at most {MAX_ORIGIN_CHARS} characters"),
                ));
            }
            let origin =
                normalize_origin(origin).map_err(|e| AppError::invalid("allowed_origins", e))?;
            if !allowed_origins.contains(&origin) {
                allowed_origins.push(origin);
            }
        }
        if allowed_origins.is_empty() {
            return Err(AppError::invalid(
                "allowed_origins",
                "name at least one origin that may frame the dashboard, e.g. https://shop.example",
            ));
        }
        if allowed_origins.len() > MAX_ORIGINS {
            return Err(AppError::invalid(
                "allowed_origins",
                format!("name at most {MAX_ORIGINS} origins"),
            ));
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return Err(AppError::invalid(
                "expires_at",
                "the expiry must be in the future",
            ));
        }
        Ok(ValidEmbed {
            name,
            dashboard,
            locked,
            editable,
            allowed_origins,
            theme: self.theme,
            allow_export: self.allow_export,
            expires_at: self.expires_at,
        })
    }
}

/// The `scheme://host[:port]` part of a URL.
pub fn origin_of(url: &str) -> &str {
    match url.find("://") {
        Some(at) => {
            let rest = &url[at + 3..];
            &url[..at + 3 + rest.find(['/', '?', '#']).unwrap_or(rest.len())]
        }
        None => url,
    }
}

/// An exact web origin: `http(s)://host[:port]`, lower case, no path, no wildcard. Other schemes
/// (`javascript:`, `data:`, native app schemes) are refused: a browser frames pages only from
/// web origins, and anything else in `frame-ancestors` is either useless or dangerous.
pub fn normalize_origin(origin: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "'{origin}' is not a web origin: write http(s)://host[:port], e.g. https://shop.example"
        )
    };
    let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    let scheme_ok = matches!(scheme.as_str(), "http" | "https");
    let rest = rest.strip_suffix('/').unwrap_or(rest).to_ascii_lowercase();
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h.to_string(), Some(p)),
        _ => (rest.clone(), None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    if !scheme_ok || !host_ok || !port_ok {
        return Err(bad());
    }
    // Browsers leave the default port out of an origin (`event.origin`, `Origin`).
    let default_port = if scheme == "https" { "443" } else { "80" };
    if port == Some(default_port) {
        return Ok(format!("{scheme}://{host}"));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// The claims of an embed token (a JWT signed with HS256 and the embed's secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedClaims {
    /// The embed's id.
    pub embed: i64,
    pub dashboard: Dashboard,
    /// The embed's locked filters, exactly as configured.
    #[serde(default)]
    pub filters: LockedFilters,
    /// Expiry, seconds since 1970 (UTC).
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before, seconds since 1970 (UTC); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> EmbedScope {
        EmbedScope {
            embed_id: 1,
            dashboard: Dashboard::Sales,
            locked: LockedFilters::from([(FilterKey::Country, vec!["Germany".into()])]),
            editable: vec![FilterKey::Channel],
            allow_export: false,
            theme: Theme::Light,
        }
    }

    #[test]
    fn locked_filters_win_over_what_a_request_asks() {
        let asked = DashboardFilter {
            country: vec!["France".into(), "Germany".into()],
            channel: vec!["web".into()],
            category: vec!["Lamps".into()],
            source: vec![7],
            ..Default::default()
        };
        let f = scope().apply(asked);
        assert_eq!(f.country, vec!["Germany".to_string()]);
        assert_eq!(f.channel, vec!["web".to_string()], "editable: kept");
        assert!(f.category.is_empty(), "not editable: cleared");
        assert!(f.source.is_empty());
        assert!(scope().may_change(FilterKey::Channel));
        assert!(!scope().may_change(FilterKey::Country));
    }

    #[test]
    fn locked_source_that_is_not_a_number_matches_nothing() {
        let mut s = scope();
        s.locked.insert(FilterKey::Source, vec!["x".into()]);
        assert_eq!(s.apply(DashboardFilter::default()).source, vec![-1]);
    }

    #[test]
    fn origins_are_exact() {
        assert_eq!(
            normalize_origin("https://Shop.Example/").unwrap(),
            "https://shop.example"
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:3001").unwrap(),
            "http://127.0.0.1:3001"
        );
        assert_eq!(
            normalize_origin("HTTPS://shop.example:443").unwrap(),
            "https://shop.example"
        );
        assert!(normalize_origin("javascript://x").is_err());
        assert!(normalize_origin("data://x").is_err());
        assert!(normalize_origin("capacitor://localhost").is_err());
        assert!(normalize_origin("null").is_err());
        assert!(normalize_origin("https://*.shop.example").is_err());
        assert!(normalize_origin("https://shop.example/path").is_err());
        assert!(normalize_origin("shop.example").is_err());
        assert!(normalize_origin("https://shop.example:abc").is_err());
        assert!(normalize_origin("https://shop.example; script-src *").is_err());
    }

    #[test]
    fn validation_names_the_field() {
        let now = Utc::now();
        let mut input = EmbedInput {
            name: "Germany web".into(),
            dashboard: "inventory".into(),
            locked: LockedFilters::from([(FilterKey::Country, vec!["Germany".into()])]),
            allowed_origins: vec!["https://shop.example".into()],
            ..Default::default()
        };
        let err = input.validate(now).unwrap_err().to_string();
        assert!(err.starts_with("locked:"), "{err}");
        input.dashboard = "sales".into();
        input.editable = vec![FilterKey::Country, FilterKey::Channel];
        let ok = input.validate(now).unwrap();
        assert_eq!(
            ok.editable,
            vec![FilterKey::Channel],
            "a locked filter is not editable"
        );
        input.allowed_origins = vec![];
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("allowed_origins:"));
        input.allowed_origins = vec!["javascript://x".into()];
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("allowed_origins:"));
        input.allowed_origins = (0..=MAX_ORIGINS)
            .map(|i| format!("https://shop{i}.example"))
            .collect();
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("allowed_origins:"));
        input.allowed_origins = vec![format!("https://{}.example", "a".repeat(300))];
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("allowed_origins:"));
        input.allowed_origins = vec!["https://a.example".into()];
        input.name = "n".repeat(101);
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("name:"));
        input.name = "Germany web".into();
        input.locked = LockedFilters::from([(FilterKey::Country, vec!["x".repeat(201)])]);
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("locked:"));
        input.locked = LockedFilters::from([(
            FilterKey::Country,
            (0..=MAX_LOCKED_VALUES).map(|i| i.to_string()).collect(),
        )]);
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("locked:"));
        input.locked = LockedFilters::new();
        input.expires_at = Some(now - chrono::Duration::hours(1));
        assert!(input
            .validate(now)
            .unwrap_err()
            .to_string()
            .starts_with("expires_at:"));
    }
}
