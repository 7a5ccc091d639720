//! The store's time zone on every page: moments (a login, an audit entry, a run, a signal) are
//! shown as the store's wall-clock time with the zone's abbreviation ("2 Sep 2026 14:05 BST"),
//! the same on the server and in the browser. The server reads the zone's UTC offsets for
//! 2015–2035 from PostgreSQL once at start (`StoreZone::load`); the page carries them in a
//! `<meta name="storepulse-zone">` tag for the browser (about 1.5 KB), so both render the same
//! text without a time-zone database in the bundle.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// From `at` (seconds since 1970, UTC) on, the zone is `offset` seconds ahead of UTC and called
/// `abbrev`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneChange {
    pub at: i64,
    pub offset: i32,
    pub abbrev: String,
}

/// A time zone's name and its offsets over the years the app shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreZone {
    pub name: String,
    /// In time order; the first holds for every earlier moment.
    pub changes: Vec<ZoneChange>,
}

impl Default for StoreZone {
    fn default() -> Self {
        Self {
            name: "UTC".into(),
            changes: vec![ZoneChange {
                at: i64::MIN,
                offset: 0,
                abbrev: "UTC".into(),
            }],
        }
    }
}

/// The meta tag's name.
pub const META: &str = "storepulse-zone";

impl StoreZone {
    /// The offset and abbreviation in force at `t`.
    fn at(&self, t: DateTime<Utc>) -> (i32, &str) {
        let secs = t.timestamp();
        let i = self.changes.partition_point(|c| c.at <= secs);
        match self.changes.get(i.saturating_sub(1)) {
            Some(c) => (c.offset, c.abbrev.as_str()),
            None => (0, "UTC"),
        }
    }

    /// `t` as the store's wall-clock time with the zone: "2 Sep 2026 14:05 BST".
    pub fn time(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%-d %b %Y %H:%M")
    }

    /// With seconds (the audit log): "2 Sep 2026 14:05:09 BST".
    pub fn time_precise(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%-d %b %Y %H:%M:%S")
    }

    fn format(&self, t: DateTime<Utc>, pattern: &str) -> String {
        let (offset, abbrev) = self.at(t);
        let local = t.naive_utc() + chrono::Duration::seconds(offset as i64);
        format!("{} {abbrev}", local.format(pattern))
    }

    /// The zone's offsets from PostgreSQL (which validated the name at start): sampled daily over
    /// 2015–2035, each day the offset changes sampled again every 15 minutes.
    #[cfg(feature = "ssr")]
    pub async fn load(conn: &mut sqlx::PgConnection, name: &str) -> sqlx::Result<StoreZone> {
        use sqlx::Connection;
        let mut tx = conn.begin().await?;
        sqlx::query!("select set_config('TimeZone', $1, true) as zone", name)
            .fetch_one(&mut *tx)
            .await?;
        let changes = sqlx::query_as!(
            ZoneChange,
            r#"with days as (
                   select t, extract(timezone from t)::int as off
                   from generate_series(timestamptz '2015-01-01 00:00+00',
                                        timestamptz '2036-01-01 00:00+00', interval '1 day') t),
               changed as (
                   select t from (select t, off, lag(off) over (order by t) as prev from days) d
                   where prev is not null and off <> prev),
               fine as (
                   select generate_series(c.t - interval '1 day', c.t, interval '15 minutes') as t
                   from changed c
                   union all select timestamptz '2015-01-01 00:00+00'),
               points as (
                   select t, extract(timezone from t)::int as off, to_char(t, 'TZ') as abbrev
                   from fine),
               steps as (
                   select t, off, abbrev, lag(off) over (order by t) as prev,
                          lag(abbrev) over (order by t) as prev_abbrev
                   from points)
               select extract(epoch from t)::bigint as "at!", off as "offset!",
                      abbrev as "abbrev!"
               from steps where prev is null or off <> prev or abbrev <> prev_abbrev
               order by t"#
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        let mut changes = changes;
        if let Some(first) = changes.first_mut() {
            first.at = i64::MIN;
        }
        Ok(StoreZone {
            name: name.to_string(),
            changes,
        })
    }
}

/// The zone the server wrote into the page (in the browser; `App` provides it as context, from
/// the server's state when rendering there).
#[cfg(not(feature = "ssr"))]
pub fn from_page() -> Option<StoreZone> {
    #[cfg(feature = "hydrate")]
    {
        let meta = leptos::prelude::document()
            .query_selector(&format!("meta[name=\"{META}\"]"))
            .ok()??;
        serde_json::from_str(&meta.get_attribute("content")?).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// In an island (the browser runs no `App`, which provides the zone there): the zone the server
/// wrote into the page, as context, so that times read as they do in the server's HTML.
pub fn provide_in_island() {
    #[cfg(not(feature = "ssr"))]
    if leptos::prelude::use_context::<StoreZone>().is_none() {
        leptos::prelude::provide_context(from_page().unwrap_or_default());
    }
}

/// `t` as the page's store time ("2 Sep 2026 14:05 BST"; UTC outside the app).
pub fn time(t: DateTime<Utc>) -> String {
    leptos::prelude::with_context::<StoreZone, _>(|z| z.time(t))
        .unwrap_or_else(|| StoreZone::default().time(t))
}

/// With seconds.
pub fn time_precise(t: DateTime<Utc>) -> String {
    leptos::prelude::with_context::<StoreZone, _>(|z| z.time_precise(t))
        .unwrap_or_else(|| StoreZone::default().time_precise(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn london() -> StoreZone {
        StoreZone {
            name: "Europe/London".into(),
            changes: vec![
                ZoneChange {
                    at: i64::MIN,
                    offset: 0,
                    abbrev: "GMT".into(),
                },
                // 29 Mar 2026 01:00 UTC: BST; 25 Oct 2026 01:00 UTC: GMT.
                ZoneChange {
                    at: 1_774_746_000,
                    offset: 3600,
                    abbrev: "BST".into(),
                },
                ZoneChange {
                    at: 1_792_890_000,
                    offset: 0,
                    abbrev: "GMT".into(),
                },
            ],
        }
    }

    #[test]
    fn moments_read_as_the_stores_wall_clock_with_its_zone() {
        let z = london();
        let t = |y, m, d, h, mi| Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap();
        assert_eq!(z.time(t(2026, 9, 2, 13, 5)), "2 Sep 2026 14:05 BST");
        assert_eq!(z.time(t(2026, 1, 15, 9, 30)), "15 Jan 2026 09:30 GMT");
        // The hour the clocks go forward: 00:59 GMT, then 02:00 BST.
        assert_eq!(z.time(t(2026, 3, 29, 0, 59)), "29 Mar 2026 00:59 GMT");
        assert_eq!(z.time(t(2026, 3, 29, 1, 0)), "29 Mar 2026 02:00 BST");
        assert_eq!(z.time(t(2026, 10, 25, 1, 0)), "25 Oct 2026 01:00 GMT");
        assert_eq!(
            z.time_precise(t(2026, 10, 25, 0, 59)),
            "25 Oct 2026 01:59:00 BST"
        );
        assert_eq!(
            StoreZone::default().time(t(2026, 9, 2, 13, 5)),
            "2 Sep 2026 13:05 UTC"
        );
    }
}
