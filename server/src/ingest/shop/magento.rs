//! Magento 2 (Adobe Commerce) through its REST API (`/rest/V1`, an integration's access token as
//! a bearer token): the store's name, base currency and time zone, simple products, and orders
//! with their credit memos, paged by number (`searchCriteria[currentPage]`, `total_count`) in
//! order of update, so that a sync can stop after any page and resume from the last update it
//! loaded. Magento has no webhooks: the schedule brings its changes.
//!
//! Amounts are the store's base currency (`base_*`), never the customer's order currency. An
//! order's lines are its top-level items (a configurable product's child carries no price), at
//! what the customer paid (`base_row_total − base_discount_amount`), keyed by SKU; each credit
//! memo is an order of its own dated when it was made, with the refunded units as returns; what
//! a cancelled order cancelled and did not refund is a cancelled order on its last update.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::http::{FetchError, Http, Pager, RetryPolicy};
use super::{country_name, Batch, CustomerRow, OrderLines, ProductRow, ShopInfo};

/// Items per page.
const PAGE_SIZE: u64 = 100;
/// Order states that are not sales: payment never completed.
const NOT_SALES: &[&str] = &["pending_payment", "payment_review"];

pub struct Client {
    http: Http,
    /// `https://shop.example` (the API under `/rest/V1`), no trailing slash.
    root: String,
}

/// Magento's times: `2026-11-02 10:00:00`, UTC.
fn utc(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

fn de_utc<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text.as_deref().and_then(utc))
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl Client {
    pub fn new(shop_url: &str, token: &str, policy: RetryPolicy) -> Result<Client, String> {
        let http = Http::new(
            "Magento",
            &[("authorization", format!("Bearer {token}"))],
            policy,
        )?;
        Ok(Client {
            http,
            root: shop_url.trim_end_matches('/').to_string(),
        })
    }

    fn api(&self, path: &str) -> String {
        format!("{}/rest/V1/{path}", self.root)
    }

    /// The default store view's name, base currency and time zone; `scopes` holds `read` once
    /// an order could be read (Magento does not tell an integration's resources otherwise).
    pub async fn shop(&self) -> Result<ShopInfo, FetchError> {
        let configs = self
            .http
            .get_json(&self.api("store/storeConfigs"), "the store's settings")
            .await?;
        let config = configs
            .body
            .as_array()
            .and_then(|c| c.first())
            .cloned()
            .ok_or_else(|| {
                FetchError::Refused(
                    "the store's settings: Magento's answer has none; is the URL the store's?"
                        .into(),
                )
            })?;
        let views = self
            .http
            .get_json(&self.api("store/storeViews"), "the store's views")
            .await?;
        let name = views
            .body
            .as_array()
            .and_then(|v| {
                v.iter()
                    .find(|v| v.get("code").and_then(|c| c.as_str()) == Some("default"))
                    .or(v.first())
            })
            .and_then(|v| v.get("name").and_then(|n| n.as_str()))
            .unwrap_or("Magento store")
            .to_string();
        self.http
            .get_json(
                &self.api("orders?searchCriteria[pageSize]=1"),
                "reading orders",
            )
            .await?;
        Ok(ShopInfo {
            name,
            currency: config
                .get("base_currency_code")
                .and_then(|c| c.as_str())
                .unwrap_or_default()
                .to_string(),
            timezone: config
                .get("timezone")
                .and_then(|t| t.as_str())
                .map(String::from),
            scopes: vec!["read".into()],
        })
    }

    /// ISO country codes to English names.
    pub async fn countries(&self) -> Result<HashMap<String, String>, FetchError> {
        let page = self
            .http
            .get_json(&self.api("directory/countries"), "the country names")
            .await?;
        Ok(page
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some((
                    c.get("id")?.as_str()?.to_string(),
                    c.get("full_name_english")?.as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// The catalog's categories, by id: each with its path below the store's root category
    /// ("Gear / Bags") and its depth.
    pub async fn categories(&self) -> Result<Categories, FetchError> {
        let page = self
            .http
            .get_json(&self.api("categories"), "the categories")
            .await?;
        let mut found = Categories::new();
        add_category(&page.body, &[], &mut found);
        Ok(found)
    }

    /// A listing updated at or after `since`, oldest update first.
    fn listing(&self, path: &str, since: Option<DateTime<Utc>>, what: &'static str) -> Pager<'_> {
        let mut base = self.api(&format!(
            "{path}?searchCriteria[sortOrders][0][field]=updated_at&searchCriteria[sortOrders][0][direction]=ASC&searchCriteria[pageSize]={PAGE_SIZE}"
        ));
        if let Some(since) = since {
            base.push_str(&format!(
                "&searchCriteria[filter_groups][0][filters][0][field]=updated_at&searchCriteria[filter_groups][0][filters][0][value]={}&searchCriteria[filter_groups][0][filters][0][condition_type]=gteq",
                encode(&since.format("%Y-%m-%d %H:%M:%S").to_string())
            ));
        }
        Pager::numbered(&self.http, &self.root, base, PAGE_SIZE, what, Some("items"))
    }

    pub fn orders(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        self.listing("orders", since, "orders")
    }

    pub fn products(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        self.listing("products", since, "products")
    }

    /// Customers updated at or after `since` (the integration's Customers resource).
    pub fn customers(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        self.listing("customers/search", since, "customers")
    }

    /// An order's credit memos.
    pub async fn credit_memos(&self, order: u64) -> Result<Vec<serde_json::Value>, FetchError> {
        let what = format!("the credit memos of order {order}");
        let page = self
            .http
            .get_json(
                &self.api(&format!(
                    "creditmemos?searchCriteria[filter_groups][0][filters][0][field]=order_id&searchCriteria[filter_groups][0][filters][0][value]={order}"
                )),
                &what,
            )
            .await?;
        page.body
            .get("items")
            .and_then(|i| i.as_array())
            .cloned()
            .ok_or_else(|| FetchError::Refused(format!("{what}: not a list")))
    }

    /// Sets a product's price (by SKU); answers it.
    pub async fn set_price(&self, sku: &str, price: Decimal) -> Result<String, FetchError> {
        let what = format!("setting the price of {sku}");
        let price = price.round_dp(2);
        let body = serde_json::json!({"product": {"sku": sku, "price": price.to_string().parse::<f64>().unwrap_or_default()}});
        let page = self
            .http
            .put_json(
                &self.api(&format!("products/{}", encode(sku))),
                &body,
                &what,
            )
            .await?;
        page.body
            .get("price")
            .map(|p| match p {
                serde_json::Value::Number(n) => n
                    .to_string()
                    .parse::<Decimal>()
                    .map(|d| cents(d.round_dp(2)).to_string())
                    .unwrap_or_else(|_| n.to_string()),
                other => other.to_string(),
            })
            .ok_or_else(|| FetchError::Refused(format!("{what}: Magento's answer has no price")))
    }
}

/// Category ids to their path below the store's root ("Gear / Bags") and depth (1: a top
/// category of the store).
pub type Categories = HashMap<String, (String, usize)>;

/// Adds `node` of Magento's category tree (`children_data`) and what is below it. The tree's
/// top two levels (the catalog's root and each store's root category) are not named in paths.
fn add_category(node: &serde_json::Value, above: &[String], found: &mut Categories) {
    let level = node.get("level").and_then(|l| l.as_u64()).unwrap_or(0) as usize;
    let name = node.get("name").and_then(|n| n.as_str()).unwrap_or("");
    let mut path = above.to_vec();
    if level >= 2 && !name.trim().is_empty() {
        path.push(name.trim().to_string());
    }
    if let Some(id) = node.get("id").and_then(number) {
        if !path.is_empty() {
            found.insert(id.to_string(), (path.join(" / "), path.len()));
        }
    }
    for child in node
        .get("children_data")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        add_category(child, &path, found);
    }
}

fn number(value: &serde_json::Value) -> Option<Decimal> {
    match value {
        serde_json::Value::Number(n) => n.to_string().parse().ok(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn de_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(number(&value).unwrap_or_default())
}

#[derive(Deserialize)]
pub struct Product {
    sku: String,
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "de_decimal")]
    price: Decimal,
    #[serde(default)]
    type_id: String,
    #[serde(default, deserialize_with = "de_utc")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    custom_attributes: Vec<CustomAttribute>,
    #[serde(default)]
    extension_attributes: Option<ProductExtension>,
}

#[derive(Deserialize)]
struct CustomAttribute {
    attribute_code: String,
    #[serde(default)]
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct ProductExtension {
    #[serde(default)]
    stock_item: Option<StockItem>,
    #[serde(default)]
    category_links: Vec<CategoryLink>,
}

#[derive(Deserialize)]
struct CategoryLink {
    #[serde(default)]
    position: Option<i64>,
    category_id: serde_json::Value,
}

/// A product's category: the deepest of the categories it is in (the first by position among
/// equals), as its path.
fn category_of(links: &[CategoryLink], categories: &Categories) -> Option<String> {
    links
        .iter()
        .filter_map(|l| {
            let id = number(&l.category_id)?.to_string();
            let (path, depth) = categories.get(&id)?;
            Some((*depth, std::cmp::Reverse(l.position.unwrap_or(0)), path))
        })
        .max()
        .map(|(_, _, path)| path.clone())
}

#[derive(Deserialize)]
struct StockItem {
    #[serde(default)]
    qty: Option<f64>,
}

/// Adds a page of products: simple ones, keyed by SKU (a configurable product is sold as its
/// simple children), in their category of `categories`. Returns the latest update among them.
pub fn add_products(
    batch: &mut Batch,
    items: Vec<serde_json::Value>,
    categories: &Categories,
) -> Option<DateTime<Utc>> {
    let mut latest = None;
    for item in items {
        let sku = item.get("sku").cloned().unwrap_or_default();
        let Ok(product) = serde_json::from_value::<Product>(item) else {
            batch
                .skipped
                .push(format!("product {sku}: not the shape expected; left out"));
            continue;
        };
        latest = latest.max(product.updated_at);
        if product.type_id == "configurable" || product.type_id == "bundle" {
            continue;
        }
        let cost = product
            .custom_attributes
            .iter()
            .find(|a| a.attribute_code == "cost")
            .and_then(|a| number(&a.value));
        let extension = product.extension_attributes;
        batch.add_product(ProductRow {
            id: product.sku.clone(),
            name: product.name.clone(),
            category: extension
                .as_ref()
                .and_then(|e| category_of(&e.category_links, categories)),
            price: cents(product.price),
            cost: cost.map(cents),
            stock: extension
                .and_then(|e| e.stock_item)
                .and_then(|s| s.qty)
                .map(|q| q.round() as i64),
            sku: Some(product.sku),
        });
    }
    latest
}

#[derive(Deserialize)]
struct Customer {
    id: u64,
    #[serde(default)]
    firstname: Option<String>,
    #[serde(default)]
    lastname: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default, deserialize_with = "de_utc")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    addresses: Vec<CustomerAddress>,
}

#[derive(Deserialize)]
struct CustomerAddress {
    #[serde(default)]
    country_id: String,
    #[serde(default)]
    default_billing: bool,
}

/// Adds a page of customers, each in the country of their default billing address (else their
/// first address). Returns the latest update among them.
pub fn add_customers(
    batch: &mut Batch,
    items: Vec<serde_json::Value>,
    countries: &HashMap<String, String>,
) -> Option<DateTime<Utc>> {
    let mut latest = None;
    for customer in batch.parse::<Customer>(items, "customer", "id") {
        latest = latest.max(customer.updated_at);
        let address = customer
            .addresses
            .iter()
            .find(|a| a.default_billing)
            .or(customer.addresses.first());
        batch.add_customer(CustomerRow::named(
            customer.id.to_string(),
            customer.firstname.as_deref(),
            customer.lastname.as_deref(),
            customer.email.as_deref(),
            address.and_then(|a| country_name(&a.country_id, countries)),
        ));
    }
    latest
}

#[derive(Deserialize)]
pub struct Order {
    pub entity_id: u64,
    #[serde(default)]
    increment_id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    base_currency_code: String,
    #[serde(default, deserialize_with = "de_utc")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de_utc")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    customer_id: Option<u64>,
    #[serde(default)]
    customer_firstname: Option<String>,
    #[serde(default)]
    customer_lastname: Option<String>,
    #[serde(default)]
    customer_email: Option<String>,
    #[serde(default)]
    billing_address: Option<Address>,
    #[serde(default)]
    store_name: Option<String>,
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default, deserialize_with = "de_decimal")]
    pub base_total_refunded: Decimal,
}

#[derive(Deserialize)]
struct Address {
    #[serde(default)]
    country_id: String,
}

#[derive(Deserialize)]
struct Item {
    item_id: u64,
    sku: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_item_id: Option<u64>,
    #[serde(default, deserialize_with = "de_decimal")]
    qty_ordered: Decimal,
    #[serde(default, deserialize_with = "de_decimal")]
    qty_canceled: Decimal,
    #[serde(default, deserialize_with = "de_decimal")]
    base_row_total: Decimal,
    #[serde(default, deserialize_with = "de_decimal")]
    base_discount_amount: Decimal,
    #[serde(default, deserialize_with = "de_decimal")]
    base_price: Decimal,
}

#[derive(Deserialize)]
struct CreditMemo {
    entity_id: u64,
    #[serde(default, deserialize_with = "de_utc")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    items: Vec<MemoItem>,
}

#[derive(Deserialize)]
struct MemoItem {
    order_item_id: u64,
    #[serde(default, deserialize_with = "de_decimal")]
    qty: Decimal,
    #[serde(default, deserialize_with = "de_decimal")]
    base_row_total: Decimal,
    #[serde(default, deserialize_with = "de_decimal")]
    base_discount_amount: Decimal,
}

/// A price with its cents (Magento writes 10 for 10.00).
fn cents(mut amount: Decimal) -> Decimal {
    amount.rescale(2);
    amount
}

fn whole(q: Decimal) -> i64 {
    q.round().try_into().unwrap_or(0)
}

/// Parses a page of orders; the ones that are not the shape expected are noted.
pub fn parse_orders(batch: &mut Batch, items: Vec<serde_json::Value>) -> Vec<Order> {
    batch.parse(items, "order", "entity_id")
}

/// Adds one order with its credit memos (`memos`, from `Client::credit_memos`).
pub fn add_order(
    batch: &mut Batch,
    order: &Order,
    memos: Vec<serde_json::Value>,
    currency: &str,
    countries: &HashMap<String, String>,
) {
    let label = format!("order #{} (id {})", order.increment_id, order.entity_id);
    let sale = !NOT_SALES.contains(&order.state.as_str());
    let Some(ordered_at) = batch.admit(
        order.entity_id.to_string(),
        order.updated_at,
        &label,
        sale,
        &order.base_currency_code,
        currency,
        order.created_at,
    ) else {
        return;
    };
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let country = order
        .billing_address
        .as_ref()
        .and_then(|a| country_name(&a.country_id, countries));
    let customer = order.customer_id.filter(|id| *id > 0).map(|id| {
        batch.add_customer(CustomerRow::named(
            id.to_string(),
            order.customer_firstname.as_deref(),
            order.customer_lastname.as_deref(),
            order.customer_email.as_deref(),
            country.clone(),
        ));
        id.to_string()
    });
    let rows = OrderLines {
        customer,
        // The store view it was placed in: "Main Website\nMain Website Store\nDefault Store View".
        channel: text(&order.store_name)
            .map(|s| s.lines().last().unwrap_or_default().trim().to_string()),
        country,
    };
    let key = order.entity_id.to_string();
    let top: Vec<&Item> = order
        .items
        .iter()
        .filter(|i| i.parent_item_id.is_none())
        .collect();
    for item in &top {
        let quantity = whole(item.qty_ordered);
        if quantity <= 0 {
            continue;
        }
        line_product(batch, item);
        let paid = item.base_row_total - item.base_discount_amount;
        rows.push(
            batch,
            &key,
            item.item_id,
            &item.sku,
            paid,
            quantity,
            ordered_at,
            "completed",
        );
    }
    let mut refunded: HashMap<u64, i64> = HashMap::new();
    for memo in memos {
        let Ok(memo) = serde_json::from_value::<CreditMemo>(memo) else {
            batch.skipped.push(format!(
                "{label}: a credit memo is not the shape expected; left out"
            ));
            continue;
        };
        let at = memo.created_at.unwrap_or(ordered_at);
        let memo_key = format!("{}/refund/{}", order.entity_id, memo.entity_id);
        for m in &memo.items {
            let quantity = whole(m.qty);
            let Some(item) = top.iter().find(|i| i.item_id == m.order_item_id) else {
                continue; // a configurable product's child: its parent carries the amount
            };
            if quantity <= 0 {
                continue;
            }
            *refunded.entry(item.item_id).or_default() += quantity;
            let amount = m.base_row_total - m.base_discount_amount;
            rows.push(
                batch,
                &memo_key,
                m.order_item_id,
                &item.sku,
                amount,
                -quantity,
                at,
                "completed",
            );
        }
    }
    if order.state == "canceled" {
        let at = order.updated_at.unwrap_or(ordered_at);
        let cancel_key = format!("{}/cancellation", order.entity_id);
        for item in &top {
            let ordered = whole(item.qty_ordered);
            let left = whole(item.qty_canceled)
                .min(ordered - refunded.get(&item.item_id).copied().unwrap_or(0));
            if left <= 0 || ordered <= 0 {
                continue;
            }
            let paid = ((item.base_row_total - item.base_discount_amount) * Decimal::from(left)
                / Decimal::from(ordered))
            .round_dp(2);
            rows.push(
                batch,
                &cancel_key,
                item.item_id,
                &item.sku,
                paid,
                left,
                at,
                "cancelled",
            );
        }
    }
}

/// A line's product, added from the line when StorePulse does not know it.
fn line_product(batch: &mut Batch, item: &Item) {
    batch.line_product(ProductRow {
        id: item.sku.clone(),
        name: if item.name.trim().is_empty() {
            item.sku.clone()
        } else {
            item.name.clone()
        },
        category: None,
        price: cents(item.base_price),
        cost: None,
        stock: None,
        sku: Some(item.sku.clone()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magento_times_are_utc() {
        assert_eq!(
            utc("2026-11-02 10:00:00").map(|t| t.to_rfc3339()),
            Some("2026-11-02T10:00:00+00:00".to_string())
        );
        assert_eq!(utc("2026-11-02T10:00:00Z"), None);
    }

    #[test]
    fn a_product_is_in_the_deepest_of_its_categories() {
        use serde_json::json;
        let tree = json!({"id": 1, "name": "Root Catalog", "level": 0, "children_data": [
            {"id": 2, "name": "Default Category", "level": 1, "children_data": [
                {"id": 3, "name": "Gear", "level": 2, "children_data": [
                    {"id": 4, "name": "Bags", "level": 3, "children_data": []},
                    {"id": 6, "name": "Watches", "level": 3, "children_data": []}]},
                {"id": 5, "name": " Sale ", "level": 2, "children_data": []}]}]});
        let mut found = Categories::new();
        add_category(&tree, &[], &mut found);
        assert_eq!(found.get("4"), Some(&("Gear / Bags".to_string(), 2)));
        assert_eq!(found.get("5"), Some(&("Sale".to_string(), 1)));
        assert_eq!(
            found.get("1"),
            None,
            "the roots are not categories of their own"
        );
        assert_eq!(found.get("2"), None);
        let link = |id: serde_json::Value, position: i64| CategoryLink {
            position: Some(position),
            category_id: id,
        };
        // Deepest first; among equals the first by position; ids as text or number; unknown ignored.
        let links = [
            link(json!("5"), 0),
            link(json!(4), 2),
            link(json!("6"), 1),
            link(json!("404"), 0),
        ];
        assert_eq!(
            category_of(&links, &found),
            Some("Gear / Watches".to_string())
        );
        assert_eq!(
            category_of(&[link(json!("5"), 0)], &found),
            Some("Sale".to_string())
        );
        assert_eq!(category_of(&[], &found), None);
    }
}
