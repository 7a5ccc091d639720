//! The stock and pricing rules of DESIGN.md, as pure functions over plain numbers: demand, safety
//! stock, reorder point, days of cover, turnover, ABC classes, price elasticity and the recommended
//! price. Shared with the browser, which projects a what-if price with the same function. Then the
//! aggregation the service runs over the rows `queries` read (stock figures, cards, ABC curve,
//! turnover, premium products, competitor position, pricing): pure as well, no I/O.
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;

#[cfg(feature = "ssr")]
use super::queries::{DemandDay, LatestCompetitorPrice, ProductRow, WeekRow};
use super::types::{
    Abc, CategoryTurnover, Compliance, Elasticity, InventoryCards, PriceBounds, PricingSettings,
    ProductStock, Projection, Recommendation, Rule, StockSettings, StockStatus,
};
#[cfg(feature = "ssr")]
use super::types::{CompetitorPosition, PremiumProduct, PriceWeek, ProductPricing};
use crate::dashboard::filter::DateRange;
#[cfg(feature = "ssr")]
use crate::features::sales::types::TopProduct;

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

/// A share as a percentage without trailing zeros: 0.30 → "30".
fn percent(share: Decimal) -> String {
    (share * Decimal::ONE_HUNDRED).normalize().to_string()
}

/// DESIGN.md's pricing rule: the constant-elasticity profit maximum p* = cost · e / (1 + e), clamped
/// to the margin floor and ceiling, to the competitor rule (never under the floor) and to the
/// maximum step from the current price; or hold, with the reason, when the data cannot support it.
/// A recommendation never lowers expected profit: when the price the rules allow would (the
/// current price is outside them), the recommendation is to hold, and moving to that price is a
/// secondary choice (`compliance`) that says what the current price breaks and what it costs.
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
        bounds: None,
        compliance: None,
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
    let bounds = PriceBounds {
        floor: (cost * (Decimal::ONE + settings.margin_floor)).round_dp(2),
        ceiling: (cost * (Decimal::ONE + settings.margin_ceiling)).round_dp(2),
        competitor_cap: inputs
            .cheapest_competitor
            .map(|c| (c * (Decimal::ONE + settings.competitor_max_above)).round_dp(2)),
        step_low: (current * (Decimal::ONE - settings.max_step)).round_dp(2),
        step_high: (current * (Decimal::ONE + settings.max_step)).round_dp(2),
    };
    let (floor, ceiling) = (bounds.floor, bounds.ceiling);
    let mut rules = Vec::new();
    let mut price = optimum;
    if price < floor {
        price = floor;
        rules.push(Rule::MarginFloor);
    } else if price > ceiling {
        price = ceiling;
        rules.push(Rule::MarginCeiling);
    }
    if let Some(cap) = bounds.competitor_cap {
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
    if price < bounds.step_low {
        price = bounds.step_low;
        rules.push(Rule::MaxStep);
    } else if price > bounds.step_high {
        price = bounds.step_high;
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
    let mut held = Recommendation {
        current_price: current,
        recommended_price: None,
        optimum: Some(optimum),
        rules,
        reason: format!("Hold: the current price is already the recommended one ({numbers})."),
        current: Some(now.clone()),
        expected: None,
        bounds: Some(bounds.clone()),
        compliance: None,
    };
    if moved < Decimal::new(1, 2) || moved / current < Decimal::new(5, 3) {
        return held;
    }
    if then.weekly_profit < now.weekly_profit {
        // Only a current price outside the rules gets here: within them, the price they allow
        // lies between the current price and the profit maximum.
        let mut broken = Vec::new();
        if current > ceiling {
            broken.push(format!(
                "above the {}% margin ceiling ({ceiling})",
                percent(settings.margin_ceiling)
            ));
        }
        if current < floor {
            broken.push(format!(
                "below the {}% margin floor ({floor})",
                percent(settings.margin_floor)
            ));
        }
        if let Some(cap) = bounds.competitor_cap.filter(|cap| current > *cap) {
            broken.push(format!(
                "more than {}% above the cheapest competitor ({cap})",
                percent(settings.competitor_max_above)
            ));
        }
        let broken = if broken.is_empty() {
            "outside the pricing rules".to_string()
        } else {
            broken.join(" and ")
        };
        let cost_of_it = now.weekly_profit - then.weekly_profit;
        let moving = if price > current {
            "Raising"
        } else {
            "Lowering"
        };
        let effect = if held.rules.contains(&Rule::MaxStep) {
            "(the most one change may move it) goes toward the rules"
        } else {
            "complies"
        };
        let compliance = Compliance {
            price,
            rules: held.rules.clone(),
            reason: format!(
                "{current} is {broken}. {moving} it to {price} {effect} but lowers expected weekly profit by {cost_of_it} ({} → {}).",
                now.weekly_profit, then.weekly_profit
            ),
            expected: then,
        };
        held.reason = format!(
            "Hold at {current}: it brings more profit than the price the rules allow ({numbers}). {}",
            compliance.reason
        );
        held.rules = Vec::new();
        held.compliance = Some(compliance);
        return held;
    }
    let direction = if price > current { "Raise" } else { "Lower" };
    let bound: Vec<&str> = held.rules.iter().map(|r| r.describe()).collect();
    let reason = if bound.is_empty() {
        format!("{direction} to {price}: the profit-maximising price ({numbers}).")
    } else {
        format!(
            "{direction} to {price}: {numbers}; limited by {}.",
            bound.join(", ")
        )
    };
    Recommendation {
        recommended_price: Some(price),
        reason,
        expected: Some(then),
        ..held
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

// From rows to the page's figures: the aggregation `service` runs over what `queries` read.

/// The days whose sales measure a product's demand: the `demand_days` days up to `as_of`.
pub fn demand_window(as_of: NaiveDate, demand_days: i64) -> DateRange {
    DateRange {
        from: as_of - Duration::days(demand_days.max(1) - 1),
        to: as_of,
    }
}

/// Every product's stock figures as of `as_of` (rows best sellers first, order kept), from its
/// row and its daily sales over `demand_window`; a product without sales sold 0 a day, in stock.
#[cfg(feature = "ssr")]
pub fn stock_products(
    rows: Vec<ProductRow>,
    demand: &[DemandDay],
    as_of: NaiveDate,
    settings: &StockSettings,
) -> Vec<ProductStock> {
    let days = settings.demand_days.max(1);
    let window = demand_window(as_of, days);
    let empty = || (vec![0; days as usize], vec![true; days as usize]);
    let mut series: std::collections::HashMap<i64, (Vec<i64>, Vec<bool>)> = Default::default();
    for d in demand {
        let (units, in_stock) = series.entry(d.product_id).or_insert_with(empty);
        let i = (d.day - window.from).num_days();
        if (0..days).contains(&i) {
            units[i as usize] += d.units;
            if d.started_empty {
                in_stock[i as usize] = false;
            }
        }
    }
    let classes = abc_classes(&rows.iter().map(|r| r.net_revenue).collect::<Vec<_>>());
    let z = service_z(settings.service_level);
    rows.into_iter()
        .zip(classes)
        .map(|(row, abc)| {
            let (units, in_stock) = series.remove(&row.product_id).unwrap_or_else(empty);
            product_stock(row, abc, &units, &in_stock, as_of, z, settings)
        })
        .collect()
}

/// One product's stock figures as of `as_of` from its daily units and in-stock days over the
/// demand window.
#[cfg(feature = "ssr")]
pub fn product_stock(
    row: ProductRow,
    abc: Abc,
    units: &[i64],
    in_stock: &[bool],
    as_of: NaiveDate,
    z: f64,
    settings: &StockSettings,
) -> ProductStock {
    let lead = row
        .lead_time_days
        .filter(|d| *d >= 0)
        .unwrap_or(settings.default_lead_time_days);
    let stockout_days = in_stock.iter().filter(|ok| !**ok).count() as i64;
    let (demand, sd) = daily_demand(units, in_stock).unwrap_or((0.0, 0.0));
    let safety = safety_stock(z, sd, lead as f64);
    let rop = reorder_point(demand, lead as f64, safety);
    let on_hand = row.on_hand;
    // Over the range's snapshot days; the current on hand without snapshots.
    let average_on_hand = on_hand.and(row.average_on_hand.or(on_hand.map(|o| o.max(0) as f64)));
    let (order_by, sells_out_on) = on_hand
        .map(|o| order_dates(as_of, o, rop, demand))
        .unwrap_or((None, None));
    let days_of_cover = on_hand.and_then(|o| days_of_cover(o, demand));
    let status = match on_hand {
        None => StockStatus::Untracked,
        Some(o) => stock_status(
            &StockState {
                on_hand: o,
                reorder_point: rop,
                days_of_cover,
                days_since_sale: row.last_sale.map(|d| (as_of - d).num_days()),
            },
            settings,
        ),
    };
    ProductStock {
        product_id: row.product_id,
        sku: row.sku,
        name: row.name,
        category: row.category,
        on_hand,
        unit_cost: row.unit_cost,
        price: row.price,
        lead_time_days: lead,
        units_sold: row.units_sold,
        net_revenue: row.net_revenue,
        daily_demand: demand,
        demand_sd: sd,
        stockout_days,
        days_of_cover,
        average_on_hand,
        turnover: average_on_hand.and_then(|a| turnover(row.units_sold, a)),
        abc,
        safety_stock: safety,
        reorder_point: rop,
        suggested_order: on_hand
            .map(|o| suggested_order(o, rop, demand, settings.review_days))
            .unwrap_or(0),
        order_by,
        sells_out_on,
        last_sale: row.last_sale,
        status,
    }
}

/// The headline cards from the product rows.
pub fn cards(products: &[ProductStock], settings: &StockSettings) -> InventoryCards {
    let mut c = InventoryCards::default();
    let (mut cover_stock, mut cover_demand) = (0.0, 0.0);
    for p in products {
        let Some(on_hand) = p.on_hand else {
            c.products_untracked += 1;
            continue;
        };
        let units = Decimal::from(on_hand.max(0));
        if p.unit_cost.is_none() {
            c.products_without_cost += 1;
        }
        let cost = p.unit_cost.unwrap_or_default();
        c.stock_value_cost += units * cost;
        c.stock_value_retail += units * p.price.unwrap_or_default();
        match p.status {
            StockStatus::Out => c.skus_out += 1,
            StockStatus::Reorder => {
                c.skus_in_stock += 1;
                c.skus_low += 1;
            }
            _ => c.skus_in_stock += 1,
        }
        if p.daily_demand > 0.0 {
            cover_stock += on_hand.max(0) as f64;
            cover_demand += p.daily_demand;
        }
        match p.status {
            StockStatus::Dead => c.dead_stock_value += units * cost,
            StockStatus::Overstock => {
                let excess = on_hand as f64 - settings.overstock_days * p.daily_demand;
                c.overstock_value += Decimal::from(excess.max(0.0).floor() as i64) * cost;
            }
            _ => {}
        }
    }
    c.days_of_cover = (cover_demand > 0.0).then(|| cover_stock / cover_demand);
    c.stock_value_cost = c.stock_value_cost.round_dp(2);
    c.stock_value_retail = c.stock_value_retail.round_dp(2);
    c.dead_stock_value = c.dead_stock_value.round_dp(2);
    c.overstock_value = c.overstock_value.round_dp(2);
    c
}

/// Turnover of each category's tracked products (units sold / average on hand), fastest first.
pub fn turnover_by_category(products: &[ProductStock]) -> Vec<CategoryTurnover> {
    let mut by: std::collections::BTreeMap<&str, (i64, f64)> = Default::default();
    for p in products.iter().filter(|p| p.on_hand.is_some()) {
        let e = by.entry(p.category.as_str()).or_default();
        e.0 += p.units_sold;
        e.1 += p.average_on_hand.unwrap_or(0.0);
    }
    let mut rows: Vec<CategoryTurnover> = by
        .into_iter()
        .map(|(category, (units, stock))| CategoryTurnover {
            category: category.to_string(),
            units_sold: units,
            average_on_hand: stock,
            turnover: turnover(units, stock),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.turnover
            .partial_cmp(&a.turnover)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    rows
}

/// The ABC curve: cumulative share of net revenue against share of products, best sellers first
/// (negative net revenue counts 0). Server side, as the concentration it reads.
#[cfg(feature = "ssr")]
pub fn abc_pareto(products: &[ProductStock]) -> Vec<super::types::AbcPoint> {
    let nets = products.iter().map(|p| p.net_revenue.max(Decimal::ZERO));
    let total = nets.clone().sum();
    crate::features::sales::kpi::concentration(nets, total)
        .curve
        .into_iter()
        .map(|p| super::types::AbcPoint {
            product_share: p.customer_share.to_f64().unwrap_or_default(),
            revenue_share: p.revenue_share.to_f64().unwrap_or_default(),
        })
        .collect()
}

/// The products that may be premium: the best-selling `premium_revenue_share` of those that sold
/// (`selling`: net revenue above zero, best sellers first).
#[cfg(feature = "ssr")]
pub fn premium_candidates<'a>(
    selling: &'a [TopProduct],
    settings: &StockSettings,
) -> &'a [TopProduct] {
    let top = ((selling.len() as f64) * settings.premium_revenue_share).ceil() as usize;
    &selling[..top.min(selling.len())]
}

/// Premium products: the candidates with an order bought by at most `premium_customer_share` of
/// the range's `customers` (`buyers`: each product's distinct customers), with their units per
/// order.
#[cfg(feature = "ssr")]
pub fn premium(
    candidates: &[TopProduct],
    buyers: &std::collections::HashMap<i64, i64>,
    customers: i64,
    settings: &StockSettings,
) -> Vec<PremiumProduct> {
    if customers == 0 {
        return Vec::new();
    }
    candidates
        .iter()
        .filter(|p| p.orders > 0)
        .filter_map(|p| {
            let bought = buyers.get(&p.product_id).copied().unwrap_or(0);
            let share = bought as f64 / customers as f64;
            (share <= settings.premium_customer_share).then(|| PremiumProduct {
                product_id: p.product_id,
                sku: p.sku.clone(),
                name: p.name.clone(),
                net_revenue: p.net_revenue,
                customers: bought,
                customer_share: share,
                units_per_order: p.units as f64 / p.orders as f64,
            })
        })
        .collect()
}

/// The last `history_weeks` whole weeks (Monday to Sunday) up to `as_of`.
pub fn history_window(settings: &PricingSettings, as_of: NaiveDate) -> DateRange {
    use chrono::Datelike;
    let monday = as_of - Duration::days(as_of.weekday().num_days_from_monday() as i64);
    // The week of `as_of` counts only when `as_of` is its Sunday.
    let last = if as_of.weekday() == chrono::Weekday::Sun {
        monday
    } else {
        monday - Duration::weeks(1)
    };
    DateRange {
        from: last - Duration::weeks(settings.history_weeks.max(1) - 1),
        to: as_of,
    }
}

/// The weeks an elasticity is fitted on: those with sales and no stock-out.
#[cfg(feature = "ssr")]
pub fn week_points(weeks: &[WeekRow]) -> Vec<WeekPoint> {
    weeks
        .iter()
        .filter(|w| !w.stockout && w.units > 0)
        .map(|w| WeekPoint {
            price: (w.gross_revenue / Decimal::from(w.units))
                .to_f64()
                .unwrap_or_default(),
            units: w.units as f64,
            // The rest of the shop: the product's own units would pull the control along.
            shop_units: (w.shop_units - w.units) as f64,
        })
        .collect()
}

/// Weekly average selling prices for the product page (every week, stock-outs flagged).
#[cfg(feature = "ssr")]
pub fn price_weeks(weeks: Vec<WeekRow>) -> Vec<PriceWeek> {
    weeks
        .into_iter()
        .map(|w| PriceWeek {
            week: w.week,
            price: (w.gross_revenue / Decimal::from(w.units.max(1)))
                .to_f64()
                .unwrap_or_default(),
            units: w.units,
            stockout: w.stockout,
        })
        .collect()
}

/// Our price among the competitors' latest in-stock prices (shipping included).
#[cfg(feature = "ssr")]
pub fn position(
    price: Option<Decimal>,
    observations: &[&LatestCompetitorPrice],
) -> CompetitorPosition {
    let live: Vec<(&str, Decimal)> = observations
        .iter()
        .filter(|o| o.in_stock)
        .map(|o| (o.competitor.as_str(), o.price + o.shipping))
        .collect();
    let cheapest = live.iter().min_by_key(|(_, p)| *p);
    let average = (!live.is_empty()).then(|| {
        (live.iter().map(|(_, p)| *p).sum::<Decimal>() / Decimal::from(live.len())).round_dp(2)
    });
    CompetitorPosition {
        competitors: live.len() as i64,
        cheapest: cheapest.map(|c| c.1),
        cheapest_name: cheapest.map(|c| c.0.to_string()),
        average,
        rank: price
            .filter(|_| !live.is_empty())
            .map(|p| 1 + live.iter().filter(|(_, c)| *c < p).count() as i64),
        price_index: match (price, average) {
            (Some(p), Some(a)) if a > Decimal::ZERO => {
                Some((p / a * Decimal::ONE_HUNDRED).round_dp(1))
            }
            _ => None,
        },
        observed_at: observations.iter().map(|o| o.observed_at).max(),
    }
}

/// A product's elasticity, competitor position and recommendation from its full weeks of
/// history and its competitors' latest prices.
#[cfg(feature = "ssr")]
pub fn product_pricing(
    p: &ProductStock,
    history: &[WeekRow],
    competitors: &[&LatestCompetitorPrice],
    settings: &PricingSettings,
) -> ProductPricing {
    let points = week_points(history);
    let elasticity = elasticity(&points, settings);
    let recent: Vec<f64> = points.iter().rev().take(4).map(|w| w.units).collect();
    let weekly_units = if recent.is_empty() {
        0.0
    } else {
        recent.iter().sum::<f64>() / recent.len() as f64
    };
    let position = position(p.price, competitors);
    let recommendation = recommend(
        &PriceInputs {
            current_price: p.price.unwrap_or_default(),
            unit_cost: p.unit_cost,
            elasticity: elasticity.clone(),
            cheapest_competitor: position.cheapest,
            weekly_units,
        },
        settings,
    );
    ProductPricing {
        product_id: p.product_id,
        sku: p.sku.clone(),
        name: p.name.clone(),
        category: p.category.clone(),
        unit_cost: p.unit_cost,
        position,
        elasticity,
        recommendation,
    }
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
        // Competitor: cheapest 11.00 → cap 12.10 under the ceiling 13.00; current 11.
        let r = recommend(&inputs(dec!(11), dec!(10), -2.0, Some(dec!(11))), &s);
        assert_eq!(r.recommended_price, Some(dec!(12.10)));
        assert_eq!(r.rules, vec![Rule::MarginCeiling, Rule::Competitor]);
        // A competitor under our floor cannot push the price under the floor: 11 → 10.50 (p* 20
        // is above the current price, so this costs profit: a secondary choice, not the advice).
        let r = recommend(&inputs(dec!(11), dec!(10), -2.0, Some(dec!(8))), &s);
        let c = r.compliance.expect("complying costs profit");
        assert_eq!((r.recommended_price, c.price), (None, dec!(10.50)));
        assert_eq!(
            c.rules,
            vec![Rule::MarginCeiling, Rule::CompetitorUnderFloor]
        );
        assert!(
            c.reason
                .contains("more than 10% above the cheapest competitor (8.80)"),
            "{}",
            c.reason
        );
        // Step: from 20 toward p* = 10 × 8/7 = 11.43 (e = −8) moves at most −10%, to 18.00.
        let r = recommend(&inputs(dec!(20), dec!(10), -8.0, None), &s);
        assert_eq!(r.recommended_price, Some(dec!(18.00)));
        assert_eq!(r.rules, vec![Rule::MaxStep]);
        assert!(r.reason.starts_with("Lower to 18.00"), "{}", r.reason);
        assert!(r.reason.contains("maximum step"), "{}", r.reason);
        assert!(r.compliance.is_none());
        let b = r.bounds.unwrap();
        assert_eq!(
            (
                b.floor,
                b.ceiling,
                b.competitor_cap,
                b.step_low,
                b.step_high
            ),
            (dec!(10.50), dec!(13.00), None, dec!(18.00), dec!(22.00))
        );
    }

    /// The example: priced 28.65, cost 15.45, elasticity −1.50: p* = 46.35 is far above
    /// the current price, which is above the 30% ceiling (20.08). Lowering (at most 10%, to
    /// 25.78) lowers expected profit, so the advice is to hold and complying is a choice of its
    /// own with its cost; accepting it, the next advice is to hold again, never a walk down.
    #[test]
    fn a_recommendation_never_lowers_expected_profit() {
        let s = settings();
        let r = recommend(&inputs(dec!(28.65), dec!(15.45), -1.5, None), &s);
        assert_eq!(r.recommended_price, None);
        assert_eq!(r.optimum, Some(dec!(46.35)));
        assert!(r.reason.starts_with("Hold at 28.65"), "{}", r.reason);
        assert!(
            r.reason.contains("above the 30% margin ceiling (20.08)"),
            "{}",
            r.reason
        );
        let c = r.compliance.clone().unwrap();
        assert_eq!(c.price, dec!(25.78));
        assert_eq!(c.rules, vec![Rule::MarginCeiling, Rule::MaxStep]);
        let now = r.current.clone().unwrap();
        assert!(c.expected.weekly_profit < now.weekly_profit);
        assert!(
            c.reason.contains(&format!(
                "lowers expected weekly profit by {}",
                now.weekly_profit - c.expected.weekly_profit
            )),
            "{}",
            c.reason
        );
        let next = recommend(&inputs(dec!(25.78), dec!(15.45), -1.5, None), &s);
        assert_eq!(next.recommended_price, None);
        assert_eq!(next.compliance.map(|c| c.price), Some(dec!(23.20)));
        // Over a grid of prices, costs, elasticities and competitors, the advice never lowers
        // expected profit.
        for price in [5, 9, 10, 11, 12, 13, 15, 20, 30] {
            for e in [-1.2, -1.5, -2.0, -3.0, -5.0, -8.0, -30.0] {
                for cheapest in [None, Some(dec!(8)), Some(dec!(11)), Some(dec!(25))] {
                    let r = recommend(&inputs(Decimal::from(price), dec!(10), e, cheapest), &s);
                    if let (Some(now), Some(then)) = (&r.current, &r.expected) {
                        assert!(
                            then.weekly_profit >= now.weekly_profit,
                            "{price} {e} {cheapest:?}: {}",
                            r.reason
                        );
                    }
                    assert!(r.recommended_price.is_none() || r.compliance.is_none());
                }
            }
        }
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

/// The aggregation over rows, on small inputs worked by hand.
#[cfg(all(test, feature = "ssr"))]
mod aggregation_tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
    }

    fn row(
        id: i64,
        sku: &str,
        on_hand: Option<i64>,
        lead: Option<i64>,
        net: Decimal,
    ) -> ProductRow {
        ProductRow {
            product_id: id,
            sku: sku.into(),
            name: sku.into(),
            category: "C".into(),
            price: Some(dec!(20)),
            unit_cost: Some(dec!(8)),
            lead_time_days: lead,
            on_hand,
            units_sold: 8,
            net_revenue: net,
            average_on_hand: Some(8.0),
            last_sale: Some(day(10)),
        }
    }

    fn sold(id: i64, d: u32, units: i64, started_empty: bool) -> DemandDay {
        DemandDay {
            product_id: id,
            day: day(d),
            units,
            started_empty,
        }
    }

    #[test]
    fn stock_figures_from_rows_and_demand_days() {
        let settings = StockSettings {
            demand_days: 4,
            ..StockSettings::default()
        };
        // The window is 7–10 June.
        assert_eq!(
            demand_window(day(10), 4),
            DateRange {
                from: day(7),
                to: day(10)
            }
        );
        let rows = vec![
            row(1, "LAMP", Some(6), Some(4), dec!(160)),
            row(2, "RUG", None, None, dec!(40)),
            row(3, "CUP", Some(0), Some(-1), dec!(0)),
        ];
        let demand = [
            sold(1, 1, 5, false), // before the window: left out
            sold(1, 7, 2, false),
            sold(1, 8, 2, false),
            sold(1, 9, 0, true), // started empty: says nothing about demand
            sold(1, 10, 2, false),
            sold(3, 10, 3, false),
        ];
        let out = stock_products(rows, &demand, day(10), &settings);
        let skus: Vec<&str> = out.iter().map(|p| p.sku.as_str()).collect();
        assert_eq!(skus, ["LAMP", "RUG", "CUP"], "the rows' order is kept");

        // LAMP: 2, 2, 2 units on its 3 in-stock days → demand 2, σ 0, 1 stock-out day; no safety
        // stock, reorder point 2 × 4 = 8; 6 ≤ 8 → reorder; cover 6 / 2 = 3 days; order
        // ⌈8 + 2 × 7 − 6⌉ = 16 today, out in ⌊6 / 2⌋ = 3 days; turnover 8 sold / 8 on hand = 1.
        let lamp = &out[0];
        assert_eq!(
            (lamp.daily_demand, lamp.demand_sd, lamp.stockout_days),
            (2.0, 0.0, 1)
        );
        assert_eq!((lamp.safety_stock, lamp.reorder_point), (0.0, 8.0));
        assert_eq!(lamp.status, StockStatus::Reorder);
        assert_eq!(lamp.days_of_cover, Some(3.0));
        assert_eq!(lamp.suggested_order, 16);
        assert_eq!(
            (lamp.order_by, lamp.sells_out_on),
            (Some(day(10)), Some(day(13)))
        );
        assert_eq!(
            (lamp.average_on_hand, lamp.turnover),
            (Some(8.0), Some(1.0))
        );
        assert_eq!(lamp.lead_time_days, 4);
        // ABC over 160, 40, 0 of 200: LAMP starts at 0% → A, RUG at 80% → B, CUP sold nothing → C.
        let abc: Vec<Abc> = out.iter().map(|p| p.abc).collect();
        assert_eq!(abc, [Abc::A, Abc::B, Abc::C]);

        // RUG: stock not tracked, no sales: the default 14-day lead time and no stock figures.
        let rug = &out[1];
        assert_eq!(rug.status, StockStatus::Untracked);
        assert_eq!(rug.lead_time_days, 14);
        assert_eq!((rug.daily_demand, rug.reorder_point), (0.0, 0.0));
        assert_eq!(
            (rug.average_on_hand, rug.turnover, rug.days_of_cover),
            (None, None, None)
        );
        assert_eq!((rug.order_by, rug.suggested_order), (None, 0));

        // CUP: a negative lead time falls back to 14 days; 0, 0, 0, 3 units → demand 0.75,
        // σ = √((3 × 0.75² + 2.25²) / 3) = √2.25 = 1.5; safety 1.645 × 1.5 × √14 ≈ 9.232,
        // reorder point 0.75 × 14 + 9.232 ≈ 19.732; out of stock; order ⌈19.732 + 5.25⌉ = 25.
        let cup = &out[2];
        assert_eq!(cup.lead_time_days, 14);
        assert_eq!((cup.daily_demand, cup.demand_sd), (0.75, 1.5));
        assert!(
            (cup.safety_stock - 9.232).abs() < 0.001,
            "{}",
            cup.safety_stock
        );
        assert!(
            (cup.reorder_point - 19.732).abs() < 0.001,
            "{}",
            cup.reorder_point
        );
        assert_eq!(cup.status, StockStatus::Out);
        assert_eq!(cup.suggested_order, 25);
        assert_eq!(
            (cup.order_by, cup.sells_out_on),
            (Some(day(10)), Some(day(10)))
        );
    }

    fn stock(
        id: i64,
        category: &str,
        on_hand: Option<i64>,
        cost: Option<Decimal>,
        price: Decimal,
        demand: f64,
        status: StockStatus,
    ) -> ProductStock {
        ProductStock {
            category: category.into(),
            on_hand,
            unit_cost: cost,
            price: Some(price),
            daily_demand: demand,
            ..ProductStock::for_test(id, status)
        }
    }

    #[test]
    fn cards_add_up_the_tracked_products() {
        let products = [
            stock(
                1,
                "C",
                Some(10),
                Some(dec!(4)),
                dec!(10),
                2.0,
                StockStatus::Reorder,
            ),
            stock(
                2,
                "C",
                Some(0),
                Some(dec!(5)),
                dec!(12),
                1.0,
                StockStatus::Out,
            ),
            stock(
                3,
                "C",
                Some(400),
                Some(dec!(2.5)),
                dec!(6),
                2.0,
                StockStatus::Overstock,
            ),
            stock(
                4,
                "C",
                Some(7),
                Some(dec!(1.5)),
                dec!(4),
                0.0,
                StockStatus::Dead,
            ),
            stock(5, "C", Some(3), None, dec!(2), 0.5, StockStatus::Ok),
            stock(
                6,
                "C",
                None,
                Some(dec!(9)),
                dec!(99),
                5.0,
                StockStatus::Untracked,
            ),
        ];
        let c = cards(&products, &StockSettings::default());
        // At cost: 10 × 4 + 0 + 400 × 2.5 + 7 × 1.5 + 3 × 0 (no cost) = 1050.50.
        assert_eq!(c.stock_value_cost, dec!(1050.50));
        // At retail: 10 × 10 + 0 + 400 × 6 + 7 × 4 + 3 × 2 = 2534.
        assert_eq!(c.stock_value_retail, dec!(2534.00));
        // In stock: 1 (low), 3, 4, 5; out: 2; 6 is not tracked.
        assert_eq!((c.skus_in_stock, c.skus_low, c.skus_out), (4, 1, 1));
        assert_eq!((c.products_without_cost, c.products_untracked), (1, 1));
        // Cover over the products that sell: (10 + 0 + 400 + 3) / (2 + 1 + 2 + 0.5) = 413 / 5.5.
        assert_eq!(c.days_of_cover, Some(413.0 / 5.5));
        // Dead: 7 × 1.5; overstock: 400 − 180 days × 2 = 40 units beyond, × 2.5 = 100.
        assert_eq!(
            (c.dead_stock_value, c.overstock_value),
            (dec!(10.50), dec!(100.00))
        );
    }

    #[test]
    fn turnover_by_category_fastest_first() {
        let with = |id, category, units, average: Option<f64>, on_hand| ProductStock {
            units_sold: units,
            average_on_hand: average,
            ..stock(id, category, on_hand, None, dec!(1), 0.0, StockStatus::Ok)
        };
        let products = [
            with(1, "Lamps", 8, Some(8.0), Some(8)),
            with(2, "Lamps", 4, Some(2.0), Some(2)),
            with(3, "Rugs", 10, Some(2.0), Some(2)),
            with(4, "Cups", 3, Some(0.0), Some(0)),
            with(5, "Vases", 50, None, None), // not tracked: left out
        ];
        let got: Vec<(String, i64, f64, Option<f64>)> = turnover_by_category(&products)
            .into_iter()
            .map(|c| (c.category, c.units_sold, c.average_on_hand, c.turnover))
            .collect();
        // Rugs 10 / 2 = 5; Lamps (8 + 4) / (8 + 2) = 1.2; Cups have no stock: no turnover.
        assert_eq!(
            got,
            [
                ("Rugs".to_string(), 10, 2.0, Some(5.0)),
                ("Lamps".to_string(), 12, 10.0, Some(1.2)),
                ("Cups".to_string(), 3, 0.0, None),
            ]
        );
    }

    #[test]
    fn abc_curve_of_net_revenue() {
        let with = |id, net| ProductStock {
            net_revenue: net,
            ..stock(id, "C", Some(1), None, dec!(1), 0.0, StockStatus::Ok)
        };
        let products = [
            with(1, dec!(60)),
            with(2, dec!(30)),
            with(3, dec!(10)),
            with(4, dec!(-5)), // a net return counts 0
        ];
        let got: Vec<(f64, f64)> = abc_pareto(&products)
            .into_iter()
            .map(|p| (p.product_share, p.revenue_share))
            .collect();
        // Of 100: 60, 90, 100 and 100 after 1, 2, 3 and 4 of the 4 products.
        assert_eq!(
            got,
            [(0.0, 0.0), (0.25, 0.6), (0.5, 0.9), (0.75, 1.0), (1.0, 1.0)]
        );
    }

    #[test]
    fn premium_is_few_buyers_among_top_sellers() {
        let sold = |id, net, orders, units| TopProduct {
            product_id: id,
            sku: format!("S{id}"),
            name: format!("Product {id}"),
            category: "C".into(),
            net_revenue: net,
            orders,
            units,
            share: None,
        };
        // Four products sold (net revenue above zero), best sellers first.
        let selling = [
            sold(1, dec!(500), 4, 10),
            sold(2, dec!(300), 6, 6),
            sold(3, dec!(200), 1, 1),
            sold(4, dec!(100), 1, 1),
        ];
        // The top 20% is ⌈0.8⌉ = 1 product, the top 50% ⌈2⌉ = 2, all of them ⌈4⌉ = 4.
        let settings = StockSettings::default();
        let ids = |c: &[TopProduct]| c.iter().map(|p| p.product_id).collect::<Vec<_>>();
        assert_eq!(ids(premium_candidates(&selling, &settings)), [1]);
        assert!(premium_candidates(&[], &settings).is_empty());
        let half = StockSettings {
            premium_revenue_share: 0.5,
            ..settings
        };
        let candidates = premium_candidates(&selling, &half);
        assert_eq!(ids(candidates), [1, 2]);
        let all = StockSettings {
            premium_revenue_share: 1.0,
            ..settings
        };
        assert_eq!(ids(premium_candidates(&selling, &all)), [1, 2, 3, 4]);
        // Of 100 customers: product 1 has 5 (5% ≤ 5%), 2.5 units an order; product 2 has 6%.
        let buyers = [(1, 5), (2, 6)].into_iter().collect();
        let got = premium(candidates, &buyers, 100, &half);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (
                got[0].product_id,
                got[0].customers,
                got[0].customer_share,
                got[0].units_per_order
            ),
            (1, 5, 0.05, 2.5)
        );
        assert!(premium(candidates, &buyers, 0, &half).is_empty());
        // Bought by guests only: no identified buyer, a share of 0.
        let guests = premium(&[sold(3, dec!(200), 2, 3)], &buyers, 100, &half);
        assert_eq!((guests[0].customers, guests[0].units_per_order), (0, 1.5));
    }

    #[test]
    fn position_among_in_stock_competitors() {
        let at = |h| Utc.with_ymd_and_hms(2026, 6, 10, h, 0, 0).unwrap();
        let seen = |competitor: &str, price, shipping, in_stock, hour| LatestCompetitorPrice {
            product_id: 1,
            competitor: competitor.into(),
            price,
            shipping,
            in_stock,
            observed_at: at(hour),
        };
        let a = seen("A", dec!(10), dec!(1), true, 6);
        let b = seen("B", dec!(9), dec!(0), true, 7);
        let c = seen("C", dec!(5), dec!(0), false, 8); // out of stock: only its time counts
        let p = position(Some(dec!(10)), &[&a, &b, &c]);
        // Live: A 11, B 9 → cheapest B 9, average 10.00; one is under our 10 → rank 2; index
        // 10 / 10 × 100 = 100.0.
        assert_eq!(p.competitors, 2);
        assert_eq!(
            (p.cheapest, p.cheapest_name.as_deref()),
            (Some(dec!(9)), Some("B"))
        );
        assert_eq!(p.average, Some(dec!(10.00)));
        assert_eq!((p.rank, p.price_index), (Some(2), Some(dec!(100.0))));
        assert_eq!(p.observed_at, Some(at(8)));
        // Without a price of ours there is no rank or index; with no live competitor, nothing.
        let p = position(None, &[&a, &b]);
        assert_eq!((p.rank, p.price_index), (None, None));
        let p = position(Some(dec!(10)), &[&c]);
        assert_eq!((p.competitors, p.average, p.rank), (0, None, None));
    }

    #[test]
    fn weekly_history_in_whole_weeks() {
        let settings = PricingSettings {
            history_weeks: 4,
            ..PricingSettings::default()
        };
        // Wednesday 10 June: its week is not over, so the last whole week starts Monday 1 June;
        // four weeks back from there is Monday 11 May.
        assert_eq!(
            history_window(&settings, day(10)).from,
            day(1) - Duration::weeks(3)
        );
        // Sunday 14 June closes its week (from Monday 8 June): from Monday 18 May.
        assert_eq!(
            history_window(&settings, day(14)).from,
            day(8) - Duration::weeks(3)
        );

        let week = |w: u32, gross, units, stockout| WeekRow {
            product_id: 1,
            week: day(w),
            gross_revenue: gross,
            units,
            stockout,
            shop_units: 110,
        };
        let rows = || {
            vec![
                week(1, dec!(50), 10, false),
                week(8, dec!(40), 5, true), // a stock-out week says nothing about demand
                week(15, dec!(0), 0, false), // nor does a week without sales
            ]
        };
        let points = week_points(&rows());
        // 50 / 10 = 5 a unit; the rest of the shop sold 110 − 10 = 100.
        assert_eq!(points.len(), 1);
        assert_eq!(
            (points[0].price, points[0].units, points[0].shop_units),
            (5.0, 10.0, 100.0)
        );
        // The product page shows every week (0 units: price 0 rather than a division by 0).
        let prices: Vec<(f64, bool)> = price_weeks(rows())
            .into_iter()
            .map(|w| (w.price, w.stockout))
            .collect();
        assert_eq!(prices, [(5.0, false), (8.0, true), (0.0, false)]);
    }
}
