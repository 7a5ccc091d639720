//! Display formatting of numbers: the only place that turns figures into text.
pub use formats::group_thousands;
use rust_decimal::{Decimal, RoundingStrategy};

fn currency_symbol(code: &str) -> Option<&'static str> {
    match code {
        "GBP" => Some("£"),
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

/// `£12,345.67`; negative as `−£12.30`; unknown currencies as `CHF 12.30`.
pub fn money(value: Decimal, currency: &str) -> String {
    let rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.2}", rounded.abs());
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let amount = format!("{}.{}", group_thousands(int_part), frac);
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "−"
    } else {
        ""
    };
    match currency_symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{amount}"),
        None => format!("{sign}{currency} {amount}"),
    }
}

/// A day as every page writes it: `2 Sep 2026`.
pub fn day(day: chrono::NaiveDate) -> String {
    day.format("%-d %b %Y").to_string()
}

/// `12,345`.
pub fn count(value: i64) -> String {
    let sign = if value < 0 { "−" } else { "" };
    format!(
        "{sign}{}",
        group_thousands(&value.unsigned_abs().to_string())
    )
}

/// A share (0–1) as `12.3%`.
pub fn percent(share: Decimal) -> String {
    let pct = (share * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    format!("{pct:.1}%")
}

/// A change as `+8.2%` / `−3.1%`.
pub fn signed_percent(change: Decimal) -> String {
    let text = percent(change.abs());
    if change.is_sign_negative() && !change.is_zero() {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}

/// Money as a plain number for charts (rounded to cents).
pub fn chart_value(value: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    value.round_dp(2).to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_rounds_half_away_from_zero_and_groups() {
        assert_eq!(money(dec!(1234567.005), "GBP"), "£1,234,567.01");
        assert_eq!(money(dec!(0), "GBP"), "£0.00");
        assert_eq!(money(dec!(-12.3), "EUR"), "−€12.30");
        assert_eq!(money(dec!(999.999), "CHF"), "CHF 1,000.00");
        assert_eq!(money(dec!(-0.001), "GBP"), "£0.00");
    }

    #[test]
    fn counts_and_percents() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(-1234567), "−1,234,567");
        assert_eq!(percent(dec!(0.12345)), "12.3%");
        assert_eq!(percent(dec!(1)), "100.0%");
        assert_eq!(signed_percent(dec!(0.082)), "+8.2%");
        assert_eq!(signed_percent(dec!(-0.031)), "−3.1%");
    }
}
