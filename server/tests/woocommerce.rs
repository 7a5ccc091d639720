//! WooCommerce connections against a local double of its REST API: connect (tested first, key
//! and secret sealed), sync to the cent (line totals after coupons, refunds with their items,
//! a cancellation, a guest, an unpaid order, another currency, variations, the store's country
//! names), a second sync that changes nothing, signed webhooks, and a price pushed back.
mod common;
#[path = "common/fake_woo.rs"]
mod fake_woo;

use common::*;
use fake_woo::{FakeWoo, Store};
use serde_json::{json, Value};
use sqlx::PgPool;

fn line(id: u64, product: u64, variation: u64, qty: i64, total: &str, price: f64) -> Value {
    json!({"id": id, "name": if product == 11 { "Mug" } else { "Shirt" }, "product_id": product, "variation_id": variation,
           "sku": format!("SKU-{product}-{variation}"), "quantity": qty, "subtotal": total, "total": total, "price": price})
}

fn billing(first: &str, country: &str) -> Value {
    json!({"first_name": first, "last_name": "Tester", "email": format!("{}@example.com", first.to_lowercase()), "country": country})
}

/// Six orders in November 2026:
/// - 2001 Ada (GB): 2 mugs for 18.00 (a 2.00 coupon), a red shirt 20.00 → 38.00
/// - 2002 a guest (IE): 3 blue shirts for 50.00 (1 × 16.66 + 2 × 16.67)
/// - 2003 Bo (DE): 2 mugs 20.00, one refunded for 10.00 on 5 Nov
/// - 2004 Ada: a mug 10.00, cancelled on 6 Nov
/// - 2005 pending (never paid) and 2006 in USD: left out
fn orders() -> Vec<Value> {
    let order = |id: u64,
                 status: &str,
                 currency: &str,
                 customer: u64,
                 bill: Value,
                 created: &str,
                 modified: &str,
                 lines: Vec<Value>,
                 refunds: Vec<Value>| {
        json!({"id": id, "number": id.to_string(), "status": status, "currency": currency, "customer_id": customer,
               "billing": bill, "shipping": {"country": ""}, "created_via": "checkout",
               "date_created_gmt": created, "date_modified_gmt": modified, "line_items": lines, "refunds": refunds})
    };
    vec![
        order(
            2001,
            "completed",
            "GBP",
            7,
            billing("Ada", "GB"),
            "2026-11-02T10:00:00",
            "2026-11-02T10:05:00",
            vec![
                line(1, 11, 0, 2, "18.00", 10.0),
                line(2, 12, 121, 1, "20.00", 20.0),
            ],
            vec![],
        ),
        order(
            2002,
            "processing",
            "GBP",
            0,
            billing("Guest", "IE"),
            "2026-11-03T09:00:00",
            "2026-11-03T09:00:00",
            vec![line(3, 12, 122, 3, "50.00", 20.0)],
            vec![],
        ),
        order(
            2003,
            "completed",
            "GBP",
            8,
            billing("Bo", "DE"),
            "2026-11-04T12:00:00",
            "2026-11-05T08:00:00",
            vec![line(4, 11, 0, 2, "20.00", 10.0)],
            vec![json!({"id": 501, "reason": "", "total": "-10.00"})],
        ),
        order(
            2004,
            "cancelled",
            "GBP",
            7,
            billing("Ada", "GB"),
            "2026-11-05T15:00:00",
            "2026-11-06T09:00:00",
            vec![line(5, 11, 0, 1, "10.00", 10.0)],
            vec![],
        ),
        order(
            2005,
            "pending",
            "GBP",
            7,
            billing("Ada", "GB"),
            "2026-11-06T10:00:00",
            "2026-11-06T10:00:00",
            vec![line(6, 11, 0, 1, "10.00", 10.0)],
            vec![],
        ),
        order(
            2006,
            "completed",
            "USD",
            0,
            billing("Guest", "IE"),
            "2026-11-06T11:00:00",
            "2026-11-06T11:00:00",
            vec![line(7, 11, 0, 1, "12.00", 12.0)],
            vec![],
        ),
    ]
}

async fn fake() -> FakeWoo {
    FakeWoo::start(Store {
        orders: orders(),
        products: vec![
            json!({"id": 11, "name": "Mug", "type": "simple", "sku": "MUG", "price": "10.00", "stock_quantity": 5,
                   "categories": [{"name": "Kitchen"}], "date_modified_gmt": "2026-10-01T00:00:00"}),
            json!({"id": 12, "name": "Shirt", "type": "variable", "sku": "SHIRT", "price": "20.00", "stock_quantity": null,
                   "categories": [{"name": "Clothing"}], "date_modified_gmt": "2026-10-02T00:00:00"}),
        ],
        variations: vec![(12, vec![
            json!({"id": 121, "sku": "SHIRT-RED", "price": "20.00", "stock_quantity": 3, "attributes": [{"option": "Red"}]}),
            json!({"id": 122, "sku": "SHIRT-BLUE", "price": "20.00", "stock_quantity": 4, "attributes": [{"option": "Blue"}]}),
        ])],
        // Ada and Bo ordered; Di registered and has not.
        customers: vec![
            json!({"id": 7, "first_name": "Ada", "last_name": "Tester", "email": "ada@example.com",
                   "billing": {"country": "GB"}, "date_created_gmt": "2026-09-01T00:00:00"}),
            json!({"id": 8, "first_name": "Bo", "last_name": "Tester", "email": "bo@example.com",
                   "billing": {"country": "DE"}, "date_created_gmt": "2026-09-02T00:00:00"}),
            json!({"id": 9, "first_name": "Di", "last_name": "Tester", "email": "di@example.com",
                   "billing": {"country": "IE"}, "date_created_gmt": "2026-10-20T00:00:00"}),
        ],
        refunds: vec![(2003, vec![json!({"id": 501, "date_created_gmt": "2026-11-05T08:00:00", "amount": "10.00",
            "line_items": [{"id": 900, "name": "Mug", "product_id": 11, "variation_id": 0, "quantity": -1, "total": "-10.00", "subtotal": "-10.00"}]})])],
        ..Store::default()
    })
    .await
}

async fn kpis(app: &TestApp, client: &reqwest::Client) -> Value {
    let body: Value = client
        .get(app.url("/api/v1/sales/summary?from=2026-11-01&to=2026-11-30&compare=none"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["kpis"].clone()
}

#[sqlx::test(migrations = false)]
async fn a_woocommerce_store_syncs_to_the_cent(pool: PgPool) {
    let store = fake().await;
    let app = TestApp::spawn_with(pool.clone(), |s| {
        s.connector_test_mode = true;
        s.public_url = Some("http://stats.example".into());
    })
    .await;
    let admin = app.client_as(ADMIN).await;
    let analyst = app.client_as(ANALYST).await;
    let viewer = app.client_as(VIEWER).await;

    // Without the secret, or with a wrong one: refused, nothing saved.
    let new = |secret: Option<&str>| {
        json!({"name": "Woo", "platform": "woocommerce", "shop_url": store.url(),
        "access_token": "ck_test", "access_secret": secret, "webhook_secret": "woo-hush"})
    };
    let missing = admin
        .post(app.url("/api/v1/connections"))
        .json(&new(None))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    let wrong = admin
        .post(app.url("/api/v1/connections"))
        .json(&new(Some("cs_wrong")))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("cannot list resources"));
    let created = admin
        .post(app.url("/api/v1/connections"))
        .json(&new(Some("cs_test")))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["test"]["shop_name"], "Woo Goods");
    let id = created["id"].as_i64().unwrap();
    let sealed: Vec<u8> = sqlx::query_scalar("select credentials from shop_connection")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!sealed.windows(7).any(|w| w == b"cs_test"));

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
    assert!(notes.contains("#2006") && notes.contains("USD"), "{notes}");
    assert!(notes.contains("1 orders that were never paid"), "{notes}");

    // Gross: 38.00 + 50.00 + 20.00 + 10.00 = 118.00; returns: the refund 10.00 and the
    // cancellation 10.00; orders with a sale 4; units 3 + 3 + 2 + 1 = 9; customers Ada and Bo.
    let k = kpis(&app, &viewer).await;
    assert_eq!(
        (
            k["gross_revenue"].as_str(),
            k["returns"].as_str(),
            k["net_revenue"].as_str()
        ),
        (Some("118.00"), Some("20.00"), Some("98.00")),
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
            ("2001", "11", 2, "9.00"),
            ("2001", "12/121", 1, "20.00"),
            ("2002", "12/122", 1, "16.66"),
            ("2002", "12/122", 2, "16.67"),
            ("2003", "11", 2, "10.00"),
            ("2003/refund/501", "11", -1, "10.00"),
            ("2004", "11", 1, "10.00"),
            ("2004/cancellation", "11", 1, "10.00"),
        ]
    );
    let countries: Vec<String> =
        sqlx::query_scalar("select distinct country from sales_order order by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(countries, ["Germany", "Ireland", "United Kingdom"]);
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
    let shirt: (String, String, String, Option<i32>) = sqlx::query_as(
        "select sku, name, category, on_hand from product where external_id = '12/121'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        shirt,
        (
            "SHIRT-RED".into(),
            "Shirt – Red".into(),
            "Clothing".into(),
            Some(3)
        )
    );

    // Again: nothing changes; customers are read back to the last registration (newest first:
    // Di, then Bo, registered before it, ends the list).
    let (status, again) = sync().await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["customers"], 2, "{again}");
    assert_eq!(
        (again["inserted"].as_i64(), again["updated"].as_i64()),
        (Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(kpis(&app, &viewer).await, k);

    // A signed webhook of an updated order (WooCommerce's headers); a forged one changes nothing.
    let deliver = |body: Vec<u8>, secret: &'static [u8], delivery: &'static str| {
        use base64::Engine;
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).unwrap();
        mac.update(&body);
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        app.client()
            .post(app.url("/webhooks/woocommerce"))
            .header("x-wc-webhook-source", format!("{}/", store.url()))
            .header("x-wc-webhook-topic", "order.updated")
            .header("x-wc-webhook-delivery-id", delivery)
            .header("x-wc-webhook-signature", signature)
            .body(body)
            .send()
    };
    let mut updated = orders()[1].clone();
    updated["line_items"] = json!([line(3, 12, 122, 4, "66.00", 20.0)]);
    updated["date_modified_gmt"] = json!("2026-11-20T10:00:00");
    let body = serde_json::to_vec(&updated).unwrap();
    assert_eq!(
        deliver(body.clone(), b"guess", "w1")
            .await
            .unwrap()
            .status(),
        401
    );
    let accepted = deliver(body.clone(), b"woo-hush", "w1").await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert!(accepted.text().await.unwrap().contains("order 2002 loaded"));
    assert_eq!(
        kpis(&app, &viewer).await["gross_revenue"].as_str(),
        Some("134.00")
    );
    let ping = deliver(b"webhook_id=17".to_vec(), b"woo-hush", "w2")
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);

    // Registering the webhooks: each topic once, with the connection's secret.
    let registered = admin
        .post(app.url(&format!("/api/v1/connections/{id}/webhooks")))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    admin
        .post(app.url(&format!("/api/v1/connections/{id}/webhooks")))
        .send()
        .await
        .unwrap();
    let hooks = store.with(|s| s.webhooks.clone());
    assert_eq!(hooks.len(), 3);
    assert!(hooks.iter().all(|h| h["secret"] == "woo-hush"
        && h["delivery_url"] == "http://stats.example/webhooks/woocommerce"));

    // A price pushed back to a variation.
    let red: i64 =
        sqlx::query_scalar("select product_id from product where external_id = '12/121'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let decided: Value = analyst
        .put(app.url(&format!("/api/v1/products/{red}/price")))
        .json(&json!({"price": "22.00"}))
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
        pushed["push_result"], "ok: WooCommerce now sells it at 22.00",
        "{pushed}"
    );
    assert_eq!(
        store.with(|s| s.prices.clone()),
        vec![("12/121".to_string(), "22.00".to_string())]
    );
}
