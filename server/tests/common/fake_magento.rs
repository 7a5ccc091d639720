//! A local double of Magento 2's REST API (`/rest/V1`), enough for a sync: store settings and
//! views, products and orders paged by `searchCriteria` (filtered and sorted by `updated_at`,
//! `total_count`), credit memos, country names and price changes; a bearer token.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};

pub struct Store {
    pub token: String,
    pub currency: String,
    pub orders: Vec<Value>,
    pub products: Vec<Value>,
    pub customers: Vec<Value>,
    /// The category tree (`GET categories`), or `Null`: 403 as to an integration without the
    /// Categories resource.
    pub categories: Value,
    /// Credit memos (each with its `order_id`).
    pub memos: Vec<Value>,
    /// Prices set: SKU and price.
    pub prices: Vec<(String, f64)>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            token: "mage_token".into(),
            currency: "GBP".into(),
            orders: Vec::new(),
            products: Vec::new(),
            customers: Vec::new(),
            categories: Value::Null,
            memos: Vec::new(),
            prices: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct FakeMagento {
    pub addr: std::net::SocketAddr,
    pub store: Arc<Mutex<Store>>,
}

type Shared = State<Arc<Mutex<Store>>>;
type Params = Query<HashMap<String, String>>;

impl FakeMagento {
    pub async fn start(store: Store) -> FakeMagento {
        let store = Arc::new(Mutex::new(store));
        let router = Router::new()
            .route("/rest/V1/store/storeConfigs", get(configs))
            .route("/rest/V1/store/storeViews", get(views))
            .route("/rest/V1/directory/countries", get(countries))
            .route("/rest/V1/orders", get(orders))
            .route("/rest/V1/products", get(products))
            .route("/rest/V1/customers/search", get(customers))
            .route("/rest/V1/categories", get(categories))
            .route("/rest/V1/products/{sku}", put(set_price))
            .route("/rest/V1/creditmemos", get(memos))
            .with_state(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeMagento { addr, store }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store.lock().unwrap())
    }
}

fn refused(store: &Store, headers: &HeaderMap) -> Option<Response> {
    let expected = format!("Bearer {}", store.token);
    (headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str())).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": "Magento_Sales::actions_view"}})),
        )
            .into_response()
    })
}

async fn configs(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| {
        Json(json!([{"id": 1, "code": "default", "base_currency_code": store.currency, "timezone": "Europe/London"}])).into_response()
    })
}

async fn views(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| {
        Json(json!([{"id": 0, "code": "admin", "name": "Admin"}, {"id": 1, "code": "default", "name": "Mage Goods"}])).into_response()
    })
}

async fn countries(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| {
        Json(json!([
            {"id": "GB", "full_name_english": "United Kingdom"},
            {"id": "IE", "full_name_english": "Ireland"},
            {"id": "DE", "full_name_english": "Germany"}
        ]))
        .into_response()
    })
}

/// `searchCriteria`: an `updated_at` ≥ filter, sorted by `updated_at`, a page of `pageSize`.
fn search(items: &[Value], params: &HashMap<String, String>) -> Response {
    let since = params
        .get("searchCriteria[filter_groups][0][filters][0][value]")
        .cloned();
    let mut found: Vec<Value> = items
        .iter()
        .filter(|i| {
            since
                .as_deref()
                .is_none_or(|s| i["updated_at"].as_str().unwrap() >= s)
        })
        .cloned()
        .collect();
    found.sort_by(|a, b| a["updated_at"].as_str().cmp(&b["updated_at"].as_str()));
    let size: usize = params
        .get("searchCriteria[pageSize]")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let size = size.min(2); // small pages, to exercise paging
    let page: usize = params
        .get("searchCriteria[currentPage]")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    // Magento answers the last page again for a page past the end.
    let last = found.len().div_ceil(size).max(1);
    let start = ((page.min(last) - 1) * size).min(found.len());
    let end = (start + size).min(found.len());
    Json(json!({"items": found[start..end], "total_count": found.len()})).into_response()
}

async fn orders(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| search(&store.orders, &params))
}

async fn products(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| search(&store.products, &params))
}

async fn customers(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| search(&store.customers, &params))
}

async fn categories(State(store): Shared, headers: HeaderMap) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| match &store.categories {
        Value::Null => (
            StatusCode::FORBIDDEN,
            Json(
                json!({"message": "The consumer isn't authorized to access %resources.",
                        "parameters": {"resources": "Magento_Catalog::categories"}}),
            ),
        )
            .into_response(),
        tree => Json(tree.clone()).into_response(),
    })
}

async fn memos(State(store): Shared, headers: HeaderMap, Query(params): Params) -> Response {
    let store = store.lock().unwrap();
    refused(&store, &headers).unwrap_or_else(|| {
        let order: u64 = params
            .get("searchCriteria[filter_groups][0][filters][0][value]")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let items: Vec<Value> = store
            .memos
            .iter()
            .filter(|m| m["order_id"] == order)
            .cloned()
            .collect();
        Json(json!({"items": items, "total_count": items.len()})).into_response()
    })
}

async fn set_price(
    State(store): Shared,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut store = store.lock().unwrap();
    if let Some(r) = refused(&store, &headers) {
        return r;
    }
    let price = body["product"]["price"].as_f64().unwrap_or_default();
    store.prices.push((sku.clone(), price));
    Json(json!({"sku": sku, "price": price})).into_response()
}
