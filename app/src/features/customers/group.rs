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
        customer,
        name,
        country: c.country.clone(),
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
