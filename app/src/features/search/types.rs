//! Wire types of the search.
use serde::{Deserialize, Serialize};

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Product,
    Customer,
    Order,
}

impl HitKind {
    pub fn label(self) -> &'static str {
        match self {
            HitKind::Product => "Product",
            HitKind::Customer => "Customer",
            HitKind::Order => "Order",
        }
    }
}

/// One thing found, with the page that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub kind: HitKind,
    pub id: i64,
    /// What it is called (a product's name, a customer's name or id, an order's number).
    pub label: String,
    /// What tells it apart (SKU and category, email and country, day and customer).
    pub detail: String,
    /// Where it opens.
    pub href: String,
}

/// The hits of one search, best first within each kind: products, customers, orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHit>,
}
