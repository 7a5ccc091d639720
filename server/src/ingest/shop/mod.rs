//! Shop platforms as data sources. A connection is a source of the platform's kind with the
//! shop's URL and sealed credentials (`connection`); a sync reads pages of the platform's products
//! and orders, writes each batch as a star-schema export and loads it with the same ingest run
//! as an uploaded file, the sync's cursor stored in that run's transaction (`sync`).
pub mod connection;
pub mod http;
pub mod magento;
pub mod schedule;
pub mod service;
pub mod shopify;
pub mod sync;
pub mod webhook;
pub mod woo;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How far a connection has loaded, stored in `source.sync_cursor` as JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The latest `updated_at` of the orders loaded.
    pub orders: Option<DateTime<Utc>>,
    /// The latest `updated_at` of the products loaded.
    pub products: Option<DateTime<Utc>>,
    /// The latest `updated_at` (WooCommerce: registration) of the customers loaded.
    pub customers: Option<DateTime<Utc>>,
}

impl Cursor {
    pub fn parse(text: Option<&str>) -> Cursor {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The platforms StorePulse connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Shopify,
    #[serde(rename = "woocommerce")]
    WooCommerce,
    Magento,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Shopify => "shopify",
            Platform::WooCommerce => "woocommerce",
            Platform::Magento => "magento",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::Shopify => "Shopify",
            Platform::WooCommerce => "WooCommerce",
            Platform::Magento => "Magento",
        }
    }
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "shopify" => Ok(Platform::Shopify),
            "woocommerce" | "woo" => Ok(Platform::WooCommerce),
            "magento" | "magento2" | "adobe-commerce" => Ok(Platform::Magento),
            other => Err(format!(
                "unknown platform '{other}': use shopify, woocommerce or magento"
            )),
        }
    }
}

/// What the platform says about the shop and the credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopInfo {
    pub name: String,
    pub currency: String,
    pub timezone: Option<String>,
    pub scopes: Vec<String>,
}

/// A customer as the star-schema customers file has it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
}

/// A country code's name as the platform gives it ("GB" → "United Kingdom"; the code itself
/// when the platform does not name it; `None` for no code).
pub fn country_name(
    code: &str,
    countries: &std::collections::HashMap<String, String>,
) -> Option<String> {
    filled(Some(code)).map(|code| countries.get(&code).cloned().unwrap_or(code))
}

/// Trimmed text, `None` when empty.
fn filled(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
}

impl CustomerRow {
    /// A customer of the platform's first and last name ("Ada Lovelace"), e-mail and country.
    pub fn named(
        id: String,
        first: Option<&str>,
        last: Option<&str>,
        email: Option<&str>,
        country: Option<String>,
    ) -> CustomerRow {
        let name = [filled(first), filled(last)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        CustomerRow {
            id,
            name: (!name.is_empty()).then_some(name),
            email: filled(email),
            country,
        }
    }
}

/// A product (a platform's variant) as the star-schema products file has it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    pub price: Decimal,
    /// The unit cost, where the platform has it.
    pub cost: Option<Decimal>,
    pub stock: Option<i64>,
    pub sku: Option<String>,
}

/// An order line as the star-schema sales file has it.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesRow {
    pub transaction_id: String,
    pub order_id: String,
    pub customer: Option<String>,
    pub product: String,
    pub quantity: i64,
    pub price: Decimal,
    pub at: chrono::DateTime<chrono::Utc>,
    pub channel: Option<String>,
    pub status: String,
    pub country: Option<String>,
}

/// What every line of one platform order shares, and how its lines become sales rows.
pub struct OrderLines {
    pub customer: Option<String>,
    pub channel: Option<String>,
    pub country: Option<String>,
}

impl OrderLines {
    /// `total` paid for `quantity` units of `product` (negative: returned) on line `line` of
    /// order `order`, as rows whose values add up to `total` to the cent.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &self,
        batch: &mut Batch,
        order: &str,
        line: u64,
        product: &str,
        total: Decimal,
        quantity: i64,
        at: DateTime<Utc>,
        status: &str,
    ) {
        let sign = quantity.signum();
        for (n, (units, price)) in split_to_cents(total.abs(), quantity.abs())
            .into_iter()
            .enumerate()
        {
            batch.sales.push(SalesRow {
                transaction_id: part_id(line, n),
                order_id: order.to_string(),
                customer: self.customer.clone(),
                product: product.to_string(),
                quantity: sign * units,
                price,
                at,
                channel: self.channel.clone(),
                status: status.to_string(),
                country: self.country.clone(),
            });
        }
    }
}

/// `123`, or `123.1`, `123.2` for the parts of a line split to the cent.
fn part_id(id: u64, part: usize) -> String {
    if part == 0 {
        id.to_string()
    } else {
        format!("{id}.{part}")
    }
}

/// `total` over `quantity` units as at most two (quantity, unit price) parts whose values add up
/// to `total` exactly, each unit price in whole cents: 10.00 over 3 units is 2 × 3.33 + 1 × 3.34.
pub fn split_to_cents(total: Decimal, quantity: i64) -> Vec<(i64, Decimal)> {
    if quantity <= 0 {
        return Vec::new();
    }
    let cents: i64 = (total * Decimal::from(100)).round().try_into().unwrap_or(0);
    let base = cents.div_euclid(quantity);
    let rest = cents - base * quantity;
    let mut parts = vec![(quantity - rest, Decimal::new(base, 2))];
    if rest > 0 {
        parts.push((rest, Decimal::new(base + 1, 2)));
    }
    parts.retain(|(q, _)| *q > 0);
    parts
}

/// One batch of a sync, as the rows of a star-schema export.
#[derive(Debug, Default)]
pub struct Batch {
    customers: Vec<CustomerRow>,
    /// The platform's catalog: written whatever the database holds.
    products: Vec<ProductRow>,
    /// Products met only on order lines (custom items, deleted variants): written only when
    /// the database does not know them, so that an old order never overwrites a product's
    /// current name or price.
    line_products: Vec<ProductRow>,
    sales: Vec<SalesRow>,
    /// What was left out and why, with the platform's ids.
    skipped: Vec<String>,
    /// Orders read (test orders and those left out included).
    orders: u64,
    /// Test orders (Shopify's `test: true`), left out as the platform's own reports do.
    test_orders: u64,
    /// Orders that are not sales (WooCommerce: never paid, drafts, in the bin), left out.
    not_sales: u64,
    /// The version (`updated_at`) of each order read.
    versions: Vec<(String, chrono::DateTime<chrono::Utc>)>,
    /// Each catalog product's inventory item (Shopify keeps unit costs there).
    cost_items: Vec<(String, u64)>,
}

impl Batch {
    fn add_customer(&mut self, row: CustomerRow) {
        self.customers.push(row);
    }

    fn add_product(&mut self, row: ProductRow) {
        self.products.push(row);
    }

    /// The checks every platform's order passes before its lines are read: it is counted and
    /// its version kept; `None` when it is not loaded — not a sale (counted), in another
    /// currency or without a creation date (a rejected row, saying so) — else its creation time.
    #[allow(clippy::too_many_arguments)]
    pub fn admit(
        &mut self,
        id: String,
        updated: Option<DateTime<Utc>>,
        label: &str,
        sale: bool,
        order_currency: &str,
        currency: &str,
        created: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        self.orders += 1;
        if let Some(at) = updated {
            self.versions.push((id, at));
        }
        if !sale {
            self.not_sales += 1;
            return None;
        }
        if !order_currency.eq_ignore_ascii_case(currency) {
            self.skipped.push(format!(
                "{label}: its amounts are in {order_currency}, the store's currency is {currency}; left out"
            ));
            return None;
        }
        if created.is_none() {
            self.skipped
                .push(format!("{label}: it has no creation date; left out"));
        }
        created
    }

    /// The items of a page that have the shape expected (`T`); the others are noted as left
    /// out, named by their `id_key`.
    pub fn parse<T: serde::de::DeserializeOwned>(
        &mut self,
        items: Vec<serde_json::Value>,
        what: &str,
        id_key: &str,
    ) -> Vec<T> {
        items
            .into_iter()
            .filter_map(|item| {
                let id = item.get(id_key).cloned().unwrap_or_default();
                serde_json::from_value(item)
                    .map_err(|e| {
                        self.skipped.push(format!(
                            "{what} {id}: not the shape expected ({e}); left out"
                        ))
                    })
                    .ok()
            })
            .collect()
    }

    /// The inventory items whose unit costs the catalog's products need.
    pub fn cost_items(&self) -> Vec<u64> {
        self.cost_items.iter().map(|(_, item)| *item).collect()
    }

    /// Sets the catalog products' unit costs from their inventory items' costs.
    pub fn set_costs(&mut self, costs: &std::collections::HashMap<u64, Decimal>) {
        for (product, item) in &self.cost_items {
            if let Some(cost) = costs.get(item) {
                for row in self.products.iter_mut().filter(|p| &p.id == product) {
                    row.cost = Some(*cost);
                }
            }
        }
    }

    fn line_product(&mut self, row: ProductRow) {
        if !self.line_products.iter().any(|p| p.id == row.id) {
            self.line_products.push(row);
        }
    }

    pub fn orders(&self) -> u64 {
        self.orders
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
            && self.products.is_empty()
            && self.sales.is_empty()
            && self.skipped.is_empty()
    }

    /// Keys of the platform's catalog products (whose stock is today's snapshot).
    fn catalog_ids(&self) -> Vec<String> {
        self.products.iter().map(|p| p.id.clone()).collect()
    }

    /// Keys of the products met on order lines.
    fn line_product_ids(&self) -> Vec<String> {
        self.line_products.iter().map(|p| p.id.clone()).collect()
    }

    /// Writes the batch as `customers.csv`, `products.csv` and `sales.csv` into `dir` (only the
    /// files that have rows); `known` are line products the database holds already.
    fn write(
        &self,
        dir: &std::path::Path,
        known: &std::collections::HashSet<String>,
    ) -> std::io::Result<Vec<crate::ingest::run::InputFile>> {
        use crate::ingest::run::InputFile;
        let mut files = Vec::new();
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        if !self.customers.is_empty() {
            let path = dir.join("customers.csv");
            let mut w = csv::Writer::from_path(&path)?;
            w.write_record(["customer_id", "name", "email", "location"])?;
            for c in &self.customers {
                w.write_record([
                    c.id.clone(),
                    text(&c.name),
                    text(&c.email),
                    text(&c.country),
                ])?;
            }
            w.flush()?;
            files.push(InputFile {
                path,
                name: "customers".into(),
            });
        }
        let catalog: std::collections::HashSet<&str> =
            self.products.iter().map(|p| p.id.as_str()).collect();
        let products: Vec<&ProductRow> = self
            .products
            .iter()
            .chain(
                self.line_products
                    .iter()
                    .filter(|p| !catalog.contains(p.id.as_str()) && !known.contains(&p.id)),
            )
            .collect();
        if !products.is_empty() {
            let path = dir.join("products.csv");
            let mut w = csv::Writer::from_path(&path)?;
            w.write_record([
                "product_id",
                "name",
                "category",
                "price",
                "cost",
                "stock",
                "lead_time_days",
                "sku",
            ])?;
            for p in products {
                w.write_record([
                    p.id.clone(),
                    p.name.clone(),
                    text(&p.category),
                    p.price.to_string(),
                    p.cost.map(|c| c.to_string()).unwrap_or_default(),
                    p.stock.map(|s| s.to_string()).unwrap_or_default(),
                    String::new(),
                    text(&p.sku),
                ])?;
            }
            w.flush()?;
            files.push(InputFile {
                path,
                name: "products".into(),
            });
        }
        if !self.sales.is_empty() {
            let path = dir.join("sales.csv");
            let mut w = csv::Writer::from_path(&path)?;
            w.write_record([
                "transaction_id",
                "order_id",
                "customer_id",
                "product_id",
                "quantity",
                "price",
                "timestamp",
                "channel",
                "status",
                "country",
            ])?;
            for s in &self.sales {
                w.write_record([
                    s.transaction_id.clone(),
                    s.order_id.clone(),
                    text(&s.customer),
                    s.product.clone(),
                    s.quantity.to_string(),
                    s.price.to_string(),
                    s.at.to_rfc3339(),
                    text(&s.channel),
                    s.status.clone(),
                    text(&s.country),
                ])?;
            }
            w.flush()?;
            files.push(InputFile {
                path,
                name: "orders".into(),
            });
        }
        Ok(files)
    }
}
