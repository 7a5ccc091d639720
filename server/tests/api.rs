//! The JSON API: documented routes, roles, uploads over HTTP, transaction paging.
mod common;

use app::features::customers::types::{CustomerHistory, CustomerRecord, CustomersSummary};
use app::features::inventory::{pricing_list::PricingPage, product_list::ProductsPage};
use app::features::sales::types::SalesSummary;
use common::*;
use serde_json::{json, Value};
use sqlx::PgPool;

const CSV: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
100,A1,Mug,2,2026-03-01 10:00,5.00,c1,United Kingdom
100,A2,Plate,1,2026-03-01 10:00,7.50,c1,United Kingdom
101,A1,Mug,1,2026-03-02 11:00,5.00,,France
102,A2,Plate,3,2026-03-03 12:00,7.50,c2,Germany
C103,A1,Mug,-1,2026-03-04 09:00,5.00,c1,United Kingdom
";

#[sqlx::test(migrations = false)]
async fn every_documented_route_exists_and_refuses_anonymous_callers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let doc: Value = client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    for route in [
        "/api/v1/ingest",
        "/api/v1/ingest-runs/{id}",
        "/api/v1/ingest-runs/{id}/rejections.csv",
        "/api/v1/ingest-runs/{id}/retry",
        "/api/v1/transactions",
        "/api/v1/sales/summary",
        "/api/v1/sales/timeseries",
        "/api/v1/sales/monthly",
        "/api/v1/sales/breakdown",
        "/api/v1/sales/top-products",
        "/api/v1/sales/top-customers",
        "/api/v1/sales/concentration",
        "/api/v1/sales/returns",
        "/api/v1/products",
        "/api/v1/products/{id}",
        "/api/v1/products/{id}/price",
        "/api/v1/decisions",
        "/api/v1/decisions/{id}",
        "/api/v1/signals",
        "/api/v1/signals/{id}",
        "/api/v1/signals/{id}/acknowledge",
        "/api/v1/signals/recompute",
        "/api/v1/inventory/summary",
        "/api/v1/inventory/premium",
        "/api/v1/pricing/recommendations",
        "/api/v1/connections",
        "/api/v1/connections/{id}",
        "/api/v1/connections/{id}/test",
        "/api/v1/connections/{id}/sync",
        "/api/v1/connections/{id}/syncs",
        "/api/v1/connections/{id}/webhooks",
        "/api/v1/live",
        "/api/v1/decisions/{id}/push",
        "/api/v1/openapi.json",
    ] {
        assert!(
            documented.contains(&route),
            "{route} is not in the OpenAPI document"
        );
    }
    for (path, item) in paths {
        if path == "/api/v1/openapi.json" {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            let url = app.url(&path.replace("{id}", "1"));
            let request = match method.as_str() {
                "get" => client.get(url),
                "post" => client.post(url),
                "put" => client.put(url),
                "patch" => client.patch(url),
                "delete" => client.delete(url),
                other => panic!("undocumented method {other}"),
            };
            let status = request.send().await.unwrap().status();
            assert_eq!(
                status, 401,
                "{method} {path} answers {status} to an anonymous caller"
            );
        }
    }
}

#[sqlx::test(migrations = false)]
async fn roles_on_sources_and_api(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let admin = app.client_as(ADMIN).await;
    // (method, path, [viewer, analyst, admin])
    let matrix: [(&str, &str, [u16; 3]); 7] = [
        ("get", "/fn/list_sources", [403, 403, 200]),
        ("get", "/fn/list_runs", [403, 403, 200]),
        ("get", "/fn/get_source_contents?id=1", [403, 403, 200]),
        ("get", "/api/v1/transactions", [403, 200, 200]),
        ("get", "/api/v1/ingest-runs/999", [403, 403, 404]),
        (
            "get",
            "/api/v1/ingest-runs/999/rejections.csv",
            [403, 403, 404],
        ),
        ("post", "/api/v1/ingest-runs/999/retry", [403, 403, 404]),
    ];
    for (method, path, expected) in matrix {
        for ((who, client), want) in [
            ("viewer", &viewer),
            ("analyst", &analyst),
            ("admin", &admin),
        ]
        .into_iter()
        .zip(expected)
        {
            let request = if method == "get" {
                client.get(app.url(path))
            } else {
                client.post(app.url(path))
            };
            let status = request.send().await.unwrap().status();
            assert_eq!(status, want, "{who}: {method} {path}");
        }
    }
    for (who, client, want) in [("viewer", &viewer, 403), ("analyst", &analyst, 403)] {
        let status = client
            .post(app.url("/api/v1/ingest?filename=x.csv"))
            .body(CSV)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, want, "{who} uploading");
    }
    let delete = viewer
        .post(app.url("/fn/delete_source"))
        .form(&[("id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 403);
}

#[sqlx::test(migrations = false)]
async fn an_upload_over_http_loads_and_reports(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let response = admin
        .post(app.url("/api/v1/ingest?source=Shop&filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["succeeded"], true);
    assert_eq!(summary["inserted"], 5);
    let run: Value = admin
        .get(app.url(&format!("/api/v1/ingest-runs/{}", summary["run_id"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["state"], "succeeded");
    assert_eq!(run["rows_read"], 5);

    // Multipart works too, and a bad row fails the run with a downloadable report.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n=2+3,A1,x,2026-03-05 10:00,5.00\n".to_vec())
            .file_name("bad.csv"),
    );
    let response = admin
        .post(app.url("/api/v1/ingest?source=Shop"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let failed: Value = response.json().await.unwrap();
    assert_eq!(failed["rejections"][0]["line"], 2);
    let csv = admin
        .get(app.url(&format!(
            "/api/v1/ingest-runs/{}/rejections.csv",
            failed["run_id"]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(
        text.contains("bad.csv,2,Quantity,Quantity 'x' is not a number,"),
        "{text}"
    );
    // The row as it was starts with '=': a spreadsheet would run it, so it gets a leading apostrophe.
    assert!(
        text.contains(",\"'=2+3,A1,x,"),
        "a formula-looking cell is defused: {text}"
    );
}

#[sqlx::test(migrations = false)]
async fn uploads_over_the_limit_are_refused_with_the_limit(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |s| s.max_upload_mb = 1).await;
    let admin = app.client_as(ADMIN).await;
    let body = "x".repeat(2 * 1024 * 1024);
    let response = admin
        .post(app.url("/api/v1/ingest?filename=big.csv"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["error"].as_str().unwrap().contains("limit of 1 MiB"),
        "{error}"
    );
}

#[sqlx::test(migrations = false)]
async fn transactions_page_in_a_stable_order_with_filters(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let loaded = admin
        .post(app.url("/api/v1/ingest?filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 200);
    let page = |query: String| {
        let admin = admin.clone();
        let url = app.url(&format!("/api/v1/transactions?{query}"));
        async move { admin.get(url).send().await.unwrap() }
    };
    let first: Value = page("limit=2".into()).await.json().await.unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let second: Value = page(format!("limit=2&after={}", first["next"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    let third: Value = page(format!(
        "limit=2&after={}",
        second["next"].as_str().unwrap()
    ))
    .await
    .json()
    .await
    .unwrap();
    assert!(third["next"].is_null());
    let orders: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["order"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(orders, vec!["100", "100", "101", "102", "C103"]);
    assert_eq!(third["items"][0]["kind"], "return");
    let germany: Value = page("country=Germany".into()).await.json().await.unwrap();
    assert_eq!(germany["items"][0]["line_value"], "22.50");
    let one_day: Value = page("from=2026-03-02&to=2026-03-02".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one_day["items"].as_array().unwrap().len(), 1);
    assert_eq!(page("limit=5000".into()).await.status(), 422);
    assert_eq!(page("after=nonsense".into()).await.status(), 422);
}

#[sqlx::test(migrations = false)]
async fn the_sales_api_serves_the_numbers_of_the_page(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    assert_eq!(
        admin
            .post(app.url("/api/v1/ingest?filename=orders.csv"))
            .body(CSV)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let viewer = app.client_as(VIEWER).await;
    let get = |path: String| {
        let viewer = viewer.clone();
        let url = app.url(&path);
        async move {
            let response = viewer.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let q = "from=2026-03-01&to=2026-03-31&compare=none";
    let summary = get(format!("/api/v1/sales/summary?{q}")).await;
    // 100: 2 × 5.00 + 7.50; 101: 5.00 (guest); 102: 3 × 7.50; C103 returns 5.00.
    let k = &summary["kpis"];
    assert_eq!(
        (
            k["gross_revenue"].as_str(),
            k["returns"].as_str(),
            k["net_revenue"].as_str()
        ),
        (Some("45.00"), Some("5.00"), Some("40.00"))
    );
    assert_eq!(
        (
            k["orders"].as_i64(),
            k["units"].as_i64(),
            k["customers"].as_i64()
        ),
        (Some(3), Some(7), Some(2))
    );
    assert!(summary["comparison"].is_null());
    let page = answer_json::<SalesSummary>(
        viewer
            .get(app.url(
                "/fn/get_sales_summary?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none",
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["kpis"], summary["kpis"], "page and API agree");

    let by_country = get(format!("/api/v1/sales/breakdown?{q}&by=country")).await;
    let rows: Vec<(String, String, String)> = by_country["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().into(),
                r["net_revenue"].as_str().unwrap().into(),
                r["share"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Germany".into(), "22.50".into(), "0.5625".into()),
            ("United Kingdom".into(), "12.50".into(), "0.3125".into()),
            ("France".into(), "5.00".into(), "0.125".into()),
        ]
    );
    let monthly = get(format!("/api/v1/sales/monthly?{q}")).await;
    assert_eq!(monthly["months"][0]["net_revenue"], "40.00");
    assert_eq!(monthly["months"][0]["partial"], false);
    let series = get(format!("/api/v1/sales/timeseries?{q}")).await;
    assert_eq!(
        (
            series["grain"].as_str(),
            series["points"].as_array().map(Vec::len)
        ),
        (Some("day"), Some(31))
    );
    let previous_year =
        get("/api/v1/sales/summary?from=2026-03-01&to=2026-03-31&compare=previous_year".into())
            .await;
    assert_eq!(previous_year["comparison"]["range"]["from"], "2025-03-01");
    assert_eq!(
        viewer
            .get(app.url("/api/v1/sales/breakdown?by=planet"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
}

#[sqlx::test(migrations = false)]
async fn top_lists_and_their_csv_export(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    assert_eq!(
        admin
            .post(app.url("/api/v1/ingest?filename=orders.csv"))
            .body(CSV)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let q = "from=2026-03-01&to=2026-03-31";
    let products: Value = viewer
        .get(app.url(&format!("/api/v1/sales/top-products?{q}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Plate: 7.50 + 3 × 7.50 = 30.00 (4 units, 2 orders); Mug: 10.00 + 5.00 − the returned 5.00 = 10.00.
    let rows: Vec<(String, i64, String, String)> = products["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["units"].as_i64().unwrap(),
                r["net_revenue"].as_str().unwrap().into(),
                r["share"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Plate".into(), 4, "30.00".into(), "0.75".into()),
            ("Mug".into(), 3, "10.00".into(), "0.25".into())
        ]
    );
    let customers: Value = viewer
        .get(app.url(&format!("/api/v1/sales/top-customers?{q}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let who: Vec<(&str, &str)> = customers["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["customer"].as_str().unwrap(),
                r["net_revenue"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        who,
        vec![("c2", "22.50"), ("c1", "12.50")],
        "the guest order 101 is no customer's"
    );

    // Exporting is the analyst's: a viewer gets 403 for CSV, an analyst the file.
    let url = app.url(&format!("/api/v1/sales/top-products?{q}&format=csv"));
    assert_eq!(viewer.get(&url).send().await.unwrap().status(), 403);
    let csv = analyst.get(&url).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("top-products-2026-03-01-2026-03-31.csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "sku,name,category,units,orders,net_revenue,share");
    assert_eq!(lines[1], "A2,Plate,Uncategorised,4,2,30.00,0.75");
    assert_eq!(
        analyst
            .get(app.url(&format!("/api/v1/sales/top-customers?{q}&format=xml")))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
}

#[sqlx::test(migrations = false)]
async fn filters_concentration_returns_and_exports(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    assert_eq!(
        admin
            .post(app.url("/api/v1/ingest?filename=orders.csv"))
            .body(CSV)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let get = |path: String| {
        let viewer = viewer.clone();
        let url = app.url(&path);
        async move {
            let response = viewer.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let q = "from=2026-03-01&to=2026-03-31";

    // Repeated keys select several countries: France 5.00 (guest) + Germany 22.50.
    let two = get(format!(
        "/api/v1/sales/summary?{q}&compare=none&country=France&country=Germany"
    ))
    .await;
    assert_eq!(two["kpis"]["gross_revenue"], "27.50");
    assert_eq!(two["kpis"]["orders"], 2);
    assert_eq!(two["kpis"]["customers"], 1);
    let page = answer_json::<SalesSummary>(
        viewer
            .get(app.url(
                "/fn/get_sales_summary?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none&filter[country][0]=France&filter[country][1]=Germany",
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        page["kpis"], two["kpis"],
        "page and API agree under filters"
    );
    let nothing = get(format!("/api/v1/sales/summary?{q}&channel=marketplace")).await;
    assert_eq!(nothing["kpis"]["gross_revenue"], "0");

    // Concentration: c2 22.50, c1 17.50 − 5.00 returned = 12.50; the guest's 5.00 is outside.
    let c = get(format!("/api/v1/sales/concentration?{q}")).await;
    let c = &c["concentration"];
    assert_eq!(c["customers"], 2);
    assert_eq!(c["top10_share"], "0.875"); // 35 / 40
    assert_eq!(c["customers_for_80"], "1"); // 80% of 35 = 28 needs both
    assert_eq!(c["curve"][1]["revenue_share"], "0.6429"); // 22.5 / 35

    // Returns: one mug back (5.00 of the mugs' 15.00 sold).
    let r = get(format!("/api/v1/sales/returns?{q}")).await;
    assert_eq!(r["most_returned"][0]["sku"], "A1");
    assert_eq!(r["most_returned"][0]["returned_units"], 1);
    assert_eq!(r["most_returned"][0]["return_rate"], "0.333333");

    // What changed vs the empty previous period: all growth, all from new customers and a guest.
    let s = get(format!("/api/v1/sales/summary?{q}&compare=previous_period")).await;
    let w = &s["what_changed"];
    assert_eq!(
        (w["previous_net"].as_str(), w["current_net"].as_str()),
        (Some("0"), Some("40.00"))
    );
    assert_eq!(
        (
            w["orders_effect"].as_str(),
            w["aov_effect"].as_str(),
            w["returns_effect"].as_str()
        ),
        (Some("0"), Some("45.00"), Some("-5.00"))
    );
    assert_eq!(
        (
            w["new_customers_effect"].as_str(),
            w["returning_customers_effect"].as_str(),
            w["guests_effect"].as_str()
        ),
        (Some("35.00"), Some("0"), Some("5.00"))
    );

    let by_category = get(format!("/api/v1/sales/breakdown?{q}&by=category")).await;
    assert_eq!(by_category["rows"][0]["key"], "Uncategorised");
    assert_eq!(by_category["rows"][0]["orders"], 3);
    let missing_by = viewer
        .get(app.url(&format!("/api/v1/sales/breakdown?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_by.status(), 422);

    // Every table exports for analysts, never for viewers.
    for path in [
        format!("/api/v1/sales/monthly?{q}&format=csv"),
        format!("/api/v1/sales/breakdown?{q}&by=country&format=csv"),
        format!("/api/v1/sales/returns?{q}&format=csv"),
        format!("/api/v1/sales/top-products?{q}&format=csv"),
        format!("/api/v1/sales/top-customers?{q}&format=csv"),
    ] {
        assert_eq!(
            viewer.get(app.url(&path)).send().await.unwrap().status(),
            403,
            "{path}"
        );
        let response = analyst.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
    }
    let monthly = analyst
        .get(app.url(&format!("/api/v1/sales/monthly?{q}&format=csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = monthly.lines().collect();
    assert_eq!(
        lines,
        vec![
            "month,gross_revenue,returns,net_revenue,orders,aov,net_change_vs_previous_month,partial",
            "2026-03,45.00,5.00,40.00,3,15.00,,false"
        ]
    );
}

#[sqlx::test(migrations = false)]
async fn customer_insights_api_and_roles(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    assert_eq!(
        admin
            .post(app.url("/api/v1/ingest?filename=orders.csv"))
            .body(CSV)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let q = "from=2026-03-01&to=2026-03-31&compare=none";
    let summary: Value = viewer
        .get(app.url(&format!("/api/v1/customers/summary?{q}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // c1 (order 100, then returns a mug) and c2 (order 102): both new, one order each.
    let k = &summary["kpis"];
    assert_eq!(
        (
            k["customers"].as_i64(),
            k["new_customers"].as_i64(),
            k["repeat_customers"].as_i64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(k["net_revenue_per_customer"], "17.50"); // (12.50 + 22.50) / 2
    assert_eq!(k["unidentified_share"], "0.1111111111111111111111111111"); // 5 / 45
    let page = answer_json::<CustomersSummary>(
        viewer
            .get(app.url(
                "/fn/get_customers_summary?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none",
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["kpis"], summary["kpis"], "page and API agree");
    let rfm: Value = viewer
        .get(app.url(&format!("/api/v1/customers/rfm?{q}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rfm["rfm"]["grid"].as_array().unwrap().len(), 25);
    for route in ["acquisition", "engagement", "clusters", "cohorts"] {
        let status = viewer
            .get(app.url(&format!("/api/v1/customers/{route}?{q}")))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{route}");
    }
    // Listing customers is the analyst's.
    let list = format!("/api/v1/customers/segment/repeat/one_time?{q}");
    assert_eq!(
        viewer.get(app.url(&list)).send().await.unwrap().status(),
        403
    );
    let one_time: Value = analyst
        .get(app.url(&list))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one_time["total"], 2);
    assert_eq!(one_time["rows"][0]["customer"], "c2");
    let csv = analyst
        .get(app.url(&format!("{list}&format=csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("customer,name,country,first_order,last_order,orders,net_revenue"));
    assert_eq!(csv.lines().count(), 3);
    // Cohorts: both customers first ordered in March; nobody came back in April.
    let cohort = |id: &str| {
        let analyst = analyst.clone();
        let url = app.url(&format!(
            "/api/v1/customers/segment/cohort/{id}?from=2026-03-01&to=2026-04-30"
        ));
        async move {
            let page: Value = analyst.get(url).send().await.unwrap().json().await.unwrap();
            (
                page["total"].as_i64(),
                page["label"].as_str().map(String::from),
            )
        }
    };
    assert_eq!(
        cohort("2026-03").await,
        (Some(2), Some("First ordered in Mar 2026".into()))
    );
    assert_eq!(
        cohort("2026-03+1").await,
        (
            Some(0),
            Some("First ordered in Mar 2026, bought again 1 month later".into())
        )
    );
    assert_eq!(
        analyst
            .get(app.url(&format!("/api/v1/customers/segment/planet/x?{q}")))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        analyst
            .get(app.url(&format!("/api/v1/customers/segment/segment/nobody?{q}")))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );

    // The filter bar's presets, anchored on the latest day with data (4 March): a typed range
    // equal to one of them is named by it.
    let options = answer_json::<app::dashboard::filter::FilterOptions>(
        viewer
            .get(app.url("/fn/get_filter_options"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let presets = options["presets"].as_array().unwrap();
    assert_eq!(presets.len(), 8);
    assert!(presets.contains(
        &json!({"preset": "last_7_days", "range": {"from": "2026-02-26", "to": "2026-03-04"}})
    ));
    assert!(presets.contains(
        &json!({"preset": "quarter_to_date", "range": {"from": "2026-01-01", "to": "2026-03-04"}})
    ));

    // A customer's record, reached from the lists by `customer_id`: c1 bought a mug and a plate
    // (order 100: 2 × 5.00 + 7.50) and returned one mug (C103: 5.00).
    let everyone: Value = analyst
        .get(app.url(&format!(
            "/api/v1/customers/segment/country/United%20Kingdom?{q}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(everyone["rows"][0]["customer"], "c1");
    let c1 = everyone["rows"][0]["customer_id"].as_i64().unwrap();
    let record_url = format!("/api/v1/customers/{c1}?{q}");
    assert_eq!(
        viewer
            .get(app.url(&record_url))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "a record names the customer: analysts and admins only"
    );
    let record: Value = analyst
        .get(app.url(&record_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["external_id"], "c1");
    assert_eq!(record["country"], "United Kingdom");
    assert_eq!(
        record["lifetime"],
        json!({"orders": 1, "units": 3, "gross_revenue": "17.50", "returns": "5.00",
               "net_revenue": "12.50", "average_order_value": "17.50",
               "first_order": "2026-03-01", "last_order": "2026-03-01"})
    );
    assert_eq!(record["order_count"], 2);
    let orders = record["orders"].as_array().unwrap();
    // Latest first, each with its own sums and lines.
    assert_eq!(
        orders
            .iter()
            .map(|o| (
                o["number"].as_str().unwrap(),
                o["ordered_at"].as_str().unwrap(),
                o["gross_revenue"].as_str().unwrap(),
                o["returns"].as_str().unwrap(),
                o["net_revenue"].as_str().unwrap(),
                o["lines"].as_array().unwrap().len()
            ))
            .collect::<Vec<_>>(),
        vec![
            ("C103", "2026-03-04T09:00:00", "0", "5.00", "-5.00", 1),
            ("100", "2026-03-01T10:00:00", "17.50", "0", "17.50", 2)
        ]
    );
    assert_eq!(orders[0]["lines"][0]["kind"], "return");
    assert_eq!(orders[1]["lines"][1]["sku"], "A2");
    // Where c1 stands in March (one order, 12.50 net); in April they bought nothing.
    assert_eq!(record["standing"]["orders"], 1);
    assert_eq!(record["standing"]["net_revenue"], "12.50");
    let april: Value = analyst
        .get(app.url(&format!(
            "/api/v1/customers/{c1}?from=2026-04-01&to=2026-04-30"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(april["standing"], Value::Null);
    assert_eq!(april["lifetime"], record["lifetime"]);
    // The page's server function answers the same; unknown and malformed numbers are refused.
    let page = answer_json::<CustomerRecord>(
        analyst
            .get(app.url(&format!(
                "/fn/get_customer_record?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none&id={c1}"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page, record, "page and API agree");

    // c1's history: the range (3–4 March: only their return, so no standing among the one
    // buying customer, c2), then the two days before (1–2 March: order 100, 17.50 net, the same
    // scores as their record in that range); none before the first day of data.
    let history: Value = analyst
        .get(app.url(&format!(
            "/api/v1/customers/{c1}/history?from=2026-03-03&to=2026-03-04"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let periods = history["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2, "{history}");
    assert_eq!(
        periods[0]["range"],
        json!({"from": "2026-03-03", "to": "2026-03-04"})
    );
    assert_eq!(periods[0]["buying_customers"], 1);
    assert_eq!(periods[0]["standing"], Value::Null);
    assert_eq!(
        periods[1]["range"],
        json!({"from": "2026-03-01", "to": "2026-03-02"})
    );
    assert_eq!(periods[1]["buying_customers"], 1);
    assert_eq!(periods[1]["standing"]["orders"], 1);
    assert_eq!(periods[1]["standing"]["net_revenue"], "17.50");
    let early: Value = analyst
        .get(app.url(&format!(
            "/api/v1/customers/{c1}?from=2026-03-01&to=2026-03-02"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in ["r", "f", "m", "segment"] {
        assert_eq!(periods[1]["standing"][key], early["standing"][key], "{key}");
    }
    let page = answer_json::<CustomerHistory>(
        analyst
            .get(app.url(&format!(
                "/fn/get_customer_history?filter[from]=2026-03-03&filter[to]=2026-03-04&filter[compare]=none&id={c1}"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page, history, "page and API agree");

    // Search: products for everyone; customers and orders (they name people) for analysts.
    let find = |client: &reqwest::Client, q: &str| {
        let request = client
            .get(app.url("/api/v1/search"))
            .query(&[("q", q)])
            .send();
        async move {
            let found: Value = request.await.unwrap().json().await.unwrap();
            found["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    format!(
                        "{} {} {}",
                        h["kind"].as_str().unwrap(),
                        h["label"].as_str().unwrap(),
                        h["href"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let mug = orders[1]["lines"][0]["product_id"].as_i64().unwrap();
    assert_eq!(
        find(&viewer, " MUG ").await,
        vec![format!("product Mug /products/{mug}")]
    );
    // Two characters find a customer by their exact id only; an order is found by its number.
    let order_100 = orders[1]["order_id"].as_i64().unwrap();
    assert_eq!(
        find(&analyst, "c1").await,
        vec![format!("customer Customer c1 /customers/{c1}")]
    );
    assert_eq!(
        find(&analyst, "100").await,
        vec![format!("order Order 100 /orders/{order_100}")]
    );
    assert_eq!(
        find(&analyst, "c103").await.len(),
        1,
        "order numbers ignore case"
    );
    assert!(
        find(&viewer, "c1").await.is_empty(),
        "viewers find no customers"
    );
    assert!(
        find(&viewer, "100").await.is_empty(),
        "viewers find no orders"
    );
    // Wildcards are plain characters; nothing is not an error.
    assert!(find(&analyst, "%_%").await.is_empty());
    assert!(find(&analyst, "").await.is_empty());
    assert_eq!(
        analyst
            .get(app.url("/api/v1/search"))
            .query(&[("q", "x".repeat(101))])
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    // The order a hit opens: its lines, sums and customer.
    let order: Value = analyst
        .get(app.url(&format!("/api/v1/orders/{order_100}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        order["order"], orders[1],
        "the same order as on the customer's page"
    );
    assert_eq!(
        (order["customer_id"].as_i64(), order["customer"].as_str()),
        (Some(c1), Some("c1"))
    );
    assert_eq!(
        viewer
            .get(app.url(&format!("/api/v1/orders/{order_100}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    for (path, status) in [
        ("/api/v1/customers/999999".to_string(), 404),
        ("/api/v1/customers/c1".to_string(), 422),
        ("/api/v1/customers/999999/history".to_string(), 404),
    ] {
        assert_eq!(
            analyst.get(app.url(&path)).send().await.unwrap().status(),
            status,
            "{path}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn inventory_and_pricing_api_and_roles(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.client_as(ADMIN).await;
    let upload = admin
        .post(app.url("/api/v1/ingest?filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 200);
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let q = "from=2026-03-01&to=2026-03-31";
    let get = |client: &reqwest::Client, path: &str| client.get(app.url(path)).send();

    // Products from an order file have no stock figures: listed, but not tracked.
    let products: Value = get(&viewer, &format!("/api/v1/products?{q}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = products["products"].as_array().unwrap();
    let skus: Vec<&str> = list.iter().map(|p| p["sku"].as_str().unwrap()).collect();
    assert_eq!(
        skus,
        ["A2", "A1"],
        "best sellers first: 30.00 of plates, 10.00 of mugs"
    );
    assert!(list.iter().all(|p| p["status"] == "untracked"));
    let mug = list[1]["product_id"].as_i64().unwrap();

    // The page's stock and price tables ask for one page, sorted and narrowed by the server.
    let page_of = |function: &str, query: &str| {
        let url = format!(
            "/fn/{function}?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none{query}"
        );
        let request = viewer.get(app.url(&url)).send();
        let pricing = function == "get_pricing_products";
        async move {
            let response = request.await.unwrap();
            let status = response.status().as_u16();
            // A page's answer is postcard; a refusal is JSON.
            let body: Value = match (status, pricing) {
                (200, true) => json!(answer::<PricingPage>(response).await.list),
                (200, false) => json!(answer::<ProductsPage>(response).await),
                _ => response.json().await.unwrap(),
            };
            let skus: Vec<String> = body["products"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|p| p["sku"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (status, body["total"].as_i64(), skus)
        }
    };
    let page = |query: &str| page_of("get_inventory_products", query);
    assert_eq!(
        page("").await,
        (200, Some(2), vec!["A2".into(), "A1".into()])
    );
    // Net revenue (column 7) from the smallest; by name (column 0) from the end.
    assert_eq!(
        page("&query[sort]=7").await,
        (200, Some(2), vec!["A1".into(), "A2".into()])
    );
    assert_eq!(
        page("&query[sort]=0&query[descending]=true").await,
        (200, Some(2), vec!["A2".into(), "A1".into()]),
        "Plate after Mug"
    );
    assert_eq!(
        page("&query[search]=mug").await,
        (200, Some(1), vec!["A1".into()])
    );
    assert_eq!(page("&query[only]=ok").await, (200, Some(0), vec![]));
    assert_eq!(
        page("&query[page]=1").await,
        (200, Some(2), vec!["A2".into(), "A1".into()]),
        "a page past the last answers the last"
    );
    assert_eq!(page("&query[sort]=16").await.0, 422, "no 17th column");

    // A count on hand (no snapshot) is today's: it stands for the days of the data, never for
    // days before the first sale (1 March), which have no stock figures.
    for change in [
        "update product set on_hand = 5",
        "update rollup_state set data_version = data_version + 1",
    ] {
        sqlx::query(change).execute(&pool).await.unwrap();
    }
    let summary = |range: &'static str| {
        let viewer = viewer.clone();
        let url = app.url(&format!("/api/v1/inventory/summary?{range}&compare=none"));
        async move {
            viewer
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let during = summary("from=2026-03-01&to=2026-03-31").await;
    assert_eq!(during["data_from"], "2026-03-01", "{during}");
    assert_eq!(
        (
            &during["cards"]["products_untracked"],
            &during["cards"]["skus_in_stock"]
        ),
        (&json!(0), &json!(2)),
        "{during}"
    );
    let before = summary("from=2025-01-01&to=2025-01-31").await;
    assert_eq!(
        (
            &before["cards"]["products_untracked"],
            &before["cards"]["skus_in_stock"],
            &before["cards"]["dead_stock_value"]
        ),
        (&json!(2), &json!(0), &json!("0")),
        "{before}"
    );
    for change in [
        "update product set on_hand = null",
        "update rollup_state set data_version = data_version + 1",
    ] {
        sqlx::query(change).execute(&pool).await.unwrap();
    }
    assert_eq!(list[1]["units_sold"], 3);
    assert_eq!(list[1]["net_revenue"], "10.00"); // 15.00 sold − 5.00 returned
                                                 // Exports and writes are the analyst's.
    assert_eq!(
        get(&viewer, &format!("/api/v1/products?{q}&format=csv"))
            .await
            .unwrap()
            .status(),
        403
    );
    let csv = get(&analyst, &format!("/api/v1/products?{q}&format=csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("sku,name,category,status,abc,on_hand"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3);
    for path in [
        format!("/api/v1/inventory/summary?{q}"),
        format!("/api/v1/inventory/premium?{q}"),
        format!("/api/v1/products/{mug}?{q}"),
        "/api/v1/decisions".to_string(),
        "/api/v1/signals".to_string(),
    ] {
        assert_eq!(get(&viewer, &path).await.unwrap().status(), 200, "{path}");
    }
    // The recommendations table: both products, none with a change suggested (no unit cost).
    let prices = |query: &str| page_of("get_pricing_products", query);
    assert_eq!(
        prices("").await,
        (200, Some(2), vec!["A2".into(), "A1".into()])
    );
    assert_eq!(
        prices("&query[sort]=1").await,
        (200, Some(2), vec!["A1".into(), "A2".into()]),
        "by SKU"
    );
    assert_eq!(
        prices("&query[search]=MUG").await,
        (200, Some(1), vec!["A1".into()])
    );
    assert_eq!(prices("&query[only]=true").await, (200, Some(0), vec![]));
    assert_eq!(prices("&query[sort]=12").await.0, 422, "no 13th column");
    let long = "x".repeat(101);
    assert_eq!(
        prices(&format!("&query[search]={long}")).await.0,
        422,
        "a search of 101 characters"
    );
    // Without a unit cost every recommendation is a hold that says why.
    let recs: Value = get(&viewer, &format!("/api/v1/pricing/recommendations?{q}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in recs["products"].as_array().unwrap() {
        assert!(p["recommendation"]["recommended_price"].is_null());
        assert!(p["recommendation"]["reason"]
            .as_str()
            .unwrap()
            .contains("no unit cost"));
    }
    let accept = serde_json::json!({ "product_id": mug, "action": "accept" });
    let status = analyst
        .post(app.url("/api/v1/decisions"))
        .json(&accept)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 409, "nothing to accept on a hold");
    let comply = serde_json::json!({ "product_id": mug, "action": "comply" });
    let refused = analyst
        .post(app.url("/api/v1/decisions"))
        .json(&comply)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409, "nothing to comply with on this hold");
    assert!(refused.text().await.unwrap().contains("nothing to choose"));

    // A manual price: the viewer cannot, the analyst can; it is logged and audited.
    let price = serde_json::json!({ "price": "6.00", "note": "round up" });
    let url = app.url(&format!("/api/v1/products/{mug}/price"));
    assert_eq!(
        viewer.put(&url).json(&price).send().await.unwrap().status(),
        403
    );
    let decision: Value = analyst
        .put(&url)
        .json(&price)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            &decision["kind"],
            &decision["status"],
            &decision["old_price"],
            &decision["new_price"]
        ),
        (
            &Value::from("manual"),
            &Value::from("accepted"),
            &Value::from("5.00"),
            &Value::from("6.00")
        )
    );
    assert_eq!(decision["decided_by"], ANALYST);
    assert_eq!(decision["note"], "round up");
    let id = decision["decision_id"].as_i64().unwrap();
    let one: Value = get(&viewer, &format!("/api/v1/decisions/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one, decision);
    let detail: Value = get(&viewer, &format!("/api/v1/products/{mug}?{q}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail["stock"]["price"], "6.00",
        "the accepted price is the product's price"
    );
    assert_eq!(detail["decisions"].as_array().unwrap().len(), 1);
    let bad = serde_json::json!({ "price": "0", "note": "" });
    assert_eq!(
        analyst.put(&url).json(&bad).send().await.unwrap().status(),
        422
    );

    // Signals: listed for viewers, acknowledged by analysts once.
    let signal: i64 = sqlx::query_scalar(
        "insert into market_signal (kind, product_id, severity, message) values ('low_stock', $1, 'warning', 'Mug is low') returning market_signal_id",
    )
    .bind(mug)
    .fetch_one(&pool)
    .await
    .unwrap();
    let open: Value = get(&viewer, "/api/v1/signals")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["sku"], "A1");
    let ack = app.url(&format!("/api/v1/signals/{signal}/acknowledge"));
    assert_eq!(viewer.put(&ack).send().await.unwrap().status(), 403);
    let acked: Value = analyst
        .put(&ack)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(acked["acknowledged_by"], ANALYST);
    assert_eq!(analyst.put(&ack).send().await.unwrap().status(), 409);
    let open: Value = get(&viewer, "/api/v1/signals")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(open.as_array().unwrap().len(), 0);
    let all: Value = get(&viewer, "/api/v1/signals?all=true")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(
        get(&viewer, "/api/v1/signals/999999")
            .await
            .unwrap()
            .status(),
        404
    );

    // The page's server functions check the same roles.
    for (path, body) in [
        (
            "/fn/decide_price",
            vec![
                ("request[product_id]", mug.to_string()),
                ("request[action]", "manual".into()),
                ("request[price]", "7".into()),
            ],
        ),
        (
            "/fn/acknowledge_signal",
            vec![("signal_id", signal.to_string())],
        ),
        ("/fn/recompute_signals", vec![]),
    ] {
        let status = viewer
            .post(app.url(path))
            .form(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "viewer: {path}");
    }
    let recompute = analyst
        .post(app.url("/fn/recompute_signals"))
        .send()
        .await
        .unwrap();
    assert_eq!(recompute.status(), 200);
    assert_eq!(
        get(&viewer, "/fn/get_open_signal_count")
            .await
            .unwrap()
            .status(),
        200
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action in ('pricing.decision', 'signal.acknowledge') order by audit_log_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audited, ["pricing.decision", "signal.acknowledge"]);
}

/// Reads server-sent events from `response` until one `data:` line arrives; its JSON.
async fn next_event(response: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                return serde_json::from_str(data.trim()).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[sqlx::test(migrations = false)]
async fn the_live_stream_tells_each_change(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    let admin = app.client_as(ADMIN).await;
    // For scripts: the version now, then the stream ends.
    let once = viewer
        .get(app.url("/api/v1/live?once=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(once.status(), 200);
    assert_eq!(once.headers()["content-type"], "text/event-stream");
    let text = once.text().await.unwrap();
    assert!(
        text.starts_with("event: data\ndata: {\"version\":"),
        "{text}"
    );

    let mut stream = viewer.get(app.url("/api/v1/live")).send().await.unwrap();
    let mut buffer = String::new();
    let first = next_event(&mut stream, &mut buffer).await["version"]
        .as_i64()
        .unwrap();
    // A change (an upload) is told within a second or so.
    let started = std::time::Instant::now();
    let loaded = admin
        .post(app.url("/api/v1/ingest?filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 200);
    let next = next_event(&mut stream, &mut buffer).await["version"]
        .as_i64()
        .unwrap();
    assert!(next > first, "{first} → {next}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Nobody else: refused.
    assert_eq!(
        app.client()
            .get(app.url("/api/v1/live"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
