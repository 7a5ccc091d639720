//! The JSON API: documented routes, roles, uploads over HTTP, transaction paging.
mod common;

use common::*;
use serde_json::Value;
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
    let page = get(format!(
        "/fn/get_sales_overview?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none"
    ))
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
