//! The Customer Insights service: one function per part of the page (summary, acquisition,
//! engagement, RFM, clusters, cohorts), each computing only what it returns; the page's server
//! functions and the JSON routes call the same functions. It fetches the buying customers
//! (`crate::dashboard::customers`) and the rollups (`queries`), fits the clusters, and leaves
//! the counting to `kpi` and `group`; every part's result is cached by filter, range and data
//! version.
use std::collections::HashMap;
use std::sync::Arc;

use super::cluster::{self, Fit};
use super::types::{
    AcquisitionMonth, Clustering, CustomerComparison, CustomerHistory, CustomerKpis,
    CustomerLifetime, CustomerOrder, CustomerPage, CustomerRecord, CustomerRow, CustomerSort,
    CustomersCohorts, CustomersEngagement, CustomersSummary, GroupKind, OrderLineRow, OrderRecord,
    Standing, StandingPeriod,
};
use super::{group, kpi, queries};
use crate::dashboard::customers::{buying_customers, buying_sums, CustomerFacts};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::dashboard::range::comparison_range;
use crate::dashboard::range::resolve;
use crate::dashboard::totals::sales_totals;
use crate::error::AppError;
use crate::state::AppState;

/// The buying customers of a range with their clusters: the basis of the cluster figures and
/// of every drill-down list.
pub struct Analysis {
    pub range: DateRange,
    pub facts: Arc<Vec<CustomerFacts>>,
    pub fit: Option<Fit>,
}

/// The analysis of a range, cached by (filter, range, cluster settings, data version). Only the
/// clusters and the drill-down lists need the fit; every other figure reads the facts alone.
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
                let rows = kpi::features(range, &facts);
                let fit = tokio::task::spawn_blocking(move || {
                    cluster::fit(&rows, settings.clusters.k, settings.clusters.seed)
                })
                .await
                .map_err(|e| AppError::internal("clustering", e))?;
                Ok(Arc::new(Analysis { range, facts, fit }))
            },
        )
        .await
}

/// Share of gross revenue from guest orders in a range and slice.
async fn guest_share(
    state: &AppState,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Option<rust_decimal::Decimal>, AppError> {
    Ok(kpi::guest_share(
        &sales_totals(&state.pool, range, filter).await?,
    ))
}

/// The cards of one period.
async fn period_cards(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<CustomerKpis, AppError> {
    let facts = buying_sums(state, range, filter).await?;
    Ok(kpi::cards(
        &facts,
        range,
        guest_share(state, range, filter).await?,
    ))
}

/// The cards of the range and of the comparison period.
pub async fn cards(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<(CustomerKpis, Option<CustomerComparison>), AppError> {
    // The two periods at once (their customer passes run on separate threads); boxed, so that
    // the pair's state lives on the heap, not on the stack of the page being rendered.
    let previous = comparison_range(&range, filter.compare);
    let (kpis, comparison) = tokio::join!(
        Box::pin(period_cards(state, filter, range)),
        Box::pin(async {
            match previous {
                Some(previous) => period_cards(state, filter, previous).await.map(|kpis| {
                    Some(CustomerComparison {
                        range: previous,
                        kpis,
                    })
                }),
                None => Ok(None),
            }
        })
    );
    Ok((kpis?, comparison?))
}

/// New and returning customers per month of the range (store-wide); cached by range and data
/// version.
pub async fn acquisition(
    state: &AppState,
    range: DateRange,
) -> Result<Vec<AcquisitionMonth>, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.acquisition", &range, async {
            Ok(kpi::acquisition(
                queries::acquisition(&state.pool, range).await?,
                range,
            ))
        })
        .await
}

/// The cohort cells and each cohort's size (store-wide); cached by range and data version.
pub async fn cohorts(state: &AppState, range: DateRange) -> Result<CustomersCohorts, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.cohorts", &range, async {
            let (cells, cohorts) = kpi::cohorts(queries::cohorts(&state.pool, range).await?);
            Ok(CustomersCohorts {
                range,
                currency: state.currency.clone(),
                cohorts,
                cells,
            })
        })
        .await
}

/// The clusters of the range's customers.
pub async fn clustering(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<Clustering, AppError> {
    state
        .cache
        .get_or_compute(
            &state.pool,
            "customers.clustering",
            &(filter, range),
            async {
                let a = analysis(state, range, filter).await?;
                Ok(kpi::clustering(
                    &a.facts,
                    a.fit.as_ref(),
                    state.customers.clusters,
                ))
            },
        )
        .await
}

/// The cards of the range and of the comparison period, the days between orders and the
/// customers by country.
pub async fn summary(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<CustomersSummary, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.summary", &(filter, range), async {
            let (kpis, comparison) = cards(state, filter, range).await?;
            let facts = buying_sums(state, range, filter).await?;
            Ok(CustomersSummary {
                range,
                currency: state.currency.clone(),
                kpis,
                comparison,
                avg_days_between_orders: kpi::avg_days_between_orders(&facts),
                by_country: kpi::by_country(&facts, kpi::TOP_COUNTRIES),
            })
        })
        .await
}

/// Engagement depth and repeat vs one-time customers of a range.
pub async fn engagement(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<CustomersEngagement, AppError> {
    state
        .cache
        .get_or_compute(
            &state.pool,
            "customers.engagement",
            &(filter, range),
            async {
                let facts = buying_customers(state, range, filter).await?;
                let thresholds = state.customers.thresholds;
                Ok(CustomersEngagement {
                    range,
                    currency: state.currency.clone(),
                    thresholds,
                    groups: kpi::engagement(&facts, &thresholds),
                    repeat: kpi::repeat(&facts),
                })
            },
        )
        .await
}

/// The RFM segments and grid of a range's customers, as of its last day.
pub async fn rfm(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<super::types::Rfm, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.rfm", &(filter, range), async {
            let facts = buying_customers(state, range, filter).await?;
            Ok(kpi::rfm(&facts, range.to))
        })
        .await
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
    let label = group::label(kind, id, &t)?;
    let (range, _) = resolve(&state.pool, filter, &state.limits).await?;
    let a = analysis(state, range, filter).await?;
    let active = match (kind, group::parse_cohort(id)) {
        (GroupKind::Cohort, Some((month, Some(k)))) => {
            let month = month
                .checked_add_months(chrono::Months::new(k))
                .ok_or_else(|| AppError::invalid("id", "month out of range"))?;
            Some(queries::active_in_month(&state.pool, month).await?)
        }
        _ => None,
    };
    let mut members: Vec<usize> = (0..a.facts.len())
        .filter(|&i| group::member(&a.facts, a.fit.as_ref(), i, (kind, id), &t, active.as_ref()))
        .collect();
    group::sort(&mut members, &a.facts, sort);
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
            let label = labels.get(&c.customer_id).cloned().unwrap_or_default();
            group::row(c, label, a.fit.as_ref().map(|f| f.labels[i]))
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

/// Orders listed on a customer's record page (the latest; the count says how many there are).
pub const RECORD_ORDERS: i64 = 50;

/// A customer's record: facts, lifetime figures, their standing (RFM scores, segment, cluster)
/// among the buying customers of `range` and `filter`, and their latest orders with lines.
pub async fn record(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
    id: i64,
) -> Result<CustomerRecord, AppError> {
    let who = queries::customer(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("customer {id}")))?;
    // Boxed: the three at once would otherwise sit on the stack of the request (a debug build
    // overflows it), the range's analysis being a large future.
    let (lifetime, orders, a) = tokio::try_join!(
        Box::pin(async { Ok::<_, AppError>(queries::lifetime(&state.pool, id).await?) }),
        Box::pin(async { Ok(queries::latest_orders(&state.pool, id, RECORD_ORDERS).await?) }),
        Box::pin(analysis(state, range, filter)),
    )?;
    let standing = a.facts.iter().position(|c| c.customer_id == id).map(|i| {
        group::row(
            &a.facts[i],
            (who.external_id.clone(), who.name.clone()),
            a.fit.as_ref().map(|f| f.labels[i]),
        )
    });
    let orders = with_lines(&state.pool, orders).await?;
    let net_revenue = lifetime.gross_revenue - lifetime.returns;
    Ok(CustomerRecord {
        customer_id: who.customer_id,
        external_id: who.external_id,
        source: who.source,
        name: who.name,
        email: who.email,
        country: who.country,
        city: who.city,
        currency: state.currency.clone(),
        timezone: state.timezone.clone(),
        lifetime: CustomerLifetime {
            orders: lifetime.orders,
            units: lifetime.units,
            gross_revenue: lifetime.gross_revenue,
            returns: lifetime.returns,
            net_revenue,
            average_order_value: (lifetime.orders > 0)
                .then(|| lifetime.gross_revenue / rust_decimal::Decimal::from(lifetime.orders)),
            first_order: lifetime.first_order,
            last_order: lifetime.last_order,
        },
        standing,
        range,
        order_count: lifetime.order_count,
        orders,
    })
}

/// Windows in a customer's history: the range and this many before it, each of its length.
pub const HISTORY_WINDOWS: usize = 6;

/// The range, then the windows of its length before it (as "previous period" steps back), up
/// to `n` in all; none that ends before the data's first day.
pub fn history_windows(
    range: DateRange,
    first_day: Option<chrono::NaiveDate>,
    n: usize,
) -> Vec<DateRange> {
    use crate::dashboard::filter::Compare;
    std::iter::successors(Some(range), |w| {
        comparison_range(w, Compare::PreviousPeriod)
    })
    .take_while(|w| first_day.is_none_or(|first| w.to >= first))
    .take(n)
    .collect()
}

/// A customer's RFM segment and scores in the range and the windows before it
/// (`history_windows`), each among that window's buying customers of the filter's slice.
pub async fn history(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
    id: i64,
) -> Result<CustomerHistory, AppError> {
    if queries::customer(&state.pool, id).await?.is_none() {
        return Err(AppError::NotFound(format!("customer {id}")));
    }
    let first_day =
        crate::dashboard::queries::first_order_day(&state.pool, state.limits.min_date).await?;
    let windows = history_windows(range, first_day, HISTORY_WINDOWS);
    // The range's clusters (its analysis, as the clusters panel shows them): each period's
    // behaviour is placed among them, so that a number means the same cluster in every row.
    // The analysis and the periods' passes side by side (each pass takes its turn); boxed, off
    // the request's stack.
    let (clusters, facts) = futures_util::future::try_join(
        Box::pin(analysis(state, range, filter)),
        futures_util::future::try_join_all(
            windows
                .iter()
                .map(|w| Box::pin(buying_customers(state, *w, filter))),
        ),
    )
    .await?;
    let periods = windows
        .into_iter()
        .zip(facts)
        .map(|(range, facts)| StandingPeriod {
            range,
            buying_customers: facts.len() as i64,
            standing: facts.iter().find(|c| c.customer_id == id).map(|c| {
                let cluster = clusters
                    .fit
                    .as_ref()
                    .map(|fit| kpi::nearest_cluster(fit, range, c));
                Standing {
                    segment: kpi::segment_of(c).label().into(),
                    r: c.r as u8,
                    f: c.f as u8,
                    m: c.m as u8,
                    orders: c.orders,
                    net_revenue: c.net_revenue,
                    cluster: cluster.as_ref().map(|(k, _)| *k),
                    cluster_label: cluster.map(|(_, label)| label),
                }
            }),
        })
        .collect();
    Ok(CustomerHistory {
        customer_id: id,
        currency: state.currency.clone(),
        periods,
    })
}

/// Orders with their lines and sums.
async fn with_lines(
    pool: &sqlx::PgPool,
    orders: Vec<queries::OrderRow>,
) -> Result<Vec<CustomerOrder>, AppError> {
    let ids: Vec<i64> = orders.iter().map(|o| o.order_id).collect();
    let mut lines: HashMap<i64, Vec<OrderLineRow>> = HashMap::new();
    for l in queries::order_lines(pool, &ids).await? {
        lines.entry(l.order_id).or_default().push(OrderLineRow {
            line_no: l.line_no,
            product_id: l.product_id,
            sku: l.sku,
            product: l.product,
            quantity: l.quantity,
            unit_price: l.unit_price,
            value: l.value,
            kind: l.kind,
        });
    }
    Ok(orders
        .into_iter()
        .map(|o| {
            let lines = lines.remove(&o.order_id).unwrap_or_default();
            let (gross_revenue, returns) = kpi::order_sums(&lines);
            CustomerOrder {
                order_id: o.order_id,
                number: o.number,
                ordered_at: o.ordered_at,
                status: o.status,
                channel: o.channel,
                country: o.country,
                gross_revenue,
                returns,
                net_revenue: gross_revenue - returns,
                lines,
            }
        })
        .collect())
}

/// One order's page: the order with its lines, who placed it and its source.
pub async fn order_record(state: &AppState, id: i64) -> Result<OrderRecord, AppError> {
    let h = queries::order(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("order {id}")))?;
    let row = queries::OrderRow {
        order_id: h.order_id,
        number: h.number,
        ordered_at: h.ordered_at,
        status: h.status,
        channel: h.channel,
        country: h.country,
    };
    let order = with_lines(&state.pool, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("order record", "the order went missing"))?;
    Ok(OrderRecord {
        order,
        customer_id: h.customer_id,
        customer: h.customer,
        source: h.source,
        currency: state.currency.clone(),
        timezone: state.timezone.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn history_steps_back_by_the_range_length_until_the_data_starts() {
        let range = DateRange {
            from: day(4, 1),
            to: day(4, 30),
        };
        let windows = history_windows(range, Some(day(2, 15)), HISTORY_WINDOWS);
        assert_eq!(
            windows,
            vec![
                range,
                DateRange {
                    from: day(3, 2),
                    to: day(3, 31)
                },
                // Ends after the first day of data, though it starts before it.
                DateRange {
                    from: day(1, 31),
                    to: day(3, 1)
                },
            ]
        );
        // Without data nothing stops it but the count.
        assert_eq!(history_windows(range, None, 4).len(), 4);
    }
}
