//! Wire types of the Customer Insights dashboard, shared by server and browser.
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::dashboard::filter::DateRange;

/// Orders thresholds of the engagement groups (DESIGN.md: one-time 1, occasional 2–4, regular ≥ 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EngagementThresholds {
    /// Fewest orders of an occasional customer (default 2).
    pub occasional_from: i64,
    /// Fewest orders of a regular customer (default 5).
    pub regular_from: i64,
}

impl Default for EngagementThresholds {
    fn default() -> Self {
        Self {
            occasional_from: 2,
            regular_from: 5,
        }
    }
}

/// Clustering settings: `k` clusters, or chosen by silhouette when `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClusterSettings {
    pub k: Option<usize>,
    pub seed: u64,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            k: Some(5),
            seed: 42,
        }
    }
}

/// The headline cards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerKpis {
    /// Identified customers with a sales line in the range.
    pub customers: i64,
    /// Of those, whose first order ever falls in the range.
    pub new_customers: i64,
    /// Of those, who had ordered before the range.
    pub returning_customers: i64,
    /// Customers with ≥ 2 orders in the range.
    pub repeat_customers: i64,
    /// repeat / customers; `None` without customers.
    pub repeat_rate: Option<Decimal>,
    /// Orders / customers.
    pub orders_per_customer: Option<Decimal>,
    /// Net revenue of identified customers / customers.
    pub net_revenue_per_customer: Option<Decimal>,
    /// Share of gross revenue from guest orders.
    pub unidentified_share: Option<Decimal>,
}

/// One month of customer acquisition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AcquisitionMonth {
    pub month: NaiveDate,
    /// Customers whose first order ever is in this month.
    pub new_customers: i64,
    /// Customers who bought this month and had bought before it.
    pub returning_customers: i64,
    /// Change of new customers vs the month before; `None` when that was 0.
    pub new_change: Option<Decimal>,
    /// The range covers only part of the month.
    pub partial: bool,
}

/// A group of customers (engagement depth, repeat vs one-time, country, segment, cluster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerGroup {
    /// Stable key, used in drill-down URLs (e.g. `one_time`, `champions`, `3`).
    pub key: String,
    pub label: String,
    pub customers: i64,
    pub net_revenue: Decimal,
    /// Share (0–1) of the customers.
    pub customer_share: Option<Decimal>,
    /// Share (0–1) of identified customers' net revenue.
    pub revenue_share: Option<Decimal>,
}

/// An RFM segment with its averages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SegmentRow {
    pub key: String,
    pub label: String,
    /// What the segment means and what to do about it.
    pub description: String,
    pub customers: i64,
    pub net_revenue: Decimal,
    pub revenue_share: Option<Decimal>,
    pub avg_recency_days: Option<Decimal>,
    pub avg_frequency: Option<Decimal>,
    pub avg_monetary: Option<Decimal>,
}

/// One cell of the R × F grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RfmCell {
    pub r: u8,
    pub f: u8,
    pub segment: String,
    pub customers: i64,
    pub net_revenue: Decimal,
}

/// RFM as of the range end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rfm {
    pub as_of: Option<NaiveDate>,
    pub segments: Vec<SegmentRow>,
    /// 25 cells, R 5 → 1 by F 1 → 5.
    pub grid: Vec<RfmCell>,
}

/// A k-means cluster, described from its centroid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cluster {
    pub id: usize,
    /// Plain-language label, e.g. "frequent, high-value, recent".
    pub label: String,
    pub customers: i64,
    pub net_revenue: Decimal,
    /// Centroid in the features' units.
    pub orders: f64,
    pub aov: f64,
    pub tenure_days: f64,
    pub recency_days: f64,
}

/// A customer's point on the cluster scatter chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClusterPoint {
    pub cluster: usize,
    pub recency_days: f64,
    pub net_revenue: f64,
}

/// Customers of a cluster in a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClusterSegmentCell {
    pub cluster: usize,
    pub segment: String,
    pub customers: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Clustering {
    pub k: usize,
    /// Whether k was chosen by silhouette.
    pub automatic: bool,
    /// Mean silhouette of the clustering (−1…1), on a sample.
    pub silhouette: Option<f64>,
    pub clusters: Vec<Cluster>,
    /// At most `kpi::MAX_POINTS` customers, sampled evenly.
    pub points: Vec<ClusterPoint>,
    pub by_segment: Vec<ClusterSegmentCell>,
    /// Why there are no clusters, when there are none.
    pub note: Option<String>,
}

/// One cell of the cohort heatmap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CohortCell {
    /// Month of the customers' first order ever.
    pub cohort: NaiveDate,
    /// Months since the first order (0 = the first month).
    pub months_since: i32,
    /// Customers of the cohort who bought in that month.
    pub customers: i64,
    /// customers / the cohort's size.
    pub retention: Option<Decimal>,
    /// Net revenue that month / the cohort's size.
    pub revenue_per_customer: Option<Decimal>,
}

/// A cohort's size and lifetime value so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CohortRow {
    pub cohort: NaiveDate,
    pub customers: i64,
    /// Net revenue of the cohort's customers up to the range end / its size.
    pub lifetime_value: Option<Decimal>,
}

/// The Customer Insights cards of a range and of the comparison period, and the customers by
/// country (`GET /api/v1/customers/summary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomersSummary {
    pub range: DateRange,
    pub currency: String,
    pub kpis: CustomerKpis,
    pub comparison: Option<CustomerComparison>,
    /// Average days between consecutive orders of customers with ≥ 2 orders in the range.
    pub avg_days_between_orders: Option<Decimal>,
    pub by_country: Vec<CustomerGroup>,
}

/// Engagement depth and repeat vs one-time customers (`GET /api/v1/customers/engagement`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomersEngagement {
    pub range: DateRange,
    pub currency: String,
    pub thresholds: EngagementThresholds,
    pub groups: Vec<CustomerGroup>,
    pub repeat: Vec<CustomerGroup>,
}

/// Cohorts by month of first order (store-wide; `GET /api/v1/customers/cohorts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomersCohorts {
    pub range: DateRange,
    pub currency: String,
    pub cohorts: Vec<CohortRow>,
    pub cells: Vec<CohortCell>,
}

/// The comparison period's cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerComparison {
    pub range: DateRange,
    pub kpis: CustomerKpis,
}

/// What a drill-down lists: a segment, cluster, engagement group, repeat group, country or
/// cohort cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Segment,
    Cluster,
    Engagement,
    Repeat,
    Country,
    /// `YYYY-MM` of the first order.
    Cohort,
}

impl GroupKind {
    pub fn key(self) -> &'static str {
        match self {
            GroupKind::Segment => "segment",
            GroupKind::Cluster => "cluster",
            GroupKind::Engagement => "engagement",
            GroupKind::Repeat => "repeat",
            GroupKind::Country => "country",
            GroupKind::Cohort => "cohort",
        }
    }

    pub fn from_key(key: &str) -> Option<GroupKind> {
        [
            GroupKind::Segment,
            GroupKind::Cluster,
            GroupKind::Engagement,
            GroupKind::Repeat,
            GroupKind::Country,
            GroupKind::Cohort,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

/// One customer of a drill-down list, with their RFM values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerRow {
    /// The customer's record page: `/customers/{customer_id}`.
    pub customer_id: i64,
    /// The shop's id of the customer.
    pub customer: String,
    pub name: Option<String>,
    pub country: Option<String>,
    pub first_order: NaiveDate,
    pub last_order: NaiveDate,
    pub orders: i64,
    pub net_revenue: Decimal,
    pub recency_days: i64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: String,
    pub cluster: Option<usize>,
}

/// A page of a drill-down list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerPage {
    pub kind: GroupKind,
    pub id: String,
    pub label: String,
    pub total: i64,
    pub offset: i64,
    pub rows: Vec<CustomerRow>,
}

/// How a drill-down list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    #[default]
    NetRevenue,
    Orders,
    Recency,
    Customer,
}

/// A drill-down list as CSV (`format=csv` of the REST route).
#[cfg(feature = "ssr")]
impl crate::export::CsvRow for CustomerRow {
    const HEADER: &'static [&'static str] = &[
        "customer",
        "name",
        "country",
        "first_order",
        "last_order",
        "orders",
        "net_revenue",
        "recency_days",
        "r",
        "f",
        "m",
        "segment",
        "cluster",
    ];
    fn cells(&self) -> Vec<String> {
        use crate::export::opt;
        vec![
            self.customer.clone(),
            opt(self.name.as_ref()),
            opt(self.country.as_ref()),
            self.first_order.to_string(),
            self.last_order.to_string(),
            self.orders.to_string(),
            self.net_revenue.to_string(),
            self.recency_days.to_string(),
            self.r.to_string(),
            self.f.to_string(),
            self.m.to_string(),
            self.segment.clone(),
            opt(self.cluster),
        ]
    }
}

/// One customer's record (`/customers/{id}`): who they are, their lifetime figures, where they
/// stand in the range being looked at, and their orders with lines, latest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerRecord {
    pub customer_id: i64,
    /// The shop's id of the customer.
    pub external_id: String,
    /// The data source it came from.
    pub source: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub currency: String,
    /// The store's time zone, in which order times are shown.
    pub timezone: String,
    pub lifetime: CustomerLifetime,
    /// RFM scores, segment and cluster in `range` (none: no sale to them in it).
    pub standing: Option<CustomerRow>,
    pub range: DateRange,
    /// Every order of the customer (any status), of which `orders` are the latest.
    pub order_count: i64,
    pub orders: Vec<CustomerOrder>,
}

/// Where a customer stood in the range and in the windows of its length before it, latest
/// first: their RFM segment and scores among each window's buying customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerHistory {
    pub customer_id: i64,
    pub currency: String,
    pub periods: Vec<StandingPeriod>,
}

/// One window of a customer's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StandingPeriod {
    pub range: DateRange,
    /// Customers who bought in the window: the ones the scores rank the customer among.
    pub buying_customers: i64,
    /// The customer's standing there; none when they bought nothing in the window.
    pub standing: Option<Standing>,
}

/// A customer's RFM scores (1–5 each), segment, cluster, orders and net revenue in a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Standing {
    pub segment: String,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub orders: i64,
    pub net_revenue: Decimal,
    /// The cluster of the history's range (its clusters panel's number) nearest to the
    /// customer's behaviour in this window — the same clusters in every window, so that a
    /// change of number is a change of behaviour — and its label; none when the range has too
    /// few customers to cluster.
    #[serde(default)]
    pub cluster: Option<usize>,
    #[serde(default)]
    pub cluster_label: Option<String>,
}

/// A customer's figures over all the data (the metric definitions of DESIGN.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerLifetime {
    /// Distinct orders with a sales line.
    pub orders: i64,
    pub units: i64,
    pub gross_revenue: Decimal,
    /// Σ |return-line values| (returned lines and cancelled orders).
    pub returns: Decimal,
    pub net_revenue: Decimal,
    /// Gross revenue / orders.
    pub average_order_value: Option<Decimal>,
    /// Local days of the first and last order with a sales line.
    pub first_order: Option<NaiveDate>,
    pub last_order: Option<NaiveDate>,
}

/// One order of a customer with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomerOrder {
    pub order_id: i64,
    /// The shop's order number.
    pub number: String,
    /// Local time in the store's time zone.
    pub ordered_at: chrono::NaiveDateTime,
    /// completed, pending or cancelled.
    pub status: String,
    pub channel: String,
    pub country: String,
    pub gross_revenue: Decimal,
    pub returns: Decimal,
    pub net_revenue: Decimal,
    pub lines: Vec<OrderLineRow>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrderLineRow {
    pub line_no: i32,
    pub product_id: i64,
    pub sku: String,
    pub product: String,
    pub quantity: i32,
    pub unit_price: Decimal,
    pub value: Decimal,
    /// sale, return, adjustment or none (DESIGN.md: a line's kind).
    pub kind: String,
}

/// One order's page (`/orders/{id}`): the order with its lines, who placed it (none: a guest)
/// and the source it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrderRecord {
    pub order: CustomerOrder,
    pub customer_id: Option<i64>,
    /// The customer's name, else their id in the source.
    pub customer: Option<String>,
    pub source: String,
    pub currency: String,
    /// The store's time zone, in which the order's time is shown.
    pub timezone: String,
}
