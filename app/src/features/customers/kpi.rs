//! Derived customer figures: pure functions, no I/O. They take the per-customer facts of a range
//! (`crate::dashboard::customers`), the k-means fit and rollup rows, and return the page's
//! figures; `service` fetches and caches, this file counts.
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::cluster::{Features, Fit};
use super::queries::{AcquisitionRow, CohortRowSql};
use super::types::{
    AcquisitionMonth, Cluster, ClusterPoint, ClusterSegmentCell, ClusterSettings, Clustering,
    CohortCell, CohortRow, CustomerGroup, CustomerKpis, EngagementThresholds, OrderLineRow, Rfm,
    RfmCell, SegmentRow,
};
use crate::dashboard::compare::{change, share};
use crate::dashboard::customers::{Bought, CustomerFacts};
use crate::dashboard::filter::{DateRange, Grain};
use crate::dashboard::range::partial_bucket;
use crate::dashboard::totals::SalesTotals;

/// Points of the cluster scatter chart at most.
pub const MAX_POINTS: usize = 1500;
/// Countries listed before the rest is folded into "Other".
pub const TOP_COUNTRIES: usize = 10;

/// The named RFM segments (DESIGN.md), from the common R × F map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    Champions,
    Loyal,
    PotentialLoyalist,
    New,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CantLoseThem,
    Hibernating,
    Lost,
}

impl Segment {
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::PotentialLoyalist,
        Segment::New,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// The segment of a recency score and a frequency score (1–5 each):
    ///
    /// | R \ F | 1 | 2 | 3 | 4 | 5 |
    /// |---|---|---|---|---|---|
    /// | 5 | New | Potential loyalist | Potential loyalist | Champions | Champions |
    /// | 4 | Promising | Potential loyalist | Potential loyalist | Loyal | Champions |
    /// | 3 | About to sleep | About to sleep | Need attention | Loyal | Loyal |
    /// | 2 | Hibernating | Hibernating | At risk | At risk | Can't lose them |
    /// | 1 | Lost | Lost | At risk | At risk | Can't lose them |
    pub fn of(r: u8, f: u8) -> Segment {
        match (r.clamp(1, 5), f.clamp(1, 5)) {
            (5, 4..=5) | (4, 5) => Segment::Champions,
            (4, 4) | (3, 4..=5) => Segment::Loyal,
            (4..=5, 2..=3) => Segment::PotentialLoyalist,
            (5, 1) => Segment::New,
            (4, 1) => Segment::Promising,
            (3, 3) => Segment::NeedAttention,
            (3, 1..=2) => Segment::AboutToSleep,
            (1..=2, 5) => Segment::CantLoseThem,
            (1..=2, 3..=4) => Segment::AtRisk,
            (2, 1..=2) => Segment::Hibernating,
            _ => Segment::Lost,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::Loyal => "loyal",
            Segment::PotentialLoyalist => "potential_loyalist",
            Segment::New => "new",
            Segment::Promising => "promising",
            Segment::NeedAttention => "need_attention",
            Segment::AboutToSleep => "about_to_sleep",
            Segment::AtRisk => "at_risk",
            Segment::CantLoseThem => "cant_lose_them",
            Segment::Hibernating => "hibernating",
            Segment::Lost => "lost",
        }
    }

    pub fn from_key(key: &str) -> Option<Segment> {
        Segment::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Segment::Champions => "Champions",
            Segment::Loyal => "Loyal",
            Segment::PotentialLoyalist => "Potential loyalist",
            Segment::New => "New",
            Segment::Promising => "Promising",
            Segment::NeedAttention => "Need attention",
            Segment::AboutToSleep => "About to sleep",
            Segment::AtRisk => "At risk",
            Segment::CantLoseThem => "Can't lose them",
            Segment::Hibernating => "Hibernating",
            Segment::Lost => "Lost",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Segment::Champions => "Bought recently and often: reward them, ask for reviews",
            Segment::Loyal => "Buy often: upsell, loyalty programme",
            Segment::PotentialLoyalist => "Recent, a few orders: offer membership",
            Segment::New => "First order just now: onboard them",
            Segment::Promising => "Recent single buyers: build the relationship",
            Segment::NeedAttention => "Middling on both: limited-time offers",
            Segment::AboutToSleep => "Fading, few orders: reactivate before they go",
            Segment::AtRisk => "Used to buy often, not lately: win them back",
            Segment::CantLoseThem => "Best buyers gone quiet: reach out personally",
            Segment::Hibernating => "Long ago and rarely: low-cost reminders",
            Segment::Lost => "Longest gone, fewest orders: ignore or a last try",
        }
    }
}

/// The engagement group of a customer with `orders` orders in the range.
pub fn engagement_key(orders: i64, t: &EngagementThresholds) -> &'static str {
    if orders >= t.regular_from {
        "regular"
    } else if orders >= t.occasional_from {
        "occasional"
    } else {
        "one_time"
    }
}

pub fn engagement_label(key: &str, t: &EngagementThresholds) -> String {
    match key {
        "regular" => format!("Regular (≥ {} orders)", t.regular_from),
        "occasional" => format!(
            "Occasional ({}–{} orders)",
            t.occasional_from,
            t.regular_from - 1
        ),
        _ => format!(
            "One-time ({} order{})",
            if t.occasional_from > 2 {
                format!("1–{}", t.occasional_from - 1)
            } else {
                "1".into()
            },
            if t.occasional_from > 2 { "s" } else { "" }
        ),
    }
}

/// `(orders, net revenue, first order ever is in the range)` per customer who bought.
pub type CustomerFigures = (i64, Decimal, bool);

/// The cards from each buying customer's figures and the range's guest share.
pub fn customer_kpis(
    customers: &[CustomerFigures],
    unidentified_share: Option<Decimal>,
) -> CustomerKpis {
    let n = customers.len() as i64;
    let new = customers.iter().filter(|c| c.2).count() as i64;
    let repeat = customers.iter().filter(|c| c.0 >= 2).count() as i64;
    let orders: i64 = customers.iter().map(|c| c.0).sum();
    let net: Decimal = customers.iter().map(|c| c.1).sum();
    let per = |x: Decimal| (n > 0).then(|| x / Decimal::from(n));
    CustomerKpis {
        customers: n,
        new_customers: new,
        returning_customers: n - new,
        repeat_customers: repeat,
        repeat_rate: per(Decimal::from(repeat)),
        orders_per_customer: per(Decimal::from(orders)),
        net_revenue_per_customer: per(net),
        unidentified_share,
    }
}

/// Groups with shares of customers and revenue, in the order of `keys`, every key present.
pub fn groups<K: AsRef<str>>(
    members: impl IntoIterator<Item = (K, Decimal)>,
    keys: &[(String, String)],
) -> Vec<CustomerGroup> {
    let mut out: Vec<CustomerGroup> = keys
        .iter()
        .map(|(key, label)| CustomerGroup {
            key: key.clone(),
            label: label.clone(),
            customers: 0,
            net_revenue: Decimal::ZERO,
            customer_share: None,
            revenue_share: None,
        })
        .collect();
    for (key, net) in members {
        if let Some(g) = out.iter_mut().find(|g| g.key == key.as_ref()) {
            g.customers += 1;
            g.net_revenue += net;
        }
    }
    let customers: i64 = out.iter().map(|g| g.customers).sum();
    let revenue: Decimal = out.iter().map(|g| g.net_revenue).sum();
    for g in &mut out {
        g.customer_share =
            (customers > 0).then(|| Decimal::from(g.customers) / Decimal::from(customers));
        g.revenue_share = (revenue > Decimal::ZERO).then(|| g.net_revenue / revenue);
    }
    out
}

/// A plain-language label of a cluster centroid, each feature compared with the mean over all
/// customers: "frequent, high-value, recent, long-standing".
pub fn cluster_label(centroid: [f64; 4], mean: [f64; 4]) -> String {
    let [orders, aov, tenure, recency] = centroid;
    let [m_orders, m_aov, m_tenure, m_recency] = mean;
    let rel = |v: f64, m: f64| if m.abs() < f64::EPSILON { 1.0 } else { v / m };
    let words = [
        match rel(orders, m_orders) {
            r if r >= 1.5 => "frequent",
            r if r <= 0.75 => "rare",
            _ => "average frequency",
        },
        match rel(aov, m_aov) {
            r if r >= 1.4 => "high-value",
            r if r <= 0.7 => "low-value",
            _ => "mid-value",
        },
        match rel(recency, m_recency) {
            r if r <= 0.6 => "recent",
            r if r >= 1.5 => "lapsed",
            _ => "active a while ago",
        },
        match rel(tenure, m_tenure) {
            r if r >= 1.4 => "long-standing",
            r if r <= 0.6 => "new",
            _ => "established",
        },
    ];
    words.join(", ")
}

/// The segment of a customer's R and F scores.
pub fn segment_of(c: &CustomerFacts) -> Segment {
    Segment::of(c.r as u8, c.f as u8)
}

/// `repeat` with 2 or more orders in the range, else `one_time`.
pub fn repeat_key(c: &CustomerFacts) -> &'static str {
    if c.orders >= 2 {
        "repeat"
    } else {
        "one_time"
    }
}

/// The cards of a range from its buying customers (new: first order ever on or after the range
/// start) and its guest share.
pub fn cards<C: Bought>(
    facts: &[C],
    range: DateRange,
    unidentified_share: Option<Decimal>,
) -> CustomerKpis {
    let figures: Vec<CustomerFigures> = facts
        .iter()
        .map(|c| (c.orders(), c.net(), c.first_order() >= range.from))
        .collect();
    customer_kpis(&figures, unidentified_share)
}

/// Share of gross revenue from guest orders; `None` without revenue.
pub fn guest_share(totals: &SalesTotals) -> Option<Decimal> {
    (!totals.gross_revenue.is_zero()).then(|| totals.unidentified_revenue / totals.gross_revenue)
}

/// Acquisition months with the change of new customers against the month before, and whether
/// the range covers only part of the month.
pub fn acquisition(rows: Vec<AcquisitionRow>, range: DateRange) -> Vec<AcquisitionMonth> {
    let mut months: Vec<AcquisitionMonth> = Vec::with_capacity(rows.len());
    for row in rows {
        let previous = months.last().map(|m| m.new_customers);
        months.push(AcquisitionMonth {
            month: row.month,
            new_customers: row.new_customers,
            returning_customers: row.returning_customers,
            new_change: previous.and_then(|p| change(row.new_customers.into(), p.into())),
            partial: partial_bucket(&range, Grain::Month, row.month),
        });
    }
    months
}

/// One-time, occasional and regular customers by the engagement thresholds.
pub fn engagement(facts: &[CustomerFacts], t: &EngagementThresholds) -> Vec<CustomerGroup> {
    let keys: Vec<(String, String)> = ["one_time", "occasional", "regular"]
        .iter()
        .map(|k| (k.to_string(), engagement_label(k, t)))
        .collect();
    groups(
        facts
            .iter()
            .map(|c| (engagement_key(c.orders, t), c.net_revenue)),
        &keys,
    )
}

/// Repeat customers (2 or more orders in the range) against one-time customers.
pub fn repeat(facts: &[CustomerFacts]) -> Vec<CustomerGroup> {
    groups(
        facts.iter().map(|c| (repeat_key(c), c.net_revenue)),
        &[
            ("repeat".into(), "Repeat (2 or more orders)".into()),
            ("one_time".into(), "One-time (1 order)".into()),
        ],
    )
}

/// Average days between consecutive orders, over the customers with 2 or more orders.
pub fn avg_days_between_orders<C: Bought>(facts: &[C]) -> Option<Decimal> {
    let with_gaps: Vec<&C> = facts.iter().filter(|c| c.orders() >= 2).collect();
    let gaps: i64 = with_gaps.iter().map(|c| c.orders() - 1).sum();
    (gaps > 0).then(|| {
        Decimal::from(with_gaps.iter().map(|c| c.span_days()).sum::<i64>()) / Decimal::from(gaps)
    })
}

/// Features of the clustering: orders, AOV, tenure (days since the first order ever, as of the
/// range end) and recency.
pub fn features(range: DateRange, facts: &[CustomerFacts]) -> Vec<Features> {
    facts
        .iter()
        .map(|c| {
            let aov = if c.orders > 0 {
                (c.gross_revenue / Decimal::from(c.orders))
                    .to_f64()
                    .unwrap_or(0.0)
            } else {
                0.0
            };
            [
                c.orders as f64,
                aov,
                (range.to - c.first_order).num_days() as f64,
                c.recency_days as f64,
            ]
        })
        .collect()
}

/// RFM segments with their averages, and the R × F grid (R 5 → 1 by F 1 → 5), as of `as_of`.
pub fn rfm(facts: &[CustomerFacts], as_of: NaiveDate) -> Rfm {
    let total: Decimal = facts.iter().map(|c| c.net_revenue).sum();
    let segments = Segment::ALL
        .into_iter()
        .map(|s| {
            let members: Vec<&CustomerFacts> =
                facts.iter().filter(|c| segment_of(c) == s).collect();
            let n = members.len() as i64;
            let net: Decimal = members.iter().map(|c| c.net_revenue).sum();
            let avg = |f: &dyn Fn(&CustomerFacts) -> Decimal| {
                (n > 0).then(|| {
                    (members.iter().map(|c| f(c)).sum::<Decimal>() / Decimal::from(n)).round_dp(2)
                })
            };
            SegmentRow {
                key: s.key().into(),
                label: s.label().into(),
                description: s.description().into(),
                customers: n,
                net_revenue: net,
                revenue_share: share(net, total),
                avg_recency_days: avg(&|c| Decimal::from(c.recency_days)),
                avg_frequency: avg(&|c| Decimal::from(c.orders)),
                avg_monetary: avg(&|c| c.net_revenue),
            }
        })
        .collect();
    let mut grid = Vec::with_capacity(25);
    for r in (1..=5u8).rev() {
        for f in 1..=5u8 {
            let members = facts.iter().filter(|c| c.r as u8 == r && c.f as u8 == f);
            let (customers, net_revenue) = members.fold((0i64, Decimal::ZERO), |(n, s), c| {
                (n + 1, s + c.net_revenue)
            });
            grid.push(RfmCell {
                r,
                f,
                segment: Segment::of(r, f).label().into(),
                customers,
                net_revenue,
            });
        }
    }
    Rfm {
        as_of: Some(as_of),
        segments,
        grid,
    }
}

/// The clusters of a fit described for the page: labels from the centroids, sizes and revenue,
/// an even sample of at most `MAX_POINTS` points, and the cluster × segment table. Without a
/// fit (too few customers), a note saying so.
pub fn clustering(
    facts: &[CustomerFacts],
    fit: Option<&Fit>,
    settings: ClusterSettings,
) -> Clustering {
    let Some(fit) = fit else {
        return Clustering {
            note: Some(format!(
                "Too few customers to form {} clusters.",
                settings.k.unwrap_or(2)
            )),
            ..Default::default()
        };
    };
    let clusters = (0..fit.k)
        .map(|id| {
            let members: Vec<usize> = (0..facts.len()).filter(|&i| fit.labels[i] == id).collect();
            let c = fit.centroids[id];
            Cluster {
                id,
                label: cluster_label(c, fit.mean),
                customers: members.len() as i64,
                net_revenue: members.iter().map(|&i| facts[i].net_revenue).sum(),
                orders: (c[0] * 100.0).round() / 100.0,
                aov: (c[1] * 100.0).round() / 100.0,
                tenure_days: c[2].round(),
                recency_days: c[3].round(),
            }
        })
        .collect();
    let step = facts.len().div_ceil(MAX_POINTS).max(1);
    let points = (0..facts.len())
        .step_by(step)
        .map(|i| ClusterPoint {
            cluster: fit.labels[i],
            recency_days: facts[i].recency_days as f64,
            net_revenue: facts[i].net_revenue.to_f64().unwrap_or(0.0),
        })
        .collect();
    let mut cells: HashMap<(usize, Segment), i64> = HashMap::new();
    for (i, c) in facts.iter().enumerate() {
        *cells.entry((fit.labels[i], segment_of(c))).or_default() += 1;
    }
    let mut by_segment: Vec<ClusterSegmentCell> = cells
        .into_iter()
        .map(|((cluster, s), customers)| ClusterSegmentCell {
            cluster,
            segment: s.label().into(),
            customers,
        })
        .collect();
    by_segment.sort_by(|a, b| a.cluster.cmp(&b.cluster).then(a.segment.cmp(&b.segment)));
    Clustering {
        k: fit.k,
        automatic: settings.k.is_none(),
        silhouette: fit.silhouette.map(|s| (s * 1000.0).round() / 1000.0),
        clusters,
        points,
        by_segment,
        note: None,
    }
}

/// A customer's behaviour in `range` (their facts there) placed among the clusters of `fit`,
/// which may be another range's: the nearest cluster's number and its label, as the clusters
/// panel of the fitted range names it.
pub fn nearest_cluster(fit: &Fit, range: DateRange, customer: &CustomerFacts) -> (usize, String) {
    let k = fit.nearest(features(range, std::slice::from_ref(customer))[0]);
    (k, cluster_label(fit.centroids[k], fit.mean))
}

/// The cohort heatmap's cells (retention and revenue per customer of each month since the
/// first) and each cohort's size and lifetime value so far. `rows` come ordered by cohort, then
/// months since.
pub fn cohorts(rows: Vec<CohortRowSql>) -> (Vec<CohortCell>, Vec<CohortRow>) {
    let mut sizes: Vec<CohortRow> = Vec::new();
    let cells = rows
        .into_iter()
        .map(|r| {
            let size = Decimal::from(r.cohort_size);
            match sizes.last_mut() {
                Some(s) if s.cohort == r.cohort => {
                    s.lifetime_value = s.lifetime_value.map(|v| v + r.net_revenue / size);
                }
                _ => sizes.push(CohortRow {
                    cohort: r.cohort,
                    customers: r.cohort_size,
                    lifetime_value: (r.cohort_size > 0).then(|| r.net_revenue / size),
                }),
            }
            CohortCell {
                cohort: r.cohort,
                months_since: r.months_since,
                customers: r.customers,
                retention: (r.cohort_size > 0).then(|| Decimal::from(r.customers) / size),
                revenue_per_customer: (r.cohort_size > 0)
                    .then(|| (r.net_revenue / size).round_dp(2)),
            }
        })
        .collect();
    for s in &mut sizes {
        s.lifetime_value = s.lifetime_value.map(|v| v.round_dp(2));
    }
    (cells, sizes)
}

/// Customers by country: the `top` countries by net revenue (ties by name), the rest folded
/// into "Other"; customers without a country count as "Unknown".
pub fn by_country<C: Bought>(facts: &[C], top: usize) -> Vec<CustomerGroup> {
    // Names borrowed from the customers: no string built per customer (a million of them all
    // time).
    let mut totals: HashMap<&str, (i64, Decimal)> = HashMap::new();
    for c in facts {
        let e = totals.entry(c.country().unwrap_or("Unknown")).or_default();
        e.0 += 1;
        e.1 += c.net();
    }
    let mut rows: Vec<(&str, (i64, Decimal))> = totals.into_iter().collect();
    rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
    let keys: Vec<(String, String)> = rows
        .iter()
        .take(top)
        .map(|(k, _)| (k.to_string(), k.to_string()))
        .chain((rows.len() > top).then(|| ("Other".to_string(), "Other".to_string())))
        .collect();
    let kept: Vec<&str> = rows.iter().take(top).map(|(k, _)| *k).collect();
    groups(
        facts.iter().map(|c| {
            let country = c.country().unwrap_or("Unknown");
            let key = if kept.contains(&country) {
                country
            } else {
                "Other"
            };
            (key, c.net())
        }),
        &keys,
    )
}

/// An order's gross revenue (Σ sales-line values) and returns (Σ |return-line values|);
/// adjustments and zero lines count in neither.
pub fn order_sums(lines: &[OrderLineRow]) -> (Decimal, Decimal) {
    lines.iter().fold(
        (Decimal::ZERO, Decimal::ZERO),
        |(gross, returns), l| match l.kind.as_str() {
            "sale" => (gross + l.value, returns),
            "return" => (gross, returns + l.value.abs()),
            _ => (gross, returns),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn an_orders_sums_follow_the_line_kinds() {
        let line = |kind: &str, value: Decimal| OrderLineRow {
            line_no: 1,
            product_id: 1,
            sku: "S".into(),
            product: "P".into(),
            quantity: 1,
            unit_price: value,
            value,
            kind: kind.into(),
        };
        let lines = [
            line("sale", dec!(12.50)),
            line("sale", dec!(3.25)),
            // A returned line (negative quantity) and a line of a cancelled order (positive).
            line("return", dec!(-4.00)),
            line("return", dec!(2.10)),
            line("adjustment", dec!(-100)),
            line("none", dec!(0)),
        ];
        assert_eq!(order_sums(&lines), (dec!(15.75), dec!(6.10)));
        assert_eq!(order_sums(&[]), (dec!(0), dec!(0)));
    }

    #[test]
    fn the_rfm_map_names_every_cell() {
        use Segment::*;
        let grid: Vec<Vec<Segment>> = (1..=5u8)
            .rev()
            .map(|r| (1..=5u8).map(|f| Segment::of(r, f)).collect())
            .collect();
        assert_eq!(
            grid,
            vec![
                vec![
                    New,
                    PotentialLoyalist,
                    PotentialLoyalist,
                    Champions,
                    Champions
                ],
                vec![
                    Promising,
                    PotentialLoyalist,
                    PotentialLoyalist,
                    Loyal,
                    Champions
                ],
                vec![AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal],
                vec![Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
                vec![Lost, Lost, AtRisk, AtRisk, CantLoseThem],
            ]
        );
        // Every named segment has at least one cell, and keys round-trip.
        for s in Segment::ALL {
            assert!(grid.iter().flatten().any(|c| *c == s), "{s:?}");
            assert_eq!(Segment::from_key(s.key()), Some(s));
        }
    }

    #[test]
    fn engagement_groups_follow_the_thresholds() {
        let t = EngagementThresholds::default();
        let keys: Vec<_> = [1, 2, 4, 5, 9].map(|o| engagement_key(o, &t)).to_vec();
        assert_eq!(
            keys,
            ["one_time", "occasional", "occasional", "regular", "regular"]
        );
        assert_eq!(
            engagement_label("occasional", &t),
            "Occasional (2–4 orders)"
        );
        assert_eq!(engagement_label("one_time", &t), "One-time (1 order)");
        let t = EngagementThresholds {
            occasional_from: 3,
            regular_from: 10,
        };
        assert_eq!(engagement_key(2, &t), "one_time");
        assert_eq!(engagement_label("one_time", &t), "One-time (1–2 orders)");
    }

    #[test]
    fn cards_from_customers() {
        // Three buyers: one new with 1 order, two returning with 2 and 3 orders.
        let k = customer_kpis(
            &[
                (1, dec!(10), true),
                (2, dec!(30), false),
                (3, dec!(50), false),
            ],
            Some(dec!(0.2)),
        );
        assert_eq!(
            (
                k.customers,
                k.new_customers,
                k.returning_customers,
                k.repeat_customers
            ),
            (3, 1, 2, 2)
        );
        assert_eq!(k.repeat_rate, Some(dec!(2) / dec!(3)));
        assert_eq!(k.orders_per_customer, Some(dec!(2)));
        assert_eq!(k.net_revenue_per_customer, Some(dec!(30)));
        let empty = customer_kpis(&[], None);
        assert_eq!((empty.customers, empty.repeat_rate), (0, None));
    }

    #[test]
    fn groups_keep_every_key_and_share() {
        let keys = vec![
            ("a".to_string(), "A".to_string()),
            ("b".to_string(), "B".to_string()),
        ];
        let g = groups(vec![("a", dec!(30)), ("a", dec!(10))], &keys);
        assert_eq!(
            (g[0].customers, g[0].net_revenue, g[1].customers),
            (2, dec!(40), 0)
        );
        assert_eq!(
            (g[0].customer_share, g[1].revenue_share),
            (Some(dec!(1)), Some(dec!(0)))
        );
    }

    #[test]
    fn cluster_labels_read_the_centroid() {
        let mean = [2.0, 50.0, 300.0, 100.0];
        assert_eq!(
            cluster_label([6.0, 80.0, 600.0, 20.0], mean),
            "frequent, high-value, recent, long-standing"
        );
        assert_eq!(
            cluster_label([1.0, 20.0, 100.0, 250.0], mean),
            "rare, low-value, lapsed, new"
        );
    }

    /// A customer with one 10.00 order on 1 June 2026 (first order ever), scored R 3, F 3, M 3.
    fn base() -> CustomerFacts {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        CustomerFacts {
            customer_id: 1,
            orders: 1,
            gross_revenue: dec!(10),
            net_revenue: dec!(10),
            first_order: day,
            last_order: day,
            recency_days: 29,
            r: 3,
            f: 3,
            m: 3,
            country: Some("France".into()),
            days_between_orders: 0,
        }
    }

    fn june() -> DateRange {
        DateRange {
            from: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        }
    }

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, 1).unwrap()
    }

    #[test]
    fn cards_count_new_customers_from_the_range_start_and_the_guest_share() {
        // One new customer (first order 5 June, 1 order, 10.00) and one returning (first order
        // 1 January, 3 orders, 50.00): 2 customers, 1 repeat → rate 1/2; (1 + 3) / 2 = 2 orders
        // and (10 + 50) / 2 = 30.00 per customer.
        let facts = [
            CustomerFacts {
                first_order: NaiveDate::from_ymd_opt(2026, 6, 5).unwrap(),
                ..base()
            },
            CustomerFacts {
                customer_id: 2,
                orders: 3,
                net_revenue: dec!(50),
                first_order: month(1),
                ..base()
            },
        ];
        let k = cards(&facts, june(), Some(dec!(0.25)));
        assert_eq!(
            (
                k.customers,
                k.new_customers,
                k.returning_customers,
                k.repeat_customers
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(
            (
                k.repeat_rate,
                k.orders_per_customer,
                k.net_revenue_per_customer
            ),
            (Some(dec!(0.5)), Some(dec!(2)), Some(dec!(30)))
        );
        assert_eq!(k.unidentified_share, Some(dec!(0.25)));
        // 50.00 of 200.00 gross came from guests: 0.25; no revenue, no share.
        let totals = SalesTotals {
            gross_revenue: dec!(200),
            unidentified_revenue: dec!(50),
            ..Default::default()
        };
        assert_eq!(guest_share(&totals), Some(dec!(0.25)));
        assert_eq!(guest_share(&SalesTotals::default()), None);
    }

    #[test]
    fn acquisition_changes_month_on_month_and_marks_partial_months() {
        let rows = vec![
            AcquisitionRow {
                month: month(5),
                new_customers: 4,
                returning_customers: 0,
            },
            AcquisitionRow {
                month: month(6),
                new_customers: 2,
                returning_customers: 3,
            },
            AcquisitionRow {
                month: month(7),
                new_customers: 0,
                returning_customers: 1,
            },
        ];
        // The range starts on 10 May, so May is partial; June and July (to 31 July) are whole.
        let range = DateRange {
            from: NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 7, 31).unwrap(),
        };
        let months: Vec<_> = acquisition(rows, range)
            .into_iter()
            .map(|m| (m.month, m.new_customers, m.new_change, m.partial))
            .collect();
        // June: (2 − 4) / 4 = −0.5; July: (0 − 2) / 2 = −1; May has no month before it.
        assert_eq!(
            months,
            vec![
                (month(5), 4, None, true),
                (month(6), 2, Some(dec!(-0.5)), false),
                (month(7), 0, Some(dec!(-1)), false),
            ]
        );
    }

    #[test]
    fn engagement_and_repeat_groups_share_customers_and_revenue() {
        // Orders 1 (10.00), 3 (30.00), 5 (60.00) and 1 (0.00); thresholds 2 and 5.
        let facts: Vec<CustomerFacts> = [(1, dec!(10)), (3, dec!(30)), (5, dec!(60)), (1, dec!(0))]
            .into_iter()
            .enumerate()
            .map(|(i, (orders, net))| CustomerFacts {
                customer_id: i as i64 + 1,
                orders,
                net_revenue: net,
                ..base()
            })
            .collect();
        let g = engagement(&facts, &EngagementThresholds::default());
        let rows: Vec<_> = g
            .iter()
            .map(|g| {
                (
                    g.key.as_str(),
                    g.customers,
                    g.net_revenue,
                    g.customer_share,
                    g.revenue_share,
                )
            })
            .collect();
        // One-time: 2 of 4 customers, 10 of 100; occasional 1, 30; regular 1, 60.
        assert_eq!(
            rows,
            vec![
                ("one_time", 2, dec!(10), Some(dec!(0.5)), Some(dec!(0.1))),
                ("occasional", 1, dec!(30), Some(dec!(0.25)), Some(dec!(0.3))),
                ("regular", 1, dec!(60), Some(dec!(0.25)), Some(dec!(0.6))),
            ]
        );
        assert_eq!(g[2].label, "Regular (≥ 5 orders)");
        let r = repeat(&facts);
        assert_eq!(
            r.iter()
                .map(|g| (g.key.as_str(), g.customers, g.net_revenue))
                .collect::<Vec<_>>(),
            vec![("repeat", 2, dec!(90)), ("one_time", 2, dec!(10))]
        );
    }

    #[test]
    fn days_between_orders_average_over_the_gaps() {
        // 3 orders over 20 days (2 gaps) and 2 orders 10 days apart (1 gap): 30 / 3 = 10 days;
        // the one-order customer has no gap.
        let facts = [
            base(),
            CustomerFacts {
                orders: 3,
                days_between_orders: 20,
                ..base()
            },
            CustomerFacts {
                orders: 2,
                days_between_orders: 10,
                ..base()
            },
        ];
        assert_eq!(avg_days_between_orders(&facts), Some(dec!(10)));
        assert_eq!(avg_days_between_orders(&[base()]), None);
    }

    #[test]
    fn rfm_segments_average_their_members_and_fill_the_grid() {
        // Two Champions (R5 F5: 6 orders, 100.00, 2 days; R5 F4: 4 orders, 50.00, 4 days) and
        // one Lost (R1 F1: 1 order, 50.00, 80 days); 200.00 in all.
        let facts = [
            CustomerFacts {
                orders: 6,
                net_revenue: dec!(100),
                recency_days: 2,
                r: 5,
                f: 5,
                ..base()
            },
            CustomerFacts {
                customer_id: 2,
                orders: 4,
                net_revenue: dec!(50),
                recency_days: 4,
                r: 5,
                f: 4,
                ..base()
            },
            CustomerFacts {
                customer_id: 3,
                net_revenue: dec!(50),
                recency_days: 80,
                r: 1,
                f: 1,
                ..base()
            },
        ];
        let rfm = rfm(&facts, june().to);
        assert_eq!(rfm.as_of, Some(june().to));
        let seg = |key: &str| rfm.segments.iter().find(|s| s.key == key).unwrap();
        let champions = seg("champions");
        // 150 / 200 = 0.75; recency (2 + 4) / 2 = 3; orders (6 + 4) / 2 = 5; (100 + 50) / 2 = 75.
        assert_eq!(
            (
                champions.customers,
                champions.net_revenue,
                champions.revenue_share,
                champions.avg_recency_days,
                champions.avg_frequency,
                champions.avg_monetary
            ),
            (
                2,
                dec!(150),
                Some(dec!(0.75)),
                Some(dec!(3)),
                Some(dec!(5)),
                Some(dec!(75))
            )
        );
        let lost = seg("lost");
        assert_eq!(
            (lost.customers, lost.revenue_share, lost.avg_recency_days),
            (1, Some(dec!(0.25)), Some(dec!(80)))
        );
        let loyal = seg("loyal");
        assert_eq!(
            (loyal.customers, loyal.revenue_share, loyal.avg_monetary),
            (0, Some(dec!(0)), None)
        );
        assert_eq!(rfm.segments.len(), 11);
        // The grid runs R 5 → 1 by F 1 → 5: (5, 4) is cell 3, (5, 5) cell 4, (1, 1) cell 20.
        assert_eq!(rfm.grid.len(), 25);
        let cell = |i: usize| {
            let c = &rfm.grid[i];
            (c.r, c.f, c.segment.as_str(), c.customers, c.net_revenue)
        };
        assert_eq!(cell(0), (5, 1, "New", 0, dec!(0)));
        assert_eq!(cell(3), (5, 4, "Champions", 1, dec!(50)));
        assert_eq!(cell(4), (5, 5, "Champions", 1, dec!(100)));
        assert_eq!(cell(20), (1, 1, "Lost", 1, dec!(50)));
    }

    #[test]
    fn clustering_features_and_the_summary_of_a_fit() {
        // 2 orders for 100.00 gross: AOV 50; first order 1 January, range end 30 June: 180 days
        // (31 + 28 + 31 + 30 + 31 + 29).
        let a = CustomerFacts {
            orders: 2,
            gross_revenue: dec!(100),
            net_revenue: dec!(90),
            first_order: month(1),
            recency_days: 10,
            r: 5,
            f: 5,
            ..base()
        };
        assert_eq!(
            features(june(), std::slice::from_ref(&a)),
            vec![[2.0, 50.0, 180.0, 10.0]]
        );
        let b = CustomerFacts {
            customer_id: 2,
            net_revenue: dec!(30),
            ..base()
        };
        let c = CustomerFacts {
            customer_id: 3,
            net_revenue: dec!(20),
            r: 1,
            f: 1,
            ..base()
        };
        let fit = Fit {
            k: 2,
            labels: vec![1, 0, 0],
            centroids: vec![[1.0, 10.0, 29.0, 29.0], [2.0, 50.0, 180.0, 10.0]],
            silhouette: Some(0.71234),
            // The features' means over the three customers: [2, 50, 180, 10], [1, 10, 29, 29] twice.
            mean: [4.0 / 3.0, 70.0 / 3.0, 238.0 / 3.0, 68.0 / 3.0],
            sd: [1.0; 4],
        };
        let facts = [a, b, c];
        let settings = ClusterSettings::default();
        let out = clustering(&facts, Some(&fit), settings);
        assert_eq!(
            (out.k, out.automatic, out.silhouette),
            (2, false, Some(0.712))
        );
        // Cluster 0: customers 2 and 3, 30 + 20 = 50.00; cluster 1: customer 1, 90.00.
        let sizes: Vec<_> = out
            .clusters
            .iter()
            .map(|c| (c.id, c.customers, c.net_revenue, c.orders, c.tenure_days))
            .collect();
        assert_eq!(
            sizes,
            vec![(0, 2, dec!(50), 1.0, 29.0), (1, 1, dec!(90), 2.0, 180.0)]
        );
        // A customer's behaviour placed among these clusters: the nearest, named as the panel
        // names it (customer 1 is the big centroid; customer 3, the small one).
        assert_eq!(
            nearest_cluster(&fit, june(), &facts[0]),
            (1, out.clusters[1].label.clone())
        );
        assert_eq!(
            nearest_cluster(&fit, june(), &facts[2]),
            (0, out.clusters[0].label.clone())
        );
        // Three orders of 50.00 since January, the last 15 days before the range end: nearest
        // the big spender's centroid.
        let later = CustomerFacts {
            orders: 3,
            gross_revenue: dec!(150),
            first_order: month(1),
            recency_days: 15,
            ..base()
        };
        assert_eq!(nearest_cluster(&fit, june(), &later).0, 1);
        // Three customers, every one a point (one step).
        assert_eq!(
            out.points
                .iter()
                .map(|p| (p.cluster, p.net_revenue))
                .collect::<Vec<_>>(),
            vec![(1, 90.0), (0, 30.0), (0, 20.0)]
        );
        // Customer 2 is R3 F3 (Need attention), customer 3 R1 F1 (Lost), customer 1 Champions.
        let cells: Vec<_> = out
            .by_segment
            .iter()
            .map(|c| (c.cluster, c.segment.as_str(), c.customers))
            .collect();
        assert_eq!(
            cells,
            vec![
                (0, "Lost", 1),
                (0, "Need attention", 1),
                (1, "Champions", 1)
            ]
        );
        let none = clustering(&facts, None, settings);
        assert_eq!(
            (none.k, none.note.as_deref()),
            (0, Some("Too few customers to form 5 clusters."))
        );
    }

    #[test]
    fn cohorts_give_retention_revenue_per_customer_and_lifetime_value() {
        let row = |cohort: u32, months_since, customers, net, size| CohortRowSql {
            cohort: month(cohort),
            months_since,
            customers,
            net_revenue: net,
            cohort_size: size,
        };
        // May: 4 customers, 100.00 in month 0 and 1 of them for 30.00 in month 1; June: 3 for
        // 20.00.
        let (cells, sizes) = cohorts(vec![
            row(5, 0, 4, dec!(100), 4),
            row(5, 1, 1, dec!(30), 4),
            row(6, 0, 3, dec!(20), 3),
        ]);
        let cells: Vec<_> = cells
            .iter()
            .map(|c| {
                (
                    c.cohort,
                    c.months_since,
                    c.retention,
                    c.revenue_per_customer,
                )
            })
            .collect();
        // 4/4, 1/4, 3/3; 100/4 = 25.00, 30/4 = 7.50, 20/3 = 6.67.
        assert_eq!(
            cells,
            vec![
                (month(5), 0, Some(dec!(1)), Some(dec!(25.00))),
                (month(5), 1, Some(dec!(0.25)), Some(dec!(7.50))),
                (month(6), 0, Some(dec!(1)), Some(dec!(6.67))),
            ]
        );
        // Lifetime value: May 25 + 7.5 = 32.50; June 6.67.
        let sizes: Vec<_> = sizes
            .iter()
            .map(|s| (s.cohort, s.customers, s.lifetime_value))
            .collect();
        assert_eq!(
            sizes,
            vec![
                (month(5), 4, Some(dec!(32.50))),
                (month(6), 3, Some(dec!(6.67))),
            ]
        );
    }

    #[test]
    fn countries_past_the_top_fold_into_other() {
        // France 100 + 20 (2 customers), Germany 50, Spain 30, no country 10 (Unknown): the top
        // 2 are France and Germany, Spain and Unknown make Other (2 customers, 40.00). 5
        // customers, 210.00 in all.
        let facts: Vec<CustomerFacts> = [
            (Some("France"), dec!(100)),
            (Some("Germany"), dec!(50)),
            (Some("Spain"), dec!(30)),
            (Some("France"), dec!(20)),
            (None, dec!(10)),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (country, net))| CustomerFacts {
            customer_id: i as i64 + 1,
            net_revenue: net,
            country: country.map(std::sync::Arc::from),
            ..base()
        })
        .collect();
        let rows: Vec<_> = by_country(&facts, 2)
            .into_iter()
            .map(|g| {
                (
                    g.key,
                    g.customers,
                    g.net_revenue,
                    g.customer_share,
                    g.revenue_share,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "France".into(),
                    2,
                    dec!(120),
                    Some(dec!(0.4)),
                    Some(dec!(120) / dec!(210))
                ),
                (
                    "Germany".into(),
                    1,
                    dec!(50),
                    Some(dec!(0.2)),
                    Some(dec!(50) / dec!(210))
                ),
                (
                    "Other".into(),
                    2,
                    dec!(40),
                    Some(dec!(0.4)),
                    Some(dec!(40) / dec!(210))
                ),
            ]
        );
        // With room for all four, Unknown is listed by name and there is no Other.
        let keys: Vec<_> = by_country(&facts, 10).into_iter().map(|g| g.key).collect();
        assert_eq!(keys, ["France", "Germany", "Spain", "Unknown"]);
    }
}
