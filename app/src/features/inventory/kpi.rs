//! The stock and pricing rules of DESIGN.md, as pure functions over plain numbers: demand, safety
//! stock, reorder point, days of cover, turnover, ABC classes, price elasticity and the recommended
//! price. Shared with the browser, which projects a what-if price with the same function.
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;

use super::types::{
    Abc, Elasticity, PricingSettings, Projection, Recommendation, Rule, StockSettings, StockStatus,
};

/// Average and standard deviation (sample, n − 1) of daily units sold over the days the product
/// was in stock; `None` without such days. Days out of stock say nothing about demand.
pub fn daily_demand(units: &[i64], in_stock: &[bool]) -> Option<(f64, f64)> {
    let days: Vec<f64> = units
        .iter()
        .zip(in_stock)
        .filter(|(_, ok)| **ok)
        .map(|(u, _)| *u as f64)
        .collect();
    if days.is_empty() {
        return None;
    }
    let n = days.len() as f64;
    let mean = days.iter().sum::<f64>() / n;
    let sd = if days.len() > 1 {
        (days.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Some((mean, sd))
}

/// safety stock = z × σ(daily demand) × √lead time.
pub fn safety_stock(z: f64, demand_sd: f64, lead_time_days: f64) -> f64 {
    z * demand_sd * lead_time_days.max(0.0).sqrt()
}

/// reorder point = average daily demand × lead time + safety stock.
pub fn reorder_point(demand: f64, lead_time_days: f64, safety_stock: f64) -> f64 {
    demand * lead_time_days.max(0.0) + safety_stock
}

/// days of cover = on hand / average daily demand; `None` without demand.
pub fn days_of_cover(on_hand: i64, demand: f64) -> Option<f64> {
    (demand > 0.0).then(|| on_hand.max(0) as f64 / demand)
}

/// turnover = units sold in range / average units on hand in range; `None` without stock.
pub fn turnover(units_sold: i64, average_on_hand: f64) -> Option<f64> {
    (average_on_hand > 0.0).then(|| units_sold as f64 / average_on_hand)
}

/// Units to order now: when stock is at or under the reorder point, what lifts it back above the
/// reorder point plus the review period's demand; otherwise nothing.
pub fn suggested_order(on_hand: i64, reorder_point: f64, demand: f64, review_days: f64) -> i64 {
    let on_hand = on_hand.max(0) as f64;
    if demand <= 0.0 || on_hand > reorder_point {
        return 0;
    }
    (reorder_point + demand * review_days - on_hand)
        .ceil()
        .max(0.0) as i64
}

/// The last day to place an order before stock falls to the reorder point (today when it is
/// already there), and the day stock runs out at the current demand; `None` without demand.
pub fn order_dates(
    as_of: NaiveDate,
    on_hand: i64,
    reorder_point: f64,
    demand: f64,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    if demand <= 0.0 {
        return (None, None);
    }
    let on_hand = on_hand.max(0) as f64;
    let days_to_reorder = ((on_hand - reorder_point) / demand).floor().max(0.0);
    let days_to_out = (on_hand / demand).floor();
    let day = |n: f64| as_of.checked_add_signed(Duration::days(n.min(36_500.0) as i64));
    (day(days_to_reorder), day(days_to_out))
}

/// The figures behind a product's status.
#[derive(Debug, Clone, Copy)]
pub struct StockState {
    pub on_hand: i64,
    pub reorder_point: f64,
    pub days_of_cover: Option<f64>,
    /// Days since the last sale, as of the day the status is for; `None`: never sold.
    pub days_since_sale: Option<i64>,
}

/// out (nothing on hand) › dead (no sale for `dead_days`) › reorder (at or under the reorder
/// point) › overstock (more than `overstock_days` of cover) › ok.
pub fn stock_status(s: &StockState, settings: &StockSettings) -> StockStatus {
    if s.on_hand <= 0 {
        StockStatus::Out
    } else if s.days_since_sale.is_none_or(|d| d >= settings.dead_days) {
        StockStatus::Dead
    } else if s.on_hand as f64 <= s.reorder_point {
        StockStatus::Reorder
    } else if s.days_of_cover.is_some_and(|d| d > settings.overstock_days) {
        StockStatus::Overstock
    } else {
        StockStatus::Ok
    }
}

/// ABC classes of products by net revenue (same order as given): sorted by revenue, a product is
/// A while the cumulative share before it is under 80%, B under 95%, C otherwise; no revenue: C.
pub fn abc_classes(net_revenue: &[Decimal]) -> Vec<Abc> {
    let total: Decimal = net_revenue.iter().filter(|v| **v > Decimal::ZERO).sum();
    let mut order: Vec<usize> = (0..net_revenue.len()).collect();
    order.sort_by(|a, b| net_revenue[*b].cmp(&net_revenue[*a]).then(a.cmp(b)));
    let mut classes = vec![Abc::C; net_revenue.len()];
    let mut before = Decimal::ZERO;
    for i in order {
        let value = net_revenue[i];
        if value <= Decimal::ZERO || total <= Decimal::ZERO {
            continue;
        }
        let share = before / total;
        classes[i] = if share < Decimal::new(80, 2) {
            Abc::A
        } else if share < Decimal::new(95, 2) {
            Abc::B
        } else {
            Abc::C
        };
        before += value;
    }
    classes
}

/// One week of a product's history: average selling price and units sold, and the units the
/// whole shop sold that week (the control for seasons and growth; 0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekPoint {
    pub price: f64,
    pub units: f64,
    pub shop_units: f64,
}

/// The slope of ln(weekly units) on ln(weekly average price) by least squares, holding
/// ln(the shop's weekly units) constant as a second regressor when it varies (so that seasons and
/// growth, which move every product, do not pass for price effects), with its standard error,
/// over the weeks with sales; `supported` only when there are enough weeks, the price really
/// varied and the error is narrow (the reason says which test failed).
pub fn elasticity(weeks: &[WeekPoint], settings: &PricingSettings) -> Elasticity {
    let points: Vec<(f64, f64, f64)> = weeks
        .iter()
        .filter(|w| w.units > 0.0 && w.price > 0.0)
        .map(|w| (w.price.ln(), w.units.ln(), w.shop_units.max(1.0).ln()))
        .collect();
    let n = points.len();
    let mut result = Elasticity {
        estimate: None,
        std_error: None,
        intercept: None,
        weeks: n as i64,
        price_range: None,
        supported: false,
        reason: None,
    };
    if n < settings.min_weeks.max(4) as usize {
        result.reason = Some(format!(
            "only {n} weeks with sales; at least {} are needed",
            settings.min_weeks.max(4)
        ));
        return result;
    }
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    let range = hi.exp() / lo.exp() - 1.0;
    result.price_range = Some(range);
    let nf = n as f64;
    let mean = |f: fn(&(f64, f64, f64)) -> f64| points.iter().map(f).sum::<f64>() / nf;
    let (mx, my, mz) = (mean(|p| p.0), mean(|p| p.1), mean(|p| p.2));
    let c: Vec<(f64, f64, f64)> = points
        .iter()
        .map(|p| (p.0 - mx, p.1 - my, p.2 - mz))
        .collect();
    let sum = |f: &dyn Fn(&(f64, f64, f64)) -> f64| c.iter().map(f).sum::<f64>();
    let (sxx, sxy, szz, sxz, szy) = (
        sum(&|p| p.0 * p.0),
        sum(&|p| p.0 * p.1),
        sum(&|p| p.2 * p.2),
        sum(&|p| p.0 * p.2),
        sum(&|p| p.2 * p.1),
    );
    if range < settings.min_price_range || sxx <= 0.0 {
        result.reason = Some(format!(
            "the price varied by {:.1}% only; at least {:.0}% is needed",
            range * 100.0,
            settings.min_price_range * 100.0
        ));
        return result;
    }
    let det = sxx * szz - sxz * sxz;
    // With the control when the shop's weeks differ (and are not a copy of the price), else the
    // simple slope.
    let (slope, control, params, var_factor) = if szz > 1e-12 && det > 1e-12 * sxx * szz {
        (
            (szz * sxy - sxz * szy) / det,
            (sxx * szy - sxz * sxy) / det,
            3.0,
            szz / det,
        )
    } else {
        (sxy / sxx, 0.0, 2.0, 1.0 / sxx)
    };
    let ssr: f64 = c
        .iter()
        .map(|p| (p.1 - slope * p.0 - control * p.2).powi(2))
        .sum();
    let se = (ssr / (nf - params) * var_factor).sqrt();
    result.estimate = Some(slope);
    result.std_error = Some(se);
    // ln(units) at ln(price) = 0 for an average week of the shop.
    result.intercept = Some(my - slope * mx);
    if se > settings.max_std_error || slope.abs() < settings.min_t * se {
        result.reason = Some(format!(
            "the estimate {slope:.2} is too uncertain (standard error {se:.2}; at most {:.2}, and at most 1/{:.0} of the estimate)",
            settings.max_std_error, settings.min_t
        ));
        return result;
    }
    result.supported = true;
    result
}

/// Expected weekly units, revenue and profit at `price`, from the units sold at `current` and a
/// constant elasticity (units × (price / current)^e).
pub fn project(
    current: Decimal,
    price: Decimal,
    weekly_units: f64,
    elasticity: f64,
    unit_cost: Decimal,
) -> Projection {
    let ratio = match (price.to_f64(), current.to_f64()) {
        (Some(p), Some(c)) if c > 0.0 && p > 0.0 => p / c,
        _ => 1.0,
    };
    let units = weekly_units * ratio.clamp(0.01, 100.0).powf(elasticity);
    let units_dec = Decimal::from_f64(units).unwrap_or_default();
    // Checked: an absurd what-if price must not overflow.
    let times = |a: Decimal| a.checked_mul(units_dec).unwrap_or_default().round_dp(2);
    Projection {
        price,
        weekly_units: units,
        weekly_revenue: times(price),
        weekly_profit: times(price - unit_cost),
    }
}

/// Everything the recommendation of one product is computed from.
#[derive(Debug, Clone)]
pub struct PriceInputs {
    pub current_price: Decimal,
    pub unit_cost: Option<Decimal>,
    pub elasticity: Elasticity,
    /// Cheapest competitor's current price including shipping.
    pub cheapest_competitor: Option<Decimal>,
    /// Units sold per week at the current price (recent in-stock weeks).
    pub weekly_units: f64,
}

/// DESIGN.md's pricing rule: the constant-elasticity profit maximum p* = cost · e / (1 + e), clamped
/// to the margin floor and ceiling, to the competitor rule (never under the floor) and to the
/// maximum step from the current price; or hold, with the reason, when the data cannot support it.
pub fn recommend(inputs: &PriceInputs, settings: &PricingSettings) -> Recommendation {
    let current = inputs.current_price;
    let hold = |reason: String| Recommendation {
        current_price: current,
        recommended_price: None,
        optimum: None,
        rules: Vec::new(),
        reason,
        current: None,
        expected: None,
    };
    let Some(cost) = inputs.unit_cost.filter(|c| *c > Decimal::ZERO) else {
        return hold("Hold: the product has no unit cost, so its margin is unknown.".into());
    };
    if current <= Decimal::ZERO {
        return hold("Hold: the product has no current price.".into());
    }
    let e = &inputs.elasticity;
    let (Some(estimate), true) = (e.estimate, e.supported) else {
        return hold(format!(
            "Hold: the price elasticity cannot be estimated — {}.",
            e.reason.as_deref().unwrap_or("no data")
        ));
    };
    if estimate >= -1.0 {
        return hold(format!(
            "Hold: demand is inelastic (elasticity {estimate:.2} ≥ −1), so the profit-maximising \
             price is not defined by the data; test a higher price by hand within the margin ceiling."
        ));
    }
    let dec = |v: f64| Decimal::from_f64(v).unwrap_or_default();
    let optimum = (cost * dec(estimate / (1.0 + estimate))).round_dp(2);
    let floor = (cost * (Decimal::ONE + settings.margin_floor)).round_dp(2);
    let ceiling = (cost * (Decimal::ONE + settings.margin_ceiling)).round_dp(2);
    let mut rules = Vec::new();
    let mut price = optimum;
    if price < floor {
        price = floor;
        rules.push(Rule::MarginFloor);
    } else if price > ceiling {
        price = ceiling;
        rules.push(Rule::MarginCeiling);
    }
    if let Some(cheapest) = inputs.cheapest_competitor {
        let cap = (cheapest * (Decimal::ONE + settings.competitor_max_above)).round_dp(2);
        if price > cap {
            if cap >= floor {
                price = cap;
                rules.push(Rule::Competitor);
            } else if price > floor {
                price = floor;
                rules.push(Rule::CompetitorUnderFloor);
            }
        }
    }
    let low = (current * (Decimal::ONE - settings.max_step)).round_dp(2);
    let high = (current * (Decimal::ONE + settings.max_step)).round_dp(2);
    if price < low {
        price = low;
        rules.push(Rule::MaxStep);
    } else if price > high {
        price = high;
        rules.push(Rule::MaxStep);
    }
    let price = price.round_dp(2);
    let now = project(current, current, inputs.weekly_units, estimate, cost);
    let then = project(current, price, inputs.weekly_units, estimate, cost);
    let numbers = format!(
        "elasticity {estimate:.2} ± {:.2} over {} weeks, unit cost {cost}, profit-maximising price {optimum}",
        e.std_error.unwrap_or_default(),
        e.weeks
    );
    let moved = (price - current).abs();
    if moved < Decimal::new(1, 2) || moved / current < Decimal::new(5, 3) {
        return Recommendation {
            current_price: current,
            recommended_price: None,
            optimum: Some(optimum),
            rules,
            reason: format!("Hold: the current price is already the recommended one ({numbers})."),
            current: Some(now),
            expected: None,
        };
    }
    let direction = if price > current { "Raise" } else { "Lower" };
    let bound: Vec<&str> = rules.iter().map(|r| r.describe()).collect();
    let reason = if bound.is_empty() {
        format!("{direction} to {price}: the profit-maximising price ({numbers}).")
    } else {
        format!(
            "{direction} to {price}: {numbers}; limited by {}.",
            bound.join(", ")
        )
    };
    Recommendation {
        current_price: current,
        recommended_price: Some(price),
        optimum: Some(optimum),
        rules,
        reason,
        current: Some(now),
        expected: Some(then),
    }
}

/// z of a one-sided service level (the standard normal quantile), e.g. 0.95 → 1.645.
#[cfg(feature = "ssr")]
pub fn service_z(service_level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(service_level.clamp(0.5, 0.9999)))
        .unwrap_or(1.645)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn settings() -> PricingSettings {
        PricingSettings::default()
    }

    #[test]
    fn demand_ignores_days_out_of_stock() {
        // 4 in-stock days: 2, 4, 0, 6 → mean 3, sample sd √(20/3); the out-of-stock day is ignored.
        let (mean, sd) = daily_demand(&[2, 4, 0, 6, 0], &[true, true, true, true, false]).unwrap();
        assert_eq!(mean, 3.0);
        assert!((sd - (20.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(daily_demand(&[0, 0], &[false, false]), None);
        assert_eq!(daily_demand(&[5], &[true]), Some((5.0, 0.0)));
    }

    #[test]
    fn safety_stock_and_reorder_point_by_hand() {
        // z 1.645, σ 2 units/day, lead time 9 days: 1.645 × 2 × 3 = 9.87; ROP = 3 × 9 + 9.87.
        let ss = safety_stock(1.645, 2.0, 9.0);
        assert!((ss - 9.87).abs() < 1e-9);
        assert!((reorder_point(3.0, 9.0, ss) - 36.87).abs() < 1e-9);
        assert!((service_z(0.95) - 1.6449).abs() < 1e-3);
        assert!((service_z(0.99) - 2.3263).abs() < 1e-3);
    }

    #[test]
    fn cover_turnover_and_order_quantities() {
        assert_eq!(days_of_cover(30, 2.0), Some(15.0));
        assert_eq!(days_of_cover(30, 0.0), None);
        assert_eq!(turnover(120, 40.0), Some(3.0));
        assert_eq!(turnover(120, 0.0), None);
        // At 30 on hand, ROP 36.87, demand 3/day, review 7 days: 36.87 + 21 − 30 = 27.87 → 28.
        assert_eq!(suggested_order(30, 36.87, 3.0, 7.0), 28);
        assert_eq!(suggested_order(40, 36.87, 3.0, 7.0), 0);
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        // 60 on hand, ROP 36.87, demand 3: order in ⌊23.13 / 3⌋ = 7 days, out in 20 days.
        assert_eq!(
            order_dates(day, 60, 36.87, 3.0),
            (
                NaiveDate::from_ymd_opt(2026, 6, 8),
                NaiveDate::from_ymd_opt(2026, 6, 21)
            )
        );
        assert_eq!(order_dates(day, 10, 36.87, 3.0).0, Some(day));
        assert_eq!(order_dates(day, 10, 36.87, 0.0), (None, None));
    }

    #[test]
    fn status_order() {
        let s = StockSettings::default();
        let state = |on_hand, rop, cover, since| StockState {
            on_hand,
            reorder_point: rop,
            days_of_cover: cover,
            days_since_sale: since,
        };
        assert_eq!(
            stock_status(&state(0, 5.0, None, Some(1)), &s),
            StockStatus::Out
        );
        assert_eq!(
            stock_status(&state(9, 5.0, None, Some(90)), &s),
            StockStatus::Dead
        );
        assert_eq!(
            stock_status(&state(9, 5.0, None, None), &s),
            StockStatus::Dead
        );
        assert_eq!(
            stock_status(&state(5, 5.0, Some(3.0), Some(1)), &s),
            StockStatus::Reorder
        );
        assert_eq!(
            stock_status(&state(500, 5.0, Some(181.0), Some(1)), &s),
            StockStatus::Overstock
        );
        assert_eq!(
            stock_status(&state(50, 5.0, Some(30.0), Some(89)), &s),
            StockStatus::Ok
        );
    }

    #[test]
    fn abc_by_cumulative_share() {
        // Total 100: 50 (before 0 → A), 30 (before 50 → A), 10 (before 80 → B), 6 (before 90 → B),
        // 4 (before 96 → C), 0 → C, negative → C.
        let classes = abc_classes(&[
            dec!(10),
            dec!(50),
            dec!(4),
            dec!(30),
            dec!(0),
            dec!(6),
            dec!(-3),
        ]);
        assert_eq!(
            classes,
            vec![Abc::B, Abc::A, Abc::C, Abc::A, Abc::C, Abc::B, Abc::C]
        );
        assert!(abc_classes(&[]).is_empty());
    }

    /// Weekly history of a product with elasticity −2 and multiplicative noise.
    fn history(e: f64, weeks: usize, noise: f64) -> Vec<WeekPoint> {
        let mut state = 12345u64;
        (0..weeks)
            .map(|w| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                let price = 10.0 * [0.85, 1.0, 1.1, 0.95, 1.2][w % 5];
                WeekPoint {
                    price,
                    units: 200.0 * (price / 10.0).powf(e) * (noise * u).exp(),
                    shop_units: 0.0,
                }
            })
            .collect()
    }

    #[test]
    fn elasticity_recovers_a_known_value_within_its_error() {
        let fit = elasticity(&history(-2.0, 40, 0.3), &settings());
        assert!(fit.supported, "{:?}", fit.reason);
        let (e, se) = (fit.estimate.unwrap(), fit.std_error.unwrap());
        assert!(se > 0.0 && se < 0.3, "se {se}");
        assert!((e + 2.0).abs() < 2.0 * se, "e {e} ± {se}");
        assert_eq!(fit.weeks, 40);
        // Exact data: the slope itself, with no error.
        let exact = elasticity(&history(-1.5, 10, 0.0), &settings());
        assert!((exact.estimate.unwrap() + 1.5).abs() < 1e-9);
    }

    #[test]
    fn seasons_do_not_pass_for_price_effects() {
        // The shop sells twice as much in weeks 20–39 (a season) and the product happens to be
        // 20% dearer then: the simple slope would see no price effect; with the shop's weekly
        // units as a control, the true −2 comes back.
        let weeks: Vec<WeekPoint> = (0..52)
            .map(|w| {
                let season = if (20..40).contains(&w) { 2.0 } else { 1.0 };
                let price =
                    if (20..40).contains(&w) { 12.0 } else { 10.0 } * [1.0, 0.95, 1.05][w % 3];
                WeekPoint {
                    price,
                    units: 100.0 * season * (price / 10.0f64).powf(-2.0),
                    shop_units: 5000.0 * season,
                }
            })
            .collect();
        let fit = elasticity(&weeks, &settings());
        assert!(fit.supported, "{:?}", fit.reason);
        assert!(
            (fit.estimate.unwrap() + 2.0).abs() < 1e-9,
            "{:?}",
            fit.estimate
        );
        let naive: Vec<WeekPoint> = weeks
            .iter()
            .map(|w| WeekPoint {
                shop_units: 0.0,
                ..*w
            })
            .collect();
        assert!((elasticity(&naive, &settings()).estimate.unwrap() + 2.0).abs() > 0.5);
    }

    #[test]
    fn elasticity_says_why_it_is_unsupported() {
        let few = elasticity(&history(-2.0, 5, 0.1), &settings());
        assert!(!few.supported);
        assert!(few.reason.unwrap().contains("only 5 weeks"));
        let flat: Vec<WeekPoint> = (0..20)
            .map(|w| WeekPoint {
                price: 10.0,
                units: 5.0 + w as f64,
                shop_units: 0.0,
            })
            .collect();
        let flat = elasticity(&flat, &settings());
        assert!(!flat.supported);
        assert!(flat.reason.unwrap().contains("price varied by 0.0%"));
        let noisy = elasticity(&history(-2.0, 12, 6.0), &settings());
        assert!(!noisy.supported);
        assert!(noisy.reason.unwrap().contains("too uncertain"));
    }

    fn inputs(price: Decimal, cost: Decimal, e: f64, cheapest: Option<Decimal>) -> PriceInputs {
        PriceInputs {
            current_price: price,
            unit_cost: Some(cost),
            elasticity: Elasticity {
                estimate: Some(e),
                std_error: Some(0.1),
                intercept: Some(0.0),
                weeks: 30,
                price_range: Some(0.2),
                supported: true,
                reason: None,
            },
            cheapest_competitor: cheapest,
            weekly_units: 100.0,
        }
    }

    #[test]
    fn the_unclamped_optimum() {
        // e = −5: p* = 10 × 5/4 = 12.50, inside floor 10.50 and ceiling 13.00, within 10% of 12.
        let r = recommend(&inputs(dec!(12), dec!(10), -5.0, None), &settings());
        assert_eq!(r.optimum, Some(dec!(12.50)));
        assert_eq!(r.recommended_price, Some(dec!(12.50)));
        assert!(r.rules.is_empty());
        assert!(r.reason.starts_with("Raise to 12.50"), "{}", r.reason);
        // Units 100 × (12.5/12)^−5, revenue and profit follow.
        let expected = r.expected.unwrap();
        let units = 100.0 * (12.5f64 / 12.0).powf(-5.0);
        assert!((expected.weekly_units - units).abs() < 1e-9);
        assert_eq!(
            expected.weekly_profit,
            (dec!(2.5) * Decimal::from_f64(units).unwrap()).round_dp(2)
        );
    }

    #[test]
    fn each_rule_binds_in_turn() {
        let s = settings();
        // Ceiling: e = −2 → p* = 20, ceiling 13.00; current 12.50 so the step (13.75) does not bind.
        let r = recommend(&inputs(dec!(12.50), dec!(10), -2.0, None), &s);
        assert_eq!(
            (r.recommended_price, r.rules.clone()),
            (Some(dec!(13.00)), vec![Rule::MarginCeiling])
        );
        // Floor: e = −30 → p* = 10.34, floor 10.50; current 11.
        let r = recommend(&inputs(dec!(11), dec!(10), -30.0, None), &s);
        assert_eq!(
            (r.recommended_price, r.rules.clone()),
            (Some(dec!(10.50)), vec![Rule::MarginFloor])
        );
        // Competitor: cheapest 11.00 → cap 12.10 under the ceiling 13.00; current 12.50.
        let r = recommend(&inputs(dec!(12.50), dec!(10), -2.0, Some(dec!(11))), &s);
        assert_eq!(r.recommended_price, Some(dec!(12.10)));
        assert_eq!(r.rules, vec![Rule::MarginCeiling, Rule::Competitor]);
        // A competitor under our floor cannot push the price under the floor.
        let r = recommend(&inputs(dec!(11), dec!(10), -2.0, Some(dec!(8))), &s);
        assert_eq!(r.recommended_price, Some(dec!(10.50)));
        assert_eq!(
            r.rules,
            vec![Rule::MarginCeiling, Rule::CompetitorUnderFloor]
        );
        // Step: current 20, target ceiling 13.00 but at most −10% → 18.00.
        let r = recommend(&inputs(dec!(20), dec!(10), -2.0, None), &s);
        assert_eq!(r.recommended_price, Some(dec!(18.00)));
        assert_eq!(r.rules, vec![Rule::MarginCeiling, Rule::MaxStep]);
        assert!(r.reason.starts_with("Lower to 18.00"), "{}", r.reason);
        assert!(r.reason.contains("maximum step"), "{}", r.reason);
    }

    #[test]
    fn holds_with_reasons() {
        let s = settings();
        let mut no_cost = inputs(dec!(12), dec!(10), -3.0, None);
        no_cost.unit_cost = None;
        assert!(recommend(&no_cost, &s).reason.contains("no unit cost"));
        let inelastic = recommend(&inputs(dec!(12), dec!(10), -0.6, None), &s);
        assert_eq!(inelastic.recommended_price, None);
        assert!(
            inelastic.reason.contains("inelastic"),
            "{}",
            inelastic.reason
        );
        let mut unsupported = inputs(dec!(12), dec!(10), -3.0, None);
        unsupported.elasticity.supported = false;
        unsupported.elasticity.reason =
            Some("only 4 weeks with sales; at least 8 are needed".into());
        assert!(recommend(&unsupported, &s).reason.contains("only 4 weeks"));
        // Already there: e = −5, current 12.50 = p*.
        let same = recommend(&inputs(dec!(12.50), dec!(10), -5.0, None), &s);
        assert_eq!(same.recommended_price, None);
        assert!(same.reason.contains("already"), "{}", same.reason);
    }
}
