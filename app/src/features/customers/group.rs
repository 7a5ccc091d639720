//! Drill-down lists, pure: which customers belong to a segment, cluster, engagement group,
//! repeat group, country or cohort, what the group is called, and in what order they are listed.
//! `service` fetches the facts and names; this file decides membership and order.
use std::collections::HashSet;

use chrono::NaiveDate;

use super::cluster::Fit;
use super::kpi::{self, Segment};
use super::types::{CustomerRow, CustomerSort, EngagementThresholds, GroupKind};
use crate::dashboard::customers::CustomerFacts;
use crate::error::AppError;

/// A cohort id: `YYYY-MM` (the whole cohort) or `YYYY-MM+k` (those of it who bought k months
/// after their first month).
pub fn parse_cohort(id: &str) -> Option<(NaiveDate, Option<u32>)> {
    let (month, k) = match id.split_once('+') {
        Some((m, k)) => (m, Some(k.parse::<u32>().ok()?)),
        None => (id, None),
    };
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    Some((first, k))
}

/// Whether customer `i` of `facts` belongs to the group `kind`/`id`; `active` holds the
/// customers who bought in a cohort cell's month.
pub fn member(
    facts: &[CustomerFacts],
    fit: Option<&Fit>,
    i: usize,
    (kind, id): (GroupKind, &str),
    t: &EngagementThresholds,
    active: Option<&HashSet<i64>>,
) -> bool {
    let c = &facts[i];
    match kind {
        GroupKind::Segment => kpi::segment_of(c).key() == id,
        GroupKind::Cluster => fit.is_some_and(|f| f.labels[i].to_string() == id),
        GroupKind::Engagement => kpi::engagement_key(c.orders, t) == id,
        GroupKind::Repeat => kpi::repeat_key(c) == id,
        GroupKind::Country => c.country.as_deref().unwrap_or("Unknown") == id,
        GroupKind::Cohort => parse_cohort(id).is_some_and(|(month, _)| {
            c.first_order.format("%Y-%m").to_string() == month.format("%Y-%m").to_string()
                && active.is_none_or(|ids| ids.contains(&c.customer_id))
        }),
    }
}

/// The label of a group, or a validation error naming the unknown id.
pub fn label(kind: GroupKind, id: &str, t: &EngagementThresholds) -> Result<String, AppError> {
    let unknown = || AppError::invalid("id", format!("no {} called '{id}'", kind.key()));
    Ok(match kind {
        GroupKind::Segment => Segment::from_key(id)
            .ok_or_else(unknown)?
            .label()
            .to_string(),
        GroupKind::Cluster => {
            format!("Cluster {}", id.parse::<usize>().map_err(|_| unknown())?)
        }
        GroupKind::Engagement => match id {
            "one_time" | "occasional" | "regular" => kpi::engagement_label(id, t),
            _ => return Err(unknown()),
        },
        GroupKind::Repeat => match id {
            "repeat" => "Repeat customers".into(),
            "one_time" => "One-time customers".into(),
            _ => return Err(unknown()),
        },
        GroupKind::Country => id.to_string(),
        GroupKind::Cohort => match parse_cohort(id).ok_or_else(unknown)? {
            (month, None) => format!("First ordered in {}", month.format("%b %Y")),
            (month, Some(k)) => format!(
                "First ordered in {}, bought again {k} month{} later",
                month.format("%b %Y"),
                if k == 1 { "" } else { "s" }
            ),
        },
    })
}

/// Sorts indexes into `facts` by `sort` (largest revenue or orders first, most recent first, or
/// by customer id), ties by customer id.
pub fn sort(members: &mut [usize], facts: &[CustomerFacts], sort: CustomerSort) {
    members.sort_by(|&x, &y| {
        let (cx, cy) = (&facts[x], &facts[y]);
        match sort {
            CustomerSort::NetRevenue => cy.net_revenue.cmp(&cx.net_revenue),
            CustomerSort::Orders => cy.orders.cmp(&cx.orders),
            CustomerSort::Recency => cx.recency_days.cmp(&cy.recency_days),
            CustomerSort::Customer => cx.customer_id.cmp(&cy.customer_id),
        }
        .then(cx.customer_id.cmp(&cy.customer_id))
    });
}

/// A customer's row of a drill-down list: their id and name (`label`), facts, RFM scores and
/// cluster.
pub fn row(
    c: &CustomerFacts,
    label: (String, Option<String>),
    cluster: Option<usize>,
) -> CustomerRow {
    let (customer, name) = label;
    CustomerRow {
        customer_id: c.customer_id,
        customer,
        name,
        country: c.country.as_deref().map(String::from),
        first_order: c.first_order,
        last_order: c.last_order,
        orders: c.orders,
        net_revenue: c.net_revenue,
        recency_days: c.recency_days,
        r: c.r as u8,
        f: c.f as u8,
        m: c.m as u8,
        segment: kpi::segment_of(c).label().into(),
        cluster,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn customer(id: i64, orders: i64, net: rust_decimal::Decimal, recency: i64) -> CustomerFacts {
        CustomerFacts {
            customer_id: id,
            orders,
            gross_revenue: net,
            net_revenue: net,
            first_order: NaiveDate::from_ymd_opt(2026, 3, 14).unwrap(),
            last_order: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            recency_days: recency,
            r: 5,
            f: 5,
            m: 5,
            country: None,
            days_between_orders: 0,
        }
    }

    #[test]
    fn cohort_ids_name_a_month_and_months_after() {
        let march = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(parse_cohort("2026-03"), Some((march, None)));
        assert_eq!(parse_cohort("2026-03+2"), Some((march, Some(2))));
        assert_eq!(parse_cohort("2026-13"), None);
        assert_eq!(parse_cohort("2026-03+x"), None);
    }

    #[test]
    fn labels_name_the_group_or_refuse_an_unknown_id() {
        let t = EngagementThresholds::default();
        let l = |kind, id| label(kind, id, &t).ok();
        assert_eq!(
            l(GroupKind::Segment, "champions").as_deref(),
            Some("Champions")
        );
        assert_eq!(l(GroupKind::Segment, "heroes"), None);
        assert_eq!(l(GroupKind::Cluster, "3").as_deref(), Some("Cluster 3"));
        assert_eq!(l(GroupKind::Cluster, "x"), None);
        assert_eq!(
            l(GroupKind::Engagement, "occasional").as_deref(),
            Some("Occasional (2–4 orders)")
        );
        assert_eq!(l(GroupKind::Repeat, "sometimes"), None);
        assert_eq!(
            l(GroupKind::Cohort, "2026-03+1").as_deref(),
            Some("First ordered in Mar 2026, bought again 1 month later")
        );
        assert_eq!(
            l(GroupKind::Cohort, "2026-03").as_deref(),
            Some("First ordered in Mar 2026")
        );
    }

    #[test]
    fn members_of_country_cluster_and_cohort_groups() {
        let facts = [customer(1, 1, dec!(10), 5), customer(2, 3, dec!(40), 2)];
        let t = EngagementThresholds::default();
        let fit = Fit {
            k: 2,
            labels: vec![1, 0],
            centroids: vec![[0.0; 4]; 2],
            silhouette: None,
            mean: [0.0; 4],
            sd: [1.0; 4],
        };
        let who = |kind, id, active: Option<&HashSet<i64>>| -> Vec<i64> {
            (0..facts.len())
                .filter(|&i| member(&facts, Some(&fit), i, (kind, id), &t, active))
                .map(|i| facts[i].customer_id)
                .collect()
        };
        // No country counts as "Unknown".
        assert_eq!(who(GroupKind::Country, "Unknown", None), [1, 2]);
        assert_eq!(who(GroupKind::Cluster, "0", None), [2]);
        assert_eq!(who(GroupKind::Repeat, "repeat", None), [2]);
        assert_eq!(who(GroupKind::Engagement, "one_time", None), [1]);
        // Both first ordered in March 2026; of them, only 2 bought in the cell's month.
        assert_eq!(who(GroupKind::Cohort, "2026-03", None), [1, 2]);
        let active: HashSet<i64> = [2].into();
        assert_eq!(who(GroupKind::Cohort, "2026-03+1", Some(&active)), [2]);
        assert_eq!(who(GroupKind::Cohort, "2026-04", None), Vec::<i64>::new());
    }

    #[test]
    fn lists_sort_with_ties_by_customer() {
        let facts = [
            customer(3, 2, dec!(10), 7),
            customer(1, 5, dec!(10), 30),
            customer(2, 2, dec!(40), 7),
        ];
        let sorted = |s| {
            let mut m = vec![0, 1, 2];
            sort(&mut m, &facts, s);
            m.into_iter()
                .map(|i| facts[i].customer_id)
                .collect::<Vec<_>>()
        };
        // Revenue 40 first, then the two 10s by id; orders 5 first, then the 2s by id; most
        // recent (7 days) first, by id.
        assert_eq!(sorted(CustomerSort::NetRevenue), [2, 1, 3]);
        assert_eq!(sorted(CustomerSort::Orders), [1, 2, 3]);
        assert_eq!(sorted(CustomerSort::Recency), [2, 3, 1]);
        assert_eq!(sorted(CustomerSort::Customer), [1, 2, 3]);
    }
}
