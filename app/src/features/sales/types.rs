//! Wire types of the Sales dashboard, shared by server and browser.
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::dashboard::filter::{Compare, DateRange, Freshness, Grain};

/// The KPI cards of the Sales page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SalesKpis {
    pub gross_revenue: Decimal,
    pub returns: Decimal,
    pub net_revenue: Decimal,
    pub adjustments: Decimal,
    pub orders: i64,
    /// Gross revenue / orders; `None` without orders.
    pub aov: Option<Decimal>,
    pub units: i64,
    pub customers: i64,
    /// Share (0–1) of gross revenue from orders without a customer; `None` without revenue.
    pub unidentified_share: Option<Decimal>,
}

/// One bucket of the revenue-over-time chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevenuePoint {
    pub period: NaiveDate,
    pub gross_revenue: Decimal,
    pub returns: Decimal,
    pub net_revenue: Decimal,
    pub orders: i64,
}

/// The comparison period and its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub compare: Compare,
    pub range: DateRange,
    pub kpis: SalesKpis,
}

/// One month of the monthly table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonthRow {
    /// First day of the month.
    pub month: NaiveDate,
    pub gross_revenue: Decimal,
    pub returns: Decimal,
    pub net_revenue: Decimal,
    pub orders: i64,
    /// Gross revenue / orders; `None` without orders.
    pub aov: Option<Decimal>,
    /// Month-on-month change of net revenue; `None` when the previous month's is 0 (or absent).
    pub net_change: Option<Decimal>,
    /// The range covers only part of this month.
    pub partial: bool,
}

/// The Sales page's headline: the cards of the range and of the comparison period, why net
/// revenue moved, and how fresh the data is (`GET /api/v1/sales/summary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SalesSummary {
    pub range: DateRange,
    /// The charts' bucket size for this filter (the page names it beside the range).
    pub grain: Grain,
    pub currency: String,
    /// Local day of the latest order in the data, if any.
    pub data_as_of: Option<NaiveDate>,
    pub freshness: Freshness,
    pub kpis: SalesKpis,
    pub comparison: Option<Comparison>,
    /// Why net revenue moved vs the comparison period.
    pub what_changed: Option<WhatChanged>,
}

/// Revenue per bucket of the range and of the comparison period
/// (`GET /api/v1/sales/timeseries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SalesSeries {
    pub range: DateRange,
    pub grain: Grain,
    pub currency: String,
    /// Every bucket of the range, in order.
    pub points: Vec<RevenuePoint>,
    /// The comparison period, if any.
    pub comparison: Option<DateRange>,
    /// The comparison period in the same buckets, aligned by position with `points`.
    pub comparison_points: Vec<RevenuePoint>,
}

/// Net revenue by category: the top categories and "Other", and per bucket of the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SalesCategories {
    pub range: DateRange,
    pub grain: Grain,
    pub currency: String,
    /// Top categories by net revenue, the rest as "Other".
    pub rows: Vec<BreakdownRow>,
    /// Net revenue per bucket of the categories in `rows` (buckets without sales left out).
    pub series: Vec<CategoryPoint>,
}

/// Filters of the transactions listing (`GET /api/v1/transactions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct TransactionFilter {
    /// First local day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last local day (inclusive).
    pub to: Option<NaiveDate>,
    /// Customer id as the source has it.
    pub customer: Option<String>,
    /// Product SKU.
    pub product: Option<String>,
    pub country: Option<String>,
    /// Rows per page, 1–1000 (default 100).
    pub limit: Option<i64>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

/// One order line with its order's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Transaction {
    pub line_id: i64,
    pub order: String,
    pub ordered_at: chrono::DateTime<chrono::Utc>,
    pub customer: Option<String>,
    pub sku: String,
    pub product: String,
    pub quantity: i32,
    pub unit_price: Decimal,
    pub line_value: Decimal,
    /// sale, return, adjustment or none (DESIGN.md's line kinds)
    pub kind: String,
    pub country: String,
    pub channel: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TransactionPage {
    pub items: Vec<Transaction>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// What a breakdown splits revenue by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BreakdownBy {
    Country,
    Channel,
    Category,
}

/// One slice of a breakdown ("Other" folds the slices beyond the top N).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BreakdownRow {
    pub key: String,
    pub gross_revenue: Decimal,
    pub returns: Decimal,
    pub net_revenue: Decimal,
    pub orders: i64,
    /// Share (0–1) of the range's net revenue; `None` when that is not positive.
    pub share: Option<Decimal>,
}

/// A product's sales in the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TopProduct {
    /// The product's page: `/products/{product_id}`.
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub units: i64,
    pub orders: i64,
    pub net_revenue: Decimal,
    /// Share (0–1) of the range's net revenue.
    pub share: Option<Decimal>,
}

/// An identified customer's purchases in the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TopCustomer {
    /// The customer's record page: `/customers/{customer_id}`.
    pub customer_id: i64,
    /// The customer id as the source has it.
    pub customer: String,
    pub name: Option<String>,
    pub country: Option<String>,
    pub orders: i64,
    pub net_revenue: Decimal,
    pub share: Option<Decimal>,
}

/// One category's net revenue in one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CategoryPoint {
    pub period: NaiveDate,
    pub category: String,
    pub net_revenue: Decimal,
}

/// Revenue concentration over identified customers (DESIGN.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Concentration {
    /// Identified customers with sales or returns in the range.
    pub customers: i64,
    /// Share (0–1) of the range's net revenue from the 10 customers with the most.
    pub top10_share: Option<Decimal>,
    /// The smallest share of customers (0–1), largest first, that makes 80% of the identified
    /// customers' net revenue.
    pub customers_for_80: Option<Decimal>,
    /// Cumulative share of identified net revenue vs share of customers, largest first
    /// (at most ~100 points, always ending at (1, 1)).
    pub curve: Vec<ParetoPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ParetoPoint {
    pub customer_share: Decimal,
    pub revenue_share: Decimal,
}

/// A product's returns in the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReturnedProduct {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub returned_units: i64,
    pub returns: Decimal,
    /// Returns / gross revenue of the product in the range; `None` without sales.
    pub return_rate: Option<Decimal>,
}

/// The change of net revenue vs the comparison period, split two ways. Each split adds up
/// exactly: previous + effects = current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WhatChanged {
    pub previous_net: Decimal,
    pub current_net: Decimal,
    /// (orders now − orders before) × AOV before.
    pub orders_effect: Decimal,
    /// orders now × (AOV now − AOV before).
    pub aov_effect: Decimal,
    /// −(returns now − returns before).
    pub returns_effect: Decimal,
    /// Change of net revenue from customers whose first order ever falls in the period.
    pub new_customers_effect: Decimal,
    /// Change of net revenue from customers who had ordered before the period.
    pub returning_customers_effect: Decimal,
    /// Change of net revenue from guest (unidentified) orders.
    pub guests_effect: Decimal,
    pub net_change: Option<Decimal>,
    pub orders_change: Option<Decimal>,
    pub aov_change: Option<Decimal>,
    pub returns_change: Option<Decimal>,
}

/// Net revenue of a period split by who bought.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NetByCustomerKind {
    pub new_customers: Decimal,
    pub returning_customers: Decimal,
    pub guests: Decimal,
}

/// How the exported rows look as CSV (`format=csv` of the REST routes).
#[cfg(feature = "ssr")]
mod export {
    use super::{BreakdownRow, MonthRow, ReturnedProduct, TopCustomer, TopProduct};
    use crate::export::{opt, ratio, CsvRow};

    impl CsvRow for MonthRow {
        const HEADER: &'static [&'static str] = &[
            "month",
            "gross_revenue",
            "returns",
            "net_revenue",
            "orders",
            "aov",
            "net_change_vs_previous_month",
            "partial",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.month.format("%Y-%m").to_string(),
                self.gross_revenue.to_string(),
                self.returns.to_string(),
                self.net_revenue.to_string(),
                self.orders.to_string(),
                ratio(self.aov),
                ratio(self.net_change),
                self.partial.to_string(),
            ]
        }
    }

    /// The first column is named for what the breakdown splits by when exported.
    impl CsvRow for BreakdownRow {
        const HEADER: &'static [&'static str] = &[
            "key",
            "gross_revenue",
            "returns",
            "net_revenue",
            "orders",
            "share",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.key.clone(),
                self.gross_revenue.to_string(),
                self.returns.to_string(),
                self.net_revenue.to_string(),
                self.orders.to_string(),
                ratio(self.share),
            ]
        }
    }

    impl CsvRow for ReturnedProduct {
        const HEADER: &'static [&'static str] = &[
            "sku",
            "name",
            "category",
            "returned_units",
            "returns",
            "return_rate",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.sku.clone(),
                self.name.clone(),
                self.category.clone(),
                self.returned_units.to_string(),
                self.returns.to_string(),
                ratio(self.return_rate),
            ]
        }
    }

    impl CsvRow for TopProduct {
        const HEADER: &'static [&'static str] = &[
            "sku",
            "name",
            "category",
            "units",
            "orders",
            "net_revenue",
            "share",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.sku.clone(),
                self.name.clone(),
                self.category.clone(),
                self.units.to_string(),
                self.orders.to_string(),
                self.net_revenue.to_string(),
                ratio(self.share),
            ]
        }
    }

    impl CsvRow for TopCustomer {
        const HEADER: &'static [&'static str] = &[
            "customer",
            "name",
            "country",
            "orders",
            "net_revenue",
            "share",
        ];
        fn cells(&self) -> Vec<String> {
            vec![
                self.customer.clone(),
                opt(self.name.as_ref()),
                opt(self.country.as_ref()),
                self.orders.to_string(),
                self.net_revenue.to_string(),
                ratio(self.share),
            ]
        }
    }
}
