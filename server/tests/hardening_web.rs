//! Hardening of the HTTP edge (issue 12): embed tokens (crit, nbf, capped exp), embed origins,
//! the bearer scheme, the CSRF origin check, `Cache-Control: no-store`, malformed server-function
//! arguments and oversized bodies, CSV defusing, and values no data can match or no column hold.
mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::{json, Value};
use sqlx::PgPool;

const HOST: &str = "http://127.0.0.1:4000";
const MARCH: &str = "from=2026-03-01&to=2026-03-31&compare=none";
/// A sale in a country named like a formula, and a country with only a return (net -5.00).
const CSV: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
100,A1,Mug,2,2026-03-01 10:00,5.00,c1,-Infinity
C101,A1,Mug,-1,2026-03-02 11:00,5.00,c2,Nowhere
";

async fn create_embed(app: &TestApp, admin: &reqwest::Client, origin: &str) -> reqwest::Response {
    admin
        .post(app.url("/fn/save_embed"))
        .form(&[
            ("input[name]", "Germany"),
            ("input[dashboard]", "sales"),
            ("input[locked][country][0]", "Germany"),
            ("input[allowed_origins][0]", origin),
        ])
        .send()
        .await
        .unwrap()
}

/// An embed and the secret a host signs its tokens with.
async fn embed_with_secret(app: &TestApp, admin: &reqwest::Client) -> (i64, String) {
    let created = create_embed(app, admin, HOST).await;
    assert_eq!(created.status(), 200);
    let id: i64 = created.json().await.unwrap();
    let list = admin.get(app.url("/fn/list_embeds")).send().await.unwrap();
    let list = answer_json::<Vec<app::features::embed::types::EmbedDetail>>(list).await;
    (id, list[0]["secret"].as_str().unwrap().to_string())
}

/// Signs claims under any header, as a host's JWT library would.
fn sign(header: &Value, claims: &Value, secret: &str) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    format!("{message}.{signature}")
}

/// Status and body of the sales summary read with a bearer token.
async fn read_with(app: &TestApp, token: &str) -> (u16, String) {
    let response = app
        .client()
        .get(app.url(&format!("/api/v1/sales/summary?{MARCH}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[sqlx::test(migrations = false)]
async fn embed_tokens_honour_crit_nbf_and_a_capped_expiry(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let (id, secret) = embed_with_secret(&app, &admin).await;
    let now = chrono::Utc::now().timestamp();
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let claims = |exp: i64| json!({"embed": id, "dashboard": "sales", "filters": {"country": ["Germany"]}, "exp": exp});
    assert_eq!(
        read_with(&app, &sign(&header, &claims(now + 600), &secret))
            .await
            .0,
        200,
        "a plain host-minted token works"
    );

    // A critical header extension we cannot understand.
    let crit = json!({"alg": "HS256", "typ": "JWT", "crit": ["http://example.com/ext"], "http://example.com/ext": true});
    let (status, body) = read_with(&app, &sign(&crit, &claims(now + 600), &secret)).await;
    assert_eq!(status, 401);
    assert!(body.contains("crit"), "{body}");

    // Not before: in the future refused, in the past fine.
    let mut early = claims(now + 600);
    early["nbf"] = json!(now + 300);
    let (status, body) = read_with(&app, &sign(&header, &early, &secret)).await;
    assert_eq!(status, 401);
    assert!(body.contains("not valid yet"), "{body}");
    early["nbf"] = json!(now - 5);
    assert_eq!(
        read_with(&app, &sign(&header, &early, &secret)).await.0,
        200
    );

    // Year 9999, and just over the 30-day maximum.
    let (status, body) = read_with(&app, &sign(&header, &claims(253_402_300_799), &secret)).await;
    assert_eq!(status, 401);
    assert!(body.contains("30 days"), "{body}");
    let over = now + 30 * 86_400 + 60;
    assert_eq!(
        read_with(&app, &sign(&header, &claims(over), &secret))
            .await
            .0,
        401
    );
    assert_eq!(
        read_with(&app, &sign(&header, &claims(now + 29 * 86_400), &secret))
            .await
            .0,
        200
    );

    // Past the embed's own expiry (in two hours).
    sqlx::query("update embed set expires_at = now() + interval '2 hours' where embed_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = read_with(&app, &sign(&header, &claims(now + 3 * 3600), &secret)).await;
    assert_eq!(status, 401);
    assert!(body.contains("embed's own expiry"), "{body}");
    assert_eq!(
        read_with(&app, &sign(&header, &claims(now + 3600), &secret))
            .await
            .0,
        200
    );

    // The admin page cannot mint past 30 days either.
    let long = admin
        .post(app.url("/fn/mint_embed_token"))
        .form(&[
            ("id", id.to_string()),
            ("minutes", (31 * 24 * 60).to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 422);
    assert!(long.text().await.unwrap().contains("minutes"));
}

#[sqlx::test(migrations = false)]
async fn embed_origins_are_web_origins_and_inputs_are_bounded(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    for origin in ["javascript://x", "data://x", "capacitor://localhost"] {
        let response = create_embed(&app, &admin, origin).await;
        assert_eq!(response.status(), 422, "{origin}");
        assert!(
            response.text().await.unwrap().contains("allowed_origins"),
            "{origin}"
        );
    }
    let long_name = "n".repeat(101);
    let response = admin
        .post(app.url("/fn/save_embed"))
        .form(&[
            ("input[name]", long_name.as_str()),
            ("input[dashboard]", "sales"),
            ("input[allowed_origins][0]", HOST),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("name"));
    let mut fields = vec![
        ("input[name]".to_string(), "many".to_string()),
        ("input[dashboard]".to_string(), "sales".to_string()),
    ];
    for i in 0..21 {
        fields.push((
            format!("input[allowed_origins][{i}]"),
            format!("https://shop{i}.example"),
        ));
    }
    let response = admin
        .post(app.url("/fn/save_embed"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("allowed_origins"));
    assert_eq!(create_embed(&app, &admin, HOST).await.status(), 200);
}

#[sqlx::test(migrations = false)]
async fn a_lowercase_bearer_is_a_bearer_and_never_falls_back_to_the_cookie(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let created: Value = admin
        .post(app.url("/fn/create_api_token"))
        .form(&[("name", "viewer script"), ("role", "viewer")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    // The admin's cookie is present; the viewer token must decide (audit log: admins only).
    let with_token = admin
        .get(app.url("/api/v1/audit"))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_token.status(),
        403,
        "the token's role, not the cookie's"
    );
    let unknown = admin
        .get(app.url("/api/v1/audit"))
        .header("authorization", "bearer sp_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401, "a refused token, not the cookie");
    let upper = app
        .client()
        .get(app.url(&format!("/api/v1/sales/summary?{MARCH}")))
        .header("authorization", format!("BEARER {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(upper.status(), 200);
    let cookie_only = admin.get(app.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(cookie_only.status(), 200);
}

#[sqlx::test(migrations = false)]
async fn cross_site_checks_compare_scheme_host_and_port(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let login = |origin: Option<(&'static str, String)>| {
        let mut request = app
            .client()
            .post(app.url("/fn/login"))
            .form(&[("email", VIEWER), ("password", PASSWORD)]);
        if let Some((name, value)) = origin {
            request = request.header(name, value);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let addr = app.addr;
    let port = addr.port();
    assert_eq!(
        login(Some(("origin", format!("https://{addr}")))).await,
        403
    );
    assert_eq!(
        login(Some(("origin", format!("http://{addr}:1")))).await,
        403
    );
    assert_eq!(
        login(Some(("origin", format!("http://127.0.0.1:{}", port + 1)))).await,
        403
    );
    assert_eq!(login(Some(("origin", "null".into()))).await, 403);
    assert_eq!(
        login(Some(("referer", format!("https://{addr}/login")))).await,
        403
    );
    assert_eq!(login(Some(("origin", format!("http://{addr}")))).await, 200);
    assert_eq!(
        login(Some(("referer", format!("http://{addr}/login?next=/")))).await,
        200
    );
    assert_eq!(login(None).await, 200, "scripts send neither");
}

#[sqlx::test(migrations = false)]
async fn data_answers_are_never_stored_by_caches(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let analyst = app.client_as(ANALYST).await;
    for path in [
        format!("/api/v1/sales/summary?{MARCH}"),
        format!("/api/v1/sales/monthly?{MARCH}&format=csv"),
        "/api/v1/decisions?format=csv".to_string(),
        "/fn/get_current_user".to_string(),
        "/fn/get_sales_summary?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none"
            .to_string(),
        "/sales".to_string(),
    ] {
        let response = analyst.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    // Refusals too.
    let anonymous = app
        .client()
        .get(app.url("/api/v1/decisions"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["cache-control"], "no-store");
}

/// A log sink for a test's subscriber.
#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrations = false)]
async fn malformed_server_function_arguments_are_400_and_big_bodies_413(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let form = "application/x-www-form-urlencoded";
    let calls: [(&str, &str, &str); 7] = [
        ("post", "/fn/revoke_embed", "id=abc"),
        ("post", "/fn/mint_embed_token", "id=1"),
        ("post", "/fn/login", "email=a%40b.example"),
        ("post", "/fn/save_embed", "input=%%%"),
        (
            "post",
            "/fn/decide_price",
            "request[product_id]=1&request[action]=sell",
        ),
        ("get", "/fn/get_product_detail?product_id=x", ""),
        ("get", "/fn/get_run?id=1.5", ""),
    ];
    // Everything the server logs meanwhile (its tasks run on this test's thread).
    let log = Capture::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    for (who, client) in [("anonymous", app.client()), ("admin", admin.clone())] {
        for (method, path, body) in calls {
            let request = match method {
                "get" => client.get(app.url(path)),
                _ => client
                    .post(app.url(path))
                    .header("content-type", form)
                    .body(body),
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert_eq!(status, 400, "{who} {method} {path}: {text}");
            let error: Value = serde_json::from_str(&text).unwrap();
            assert!(
                error["BadRequest"]
                    .as_str()
                    .is_some_and(|m| m.contains("arguments could not be read")),
                "{text}"
            );
        }
    }
    drop(guard);
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("finished processing request"),
        "the capture sees the server: {log}"
    );
    assert!(
        !log.contains("ERROR"),
        "the caller's mistakes are no errors of ours: {log}"
    );
    // Well-formed calls still reach the role check first.
    let anonymous = app
        .client()
        .post(app.url("/fn/revoke_embed"))
        .header("content-type", form)
        .body("id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Over the body limit (2 MiB): 413 on server functions and JSON routes alike.
    let big = format!("note={}", "x".repeat(3 * 1024 * 1024));
    let response = admin
        .post(app.url("/fn/decide_price"))
        .header("content-type", form)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let big_json = json!({"price": "1", "note": "x".repeat(3 * 1024 * 1024)}).to_string();
    let response = admin
        .put(app.url("/api/v1/products/1/price"))
        .header("content-type", "application/json")
        .body(big_json)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

/// Loads `CSV` as the admin `admin`.
async fn load_csv(app: &TestApp, admin: &reqwest::Client) {
    let loaded = admin
        .post(app.url("/api/v1/ingest?filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 200, "{}", loaded.text().await.unwrap());
}

#[sqlx::test(migrations = false)]
async fn csv_exports_defuse_every_formula_but_keep_numbers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    load_csv(&app, &admin).await;
    let csv = admin
        .get(app.url(&format!(
            "/api/v1/sales/breakdown?{MARCH}&by=country&format=csv"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["cache-control"], "no-store");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let infinity = lines
        .iter()
        .find(|l| l.contains("Infinity"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(infinity.starts_with("'-Infinity,10"), "{text}");
    let nowhere = lines
        .iter()
        .find(|l| l.starts_with("Nowhere"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        nowhere.contains(",-5"),
        "a negative amount stays a number: {text}"
    );
    assert!(!nowhere.contains("'-5"), "{text}");
}

/// Values no data can match or no column can hold are the caller's mistake: a 4xx in JSON that
/// names what is wrong, never a panic, a dropped connection or a 500; and a price that would
/// overflow the pricing figures, or a time zone no load could set, is refused before it is kept.
#[sqlx::test(migrations = false)]
async fn strange_values_are_refused_in_json_and_name_what_is_wrong(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.client_as(ADMIN).await;
    load_csv(&app, &admin).await;
    // (path, status, the field named in `fields` or a word of `error`)
    let cases: [(&str, u16, &str); 10] = [
        ("/api/v1/sales/summary?to=-262143-01-01", 422, "to"),
        (
            "/api/v1/sales/summary?from=-262143-01-01&to=-262143-01-05",
            422,
            "from",
        ),
        (
            "/api/v1/sales/timeseries?from=-5000-01-01&to=-5000-01-05",
            422,
            "from",
        ),
        (
            "/api/v1/customers/summary?from=9999-12-25&to=%2B10000-01-02",
            422,
            "to",
        ),
        ("/api/v1/sales/summary?channel=%00", 422, "channel"),
        ("/api/v1/customers/summary?country=a%00b", 422, "country"),
        ("/api/v1/sales/summary?category=a%0Ab", 422, "category"),
        ("/api/v1/transactions?customer=a%00b", 400, "NUL"),
        ("/api/v1/sales/summary?from=2024-02-30", 400, "from"),
        ("/api/v1/ingest-runs/abc", 400, "abc"),
    ];
    for (path, status, names) in cases {
        let response = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e})"));
        let named = body["fields"].get(names).is_some()
            || body["error"].as_str().is_some_and(|e| e.contains(names));
        assert!(named, "{path}: {body}");
    }
    // The last day a filter may name still answers.
    let edge = admin
        .get(app.url("/api/v1/sales/summary?from=9999-12-01&to=9999-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(edge.status(), 200, "{}", edge.text().await.unwrap());

    // Manual prices: in cents, above 0, at most the largest unit price a file may hold.
    let product: i64 =
        sqlx::query_scalar("select product_id from product order by product_id limit 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let url = app.url(&format!("/api/v1/products/{product}/price"));
    for (price, says) in [
        ("0.001", "at least 0.01"),
        ("-1", "at least 0.01"),
        ("1000000000.01", "largest price"),
        ("79228162514264337593543950335", "largest price"),
    ] {
        let response = admin
            .put(&url)
            .json(&json!({ "price": price }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{price}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["fields"]["price"][0]
                .as_str()
                .is_some_and(|m| m.contains(says)),
            "{price}: {body}"
        );
    }
    let response = admin
        .put(&url)
        .json(&json!({ "price": "5", "note": "a\u{0}b" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422, "a NUL in the note");
    let largest = admin
        .put(&url)
        .json(&json!({ "price": "1000000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(largest.status(), 200, "{}", largest.text().await.unwrap());
    for path in [
        "/api/v1/pricing/recommendations".to_string(),
        "/api/v1/inventory/summary".to_string(),
        format!("/api/v1/products/{product}"),
    ] {
        let response = admin.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path} with the largest price");
    }

    // A time zone PostgreSQL does not know is refused and not kept on the source.
    let refused = admin
        .post(app.url("/api/v1/ingest?filename=b.csv&source=Uploads&timezone=Mars/Olympus"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert!(body["fields"]["timezone"].is_array(), "{body}");
    assert!(!body.to_string().contains("database"), "{body}");
    let after = admin
        .post(app.url("/api/v1/ingest?filename=c.csv&source=Uploads"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200, "{}", after.text().await.unwrap());
}
