//! WooCommerce through its REST API (`/wp-json/wc/v3`, a REST API key's consumer key and secret
//! sent as HTTP Basic authentication over https): the store's name, currency and time zone,
//! products with their variations, and orders with their refunds, paged (`Link: rel="next"`)
//! in order of modification, so that a sync can stop after any page and resume from the last
//! modification time it loaded.
//!
//! An order becomes star-schema rows as a Shopify one does: its lines at what the customer paid
//! (line `total`, after discounts, before tax), each refund an order of its own dated when it
//! was made, a cancellation of what was not refunded as a cancelled order. Orders never paid
//! (`pending`, `failed`, `checkout-draft`, `trash`) are not sales and are left out, counted.
//! Countries are the store's own names for the ISO codes it stores (`/data/countries`).
use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::http::{FetchError, Http, Pager, RetryPolicy};
use super::{country_name, Batch, CustomerRow, ProductRow, ShopInfo};

/// The webhook topics StorePulse registers and handles (`webhook.rs`).
pub const WEBHOOK_TOPICS: &[&str] = &["order.created", "order.updated", "product.updated"];
/// Items per page (the API's maximum).
const PAGE_SIZE: u32 = 100;
/// Order statuses that are not sales: never paid, or deleted.
const NOT_SALES: &[&str] = &["pending", "failed", "checkout-draft", "trash", "auto-draft"];

pub struct Client {
    http: Http,
    /// `https://shop.example` or `https://example.com/shop`, no trailing slash.
    root: String,
}

/// A WooCommerce time: `date_*_gmt` fields are UTC without an offset.
fn gmt(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

fn de_gmt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text.as_deref().and_then(gmt))
}

fn encode_time(t: DateTime<Utc>) -> String {
    percent_encoding::utf8_percent_encode(
        &t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string()
}

impl Client {
    /// `credentials`: `consumer_key:consumer_secret`.
    pub fn new(shop_url: &str, credentials: &str, policy: RetryPolicy) -> Result<Client, String> {
        let basic = format!("Basic {}", STANDARD.encode(credentials.as_bytes()));
        let http = Http::new("WooCommerce", &[("authorization", basic)], policy)?;
        Ok(Client {
            http,
            root: shop_url.trim_end_matches('/').to_string(),
        })
    }

    fn api(&self, path: &str) -> String {
        format!("{}/wp-json/wc/v3/{path}", self.root)
    }

    /// The store's name, currency and time zone; `scopes` holds `read` when the key can read
    /// orders (WooCommerce does not tell a key's permission otherwise).
    pub async fn shop(&self) -> Result<ShopInfo, FetchError> {
        let site = self
            .http
            .get_json(&format!("{}/wp-json/", self.root), "the site")
            .await?;
        let currency = self
            .http
            .get_json(
                &self.api("settings/general/woocommerce_currency"),
                "the store's currency",
            )
            .await?;
        let currency = currency
            .body
            .get("value")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                FetchError::Refused(
                    "the store's currency: WooCommerce's answer has no value; is the URL the WordPress site's?"
                        .into(),
                )
            })?
            .to_string();
        self.http
            .get_json(&self.api("orders?per_page=1"), "reading orders")
            .await?;
        Ok(ShopInfo {
            name: site
                .body
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or("WooCommerce store")
                .to_string(),
            currency,
            timezone: site
                .body
                .get("timezone_string")
                .and_then(|v| v.as_str())
                .filter(|t| !t.is_empty())
                .map(String::from),
            scopes: vec!["read".into()],
        })
    }

    /// ISO country codes to the store's names ("GB" → "United Kingdom").
    pub async fn countries(&self) -> Result<HashMap<String, String>, FetchError> {
        let page = self
            .http
            .get_json(&self.api("data/countries"), "the country names")
            .await?;
        Ok(page
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let code = c.get("code")?.as_str()?.to_string();
                let name = c.get("name")?.as_str()?;
                // "United Kingdom (UK)" → "United Kingdom".
                let name = match name.rfind(" (") {
                    Some(i) if name.ends_with(')') => &name[..i],
                    _ => name,
                };
                Some((code, name.to_string()))
            })
            .collect())
    }

    /// Orders (every status) modified at or after `since`, oldest modification first.
    pub fn orders(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        let mut url = self.api(&format!(
            "orders?per_page={PAGE_SIZE}&orderby=modified&order=asc&dates_are_gmt=true&status=any"
        ));
        if let Some(since) = since {
            url.push_str(&format!("&modified_after={}", encode_time(since)));
        }
        Pager::new(&self.http, &self.root, url, "orders", None)
    }

    /// Products modified at or after `since`.
    pub fn products(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        let mut url = self.api(&format!(
            "products?per_page={PAGE_SIZE}&orderby=id&order=asc&dates_are_gmt=true"
        ));
        if let Some(since) = since {
            url.push_str(&format!("&modified_after={}", encode_time(since)));
        }
        Pager::new(&self.http, &self.root, url, "products", None)
    }

    /// Registered customers, newest registration first (WooCommerce cannot list customers by
    /// modification: a sync reads back to the last registration it loaded).
    pub fn customers(&self) -> Pager<'_> {
        let url = self.api(&format!(
            "customers?per_page={PAGE_SIZE}&orderby=registered_date&order=desc"
        ));
        Pager::new(&self.http, &self.root, url, "customers", None)
    }

    /// A variable product's variations.
    pub fn variations(&self, product: u64) -> Pager<'_> {
        let url = self.api(&format!(
            "products/{product}/variations?per_page={PAGE_SIZE}"
        ));
        Pager::new(&self.http, &self.root, url, "variations", None)
    }

    /// An order's refunds, with their lines.
    pub async fn refunds(&self, order: u64) -> Result<Vec<serde_json::Value>, FetchError> {
        let what = format!("the refunds of order {order}");
        let page = self
            .http
            .get_json(&self.api(&format!("orders/{order}/refunds")), &what)
            .await?;
        page.body
            .as_array()
            .cloned()
            .ok_or_else(|| FetchError::Refused(format!("{what}: not a list")))
    }

    /// Registers a webhook per topic sending to `address`, signed with `secret`; one already
    /// there for the topic and address is left as it is.
    pub async fn register_webhooks(
        &self,
        address: &str,
        secret: &str,
        topics: &[&str],
    ) -> Result<(), FetchError> {
        let held = self
            .http
            .get_json(
                &self.api("webhooks?per_page=100"),
                "the webhooks registered",
            )
            .await?;
        let held: Vec<(String, String)> = held
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| {
                Some((
                    w.get("topic")?.as_str()?.to_string(),
                    w.get("delivery_url")?.as_str()?.to_string(),
                ))
            })
            .collect();
        for topic in topics {
            if held.iter().any(|(t, url)| t == topic && url == address) {
                continue;
            }
            let body = serde_json::json!({
                "name": format!("StorePulse {topic}"),
                "topic": topic,
                "delivery_url": address,
                "secret": secret,
                "status": "active",
            });
            self.http
                .post_json(
                    &self.api("webhooks"),
                    &body,
                    &format!("registering the {topic} webhook"),
                )
                .await?;
        }
        Ok(())
    }

    /// Sets a product's (or a variation's: `product/variation`) regular price; answers it.
    pub async fn set_price(&self, product: &str, price: Decimal) -> Result<String, FetchError> {
        let what = format!("setting the price of product {product}");
        let path = match product.split_once('/') {
            Some((parent, variation)) => format!("products/{parent}/variations/{variation}"),
            None => format!("products/{product}"),
        };
        let body = serde_json::json!({"regular_price": price.round_dp(2).to_string()});
        let page = self.http.put_json(&self.api(&path), &body, &what).await?;
        page.body
            .get("regular_price")
            .and_then(|p| p.as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                FetchError::Refused(format!("{what}: WooCommerce's answer has no price"))
            })
    }
}

#[derive(Deserialize)]
pub struct Product {
    pub id: u64,
    name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock_quantity: Option<i64>,
    #[serde(default)]
    categories: Vec<Named>,
    #[serde(default, deserialize_with = "de_gmt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Variation {
    id: u64,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock_quantity: Option<i64>,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

#[derive(Deserialize)]
struct Attribute {
    #[serde(default)]
    option: String,
}

fn money(text: &str) -> Option<Decimal> {
    text.trim().parse().ok()
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A simple product's row (a variable one is its variations: `add_variations`).
pub fn add_product(batch: &mut Batch, product: &Product) {
    batch.add_product(ProductRow {
        id: product.id.to_string(),
        name: product.name.clone(),
        category: product.categories.first().map(|c| c.name.clone()),
        price: money(&product.price).unwrap_or_default(),
        cost: None,
        stock: product.stock_quantity,
        sku: some(&product.sku),
    });
}

/// A variable product's variations, keyed `product/variation`.
pub fn add_variations(batch: &mut Batch, product: &Product, items: Vec<serde_json::Value>) {
    for item in items {
        let Ok(v) = serde_json::from_value::<Variation>(item) else {
            batch.skipped.push(format!(
                "a variation of product {}: not the shape expected; left out",
                product.id
            ));
            continue;
        };
        let options: Vec<&str> = v.attributes.iter().map(|a| a.option.as_str()).collect();
        batch.add_product(ProductRow {
            id: format!("{}/{}", product.id, v.id),
            name: if options.is_empty() {
                product.name.clone()
            } else {
                format!("{} – {}", product.name, options.join(" / "))
            },
            category: product.categories.first().map(|c| c.name.clone()),
            price: money(&v.price).unwrap_or_default(),
            cost: None,
            stock: v.stock_quantity,
            sku: some(&v.sku),
        });
    }
}

#[derive(Deserialize)]
pub struct Order {
    pub id: u64,
    #[serde(default)]
    number: String,
    status: String,
    currency: String,
    #[serde(default, deserialize_with = "de_gmt")]
    date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de_gmt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    #[serde(default)]
    customer_id: u64,
    #[serde(default)]
    billing: Address,
    #[serde(default)]
    shipping: Address,
    #[serde(default)]
    created_via: String,
    #[serde(default)]
    line_items: Vec<Line>,
    #[serde(default)]
    pub refunds: Vec<RefundRef>,
}

#[derive(Deserialize, Default)]
struct Address {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    country: String,
}

#[derive(Deserialize)]
struct Line {
    id: u64,
    #[serde(default)]
    name: String,
    product_id: u64,
    #[serde(default)]
    variation_id: u64,
    #[serde(default)]
    sku: String,
    quantity: i64,
    /// After discounts, before tax.
    total: String,
    #[serde(default)]
    price: Option<serde_json::Value>,
    #[serde(default)]
    meta_data: Vec<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: serde_json::Value,
}

impl Line {
    /// The order line a refund line refunds (`_refunded_item_id` in its meta).
    fn refunded_item(&self) -> Option<u64> {
        let meta = self
            .meta_data
            .iter()
            .find(|m| m.key == "_refunded_item_id")?;
        match &meta.value {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct Customer {
    id: u64,
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    billing: Address,
    #[serde(default, deserialize_with = "de_gmt")]
    date_created_gmt: Option<DateTime<Utc>>,
}

/// Adds a page of customers (newest registration first). Returns the latest registration among
/// them, and whether the page reached one registered before `since` (so no later page is new).
pub fn add_customers(
    batch: &mut Batch,
    items: Vec<serde_json::Value>,
    since: Option<DateTime<Utc>>,
    countries: &HashMap<String, String>,
) -> (Option<DateTime<Utc>>, bool) {
    let mut latest = None;
    let mut older = false;
    for customer in batch.parse::<Customer>(items, "customer", "id") {
        latest = latest.max(customer.date_created_gmt);
        if let (Some(since), Some(at)) = (since, customer.date_created_gmt) {
            if at < since {
                older = true;
                continue;
            }
        }
        batch.add_customer(CustomerRow::named(
            customer.id.to_string(),
            Some(&customer.first_name),
            Some(&customer.last_name),
            Some(&customer.email),
            country_name(&customer.billing.country, countries),
        ));
    }
    (latest, older)
}

#[derive(Deserialize)]
pub struct RefundRef {
    pub id: u64,
}

#[derive(Deserialize)]
struct Refund {
    id: u64,
    #[serde(default, deserialize_with = "de_gmt")]
    date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    line_items: Vec<Line>,
}

/// The order's product key: its variation (`product/variation`) or its product.
fn product_key(line: &Line) -> String {
    if line.variation_id > 0 {
        format!("{}/{}", line.product_id, line.variation_id)
    } else {
        line.product_id.to_string()
    }
}

/// Parses a page of orders; the ones that are not the shape expected are noted.
pub fn parse_orders(batch: &mut Batch, items: Vec<serde_json::Value>) -> Vec<Order> {
    batch.parse(items, "order", "id")
}

/// Adds one order with its refunds (`refunds`, from `Client::refunds`).
pub fn add_order(
    batch: &mut Batch,
    order: &Order,
    refunds: Vec<serde_json::Value>,
    currency: &str,
    countries: &HashMap<String, String>,
) {
    let label = format!("order #{} (id {})", order.number, order.id);
    let sale = !NOT_SALES.contains(&order.status.as_str());
    let Some(ordered_at) = batch.admit(
        order.id.to_string(),
        order.date_modified_gmt,
        &label,
        sale,
        &order.currency,
        currency,
        order.date_created_gmt,
    ) else {
        return;
    };
    let customer = (order.customer_id > 0).then(|| {
        let b = &order.billing;
        batch.add_customer(CustomerRow::named(
            order.customer_id.to_string(),
            Some(&b.first_name),
            Some(&b.last_name),
            Some(&b.email),
            country_name(&b.country, countries),
        ));
        order.customer_id.to_string()
    });
    let country = country_name(&order.billing.country, countries)
        .or_else(|| country_name(&order.shipping.country, countries));
    let rows = super::OrderLines {
        customer,
        channel: some(&order.created_via),
        country,
    };
    let key = order.id.to_string();
    for line in order.line_items.iter().filter(|l| l.quantity > 0) {
        let product = line_product(batch, line);
        let paid = money(&line.total).unwrap_or_default();
        rows.push(
            batch,
            &key,
            line.id,
            &product,
            paid,
            line.quantity,
            ordered_at,
            "completed",
        );
    }
    let mut refunded: HashMap<u64, i64> = HashMap::new();
    for item in refunds {
        let Ok(refund) = serde_json::from_value::<Refund>(item) else {
            batch.skipped.push(format!(
                "{label}: a refund is not the shape expected; left out"
            ));
            continue;
        };
        let at = refund.date_created_gmt.unwrap_or(ordered_at);
        let refund_key = format!("{}/refund/{}", order.id, refund.id);
        let lines: Vec<&Line> = refund
            .line_items
            .iter()
            .filter(|l| l.quantity < 0)
            .collect();
        if lines.is_empty() {
            batch.skipped.push(format!(
                "{label}: refund {} of {} names no items, so no product can be charged with it; left out",
                refund.id, refund.amount
            ));
            continue;
        }
        for line in lines {
            let quantity = -line.quantity;
            // The order line refunded: the one the refund line names in its meta, else (an older
            // refund without it) the first of the same product.
            let original = match line.refunded_item() {
                Some(item) => order.line_items.iter().find(|l| l.id == item),
                None => order.line_items.iter().find(|l| {
                    l.product_id == line.product_id && l.variation_id == line.variation_id
                }),
            };
            if let Some(original) = original {
                *refunded.entry(original.id).or_default() += quantity;
            }
            let product = line_product(batch, line);
            let amount = money(&line.total).unwrap_or_default();
            rows.push(
                batch,
                &refund_key,
                line.id,
                &product,
                amount,
                -quantity,
                at,
                "completed",
            );
        }
    }
    if order.status == "cancelled" {
        let at = order.date_modified_gmt.unwrap_or(ordered_at);
        let cancel_key = format!("{}/cancellation", order.id);
        for line in order.line_items.iter().filter(|l| l.quantity > 0) {
            let left = line.quantity - refunded.get(&line.id).copied().unwrap_or(0);
            if left <= 0 {
                continue;
            }
            let product = line_product(batch, line);
            let paid = (money(&line.total).unwrap_or_default() * Decimal::from(left)
                / Decimal::from(line.quantity))
            .round_dp(2);
            rows.push(
                batch,
                &cancel_key,
                line.id,
                &product,
                paid,
                left,
                at,
                "cancelled",
            );
        }
    }
}

/// A line's product, added from the line when StorePulse does not know it (a deleted product).
fn line_product(batch: &mut Batch, line: &Line) -> String {
    let key = product_key(line);
    let price = line
        .price
        .as_ref()
        .and_then(|p| match p {
            serde_json::Value::Number(n) => n.to_string().parse().ok(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .unwrap_or_default();
    batch.line_product(ProductRow {
        id: key.clone(),
        name: some(&line.name).unwrap_or_else(|| format!("Product {}", line.product_id)),
        category: None,
        price,
        cost: None,
        stock: None,
        sku: some(&line.sku),
    });
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmt_times_are_utc_without_an_offset() {
        assert_eq!(
            gmt("2026-06-15T10:00:00").map(|t| t.to_rfc3339()),
            Some("2026-06-15T10:00:00+00:00".to_string())
        );
        assert_eq!(gmt("15/06/2026"), None);
    }

    /// A cancelled order with two lines of one product, the second refunded: the cancellation
    /// is what the first line sold, as the refund line's `_refunded_item_id` says (matched by
    /// product, the refund would be charged to the first line and the second cancelled too).
    #[test]
    fn a_refund_line_is_charged_to_the_order_line_it_names() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "id": 9, "number": "9", "status": "cancelled", "currency": "GBP",
            "date_created_gmt": "2026-11-02T10:00:00", "date_modified_gmt": "2026-11-04T10:00:00",
            "line_items": [
                {"id": 1, "product_id": 11, "quantity": 1, "total": "10.00"},
                {"id": 2, "product_id": 11, "quantity": 2, "total": "16.00"}
            ],
            "refunds": [{"id": 5}]
        }))
        .unwrap();
        let refund = serde_json::json!({"id": 5, "date_created_gmt": "2026-11-03T10:00:00", "amount": "16.00",
            "line_items": [{"id": 50, "product_id": 11, "quantity": -2, "total": "-16.00",
                            "meta_data": [{"id": 1, "key": "_refunded_item_id", "value": "2"}]}]});
        let mut batch = Batch::default();
        add_order(&mut batch, &order, vec![refund], "GBP", &HashMap::new());
        let rows: Vec<(&str, &str, i64, String)> = batch
            .sales
            .iter()
            .map(|r| {
                (
                    r.order_id.as_str(),
                    r.transaction_id.as_str(),
                    r.quantity,
                    r.price.to_string(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("9", "1", 1, "10.00".to_string()),
                ("9", "2", 2, "8.00".to_string()),
                ("9/refund/5", "50", -2, "8.00".to_string()),
                ("9/cancellation", "1", 1, "10.00".to_string()),
            ]
        );
    }
}
