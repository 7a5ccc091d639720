//! Derived customer figures: pure functions, no I/O.
use rust_decimal::Decimal;

use super::types::{CustomerGroup, CustomerKpis, EngagementThresholds};

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
pub fn groups(
    members: impl IntoIterator<Item = (String, Decimal)>,
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
        if let Some(g) = out.iter_mut().find(|g| g.key == key) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

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
        let g = groups(vec![("a".into(), dec!(30)), ("a".into(), dec!(10))], &keys);
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
}
