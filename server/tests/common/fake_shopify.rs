//! A local double of Shopify's REST Admin API, enough for a sync: the shop, the token's scopes,
//! products and orders paged by `Link` headers in `updated_at` order, the access-token check,
//! and faults on demand (429 with Retry-After, 5xx on a page, a changed token).
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub struct Shop {
    pub token: String,
    pub currency: String,
    pub scopes: Vec<String>,
    pub orders: Vec<Value>,
    pub products: Vec<Value>,
    /// The shop's customers (`customers.json`; 403 without `read_customers`).
    pub customers: Vec<Value>,
    /// Items per page, whatever the client asks (small, to exercise paging).
    pub page_size: usize,
    /// How long each orders page takes to answer (a slow shop).
    pub page_delay_ms: u64,
    /// Answers to give before any real one (429 comes with `Retry-After: 0.2`).
    pub faults: VecDeque<u16>,
    /// Orders pages (1-based) that answer 500 every time.
    pub broken_order_pages: Vec<usize>,
    /// Orders pages (1-based) whose body is not JSON.
    pub garbled_order_pages: Vec<usize>,
    /// Every request's path and query, in order.
    pub requests: Vec<String>,
    /// Webhooks registered (`POST webhooks.json` bodies).
    pub webhooks: Vec<Value>,
    /// Prices set (`PUT variants/{id}.json`): variant id and price.
    pub prices: Vec<(u64, String)>,
    /// Refuse price changes as a token without `write_products` is refused.
    pub read_only: bool,
    /// Unit costs by inventory item id.
    pub costs: Vec<(u64, String)>,
}

impl Default for Shop {
    fn default() -> Self {
        Shop {
            token: "shpat_test_token_1".into(),
            currency: "GBP".into(),
            scopes: [
                "read_orders",
                "read_all_orders",
                "read_products",
                "read_customers",
                "read_inventory",
            ]
            .map(String::from)
            .to_vec(),
            orders: Vec::new(),
            products: Vec::new(),
            customers: Vec::new(),
            page_size: 2,
            page_delay_ms: 0,
            faults: VecDeque::new(),
            broken_order_pages: Vec::new(),
            garbled_order_pages: Vec::new(),
            requests: Vec::new(),
            webhooks: Vec::new(),
            prices: Vec::new(),
            read_only: false,
            costs: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct FakeShopify {
    pub addr: SocketAddr,
    pub shop: Arc<Mutex<Shop>>,
}

impl FakeShopify {
    pub async fn start(shop: Shop) -> FakeShopify {
        let shop = Arc::new(Mutex::new(shop));
        let router = Router::new()
            .route("/admin/api/2025-01/shop.json", get(shop_json))
            .route("/admin/oauth/access_scopes.json", get(scopes))
            .route("/admin/api/2025-01/orders.json", get(orders))
            .route("/admin/api/2025-01/products.json", get(products))
            .route("/admin/api/2025-01/customers.json", get(customers))
            .route("/admin/api/2025-01/orders/{file}", get(one_order))
            .route(
                "/admin/api/2025-01/inventory_items.json",
                get(inventory_items),
            )
            .route(
                "/admin/api/2025-01/variants/{file}",
                axum::routing::put(set_price),
            )
            .route(
                "/admin/api/2025-01/webhooks.json",
                axum::routing::post(register_webhook),
            )
            .with_state(shop.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeShopify { addr, shop }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Shop) -> T) -> T {
        f(&mut self.shop.lock().unwrap())
    }
}

type Params = Query<std::collections::HashMap<String, String>>;

/// `GET orders/{id}.json`.
async fn one_order(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let mut shop = shop.lock().unwrap();
    if let Some(r) = gate(&mut shop, &headers, &format!("orders/{file}")) {
        return r;
    }
    let id: u64 = file.trim_end_matches(".json").parse().unwrap_or(0);
    match shop.orders.iter().find(|o| o["id"] == id) {
        Some(order) => Json(json!({"order": order})).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"errors": "Not Found"}))).into_response(),
    }
}

/// `GET inventory_items.json?ids=…`: unit costs; 403 without `read_inventory`.
async fn inventory_items(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let mut shop = shop.lock().unwrap();
    if let Some(r) = gate(&mut shop, &headers, "inventory_items.json") {
        return r;
    }
    if !shop.scopes.iter().any(|s| s == "read_inventory") {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"errors": "[API] This action requires merchant approval for read_inventory scope."})),
        )
            .into_response();
    }
    let ids: Vec<u64> = params
        .get("ids")
        .map(|ids| ids.split(',').filter_map(|i| i.parse().ok()).collect())
        .unwrap_or_default();
    let items: Vec<Value> = shop
        .costs
        .iter()
        .filter(|(id, _)| ids.contains(id))
        .map(|(id, cost)| json!({"id": id, "cost": cost, "tracked": true}))
        .collect();
    Json(json!({"inventory_items": items})).into_response()
}

/// `PUT variants/{id}.json`: a variant's new price.
async fn set_price(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut shop = shop.lock().unwrap();
    if let Some(r) = gate(&mut shop, &headers, &format!("variants/{file} (put)")) {
        return r;
    }
    if shop.read_only {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"errors": "[API] This action requires merchant approval for write_products scope."})),
        )
            .into_response();
    }
    let id: u64 = file.trim_end_matches(".json").parse().unwrap_or(0);
    let price = body["variant"]["price"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    shop.prices.push((id, price.clone()));
    Json(json!({"variant": {"id": id, "price": price}})).into_response()
}

/// `POST webhooks.json`: one webhook per topic and address, as Shopify allows.
async fn register_webhook(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut shop = shop.lock().unwrap();
    if let Some(r) = gate(&mut shop, &headers, "webhooks.json (post)") {
        return r;
    }
    let hook = body["webhook"].clone();
    if shop
        .webhooks
        .iter()
        .any(|w| w["topic"] == hook["topic"] && w["address"] == hook["address"])
    {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errors": {"address": ["for this topic has already been taken"]}})),
        )
            .into_response();
    }
    shop.webhooks.push(hook.clone());
    (StatusCode::CREATED, Json(json!({"webhook": hook}))).into_response()
}

/// The token check and the queued faults, shared by every route.
fn gate(shop: &mut Shop, headers: &HeaderMap, what: &str) -> Option<Response> {
    shop.requests.push(what.to_string());
    if let Some(status) = shop.faults.pop_front() {
        let status = StatusCode::from_u16(status).unwrap();
        let mut response = (status, Json(json!({"errors": "fault on demand"}))).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", "0.2".parse().unwrap());
        }
        return Some(response);
    }
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(shop.token.as_str()) {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})),
            )
                .into_response(),
        );
    }
    None
}

async fn shop_json(State(shop): State<Arc<Mutex<Shop>>>, headers: HeaderMap) -> Response {
    let mut shop = shop.lock().unwrap();
    if let Some(r) = gate(&mut shop, &headers, "shop.json") {
        return r;
    }
    Json(json!({"shop": {"name": "Fake Goods", "currency": shop.currency, "iana_timezone": "Europe/London"}}))
        .into_response()
}

async fn scopes(State(shop): State<Arc<Mutex<Shop>>>, headers: HeaderMap) -> Response {
    let mut shop = shop.lock().unwrap();
    if let Some(r) = gate(&mut shop, &headers, "access_scopes.json") {
        return r;
    }
    let scopes: Vec<Value> = shop.scopes.iter().map(|s| json!({"handle": s})).collect();
    Json(json!({"access_scopes": scopes})).into_response()
}

async fn orders(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    listing(shop, headers, params, "orders").await
}

async fn products(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    listing(shop, headers, params, "products").await
}

async fn customers(
    State(shop): State<Arc<Mutex<Shop>>>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    listing(shop, headers, params, "customers").await
}

/// A page of `orders`, `products` or `customers`, oldest update first; `page_info` carries the offset and the
/// `updated_at_min` of the first request (Shopify's is opaque; so is this one to the client).
async fn listing(
    shop: Arc<Mutex<Shop>>,
    headers: HeaderMap,
    Query(params): Params,
    what: &str,
) -> Response {
    let delay = shop.lock().unwrap().page_delay_ms;
    if what == "orders" && delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let mut shop = shop.lock().unwrap();
    let query: Vec<String> = {
        let mut q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        q.sort();
        q
    };
    if let Some(r) = gate(
        &mut shop,
        &headers,
        &format!("{what}.json?{}", query.join("&")),
    ) {
        return r;
    }
    let (offset, since) = match params.get("page_info") {
        Some(info) => {
            // Shopify refuses filters beside page_info.
            if params.contains_key("updated_at_min") || params.contains_key("status") {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"errors": "page_info must be the only filter"})),
                )
                    .into_response();
            }
            let (offset, since) = info.split_once('~').unwrap();
            (
                offset.parse::<usize>().unwrap(),
                (!since.is_empty()).then(|| since.to_string()),
            )
        }
        None => {
            if what != "customers" {
                assert_eq!(
                    params.get("order").map(String::as_str),
                    Some("updated_at asc")
                );
            }
            (0, params.get("updated_at_min").cloned())
        }
    };
    let page = offset / shop.page_size + 1;
    if what == "orders" && shop.broken_order_pages.contains(&page) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"errors": "Internal Server Error"})),
        )
            .into_response();
    }
    if what == "orders" && shop.garbled_order_pages.contains(&page) {
        let cut_short = "{\"orders\": [{\"id\": 1";
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            cut_short,
        )
            .into_response();
    }
    if what == "customers" && !shop.scopes.iter().any(|s| s == "read_customers") {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"errors": "[API] This action requires merchant approval for read_customers scope."})),
        )
            .into_response();
    }
    let all = match what {
        "orders" => &shop.orders,
        "customers" => &shop.customers,
        _ => &shop.products,
    };
    let since = since.map(|s| chrono::DateTime::parse_from_rfc3339(&s).unwrap());
    let mut items: Vec<&Value> = all
        .iter()
        .filter(|o| {
            since.is_none_or(|s| {
                chrono::DateTime::parse_from_rfc3339(o["updated_at"].as_str().unwrap()).unwrap()
                    >= s
            })
        })
        .collect();
    items.sort_by_key(|o| {
        chrono::DateTime::parse_from_rfc3339(o["updated_at"].as_str().unwrap()).unwrap()
    });
    let end = (offset + shop.page_size).min(items.len());
    let body = json!({ what: items[offset.min(end)..end] });
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert("x-shopify-shop-api-call-limit", "3/40".parse().unwrap());
    if end < items.len() {
        let since = since.map(|s| s.to_rfc3339()).unwrap_or_default();
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let info: String = percent_encode(&format!("{end}~{since}"));
        let link = format!("<http://{host}/admin/api/2025-01/{what}.json?limit=250&page_info={info}>; rel=\"next\"");
        response.headers_mut().insert("link", link.parse().unwrap());
    }
    response
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
