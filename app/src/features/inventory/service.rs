//! The Inventory & Pricing service: what each server function and JSON route returns, read
//! through `queries` and computed by `kpi` (stock and pricing) from `stock`'s figures,
//! cached by filter and data version. The callers have checked the role.
use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use sqlx::PgPool;

use super::kpi;
use super::queries::{self, WeekRow};
use super::stock::{merchandise_sales, stock_rows};

use super::types::*;
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::error::AppError;
use crate::features::auth::types::CurrentUser;
use crate::features::sales::types::TopProduct;
use crate::state::AppState;

/// Rows of the decision log.
pub const DECISION_ROWS: i64 = 200;
/// Signals listed at most.
pub const SIGNAL_ROWS: i64 = 500;

/// The range a filter asks for (the Sales dashboard's rule); stock is taken as of its end.
async fn resolve(
    pool: &PgPool,
    filter: &DashboardFilter,
    limits: &crate::features::sources::types::ValueLimits,
) -> Result<DateRange, AppError> {
    Ok(crate::dashboard::range::resolve(pool, filter, limits)
        .await?
        .0)
}

/// Every product's stock figures for a filter, with the resolved range; cached by filter,
/// range and data version. Every stock and pricing figure starts here.
pub async fn products(
    state: &AppState,
    filter: &DashboardFilter,
) -> Result<(DateRange, std::sync::Arc<Vec<ProductStock>>), AppError> {
    let range = resolve(&state.pool, filter, &state.limits).await?;
    Ok((range, products_in(state, filter, range).await?))
}

/// Every product's stock figures for a filter over a resolved range; cached.
async fn products_in(
    state: &AppState,
    filter: &DashboardFilter,
    range: DateRange,
) -> Result<std::sync::Arc<Vec<ProductStock>>, AppError> {
    state
        .cache
        .get_or_compute(&state.pool, "inventory.products", &(filter, range), async {
            let settings = state.inventory.stock;
            Ok(std::sync::Arc::new(
                stock_rows(&state.pool, &settings, range, filter).await?,
            ))
        })
        .await
}

/// Premium products of a filter's range: among the best sellers, those bought by few of the
/// range's customers (identified customers with a sales line in the range, any channel, the
/// filter's sources); cached by filter, range and data version.
pub async fn premium_products(
    state: &AppState,
    filter: &DashboardFilter,
) -> Result<(DateRange, Vec<PremiumProduct>), AppError> {
    let range = resolve(&state.pool, filter, &state.limits).await?;
    let premium = state
        .cache
        .get_or_compute(&state.pool, "inventory.premium", &(filter, range), async {
            let settings = &state.inventory.stock;
            // The range's customers (the customer copy in memory) while PostgreSQL reads the
            // products that sold and then the candidates' buyers.
            let in_sources = DashboardFilter {
                source: filter.source.clone(),
                ..DashboardFilter::default()
            };
            let (customers, (candidates, buyers)) = tokio::try_join!(
                async {
                    let count = state.customer_days.count(&state.pool, range, &in_sources);
                    Ok::<_, AppError>(Box::pin(count).await? as i64)
                },
                premium_candidates(&state.pool, range, filter, settings)
            )?;
            Ok(kpi::premium(&candidates, &buyers, customers, settings))
        })
        .await?;
    Ok((range, premium))
}

/// The products that may be premium in a filter's range (`kpi::premium_candidates` of the
/// filter's merchandise with net revenue above zero) and their
/// distinct buyers: what `kpi::premium` weighs against the range's customers.
pub async fn premium_candidates(
    pool: &PgPool,
    range: DateRange,
    filter: &DashboardFilter,
    settings: &StockSettings,
) -> Result<(Vec<TopProduct>, HashMap<i64, i64>), AppError> {
    let mut selling = merchandise_sales(pool, range, filter).await?;
    selling.retain(|p| p.net_revenue > Decimal::ZERO);
    let candidates = kpi::premium_candidates(&selling, settings).len();
    selling.truncate(candidates);
    let ids: Vec<i64> = selling.iter().map(|p| p.product_id).collect();
    let buyers = if ids.is_empty() {
        HashMap::new()
    } else {
        queries::distinct_buyers(pool, range, &ids).await?
    };
    Ok((selling, buyers))
}

/// The first day with sales of a filter's sources: stock as of an earlier day is not known.
pub async fn data_from(
    state: &AppState,
    filter: &DashboardFilter,
) -> Result<Option<NaiveDate>, AppError> {
    Ok(queries::first_sale_day(&state.pool, filter).await?)
}

/// The stock sections of the page: cards, ABC and turnover (the product table pages by itself:
/// `product_page`).
pub async fn inventory(
    state: &AppState,
    filter: &DashboardFilter,
) -> Result<InventoryOverview, AppError> {
    let (range, products) = products(state, filter).await?;
    let settings = state.inventory;
    Ok(InventoryOverview {
        range,
        as_of: range.to,
        data_from: data_from(state, filter).await?,
        cards: kpi::cards(&products, &settings.stock),
        abc_pareto: kpi::abc_pareto(&products),
        turnover_by_category: kpi::turnover_by_category(&products),
        settings,
        currency: state.currency.clone(),
    })
}

/// One page of the stock table over the filter's products (`list::page`): what the page
/// carries instead of every product.
pub async fn product_page(
    state: &AppState,
    filter: &DashboardFilter,
    query: &super::product_list::ProductQuery,
) -> Result<super::product_list::ProductsPage, AppError> {
    let (range, products) = products(state, filter).await?;
    super::list::page(&products, range, &state.currency, query)
}

/// Weekly price points per product over the pricing history that ends with `as_of`: full
/// weeks only, stock-out weeks flagged.
async fn weeks_by_product(
    pool: &PgPool,
    settings: &PricingSettings,
    as_of: NaiveDate,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<WeekRow>>, AppError> {
    let window = kpi::history_window(settings, as_of);
    let mut by: HashMap<i64, Vec<WeekRow>> = HashMap::new();
    for w in queries::weekly_history(pool, window, ids).await? {
        if w.week >= window.from && w.week + Duration::days(6) <= as_of {
            by.entry(w.product_id).or_default().push(w);
        }
    }
    Ok(by)
}

/// Elasticity, competitor position and recommendation of the given products as of `as_of`.
pub async fn price_rows(
    pool: &PgPool,
    settings: &PricingSettings,
    as_of: NaiveDate,
    products: &[ProductStock],
) -> Result<Vec<ProductPricing>, AppError> {
    let ids: Vec<i64> = products.iter().map(|p| p.product_id).collect();
    // Two independent questions, side by side on two connections.
    let (mut weeks, competitors) =
        tokio::try_join!(weeks_by_product(pool, settings, as_of, &ids), async {
            Ok::<_, AppError>(queries::latest_competitor_prices(pool, as_of, &ids).await?)
        })?;
    let mut by_product: HashMap<i64, Vec<&queries::LatestCompetitorPrice>> = HashMap::new();
    for c in &competitors {
        by_product.entry(c.product_id).or_default().push(c);
    }
    Ok(products
        .iter()
        .map(|p| {
            let history = weeks.remove(&p.product_id).unwrap_or_default();
            let competitors = by_product
                .get(&p.product_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            kpi::product_pricing(p, &history, competitors, settings)
        })
        .collect())
}

/// The pricing half of the page; cached by filter, resolved range and data version.
pub async fn pricing(
    state: &AppState,
    filter: &DashboardFilter,
) -> Result<PricingOverview, AppError> {
    let (range, products) = products(state, filter).await?;
    state
        .cache
        .get_or_compute(&state.pool, "inventory.pricing", &(filter, range), async {
            let settings = state.inventory.pricing;
            Ok(PricingOverview {
                range,
                as_of: range.to,
                products: price_rows(&state.pool, &settings, range.to, &products).await?,
                settings,
                currency: state.currency.clone(),
            })
        })
        .await
}

/// One page of the price recommendations table, from the cached recommendations of every
/// product.
pub async fn pricing_page(
    state: &AppState,
    filter: &DashboardFilter,
    query: &super::pricing_list::PricingQuery,
) -> Result<super::pricing_list::PricingPage, AppError> {
    let overview = pricing(state, filter).await?;
    super::pricing_list::page(
        &overview.products,
        overview.range,
        &overview.currency,
        query,
    )
}

/// One product in full, as of the filter's range end.
pub async fn product_detail(
    state: &AppState,
    filter: &DashboardFilter,
    product_id: i64,
) -> Result<ProductDetail, AppError> {
    let (range, products) = products(state, filter).await?;
    let stock = products
        .iter()
        .find(|p| p.product_id == product_id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("Product {product_id}")))?;
    let pool = &state.pool;
    // This product's recommendation alone (the same computation the pricing table makes).
    let pricing = price_rows(
        pool,
        &state.inventory.pricing,
        range.to,
        std::slice::from_ref(&stock),
    )
    .await?
    .pop()
    .ok_or_else(|| AppError::NotFound(format!("Product {product_id}")))?;
    // The histories are cached with the data version; decisions are read fresh (a rejection
    // does not change the data version).
    let (stock_history, weeks, competitor_history) = state
        .cache
        .get_or_compute(
            pool,
            "inventory.product",
            &(filter, range, product_id),
            async {
                let stock_history: Vec<StockDay> = queries::stock_history(pool, product_id, range)
                    .await?
                    .into_iter()
                    .map(|d| StockDay {
                        day: d.day,
                        on_hand: d.on_hand,
                        units_sold: d.units,
                    })
                    .collect();
                let weeks = kpi::price_weeks(
                    weeks_by_product(pool, &state.inventory.pricing, range.to, &[product_id])
                        .await?
                        .remove(&product_id)
                        .unwrap_or_default(),
                );
                let competitors = queries::competitor_history(pool, product_id, range).await?;
                Ok((stock_history, weeks, competitors))
            },
        )
        .await?;
    Ok(ProductDetail {
        stock,
        pricing,
        stock_history,
        weeks,
        competitor_history,
        decisions: queries::decisions(pool, Some(product_id), None, DECISION_ROWS).await?,
        currency: state.currency.clone(),
    })
}

/// The decision log, newest first (one product's with `product_id`).
pub async fn decisions(
    pool: &PgPool,
    product_id: Option<i64>,
) -> Result<Vec<PricingDecision>, AppError> {
    Ok(queries::decisions(pool, product_id, None, DECISION_ROWS).await?)
}

/// One decision.
pub async fn decision(pool: &PgPool, decision_id: i64) -> Result<PricingDecision, AppError> {
    queries::decisions(pool, None, Some(decision_id), 1)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("Decision {decision_id}")))
}

/// The longest note a decision keeps.
const MAX_NOTE: usize = 2000;

/// Records a pricing decision (the caller has checked the role). Recommendations are computed
/// afresh as of the latest data; an accepted price becomes the product's current price.
/// A manual price as it will be stored (rounded to cents), or why it cannot be one.
fn manual_price(price: Option<Decimal>, max_unit_price: u64) -> Result<Decimal, AppError> {
    let price = price
        .map(|p| p.round_dp(2))
        .ok_or_else(|| AppError::invalid("price", "a manual price is needed"))?;
    if price <= Decimal::ZERO {
        return Err(AppError::invalid(
            "price",
            format!("{price} is not a price: at least 0.01 is needed"),
        ));
    }
    if price > Decimal::from(max_unit_price) {
        return Err(AppError::invalid(
            "price",
            format!("{price} is over the largest price accepted ({max_unit_price}; setting STOREPULSE_MAX_UNIT_PRICE)"),
        ));
    }
    Ok(price)
}

pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    request: &DecisionRequest,
) -> Result<PricingDecision, AppError> {
    let note = request.note.trim();
    if note.chars().count() > MAX_NOTE || note.contains('\0') {
        return Err(AppError::invalid(
            "note",
            format!("at most {MAX_NOTE} characters, no NUL character"),
        ));
    }
    // A manual price is checked before anything is read: in cents, above 0 and at most the largest
    // unit price a file may hold (what every pricing figure is computed within).
    let manual = match request.action {
        DecisionAction::Manual => Some(manual_price(request.price, state.limits.max_unit_price)?),
        _ => None,
    };
    let pricing = pricing(state, &request.filter).await?;
    let product = pricing
        .products
        .iter()
        .find(|p| p.product_id == request.product_id)
        .ok_or_else(|| AppError::NotFound(format!("Product {}", request.product_id)))?;
    let rec = &product.recommendation;
    let mut tx = state.pool.begin().await?;
    let current = queries::lock_product_price(&mut tx, request.product_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Product {}", request.product_id)))?;
    let old = current.price.unwrap_or_default();
    let (new, status, kind, reason) = match request.action {
        DecisionAction::Manual => {
            let price = manual.unwrap_or_default();
            let mut reason = format!("Manual price {price} (was {old}).");
            if let Some(cost) = current.unit_cost.filter(|c| price < *c) {
                reason.push_str(&format!(" Below the unit cost {cost}."));
            }
            (price, "accepted", "manual", reason)
        }
        action => {
            // The price proposed (the recommendation's, or its secondary choice's), as the
            // request saw it against the current price.
            let (proposed, kind, reason) = if action == DecisionAction::Comply {
                let compliance = rec.compliance.as_ref().ok_or_else(|| {
                    AppError::Conflict(format!(
                        "Complying with the pricing rules costs no profit here, so there is nothing to choose: {}",
                        rec.reason
                    ))
                })?;
                (compliance.price, "compliance", compliance.reason.clone())
            } else {
                let recommended = rec.recommended_price.ok_or_else(|| {
                    AppError::Conflict(format!(
                        "There is no price change to decide on: {}",
                        rec.reason
                    ))
                })?;
                (recommended, "recommendation", rec.reason.clone())
            };
            if rec.current_price != old {
                return Err(AppError::Conflict(
                    "The product's price changed since this recommendation was made; reload the page."
                        .into(),
                ));
            }
            if let Some(seen) = request.price.filter(|p| *p != proposed) {
                return Err(AppError::Conflict(format!(
                    "The recommendation is now {proposed}, not {seen}; reload the page."
                )));
            }
            let status = if action == DecisionAction::Reject {
                "rejected"
            } else {
                "accepted"
            };
            (proposed, status, kind, reason)
        }
    };
    let id = queries::insert_decision(
        &mut tx,
        request.product_id,
        old,
        new,
        status,
        kind,
        &reason,
        note,
        user.id,
    )
    .await?;
    if status == "accepted" {
        crate::rollup::bump_data_version(&mut tx).await?;
    }
    crate::features::auth::service::audit(
        &mut *tx,
        user,
        "pricing.decision",
        Some(&format!(
            "product {} ({}): {kind} {status}, {old} → {new}",
            product.sku, request.product_id
        )),
    )
    .await?;
    tx.commit().await?;
    queries::decisions(&state.pool, None, Some(id), 1)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("pricing decision", "missing after insert"))
}

/// Signals for a filter (or one by id).
pub async fn list_signals(
    pool: &PgPool,
    filter: &SignalFilter,
    signal_id: Option<i64>,
) -> Result<Vec<MarketSignal>, AppError> {
    let filter = filter.clone().checked()?;
    Ok(queries::signals(pool, &filter, signal_id, SIGNAL_ROWS).await?)
}

/// Acknowledges every open signal of a filter (kind, severity, product; the caller has checked
/// the role) in one audited step; how many.
pub async fn acknowledge_matching(
    pool: &PgPool,
    user: &CurrentUser,
    filter: &SignalFilter,
) -> Result<u64, AppError> {
    let filter = filter.clone().checked()?;
    let mut tx = pool.begin().await?;
    let n = queries::acknowledge_signals(&mut *tx, &filter, user.id).await?;
    let mut what = vec![format!("{n} open signals")];
    what.extend(filter.severity.as_ref().map(|s| format!("severity {s}")));
    what.extend(filter.kind.as_ref().map(|k| format!("kind {k}")));
    what.extend(filter.product_id.map(|p| format!("product {p}")));
    crate::features::auth::service::audit(
        &mut *tx,
        user,
        "signal.acknowledge_all",
        Some(&what.join(", ")),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Any signal, open or acknowledged.
const ANY_SIGNAL: SignalFilter = SignalFilter {
    all: true,
    kind: None,
    product_id: None,
    severity: None,
};

/// Acknowledges an open signal (the caller has checked the role) and audits it.
pub async fn acknowledge(
    pool: &PgPool,
    user: &CurrentUser,
    signal_id: i64,
) -> Result<MarketSignal, AppError> {
    let mut tx = pool.begin().await?;
    if !queries::acknowledge_signal(&mut *tx, signal_id, user.id).await? {
        let exists = !queries::signals(&mut *tx, &ANY_SIGNAL, Some(signal_id), 1)
            .await?
            .is_empty();
        return Err(if exists {
            AppError::Conflict("This signal was already acknowledged.".into())
        } else {
            AppError::NotFound(format!("Signal {signal_id}"))
        });
    }
    crate::features::auth::service::audit(
        &mut *tx,
        user,
        "signal.acknowledge",
        Some(&format!("signal {signal_id}")),
    )
    .await?;
    tx.commit().await?;
    queries::signals(pool, &ANY_SIGNAL, Some(signal_id), 1)
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("Signal {signal_id}")))
}

/// How many critical signals nobody has acknowledged yet (what needs attention: the badge).
pub async fn open_signal_count(pool: &PgPool) -> Result<i64, AppError> {
    Ok(queries::open_signal_count(pool).await?)
}
