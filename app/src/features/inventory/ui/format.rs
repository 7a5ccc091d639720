//! How the page writes its figures: days, optional and signed money, stock status, table cells.
use rust_decimal::Decimal;

use crate::components::format::money;
use crate::components::Cell;
use crate::features::inventory::types::StockStatus;

pub(super) fn days(value: Option<f64>) -> String {
    value
        .map(|d| format!("{d:.0} d"))
        .unwrap_or_else(|| "—".into())
}

pub(super) fn opt_money(value: Option<Decimal>, currency: &str) -> String {
    value
        .map(|v| money(v, currency))
        .unwrap_or_else(|| "—".into())
}

pub(super) fn signed_money(value: Decimal, currency: &str) -> String {
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
