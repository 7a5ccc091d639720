//! A saved view and the one canonical form of the filters it keeps.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dashboard::filter::url_escape;
use crate::dashboard::filter::{Compare, Grain, Preset};
use crate::error::AppError;
use crate::features::embed::types::{Dashboard, FilterKey};

/// Longest view name, in characters.
pub const NAME_MAX: usize = 80;
/// Most views one user keeps per dashboard.
pub const PER_USER: i64 = 100;
/// Most values one filter of a view may hold.
const VALUES_MAX: usize = 50;
/// Longest filter value, in characters.
const VALUE_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: i64,
    pub dashboard: Dashboard,
    pub name: String,
    /// The view's filters as a query string (`?preset=last_90_days&country=Germany`, or empty
    /// for the dashboard's defaults), in `canonical_query`'s form.
    pub query: String,
    /// The email of the user who saved it, for the owner and admins only: the users list is an
    /// admin's page, so a published view does not tell viewers and analysts who its author is.
    pub owner: Option<String>,
    /// Saved by the user asking.
    pub mine: bool,
    /// Every user finds it in their menu.
    pub published: bool,
    pub updated_at: DateTime<Utc>,
}

impl SavedView {
    /// The dashboard with the view's filters: what the menu opens and what a user shares.
    pub fn href(&self) -> String {
        format!("/{}{}", self.dashboard.as_str(), self.query)
    }
}

/// The filter keys a view of `dashboard` keeps, in the order its query lists them: the dates,
/// comparison and grain, and the slices the dashboard follows (`Dashboard::filters`).
fn keys(dashboard: Dashboard) -> Vec<&'static str> {
    let mut keys = vec!["preset", "from", "to", "compare", "grain"];
    keys.extend(dashboard.filters().iter().map(|k: &FilterKey| k.as_str()));
    keys
}

/// The canonical query string of a dashboard's filters (`?key=value&…`, or empty): only the keys
/// the dashboard follows, in a fixed order, each value checked (a date, a known preset, a source
/// id…), repeated values once. The server stores views in this form and the menu compares the
/// current page's filters in it, so a view is "current" whatever order its URL was typed in.
/// Unknown keys (a page's own state, such as an open segment) are left out.
pub fn canonical_query<'a>(
    dashboard: Dashboard,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String, AppError> {
    let pairs: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let mut out: Vec<String> = Vec::new();
    for key in keys(dashboard) {
        let mut values: Vec<&str> = Vec::new();
        for (_, value) in pairs.iter().filter(|(k, _)| *k == key) {
            if !values.contains(value) {
                values.push(*value);
            }
        }
        let single = matches!(key, "preset" | "from" | "to" | "compare" | "grain");
        if single && values.len() > 1 {
            return Err(AppError::invalid(
                "query",
                format!("'{key}' is given {} times: give it once", values.len()),
            ));
        }
        if values.len() > VALUES_MAX {
            return Err(AppError::invalid(
                "query",
                format!("'{key}' has {} values: at most {VALUES_MAX}", values.len()),
            ));
        }
        for value in values {
            let known = match key {
                "preset" => Preset::from_key(value).is_some(),
                "from" | "to" => value.parse::<chrono::NaiveDate>().is_ok(),
                "compare" => Compare::from_key(value).is_some(),
                "grain" => Grain::from_key(value).is_some(),
                "source" => value.parse::<i64>().is_ok(),
                _ => value.chars().count() <= VALUE_MAX && !value.chars().any(char::is_control),
            };
            if !known {
                return Err(AppError::invalid(
                    "query",
                    format!("'{value}' is not a valid {key}"),
                ));
            }
            out.push(format!("{key}={}", url_escape(value)));
        }
    }
    Ok(if out.is_empty() {
        String::new()
    } else {
        format!("?{}", out.join("&"))
    })
}

/// A view's name as given, trimmed; errors say what is wrong with it.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "give the view a name"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::invalid(
            "name",
            format!("at most {NAME_MAX} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "no line breaks or control characters",
        ));
    }
    Ok(name.to_string())
}

/// The dashboard a path shows (`/sales` → Sales), if it is one: the pages with a Views menu.
pub fn dashboard_of(path: &str) -> Option<Dashboard> {
    path.trim_start_matches('/').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_query_keeps_the_dashboards_keys_in_order_once() {
        let q = canonical_query(
            Dashboard::Sales,
            [
                ("country", "United Kingdom"),
                ("segment", "champions"),
                ("preset", "last_90_days"),
                ("country", "Germany"),
                ("country", "United Kingdom"),
                ("channel", ""),
            ],
        )
        .unwrap();
        assert_eq!(
            q,
            "?preset=last_90_days&country=United%20Kingdom&country=Germany"
        );
        assert_eq!(canonical_query(Dashboard::Sales, []).unwrap(), "");
        // Inventory & Pricing follows the dates only.
        let q = canonical_query(
            Dashboard::Inventory,
            [
                ("from", "2026-01-01"),
                ("to", "2026-01-31"),
                ("country", "Germany"),
            ],
        )
        .unwrap();
        assert_eq!(q, "?from=2026-01-01&to=2026-01-31");
    }

    #[test]
    fn bad_filters_and_names_say_what_is_wrong() {
        let err = |pairs: Vec<(&str, &str)>| {
            canonical_query(Dashboard::Sales, pairs)
                .unwrap_err()
                .to_string()
        };
        assert!(err(vec![("from", "2026-02-30")]).contains("'2026-02-30' is not a valid from"));
        assert!(err(vec![("preset", "forever")]).contains("not a valid preset"));
        assert!(err(vec![("source", "x")]).contains("not a valid source"));
        assert!(err(vec![("grain", "day"), ("grain", "week")]).contains("given 2 times"));
        assert!(err(vec![("country", "a\nb")]).contains("not a valid country"));
        let many: Vec<String> = (0..51).map(|i| i.to_string()).collect();
        assert!(err(many.iter().map(|v| ("country", v.as_str())).collect()).contains("at most 50"));
        assert_eq!(clean_name("  Germany online ").unwrap(), "Germany online");
        assert!(clean_name(" ").is_err());
        assert!(clean_name(&"x".repeat(81)).is_err());
        assert!(clean_name(&"é".repeat(80)).is_ok());
        assert!(clean_name("a\tb").is_err());
    }
}
