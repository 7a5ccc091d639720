//! Derived Sales numbers: pure functions, no I/O.
use rust_decimal::Decimal;

use super::types::{BreakdownRow, CategoryPoint, NetByCustomerKind, SalesKpis, WhatChanged};
use crate::dashboard::compare::{change, share};
use crate::dashboard::totals::SalesTotals;

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

/// Revenue concentration from the identified customers' net revenue in the range (`nets`, in
/// any order), and the range's net revenue (guests included) for the top-10 share: the ranks
/// are `kernels::pareto`'s (server side: the browser never ranks customers).
#[cfg(feature = "ssr")]
pub fn concentration(
    nets: impl IntoIterator<Item = Decimal>,
    total_net: Decimal,
) -> super::types::Concentration {
    use super::types::{Concentration, ParetoPoint};
    let pareto = kernels::pareto::pareto(nets.into_iter().collect());
    Concentration {
        customers: pareto.customers as i64,
        top10_share: (pareto.customers > 0)
            .then(|| share(pareto.top10, total_net))
            .flatten(),
        customers_for_80: pareto.customers_for_80,
        curve: pareto
            .curve
            .into_iter()
            .map(|(customer_share, revenue_share)| ParetoPoint {
                customer_share,
                revenue_share,
            })
            .collect(),
    }
}

/// Net revenue split into new customers, returning customers (the identified customers'
/// `new` and `returning` net revenue) and guests: the rest of the period's net revenue.
pub fn net_by_kind(new: Decimal, returning: Decimal, total_net: Decimal) -> NetByCustomerKind {
    NetByCustomerKind {
        new_customers: new,
        returning_customers: returning,
        guests: total_net - new - returning,
    }
}

/// Why net revenue moved between two periods. Orders × AOV is gross revenue, so
/// previous net + orders effect + AOV effect + returns effect = current net, exactly; likewise
/// for the split by customer kind.
pub fn what_changed(
    now: &SalesKpis,
    before: &SalesKpis,
    split_now: NetByCustomerKind,
    split_before: NetByCustomerKind,
) -> WhatChanged {
    let aov_before = before.aov.unwrap_or_default();
    let orders_effect = Decimal::from(now.orders - before.orders) * aov_before;
    // The gross change not explained by orders (equals orders now × ΔAOV; computed as the rest
    // so that rounding in AOV never breaks the sum).
    let aov_effect = (now.gross_revenue - before.gross_revenue) - orders_effect;
    WhatChanged {
        previous_net: before.net_revenue,
        current_net: now.net_revenue,
        orders_effect,
        aov_effect,
        returns_effect: before.returns - now.returns,
        new_customers_effect: split_now.new_customers - split_before.new_customers,
        returning_customers_effect: split_now.returning_customers
            - split_before.returning_customers,
        guests_effect: split_now.guests - split_before.guests,
        net_change: change(now.net_revenue, before.net_revenue),
        orders_change: change(now.orders.into(), before.orders.into()),
        aov_change: now.aov.zip(before.aov).and_then(|(n, b)| change(n, b)),
        returns_change: change(now.returns, before.returns),
    }
}

/// Categories shown in the category chart before the rest is folded into "Other".
pub const TOP_CATEGORIES: usize = 6;

/// The category series restricted to the categories kept in `by_category` (its rows other than
/// "Other"), the rest summed per bucket as "Other".
pub fn fold_categories(
    points: Vec<CategoryPoint>,
    by_category: &[BreakdownRow],
) -> Vec<CategoryPoint> {
    let kept: Vec<&str> = by_category
        .iter()
        .filter(|r| r.key != "Other")
        .map(|r| r.key.as_str())
        .collect();
    let mut out: Vec<CategoryPoint> = Vec::with_capacity(points.len());
    for p in points {
        if kept.contains(&p.category.as_str()) {
            out.push(p);
        } else if let Some(o) = out
            .iter_mut()
            .find(|o| o.period == p.period && o.category == "Other")
        {
            o.net_revenue += p.net_revenue;
        } else {
            out.push(CategoryPoint {
                category: "Other".into(),
                ..p
            });
        }
    }
    out
}

/// "Net revenue −8.0%: orders −5.0%, AOV −3.2%, returns +10.0%" — the waterfall in words.
pub fn what_changed_text(w: &WhatChanged) -> String {
    let pct = |c: Option<Decimal>| match c {
        Some(c) => {
            let v = (c * Decimal::from(100)).round_dp(1);
            if v > Decimal::ZERO {
                format!("+{v}%")
            } else if v.is_zero() {
                "±0.0%".to_string()
            } else {
                format!("−{}%", v.abs())
            }
        }
        None => "n/a".to_string(),
    };
    format!(
        "Net revenue {}: orders {}, AOV {}, returns {}",
        pct(w.net_change),
        pct(w.orders_change),
        pct(w.aov_change),
        pct(w.returns_change)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
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

    #[test]
    fn concentration_of_a_hand_worked_shop() {
        // 12 customers: 100, 50, 20, then nine of 10 → identified 260; guests add 40 → total 300.
        let mut nets = vec![dec!(100), dec!(50), dec!(20)];
        nets.extend(std::iter::repeat_n(dec!(10), 9));
        let c = concentration(nets, dec!(300));
        assert_eq!(c.customers, 12);
        // top 10: 100 + 50 + 20 + 7 × 10 = 240 of 300 (guests included)
        assert_eq!(c.top10_share, Some(dec!(0.8)));
        // 80% of 260 = 208: 100, 150, 170, 180, 190, 200, 210 → 7 of 12 customers
        assert_eq!(c.customers_for_80, Some(dec!(7) / dec!(12)));
        assert_eq!(c.curve.len(), 13);
        assert_eq!(c.curve[1].revenue_share, dec!(0.3846)); // 100 / 260
                                                            // Only returns: no positive revenue to share out; no customers: nothing.
        let c = concentration([dec!(-5)], dec!(-5));
        assert_eq!((c.customers, c.top10_share), (1, None));
        let c = concentration([], dec!(50));
        assert_eq!((c.customers, c.top10_share), (0, None));
    }

    #[test]
    fn what_changed_adds_up() {
        let before = sales_kpis(
            &SalesTotals {
                gross_revenue: dec!(1000),
                returns: dec!(100),
                orders: 10,
                ..Default::default()
            },
            5,
        );
        let now = sales_kpis(
            &SalesTotals {
                gross_revenue: dec!(990),
                returns: dec!(120),
                orders: 9,
                ..Default::default()
            },
            5,
        );
        let split_before = net_by_kind(dec!(300), dec!(500), dec!(900));
        assert_eq!(split_before.guests, dec!(100));
        let split_now = net_by_kind(dec!(200), dec!(550), dec!(870));
        let w = what_changed(&now, &before, split_now, split_before);
        // 9 orders at AOV 110 (was 10 at 100): −1 × 100 from orders, +90 from AOV, −20 from returns
        assert_eq!(w.orders_effect, dec!(-100));
        assert_eq!(w.aov_effect, dec!(90));
        assert_eq!(w.returns_effect, dec!(-20));
        assert_eq!(
            w.previous_net + w.orders_effect + w.aov_effect + w.returns_effect,
            w.current_net
        );
        assert_eq!(
            (
                w.new_customers_effect,
                w.returning_customers_effect,
                w.guests_effect
            ),
            (dec!(-100), dec!(50), dec!(20))
        );
        assert_eq!(
            w.previous_net
                + w.new_customers_effect
                + w.returning_customers_effect
                + w.guests_effect,
            w.current_net
        );
        assert_eq!(
            what_changed_text(&w),
            "Net revenue −3.3%: orders −10.0%, AOV +10.0%, returns +20.0%"
        );
    }

    #[test]
    fn categories_beyond_the_top_fold_into_other_per_bucket() {
        let p = |d: &str, c: &str, v: Decimal| CategoryPoint {
            period: day(d),
            category: c.into(),
            net_revenue: v,
        };
        let by = top_with_other(
            vec![
                BreakdownRow {
                    key: "A".into(),
                    gross_revenue: dec!(9),
                    returns: dec!(0),
                    net_revenue: dec!(9),
                    orders: 1,
                    share: None,
                },
                BreakdownRow {
                    key: "B".into(),
                    gross_revenue: dec!(5),
                    returns: dec!(0),
                    net_revenue: dec!(5),
                    orders: 1,
                    share: None,
                },
                BreakdownRow {
                    key: "C".into(),
                    gross_revenue: dec!(2),
                    returns: dec!(0),
                    net_revenue: dec!(2),
                    orders: 1,
                    share: None,
                },
            ],
            1,
        );
        let folded = fold_categories(
            vec![
                p("2026-01-01", "A", dec!(4)),
                p("2026-01-01", "B", dec!(3)),
                p("2026-01-01", "C", dec!(2)),
                p("2026-01-02", "A", dec!(5)),
                p("2026-01-02", "B", dec!(2)),
            ],
            &by,
        );
        assert_eq!(
            folded,
            vec![
                p("2026-01-01", "A", dec!(4)),
                p("2026-01-01", "Other", dec!(5)),
                p("2026-01-02", "A", dec!(5)),
                p("2026-01-02", "Other", dec!(2)),
            ]
        );
    }
}
