//! Derived Sales numbers: pure functions, no I/O.
use chrono::{Datelike, Duration, Months, NaiveDate};
use rust_decimal::Decimal;

use super::types::{
    BreakdownRow, Compare, DateRange, Grain, Preset, SalesFilter, SalesKpis, SalesTotals,
};
use crate::error::AppError;

/// Length of the default range, in days.
pub const DEFAULT_RANGE_DAYS: i64 = 90;
/// The longest range a request may ask for (about 20 years).
pub const MAX_RANGE_DAYS: i64 = 7320;

/// The KPI cards from the rollup sums and the distinct customer count.
pub fn sales_kpis(totals: &SalesTotals, customers: i64) -> SalesKpis {
    let aov = (totals.orders > 0).then(|| totals.gross_revenue / Decimal::from(totals.orders));
    let unidentified_share = (!totals.gross_revenue.is_zero())
        .then(|| totals.unidentified_revenue / totals.gross_revenue);
    SalesKpis {
        gross_revenue: totals.gross_revenue,
        returns: totals.returns,
        net_revenue: totals.gross_revenue - totals.returns,
        adjustments: totals.adjustments,
        orders: totals.orders,
        aov,
        units: totals.units,
        customers,
        unidentified_share,
    }
}

/// The range a filter asks for. A preset is anchored on the latest day with data (or today when
/// there is none), so a shop whose data stops in the past still sees it; without preset or dates,
/// the `DEFAULT_RANGE_DAYS` ending on that day.
pub fn resolve_range(
    filter: &SalesFilter,
    first_day: Option<NaiveDate>,
    latest_day: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<DateRange, AppError> {
    let anchor = latest_day.unwrap_or(today);
    let (from, to) = match (filter.preset, filter.from, filter.to) {
        (Some(preset), _, _) => (preset_start(preset, anchor, first_day), anchor),
        (None, Some(from), Some(to)) => (from, to),
        (None, Some(from), None) => (from, anchor.max(from)),
        (None, None, Some(to)) => (to - Duration::days(DEFAULT_RANGE_DAYS - 1), to),
        (None, None, None) => (anchor - Duration::days(DEFAULT_RANGE_DAYS - 1), anchor),
    };
    if from > to {
        return Err(AppError::invalid(
            "from",
            format!("{from} is after the end date {to}"),
        ));
    }
    let range = DateRange { from, to };
    if range.days() > MAX_RANGE_DAYS {
        return Err(AppError::invalid(
            "to",
            format!(
                "the range spans {} days; at most {MAX_RANGE_DAYS} are allowed",
                range.days()
            ),
        ));
    }
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
        Preset::AllTime => first_day.unwrap_or(anchor).min(anchor),
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

/// Relative change (current − previous) / previous; `None` when previous is 0 (DESIGN.md's MoM rule).
pub fn change(current: Decimal, previous: Decimal) -> Option<Decimal> {
    (!previous.is_zero()).then(|| (current - previous) / previous.abs())
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

/// A part's share of a positive total; `None` when the total is not positive.
pub fn share(part: Decimal, total: Decimal) -> Option<Decimal> {
    (total > Decimal::ZERO).then(|| part / total)
}

/// The `top` largest slices by net revenue, the rest folded into "Other", with each slice's share
/// of the total net revenue. `rows` come ordered by net revenue, largest first.
pub fn top_with_other(rows: Vec<BreakdownRow>, top: usize) -> Vec<BreakdownRow> {
    let total: Decimal = rows.iter().map(|r| r.net_revenue).sum();
    let share = |net: Decimal| share(net, total);
    let mut out: Vec<BreakdownRow> = Vec::with_capacity(rows.len().min(top).saturating_add(1));
    let mut other: Option<BreakdownRow> = None;
    for (i, row) in rows.into_iter().enumerate() {
        if i < top {
            out.push(BreakdownRow {
                share: share(row.net_revenue),
                ..row
            });
        } else {
            let o = other.get_or_insert_with(|| BreakdownRow {
                key: "Other".into(),
                gross_revenue: Decimal::ZERO,
                returns: Decimal::ZERO,
                net_revenue: Decimal::ZERO,
                orders: 0,
                share: None,
            });
            o.gross_revenue += row.gross_revenue;
            o.returns += row.returns;
            o.net_revenue += row.net_revenue;
            o.orders += row.orders;
        }
    }
    if let Some(o) = other {
        out.push(BreakdownRow {
            share: share(o.net_revenue),
            ..o
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn kpis_follow_the_definitions() {
        let totals = SalesTotals {
            gross_revenue: dec!(1000.00),
            returns: dec!(150.50),
            adjustments: dec!(-20.00),
            units: 42,
            orders: 8,
            unidentified_revenue: dec!(250.00),
        };
        let kpis = sales_kpis(&totals, 5);
        assert_eq!(kpis.net_revenue, dec!(849.50));
        assert_eq!(kpis.aov, Some(dec!(125.00)));
        assert_eq!(kpis.unidentified_share, Some(dec!(0.25)));
        assert_eq!(kpis.customers, 5);
        assert_eq!(kpis.adjustments, dec!(-20.00));
    }

    #[test]
    fn empty_range_has_no_ratios() {
        let kpis = sales_kpis(&SalesTotals::default(), 0);
        assert_eq!(kpis.aov, None);
        assert_eq!(kpis.unidentified_share, None);
        assert_eq!(kpis.net_revenue, Decimal::ZERO);
    }

    #[test]
    fn returns_only_range_has_negative_net_and_no_aov() {
        let totals = SalesTotals {
            returns: dec!(30),
            ..Default::default()
        };
        let kpis = sales_kpis(&totals, 0);
        assert_eq!(kpis.net_revenue, dec!(-30));
        assert_eq!(kpis.aov, None);
    }

    #[test]
    fn default_range_ends_on_latest_data() {
        let range = resolve_range(
            &SalesFilter::default(),
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
        let range = resolve_range(&SalesFilter::default(), None, None, day("2026-11-21")).unwrap();
        assert_eq!(range.to, day("2026-11-21"));
    }

    #[test]
    fn open_ended_ranges() {
        let from_only = SalesFilter {
            from: Some(day("2024-01-01")),
            ..Default::default()
        };
        let r =
            resolve_range(&from_only, None, Some(day("2024-03-01")), day("2026-01-01")).unwrap();
        assert_eq!((r.from, r.to), (day("2024-01-01"), day("2024-03-01")));
        let to_only = SalesFilter {
            to: Some(day("2024-03-31")),
            ..Default::default()
        };
        let r = resolve_range(&to_only, None, None, day("2026-01-01")).unwrap();
        assert_eq!((r.from, r.to), (day("2024-01-02"), day("2024-03-31")));
    }

    #[test]
    fn reversed_and_huge_ranges_are_refused_with_the_field() {
        let reversed = SalesFilter {
            from: Some(day("2024-02-01")),
            to: Some(day("2024-01-01")),
            ..Default::default()
        };
        let err = resolve_range(&reversed, None, None, day("2026-01-01")).unwrap_err();
        assert!(
            err.to_string().starts_with("from: 2024-02-01 is after"),
            "{err}"
        );
        let huge = SalesFilter {
            from: Some(day("1990-01-01")),
            to: Some(day("2026-01-01")),
            ..Default::default()
        };
        assert!(resolve_range(&huge, None, None, day("2026-01-01"))
            .unwrap_err()
            .to_string()
            .starts_with("to:"));
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
            let f = SalesFilter {
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

    #[test]
    fn change_is_empty_when_the_previous_value_is_zero() {
        assert_eq!(change(dec!(110), dec!(100)), Some(dec!(0.1)));
        assert_eq!(change(dec!(92), dec!(100)), Some(dec!(-0.08)));
        assert_eq!(change(dec!(5), dec!(0)), None);
        // A negative base (net revenue with more returns than sales) still reads the right way.
        assert_eq!(change(dec!(-50), dec!(-100)), Some(dec!(0.5)));
    }

    #[test]
    fn top_slices_and_the_rest_as_other() {
        let row = |key: &str, gross: Decimal, returns: Decimal, orders| BreakdownRow {
            key: key.into(),
            gross_revenue: gross,
            returns,
            net_revenue: gross - returns,
            orders,
            share: None,
        };
        let rows = vec![
            row("UK", dec!(600), dec!(0), 6),
            row("DE", dec!(250), dec!(50), 3),
            row("FR", dec!(150), dec!(0), 2),
            row("ES", dec!(50), dec!(0), 1),
        ];
        let top = top_with_other(rows.clone(), 2);
        // total net = 600 + 200 + 150 + 50 = 1000
        let summary: Vec<_> = top
            .iter()
            .map(|r| (r.key.as_str(), r.net_revenue, r.orders, r.share))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("UK", dec!(600), 6, Some(dec!(0.6))),
                ("DE", dec!(200), 3, Some(dec!(0.2))),
                ("Other", dec!(200), 3, Some(dec!(0.2)))
            ]
        );
        assert_eq!(
            top_with_other(rows.clone(), 10).len(),
            4,
            "no Other when everything fits"
        );
        assert_eq!(top_with_other(rows, usize::MAX).len(), 4, "all of them");
        assert_eq!(
            top_with_other(vec![row("UK", dec!(0), dec!(10), 0)], 5)[0].share,
            None,
            "no shares of a negative total"
        );
    }
}
