//! Derived Sales numbers: pure functions, no I/O.
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::types::{DateRange, Grain, SalesFilter, SalesKpis, SalesTotals};
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

/// The range a filter asks for. Without dates: the `DEFAULT_RANGE_DAYS` ending on the latest day
/// with data (or today when there is none), so a shop whose data stops in the past still sees it.
pub fn resolve_range(
    filter: &SalesFilter,
    latest_day: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<DateRange, AppError> {
    let anchor = latest_day.unwrap_or(today);
    let (from, to) = match (filter.from, filter.to) {
        (Some(from), Some(to)) => (from, to),
        (Some(from), None) => (from, anchor.max(from)),
        (None, Some(to)) => (to - Duration::days(DEFAULT_RANGE_DAYS - 1), to),
        (None, None) => (anchor - Duration::days(DEFAULT_RANGE_DAYS - 1), anchor),
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

/// A bucket size that keeps a chart readable: days up to two months, weeks up to a year,
/// months beyond.
pub fn grain_for(range: &DateRange) -> Grain {
    match range.days() {
        d if d <= 62 => Grain::Day,
        d if d <= 366 => Grain::Week,
        _ => Grain::Month,
    }
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
        let range = resolve_range(&SalesFilter::default(), None, day("2026-11-21")).unwrap();
        assert_eq!(range.to, day("2026-11-21"));
    }

    #[test]
    fn open_ended_ranges() {
        let from_only = SalesFilter {
            from: Some(day("2024-01-01")),
            to: None,
        };
        let r = resolve_range(&from_only, Some(day("2024-03-01")), day("2026-01-01")).unwrap();
        assert_eq!((r.from, r.to), (day("2024-01-01"), day("2024-03-01")));
        let to_only = SalesFilter {
            from: None,
            to: Some(day("2024-03-31")),
        };
        let r = resolve_range(&to_only, None, day("2026-01-01")).unwrap();
        assert_eq!((r.from, r.to), (day("2024-01-02"), day("2024-03-31")));
    }

    #[test]
    fn reversed_and_huge_ranges_are_refused_with_the_field() {
        let reversed = SalesFilter {
            from: Some(day("2024-02-01")),
            to: Some(day("2024-01-01")),
        };
        let err = resolve_range(&reversed, None, day("2026-01-01")).unwrap_err();
        assert!(
            err.to_string().starts_with("from: 2024-02-01 is after"),
            "{err}"
        );
        let huge = SalesFilter {
            from: Some(day("1990-01-01")),
            to: Some(day("2026-01-01")),
        };
        assert!(resolve_range(&huge, None, day("2026-01-01"))
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
}
