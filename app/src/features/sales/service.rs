//! The Sales dashboard's service: one function per part of the page (headline, series,
//! categories, breakdown, monthly, concentration, top products and customers, returns), each
//! computing only what it returns. The page's server functions and the JSON routes call the
//! same functions. Computed from the rollups (`queries`) and pure derivations (`kpi`); every
//! part's result is cached by filter, range and data version (a cold call is the budget, a warm
//! one is a cache read).
use super::types::{SalesCategories, SalesSeries, SalesSummary};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::error::AppError;

/// Countries and categories shown before the rest is folded into "Other".
pub const TOP_COUNTRIES: usize = 8;
/// Rows of the top products, customers and returns tables on the page.
pub const TOP_ROWS: i64 = 10;
/// The most buckets a chart may have (a day grain over years would be unreadable and slow).
pub const MAX_BUCKETS: i64 = 1200;

/// The figures of one period: KPI cards and the new / returning split of its buyers.
struct Period {
    range: DateRange,
    kpis: super::types::SalesKpis,
    buyers: Buyers,
}

use crate::dashboard::customer_days::{Buyers, Summed};
use crate::dashboard::customers::{customer_buyers, customer_top_by_net};

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
    let buyers = customer_buyers(&state.pool, &state.customer_days, range, filter).await?;
    Ok(Period {
        range,
        kpis: kpi::sales_kpis(&totals, buyers.count as i64),
        buyers,
    })
}

impl Period {
    fn split(&self) -> super::types::NetByCustomerKind {
        let b = &self.buyers;
        super::kpi::net_by_kind(b.new_net, b.returning_net, self.kpis.net_revenue)
    }
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

/// The grain asked for, or the next coarser one when it would draw too many points (a day grain
/// left in the URL when the range grows to years); without one, the range's natural grain.
pub fn grain(filter: &DashboardFilter, range: &DateRange) -> crate::dashboard::filter::Grain {
    use crate::dashboard::filter::Grain;
    match filter.grain {
        None => crate::dashboard::range::grain_for(range),
        Some(asked) => [Grain::Day, Grain::Week, Grain::Month]
            .into_iter()
            .skip_while(|g| *g != asked)
            .find(|g| buckets(range, *g) <= MAX_BUCKETS)
            .unwrap_or(Grain::Month),
    }
}

/// The headline cards of a range, the comparison period's and why net revenue moved.
#[derive(Clone)]
pub struct Summary {
    pub kpis: super::types::SalesKpis,
    pub comparison: Option<super::types::Comparison>,
    pub what_changed: Option<super::types::WhatChanged>,
}

/// The cards of the range and of the comparison period, and the split of the change.
pub async fn summary(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<Summary, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "sales.summary", &(filter, range), async {
            compute_summary(state, filter, range).await
        })
        .await
}

async fn compute_summary(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<Summary, AppError> {
    // The two periods at once (their customer passes run on separate threads); boxed, so that
    // the pair's state lives on the heap, not on the stack of the page being rendered.
    let previous = crate::dashboard::range::comparison_range(&range, filter.compare);
    let (current, previous) = tokio::join!(
        Box::pin(period(state, range, filter)),
        Box::pin(async {
            match previous {
                Some(previous) => period(state, previous, filter).await.map(Some),
                None => Ok(None),
            }
        })
    );
    let (current, previous) = (current?, previous?);
    Ok(Summary {
        what_changed: previous
            .as_ref()
            .map(|p| super::kpi::what_changed(&current.kpis, &p.kpis, current.split(), p.split())),
        comparison: previous.map(|p| super::types::Comparison {
            compare: filter.compare,
            range: p.range,
            kpis: p.kpis,
        }),
        kpis: current.kpis,
    })
}

/// Revenue (and returns) per bucket of a range and slice; cached.
pub async fn revenue_points(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    grain: crate::dashboard::filter::Grain,
) -> Result<Vec<super::types::RevenuePoint>, AppError> {
    state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.revenue_points",
            &(filter, range, grain),
            async { Ok(super::queries::revenue_series(&state.pool, range, grain, filter).await?) },
        )
        .await
}

/// Revenue per bucket of the range and of the comparison period (aligned by position).
pub async fn series(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    grain: crate::dashboard::filter::Grain,
) -> Result<
    (
        Vec<super::types::RevenuePoint>,
        Vec<super::types::RevenuePoint>,
    ),
    AppError,
> {
    let comparison = async {
        match crate::dashboard::range::comparison_range(&range, filter.compare) {
            Some(previous) => revenue_points(state, filter, previous, grain).await,
            None => Ok(Vec::new()),
        }
    };
    tokio::try_join!(revenue_points(state, filter, range, grain), comparison)
}

/// Net revenue by country (top 8 and "Other"), channel (all) or category (top 6 and "Other");
/// cached.
pub async fn breakdown(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    by: super::types::BreakdownBy,
) -> Result<Vec<super::types::BreakdownRow>, AppError> {
    use super::types::BreakdownBy;
    let top = match by {
        BreakdownBy::Country => TOP_COUNTRIES,
        BreakdownBy::Channel => usize::MAX,
        BreakdownBy::Category => super::kpi::TOP_CATEGORIES,
    };
    state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.breakdown",
            &(filter, range, by),
            async {
                Ok(super::kpi::top_with_other(
                    super::queries::sales_by(&state.pool, range, by, filter).await?,
                    top,
                ))
            },
        )
        .await
}

/// Net revenue of a range and slice (gross − returns), from the rollup sums.
async fn net_revenue(
    pool: &sqlx::PgPool,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<rust_decimal::Decimal, AppError> {
    let totals = crate::dashboard::totals::sales_totals(pool, range, filter).await?;
    Ok(totals.gross_revenue - totals.returns)
}

/// How concentrated the identified customers' revenue is (top 10 share, Pareto curve); cached.
pub async fn concentration(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<super::types::Concentration, AppError> {
    state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.concentration",
            &(filter, range),
            async {
                // The range's net revenue (PostgreSQL) while the customers' nets are read.
                let (total, nets) =
                    tokio::try_join!(net_revenue(&state.pool, filter, range), async {
                        Ok(Box::pin(crate::dashboard::customers::customer_nets(
                            &state.pool,
                            &state.customer_days,
                            range,
                            filter,
                        ))
                        .await?)
                    })?;
                Ok(super::kpi::concentration(nets, total))
            },
        )
        .await
}

/// The headline of a range: its cards, the comparison period's, why net revenue moved and how
/// fresh the data is. `latest` is the latest local day with data (from `resolve`).
pub async fn headline(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    latest: Option<chrono::NaiveDate>,
) -> Result<SalesSummary, AppError> {
    let Summary {
        kpis,
        comparison,
        what_changed,
    } = summary(state, filter, range).await?;
    Ok(SalesSummary {
        range,
        grain: grain(filter, &range),
        currency: state.currency.to_string(),
        data_as_of: latest,
        freshness: crate::dashboard::queries::freshness(&state.pool).await?,
        kpis,
        comparison,
        what_changed,
    })
}

/// Revenue per bucket of the range (in the grain the filter asks for, or the range's own) and
/// of the comparison period.
pub async fn timeseries(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<SalesSeries, AppError> {
    let grain = grain(filter, &range);
    let (points, comparison_points) = series(state, filter, range, grain).await?;
    Ok(SalesSeries {
        range,
        grain,
        currency: state.currency.to_string(),
        points,
        comparison: crate::dashboard::range::comparison_range(&range, filter.compare),
        comparison_points,
    })
}

/// Net revenue by category (top 6 and "Other") and per bucket of the range.
pub async fn categories(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<SalesCategories, AppError> {
    use super::types::BreakdownBy;
    let grain = grain(filter, &range);
    let rows = breakdown(state, filter, range, BreakdownBy::Category).await?;
    let series = state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.category_series",
            &(filter, range, grain),
            async {
                Ok(super::kpi::fold_categories(
                    super::queries::category_series(&state.pool, range, grain, filter).await?,
                    &rows,
                ))
            },
        )
        .await?;
    Ok(SalesCategories {
        range,
        grain,
        currency: state.currency.to_string(),
        rows,
        series,
    })
}

/// The monthly table: month-on-month change of net revenue, AOV, partial months; cached.
pub async fn monthly(
    state: &crate::state::AppState,
    range: DateRange,
    filter: &DashboardFilter,
) -> Result<Vec<super::types::MonthRow>, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "sales.monthly", &(filter, range), async {
            monthly_rows(&state.pool, range, filter).await
        })
        .await
}

async fn monthly_rows(
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

/// The top `limit` products of a range and slice, with shares of its net revenue; cached by
/// filter, range, limit and data version.
pub async fn top_products(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    limit: i64,
) -> Result<Vec<super::types::TopProduct>, AppError> {
    let pool = &state.pool;
    state
        .cache
        .get_or_compute(pool, "sales.top_products", &(filter, range, limit), async {
            let net_revenue = net_revenue(pool, filter, range).await?;
            Ok(
                super::queries::top_products(pool, range, filter, false, limit)
                    .await?
                    .into_iter()
                    .map(|p| super::types::TopProduct {
                        share: crate::dashboard::compare::share(p.net_revenue, net_revenue),
                        ..p
                    })
                    .collect(),
            )
        })
        .await
}

/// The customers of `top` (largest net revenue first) with their names and shares of the
/// range's net revenue.
async fn label_customers(
    pool: &sqlx::PgPool,
    top: &[Summed],
    net_revenue: rust_decimal::Decimal,
) -> Result<Vec<super::types::TopCustomer>, AppError> {
    let ids: Vec<i64> = top.iter().map(|c| c.customer_id).collect();
    let labels = super::queries::customer_labels(pool, &ids).await?;
    Ok(top
        .iter()
        .filter_map(|c| {
            let (_, external, name, country) = labels.iter().find(|l| l.0 == c.customer_id)?;
            Some(super::types::TopCustomer {
                customer_id: c.customer_id,
                customer: external.clone(),
                name: name.clone(),
                country: country.clone(),
                orders: c.orders,
                net_revenue: c.net,
                share: crate::dashboard::compare::share(c.net, net_revenue),
            })
        })
        .collect())
}

/// The top `limit` identified customers of a range and slice, with shares of its net revenue;
/// cached by filter, range, limit and data version.
pub async fn top_customers(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    limit: i64,
) -> Result<Vec<super::types::TopCustomer>, AppError> {
    state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.top_customers",
            &(filter, range, limit),
            async {
                // The range's net revenue (PostgreSQL) while the top customers are picked.
                let (top, net_revenue) = tokio::try_join!(
                    async {
                        Ok(Box::pin(customer_top_by_net(
                            &state.pool,
                            &state.customer_days,
                            range,
                            filter,
                            limit.max(0) as usize,
                        ))
                        .await?)
                    },
                    net_revenue(&state.pool, filter, range)
                )?;
                label_customers(&state.pool, &top, net_revenue).await
            },
        )
        .await
}

/// The most-returned products of a range and slice; cached.
pub async fn most_returned(
    state: &crate::state::AppState,
    filter: &DashboardFilter,
    range: DateRange,
    limit: i64,
) -> Result<Vec<super::types::ReturnedProduct>, AppError> {
    state
        .cache
        .get_or_compute(
            &state.pool,
            "sales.most_returned",
            &(filter, range, limit),
            async { Ok(super::queries::most_returned(&state.pool, range, filter, limit).await?) },
        )
        .await
}
