//! Server functions of the Customer Insights area.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{CustomerPage, CustomerSort, CustomersOverview, GroupKind};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;

/// Everything the Customer Insights page shows for a filter.
#[server(prefix = "/fn", endpoint = "get_customers_overview", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customers_overview(
    #[server(default)] filter: DashboardFilter,
) -> Result<CustomersOverview, AppError> {
    use crate::features::embed::types::Dashboard;
    crate::guard::dashboard(Dashboard::Customers, filter, |state, scope| async move {
        let mut overview = overview(&state, &scope.filter).await?;
        if scope.embedded {
            overview.without_store_wide_sections();
        }
        Ok(overview)
    })
    .await
}

/// A page of the customers in a segment, cluster, engagement group, repeat group, country or
/// cohort (analysts and admins: it names customers).
#[server(prefix = "/fn", endpoint = "get_customer_group", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_customer_group(
    #[server(default)] filter: DashboardFilter,
    kind: GroupKind,
    id: String,
    #[server(default)] offset: i64,
    #[server(default)] sort: CustomerSort,
) -> Result<CustomerPage, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Analyst).await?;
    with_status(
        async {
            let state = app_state()?;
            group_page(&state, &filter, kind, &id, sort, offset, PAGE_SIZE).await
        }
        .await,
    )
}

/// Rows of a drill-down page.
pub const PAGE_SIZE: i64 = 50;
/// Points of the cluster scatter chart at most.
pub const MAX_POINTS: usize = 1500;
/// Countries listed before the rest is folded into "Other".
pub const TOP_COUNTRIES: usize = 10;

#[cfg(feature = "ssr")]
pub use server_side::*;

#[cfg(feature = "ssr")]
mod server_side {
    use std::collections::HashMap;
    use std::sync::Arc;

    use rust_decimal::Decimal;

    use super::super::kpi::{self, Segment};
    use super::super::queries::{self, CustomerFacts};
    use super::super::types::*;
    use super::{MAX_POINTS, TOP_COUNTRIES};
    use crate::dashboard::api::resolve;
    use crate::dashboard::compare::{change, share};
    use crate::dashboard::filter::{DashboardFilter, DateRange};
    use crate::dashboard::range::comparison_range;
    use crate::error::AppError;
    use crate::state::AppState;

    /// The buying customers of a range with their clusters: the basis of every figure and list.
    pub struct Analysis {
        pub range: DateRange,
        pub facts: Arc<Vec<CustomerFacts>>,
        pub fit: Option<super::super::cluster::Fit>,
    }

    /// Features of the clustering: orders, AOV, tenure (days since the first order ever, as of the
    /// range end) and recency.
    fn features(range: DateRange, facts: &[CustomerFacts]) -> Vec<super::super::cluster::Features> {
        facts
            .iter()
            .map(|c| {
                let aov = if c.orders > 0 {
                    rust_decimal::prelude::ToPrimitive::to_f64(
                        &(c.gross_revenue / Decimal::from(c.orders)),
                    )
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

    /// Every customer who bought in a range and slice (largest net revenue first), cached by
    /// (filter, range, data version): the Sales and Customer Insights pages share it.
    pub async fn buying_customers(
        state: &AppState,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> Result<Arc<Vec<CustomerFacts>>, AppError> {
        state
            .cache
            .get_or_compute(&state.pool, "customers.facts", &(filter, range), async {
                Ok(Arc::new(
                    queries::customer_facts(&state.pool, range, filter).await?,
                ))
            })
            .await
    }

    /// The analysis of a range, cached by (filter, range, data version).
    pub async fn analysis(
        state: &AppState,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> Result<Arc<Analysis>, AppError> {
        let settings = state.customers;
        state
            .cache
            .get_or_compute(
                &state.pool,
                "customers.analysis",
                &(filter, range, settings.clusters),
                async {
                    let facts = buying_customers(state, range, filter).await?;
                    let rows = features(range, &facts);
                    let fit = tokio::task::spawn_blocking(move || {
                        super::super::cluster::fit(
                            &rows,
                            settings.clusters.k,
                            settings.clusters.seed,
                        )
                    })
                    .await
                    .map_err(|e| AppError::internal("clustering", e))?;
                    Ok(Arc::new(Analysis { range, facts, fit }))
                },
            )
            .await
    }

    fn cards(
        facts: &[CustomerFacts],
        range: DateRange,
        unidentified_share: Option<Decimal>,
    ) -> CustomerKpis {
        let figures: Vec<kpi::CustomerFigures> = facts
            .iter()
            .map(|c| (c.orders, c.net_revenue, c.first_order >= range.from))
            .collect();
        kpi::customer_kpis(&figures, unidentified_share)
    }

    async fn guest_share(
        state: &AppState,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> Result<Option<Decimal>, AppError> {
        let t = crate::features::sales::queries::sales_totals(&state.pool, range, filter).await?;
        Ok((!t.gross_revenue.is_zero()).then(|| t.unidentified_revenue / t.gross_revenue))
    }

    /// Everything the page shows; cached by filter, range and data version.
    pub async fn overview(
        state: &AppState,
        filter: &DashboardFilter,
    ) -> Result<CustomersOverview, AppError> {
        let (range, _) = resolve(&state.pool, filter, &state.limits).await?;
        state
            .cache
            .get_or_compute(
                &state.pool,
                "customers.overview",
                &(
                    filter,
                    range,
                    &state.currency,
                    state.customers.thresholds,
                    state.customers.clusters,
                ),
                build(state, filter, range),
            )
            .await
    }

    async fn build(
        state: &AppState,
        filter: &DashboardFilter,
        range: DateRange,
    ) -> Result<CustomersOverview, AppError> {
        let a = analysis(state, range, filter).await?;
        let t = state.customers.thresholds;
        let kpis = cards(&a.facts, range, guest_share(state, range, filter).await?);
        let comparison = match comparison_range(&range, filter.compare) {
            Some(previous) => {
                let p = analysis(state, previous, filter).await?;
                Some(CustomerComparison {
                    range: previous,
                    kpis: cards(
                        &p.facts,
                        previous,
                        guest_share(state, previous, filter).await?,
                    ),
                })
            }
            None => None,
        };
        let mut acquisition: Vec<AcquisitionMonth> = Vec::new();
        for row in queries::acquisition(&state.pool, range).await? {
            let previous = acquisition.last().map(|m| m.new_customers);
            let month_end = row
                .month
                .checked_add_months(chrono::Months::new(1))
                .map(|d| d - chrono::Duration::days(1))
                .unwrap_or(row.month);
            acquisition.push(AcquisitionMonth {
                month: row.month,
                new_customers: row.new_customers,
                returning_customers: row.returning_customers,
                new_change: previous.and_then(|p| change(row.new_customers.into(), p.into())),
                partial: row.month < range.from || month_end > range.to,
            });
        }
        let engagement_keys: Vec<(String, String)> = ["one_time", "occasional", "regular"]
            .iter()
            .map(|k| (k.to_string(), kpi::engagement_label(k, &t)))
            .collect();
        let engagement = kpi::groups(
            a.facts
                .iter()
                .map(|c| (kpi::engagement_key(c.orders, &t).to_string(), c.net_revenue)),
            &engagement_keys,
        );
        let repeat = kpi::groups(
            a.facts
                .iter()
                .map(|c| (repeat_key(c).to_string(), c.net_revenue)),
            &[
                ("repeat".into(), "Repeat (2 or more orders)".into()),
                ("one_time".into(), "One-time (1 order)".into()),
            ],
        );
        let (cohorts, cohort_sizes) = cohorts(state, range).await?;
        let with_gaps: Vec<&CustomerFacts> = a.facts.iter().filter(|c| c.orders >= 2).collect();
        let gaps: i64 = with_gaps.iter().map(|c| c.orders - 1).sum();
        let avg_days_between_orders = (gaps > 0).then(|| {
            Decimal::from(with_gaps.iter().map(|c| c.days_between_orders).sum::<i64>())
                / Decimal::from(gaps)
        });
        Ok(CustomersOverview {
            range,
            currency: state.currency.clone(),
            freshness: crate::dashboard::queries::freshness(&state.pool).await?,
            kpis,
            comparison,
            acquisition,
            thresholds: t,
            engagement,
            repeat,
            rfm: rfm(&a),
            clustering: clustering(&a, state.customers.clusters),
            cohorts,
            cohort_sizes,
            avg_days_between_orders,
            by_country: by_country(&a.facts),
        })
    }

    fn repeat_key(c: &CustomerFacts) -> &'static str {
        if c.orders >= 2 {
            "repeat"
        } else {
            "one_time"
        }
    }

    fn segment_of(c: &CustomerFacts) -> Segment {
        Segment::of(c.r as u8, c.f as u8)
    }

    fn rfm(a: &Analysis) -> Rfm {
        let total: Decimal = a.facts.iter().map(|c| c.net_revenue).sum();
        let segments = Segment::ALL
            .into_iter()
            .map(|s| {
                let members: Vec<&CustomerFacts> =
                    a.facts.iter().filter(|c| segment_of(c) == s).collect();
                let n = members.len() as i64;
                let net: Decimal = members.iter().map(|c| c.net_revenue).sum();
                let avg = |f: &dyn Fn(&CustomerFacts) -> Decimal| {
                    (n > 0).then(|| {
                        (members.iter().map(|c| f(c)).sum::<Decimal>() / Decimal::from(n))
                            .round_dp(2)
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
                let members = a.facts.iter().filter(|c| c.r as u8 == r && c.f as u8 == f);
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
            as_of: Some(a.range.to),
            segments,
            grid,
        }
    }

    fn clustering(a: &Analysis, settings: ClusterSettings) -> Clustering {
        let Some(fit) = &a.fit else {
            return Clustering {
                note: Some(format!(
                    "Too few customers to form {} clusters.",
                    settings.k.unwrap_or(2)
                )),
                ..Default::default()
            };
        };
        let rows = features(a.range, &a.facts);
        let mean = super::super::cluster::means(&rows);
        let clusters = (0..fit.k)
            .map(|id| {
                let members: Vec<usize> = (0..a.facts.len())
                    .filter(|&i| fit.labels[i] == id)
                    .collect();
                let c = fit.centroids[id];
                Cluster {
                    id,
                    label: kpi::cluster_label(c, mean),
                    customers: members.len() as i64,
                    net_revenue: members.iter().map(|&i| a.facts[i].net_revenue).sum(),
                    orders: (c[0] * 100.0).round() / 100.0,
                    aov: (c[1] * 100.0).round() / 100.0,
                    tenure_days: c[2].round(),
                    recency_days: c[3].round(),
                }
            })
            .collect();
        let step = a.facts.len().div_ceil(MAX_POINTS).max(1);
        let points = (0..a.facts.len())
            .step_by(step)
            .map(|i| ClusterPoint {
                cluster: fit.labels[i],
                recency_days: a.facts[i].recency_days as f64,
                net_revenue: rust_decimal::prelude::ToPrimitive::to_f64(&a.facts[i].net_revenue)
                    .unwrap_or(0.0),
            })
            .collect();
        let mut cells: HashMap<(usize, Segment), i64> = HashMap::new();
        for (i, c) in a.facts.iter().enumerate() {
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

    async fn cohorts(
        state: &AppState,
        range: DateRange,
    ) -> Result<(Vec<CohortCell>, Vec<CohortRow>), AppError> {
        let rows = queries::cohorts(&state.pool, range).await?;
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
        Ok((cells, sizes))
    }

    fn by_country(facts: &[CustomerFacts]) -> Vec<CustomerGroup> {
        let mut totals: HashMap<String, (i64, Decimal)> = HashMap::new();
        for c in facts {
            let e = totals
                .entry(c.country.clone().unwrap_or_else(|| "Unknown".into()))
                .or_default();
            e.0 += 1;
            e.1 += c.net_revenue;
        }
        let mut rows: Vec<(String, (i64, Decimal))> = totals.into_iter().collect();
        rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(&b.0)));
        let keys: Vec<(String, String)> = rows
            .iter()
            .take(TOP_COUNTRIES)
            .map(|(k, _)| (k.clone(), k.clone()))
            .chain((rows.len() > TOP_COUNTRIES).then(|| ("Other".to_string(), "Other".to_string())))
            .collect();
        let kept: Vec<&String> = keys.iter().map(|k| &k.0).collect();
        kpi::groups(
            facts.iter().map(|c| {
                let country = c.country.clone().unwrap_or_else(|| "Unknown".into());
                let key = if kept.contains(&&country) {
                    country
                } else {
                    "Other".into()
                };
                (key, c.net_revenue)
            }),
            &keys,
        )
    }

    /// A cohort id: `YYYY-MM` (the whole cohort) or `YYYY-MM+k` (those of it who bought k
    /// months after their first month).
    fn parse_cohort(id: &str) -> Option<(chrono::NaiveDate, Option<u32>)> {
        let (month, k) = match id.split_once('+') {
            Some((m, k)) => (m, Some(k.parse::<u32>().ok()?)),
            None => (id, None),
        };
        let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
        Some((first, k))
    }

    /// Whether a customer belongs to the group `kind`/`id`; `active` holds the customers who
    /// bought in a cohort cell's month.
    fn member(
        a: &Analysis,
        i: usize,
        kind: GroupKind,
        id: &str,
        t: &EngagementThresholds,
        active: Option<&std::collections::HashSet<i64>>,
    ) -> bool {
        let c = &a.facts[i];
        match kind {
            GroupKind::Segment => segment_of(c).key() == id,
            GroupKind::Cluster => a
                .fit
                .as_ref()
                .is_some_and(|f| f.labels[i].to_string() == id),
            GroupKind::Engagement => kpi::engagement_key(c.orders, t) == id,
            GroupKind::Repeat => repeat_key(c) == id,
            GroupKind::Country => c.country.as_deref().unwrap_or("Unknown") == id,
            GroupKind::Cohort => parse_cohort(id).is_some_and(|(month, _)| {
                c.first_order.format("%Y-%m").to_string() == month.format("%Y-%m").to_string()
                    && active.is_none_or(|ids| ids.contains(&c.customer_id))
            }),
        }
    }

    /// The label of a group, or a validation error naming the unknown id.
    fn group_label(
        kind: GroupKind,
        id: &str,
        t: &EngagementThresholds,
    ) -> Result<String, AppError> {
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

    /// The customers of a group, sorted, with names: `offset`, `limit` of them (all for the CSV
    /// export). Returns the range, the group's label, its size and the rows.
    pub async fn group_rows(
        state: &AppState,
        filter: &DashboardFilter,
        kind: GroupKind,
        id: &str,
        sort: CustomerSort,
        offset: usize,
        limit: usize,
    ) -> Result<(DateRange, String, i64, Vec<CustomerRow>), AppError> {
        let t = state.customers.thresholds;
        let label = group_label(kind, id, &t)?;
        let (range, _) = resolve(&state.pool, filter, &state.limits).await?;
        let a = analysis(state, range, filter).await?;
        let active = match (kind, parse_cohort(id)) {
            (GroupKind::Cohort, Some((month, Some(k)))) => {
                let month = month
                    .checked_add_months(chrono::Months::new(k))
                    .ok_or_else(|| AppError::invalid("id", "month out of range"))?;
                Some(queries::active_in_month(&state.pool, month).await?)
            }
            _ => None,
        };
        let mut members: Vec<usize> = (0..a.facts.len())
            .filter(|&i| member(&a, i, kind, id, &t, active.as_ref()))
            .collect();
        members.sort_by(|&x, &y| {
            let (cx, cy) = (&a.facts[x], &a.facts[y]);
            match sort {
                CustomerSort::NetRevenue => cy.net_revenue.cmp(&cx.net_revenue),
                CustomerSort::Orders => cy.orders.cmp(&cx.orders),
                CustomerSort::Recency => cx.recency_days.cmp(&cy.recency_days),
                CustomerSort::Customer => cx.customer_id.cmp(&cy.customer_id),
            }
            .then(cx.customer_id.cmp(&cy.customer_id))
        });
        let total = members.len() as i64;
        let members: Vec<usize> = members.into_iter().skip(offset).take(limit).collect();
        let ids: Vec<i64> = members.iter().map(|&i| a.facts[i].customer_id).collect();
        let labels: HashMap<i64, (String, Option<String>)> =
            queries::customer_labels(&state.pool, &ids)
                .await?
                .into_iter()
                .map(|(id, ext, name)| (id, (ext, name)))
                .collect();
        let rows = members
            .into_iter()
            .map(|i| {
                let c = &a.facts[i];
                let (customer, name) = labels.get(&c.customer_id).cloned().unwrap_or_default();
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
                    segment: segment_of(c).label().into(),
                    cluster: a.fit.as_ref().map(|f| f.labels[i]),
                }
            })
            .collect();
        Ok((range, label, total, rows))
    }

    /// One page of a group's customers.
    pub async fn group_page(
        state: &AppState,
        filter: &DashboardFilter,
        kind: GroupKind,
        id: &str,
        sort: CustomerSort,
        offset: i64,
        limit: i64,
    ) -> Result<CustomerPage, AppError> {
        if offset < 0 {
            return Err(AppError::invalid("offset", "must be 0 or more"));
        }
        let (_, label, total, rows) = group_rows(
            state,
            filter,
            kind,
            id,
            sort,
            offset as usize,
            limit.max(0) as usize,
        )
        .await?;
        Ok(CustomerPage {
            kind,
            id: id.to_string(),
            label,
            total,
            offset,
            rows,
        })
    }
}
