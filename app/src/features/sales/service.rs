//! The Sales dashboard's service: what each server function and JSON route returns, computed from
//! the rollups (`queries`) and pure derivations (`kpi`), cached by filter and data version.
use super::types::SalesOverview;
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::dashboard::scope::Scope;
use crate::error::AppError;

/// The Sales page for a caller's scope: embeds get no customer names.
pub async fn page(
    state: &crate::state::AppState,
    scope: &Scope,
) -> Result<SalesOverview, AppError> {
    let mut overview = overview(state, &scope.filter).await?;
    if scope.embedded {
        overview.top_customers.clear();
    }
    Ok(overview)
}

/// Countries and categories shown before the rest is folded into "Other".
pub const TOP_COUNTRIES: usize = 8;
/// Rows of the top products, customers and returns tables on the page.
pub const TOP_ROWS: i64 = 10;
/// The most buckets a chart may have (a day grain over years would be unreadable and slow).
pub const MAX_BUCKETS: i64 = 1200;

/// The figures of one period: KPI cards and every identified customer's net revenue.
struct Period {
    range: DateRange,
    kpis: super::types::SalesKpis,
    /// Customers who bought, largest net revenue first.
    customers: std::sync::Arc<Vec<CustomerFacts>>,
}

use crate::dashboard::customers::{buying_customers, CustomerFacts};

async fn period(
    state: &crate::state::AppState,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Period, AppError> {
    use super::{kpi, queries};
    let mut totals = crate::dashboard::totals::sales_totals(&state.pool, range, filter).await?;
    if !filter.category.is_empty() {
        totals.orders = queries::distinct_orders(&state.pool, range, filter).await?;
    }
    let customers = buying_customers(state, range, filter).await?;
    Ok(Period {
        range,
        kpis: kpi::sales_kpis(&totals, customers.len() as i64),
        customers,
    })
}

impl Period {
    fn split(&self) -> super::types::NetByCustomerKind {
        super::kpi::net_by_kind(
            self.customers
                .iter()
                .map(|c| (c.net_revenue, c.first_order >= self.range.from)),
            self.kpis.net_revenue,
        )
    }
}

/// Everything the Sales page shows for a filter; the JSON API serves parts of the same. Cached
/// by filter, resolved range and data version.
pub async fn overview(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
) -> Result<SalesOverview, AppError> {
    let (range, latest) =
        crate::dashboard::api::resolve(&state.pool, filter, &state.limits).await?;
    state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.overview",
            &(filter, range, &state.currency),
            build_overview(state, filter, range, latest),
        )
        .await
}

/// About how many points a grain draws over a range.
fn buckets(range: &DateRange, grain: crate::dashboard::filter::Grain) -> i64 {
    use crate::dashboard::filter::Grain;
    match grain {
        Grain::Day => range.days(),
        Grain::Week => range.days() / 7 + 1,
        Grain::Month => range.days() / 28 + 1,
    }
}

async fn build_overview(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    latest: Option<chrono::NaiveDate>,
) -> Result<SalesOverview, AppError> {
    use super::types::{BreakdownBy, Comparison};
    use super::{kpi, queries};
    use crate::dashboard::filter::Grain;
    let pool = &state.pool;
    let currency = &state.currency;
    // The grain asked for, or the next coarser one when it would draw too many points (a day
    // grain left in the URL when the range grows to years).
    let grain = match filter.grain {
        None => crate::dashboard::range::grain_for(&range),
        Some(asked) => [Grain::Day, Grain::Week, Grain::Month]
            .into_iter()
            .skip_while(|g| *g != asked)
            .find(|g| buckets(&range, *g) <= MAX_BUCKETS)
            .unwrap_or(Grain::Month),
    };
    let current = period(state, range, filter).await?;
    let kpis = current.kpis.clone();
    let previous = match crate::dashboard::range::comparison_range(&range, filter.compare) {
        Some(previous) => Some((previous, period(state, previous, filter).await?)),
        None => None,
    };
    let what_changed = previous
        .as_ref()
        .map(|(_, p)| kpi::what_changed(&kpis, &p.kpis, current.split(), p.split()));
    let comparison_series = match &previous {
        Some((previous, _)) => queries::revenue_series(pool, *previous, grain, filter).await?,
        None => Vec::new(),
    };
    let by_category = kpi::top_with_other(
        queries::sales_by(pool, range, BreakdownBy::Category, filter).await?,
        kpi::TOP_CATEGORIES,
    );
    let category_series = kpi::fold_categories(
        queries::category_series(pool, range, grain, filter).await?,
        &by_category,
    );
    let nets: Vec<_> = current.customers.iter().map(|c| c.net_revenue).collect();
    let top_customers =
        label_customers(pool, &current.customers, kpis.net_revenue, TOP_ROWS).await?;
    Ok(SalesOverview {
        range,
        grain,
        currency: currency.to_string(),
        data_as_of: latest,
        freshness: crate::dashboard::queries::freshness(pool).await?,
        comparison: previous.map(|(range, p)| Comparison {
            compare: filter.compare,
            range,
            kpis: p.kpis,
        }),
        series: queries::revenue_series(pool, range, grain, filter).await?,
        comparison_series,
        monthly: monthly(pool, range, filter).await?,
        by_country: kpi::top_with_other(
            queries::sales_by(pool, range, BreakdownBy::Country, filter).await?,
            TOP_COUNTRIES,
        ),
        by_channel: kpi::top_with_other(
            queries::sales_by(pool, range, BreakdownBy::Channel, filter).await?,
            usize::MAX,
        ),
        by_category,
        category_series,
        concentration: kpi::concentration(&nets, kpis.net_revenue),
        most_returned: queries::most_returned(pool, range, filter, TOP_ROWS).await?,
        what_changed,
        top_products: top_products(pool, range, filter, kpis.net_revenue, TOP_ROWS).await?,
        top_customers,
        kpis,
    })
}

/// The monthly table: month-on-month change of net revenue, AOV, partial months.
async fn monthly(
    pool: &sqlx::PgPool,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Vec<super::types::MonthRow>, AppError> {
    use super::queries;
    Ok(queries::monthly_sales(pool, range, filter)
        .await?
        .into_iter()
        .map(|m| {
            let net = m.gross_revenue - m.returns;
            super::types::MonthRow {
                month: m.month,
                aov: (m.orders > 0)
                    .then(|| m.gross_revenue / rust_decimal::Decimal::from(m.orders)),
                net_change: m
                    .previous_net
                    .and_then(|previous| crate::dashboard::compare::change(net, previous)),
                net_revenue: net,
                gross_revenue: m.gross_revenue,
                returns: m.returns,
                orders: m.orders,
                partial: m.partial,
            }
        })
        .collect())
}

/// The top `limit` products of a range and slice, with shares of its net revenue.
pub async fn top_products(
    pool: &sqlx::PgPool,
    range: DateRange,
    filter: &DashboardFilter,
    net_revenue: rust_decimal::Decimal,
    limit: i64,
) -> Result<Vec<super::types::TopProduct>, AppError> {
    Ok(super::queries::top_products(pool, range, filter, limit)
        .await?
        .into_iter()
        .map(|p| super::types::TopProduct {
            share: crate::dashboard::compare::share(p.net_revenue, net_revenue),
            ..p
        })
        .collect())
}

/// The first `limit` of the customers who bought (largest net revenue first) with their names.
async fn label_customers(
    pool: &sqlx::PgPool,
    customers: &[CustomerFacts],
    net_revenue: rust_decimal::Decimal,
    limit: i64,
) -> Result<Vec<super::types::TopCustomer>, AppError> {
    let top: Vec<&CustomerFacts> = customers.iter().take(limit.max(0) as usize).collect();
    let ids: Vec<i64> = top.iter().map(|c| c.customer_id).collect();
    let labels = super::queries::customer_labels(pool, &ids).await?;
    Ok(top
        .iter()
        .filter_map(|c| {
            let (_, external, name, country) = labels.iter().find(|l| l.0 == c.customer_id)?;
            Some(super::types::TopCustomer {
                customer: external.clone(),
                name: name.clone(),
                country: country.clone(),
                orders: c.orders,
                net_revenue: c.net_revenue,
                share: crate::dashboard::compare::share(c.net_revenue, net_revenue),
            })
        })
        .collect())
}

/// The top `limit` identified customers of a range and slice.
pub async fn top_customers(
    state: &crate::state::AppState,
    range: DateRange,
    filter: &DashboardFilter,
    net_revenue: rust_decimal::Decimal,
    limit: i64,
) -> Result<Vec<super::types::TopCustomer>, AppError> {
    let customers = buying_customers(state, range, filter).await?;
    label_customers(&state.pool, &customers, net_revenue, limit).await
}
