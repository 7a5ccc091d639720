//! Distinct buyers per product over a range, from the per-day buyer lists of
//! `daily_product_buyers` (each day's list sorted and distinct; a customer who bought a product on
//! several days is in several lists). The premium products weigh each candidate's buyers against
//! the range's customers: ~5,000 lists and ~500k ids for 90 days at 10M order lines.
use std::collections::HashMap;

/// The number of distinct customers of each product among `(product, one day's buyers)` rows.
pub fn distinct_per_product(rows: Vec<(i64, Vec<i64>)>) -> HashMap<i64, i64> {
    let mut ids: HashMap<i64, Vec<i64>> = HashMap::new();
    for (product, customers) in rows {
        ids.entry(product).or_default().extend(customers);
    }
    ids.into_iter()
        .map(|(product, mut ids)| {
            ids.sort_unstable();
            ids.dedup();
            (product, ids.len() as i64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_on_several_days_counts_once_for_each_product() {
        let rows = vec![
            (1, vec![10, 11, 12]),
            (2, vec![11]),
            (1, vec![11, 13]),
            (1, vec![]),
            (2, vec![11, 14]),
            (3, vec![10]),
        ];
        let counts = distinct_per_product(rows);
        assert_eq!(counts.len(), 3);
        assert_eq!(counts[&1], 4, "10, 11, 12, 13");
        assert_eq!(counts[&2], 2, "11, 14");
        assert_eq!(counts[&3], 1);
        assert!(distinct_per_product(Vec::new()).is_empty());
    }
}
