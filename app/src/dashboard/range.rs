//! Which days a filter means: presets anchored on the latest data, open-ended and explicit
//! dates, the comparison period, and a chart grain that suits the range. Pure, no I/O.
use chrono::{Datelike, Duration, Months, NaiveDate};

use super::filter::MAX_RANGE_DAYS;
use super::filter::{Compare, DashboardFilter, DateRange, Grain, Preset};
use crate::error::AppError;

/// Length of the default range, in days.
pub const DEFAULT_RANGE_DAYS: i64 = 90;
/// What a page without preset or dates shows (the filter bar names it).
pub const DEFAULT_PRESET: Preset = Preset::Last90Days;

/// Whether the bucket of `grain` that starts on `start` (a Monday for weeks, the 1st for months)
/// reaches outside `range`, i.e. the range holds only part of it: a first or last week or month
/// that the range cuts. Such a bucket's figures are not comparable with a whole one's, so charts
/// and tables mark it. A day never is partial.
pub fn partial_bucket(range: &DateRange, grain: Grain, start: NaiveDate) -> bool {
    let end = bucket_end(grain, start);
    start < range.from || end > range.to
}

/// The last day of the bucket of `grain` that starts on `start`.
fn bucket_end(grain: Grain, start: NaiveDate) -> NaiveDate {
    match grain {
        Grain::Day => start,
        Grain::Week => start + Duration::days(6),
        Grain::Month => start
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(start),
    }
}

/// The days of `range` in the bucket of `grain` that starts on `start` (what a click on that
/// bucket of a chart drills into: a cut first or last bucket keeps only the range's days).
pub fn bucket_range(range: &DateRange, grain: Grain, start: NaiveDate) -> DateRange {
    DateRange {
        from: start.max(range.from),
        to: bucket_end(grain, start).min(range.to),
    }
}

/// The range a filter asks for. A preset is anchored on the latest day with data (or today when
/// there is none), so a shop whose data stops in the past still sees it; without preset or dates,
/// the `DEFAULT_RANGE_DAYS` ending on that day.
pub fn resolve_range(
    filter: &DashboardFilter,
    first_day: Option<NaiveDate>,
    latest_day: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<DateRange, AppError> {
    filter.check()?;
    let anchor = latest_day.unwrap_or(today);
    let (from, to) = match (filter.preset, filter.from, filter.to) {
        (Some(preset), _, _) => (preset_start(preset, anchor, first_day), anchor),
        (None, Some(from), Some(to)) => (from, to),
        (None, Some(from), None) => (from, anchor.max(from)),
        (None, None, Some(to)) => (to - Duration::days(DEFAULT_RANGE_DAYS - 1), to),
        (None, None, None) => (preset_start(DEFAULT_PRESET, anchor, first_day), anchor),
    };
    let range = DateRange { from, to };
    range.check()?;
    Ok(range)
}

fn preset_start(preset: Preset, anchor: NaiveDate, first_day: Option<NaiveDate>) -> NaiveDate {
    let first_of_month = anchor.with_day(1).unwrap_or(anchor);
    match preset {
        Preset::Last7Days => anchor - Duration::days(6),
        Preset::Last30Days => anchor - Duration::days(29),
        Preset::Last90Days => anchor - Duration::days(89),
        Preset::MonthToDate => first_of_month,
        Preset::QuarterToDate => {
            NaiveDate::from_ymd_opt(anchor.year(), anchor.month0() / 3 * 3 + 1, 1)
                .unwrap_or(first_of_month)
        }
        Preset::YearToDate => {
            NaiveDate::from_ymd_opt(anchor.year(), 1, 1).unwrap_or(first_of_month)
        }
        Preset::Last12Months => anchor
            .checked_sub_months(Months::new(12))
            .map(|d| d + Duration::days(1))
            .unwrap_or(anchor),
        // At most the longest range allowed: a stray old row must not make "all time" fail.
        Preset::AllTime => first_day
            .unwrap_or(anchor)
            .min(anchor)
            .max(anchor - Duration::days(MAX_RANGE_DAYS - 1)),
    }
}

/// The period the range is compared with: the same number of days just before it, or the same
/// dates a year earlier (29 February falls back to the 28th).
pub fn comparison_range(range: &DateRange, compare: Compare) -> Option<DateRange> {
    match compare {
        Compare::None => None,
        Compare::PreviousPeriod => {
            let days = Duration::days(range.days());
            Some(DateRange {
                from: range.from - days,
                to: range.to - days,
            })
        }
        Compare::PreviousYear => Some(DateRange {
            from: range.from.checked_sub_months(Months::new(12))?,
            to: range.to.checked_sub_months(Months::new(12))?,
        }),
    }
}

/// The range a filter asks for, and the local day of the latest order. Orders outside the
/// accepted dates (`limits`; older rows may predate them) never move the presets.
#[cfg(feature = "ssr")]
pub async fn resolve(
    pool: &sqlx::PgPool,
    filter: &DashboardFilter,
    limits: &crate::features::sources::types::ValueLimits,
) -> Result<(DateRange, Option<chrono::NaiveDate>), AppError> {
    use super::queries;
    let today = queries::store_today(pool).await?;
    let latest = queries::latest_order_day(pool, limits.max_date(today)).await?;
    let first = queries::first_order_day(pool, limits.min_date).await?;
    Ok((resolve_range(filter, first, latest, today)?, latest))
}

/// The range of every preset today (the anchors `resolve` uses).
#[cfg(feature = "ssr")]
pub async fn preset_ranges(
    pool: &sqlx::PgPool,
    limits: &crate::features::sources::types::ValueLimits,
) -> Result<Vec<super::filter::PresetRange>, AppError> {
    use super::queries;
    let today = queries::store_today(pool).await?;
    let latest = queries::latest_order_day(pool, limits.max_date(today)).await?;
    let first = queries::first_order_day(pool, limits.min_date).await?;
    Preset::ALL
        .into_iter()
        .map(|preset| {
            let filter = DashboardFilter {
                preset: Some(preset),
                ..Default::default()
            };
            Ok(super::filter::PresetRange {
                preset,
                range: resolve_range(&filter, first, latest, today)?,
            })
        })
        .collect()
}

/// A bucket size that keeps a chart readable: days up to two months, weeks up to a year,
/// months beyond.
pub fn grain_for(range: &DateRange) -> Grain {
    match range.days() {
        d if d <= 62 => Grain::Day,
        d if d <= 366 => Grain::Week,
        _ => Grain::Month,
    }
}

/// The first day of each bucket of a range, in order: every day, every Monday-started week or
/// every month that the range touches (as Postgres' `date_trunc` buckets them).
pub fn periods(range: &DateRange, grain: Grain) -> Vec<NaiveDate> {
    let start = match grain {
        Grain::Day => range.from,
        Grain::Week => {
            range.from - Duration::days(i64::from(range.from.weekday().num_days_from_monday()))
        }
        Grain::Month => range.from.with_day(1).unwrap_or(range.from),
    };
    std::iter::successors(Some(start), |p| match grain {
        Grain::Day => p.succ_opt(),
        Grain::Week => p.checked_add_signed(Duration::days(7)),
        Grain::Month => p.checked_add_months(Months::new(1)),
    })
    .take_while(|p| *p <= range.to)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::filter::{EARLIEST_DAY, LATEST_DAY};

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn dates_beyond_four_digit_years_are_refused_by_name_not_computed() {
        let today = d(2026, 6, 30);
        let field = |filter: DashboardFilter| match resolve_range(&filter, None, None, today) {
            Err(AppError::Validation(fields)) => fields.into_keys().collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        // chrono's earliest day: `to` alone would otherwise reach 89 days before it.
        let to = DashboardFilter {
            to: Some(NaiveDate::MIN),
            ..Default::default()
        };
        assert_eq!(field(to), ["to"]);
        let both = DashboardFilter {
            from: Some(d(-5000, 1, 1)),
            to: Some(d(-5000, 1, 5)),
            ..Default::default()
        };
        assert_eq!(field(both), ["from"]);
        let late = DashboardFilter {
            from: Some(d(9999, 12, 1)),
            to: Some(d(10000, 1, 1)),
            ..Default::default()
        };
        assert_eq!(field(late), ["to"]);
        let nul = DashboardFilter {
            channel: vec!["web".into(), "a\0b".into()],
            ..Default::default()
        };
        assert_eq!(field(nul), ["channel"]);
        let long = DashboardFilter {
            country: vec!["x".repeat(201)],
            ..Default::default()
        };
        assert_eq!(field(long), ["country"]);
        // The first and last days a filter may name, compared with the period before.
        let edges = DashboardFilter {
            from: Some(EARLIEST_DAY),
            to: Some(d(1, 3, 1)),
            compare: Compare::PreviousPeriod,
            ..Default::default()
        };
        let range = resolve_range(&edges, None, None, today).unwrap();
        assert!(
            comparison_range(&range, Compare::PreviousPeriod)
                .unwrap()
                .from
                < EARLIEST_DAY
        );
        let last = DashboardFilter {
            from: Some(d(9999, 12, 1)),
            to: Some(LATEST_DAY),
            ..Default::default()
        };
        assert!(resolve_range(&last, None, None, today).is_ok());
    }

    #[test]
    fn first_and_last_weeks_and_months_cut_by_the_range_are_partial() {
        // Thursday 2 April to Tuesday 30 June 2026.
        let range = DateRange {
            from: d(2026, 4, 2),
            to: d(2026, 6, 30),
        };
        let week = |day| partial_bucket(&range, Grain::Week, day);
        assert!(
            week(d(2026, 3, 30)),
            "the week of Monday 30 March starts before the range"
        );
        assert!(!week(d(2026, 4, 6)));
        assert!(!week(d(2026, 6, 22)), "22–28 June is inside");
        assert!(week(d(2026, 6, 29)), "29 June – 5 July ends after it");
        let month = |day| partial_bucket(&range, Grain::Month, day);
        assert!(month(d(2026, 4, 1)), "April misses its first day");
        assert!(!month(d(2026, 5, 1)));
        assert!(!month(d(2026, 6, 1)), "June ends on the range's last day");
        assert!(
            month(d(2026, 12, 1)) && month(d(2026, 2, 1)),
            "outside the range"
        );
        assert!(!partial_bucket(&range, Grain::Day, d(2026, 4, 2)));
        // A one-day range cuts its week and month.
        let day = DateRange {
            from: d(2026, 6, 30),
            to: d(2026, 6, 30),
        };
        assert!(partial_bucket(&day, Grain::Week, d(2026, 6, 29)));
        assert!(partial_bucket(&day, Grain::Month, d(2026, 6, 1)));
    }

    #[test]
    fn a_clicked_bucket_keeps_only_the_ranges_days() {
        // Thursday 2 April to Tuesday 30 June 2026.
        let range = DateRange {
            from: d(2026, 4, 2),
            to: d(2026, 6, 30),
        };
        let days = |grain, start| {
            let r = bucket_range(&range, grain, start);
            (r.from, r.to)
        };
        assert_eq!(
            days(Grain::Week, d(2026, 3, 30)),
            (d(2026, 4, 2), d(2026, 4, 5))
        );
        assert_eq!(
            days(Grain::Week, d(2026, 4, 6)),
            (d(2026, 4, 6), d(2026, 4, 12))
        );
        assert_eq!(
            days(Grain::Week, d(2026, 6, 29)),
            (d(2026, 6, 29), d(2026, 6, 30))
        );
        assert_eq!(
            days(Grain::Month, d(2026, 5, 1)),
            (d(2026, 5, 1), d(2026, 5, 31))
        );
        assert_eq!(
            days(Grain::Month, d(2026, 4, 1)),
            (d(2026, 4, 2), d(2026, 4, 30))
        );
        assert_eq!(
            days(Grain::Day, d(2026, 5, 9)),
            (d(2026, 5, 9), d(2026, 5, 9))
        );
    }

    #[test]
    fn periods_start_each_bucket() {
        let range = DateRange {
            from: day("2026-02-25"),
            to: day("2026-03-03"),
        };
        assert_eq!(periods(&range, Grain::Day).len(), 7);
        // 25 Feb 2026 is a Wednesday: its week starts on Monday 23 Feb.
        assert_eq!(
            periods(&range, Grain::Week),
            vec![day("2026-02-23"), day("2026-03-02")]
        );
        assert_eq!(
            periods(&range, Grain::Month),
            vec![day("2026-02-01"), day("2026-03-01")]
        );
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn default_range_ends_on_latest_data() {
        let range = resolve_range(
            &DashboardFilter::default(),
            None,
            Some(day("2011-12-09")),
            day("2026-11-21"),
        )
        .unwrap();
        assert_eq!(
            range,
            DateRange {
                from: day("2011-09-11"),
                to: day("2011-12-09")
            }
        );
        assert_eq!(range.days(), 90);
    }

    #[test]
    fn default_range_without_data_ends_today() {
        let range =
            resolve_range(&DashboardFilter::default(), None, None, day("2026-11-21")).unwrap();
        assert_eq!(range.to, day("2026-11-21"));
    }

    #[test]
    fn open_ended_ranges() {
        let from_only = DashboardFilter {
            from: Some(day("2024-01-01")),
            ..Default::default()
        };
        let r =
            resolve_range(&from_only, None, Some(day("2024-03-01")), day("2026-01-01")).unwrap();
        assert_eq!((r.from, r.to), (day("2024-01-01"), day("2024-03-01")));
        let to_only = DashboardFilter {
            to: Some(day("2024-03-31")),
            ..Default::default()
        };
        let r = resolve_range(&to_only, None, None, day("2026-01-01")).unwrap();
        assert_eq!((r.from, r.to), (day("2024-01-02"), day("2024-03-31")));
    }

    #[test]
    fn reversed_and_huge_ranges_are_refused_with_the_field() {
        let reversed = DashboardFilter {
            from: Some(day("2024-02-01")),
            to: Some(day("2024-01-01")),
            ..Default::default()
        };
        let err = resolve_range(&reversed, None, None, day("2026-01-01")).unwrap_err();
        assert!(
            err.to_string().starts_with("from: 2024-02-01 is after"),
            "{err}"
        );
        let huge = DashboardFilter {
            from: Some(day("1990-01-01")),
            to: Some(day("2026-01-01")),
            ..Default::default()
        };
        assert!(resolve_range(&huge, None, None, day("2026-01-01"))
            .unwrap_err()
            .to_string()
            .starts_with("to:"));
        // Both are refused before any data is read (what a page asks before its parts) ...
        assert!(reversed
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("from:"));
        assert!(huge.check().unwrap_err().to_string().starts_with("to:"));
        // ... but a preset wins over the dates, which are then not read.
        let preset = DashboardFilter {
            preset: Some(Preset::Last30Days),
            ..reversed
        };
        assert!(preset.check().is_ok());
        assert!(resolve_range(&preset, None, None, day("2026-01-01")).is_ok());
    }

    #[test]
    fn grain_by_range_length() {
        let r = |from: &str, to: &str| DateRange {
            from: day(from),
            to: day(to),
        };
        assert_eq!(grain_for(&r("2024-01-01", "2024-03-02")), Grain::Day); // 62 days
        assert_eq!(grain_for(&r("2024-01-01", "2024-03-03")), Grain::Week);
        assert_eq!(grain_for(&r("2024-01-01", "2024-12-31")), Grain::Week); // 366 days
        assert_eq!(grain_for(&r("2024-01-01", "2025-01-01")), Grain::Month);
    }

    #[test]
    fn presets_are_anchored_on_the_latest_data() {
        let latest = Some(day("2026-05-20"));
        let range = |preset| {
            let f = DashboardFilter {
                preset: Some(preset),
                from: Some(day("2000-01-01")),
                ..Default::default()
            };
            let r = resolve_range(&f, Some(day("2024-03-05")), latest, day("2026-11-21")).unwrap();
            (r.from.to_string(), r.to.to_string())
        };
        let to = "2026-05-20".to_string();
        assert_eq!(range(Preset::Last7Days), ("2026-05-14".into(), to.clone()));
        assert_eq!(range(Preset::Last30Days), ("2026-04-21".into(), to.clone()));
        assert_eq!(
            range(Preset::MonthToDate),
            ("2026-05-01".into(), to.clone())
        );
        assert_eq!(
            range(Preset::QuarterToDate),
            ("2026-04-01".into(), to.clone())
        );
        assert_eq!(range(Preset::YearToDate), ("2026-01-01".into(), to.clone()));
        assert_eq!(
            range(Preset::Last12Months),
            ("2025-05-21".into(), to.clone())
        );
        assert_eq!(range(Preset::AllTime), ("2024-03-05".into(), to));
        // No preset and no dates: the default preset's range (the filter bar names it).
        let default = resolve_range(
            &DashboardFilter::default(),
            Some(day("2024-03-05")),
            latest,
            day("2026-11-21"),
        )
        .unwrap();
        assert_eq!(
            (default.from.to_string(), default.to.to_string()),
            range(DEFAULT_PRESET)
        );
        // "All time" over decades of data is the longest range allowed, not an error.
        let f = DashboardFilter {
            preset: Some(Preset::AllTime),
            ..Default::default()
        };
        let r = resolve_range(&f, Some(day("0001-01-01")), latest, day("2026-11-21")).unwrap();
        assert_eq!(r.days(), MAX_RANGE_DAYS);
        assert_eq!(r.to, day("2026-05-20"));
        assert_eq!(
            Preset::from_key("quarter_to_date"),
            Some(Preset::QuarterToDate)
        );
    }

    #[test]
    fn comparison_periods() {
        let r = DateRange {
            from: day("2026-03-01"),
            to: day("2026-03-31"),
        };
        assert_eq!(
            comparison_range(&r, Compare::PreviousPeriod),
            Some(DateRange {
                from: day("2026-01-29"),
                to: day("2026-02-28")
            }) // the 31 days before
        );
        assert_eq!(
            comparison_range(&r, Compare::PreviousYear),
            Some(DateRange {
                from: day("2025-03-01"),
                to: day("2025-03-31")
            })
        );
        let leap = DateRange {
            from: day("2024-02-29"),
            to: day("2024-02-29"),
        };
        assert_eq!(
            comparison_range(&leap, Compare::PreviousYear).unwrap().from,
            day("2023-02-28")
        );
        assert_eq!(comparison_range(&r, Compare::None), None);
    }
}
