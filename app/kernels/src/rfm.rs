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
    let mut by_net: Vec<u32> = (0..rows.len() as u32).collect();
    by_net.sort_unstable_by(|&a, &b| largest_net_first(&rows[a as usize], &rows[b as usize]));
    Scores {
        r: quintiles(rows, |c| c.last_day),
        f: quintiles(rows, |c| c.orders),
        m: quintiles(rows, |c| c.net),
        by_net,
    }
}

/// The `n` customers of `sums` with the largest net revenue, largest first (ties by id): the
/// head of `scores`' order, without ordering the rest.
pub fn top_by_net(sums: &[Summed], n: usize) -> Vec<&Summed> {
    let order = |a: &&Summed, b: &&Summed| largest_net_first(a, b);
    let mut all: Vec<&Summed> = sums.iter().collect();
    if n < all.len() {
        all.select_nth_unstable_by(n, order);
        all.truncate(n);
    }
    all.sort_unstable_by(order);
    all
}

fn largest_net_first(a: &Summed, b: &Summed) -> std::cmp::Ordering {
    b.net.cmp(&a.net).then(a.customer_id.cmp(&b.customer_id))
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
