//! Shopify through its REST Admin API (a custom app's Admin API access token): the shop and the
//! token's scopes, products with their variants, and orders with their refunds, paged by
//! cursor (`Link: <…page_info=…>; rel="next"`) and ordered by `updated_at`, so that a sync can
//! stop after any page and resume from the last `updated_at` it loaded.
//!
//! Money is the shop's (`shop_money`, never the customer's presentment currency). An order
//! becomes star-schema rows: the order's lines at what the customer paid for them (after line
//! discounts), each refund an order of its own dated when it was made, holding the refunded
//! units as returns, and a cancellation of what was not refunded as a cancelled order on the day
//! of the cancellation.
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::http::{FetchError, Http, Pager, RetryPolicy};
use super::{Batch, ShopInfo};

/// The Admin API version this client speaks (a stable version, supported for a year).
pub const API_VERSION: &str = "2025-01";
/// The webhook topics StorePulse registers and handles (`webhook.rs`).
pub const WEBHOOK_TOPICS: &[&str] = &[
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "refunds/create",
    "products/update",
    "inventory_levels/update",
];
/// Orders or products per page (Shopify's maximum).
const PAGE_SIZE: u32 = 250;

pub struct Client {
    http: Http,
    /// `https://{shop}.myshopify.com`, no trailing slash.
    root: String,
}

impl Client {
    pub fn new(shop_url: &str, token: &str, policy: RetryPolicy) -> Result<Client, String> {
        let http = Http::new(
            "Shopify",
            &[("x-shopify-access-token", token.to_string())],
            policy,
        )?;
        Ok(Client {
            http,
            root: shop_url.trim_end_matches('/').to_string(),
        })
    }

    fn api(&self, path: &str) -> String {
        format!("{}/admin/api/{API_VERSION}/{path}", self.root)
    }

    /// The shop's name, currency and time zone, and the scopes the token carries.
    pub async fn shop(&self) -> Result<ShopInfo, FetchError> {
        let shop = self
            .http
            .get_json(&self.api("shop.json"), "the shop")
            .await?;
        let shop: ShopBody = serde_json::from_value(shop.body).map_err(|e| {
            FetchError::Refused(format!("the shop: Shopify's answer is not a shop ({e})"))
        })?;
        let scopes = self
            .http
            .get_json(
                &format!("{}/admin/oauth/access_scopes.json", self.root),
                "the token's scopes",
            )
            .await?;
        let scopes: ScopesBody = serde_json::from_value(scopes.body).map_err(|e| {
            FetchError::Refused(format!("the token's scopes: unexpected answer ({e})"))
        })?;
        Ok(ShopInfo {
            name: shop.shop.name,
            currency: shop.shop.currency,
            timezone: shop.shop.iana_timezone,
            scopes: scopes.access_scopes.into_iter().map(|s| s.handle).collect(),
        })
    }

    /// One order, with its refunds.
    pub async fn order(&self, id: u64) -> Result<serde_json::Value, FetchError> {
        let what = format!("order {id}");
        let page = self
            .http
            .get_json(&self.api(&format!("orders/{id}.json")), &what)
            .await?;
        page.body
            .get("order")
            .cloned()
            .ok_or_else(|| FetchError::Refused(format!("{what}: Shopify's answer has no order")))
    }

    /// The unit costs of inventory items (100 per call; items without a cost are left out).
    pub async fn unit_costs(
        &self,
        items: &[u64],
    ) -> Result<std::collections::HashMap<u64, Decimal>, FetchError> {
        #[derive(Deserialize)]
        struct Items {
            inventory_items: Vec<Item>,
        }
        #[derive(Deserialize)]
        struct Item {
            id: u64,
            #[serde(default)]
            cost: Option<Decimal>,
        }
        let mut costs = std::collections::HashMap::new();
        for (n, chunk) in items.chunks(100).enumerate() {
            let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let what = format!("unit costs page {}", n + 1);
            let page = self
                .http
                .get_json(
                    &self.api(&format!(
                        "inventory_items.json?limit=100&ids={}",
                        ids.join(",")
                    )),
                    &what,
                )
                .await?;
            let found: Items = serde_json::from_value(page.body).map_err(|e| {
                FetchError::Refused(format!(
                    "{what}: Shopify's answer is not a list of inventory items ({e})"
                ))
            })?;
            costs.extend(
                found
                    .inventory_items
                    .into_iter()
                    .filter_map(|i| Some((i.id, i.cost?))),
            );
        }
        Ok(costs)
    }

    /// Sets a variant's price; answers the price Shopify holds afterwards.
    pub async fn set_variant_price(
        &self,
        variant: &str,
        price: Decimal,
    ) -> Result<String, FetchError> {
        let what = format!("setting the price of variant {variant}");
        let id: u64 = variant.parse().map_err(|_| {
            FetchError::Refused(format!("{what}: '{variant}' is not a Shopify variant id (a product met only on old orders)"))
        })?;
        let body =
            serde_json::json!({"variant": {"id": id, "price": price.round_dp(2).to_string()}});
        let page = self
            .http
            .put_json(&self.api(&format!("variants/{id}.json")), &body, &what)
            .await?;
        page.body
            .pointer("/variant/price")
            .and_then(|p| p.as_str())
            .map(str::to_string)
            .ok_or_else(|| FetchError::Refused(format!("{what}: Shopify's answer has no price")))
    }

    /// Registers a webhook for each of `topics` that sends to `address` (one already registered
    /// for the topic and address is taken as done).
    pub async fn register_webhooks(
        &self,
        address: &str,
        topics: &[&str],
    ) -> Result<(), FetchError> {
        for topic in topics {
            let what = format!("registering the {topic} webhook");
            let body = serde_json::json!({"webhook": {"topic": topic, "address": address, "format": "json"}});
            match self
                .http
                .post_json(&self.api("webhooks.json"), &body, &what)
                .await
            {
                Ok(_) => {}
                // Shopify answers 422 "address for this topic has already been taken".
                Err(FetchError::Refused(text)) if text.contains("already been taken") => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Orders (any status) updated at or after `since`, oldest update first.
    pub fn orders(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        let mut url = self.api(&format!(
            "orders.json?status=any&limit={PAGE_SIZE}&order=updated_at%20asc"
        ));
        if let Some(since) = since {
            url.push_str(&format!("&updated_at_min={}", encode_time(since)));
        }
        Pager::new(&self.http, &self.root, url, "orders", Some("orders"))
    }

    /// Customers updated at or after `since` (scope read_customers).
    pub fn customers(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        let mut url = self.api(&format!("customers.json?limit={PAGE_SIZE}"));
        if let Some(since) = since {
            url.push_str(&format!("&updated_at_min={}", encode_time(since)));
        }
        Pager::new(&self.http, &self.root, url, "customers", Some("customers"))
    }

    /// Products updated at or after `since`, oldest update first.
    pub fn products(&self, since: Option<DateTime<Utc>>) -> Pager<'_> {
        let mut url = self.api(&format!(
            "products.json?limit={PAGE_SIZE}&order=updated_at%20asc"
        ));
        if let Some(since) = since {
            url.push_str(&format!("&updated_at_min={}", encode_time(since)));
        }
        Pager::new(&self.http, &self.root, url, "products", Some("products"))
    }
}

fn encode_time(t: DateTime<Utc>) -> String {
    percent_encoding::utf8_percent_encode(
        &t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string()
}

#[derive(Deserialize)]
struct ShopBody {
    shop: ShopFields,
}

#[derive(Deserialize)]
struct ShopFields {
    name: String,
    currency: String,
    #[serde(default)]
    iana_timezone: Option<String>,
}

#[derive(Deserialize)]
struct ScopesBody {
    access_scopes: Vec<Scope>,
}

#[derive(Deserialize)]
struct Scope {
    handle: String,
}

/// Amounts as Shopify writes them: decimal strings.
#[derive(Deserialize, Default, Clone)]
struct MoneySet {
    shop_money: Money,
}

#[derive(Deserialize, Default, Clone)]
struct Money {
    amount: Decimal,
    currency_code: String,
}

#[derive(Deserialize)]
pub struct Order {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    processed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    test: bool,
    #[serde(default)]
    source_name: Option<String>,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    billing_address: Option<Address>,
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default)]
    line_items: Vec<LineItem>,
    #[serde(default)]
    refunds: Vec<Refund>,
}

#[derive(Deserialize)]
struct Customer {
    id: u64,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    default_address: Option<Address>,
}

#[derive(Deserialize)]
struct Address {
    #[serde(default)]
    country: Option<String>,
}

#[derive(Deserialize)]
struct LineItem {
    id: u64,
    #[serde(default)]
    variant_id: Option<u64>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    variant_title: Option<String>,
    quantity: i64,
    /// The units still on the order: `quantity` less the units refunded and the units an order
    /// edit removed (API 2024-01 on).
    #[serde(default)]
    current_quantity: Option<i64>,
    price_set: MoneySet,
    #[serde(default)]
    discount_allocations: Vec<DiscountAllocation>,
}

#[derive(Deserialize)]
struct DiscountAllocation {
    amount_set: MoneySet,
}

#[derive(Deserialize)]
struct Refund {
    id: u64,
    created_at: DateTime<Utc>,
    #[serde(default)]
    refund_line_items: Vec<RefundLineItem>,
}

#[derive(Deserialize)]
struct RefundLineItem {
    id: u64,
    line_item_id: u64,
    quantity: i64,
    subtotal_set: MoneySet,
}

#[derive(Deserialize)]
struct Product {
    title: String,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    product_type: Option<String>,
    #[serde(default)]
    variants: Vec<Variant>,
}

#[derive(Deserialize)]
struct Variant {
    id: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    price: Decimal,
    #[serde(default)]
    inventory_quantity: Option<i64>,
    #[serde(default)]
    inventory_item_id: Option<u64>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// "T-shirt – Blue / M" (Shopify calls a product without options' variant "Default Title").
fn variant_name(product: &str, variant: &Option<String>) -> String {
    match non_empty(variant) {
        Some(v) if v != "Default Title" => format!("{product} – {v}"),
        _ => product.to_string(),
    }
}

/// Adds a page of products: one product row per variant, keyed by the variant id. Returns the
/// latest `updated_at` among them.
pub fn add_products(batch: &mut Batch, items: Vec<serde_json::Value>) -> Option<DateTime<Utc>> {
    let mut latest = None;
    for product in batch.parse::<Product>(items, "product", "id") {
        latest = latest.max(product.updated_at);
        for v in &product.variants {
            batch.add_product(super::ProductRow {
                id: v.id.to_string(),
                name: variant_name(&product.title, &v.title),
                category: non_empty(&product.product_type).map(String::from),
                price: v.price,
                cost: None,
                stock: v.inventory_quantity,
                sku: non_empty(&v.sku).map(String::from),
            });
            if let Some(item) = v.inventory_item_id {
                batch.cost_items.push((v.id.to_string(), item));
            }
        }
    }
    latest
}

/// A customer's row: name, e-mail and the country of their default address.
fn customer_row(c: &Customer) -> super::CustomerRow {
    super::CustomerRow::named(
        c.id.to_string(),
        c.first_name.as_deref(),
        c.last_name.as_deref(),
        c.email.as_deref(),
        c.default_address
            .as_ref()
            .and_then(|a| non_empty(&a.country))
            .map(String::from),
    )
}

/// Adds a page of customers. Returns the latest `updated_at` among them.
pub fn add_customers(batch: &mut Batch, items: Vec<serde_json::Value>) -> Option<DateTime<Utc>> {
    let mut latest = None;
    for customer in batch.parse::<Customer>(items, "customer", "id") {
        latest = latest.max(customer.updated_at);
        batch.add_customer(customer_row(&customer));
    }
    latest
}

/// Adds a page of orders. Returns the latest `updated_at` among them.
pub fn add_orders(
    batch: &mut Batch,
    items: Vec<serde_json::Value>,
    currency: &str,
) -> Option<DateTime<Utc>> {
    let mut latest = None;
    for order in batch.parse::<Order>(items, "order", "id") {
        latest = latest.max(Some(order.updated_at));
        batch.orders += 1;
        batch
            .versions
            .push((order.id.to_string(), order.updated_at));
        add_order(batch, &order, currency);
    }
    latest
}

/// What the customer paid for a line: its units at the shop's price, less the line's discounts.
fn line_paid(line: &LineItem) -> Decimal {
    let discount: Decimal = line
        .discount_allocations
        .iter()
        .map(|d| d.amount_set.shop_money.amount)
        .sum();
    line.price_set.shop_money.amount * Decimal::from(line.quantity) - discount
}

/// The units of a line that were sold: all of them, less those an order edit removed. An edit's
/// removal leaves `quantity` as ordered and lowers `current_quantity`, which also leaves out the
/// units refunded (returned by their refunds, so still sold); what is neither is removed. A
/// cancelled order's units are all sold, and what was not refunded is cancelled.
fn units_sold(order: &Order, line: &LineItem, refunded: i64) -> i64 {
    match line.current_quantity {
        Some(current) if order.cancelled_at.is_none() => {
            (current.max(0) + refunded).clamp(0, line.quantity)
        }
        _ => line.quantity,
    }
}

/// What the customer paid for `units` of a line's units (its discounts shared pro rata).
fn paid_for(line: &LineItem, units: i64) -> Decimal {
    if units == line.quantity {
        line_paid(line)
    } else {
        (line_paid(line) * Decimal::from(units) / Decimal::from(line.quantity)).round_dp(2)
    }
}

fn add_order(batch: &mut Batch, order: &Order, currency: &str) {
    let label = order
        .name
        .clone()
        .map(|n| format!("order {n} (id {})", order.id))
        .unwrap_or_else(|| format!("order {}", order.id));
    if order.test {
        batch.test_orders += 1;
        return;
    }
    // Shop money only, and only in the store's currency: never mixed.
    let foreign = order
        .line_items
        .iter()
        .map(|l| &l.price_set.shop_money.currency_code)
        .chain(order.refunds.iter().flat_map(|r| {
            r.refund_line_items
                .iter()
                .map(|l| &l.subtotal_set.shop_money.currency_code)
        }))
        .find(|c| !c.eq_ignore_ascii_case(currency));
    if let Some(foreign) = foreign {
        batch.skipped.push(format!(
            "{label}: its amounts are in {foreign}, the store's currency is {currency}; left out"
        ));
        return;
    }
    let customer = order.customer.as_ref().map(|c| {
        batch.add_customer(customer_row(c));
        c.id.to_string()
    });
    let country = [&order.billing_address, &order.shipping_address]
        .into_iter()
        .flatten()
        .find_map(|a| non_empty(&a.country))
        .map(String::from);
    let channel = non_empty(&order.source_name).map(|s| match s {
        "shopify_draft_order" => "draft order".to_string(),
        other => other.to_string(),
    });
    let ordered_at = order.processed_at.unwrap_or(order.created_at);
    let order_key = order.id.to_string();
    let lines = super::OrderLines {
        customer,
        channel,
        country,
    };
    let mut refunded: std::collections::HashMap<u64, i64> = Default::default();
    for refund in &order.refunds {
        for r in &refund.refund_line_items {
            *refunded.entry(r.line_item_id).or_default() += r.quantity;
        }
    }
    for line in &order.line_items {
        let sold = units_sold(order, line, refunded.get(&line.id).copied().unwrap_or(0));
        if sold <= 0 {
            continue;
        }
        let product = product_of(batch, line);
        lines.push(
            batch,
            &order_key,
            line.id,
            &product,
            paid_for(line, sold),
            sold,
            ordered_at,
            "completed",
        );
    }
    for refund in &order.refunds {
        let key = format!("{}/refund/{}", order.id, refund.id);
        for r in &refund.refund_line_items {
            if r.quantity <= 0 {
                continue;
            }
            let Some(line) = order.line_items.iter().find(|l| l.id == r.line_item_id) else {
                batch.skipped.push(format!(
                    "{label}: refund {} names line item {}, which the order does not have; refund line left out",
                    refund.id, r.line_item_id
                ));
                continue;
            };
            let product = product_of(batch, line);
            let amount = r.subtotal_set.shop_money.amount;
            lines.push(
                batch,
                &key,
                r.id,
                &product,
                amount,
                -r.quantity,
                refund.created_at,
                "completed",
            );
        }
    }
    if let Some(cancelled_at) = order.cancelled_at {
        // What was cancelled and not refunded (an unpaid order voided, say) is returned on the
        // day of the cancellation, at the price paid.
        let key = format!("{}/cancellation", order.id);
        for line in &order.line_items {
            let refunded = refunded.get(&line.id).copied().unwrap_or(0);
            let left = units_sold(order, line, refunded) - refunded;
            if left <= 0 {
                continue;
            }
            let product = product_of(batch, line);
            lines.push(
                batch,
                &key,
                line.id,
                &product,
                paid_for(line, left),
                left,
                cancelled_at,
                "cancelled",
            );
        }
    }
}

/// A line's product key: its variant, or (a custom item, or a variant deleted since) its SKU or
/// title. A product not known yet is added from the line.
fn product_of(batch: &mut Batch, line: &LineItem) -> String {
    let title = non_empty(&line.title).unwrap_or("Untitled item");
    let id = match (line.variant_id, non_empty(&line.sku)) {
        (Some(v), _) => v.to_string(),
        (None, Some(sku)) => format!("sku:{sku}"),
        (None, None) => format!("item:{title}"),
    };
    batch.line_product(super::ProductRow {
        id: id.clone(),
        name: variant_name(title, &line.variant_title),
        category: None,
        price: line.price_set.shop_money.amount,
        cost: None,
        stock: None,
        sku: non_empty(&line.sku).map(String::from),
    });
    id
}

#[cfg(test)]
mod tests {
    use super::super::split_to_cents;
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_total_splits_into_whole_cents_that_add_up() {
        assert_eq!(
            split_to_cents(dec!(10.00), 3),
            vec![(2, dec!(3.33)), (1, dec!(3.34))]
        );
        assert_eq!(split_to_cents(dec!(9.00), 3), vec![(3, dec!(3.00))]);
        assert_eq!(split_to_cents(dec!(0), 2), vec![(2, dec!(0))]);
        for (total, q) in [(dec!(17.99), 7), (dec!(0.05), 9), (dec!(1234.56), 100)] {
            let parts = split_to_cents(total, q);
            let sum: Decimal = parts.iter().map(|(n, p)| Decimal::from(*n) * p).sum();
            assert_eq!(sum, total, "{total} / {q}: {parts:?}");
            assert_eq!(parts.iter().map(|(n, _)| n).sum::<i64>(), q);
        }
        assert!(split_to_cents(dec!(5), 0).is_empty());
    }
}
