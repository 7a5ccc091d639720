//! Server functions of the Inventory & Pricing area, and the computations the page and the JSON
//! API share.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::types::{
    DecisionRequest, InventoryOverview, MarketSignal, PricingDecision, PricingOverview,
    ProductDetail, SignalFilter,
};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;

/// Stock cards, the product table, ABC, turnover by category and premium products.
#[server(prefix = "/fn", endpoint = "get_inventory_overview", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_inventory_overview(
    #[server(default)] filter: DashboardFilter,
) -> Result<InventoryOverview, AppError> {
    use crate::features::embed::types::Dashboard;
    crate::guard::dashboard(Dashboard::Inventory, filter, |state, scope| async move {
        inventory(&state, &scope.filter).await
    })
    .await
}

/// Competitor positions, elasticities and price recommendations of every product.
#[server(prefix = "/fn", endpoint = "get_pricing_overview", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_pricing_overview(
    #[server(default)] filter: DashboardFilter,
) -> Result<PricingOverview, AppError> {
    use crate::features::embed::types::Dashboard;
    crate::guard::dashboard(Dashboard::Inventory, filter, |state, scope| async move {
        pricing(&state, &scope.filter).await
    })
    .await
}

/// One product in full: stock and sales history, weekly prices, competitors, decisions.
#[server(prefix = "/fn", endpoint = "get_product_detail", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_product_detail(
    #[server(default)] filter: DashboardFilter,
    product_id: i64,
) -> Result<ProductDetail, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Viewer).await?;
    with_status(async { product_detail(&app_state()?, &filter, product_id).await }.await)
}

/// Accept or reject a product's recommendation, or set a manual price (analysts and admins).
#[server(prefix = "/fn", endpoint = "decide_price")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn decide_price(request: DecisionRequest) -> Result<PricingDecision, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    let user = require_role(Role::Analyst).await?;
    with_status(async { decide(&app_state()?, &user, &request).await }.await)
}

/// The decision log, newest first (one product's with `product_id`).
#[server(prefix = "/fn", endpoint = "get_decisions", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_decisions(
    #[server(default)] product_id: Option<i64>,
) -> Result<Vec<PricingDecision>, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Viewer).await?;
    with_status(
        async {
            Ok(
                super::queries::decisions(&app_state()?.pool, product_id, None, DECISION_ROWS)
                    .await?,
            )
        }
        .await,
    )
}

/// Market signals, most severe and newest first.
#[server(prefix = "/fn", endpoint = "get_signals", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_signals(
    #[server(default)] filter: SignalFilter,
) -> Result<Vec<MarketSignal>, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Viewer).await?;
    with_status(async { list_signals(&app_state()?.pool, &filter, None).await }.await)
}

/// How many signals nobody has acknowledged yet (the header badge).
#[server(prefix = "/fn", endpoint = "get_open_signal_count", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_open_signal_count() -> Result<i64, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Viewer).await?;
    with_status(async { Ok(super::queries::open_signal_count(&app_state()?.pool).await?) }.await)
}

/// Acknowledge a signal (analysts and admins).
#[server(prefix = "/fn", endpoint = "acknowledge_signal")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn acknowledge_signal(signal_id: i64) -> Result<MarketSignal, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    let user = require_role(Role::Analyst).await?;
    with_status(async { acknowledge(&app_state()?.pool, &user, signal_id).await }.await)
}

/// Recompute the market signals now (analysts and admins); returns how many are new.
#[server(prefix = "/fn", endpoint = "recompute_signals")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn recompute_signals() -> Result<u64, AppError> {
    use crate::features::auth::{session::require_role, types::Role};
    use crate::state::{app_state, with_status};

    require_role(Role::Analyst).await?;
    with_status(
        async {
            let state = app_state()?;
            super::signals::refresh(&state.pool, &state.inventory).await
        }
        .await,
    )
}

/// Rows of the decision log.
pub const DECISION_ROWS: i64 = 200;
/// Signals listed at most.
pub const SIGNAL_ROWS: i64 = 500;

#[cfg(feature = "ssr")]
pub use server_side::*;

#[cfg(feature = "ssr")]
mod server_side {
    use std::collections::HashMap;

    use chrono::{Datelike, Duration, NaiveDate};
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::Decimal;
    use sqlx::PgPool;

    use super::super::kpi::{self, PriceInputs, StockState, WeekPoint};
    use super::super::queries::{self, ProductRow, WeekRow};
    use super::super::types::*;
    use super::{DECISION_ROWS, SIGNAL_ROWS};
    use crate::dashboard::filter::{DashboardFilter, DateRange};
    use crate::error::AppError;
    use crate::features::auth::types::CurrentUser;
    use crate::state::AppState;

    /// The range a filter asks for (the Sales dashboard's rule); stock is taken as of its end.
    async fn resolve(
        pool: &PgPool,
        filter: &DashboardFilter,
        limits: &crate::features::sources::types::ValueLimits,
    ) -> Result<DateRange, AppError> {
        Ok(crate::dashboard::api::resolve(pool, filter, limits)
            .await?
            .0)
    }

    /// Every product's stock figures as of the range end, best sellers first.
    pub async fn stock_rows(
        pool: &PgPool,
        settings: &StockSettings,
        range: DateRange,
        filter: &DashboardFilter,
    ) -> Result<Vec<ProductStock>, AppError> {
        let rows = queries::product_rows(pool, range, filter).await?;
        let as_of = range.to;
        let days = settings.demand_days.max(1);
        let window = DateRange {
            from: as_of - Duration::days(days - 1),
            to: as_of,
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
        let mut demand: HashMap<i64, (Vec<i64>, Vec<bool>)> = HashMap::new();
        for d in queries::demand_days(pool, window, &ids).await? {
            let (units, in_stock) = demand
                .entry(d.product_id)
                .or_insert_with(|| (vec![0; days as usize], vec![true; days as usize]));
            let i = (d.day - window.from).num_days();
            if (0..days).contains(&i) {
                units[i as usize] += d.units;
                if d.started_empty {
                    in_stock[i as usize] = false;
                }
            }
        }
        let classes = kpi::abc_classes(&rows.iter().map(|r| r.net_revenue).collect::<Vec<_>>());
        let z = kpi::service_z(settings.service_level);
        Ok(rows
            .into_iter()
            .zip(classes)
            .map(|(row, abc)| {
                let (units, in_stock) = demand
                    .remove(&row.product_id)
                    .unwrap_or_else(|| (vec![0; days as usize], vec![true; days as usize]));
                product_stock(row, abc, &units, &in_stock, as_of, z, settings)
            })
            .collect())
    }

    fn product_stock(
        row: ProductRow,
        abc: Abc,
        units: &[i64],
        in_stock: &[bool],
        as_of: NaiveDate,
        z: f64,
        settings: &StockSettings,
    ) -> ProductStock {
        let lead = row
            .lead_time_days
            .filter(|d| *d >= 0)
            .unwrap_or(settings.default_lead_time_days);
        let stockout_days = in_stock.iter().filter(|ok| !**ok).count() as i64;
        let (demand, sd) = kpi::daily_demand(units, in_stock).unwrap_or((0.0, 0.0));
        let safety = kpi::safety_stock(z, sd, lead as f64);
        let rop = kpi::reorder_point(demand, lead as f64, safety);
        let on_hand = row.on_hand;
        // Over the range's snapshot days; the current on hand without snapshots.
        let average_on_hand = on_hand.and(row.average_on_hand.or(on_hand.map(|o| o.max(0) as f64)));
        let (order_by, sells_out_on) = on_hand
            .map(|o| kpi::order_dates(as_of, o, rop, demand))
            .unwrap_or((None, None));
        let days_of_cover = on_hand.and_then(|o| kpi::days_of_cover(o, demand));
        let status = match on_hand {
            None => StockStatus::Untracked,
            Some(o) => kpi::stock_status(
                &StockState {
                    on_hand: o,
                    reorder_point: rop,
                    days_of_cover,
                    days_since_sale: row.last_sale.map(|d| (as_of - d).num_days()),
                },
                settings,
            ),
        };
        ProductStock {
            product_id: row.product_id,
            sku: row.sku,
            name: row.name,
            category: row.category,
            on_hand,
            unit_cost: row.unit_cost,
            price: row.price,
            lead_time_days: lead,
            units_sold: row.units_sold,
            net_revenue: row.net_revenue,
            daily_demand: demand,
            demand_sd: sd,
            stockout_days,
            days_of_cover,
            average_on_hand,
            turnover: average_on_hand.and_then(|a| kpi::turnover(row.units_sold, a)),
            abc,
            safety_stock: safety,
            reorder_point: rop,
            suggested_order: on_hand
                .map(|o| kpi::suggested_order(o, rop, demand, settings.review_days))
                .unwrap_or(0),
            order_by,
            sells_out_on,
            last_sale: row.last_sale,
            status,
        }
    }

    /// The headline cards from the product rows.
    pub fn cards(products: &[ProductStock], settings: &StockSettings) -> InventoryCards {
        let mut c = InventoryCards::default();
        let (mut cover_stock, mut cover_demand) = (0.0, 0.0);
        for p in products {
            let Some(on_hand) = p.on_hand else {
                c.products_untracked += 1;
                continue;
            };
            let units = Decimal::from(on_hand.max(0));
            if p.unit_cost.is_none() {
                c.products_without_cost += 1;
            }
            let cost = p.unit_cost.unwrap_or_default();
            c.stock_value_cost += units * cost;
            c.stock_value_retail += units * p.price.unwrap_or_default();
            match p.status {
                StockStatus::Out => c.skus_out += 1,
                StockStatus::Reorder => {
                    c.skus_in_stock += 1;
                    c.skus_low += 1;
                }
                _ => c.skus_in_stock += 1,
            }
            if p.daily_demand > 0.0 {
                cover_stock += on_hand.max(0) as f64;
                cover_demand += p.daily_demand;
            }
            match p.status {
                StockStatus::Dead => c.dead_stock_value += units * cost,
                StockStatus::Overstock => {
                    let excess = on_hand as f64 - settings.overstock_days * p.daily_demand;
                    c.overstock_value += Decimal::from(excess.max(0.0).floor() as i64) * cost;
                }
                _ => {}
            }
        }
        c.days_of_cover = (cover_demand > 0.0).then(|| cover_stock / cover_demand);
        c.stock_value_cost = c.stock_value_cost.round_dp(2);
        c.stock_value_retail = c.stock_value_retail.round_dp(2);
        c.dead_stock_value = c.dead_stock_value.round_dp(2);
        c.overstock_value = c.overstock_value.round_dp(2);
        c
    }

    fn turnover_by_category(products: &[ProductStock]) -> Vec<CategoryTurnover> {
        let mut by: std::collections::BTreeMap<&str, (i64, f64)> = Default::default();
        for p in products.iter().filter(|p| p.on_hand.is_some()) {
            let e = by.entry(p.category.as_str()).or_default();
            e.0 += p.units_sold;
            e.1 += p.average_on_hand.unwrap_or(0.0);
        }
        let mut rows: Vec<CategoryTurnover> = by
            .into_iter()
            .map(|(category, (units, stock))| CategoryTurnover {
                category: category.to_string(),
                units_sold: units,
                average_on_hand: stock,
                turnover: kpi::turnover(units, stock),
            })
            .collect();
        rows.sort_by(|a, b| {
            b.turnover
                .partial_cmp(&a.turnover)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        rows
    }

    fn abc_pareto(products: &[ProductStock]) -> Vec<AbcPoint> {
        let nets: Vec<Decimal> = products
            .iter()
            .map(|p| p.net_revenue.max(Decimal::ZERO))
            .collect();
        let total = nets.iter().copied().sum();
        crate::features::sales::kpi::concentration(&nets, total)
            .curve
            .into_iter()
            .map(|p| AbcPoint {
                product_share: p.customer_share.to_f64().unwrap_or_default(),
                revenue_share: p.revenue_share.to_f64().unwrap_or_default(),
            })
            .collect()
    }

    pub async fn premium(
        pool: &PgPool,
        range: DateRange,
        filter: &DashboardFilter,
        products: &[ProductStock],
        settings: &StockSettings,
    ) -> Result<Vec<PremiumProduct>, AppError> {
        // products are best sellers first
        let selling: Vec<&ProductStock> = products
            .iter()
            .filter(|p| p.net_revenue > Decimal::ZERO)
            .collect();
        let top = ((selling.len() as f64) * settings.premium_revenue_share).ceil() as usize;
        let candidates: Vec<&ProductStock> = selling.into_iter().take(top).collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let customers = queries::customers_in_range(pool, range, &filter.source).await?;
        if customers == 0 {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = candidates.iter().map(|p| p.product_id).collect();
        let buyers: HashMap<i64, queries::ProductBuyers> =
            queries::product_buyers(pool, range, &ids)
                .await?
                .into_iter()
                .map(|b| (b.product_id, b))
                .collect();
        Ok(candidates
            .into_iter()
            .filter_map(|p| {
                let b = buyers.get(&p.product_id)?;
                let share = b.customers as f64 / customers as f64;
                (share <= settings.premium_customer_share).then(|| PremiumProduct {
                    product_id: p.product_id,
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    net_revenue: p.net_revenue,
                    customers: b.customers,
                    customer_share: share,
                    units_per_order: if b.orders > 0 {
                        b.units as f64 / b.orders as f64
                    } else {
                        0.0
                    },
                })
            })
            .collect())
    }

    /// The inventory half of the page; cached by filter, resolved range and data version.
    pub async fn inventory(
        state: &AppState,
        filter: &DashboardFilter,
    ) -> Result<InventoryOverview, AppError> {
        let range = resolve(&state.pool, filter, &state.limits).await?;
        state
            .cache
            .get_or_compute(&state.pool, "inventory.overview", &(filter, range), async {
                let settings = state.inventory;
                let products = stock_rows(&state.pool, &settings.stock, range, filter).await?;
                let premium =
                    premium(&state.pool, range, filter, &products, &settings.stock).await?;
                Ok(InventoryOverview {
                    range,
                    as_of: range.to,
                    cards: cards(&products, &settings.stock),
                    abc_pareto: abc_pareto(&products),
                    turnover_by_category: turnover_by_category(&products),
                    premium,
                    products,
                    settings,
                    currency: state.currency.clone(),
                })
            })
            .await
    }

    /// Weekly price points per product over the pricing history that ends with `as_of`: full
    /// weeks only, stock-out weeks flagged.
    async fn weeks_by_product(
        pool: &PgPool,
        settings: &PricingSettings,
        as_of: NaiveDate,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<WeekRow>>, AppError> {
        let window = history_window(settings, as_of);
        let mut by: HashMap<i64, Vec<WeekRow>> = HashMap::new();
        for w in queries::weekly_history(pool, window, ids).await? {
            if w.week >= window.from && w.week + Duration::days(6) <= as_of {
                by.entry(w.product_id).or_default().push(w);
            }
        }
        Ok(by)
    }

    /// The last `history_weeks` whole weeks (Monday to Sunday) up to `as_of`.
    fn history_window(settings: &PricingSettings, as_of: NaiveDate) -> DateRange {
        let monday = as_of - Duration::days(as_of.weekday().num_days_from_monday() as i64);
        // The week of `as_of` counts only when `as_of` is its Sunday.
        let last = if as_of.weekday() == chrono::Weekday::Sun {
            monday
        } else {
            monday - Duration::weeks(1)
        };
        DateRange {
            from: last - Duration::weeks(settings.history_weeks.max(1) - 1),
            to: as_of,
        }
    }

    fn week_points(weeks: &[WeekRow]) -> Vec<WeekPoint> {
        weeks
            .iter()
            .filter(|w| !w.stockout && w.units > 0)
            .map(|w| WeekPoint {
                price: (w.gross_revenue / Decimal::from(w.units))
                    .to_f64()
                    .unwrap_or_default(),
                units: w.units as f64,
                // The rest of the shop: the product's own units would pull the control along.
                shop_units: (w.shop_units - w.units) as f64,
            })
            .collect()
    }

    fn position(
        price: Option<Decimal>,
        observations: &[&queries::LatestCompetitorPrice],
    ) -> CompetitorPosition {
        let live: Vec<(&str, Decimal)> = observations
            .iter()
            .filter(|o| o.in_stock)
            .map(|o| (o.competitor.as_str(), o.price + o.shipping))
            .collect();
        let cheapest = live.iter().min_by_key(|(_, p)| *p);
        let average = (!live.is_empty()).then(|| {
            (live.iter().map(|(_, p)| *p).sum::<Decimal>() / Decimal::from(live.len())).round_dp(2)
        });
        CompetitorPosition {
            competitors: live.len() as i64,
            cheapest: cheapest.map(|c| c.1),
            cheapest_name: cheapest.map(|c| c.0.to_string()),
            average,
            rank: price
                .filter(|_| !live.is_empty())
                .map(|p| 1 + live.iter().filter(|(_, c)| *c < p).count() as i64),
            price_index: match (price, average) {
                (Some(p), Some(a)) if a > Decimal::ZERO => {
                    Some((p / a * Decimal::ONE_HUNDRED).round_dp(1))
                }
                _ => None,
            },
            observed_at: observations.iter().map(|o| o.observed_at).max(),
        }
    }

    /// Elasticity, competitor position and recommendation of the given products as of `as_of`.
    pub async fn price_rows(
        pool: &PgPool,
        settings: &PricingSettings,
        as_of: NaiveDate,
        products: &[ProductStock],
    ) -> Result<Vec<ProductPricing>, AppError> {
        let ids: Vec<i64> = products.iter().map(|p| p.product_id).collect();
        let mut weeks = weeks_by_product(pool, settings, as_of, &ids).await?;
        let competitors = queries::latest_competitor_prices(pool, as_of, &ids).await?;
        let mut by_product: HashMap<i64, Vec<&queries::LatestCompetitorPrice>> = HashMap::new();
        for c in &competitors {
            by_product.entry(c.product_id).or_default().push(c);
        }
        Ok(products
            .iter()
            .map(|p| {
                let history = weeks.remove(&p.product_id).unwrap_or_default();
                let points = week_points(&history);
                let elasticity = kpi::elasticity(&points, settings);
                let recent: Vec<f64> = points.iter().rev().take(4).map(|w| w.units).collect();
                let weekly_units = if recent.is_empty() {
                    0.0
                } else {
                    recent.iter().sum::<f64>() / recent.len() as f64
                };
                let position = position(
                    p.price,
                    by_product
                        .get(&p.product_id)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                );
                let recommendation = kpi::recommend(
                    &PriceInputs {
                        current_price: p.price.unwrap_or_default(),
                        unit_cost: p.unit_cost,
                        elasticity: elasticity.clone(),
                        cheapest_competitor: position.cheapest,
                        weekly_units,
                    },
                    settings,
                );
                ProductPricing {
                    product_id: p.product_id,
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    category: p.category.clone(),
                    unit_cost: p.unit_cost,
                    position,
                    elasticity,
                    recommendation,
                }
            })
            .collect())
    }

    /// The pricing half of the page; cached by filter, resolved range and data version.
    pub async fn pricing(
        state: &AppState,
        filter: &DashboardFilter,
    ) -> Result<PricingOverview, AppError> {
        let range = resolve(&state.pool, filter, &state.limits).await?;
        let overview = inventory(state, filter).await?;
        state
            .cache
            .get_or_compute(&state.pool, "inventory.pricing", &(filter, range), async {
                let settings = state.inventory.pricing;
                Ok(PricingOverview {
                    as_of: range.to,
                    products: price_rows(&state.pool, &settings, range.to, &overview.products)
                        .await?,
                    settings,
                    currency: state.currency.clone(),
                })
            })
            .await
    }

    /// One product in full, as of the filter's range end.
    pub async fn product_detail(
        state: &AppState,
        filter: &DashboardFilter,
        product_id: i64,
    ) -> Result<ProductDetail, AppError> {
        let overview = inventory(state, filter).await?;
        let stock = overview
            .products
            .iter()
            .find(|p| p.product_id == product_id)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("Product {product_id}")))?;
        let pricing = pricing(state, filter)
            .await?
            .products
            .into_iter()
            .find(|p| p.product_id == product_id)
            .ok_or_else(|| AppError::NotFound(format!("Product {product_id}")))?;
        let pool = &state.pool;
        let range = overview.range;
        // The histories are cached with the data version; decisions are read fresh (a rejection
        // does not change the data version).
        let (stock_history, weeks, competitor_history) = state
            .cache
            .get_or_compute(
                pool,
                "inventory.product",
                &(filter, range, product_id),
                async {
                    let stock_history: Vec<StockDay> =
                        queries::stock_history(pool, product_id, range)
                            .await?
                            .into_iter()
                            .map(|d| StockDay {
                                day: d.day,
                                on_hand: d.on_hand,
                                units_sold: d.units,
                            })
                            .collect();
                    let weeks: Vec<PriceWeek> =
                        weeks_by_product(pool, &state.inventory.pricing, range.to, &[product_id])
                            .await?
                            .remove(&product_id)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|w| PriceWeek {
                                week: w.week,
                                price: (w.gross_revenue / Decimal::from(w.units.max(1)))
                                    .to_f64()
                                    .unwrap_or_default(),
                                units: w.units,
                                stockout: w.stockout,
                            })
                            .collect();
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

    /// The longest note a decision keeps.
    const MAX_NOTE: usize = 2000;

    /// Records a pricing decision (the caller has checked the role). Recommendations are computed
    /// afresh as of the latest data; an accepted price becomes the product's current price.
    pub async fn decide(
        state: &AppState,
        user: &CurrentUser,
        request: &DecisionRequest,
    ) -> Result<PricingDecision, AppError> {
        let note = request.note.trim();
        if note.chars().count() > MAX_NOTE {
            return Err(AppError::invalid(
                "note",
                format!("at most {MAX_NOTE} characters"),
            ));
        }
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
                let price = request
                    .price
                    .filter(|p| *p > Decimal::ZERO)
                    .ok_or_else(|| AppError::invalid("price", "a manual price above 0 is needed"))?
                    .round_dp(2);
                let mut reason = format!("Manual price {price} (was {old}).");
                if let Some(cost) = current.unit_cost.filter(|c| price < *c) {
                    reason.push_str(&format!(" Below the unit cost {cost}."));
                }
                (price, "accepted", "manual", reason)
            }
            action => {
                let recommended = rec.recommended_price.ok_or_else(|| {
                    AppError::Conflict(format!(
                        "There is no price change to decide on: {}",
                        rec.reason
                    ))
                })?;
                if rec.current_price != old {
                    return Err(AppError::Conflict(
                        "The product's price changed since this recommendation was made; reload the page."
                            .into(),
                    ));
                }
                if let Some(seen) = request.price.filter(|p| *p != recommended) {
                    return Err(AppError::Conflict(format!(
                        "The recommendation is now {recommended}, not {seen}; reload the page."
                    )));
                }
                let status = if action == DecisionAction::Accept {
                    "accepted"
                } else {
                    "rejected"
                };
                (recommended, status, "recommendation", rec.reason.clone())
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
        crate::features::auth::session::audit(
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
        Ok(queries::signals(
            pool,
            filter.all,
            filter.kind.as_deref(),
            filter.product_id,
            signal_id,
            SIGNAL_ROWS,
        )
        .await?)
    }

    /// Acknowledges an open signal (the caller has checked the role) and audits it.
    pub async fn acknowledge(
        pool: &PgPool,
        user: &CurrentUser,
        signal_id: i64,
    ) -> Result<MarketSignal, AppError> {
        let mut tx = pool.begin().await?;
        if !queries::acknowledge_signal(&mut *tx, signal_id, user.id).await? {
            let exists = !queries::signals(&mut *tx, true, None, None, Some(signal_id), 1)
                .await?
                .is_empty();
            return Err(if exists {
                AppError::Conflict("This signal was already acknowledged.".into())
            } else {
                AppError::NotFound(format!("Signal {signal_id}"))
            });
        }
        crate::features::auth::session::audit(
            &mut *tx,
            user,
            "signal.acknowledge",
            Some(&format!("signal {signal_id}")),
        )
        .await?;
        tx.commit().await?;
        queries::signals(pool, true, None, None, Some(signal_id), 1)
            .await?
            .pop()
            .ok_or_else(|| AppError::NotFound(format!("Signal {signal_id}")))
    }
}
