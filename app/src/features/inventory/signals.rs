//! Market signals (DESIGN.md): competitor price drop, own price change, demand surge, low stock
//! and price anomaly. The rules are pure functions over the figures `refresh::refresh_signals`
//! reads; each signal carries a fingerprint (the week, day or observation it is about), so recomputing raises nothing
//! twice.
use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::queries::{CompetitorPair, DailyPrice, NewSignal};
use super::types::{ProductStock, Severity, SignalSettings, StockStatus};

/// "2026-W23": signals about a state (low stock, a surge) are raised once per ISO week.
fn week_key(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn money(v: Decimal) -> String {
    format!("{:.2}", v.round_dp(2))
}

/// Low stock: a selling product at or under its reorder point, or under the unit threshold;
/// critical when out of stock or when it runs out before a new order could arrive.
pub fn low_stock(
    products: &[ProductStock],
    as_of: NaiveDate,
    s: &SignalSettings,
    dead_days: i64,
) -> Vec<NewSignal> {
    products
        .iter()
        .filter_map(|p| {
            let on_hand = p.on_hand?;
            // Out of stock for the whole demand window leaves no measurable demand: still a
            // signal while the last sale is within the dead-stock days.
            let sold_lately = p
                .last_sale
                .is_some_and(|d| (as_of - d).num_days() < dead_days);
            let sells = p.daily_demand > 0.0 || (on_hand <= 0 && sold_lately);
            if matches!(p.status, StockStatus::Dead | StockStatus::Untracked) || !sells {
                return None;
            }
            // Few units left is low only when they do not last long: under twice the lead time
            // (9 units of a product that sells one a fortnight are months of stock).
            let few = on_hand < s.low_stock_units
                && p.days_of_cover
                    .is_none_or(|d| d < 2.0 * p.lead_time_days as f64);
            if on_hand as f64 > p.reorder_point && !few {
                return None;
            }
            let critical = on_hand <= 0
                || p.days_of_cover.is_some_and(|d| d < p.lead_time_days as f64);
            let message = if on_hand <= 0 {
                format!("{} is out of stock (selling {:.1} a day).", p.name, p.daily_demand)
            } else {
                format!(
                    "{} is low: {on_hand} left, reorder point {:.0}, {:.0} days of cover against a {}-day lead time.",
                    p.name,
                    p.reorder_point,
                    p.days_of_cover.unwrap_or_default(),
                    p.lead_time_days
                )
            };
            Some(NewSignal {
                kind: "low_stock",
                product_id: p.product_id,
                severity: if critical { Severity::Critical } else { Severity::Warning },
                message,
                fingerprint: week_key(as_of),
            })
        })
        .collect()
}

/// Per product: (gross revenue, units) by local day.
type Days<'a> = HashMap<i64, Vec<&'a DailyPrice>>;

fn sums(days: &[&DailyPrice], from: NaiveDate, to: NaiveDate) -> (Decimal, i64) {
    days.iter()
        .filter(|d| d.day >= from && d.day <= to)
        .fold((Decimal::ZERO, 0), |(g, u), d| {
            (g + d.gross_revenue, u + d.units)
        })
}

fn orders(days: &[&DailyPrice], from: NaiveDate, to: NaiveDate) -> i64 {
    days.iter()
        .filter(|d| d.day >= from && d.day <= to)
        .map(|d| d.orders)
        .sum()
}

/// Demand surge: units and orders per day of the last 7 days at least `surge_ratio` times those
/// of the 28 before, with at least `surge_min_units` units in `surge_min_orders` orders in the 7
/// days (one bulk order is not a surge); critical at twice the ratio (in both) or from nothing.
pub fn demand_surges(
    prices: &[DailyPrice],
    names: &HashMap<i64, String>,
    as_of: NaiveDate,
    s: &SignalSettings,
) -> Vec<NewSignal> {
    let by = group(prices);
    let recent_from = as_of - Duration::days(6);
    let before = (as_of - Duration::days(34), as_of - Duration::days(7));
    let mut out: Vec<NewSignal> = by
        .iter()
        .filter_map(|(id, days)| {
            let (_, recent) = sums(days, recent_from, as_of);
            let (_, prior) = sums(days, before.0, before.1);
            let recent_orders = orders(days, recent_from, as_of);
            let prior_orders = orders(days, before.0, before.1);
            if recent < s.surge_min_units || recent_orders < s.surge_min_orders {
                return None;
            }
            // Each rate against the one before, per day (7 days against 28).
            let rise = |now: i64, before: i64| {
                (before > 0).then(|| (now as f64 / 7.0) / (before as f64 / 28.0))
            };
            let (ratio, order_ratio) = (rise(recent, prior), rise(recent_orders, prior_orders));
            if ratio.is_some_and(|r| r < s.surge_ratio)
                || order_ratio.is_some_and(|r| r < s.surge_ratio)
            {
                return None;
            }
            Some(NewSignal {
                kind: "demand_surge",
                product_id: *id,
                severity: if ratio.is_none_or(|r| r >= 2.0 * s.surge_ratio)
                    && order_ratio.is_none_or(|r| r >= 2.0 * s.surge_ratio)
                {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                message: match ratio {
                    Some(r) => format!(
                        "Demand for {} surged: {recent} units in the last 7 days, {r:.1}× the daily rate of the 28 days before.",
                        name(names, *id)
                    ),
                    None => format!(
                        "Demand for {} surged: {recent} units in the last 7 days after none in the 28 days before.",
                        name(names, *id)
                    ),
                },
                fingerprint: week_key(as_of),
            })
        })
        .collect();
    out.sort_by_key(|s| s.product_id);
    out
}

/// Own price change: the average selling price of the last 7 days moved by at least
/// `own_price_change` from the 28 days before.
pub fn own_price_changes(
    prices: &[DailyPrice],
    names: &HashMap<i64, String>,
    as_of: NaiveDate,
    s: &SignalSettings,
) -> Vec<NewSignal> {
    let by = group(prices);
    let mut out: Vec<NewSignal> = by
        .iter()
        .filter_map(|(id, days)| {
            let (g1, u1) = sums(days, as_of - Duration::days(6), as_of);
            let (g0, u0) = sums(days, as_of - Duration::days(34), as_of - Duration::days(7));
            if u1 == 0 || u0 == 0 {
                return None;
            }
            let now = g1 / Decimal::from(u1);
            let before = g0 / Decimal::from(u0);
            if before <= Decimal::ZERO {
                return None;
            }
            let change = ((now - before) / before).to_f64()?;
            (change.abs() >= s.own_price_change).then(|| NewSignal {
                kind: "own_price_change",
                product_id: *id,
                severity: Severity::Info,
                message: format!(
                    "Our average price of {} moved {:+.1}%: {} in the last 7 days, {} in the 28 days before.",
                    name(names, *id),
                    change * 100.0,
                    money(now),
                    money(before)
                ),
                fingerprint: week_key(as_of),
            })
        })
        .collect();
    out.sort_by_key(|s| s.product_id);
    out
}

/// Price anomaly: a day of the last 7 whose average selling price is more than `anomaly_factor`
/// times above or below the median daily price of the 90 days before.
pub fn price_anomalies(
    prices: &[DailyPrice],
    names: &HashMap<i64, String>,
    as_of: NaiveDate,
    s: &SignalSettings,
) -> Vec<NewSignal> {
    let by = group(prices);
    let recent_from = as_of - Duration::days(6);
    let mut out = Vec::new();
    for (id, days) in &by {
        let mut history: Vec<Decimal> = days
            .iter()
            .filter(|d| d.day < recent_from && d.day >= recent_from - Duration::days(90))
            .map(|d| d.gross_revenue / Decimal::from(d.units))
            .collect();
        if history.len() < 5 {
            continue;
        }
        history.sort();
        let median = history[history.len() / 2];
        let factor = Decimal::try_from(s.anomaly_factor).unwrap_or(Decimal::TWO);
        for d in days
            .iter()
            .filter(|d| d.day >= recent_from && d.day <= as_of)
        {
            let price = d.gross_revenue / Decimal::from(d.units);
            if price > median * factor || price * factor < median {
                out.push(NewSignal {
                    kind: "price_anomaly",
                    product_id: *id,
                    severity: Severity::Warning,
                    message: format!(
                        "{} sold at {} on {}, against a usual {} (median of the 90 days before).",
                        name(names, *id),
                        money(price),
                        d.day,
                        money(median)
                    ),
                    fingerprint: d.day.to_string(),
                });
            }
        }
    }
    out.sort_by(|a, b| (a.product_id, &a.fingerprint).cmp(&(b.product_id, &b.fingerprint)));
    out
}

/// Competitor price drop: a competitor's latest price (shipping included) at least
/// `competitor_drop` under its previous observation; critical when it now undercuts us.
pub fn competitor_drops(
    pairs: &[CompetitorPair],
    products: &HashMap<i64, &ProductStock>,
    s: &SignalSettings,
) -> Vec<NewSignal> {
    let mut out: Vec<NewSignal> = pairs
        .iter()
        .filter_map(|c| {
            let previous = c.previous_price? + c.previous_shipping.unwrap_or_default();
            let now = c.price + c.shipping;
            if previous <= Decimal::ZERO {
                return None;
            }
            let drop = ((previous - now) / previous).to_f64()?;
            if drop < s.competitor_drop {
                return None;
            }
            let product = products.get(&c.product_id)?;
            let ours = product.price;
            let undercuts = ours.is_some_and(|p| now < p);
            Some(NewSignal {
                kind: "competitor_price_drop",
                product_id: c.product_id,
                severity: if undercuts {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                message: format!(
                    "{} cut {} from {} to {} (−{:.1}%){}.",
                    c.competitor,
                    product.name,
                    money(previous),
                    money(now),
                    drop * 100.0,
                    match ours {
                        Some(p) if undercuts => format!(", now under our {}", money(p)),
                        Some(p) => format!(", still above our {}", money(p)),
                        None => String::new(),
                    }
                ),
                fingerprint: format!(
                    "{}@{}",
                    c.competitor,
                    c.observed_at.format("%Y-%m-%dT%H:%M")
                ),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.product_id, &a.fingerprint).cmp(&(b.product_id, &b.fingerprint)));
    out
}

/// Days with units sold at a price above 0 (free lines say nothing about the price).
fn group(prices: &[DailyPrice]) -> Days<'_> {
    let mut by: Days = HashMap::new();
    for p in prices
        .iter()
        .filter(|p| p.units > 0 && p.gross_revenue > Decimal::ZERO)
    {
        by.entry(p.product_id).or_default().push(p);
    }
    by
}

fn name(names: &HashMap<i64, String>, id: i64) -> &str {
    names.get(&id).map(String::as_str).unwrap_or("a product")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
    }

    fn product(
        id: i64,
        on_hand: Option<i64>,
        rop: f64,
        demand: f64,
        status: StockStatus,
    ) -> ProductStock {
        ProductStock {
            on_hand,
            unit_cost: Some(dec!(5)),
            price: Some(dec!(10)),
            lead_time_days: 10,
            daily_demand: demand,
            days_of_cover: on_hand.and_then(|o| super::super::kpi::days_of_cover(o, demand)),
            reorder_point: rop,
            ..ProductStock::for_test(id, status)
        }
    }

    #[test]
    fn low_stock_thresholds() {
        let s = SignalSettings::default();
        let products = [
            product(1, Some(30), 40.0, 2.0, StockStatus::Reorder), // under ROP, 15 days > 10 lead: warning
            product(2, Some(15), 40.0, 2.0, StockStatus::Reorder), // 7.5 days < 10: critical
            product(3, Some(50), 40.0, 2.0, StockStatus::Ok),      // fine
            product(4, Some(9), 2.0, 0.5, StockStatus::Ok), // under 10 units, 18 days < 2 × 10 lead: warning
            product(5, Some(0), 40.0, 2.0, StockStatus::Out), // out: critical
            product(6, Some(3), 40.0, 0.0, StockStatus::Dead), // dead stock: no signal
            product(7, None, 40.0, 2.0, StockStatus::Untracked), // untracked: no signal
            product(8, Some(10), 2.0, 0.1, StockStatus::Ok), // exactly 10 units: fine
            product(11, Some(9), 2.0, 0.1, StockStatus::Ok), // under 10 units but 90 days of cover: fine
            ProductStock {
                last_sale: Some(day(1)), // out for the whole window, sold 9 days ago: critical
                ..product(9, Some(0), 0.0, 0.0, StockStatus::Out)
            },
            ProductStock {
                last_sale: NaiveDate::from_ymd_opt(2026, 3, 1), // 101 days ago: no signal
                ..product(10, Some(0), 0.0, 0.0, StockStatus::Out)
            },
        ];
        let out = low_stock(&products, day(10), &s, 90);
        let got: Vec<(i64, Severity)> = out.iter().map(|s| (s.product_id, s.severity)).collect();
        assert_eq!(
            got,
            vec![
                (1, Severity::Warning),
                (2, Severity::Critical),
                (4, Severity::Warning),
                (5, Severity::Critical),
                (9, Severity::Critical)
            ]
        );
        assert_eq!(out[0].fingerprint, "2026-W24");
        assert!(
            out[0].message.contains("30 left, reorder point 40"),
            "{}",
            out[0].message
        );
    }

    fn sale(id: i64, d: u32, price: Decimal, units: i64) -> DailyPrice {
        DailyPrice {
            product_id: id,
            day: day(d),
            gross_revenue: price * Decimal::from(units),
            units,
            // A unit an order, unless a test says otherwise.
            orders: units,
        }
    }

    fn names() -> HashMap<i64, String> {
        (1..=3).map(|i| (i, format!("Product {i}"))).collect()
    }

    #[test]
    fn surges_compare_daily_rates() {
        let s = SignalSettings::default();
        // as of June 30: the last 7 days are June 24–30, the 28 before June 2–23 (in June).
        // Product 1: 1 a day before (28 days → but only June 2–23 exist: 22 units → 0.786/day),
        // 14 in the last 7 days (2/day = 2.55×): a surge.
        // Product 2: the same before, 9 in the last 7 days: under the 10-unit minimum.
        // Product 3: nothing before, 12 now: a surge from nothing (critical).
        let mut prices = Vec::new();
        for d in 2..=23 {
            prices.push(sale(1, d, dec!(10), 1));
            prices.push(sale(2, d, dec!(10), 1));
        }
        prices.push(sale(1, 24, dec!(10), 14));
        prices.push(sale(2, 24, dec!(10), 9));
        prices.push(sale(3, 30, dec!(10), 12));
        let out = demand_surges(&prices, &names(), day(30), &s);
        let got: Vec<(i64, Severity)> = out.iter().map(|s| (s.product_id, s.severity)).collect();
        assert_eq!(got, vec![(1, Severity::Warning), (3, Severity::Critical)]);
        assert!(out[0].message.contains("2.5×"), "{}", out[0].message);
        // Exactly 2× is a surge: 98 units in the 28 days before (3.5 a day), 49 in the last 7 (7 a day).
        let mut even = Vec::new();
        for d in 3..=16 {
            even.push(sale(1, d, dec!(10), 7));
        }
        even.push(sale(1, 30, dec!(10), 49));
        assert_eq!(demand_surges(&even, &names(), day(30), &s).len(), 1);
        // One bulk order of 40 is not a surge, nor 4 orders of 10; 5 orders are, but only while
        // the orders' own rate doubled too (a product bought by a customer a day is not
        // surging when five of them buy more each).
        let bulk = |orders_now: i64, units_now: i64, orders_before: i64| {
            let mut days = Vec::new();
            for d in (2..=23).filter(|_| orders_before > 0) {
                let mut before = sale(1, d, dec!(10), 10 * orders_before);
                before.orders = orders_before;
                days.push(before);
            }
            let mut now = sale(1, 30, dec!(10), units_now);
            now.orders = orders_now;
            days.push(now);
            demand_surges(&days, &names(), day(30), &s).len()
        };
        assert_eq!(bulk(1, 400, 0), 0, "one bulk order");
        assert_eq!(bulk(4, 400, 0), 0, "four orders");
        assert_eq!(bulk(5, 400, 0), 1, "five orders after none");
        // 22 orders in the 28 days before (0.79 a day): 5 orders now (0.71 a day) did not rise.
        assert_eq!(bulk(5, 400, 1), 0, "the same buyers buying more");
        assert_eq!(bulk(12, 400, 1), 1, "twice the orders");
    }

    #[test]
    fn own_price_change_and_anomaly() {
        let s = SignalSettings::default();
        let mut prices = Vec::new();
        for d in 1..=23 {
            prices.push(sale(1, d, dec!(10), 2));
            prices.push(sale(2, d, dec!(10), 2));
        }
        prices.push(sale(3, 2, dec!(0), 5)); // free samples: no price, no division by zero
        prices.push(sale(1, 28, dec!(11.5), 2)); // +15%: signalled
        prices.push(sale(2, 28, dec!(11.4), 2)); // +14%: not
        let out = own_price_changes(&prices, &names(), day(30), &s);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].product_id, 1);
        assert!(out[0].message.contains("+15.0%"), "{}", out[0].message);
        // A price of 25 against a median of 10 (2.5×) is an anomaly; 19.99 is not; 4.99 is.
        prices.push(sale(3, 25, dec!(25), 1));
        prices.push(sale(3, 26, dec!(19.99), 1));
        prices.push(sale(3, 27, dec!(4.99), 1));
        for d in 1..=20 {
            prices.push(sale(3, d, dec!(10), 1));
        }
        let anomalies = price_anomalies(&prices, &names(), day(30), &s);
        let got: Vec<(i64, String)> = anomalies
            .iter()
            .map(|a| (a.product_id, a.fingerprint.clone()))
            .collect();
        assert_eq!(
            got,
            vec![(3, "2026-06-25".to_string()), (3, "2026-06-27".to_string())]
        );
    }

    #[test]
    fn competitor_drops_at_the_threshold() {
        let s = SignalSettings::default();
        let p = product(1, Some(50), 10.0, 1.0, StockStatus::Ok); // our price 10
        let products: HashMap<i64, &ProductStock> = HashMap::from([(1, &p)]);
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-29T06:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let pair = |competitor: &str, price, previous| CompetitorPair {
            product_id: 1,
            competitor: competitor.into(),
            observed_at: at,
            price,
            shipping: dec!(0),
            previous_price: previous,
            previous_shipping: Some(dec!(0)),
        };
        let out = competitor_drops(
            &[
                pair("A", dec!(10.20), Some(dec!(12))), // −15%: warning (10.20 ≥ our 10)
                pair("B", dec!(8.00), Some(dec!(10))),  // −20% and under us: critical
                pair("C", dec!(10.21), Some(dec!(12))), // −14.9%: nothing
                pair("D", dec!(5), None),               // first observation: nothing
            ],
            &products,
            &s,
        );
        let got: Vec<(String, Severity)> = out
            .iter()
            .map(|s| (s.fingerprint.clone(), s.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A@2026-06-29T06:00".to_string(), Severity::Warning),
                ("B@2026-06-29T06:00".to_string(), Severity::Critical)
            ]
        );
        assert!(
            out[1].message.contains("now under our 10.00"),
            "{}",
            out[1].message
        );
    }
}
