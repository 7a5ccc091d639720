//! The Customer Insights service: what each server function and JSON route returns, one
//! function per section (cards, acquisition, cohorts, clusters; engagement, repeat, RFM and
//! countries are `kpi` over the buying customers), so that a route computes only what it
//! returns and the page is the same sections put together. It fetches the buying customers
//! (`crate::dashboard::customers`) and the rollups (`queries`), fits the clusters, and leaves
//! the counting to `kpi` and `group`; results are cached by filter, range and data version.
use std::collections::HashMap;
use std::sync::Arc;

use super::cluster::{self, Fit};
use super::types::{
    AcquisitionMonth, Clustering, CohortCell, CohortRow, CustomerComparison, CustomerKpis,
    CustomerPage, CustomerRow, CustomerSort, CustomersOverview, GroupKind,
};
use super::{group, kpi, queries};
use crate::dashboard::api::resolve;
use crate::dashboard::customers::{buying_customers, CustomerFacts};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::dashboard::range::comparison_range;
use crate::dashboard::scope::Scope;
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

/// The Customer Insights page for a caller's scope. Acquisition and cohorts count every channel
/// and country, whatever the filter: an embed, whose filters are locked, does not get them.
pub async fn page(state: &AppState, scope: &Scope) -> Result<CustomersOverview, AppError> {
    let mut overview = overview(state, &scope.filter).await?;
    if scope.embedded {
        without_store_wide_sections(&mut overview);
    }
    Ok(overview)
}

/// Leaves out acquisition and cohorts (store-wide: they ignore the filter's slice).
fn without_store_wide_sections(overview: &mut CustomersOverview) {
    overview.acquisition.clear();
    overview.cohorts.clear();
    overview.cohort_sizes.clear();
}

/// Everything the page shows for a filter (store-wide sections included), put together from the
/// same section functions the JSON routes call one by one; cached by filter, range and data
/// version.
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

/// The cards of the range and of the comparison period.
pub async fn cards(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<(CustomerKpis, Option<CustomerComparison>), AppError> {
    let facts = buying_customers(state, range, filter).await?;
    let kpis = kpi::cards(&facts, range, guest_share(state, range, filter).await?);
    let comparison = match comparison_range(&range, filter.compare) {
        Some(previous) => {
            let facts = buying_customers(state, previous, filter).await?;
            Some(CustomerComparison {
                range: previous,
                kpis: kpi::cards(
                    &facts,
                    previous,
                    guest_share(state, previous, filter).await?,
                ),
            })
        }
        None => None,
    };
    Ok((kpis, comparison))
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
pub async fn cohorts(
    state: &AppState,
    range: DateRange,
) -> Result<(Vec<CohortCell>, Vec<CohortRow>), AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "customers.cohorts", &range, async {
            Ok(kpi::cohorts(queries::cohorts(&state.pool, range).await?))
        })
        .await
}

/// The clusters of the range's customers.
pub async fn clustering(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<Clustering, AppError> {
    let a = analysis(state, range, filter).await?;
    Ok(kpi::clustering(
        &a.facts,
        a.fit.as_ref(),
        a.range,
        state.customers.clusters,
    ))
}

async fn build(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<CustomersOverview, AppError> {
    let facts = buying_customers(state, range, filter).await?;
    let t = state.customers.thresholds;
    let (kpis, comparison) = cards(state, filter, range).await?;
    let (cohorts, cohort_sizes) = cohorts(state, range).await?;
    Ok(CustomersOverview {
        range,
        currency: state.currency.clone(),
        freshness: crate::dashboard::queries::freshness(&state.pool).await?,
        kpis,
        comparison,
        acquisition: acquisition(state, range).await?,
        thresholds: t,
        engagement: kpi::engagement(&facts, &t),
        repeat: kpi::repeat(&facts),
        rfm: kpi::rfm(&facts, range.to),
        clustering: clustering(state, filter, range).await?,
        cohorts,
        cohort_sizes,
        avg_days_between_orders: kpi::avg_days_between_orders(&facts),
        by_country: kpi::by_country(&facts, kpi::TOP_COUNTRIES),
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
