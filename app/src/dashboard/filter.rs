//! What every dashboard shares on the wire: the filter (dates, presets, comparison, grain and
//! slices), the options the filter bar offers, and how fresh the data is.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The filters of every dashboard (Sales, Customer Insights, Inventory & Pricing). Dates are local days in the store's time zone, both inclusive;
/// a preset wins over dates; without either, the 90 days ending with the latest order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct DashboardFilter {
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub preset: Option<Preset>,
    #[serde(default)]
    pub compare: Compare,
    /// Bucket size of the charts; by default one that suits the range's length.
    #[serde(default)]
    pub grain: Option<Grain>,
    /// Only these channels (repeat the parameter for several); none: all.
    #[serde(default)]
    pub channel: Vec<String>,
    /// Only these data sources, by id.
    #[serde(default)]
    pub source: Vec<i64>,
    /// Only orders shipped to these countries.
    #[serde(default)]
    pub country: Vec<String>,
    /// Only lines of products in these categories.
    #[serde(default)]
    pub category: Vec<String>,
}

/// The earliest and latest day a filter may name: the four-digit years of the calendar the pages
/// and the API write (PostgreSQL's dates reach further back, chrono's further still, but a range
/// or its comparison period must stay inside both).
pub const EARLIEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
pub const LATEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
/// The longest range a request may ask for (about 20 years).
pub const MAX_RANGE_DAYS: i64 = 7320;
/// The longest channel, country or category name a filter may hold.
pub const MAX_SLICE_CHARS: usize = 200;

impl DashboardFilter {
    /// Refuses what no data can match and no query may be given: dates outside
    /// `EARLIEST_DAY..=LATEST_DAY`, two dates in the wrong order or more than `MAX_RANGE_DAYS`
    /// apart, and slice values that are over-long or hold control characters (a NUL byte is not
    /// text to PostgreSQL). The error names the parameter. Needs no data: a page asks it before
    /// any of its parts (`components::layout::AppShell`), the API before any query.
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        use crate::error::AppError;
        for (field, day) in [("from", self.from), ("to", self.to)] {
            if let Some(day) = day.filter(|d| !(EARLIEST_DAY..=LATEST_DAY).contains(d)) {
                return Err(AppError::invalid(
                    field,
                    format!("{day} is outside the dates a filter may name ({EARLIEST_DAY} to {LATEST_DAY})"),
                ));
            }
        }
        // A preset wins over dates (`dashboard::range::resolve_range`): its dates are not read.
        if let (None, Some(from), Some(to)) = (self.preset, self.from, self.to) {
            DateRange { from, to }.check()?;
        }
        for (field, values) in [
            ("channel", &self.channel),
            ("country", &self.country),
            ("category", &self.category),
        ] {
            if let Some(bad) = values
                .iter()
                .find(|v| v.chars().count() > MAX_SLICE_CHARS || v.chars().any(char::is_control))
            {
                // Control characters written as escapes (`\0`, `\u{1b}`): the message shows what was sent.
                let shown: String = bad
                    .chars()
                    .take(40)
                    .map(|c| match c.is_control() {
                        true => c.escape_debug().to_string(),
                        false => c.to_string(),
                    })
                    .collect();
                return Err(AppError::invalid(
                    field,
                    format!("\"{shown}\" is not a {field}: at most {MAX_SLICE_CHARS} characters, no control characters"),
                ));
            }
        }
        Ok(())
    }

    /// Whether any of the channel, source, country or category filters is set.
    pub fn is_sliced(&self) -> bool {
        !(self.channel.is_empty()
            && self.source.is_empty()
            && self.country.is_empty()
            && self.category.is_empty())
    }
}

/// A part of a dashboard with the range its filter resolved to (for its export link) and the
/// store's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranged<T> {
    pub range: DateRange,
    pub currency: String,
    pub rows: T,
}

/// The values the channel, source, country and category filters offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FilterOptions {
    pub channels: Vec<String>,
    /// (id, name)
    pub sources: Vec<(i64, String)>,
    pub countries: Vec<String>,
    pub categories: Vec<String>,
    /// The range each preset stands for today (anchored on the latest day with data), so that
    /// the filter bar names a typed range that equals one ("Quarter to date", not "Custom dates").
    #[serde(default)]
    pub presets: Vec<PresetRange>,
}

/// A preset and the range it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PresetRange {
    pub preset: Preset,
    pub range: DateRange,
}

/// Date ranges by name, anchored on the latest day with data (or today without data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    // Named as in URLs (`snake_case` alone would make `last7_days`).
    #[serde(rename = "last_7_days")]
    Last7Days,
    #[serde(rename = "last_30_days")]
    Last30Days,
    #[serde(rename = "last_90_days")]
    Last90Days,
    MonthToDate,
    QuarterToDate,
    YearToDate,
    #[serde(rename = "last_12_months")]
    Last12Months,
    AllTime,
}

impl Preset {
    pub const ALL: [Preset; 8] = [
        Preset::Last7Days,
        Preset::Last30Days,
        Preset::Last90Days,
        Preset::MonthToDate,
        Preset::QuarterToDate,
        Preset::YearToDate,
        Preset::Last12Months,
        Preset::AllTime,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Preset::Last7Days => "Last 7 days",
            Preset::Last30Days => "Last 30 days",
            Preset::Last90Days => "Last 90 days",
            Preset::MonthToDate => "Month to date",
            Preset::QuarterToDate => "Quarter to date",
            Preset::YearToDate => "Year to date",
            Preset::Last12Months => "Last 12 months",
            Preset::AllTime => "All time",
        }
    }

    /// The name used in URLs (`?preset=last_30_days`), the same as the serde name.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Last7Days => "last_7_days",
            Preset::Last30Days => "last_30_days",
            Preset::Last90Days => "last_90_days",
            Preset::MonthToDate => "month_to_date",
            Preset::QuarterToDate => "quarter_to_date",
            Preset::YearToDate => "year_to_date",
            Preset::Last12Months => "last_12_months",
            Preset::AllTime => "all_time",
        }
    }

    pub fn from_key(key: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// What the figures are compared with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The same number of days just before the range.
    #[default]
    PreviousPeriod,
    /// The same dates a year earlier.
    PreviousYear,
    None,
}

impl Compare {
    pub fn key(self) -> &'static str {
        match self {
            Compare::PreviousPeriod => "previous_period",
            Compare::PreviousYear => "previous_year",
            Compare::None => "none",
        }
    }

    pub fn from_key(key: &str) -> Option<Compare> {
        [
            Compare::PreviousPeriod,
            Compare::PreviousYear,
            Compare::None,
        ]
        .into_iter()
        .find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Compare::PreviousPeriod => "vs previous period",
            Compare::PreviousYear => "vs same period last year",
            Compare::None => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Number of days in the range, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Refuses a range that ends before it starts (named by `from`) or spans more than
    /// `MAX_RANGE_DAYS` (named by `to`).
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        use crate::error::AppError;
        if self.from > self.to {
            return Err(AppError::invalid(
                "from",
                format!("{} is after the end date {}", self.from, self.to),
            ));
        }
        if self.days() > MAX_RANGE_DAYS {
            return Err(AppError::invalid(
                "to",
                format!(
                    "the range spans {} days; at most {MAX_RANGE_DAYS} are allowed",
                    self.days()
                ),
            ));
        }
        Ok(())
    }

    /// The whole weeks (Monday to Sunday, as `date_trunc('week', …)` counts them) inside the
    /// range: its first Monday and last Sunday, when at least one week fits.
    pub fn whole_weeks(&self) -> Option<(NaiveDate, NaiveDate)> {
        use chrono::{Datelike, Days};
        let to_monday = (7 - self.from.weekday().num_days_from_monday()) % 7;
        let monday = self
            .from
            .checked_add_days(Days::new(u64::from(to_monday)))?;
        let from_sunday = (self.to.weekday().num_days_from_monday() + 1) % 7;
        let sunday = self
            .to
            .checked_sub_days(Days::new(u64::from(from_sunday)))?;
        (monday.checked_add_days(Days::new(6))? <= sunday).then_some((monday, sunday))
    }
}

/// The bucket size of a time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Grain {
    Day,
    Week,
    Month,
}

impl Grain {
    /// The unit name Postgres' `date_trunc` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    pub fn from_key(key: &str) -> Option<Grain> {
        [Grain::Day, Grain::Week, Grain::Month]
            .into_iter()
            .find(|g| g.as_str() == key)
    }
}

/// How recent the data is, in the store's time zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Freshness {
    pub timezone: String,
    /// Local time of the latest order.
    pub latest_order: Option<chrono::NaiveDateTime>,
    /// Local time the last successful ingest finished.
    pub last_ingest: Option<chrono::NaiveDateTime>,
}

#[cfg(test)]
mod preset_tests {
    use super::Preset;

    /// The API reads presets with serde and the page with `from_key`: both take the URL names.
    #[test]
    fn serde_names_are_the_url_keys() {
        for preset in Preset::ALL {
            assert_eq!(
                serde_json::to_value(preset).unwrap(),
                serde_json::Value::String(preset.key().into())
            );
            assert_eq!(Preset::from_key(preset.key()), Some(preset));
        }
    }
}

/// The keys of the dashboard filters (what `components::filter_from_query` reads).
pub const FILTER_KEYS: [&str; 9] = [
    "from", "to", "preset", "compare", "grain", "channel", "source", "country", "category",
];

/// Percent-encodes a query value or path segment (everything but unreserved characters).
pub fn url_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::DateRange;

    fn range(from: &str, to: &str) -> DateRange {
        DateRange {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
        }
    }

    #[test]
    fn whole_weeks_of_a_range() {
        let weeks = |from, to| {
            range(from, to)
                .whole_weeks()
                .map(|(m, s)| (m.to_string(), s.to_string()))
        };
        let pair = |m: &str, s: &str| Some((m.to_string(), s.to_string()));
        // 1 June 2026 is a Monday, 28 June a Sunday.
        assert_eq!(
            weeks("2026-06-01", "2026-06-30"),
            pair("2026-06-01", "2026-06-28")
        );
        assert_eq!(
            weeks("2026-06-01", "2026-06-07"),
            pair("2026-06-01", "2026-06-07")
        );
        // Tuesday to the Monday after next: one whole week between.
        assert_eq!(
            weeks("2026-06-02", "2026-06-15"),
            pair("2026-06-08", "2026-06-14")
        );
        // Tuesday to Monday: no whole week.
        assert_eq!(weeks("2026-06-02", "2026-06-08"), None);
        assert_eq!(weeks("2026-06-01", "2026-06-06"), None);
        assert_eq!(weeks("2026-06-07", "2026-06-07"), None);
    }
}
