//! Wire types of the Inventory & Pricing dashboard, shared by server and browser.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::dashboard::filter::DateRange;

/// Stock rules (DESIGN.md, metric definitions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct StockSettings {
    /// Service level of the safety stock (default 0.95).
    pub service_level: f64,
    /// Days between two orders: the suggested quantity covers them (default 7).
    pub review_days: f64,
    /// Days of demand the average is taken over (default 28).
    pub demand_days: i64,
    /// More days of cover than this is overstock (default 180).
    pub overstock_days: f64,
    /// No sale for this many days is dead stock (default 90).
    pub dead_days: i64,
    /// Lead time of products without one of their own (default 14).
    pub default_lead_time_days: i64,
    /// Premium products: among the top share of products by net revenue (default 0.2) …
    pub premium_revenue_share: f64,
    /// … bought by at most this share of the range's customers (default 0.05).
    pub premium_customer_share: f64,
}

impl Default for StockSettings {
    fn default() -> Self {
        Self {
            service_level: 0.95,
            review_days: 7.0,
            demand_days: 28,
            overstock_days: 180.0,
            dead_days: 90,
            default_lead_time_days: 14,
            premium_revenue_share: 0.2,
            premium_customer_share: 0.05,
        }
    }
}

/// Pricing rules (DESIGN.md, pricing recommendations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PricingSettings {
    /// Lowest price as a markup over unit cost (default 0.05: cost + 5%).
    pub margin_floor: Decimal,
    /// Highest price as a markup over unit cost (default 0.30).
    pub margin_ceiling: Decimal,
    /// Largest change per decision, as a share of the current price (default 0.10).
    pub max_step: Decimal,
    /// At most this much above the cheapest competitor, shipping included (default 0.10).
    pub competitor_max_above: Decimal,
    /// Weeks with sales needed to estimate an elasticity (default 8).
    pub min_weeks: i64,
    /// Weeks of history used, ending with the range (default 104).
    pub history_weeks: i64,
    /// The price must have varied by this share between its lowest and highest week (default 0.05).
    pub min_price_range: f64,
    /// Largest standard error of an elasticity that is acted on (default 1.0) …
    pub max_std_error: f64,
    /// … and the estimate must be at least this many standard errors from 0 (default 2).
    pub min_t: f64,
}

impl Default for PricingSettings {
    fn default() -> Self {
        Self {
            margin_floor: Decimal::new(5, 2),
            margin_ceiling: Decimal::new(30, 2),
            max_step: Decimal::new(10, 2),
            competitor_max_above: Decimal::new(10, 2),
            min_weeks: 8,
            history_weeks: 104,
            min_price_range: 0.05,
            max_std_error: 1.0,
            min_t: 2.0,
        }
    }
}

/// Market signal thresholds (DESIGN.md, market signals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SignalSettings {
    /// A competitor's price fell by at least this share since its previous observation (0.15).
    pub competitor_drop: f64,
    /// Our average selling price of the last 7 days moved this much from the 28 before (0.15:
    /// a promotion of a tenth off is not news).
    pub own_price_change: f64,
    /// Units per day of the last 7 days at least this multiple of the 28 before (2.0) …
    pub surge_ratio: f64,
    /// … with at least this many units in the 7 days (10) …
    pub surge_min_units: i64,
    /// … bought in at least this many orders (5), whose rate also rose `surge_ratio` times: one
    /// bulk order is not a surge.
    pub surge_min_orders: i64,
    /// Low stock: at or under the reorder point, or under this many units (10).
    pub low_stock_units: i64,
    /// A day's selling price this many times above or below the product's median (2.0).
    pub anomaly_factor: f64,
}

impl Default for SignalSettings {
    fn default() -> Self {
        Self {
            competitor_drop: 0.15,
            own_price_change: 0.15,
            surge_ratio: 2.0,
            surge_min_units: 10,
            surge_min_orders: 5,
            low_stock_units: 10,
            anomaly_factor: 2.0,
        }
    }
}

/// All settings of the Inventory & Pricing area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InventorySettings {
    pub stock: StockSettings,
    pub pricing: PricingSettings,
    pub signals: SignalSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StockStatus {
    /// No stock figure: the product's stock is not tracked (no snapshot, no on-hand count).
    Untracked,
    Ok,
    Reorder,
    Out,
    Overstock,
    Dead,
}

impl StockStatus {
    pub const ALL: [StockStatus; 6] = [
        StockStatus::Untracked,
        StockStatus::Ok,
        StockStatus::Reorder,
        StockStatus::Out,
        StockStatus::Overstock,
        StockStatus::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StockStatus::Untracked => "untracked",
            StockStatus::Ok => "ok",
            StockStatus::Reorder => "reorder",
            StockStatus::Out => "out",
            StockStatus::Overstock => "overstock",
            StockStatus::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Abc {
    A,
    B,
    C,
}

impl Abc {
    pub fn as_str(self) -> &'static str {
        match self {
            Abc::A => "A",
            Abc::B => "B",
            Abc::C => "C",
        }
    }
}

/// The headline cards, as of the range end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InventoryCards {
    /// Σ on hand × unit cost (products without a cost count 0; see `products_without_cost`).
    pub stock_value_cost: Decimal,
    /// Σ on hand × current price.
    pub stock_value_retail: Decimal,
    pub skus_in_stock: i64,
    /// In stock but at or under the reorder point.
    pub skus_low: i64,
    pub skus_out: i64,
    /// Σ on hand / Σ average daily demand over the products that sell; `None` without demand.
    pub days_of_cover: Option<f64>,
    /// Stock at cost of products with no sale for the dead-stock days.
    pub dead_stock_value: Decimal,
    /// At cost, the units beyond the overstock days of cover.
    pub overstock_value: Decimal,
    pub products_without_cost: i64,
    /// Products whose stock is not tracked (left out of every stock figure).
    pub products_untracked: i64,
}

/// One product's stock figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductStock {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    /// `None`: stock not tracked.
    pub on_hand: Option<i64>,
    pub unit_cost: Option<Decimal>,
    /// The current price (`None`: unknown).
    pub price: Option<Decimal>,
    /// The product's lead time, or the default when it has none.
    pub lead_time_days: i64,
    /// Units sold in the range.
    pub units_sold: i64,
    pub net_revenue: Decimal,
    /// Average daily units over the in-stock days of the demand window.
    pub daily_demand: f64,
    pub demand_sd: f64,
    /// Days of the demand window the product was out of stock (excluded from demand).
    pub stockout_days: i64,
    pub days_of_cover: Option<f64>,
    /// Average closing stock over the range's snapshot days (the current on hand without any).
    pub average_on_hand: Option<f64>,
    pub turnover: Option<f64>,
    pub abc: Abc,
    pub safety_stock: f64,
    pub reorder_point: f64,
    pub suggested_order: i64,
    pub order_by: Option<NaiveDate>,
    pub sells_out_on: Option<NaiveDate>,
    pub last_sale: Option<NaiveDate>,
    pub status: StockStatus,
}

#[cfg(test)]
impl ProductStock {
    /// A product for tests: `S{id}` "Product {id}" in category "C", lead time 7 days, every
    /// figure empty or zero; a test sets the ones it checks.
    pub fn for_test(id: i64, status: StockStatus) -> Self {
        Self {
            product_id: id,
            sku: format!("S{id}"),
            name: format!("Product {id}"),
            category: "C".into(),
            on_hand: None,
            unit_cost: None,
            price: None,
            lead_time_days: 7,
            units_sold: 0,
            net_revenue: Decimal::ZERO,
            daily_demand: 0.0,
            demand_sd: 0.0,
            stockout_days: 0,
            days_of_cover: None,
            average_on_hand: None,
            turnover: None,
            abc: Abc::C,
            safety_stock: 0.0,
            reorder_point: 0.0,
            suggested_order: 0,
            order_by: None,
            sells_out_on: None,
            last_sale: None,
            status,
        }
    }
}

/// A premium product: high revenue from few customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PremiumProduct {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub net_revenue: Decimal,
    pub customers: i64,
    /// customers / all identified customers of the range.
    pub customer_share: f64,
    /// Units per order that contains it.
    pub units_per_order: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AbcPoint {
    pub product_share: f64,
    pub revenue_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryTurnover {
    pub category: String,
    pub units_sold: i64,
    pub average_on_hand: f64,
    pub turnover: Option<f64>,
}

/// Everything the inventory half of the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InventoryOverview {
    pub range: DateRange,
    /// The day stock and demand are taken as of (the range end).
    pub as_of: NaiveDate,
    /// The first day with sales: an `as_of` before it has no stock figures.
    #[serde(default)]
    pub data_from: Option<NaiveDate>,
    pub cards: InventoryCards,
    /// Cumulative share of net revenue against the share of products, best sellers first.
    pub abc_pareto: Vec<AbcPoint>,
    pub turnover_by_category: Vec<CategoryTurnover>,
    pub settings: InventorySettings,
    pub currency: String,
}

/// The premium products of a range, with the thresholds that pick them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PremiumProducts {
    pub range: DateRange,
    pub currency: String,
    /// Top sellers: products up to this share of net revenue (0–1).
    pub revenue_share: f64,
    /// Bought by at most this share of the range's customers (0–1).
    pub customer_share: f64,
    pub products: Vec<PremiumProduct>,
}

/// One day of a product's stock and sales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StockDay {
    pub day: NaiveDate,
    pub on_hand: Option<i64>,
    pub units_sold: i64,
}

/// The estimate of a product's price elasticity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Elasticity {
    pub estimate: Option<f64>,
    pub std_error: Option<f64>,
    /// ln(units) at ln(price) = 0, for the fitted curve.
    pub intercept: Option<f64>,
    /// Weeks with sales used.
    pub weeks: i64,
    /// Highest weekly price / lowest − 1.
    pub price_range: Option<f64>,
    /// Whether the estimate may be acted on.
    pub supported: bool,
    /// Why not, in words.
    pub reason: Option<String>,
}

/// A rule that moved the recommended price away from the profit maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    MarginFloor,
    MarginCeiling,
    Competitor,
    /// The competitor rule would go under the margin floor: the floor wins.
    CompetitorUnderFloor,
    MaxStep,
}

impl Rule {
    pub fn describe(self) -> &'static str {
        match self {
            Rule::MarginFloor => "the margin floor",
            Rule::MarginCeiling => "the margin ceiling",
            Rule::Competitor => "the competitor rule",
            Rule::CompetitorUnderFloor => "the competitor rule (held at the margin floor)",
            Rule::MaxStep => "the maximum step per change",
        }
    }
}

/// Expected weekly figures at a price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Projection {
    pub price: Decimal,
    pub weekly_units: f64,
    pub weekly_revenue: Decimal,
    pub weekly_profit: Decimal,
}

/// A price recommendation, or a hold with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Recommendation {
    pub current_price: Decimal,
    /// `None`: hold.
    pub recommended_price: Option<Decimal>,
    /// The unclamped profit-maximising price.
    pub optimum: Option<Decimal>,
    /// Rules that bound, in the order applied.
    pub rules: Vec<Rule>,
    pub reason: String,
    /// Expected weekly figures at the current and at the recommended price.
    pub current: Option<Projection>,
    pub expected: Option<Projection>,
    /// The limits the recommendation keeps to, as prices (once there is a cost and an
    /// elasticity to work from).
    #[serde(default)]
    pub bounds: Option<PriceBounds>,
    /// The price the rules allow, when moving to it would lower expected profit: never the
    /// recommendation, a secondary choice with its cost.
    #[serde(default)]
    pub compliance: Option<Compliance>,
}

/// A product's pricing limits as prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PriceBounds {
    /// Unit cost plus the margin floor.
    pub floor: Decimal,
    /// Unit cost plus the margin ceiling.
    pub ceiling: Decimal,
    /// The cheapest competitor plus the most we may be above it.
    pub competitor_cap: Option<Decimal>,
    /// The lowest and highest price one change may reach from the current price.
    pub step_low: Decimal,
    pub step_high: Decimal,
}

/// Moving to the price the pricing rules allow, when that costs expected profit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Compliance {
    pub price: Decimal,
    /// Rules that bound, in the order applied.
    pub rules: Vec<Rule>,
    /// Expected weekly figures at that price.
    pub expected: Projection,
    /// What the current price breaks and what complying costs.
    pub reason: String,
}

/// Where our price stands among the competitors' latest observations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompetitorPosition {
    pub competitors: i64,
    /// Cheapest price with shipping.
    pub cheapest: Option<Decimal>,
    pub cheapest_name: Option<String>,
    pub average: Option<Decimal>,
    /// 1 = cheapest, among us and the competitors.
    pub rank: Option<i64>,
    /// Our price / average competitor price × 100.
    pub price_index: Option<Decimal>,
    pub observed_at: Option<DateTime<Utc>>,
}

/// One product's pricing row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductPricing {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit_cost: Option<Decimal>,
    pub position: CompetitorPosition,
    pub elasticity: Elasticity,
    pub recommendation: Recommendation,
}

/// A product in full: stock, pricing and histories (the product drill-down and the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductDetail {
    pub stock: ProductStock,
    pub pricing: ProductPricing,
    pub stock_history: Vec<StockDay>,
    /// Weekly (week start, average price, units) of the elasticity fit.
    pub weeks: Vec<PriceWeek>,
    /// Competitor observations, oldest first.
    pub competitor_history: Vec<CompetitorObservation>,
    pub decisions: Vec<PricingDecision>,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PriceWeek {
    pub week: NaiveDate,
    pub price: f64,
    pub units: i64,
    /// Whether the product was out of stock some day of the week (left out of the fit).
    pub stockout: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompetitorObservation {
    pub competitor: String,
    pub observed_at: DateTime<Utc>,
    pub price: Decimal,
    pub shipping: Decimal,
    pub in_stock: bool,
}

/// What an analyst did with a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DecisionAction {
    /// Take the recommended price.
    Accept,
    /// Keep the current price; the recommendation is logged as rejected.
    Reject,
    /// Set a price of one's own.
    Manual,
    /// Take the price the pricing rules allow although it lowers expected profit (a
    /// recommendation's secondary choice).
    Comply,
}

/// A request to decide on a product's price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecisionRequest {
    pub product_id: i64,
    pub action: DecisionAction,
    /// The new price of a manual decision.
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub note: String,
    /// The filter of the page the recommendation was shown on (its range end is the "as of" day);
    /// by default the latest data.
    #[serde(default)]
    pub filter: crate::dashboard::filter::DashboardFilter,
}

/// An entry of the decision log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PricingDecision {
    pub decision_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub old_price: Decimal,
    pub new_price: Decimal,
    /// accepted | rejected
    pub status: String,
    /// recommendation | manual
    pub kind: String,
    pub reason: String,
    pub note: String,
    pub decided_by: Option<String>,
    pub decided_at: DateTime<Utc>,
    /// Whether the product comes from a connected shop its price can be pushed to.
    pub pushable: bool,
    /// When the price was last pushed to the shop, and the platform's answer.
    pub pushed_at: Option<DateTime<Utc>>,
    pub push_result: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn from_key(key: &str) -> Severity {
        match key {
            "critical" => Severity::Critical,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        }
    }
}

/// A market signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MarketSignal {
    pub signal_id: i64,
    /// competitor_price_drop | own_price_change | demand_surge | low_stock | price_anomaly
    pub kind: String,
    pub severity: Severity,
    pub product_id: Option<i64>,
    pub sku: Option<String>,
    pub product_name: Option<String>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// Which signals to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct SignalFilter {
    /// Include acknowledged signals.
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub product_id: Option<i64>,
    /// critical, warning or info.
    #[serde(default)]
    pub severity: Option<String>,
}

impl SignalFilter {
    /// Refuses a severity that is none of the three (a typo would otherwise match nothing).
    pub fn checked(self) -> Result<SignalFilter, crate::error::AppError> {
        match self.severity.as_deref() {
            None | Some("critical" | "warning" | "info") => Ok(self),
            Some(other) => Err(crate::error::AppError::invalid(
                "severity",
                format!("'{other}' is not a severity: use critical, warning or info"),
            )),
        }
    }
}

/// The pricing half of the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PricingOverview {
    /// The range the filter resolved to (its sales set the demand figures).
    pub range: DateRange,
    pub as_of: NaiveDate,
    pub products: Vec<ProductPricing>,
    pub settings: PricingSettings,
    pub currency: String,
}

/// How the exported rows look as CSV (`format=csv` of the REST routes).
#[cfg(feature = "ssr")]
mod export {
    use super::{PremiumProduct, PricingDecision, ProductPricing, ProductStock};
    use crate::export::{float, opt, opt_float, CsvRow};

    impl CsvRow for ProductStock {
        const HEADER: &'static [&'static str] = &[
            "sku",
            "name",
            "category",
            "status",
            "abc",
            "on_hand",
            "unit_cost",
            "price",
            "units_sold",
            "net_revenue",
            "daily_demand",
            "days_of_cover",
            "turnover",
            "safety_stock",
            "reorder_point",
            "suggested_order",
            "order_by",
            "sells_out_on",
            "last_sale",
            "lead_time_days",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.sku.clone(),
                self.name.clone(),
                self.category.clone(),
                self.status.as_str().to_string(),
                self.abc.as_str().to_string(),
                opt(self.on_hand),
                opt(self.unit_cost),
                opt(self.price),
                self.units_sold.to_string(),
                self.net_revenue.to_string(),
                float(self.daily_demand),
                opt_float(self.days_of_cover),
                opt_float(self.turnover),
                float(self.safety_stock),
                float(self.reorder_point),
                self.suggested_order.to_string(),
                opt(self.order_by),
                opt(self.sells_out_on),
                opt(self.last_sale),
                self.lead_time_days.to_string(),
            ]
        }
    }

    impl CsvRow for PricingDecision {
        const HEADER: &'static [&'static str] = &[
            "id",
            "decided_at",
            "sku",
            "product",
            "kind",
            "status",
            "old_price",
            "new_price",
            "decided_by",
            "reason",
            "note",
            "pushed_at",
            "push_result",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.decision_id.to_string(),
                self.decided_at.to_rfc3339(),
                self.sku.clone(),
                self.product_name.clone(),
                self.kind.clone(),
                self.status.clone(),
                self.old_price.to_string(),
                self.new_price.to_string(),
                opt(self.decided_by.as_ref()),
                self.reason.clone(),
                self.note.clone(),
                opt(self.pushed_at.map(|t| t.to_rfc3339()).as_ref()),
                opt(self.push_result.as_ref()),
            ]
        }
    }

    impl CsvRow for PremiumProduct {
        const HEADER: &'static [&'static str] = &[
            "sku",
            "name",
            "net_revenue",
            "customers",
            "customer_share",
            "units_per_order",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.sku.clone(),
                self.name.clone(),
                self.net_revenue.to_string(),
                self.customers.to_string(),
                float(self.customer_share),
                float(self.units_per_order),
            ]
        }
    }

    impl CsvRow for ProductPricing {
        const HEADER: &'static [&'static str] = &[
            "sku",
            "name",
            "category",
            "unit_cost",
            "current_price",
            "cheapest_competitor",
            "average_competitor",
            "our_rank",
            "price_index",
            "elasticity",
            "std_error",
            "weeks",
            "optimum",
            "recommended_price",
            "expected_weekly_profit",
            "current_weekly_profit",
            "margin_floor_price",
            "margin_ceiling_price",
            "competitor_cap",
            "step_low",
            "step_high",
            "compliance_price",
            "compliance_weekly_profit",
            "reason",
        ];
        fn cells(&self) -> Vec<String> {
            let r = &self.recommendation;
            vec![
                self.sku.clone(),
                self.name.clone(),
                self.category.clone(),
                opt(self.unit_cost),
                r.current_price.to_string(),
                opt(self.position.cheapest),
                opt(self.position.average),
                opt(self.position.rank),
                opt(self.position.price_index),
                opt_float(self.elasticity.estimate),
                opt_float(self.elasticity.std_error),
                self.elasticity.weeks.to_string(),
                opt(r.optimum),
                opt(r.recommended_price),
                opt(r.expected.as_ref().map(|e| e.weekly_profit)),
                opt(r.current.as_ref().map(|e| e.weekly_profit)),
                opt(r.bounds.as_ref().map(|b| b.floor)),
                opt(r.bounds.as_ref().map(|b| b.ceiling)),
                opt(r.bounds.as_ref().and_then(|b| b.competitor_cap)),
                opt(r.bounds.as_ref().map(|b| b.step_low)),
                opt(r.bounds.as_ref().map(|b| b.step_high)),
                opt(r.compliance.as_ref().map(|c| c.price)),
                opt(r.compliance.as_ref().map(|c| c.expected.weekly_profit)),
                r.reason.clone(),
            ]
        }
    }
}
