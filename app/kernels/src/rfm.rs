//! The ranks Customer Insights and the top customers read over every customer who bought in a
//! range (`customer_days::Summed`; ~480k for 90 days at 10M order lines): RFM quintile scores,
//! the order by net revenue, the top N. Not generic where `app` calls in: a generic function is
//! compiled in the crate that calls it, at that crate's optimisation (`app`'s is 0 in the build
//! `make run` starts).
use crate::customer_days::Summed;

/// RFM scores of each customer of a slice of `Summed` (by position), and their order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Recency 1–5 by last order day (later is higher).
    pub r: Vec<i32>,
    /// Frequency 1–5 by orders.
    pub f: Vec<i32>,
    /// Monetary 1–5 by net revenue.
    pub m: Vec<i32>,
    /// Positions, largest net revenue first (ties by customer id).
    pub by_net: Vec<u32>,
}

/// The quintile scores of `rows` and their order by net revenue.
pub fn scores(rows: &[Summed]) -> Scores {
    // The net revenues sort as integers when they fit one scale (always, but for amounts no shop
    // has): comparing `Decimal`s rescales them on every comparison, which made these two sorts
    // most of the scoring's time (~170 ms for 240k customers).
    match net_integers(rows) {
        Some(nets) => scores_by(rows, &nets),
        None => scores_by(rows, &rows.iter().map(|c| c.net).collect::<Vec<_>>()),
    }
}

/// `scores` with `nets[i]` ordered as the net revenue of `rows[i]`.
fn scores_by<K: Ord + Copy>(rows: &[Summed], nets: &[K]) -> Scores {
    let mut by_net: Vec<u32> = (0..rows.len() as u32).collect();
    by_net.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        larger_first(
            (&nets[a], rows[a].customer_id),
            (&nets[b], rows[b].customer_id),
        )
    });
    Scores {
        r: quintiles(rows, |c| c.last_day),
        f: quintiles(rows, |c| c.orders),
        m: quintiles(nets, |k| *k),
        by_net,
    }
}

/// Each net revenue as an integer count of the smallest unit any of them has (10^-scale), which
/// orders exactly as the decimals do; `None` when one does not fit an `i128` at that scale.
fn net_integers(rows: &[Summed]) -> Option<Vec<i128>> {
    let scale = rows.iter().map(|c| c.net.scale()).max().unwrap_or(0);
    rows.iter()
        .map(|c| {
            10i128
                .checked_pow(scale - c.net.scale())
                .and_then(|unit| c.net.mantissa().checked_mul(unit))
        })
        .collect()
}

/// The `n` customers of `sums` with the largest net revenue, largest first (ties by id): the
/// head of `scores`' order, without ordering the rest.
pub fn top_by_net(mut sums: Vec<Summed>, n: usize) -> Vec<Summed> {
    if n < sums.len() {
        sums.select_nth_unstable_by(n, largest_net_first);
        sums.truncate(n);
    }
    sums.sort_unstable_by(largest_net_first);
    sums
}

/// The order of `scores`' `by_net`: the larger net revenue first, equal ones by customer id.
pub(crate) fn largest_net_first(a: &Summed, b: &Summed) -> std::cmp::Ordering {
    larger_first((&a.net, a.customer_id), (&b.net, b.customer_id))
}

/// The one order of customers by net revenue, over any key that orders as the net revenue does
/// (the `Decimal` itself, or its integer count of the smallest unit): larger first, equal ones by
/// customer id.
fn larger_first<K: Ord>(a: (K, i64), b: (K, i64)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Quintile scores 1–5 by a key, low to high: `min(5, 1 + ⌊5 (rank − 1) / n⌋)` where rank is
/// SQL's `rank()` (ties share the lowest rank, so they share a score).
fn quintiles<T, K: Ord>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<i32> {
    let n = rows.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_cached_key(|&i| key(&rows[i]));
    let mut scores = vec![0; n];
    let mut rank = 0;
    for (position, &i) in order.iter().enumerate() {
        if position == 0 || key(&rows[order[position - 1]]) != key(&rows[i]) {
            rank = position;
        }
        scores[i] = (1 + 5 * rank / n).min(5) as i32;
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn customer(customer_id: i64, net: Decimal) -> Summed {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        Summed {
            customer_id,
            orders: 1,
            gross: net.max(Decimal::ZERO),
            net,
            first_order: day,
            first_day: day,
            last_day: day,
            country: None,
        }
    }

    #[test]
    fn net_revenues_of_different_scales_order_as_decimals() {
        // 1.5 and 1.50 are equal (ties by id), −0 is 0, 0.125 sits between 0.12 and 0.13.
        let nets = [
            dec!(1.5),
            dec!(1.50),
            dec!(-0.25),
            dec!(10.125),
            dec!(0),
            -dec!(0),
            dec!(0.12),
            dec!(0.125),
            dec!(0.13),
            dec!(-1000000),
        ];
        let rows: Vec<Summed> = (0..).zip(nets).map(|(id, n)| customer(id, n)).collect();
        let integers = net_integers(&rows).expect("these fit");
        assert_eq!(integers[0], integers[1]);
        assert_eq!(integers[4], integers[5]);
        let by_decimals = scores_by(&rows, &nets);
        assert_eq!(scores(&rows), by_decimals);
        // Largest first, equal nets by id.
        assert_eq!(by_decimals.by_net, [3, 0, 1, 8, 7, 6, 4, 5, 2, 9]);
        assert_eq!(by_decimals.m, [4, 4, 1, 5, 2, 2, 3, 3, 4, 1]);
    }

    #[test]
    fn net_revenues_beyond_one_integer_scale_still_order_as_decimals() {
        // The largest `Decimal` and a value with 28 decimal places have no common integer scale.
        let nets = [
            Decimal::MAX,
            dec!(0.0000000000000000000000000001),
            Decimal::MIN,
            dec!(2),
        ];
        let rows: Vec<Summed> = (0..).zip(nets).map(|(id, n)| customer(id, n)).collect();
        assert_eq!(net_integers(&rows), None);
        let scores = scores(&rows);
        assert_eq!(scores.by_net, [0, 3, 1, 2]);
        assert_eq!(scores.m, [4, 2, 1, 3]);
    }

    #[test]
    fn quintiles_are_sql_rank_scores_with_shared_ties() {
        // rank() of 10 values: 1, 2, 3, 3, 5, 6, 7, 8, 9, 10 → 1 + ⌊5 (rank − 1) / 10⌋.
        let keys = [10, 20, 30, 30, 50, 60, 70, 80, 90, 100];
        assert_eq!(quintiles(&keys, |k| *k), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Input order does not matter; equal keys share the lowest rank's score.
        assert_eq!(quintiles(&[7, 7, 7], |k| *k), [1, 1, 1]);
        assert_eq!(quintiles(&[3, 1, 2], |k| *k), [4, 1, 2]);
        assert!(quintiles::<i32, i32>(&[], |k| *k).is_empty());
    }
}
