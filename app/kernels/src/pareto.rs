//! Revenue concentration: the identified customers' net revenue in a range, largest first —
//! the share of the top 10 and the Pareto curve (every customer of a range: a million at 10M
//! order lines, all time).
use rust_decimal::Decimal;

/// The ranks of a range's customers' net revenue, largest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Pareto {
    /// Customers (with sales or returns in the range).
    pub customers: usize,
    /// The net revenue of the 10 customers with the most.
    pub top10: Decimal,
    /// The smallest share of customers (0–1), largest first, that makes 80% of their net
    /// revenue.
    pub customers_for_80: Option<Decimal>,
    /// (share of customers, cumulative share of their net revenue), largest first: at most
    /// ~`PARETO_POINTS` + 1 points, from (0, 0) to (1, 1); empty without positive revenue.
    pub curve: Vec<(Decimal, Decimal)>,
}

/// Points of the Pareto curve at most.
pub const PARETO_POINTS: usize = 100;

/// An amount keyed for ordering: its value as a whole number of the smallest unit any of the
/// amounts uses (cents, or ten-thousandths: a comparison of integers, where comparing a million
/// `Decimal`s was most of an all-time concentration), ties by exact value. Where an amount
/// does not fit an `i64` in that unit (far beyond any shop's revenue), every key is 0 and the
/// exact values decide.
type Keyed = (i64, Decimal);

fn largest_first(a: &Keyed, b: &Keyed) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1))
}

/// The amounts keyed, and the scale of the keys' unit when every amount fits (`None`: all keys 0).
fn keyed(values: Vec<Decimal>) -> (Vec<Keyed>, Option<u32>) {
    let mut keyed: Vec<Keyed> = values.into_iter().map(|v| (0, v)).collect();
    let scale = keyed.iter().map(|k| k.1.scale()).max().unwrap_or(0);
    let whole = |v: &Decimal| {
        10i128
            .checked_pow(scale - v.scale())
            .and_then(|unit| v.mantissa().checked_mul(unit))
            .and_then(|m| i64::try_from(m).ok())
    };
    for i in 0..keyed.len() {
        match whole(&keyed[i].1) {
            Some(key) => keyed[i].0 = key,
            None => {
                keyed[..i].iter_mut().for_each(|k| k.0 = 0);
                return (keyed, None);
            }
        }
    }
    (keyed, Some(scale))
}

/// The sum of the amounts of `part` (of only the positive ones when `positive`): added as
/// integers where the keys are exact (`scale`), else as decimals.
fn sum(part: &[Keyed], scale: Option<u32>, positive: bool) -> Decimal {
    if let Some(scale) = scale {
        let whole: i128 = part
            .iter()
            .map(|k| i128::from(if positive { k.0.max(0) } else { k.0 }))
            .sum();
        if let Ok(sum) = Decimal::try_from_i128_with_scale(whole, scale) {
            return sum;
        }
    }
    part.iter()
        .map(|k| {
            if positive {
                k.1.max(Decimal::ZERO)
            } else {
                k.1
            }
        })
        .sum()
}

/// Rearranges `values` so that every rank of `cuts` (ascending, each within `1..values.len()`) is
/// a boundary of the largest-first order: the values before position `c` are the `c` largest.
/// Within the parts the order is left as it falls: the curve needs only the sums up to each cut,
/// and a selection per cut (halving the cuts at each step) costs a few passes over the values
/// where sorting them all costs ~log₂(n).
fn cut_largest_first(values: &mut [Keyed], cuts: &[usize]) {
    if cuts.is_empty() {
        return;
    }
    let mid = cuts.len() / 2;
    let at = cuts[mid];
    let (left, _, right) = values.select_nth_unstable_by(at, largest_first);
    cut_largest_first(left, &cuts[..mid]);
    let right_cuts: Vec<usize> = cuts[mid + 1..].iter().map(|c| c - at - 1).collect();
    cut_largest_first(right, &right_cuts);
}

/// How concentrated `nets` (each identified customer's net revenue in a range, in any order)
/// are, largest first. Not generic: a generic function is compiled in the crate that calls it,
/// at that crate's optimisation (`app`'s is 0 in the build `make run` starts).
pub fn pareto(nets: Vec<Decimal>) -> Pareto {
    let (mut keyed, scale) = keyed(nets);
    let customers = keyed.len();
    let identified = sum(&keyed, scale, false);
    let step = customers.div_ceil(PARETO_POINTS).max(1);
    // The ranks the figures need: 10 (the top-10 share) and every curve point's.
    let mut ranks: Vec<usize> = (1..=customers / step)
        .map(|k| k * step)
        .chain((customers > 0).then_some(customers))
        .chain((customers > 10).then_some(10))
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    let cuts: Vec<usize> = ranks.iter().copied().filter(|r| *r < customers).collect();
    cut_largest_first(&mut keyed, &cuts);
    let top10 = sum(&keyed[..customers.min(10)], scale, false);
    let mut curve = Vec::new();
    let mut customers_for_80 = None;
    if customers > 0 && identified > Decimal::ZERO {
        let n = Decimal::from(customers as i64);
        let target = identified * Decimal::new(8, 1);
        let mut cumulative = Decimal::ZERO;
        curve.push((Decimal::ZERO, Decimal::ZERO));
        let mut from = 0;
        for rank in ranks {
            let part = &mut keyed[from..rank];
            // The first rank whose cumulative reaches 80% lies in this part when its positive
            // values, largest first, reach it: only that part is put in order.
            if customers_for_80.is_none() && cumulative + sum(part, scale, true) >= target {
                part.sort_unstable_by(largest_first);
                let mut running = cumulative;
                for (i, k) in part.iter().enumerate() {
                    running += k.1;
                    if running >= target {
                        customers_for_80 = Some(Decimal::from((from + i + 1) as i64) / n);
                        break;
                    }
                }
            }
            cumulative += sum(part, scale, false);
            if rank % step == 0 || rank == customers {
                curve.push((
                    (Decimal::from(rank as i64) / n).round_dp(4),
                    (cumulative / identified).round_dp(4),
                ));
            }
            from = rank;
        }
    }
    Pareto {
        customers,
        top10,
        customers_for_80,
        curve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn pareto_of_a_hand_worked_shop() {
        // 12 customers: 100, 50, 20, then nine of 10 → identified 260.
        let mut nets = vec![dec!(100), dec!(50), dec!(20)];
        nets.extend(std::iter::repeat_n(dec!(10), 9));
        let c = pareto(nets);
        assert_eq!(c.customers, 12);
        // top 10: 100 + 50 + 20 + 7 × 10
        assert_eq!(c.top10, dec!(240));
        // 80% of 260 = 208: 100, 150, 170, 180, 190, 200, 210 → 7 of 12 customers
        assert_eq!(c.customers_for_80, Some(dec!(7) / dec!(12)));
        assert_eq!(c.curve.first(), Some(&(dec!(0), dec!(0))));
        assert_eq!(c.curve.last(), Some(&(dec!(1), dec!(1))));
        assert_eq!(c.curve.len(), 13);
        assert_eq!(c.curve[1].1, dec!(0.3846)); // 100 / 260
    }

    /// The definition the cut selection must give: every customer's net revenue in order,
    /// largest first, added up rank by rank.
    fn pareto_by_sorting(nets: &[Decimal]) -> Pareto {
        let mut sorted = nets.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let customers = sorted.len();
        let identified: Decimal = sorted.iter().copied().sum();
        let top10: Decimal = sorted.iter().take(10).copied().sum();
        let mut curve = Vec::new();
        let mut customers_for_80 = None;
        if customers > 0 && identified > Decimal::ZERO {
            let n = Decimal::from(customers as i64);
            let step = customers.div_ceil(PARETO_POINTS).max(1);
            let mut cumulative = Decimal::ZERO;
            curve.push((Decimal::ZERO, Decimal::ZERO));
            for (i, net) in sorted.iter().enumerate() {
                cumulative += *net;
                let rank = i + 1;
                if customers_for_80.is_none() && cumulative >= identified * dec!(0.8) {
                    customers_for_80 = Some(Decimal::from(rank as i64) / n);
                }
                if rank % step == 0 || rank == customers {
                    curve.push((
                        (Decimal::from(rank as i64) / n).round_dp(4),
                        (cumulative / identified).round_dp(4),
                    ));
                }
            }
        }
        Pareto {
            customers,
            top10,
            customers_for_80,
            curve,
        }
    }

    #[test]
    fn pareto_is_what_sorting_every_customer_gives() {
        // Shuffled amounts with ties, cents, negatives (net returners) and a few large ones, in
        // shop sizes around the curve's step (100 points) and the top 10.
        let mut seed: u64 = 0x5eed;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i64
        };
        for customers in [0, 1, 2, 9, 10, 11, 99, 100, 101, 250, 1000, 4321] {
            for negatives in [0, 5, 60] {
                let nets: Vec<Decimal> = (0..customers)
                    .map(|_| {
                        let cents = match next() % 100 {
                            p if p < negatives => -(next() % 5_000),
                            p if p < 70 => (next() % 20) * 500, // many ties
                            p if p < 98 => next() % 100_000,
                            _ => next() % 100_000_000,
                        };
                        Decimal::new(cents, 2)
                    })
                    .collect();
                assert_eq!(
                    pareto(nets.clone()),
                    pareto_by_sorting(&nets),
                    "{customers} customers, {negatives}% net returners"
                );
            }
        }
        // Amounts beyond an i64 of the smallest unit (28 decimal places beside billions): the
        // exact values order them.
        let nets: Vec<Decimal> = (0..300)
            .map(|i| match i % 3 {
                0 => Decimal::new(next() % 100_000, 2),
                1 => Decimal::from_i128_with_scale(i128::from(next()) * 1_000_000_000_000, 28),
                _ => Decimal::from(next() % 10_000_000_000),
            })
            .collect();
        assert_eq!(pareto(nets.clone()), pareto_by_sorting(&nets));
    }

    #[test]
    fn pareto_without_customers_is_empty() {
        let c = pareto(vec![]);
        assert_eq!(
            (c.customers, c.top10, c.customers_for_80),
            (0, dec!(0), None)
        );
        assert!(c.curve.is_empty());
        // Only returns: no positive revenue to share out.
        let c = pareto(vec![dec!(-5)]);
        assert_eq!(
            (c.customers, c.top10, c.customers_for_80),
            (1, dec!(-5), None)
        );
        assert!(c.curve.is_empty());
    }

    #[test]
    fn pareto_curve_is_thinned_to_about_a_hundred_points() {
        let nets: Vec<Decimal> = (1..=1000).rev().map(Decimal::from).collect();
        let c = pareto(nets);
        assert_eq!(c.curve.len(), 101);
        assert_eq!(c.curve.last().unwrap().0, dec!(1));
    }
}
