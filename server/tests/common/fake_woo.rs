//! A local double of WooCommerce's REST API (`/wp-json/wc/v3`), enough for a sync: the site and
//! its currency, products with variations, orders paged by `Link` headers in order of
//! modification, refunds, country names, price changes, webhooks; HTTP Basic authentication
//! with a consumer key and secret.
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};

pub struct Store {
    /// `key:secret`.
    pub credentials: String,
    pub currency: String,
    pub orders: Vec<Value>,
    pub products: Vec<Value>,
    /// Registered customers (listed newest registration first).
    pub customers: Vec<Value>,
    /// Variations by product id.
    pub variations: Vec<(u64, Vec<Value>)>,
    /// Refunds by order id.
    pub refunds: Vec<(u64, Vec<Value>)>,
    pub page_size: usize,
    /// Prices set: the path's product (or `product/variation`) and the price.
    pub prices: Vec<(String, String)>,
    pub webhooks: Vec<Value>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            credentials: "ck_test:cs_test".into(),
            currency: "GBP".into(),
            orders: Vec::new(),
            products: Vec::new(),
            customers: Vec::new(),
            variations: Vec::new(),
            refunds: Vec::new(),
            page_size: 2,
            prices: Vec::new(),
            webhooks: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct FakeWoo {
    pub addr: std::net::SocketAddr,
    pub store: Arc<Mutex<Store>>,
}

type Shared = State<Arc<Mutex<Store>>>;
type Params = Query<std::collections::HashMap<String, String>>;

impl FakeWoo {
    pub async fn start(store: Store) -> FakeWoo {
        let store = Arc::new(Mutex::new(store));
        let router = Router::new()
            .route("/wp-json/", get(site))
            .route(
                "/wp-json/wc/v3/settings/general/woocommerce_currency",
                get(currency),
            )
            .route("/wp-json/wc/v3/data/countries", get(countries))
            .route("/wp-json/wc/v3/orders", get(orders))
            .route("/wp-json/wc/v3/orders/{id}/refunds", get(refunds))
            .route("/wp-json/wc/v3/products", get(products))
            .route("/wp-json/wc/v3/customers", get(customers))
            .route("/wp-json/wc/v3/products/{id}", put(set_product_price))
            .route("/wp-json/wc/v3/products/{id}/variations", get(variations))
            .route(
                "/wp-json/wc/v3/products/{id}/variations/{variation}",
                put(set_variation_price),
            )
            .route(
                "/wp-json/wc/v3/webhooks",
                get(list_webhooks).post(add_webhook),
            )
            .with_state(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeWoo { addr, store }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store.lock().unwrap())
    }
}

fn authorized(store: &Store, headers: &HeaderMap) -> Option<Response> {
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(&store.credentials)
    );
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    (given != Some(expected.as_str())).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}})),
        )
            .into_response()
    })
}

async fn site(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    authorized(&store, &headers).unwrap_or_else(|| {
        Json(json!({"name": "Woo Goods", "timezone_string": "Europe/London"})).into_response()
    })
}

async fn currency(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    authorized(&store, &headers).unwrap_or_else(|| {
        Json(json!({"id": "woocommerce_currency", "value": store.currency})).into_response()
    })
}

async fn countries(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    authorized(&store, &headers).unwrap_or_else(|| {
        Json(json!([
            {"code": "GB", "name": "United Kingdom (UK)"},
            {"code": "IE", "name": "Ireland"},
            {"code": "DE", "name": "Germany"}
        ]))
        .into_response()
    })
}

/// A page of `items` (by `page`), with `Link: rel="next"` when more follow.
fn paged(
    items: Vec<Value>,
    params: &std::collections::HashMap<String, String>,
    size: usize,
    headers: &HeaderMap,
    path: &str,
) -> Response {
    let page: usize = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let start = ((page - 1) * size).min(items.len());
    let end = (start + size).min(items.len());
    let mut response = Json(Value::Array(items[start..end].to_vec())).into_response();
    let total_pages = items.len().div_ceil(size).max(1);
    response
        .headers_mut()
        .insert("x-wp-totalpages", total_pages.to_string().parse().unwrap());
    if end < items.len() {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let mut query: Vec<String> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "page")
            .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A")))
            .collect();
        query.sort();
        query.push(format!("page={}", page + 1));
        let link = format!("<http://{host}{path}?{}>; rel=\"next\"", query.join("&"));
        response.headers_mut().insert("link", link.parse().unwrap());
    }
    response
}

async fn orders(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    // Listed by modification when asked (the sync always asks).
    let after = params.get("modified_after").cloned();
    let mut items: Vec<Value> = store
        .orders
        .iter()
        .filter(|o| {
            after
                .as_deref()
                .is_none_or(|a| o["date_modified_gmt"].as_str().unwrap() > a)
        })
        .cloned()
        .collect();
    items.sort_by(|a, b| {
        a["date_modified_gmt"]
            .as_str()
            .cmp(&b["date_modified_gmt"].as_str())
    });
    paged(
        items,
        &params,
        store.page_size,
        &headers,
        "/wp-json/wc/v3/orders",
    )
}

async fn products(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    let after = params.get("modified_after").cloned();
    let items: Vec<Value> = store
        .products
        .iter()
        .filter(|p| {
            after
                .as_deref()
                .is_none_or(|a| p["date_modified_gmt"].as_str().unwrap() > a)
        })
        .cloned()
        .collect();
    paged(
        items,
        &params,
        store.page_size,
        &headers,
        "/wp-json/wc/v3/products",
    )
}

async fn customers(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    assert_eq!(
        (
            params.get("orderby").map(String::as_str),
            params.get("order").map(String::as_str)
        ),
        (Some("registered_date"), Some("desc"))
    );
    let mut items = store.customers.clone();
    items.sort_by(|a, b| {
        b["date_created_gmt"]
            .as_str()
            .cmp(&a["date_created_gmt"].as_str())
    });
    paged(
        items,
        &params,
        store.page_size,
        &headers,
        "/wp-json/wc/v3/customers",
    )
}

async fn variations(State(store): Shared, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    let items = store
        .variations
        .iter()
        .find(|(p, _)| *p == id)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Json(Value::Array(items)).into_response()
}

async fn refunds(State(store): Shared, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    let items = store
        .refunds
        .iter()
        .find(|(o, _)| *o == id)
        .map(|(_, r)| r.clone())
        .unwrap_or_default();
    Json(Value::Array(items)).into_response()
}

async fn set_product_price(
    State(store): Shared,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<Value>,
) -> Response {
    let mut store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    let price = body["regular_price"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    store.prices.push((id.to_string(), price.clone()));
    Json(json!({"id": id, "regular_price": price})).into_response()
}

async fn set_variation_price(
    State(store): Shared,
    headers: HeaderMap,
    Path((id, variation)): Path<(u64, u64)>,
    Json(body): Json<Value>,
) -> Response {
    let mut store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    let price = body["regular_price"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    store
        .prices
        .push((format!("{id}/{variation}"), price.clone()));
    Json(json!({"id": variation, "regular_price": price})).into_response()
}

async fn list_webhooks(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    Json(Value::Array(store.webhooks.clone())).into_response()
}

async fn add_webhook(
    State(store): Shared,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut store = store.lock().unwrap();
    if let Some(r) = authorized(&store, &headers) {
        return r;
    }
    store.webhooks.push(body.clone());
    (StatusCode::CREATED, Json(body)).into_response()
}
