//! Magento 2 connections against a local double of its REST API: connect (tested first, token
//! sealed), sync to the cent (line totals less discounts, a configurable product's parent line,
//! a credit memo, a cancellation, a guest, an unpaid order, another base currency, the store's
//! country names, costs), paging by number, a second sync that changes nothing, no webhooks,
//! and a price pushed back by SKU.
mod common;
#[path = "common/fake_magento.rs"]
mod fake_magento;

use common::*;
use fake_magento::{FakeMagento, Store};
use serde_json::{json, Value};
use sqlx::PgPool;

fn item(id: u64, sku: &str, qty: f64, row: f64, discount: f64, parent: Option<u64>) -> Value {
    json!({"item_id": id, "sku": sku, "name": sku, "qty_ordered": qty, "qty_canceled": 0, "base_row_total": row,
           "base_discount_amount": discount, "base_price": if qty > 0.0 { row / qty } else { 0.0 }, "parent_item_id": parent})
}

/// Six orders in November 2026:
/// - 3001 Ada (GB): 2 mugs 20.00 less 2.00, a red shirt 20.00 (a configurable product's parent
///   line; its child line carries no amount) → 38.00
/// - 3002 a guest (IE): 3 mugs 30.00 less 1.00 → 29.00 (1 × 9.66 + 2 × 9.67)
/// - 3003 Bo (DE): 2 mugs 20.00, refunded in full by a credit memo on 5 Nov
/// - 3004 Ada: a mug 10.00, cancelled
/// - 3005 payment never completed; 3006 in a USD base currency: left out
fn orders() -> Vec<Value> {
    let order = |id: u64,
                 state: &str,
                 currency: &str,
                 customer: Option<(u64, &str)>,
                 country: &str,
                 created: &str,
                 updated: &str,
                 items: Vec<Value>,
                 refunded: f64| {
        let mut o = json!({"entity_id": id, "increment_id": format!("00000{id}"), "state": state, "status": state,
            "base_currency_code": currency, "order_currency_code": "EUR", "created_at": created, "updated_at": updated,
            "billing_address": {"country_id": country}, "store_name": "Main Website\nMain Website Store\nDefault Store View",
            "items": items, "base_total_refunded": refunded, "customer_is_guest": customer.is_none() as i32});
        if let Some((cid, first)) = customer {
            o["customer_id"] = json!(cid);
            o["customer_firstname"] = json!(first);
            o["customer_lastname"] = json!("Tester");
            o["customer_email"] = json!(format!("{}@example.com", first.to_lowercase()));
        }
        o
    };
    let mut cancelled = item(7, "MUG", 1.0, 10.0, 0.0, None);
    cancelled["qty_canceled"] = json!(1);
    vec![
        order(
            3001,
            "complete",
            "GBP",
            Some((7, "Ada")),
            "GB",
            "2026-11-02 10:00:00",
            "2026-11-02 10:05:00",
            vec![
                item(1, "MUG", 2.0, 20.0, 2.0, None),
                item(2, "SHIRT-RED", 1.0, 20.0, 0.0, None),
                item(3, "SHIRT-RED", 1.0, 0.0, 0.0, Some(2)),
            ],
            0.0,
        ),
        order(
            3002,
            "processing",
            "GBP",
            None,
            "IE",
            "2026-11-03 09:00:00",
            "2026-11-03 09:00:00",
            vec![item(4, "MUG", 3.0, 30.0, 1.0, None)],
            0.0,
        ),
        order(
            3003,
            "closed",
            "GBP",
            Some((8, "Bo")),
            "DE",
            "2026-11-04 12:00:00",
            "2026-11-05 08:00:00",
            vec![item(5, "MUG", 2.0, 20.0, 0.0, None)],
            20.0,
        ),
        order(
            3004,
            "canceled",
            "GBP",
            Some((7, "Ada")),
            "GB",
            "2026-11-05 15:00:00",
            "2026-11-06 09:00:00",
            vec![cancelled],
            0.0,
        ),
        order(
            3005,
            "pending_payment",
            "GBP",
            Some((7, "Ada")),
            "GB",
            "2026-11-06 10:00:00",
            "2026-11-06 10:00:00",
            vec![item(8, "MUG", 1.0, 10.0, 0.0, None)],
            0.0,
        ),
        order(
            3006,
            "complete",
            "USD",
            None,
            "IE",
            "2026-11-06 11:00:00",
            "2026-11-06 11:00:00",
            vec![item(9, "MUG", 1.0, 12.0, 0.0, None)],
            0.0,
        ),
    ]
}

async fn fake() -> FakeMagento {
    FakeMagento::start(Store {
        orders: orders(),
        products: vec![
            json!({"id": 1, "sku": "MUG", "name": "Mug", "price": 10, "type_id": "simple", "updated_at": "2026-10-01 00:00:00",
                   "custom_attributes": [{"attribute_code": "cost", "value": "4.50"}],
                   "extension_attributes": {"stock_item": {"qty": 40},
                       "category_links": [{"position": 0, "category_id": "3"}, {"position": 1, "category_id": "4"}]}}),
            json!({"id": 2, "sku": "SHIRT-RED", "name": "Shirt Red", "price": 20, "type_id": "simple", "updated_at": "2026-10-02 00:00:00",
                   "extension_attributes": {"category_links": [{"position": 0, "category_id": "5"}, {"position": 1, "category_id": "99"}]}}),
            json!({"id": 3, "sku": "SHIRT", "name": "Shirt", "price": 20, "type_id": "configurable", "updated_at": "2026-10-03 00:00:00"}),
        ],
        // Magento's category tree: the catalog's root, the store's root, then the store's own.
        categories: json!({"id": 1, "name": "Root Catalog", "level": 0, "children_data": [
            {"id": 2, "name": "Default Category", "level": 1, "children_data": [
                {"id": 3, "name": "Kitchen", "level": 2, "children_data": [
                    {"id": 4, "name": "Mugs", "level": 3, "children_data": []}]},
                {"id": 5, "name": "Clothing", "level": 2, "children_data": []}]}]}),
        // Ada (7) and Bo (8) ordered; Di (9) has an account and no order.
        customers: vec![
            json!({"id": 7, "firstname": "Ada", "lastname": "Tester", "email": "ada@example.com", "updated_at": "2026-09-01 00:00:00",
                   "addresses": [{"country_id": "GB", "default_billing": true}]}),
            json!({"id": 8, "firstname": "Bo", "lastname": "Tester", "email": "bo@example.com", "updated_at": "2026-09-02 00:00:00",
                   "addresses": [{"country_id": "DE", "default_billing": true}]}),
            json!({"id": 9, "firstname": "Di", "lastname": "Tester", "email": "di@example.com", "updated_at": "2026-10-20 00:00:00",
                   "addresses": [{"country_id": "FR", "default_billing": false}, {"country_id": "IE", "default_billing": true}]}),
        ],
        memos: vec![json!({"entity_id": 61, "order_id": 3003, "created_at": "2026-11-05 08:00:00",
            "items": [{"order_item_id": 5, "qty": 2, "base_row_total": 20, "base_discount_amount": 0}]})],
        ..Store::default()
    })
    .await
}

#[sqlx::test(migrations = false)]
async fn a_magento_store_syncs_to_the_cent(pool: PgPool) {
    let store = fake().await;
    let app = TestApp::spawn_with(pool.clone(), |s| s.connector_test_mode = true).await;
    let admin = app.client_as(ADMIN).await;
    let analyst = app.client_as(ANALYST).await;
    let viewer = app.client_as(VIEWER).await;
    let new = |token: &str| json!({"name": "Mage", "platform": "magento", "shop_url": store.url(), "access_token": token});
    let wrong = admin
        .post(app.url("/api/v1/connections"))
        .json(&new("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("isn't authorized"));
    let created = admin
        .post(app.url("/api/v1/connections"))
        .json(&new("mage_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["test"]["shop_name"], "Mage Goods");
    assert!(created["test"]["warnings"]
        .to_string()
        .contains("no webhooks"));
    let id = created["id"].as_i64().unwrap();

    let sync = || async {
        let response = admin
            .post(app.url(&format!("/api/v1/connections/{id}/sync")))
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    };
    let (status, report) = sync().await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["orders"], 6, "{report}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("#000003006") && notes.contains("USD"),
        "{notes}"
    );

    // Gross 38.00 + 29.00 + 20.00 + 10.00 = 97.00; returns: the credit memo 20.00 and the
    // cancellation 10.00; 4 orders, 9 units, 2 customers.
    let k: Value = viewer
        .get(app.url("/api/v1/sales/summary?from=2026-11-01&to=2026-11-30&compare=none"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let k = &k["kpis"];
    assert_eq!(
        (
            k["gross_revenue"].as_str(),
            k["returns"].as_str(),
            k["net_revenue"].as_str()
        ),
        (Some("97.00"), Some("30.00"), Some("67.00")),
        "{k}"
    );
    assert_eq!(
        (
            k["orders"].as_i64(),
            k["units"].as_i64(),
            k["customers"].as_i64()
        ),
        (Some(4), Some(9), Some(2)),
        "{k}"
    );
    let lines: Vec<(String, String, i32, String)> = sqlx::query_as(
        "select o.external_id, p.external_id, l.quantity, l.unit_price::text
         from order_line l join sales_order o using (sales_order_id) join product p using (product_id)
         order by o.external_id, l.line_no",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let lines: Vec<(&str, &str, i32, &str)> = lines
        .iter()
        .map(|(o, p, q, u)| (o.as_str(), p.as_str(), *q, u.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("3001", "MUG", 2, "9.00"),
            ("3001", "SHIRT-RED", 1, "20.00"),
            ("3002", "MUG", 1, "9.66"),
            ("3002", "MUG", 2, "9.67"),
            ("3003", "MUG", 2, "10.00"),
            ("3003/refund/61", "MUG", -2, "10.00"),
            ("3004", "MUG", 1, "10.00"),
            ("3004/cancellation", "MUG", 1, "10.00"),
        ]
    );
    let mug: (String, Option<String>, Option<i32>) = sqlx::query_as(
        "select name, unit_cost::text, on_hand from product where external_id = 'MUG'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mug, ("Mug".into(), Some("4.50".into()), Some(40)));
    // Each product in the deepest of its categories, by path (an unknown category id ignored).
    let categories: Vec<(String, String)> =
        sqlx::query_as("select external_id, category from product where external_id in ('MUG', 'SHIRT-RED') order by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        categories,
        [
            ("MUG".to_string(), "Kitchen / Mugs".to_string()),
            ("SHIRT-RED".to_string(), "Clothing".to_string())
        ]
    );
    // Di, who has not ordered, is a customer, in the country of her default billing address.
    assert_eq!(report["customers"], 3, "{report}");
    let di: (String, String, String) =
        sqlx::query_as("select name, email, country from customer where external_id = '9'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        di,
        (
            "Di Tester".into(),
            "di@example.com".into(),
            "Ireland".into()
        )
    );
    let countries: Vec<String> =
        sqlx::query_scalar("select distinct country from sales_order order by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(countries, ["Germany", "Ireland", "United Kingdom"]);
    let channel: String =
        sqlx::query_scalar("select channel from sales_order where external_id = '3001'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(channel, "Default Store View");

    let (status, again) = sync().await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["inserted"].as_i64(), again["updated"].as_i64()),
        (Some(0), Some(0)),
        "{again}"
    );

    // No webhooks to register; a price pushed back by SKU.
    let hooks = admin
        .post(app.url(&format!("/api/v1/connections/{id}/webhooks")))
        .send()
        .await
        .unwrap();
    assert_eq!(hooks.status(), 409);
    let mug: i64 = sqlx::query_scalar("select product_id from product where external_id = 'MUG'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let decided: Value = analyst
        .put(app.url(&format!("/api/v1/products/{mug}/price")))
        .json(&json!({"price": "11.00"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pushed: Value = analyst
        .post(app.url(&format!(
            "/api/v1/decisions/{}/push",
            decided["decision_id"]
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        pushed["push_result"], "ok: Magento now sells it at 11.00",
        "{pushed}"
    );
    assert_eq!(
        store.with(|s| s.prices.clone()),
        vec![("MUG".to_string(), 11.0)]
    );
}
