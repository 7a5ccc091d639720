//! How a figure compares: relative change against the comparison period and share of a total.
use rust_decimal::Decimal;

/// Relative change (current − previous) / previous; `None` when previous is 0 (DESIGN.md's MoM rule).
pub fn change(current: Decimal, previous: Decimal) -> Option<Decimal> {
    (!previous.is_zero()).then(|| (current - previous) / previous.abs())
}

/// A part's share of a positive total; `None` when the total is not positive.
pub fn share(part: Decimal, total: Decimal) -> Option<Decimal> {
    (total > Decimal::ZERO).then(|| part / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn change_is_empty_when_the_previous_value_is_zero() {
        assert_eq!(change(dec!(110), dec!(100)), Some(dec!(0.1)));
        assert_eq!(change(dec!(92), dec!(100)), Some(dec!(-0.08)));
        assert_eq!(change(dec!(5), dec!(0)), None);
        // A negative base (net revenue with more returns than sales) still reads the right way.
        assert_eq!(change(dec!(-50), dec!(-100)), Some(dec!(0.5)));
    }
}
