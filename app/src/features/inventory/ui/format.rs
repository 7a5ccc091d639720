//! How the page writes its figures: days, optional and signed money, stock status, table cells.
use rust_decimal::Decimal;

use crate::components::format::money;
use crate::components::Cell;
use crate::features::inventory::types::{PriceBounds, StockStatus};

pub(super) fn days(value: Option<f64>) -> String {
    value
        .map(|d| format!("{d:.0} d"))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn opt_money(value: Option<Decimal>, currency: &str) -> String {
    value
        .map(|v| money(v, currency))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn signed_money(value: Decimal, currency: &str) -> String {
    if value.is_sign_negative() && !value.is_zero() {
        money(value, currency)
    } else {
        format!("+{}", money(value, currency))
    }
}

pub(crate) fn status_label(s: StockStatus) -> &'static str {
    match s {
        StockStatus::Untracked => "not tracked",
        StockStatus::Ok => "ok",
        StockStatus::Reorder => "reorder",
        StockStatus::Out => "out",
        StockStatus::Overstock => "overstock",
        StockStatus::Dead => "dead",
    }
}

/// Where a status sorts: most urgent first (out › dead › reorder › overstock › ok › not tracked).
pub(crate) fn status_rank(s: StockStatus) -> f64 {
    match s {
        StockStatus::Out => 0.0,
        StockStatus::Dead => 1.0,
        StockStatus::Reorder => 2.0,
        StockStatus::Overstock => 3.0,
        StockStatus::Ok => 4.0,
        StockStatus::Untracked => 5.0,
    }
}

pub(crate) fn float_cell(value: Option<f64>, digits: usize) -> Cell {
    Cell::number(
        value
            .map(|v| format!("{v:.digits$}"))
            .unwrap_or_else(|| "—".into()),
        value,
    )
}

pub(crate) fn date_cell(day: Option<chrono::NaiveDate>) -> Cell {
    match day {
        Some(d) => Cell::date(d),
        None => Cell::text("—"),
    }
}

/// "Floor £10.50 · ceiling £13.00 · competitor cap £12.10 · one change £10.80–£13.20".
pub(crate) fn limits_text(b: &PriceBounds, currency: &str) -> String {
    let mut parts = vec![
        format!("Floor {}", money(b.floor, currency)),
        format!("ceiling {}", money(b.ceiling, currency)),
    ];
    if let Some(cap) = b.competitor_cap {
        parts.push(format!("competitor cap {}", money(cap, currency)));
    }
    parts.push(format!(
        "one change {}–{}",
        money(b.step_low, currency),
        money(b.step_high, currency)
    ));
    parts.join(" · ")
}
