//! HTTP behaviour of the whole app: login, throttling, logout, roles, headers, CSRF.
mod common;

use common::*;
use serde_json::Value;
use sqlx::PgPool;

const SALES: &str = "/fn/get_sales_summary";
const USERS: &str = "/fn/list_users";

#[sqlx::test(migrations = false)]
async fn health_and_ready(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    assert_eq!(
        client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready = client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
}

#[sqlx::test(migrations = false)]
async fn login_sets_a_protected_session_cookie(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let response = app.login(&client, VIEWER, PASSWORD).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["location"], "/sales");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("storepulse_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not get Secure cookies: {cookie}"
    );

    let me = client
        .get(app.url("/fn/get_current_user"))
        .send()
        .await
        .unwrap();
    let me = answer_json::<Option<app::features::auth::types::CurrentUser>>(me).await;
    assert_eq!(me["email"], VIEWER);
    assert_eq!(me["role"], "viewer");
    let audit: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'login.success' and actor = $1",
    )
    .bind(VIEWER)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit, 1);
}

#[sqlx::test(migrations = false)]
async fn wrong_password_and_unknown_user_get_the_same_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let wrong = app.login(&app.client(), VIEWER, "not the password").await;
    let unknown = app
        .login(&app.client(), "nobody@test.example", "not the password")
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(wrong, unknown);
    assert!(wrong.contains("BadCredentials"), "{wrong}");
}

#[sqlx::test(migrations = false)]
async fn failed_logins_are_throttled_per_account(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for _ in 0..3 {
        assert_eq!(
            app.login(&app.client(), ANALYST, "guess").await.status(),
            401
        );
    }
    // This account from this address waits now: even the right password is refused, with a time
    // to wait.
    let locked = app.login(&app.client(), ANALYST, PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((5..=10).contains(&wait), "first wait is 10 s: {wait}");
    // Other accounts from the same address are not locked (the per-address limit is higher).
    assert_eq!(
        app.login(&app.client(), VIEWER, PASSWORD).await.status(),
        200
    );
    // Once the wait has passed, the right password works again and clears the count.
    sqlx::query("update login_throttle set wait_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.login(&app.client(), ANALYST, PASSWORD).await.status(),
        200
    );
    let left: i64 = sqlx::query_scalar(
        "select count(*) from login_throttle where throttle_key like 'pair:analyst@%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test(migrations = false)]
async fn failed_logins_are_throttled_per_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // 30 failures spread over many accounts from one address lock the address.
    for n in 0..30 {
        let status = app
            .login(&app.client(), &format!("guess{n}@test.example"), "guess")
            .await
            .status();
        assert_eq!(status, 401, "attempt {n}");
    }
    assert_eq!(
        app.login(&app.client(), VIEWER, PASSWORD).await.status(),
        429
    );
}

#[sqlx::test(migrations = false)]
async fn logout_ends_the_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client_as(VIEWER).await;
    assert_eq!(
        client.get(app.url(SALES)).send().await.unwrap().status(),
        200
    );
    let logout = client.post(app.url("/fn/logout")).send().await.unwrap();
    assert_eq!(logout.status(), 200);
    assert_eq!(
        client.get(app.url(SALES)).send().await.unwrap().status(),
        401
    );
    let sessions: i64 = sqlx::query_scalar("select count(*) from tower_sessions.session")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        sessions, 0,
        "the stored session is deleted, not just the cookie"
    );
}

#[sqlx::test(migrations = false)]
async fn each_role_reaches_what_it_may_and_nothing_else(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let anonymous = app.client();
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let admin = app.client_as(ADMIN).await;
    // (endpoint, [anonymous, viewer, analyst, admin])
    let matrix = [(SALES, [401, 200, 200, 200]), (USERS, [401, 403, 403, 200])];
    let clients = [
        ("anonymous", &anonymous),
        ("viewer", &viewer),
        ("analyst", &analyst),
        ("admin", &admin),
    ];
    for (endpoint, expected) in matrix {
        for ((who, client), want) in clients.iter().zip(expected) {
            let status = client.get(app.url(endpoint)).send().await.unwrap().status();
            assert_eq!(status, want, "{who} on {endpoint}");
        }
    }
    let refused: Value = viewer
        .get(app.url(USERS))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused, Value::String("Forbidden".into()));
}

#[sqlx::test(migrations = false)]
async fn a_disabled_user_loses_access_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    sqlx::query("update app_user set disabled = true where email = $1")
        .bind(VIEWER)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        viewer.get(app.url(SALES)).send().await.unwrap().status(),
        401
    );
    assert_eq!(
        app.login(&app.client(), VIEWER, PASSWORD).await.status(),
        401
    );
}

#[sqlx::test(migrations = false)]
async fn pages_need_a_login_and_come_back_after(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let anonymous = app.client();
    let page = anonymous
        .get(app.url("/sales?from=2026-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/login?next=%2Fsales%3Ffrom%3D2026-01-01"
    );
    assert_eq!(
        anonymous
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let viewer = app.client_as(VIEWER).await;
    let page = viewer.get(app.url("/sales")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Gross revenue"),
        "the Sales page renders its cards on the server"
    );
    // Logged in, the login page forwards to where the user was going.
    let login = viewer
        .get(app.url("/login?next=%2Fsales%3Ffrom%3D2026-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    assert_eq!(login.headers()["location"], "/sales?from=2026-01-01");
    let evil = viewer
        .get(app.url("/login?next=https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.headers()["location"], "/sales");
}

#[sqlx::test(migrations = false)]
async fn cross_site_writes_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let forged = client
        .post(app.url("/fn/login"))
        .header("origin", "http://evil.example")
        .form(&[("email", VIEWER), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let same_site = client
        .post(app.url("/fn/login"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("email", VIEWER), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 200);
}

#[sqlx::test(migrations = false)]
async fn app_pages_refuse_framing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[sqlx::test(migrations = false)]
async fn invalid_filters_say_which_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    let response = viewer
        .get(app.url(&format!(
            "{SALES}?filter[from]=2026-02-01&filter[to]=2026-01-01"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["Validation"]["from"][0]
            .as_str()
            .unwrap()
            .contains("is after"),
        "{body}"
    );
}

/// A dashboard page whose filter is refused says so once, with the parameter and a way back,
/// instead of an error in each of its parts; a preset wins over reversed dates, so that page
/// shows its parts.
#[sqlx::test(migrations = false)]
async fn pages_refuse_a_bad_filter_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    for (page, says) in [
        (
            "/sales?from=2026-02-01&to=2026-01-01",
            "from: 2026-02-01 is after the end date 2026-01-01",
        ),
        (
            "/customers?from=1990-01-01&to=2026-01-01",
            "to: the range spans 13150 days; at most 7320 are allowed",
        ),
        (
            "/inventory?country=%00Spain",
            r#"country: "\0Spain" is not a country"#,
        ),
    ] {
        let response = viewer.get(app.url(page)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{page}");
        let body = response.text().await.unwrap();
        assert_eq!(body.matches("role=\"alert\"").count(), 1, "{page}: {body}");
        assert!(body.contains("These filters cannot be shown"), "{page}");
        assert!(body.contains(says), "{page}: {says}");
        let path = page.split('?').next().unwrap();
        assert!(
            body.contains(&format!("href=\"{path}\"")),
            "{page}: a link to clear them"
        );
        assert!(
            !body.contains("panel placeholder"),
            "{page}: no part is asked for"
        );
    }
    let preset = viewer
        .get(app.url("/sales?preset=last_30_days&from=2026-02-01&to=2026-01-01"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!preset.contains("filter-refused"));
    assert!(preset.contains("panel placeholder"));
}

/// Loads one line of an Online Retail file into the source "Shop" as the admin.
async fn upload_as_admin(app: &TestApp, line: &str) {
    let csv = format!(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n{line}\n"
    );
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("orders.csv"),
    );
    let upload = app
        .client_as(ADMIN)
        .await
        .post(app.url("/api/v1/ingest?source=Shop"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 200, "{}", upload.text().await.unwrap());
}

/// `/metrics` answers this machine (the default `metrics_allow`) with request latency per route
/// template, the pool's gauges, cache lookups and finished ingest runs.
#[sqlx::test(migrations = false)]
async fn metrics_are_served_to_allowed_addresses(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    assert_eq!(
        viewer.get(app.url(SALES)).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        viewer.get(app.url(SALES)).send().await.unwrap().status(),
        200
    );
    upload_as_admin(&app, "100,A1,Mug,2,2026-03-01 10:00,5.00,c1,United Kingdom").await;

    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for expected in [
        r#"storepulse_http_request_duration_seconds_bucket{method="GET",route="/fn/get_sales_summary",status="2xx",le="0.5"}"#,
        r#"storepulse_http_request_duration_seconds_count{method="POST",route="/fn/login",status="2xx"}"#,
        "storepulse_db_pool_connections ",
        "storepulse_db_pool_idle_connections ",
        "storepulse_db_pool_max_connections ",
        r#"storepulse_cache_requests_total{query="sales.summary",outcome="miss"}"#,
        r#"storepulse_cache_requests_total{query="sales.summary",outcome="hit"}"#,
        r#"storepulse_ingest_runs_total{outcome="succeeded"}"#,
        r#"storepulse_ingest_rows_total{outcome="succeeded"}"#,
        r#"storepulse_ingest_rows_per_second_bucket{outcome="succeeded",le="+Inf"}"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    // Route templates, never URLs with ids or queries.
    assert!(!text.contains("source=Shop"), "{text}");
}

/// The filter bar's options are kept once per data version (computed by the first page view
/// after a change, then read): an ingest that brings a new country shows it at once.
#[sqlx::test(migrations = false)]
async fn filter_options_follow_each_ingest(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    let countries = || async {
        let options = viewer
            .get(app.url("/fn/get_filter_options"))
            .send()
            .await
            .unwrap();
        let options = answer_json::<app::dashboard::filter::FilterOptions>(options).await;
        options["countries"].as_array().unwrap().clone()
    };
    let before = countries().await;
    assert_eq!(countries().await, before, "read again from the cache");
    assert!(!before.contains(&Value::from("Iceland")), "{before:?}");

    upload_as_admin(&app, "900,A1,Mug,2,2026-03-01 10:00,5.00,c9,Iceland").await;
    let after = countries().await;
    assert!(after.contains(&Value::from("Iceland")), "{after:?}");
    assert_eq!(after.len(), before.len() + 1, "{after:?}");

    let metrics = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for outcome in ["miss", "hit"] {
        let line = format!(
            r#"storepulse_cache_requests_total{{query="filter.options",outcome="{outcome}"}}"#
        );
        assert!(metrics.contains(&line), "{line} missing from:\n{metrics}");
    }
}

#[sqlx::test(migrations = false)]
async fn metrics_are_refused_elsewhere_without_the_token(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |s| {
        s.metrics_allow = vec![];
        s.metrics_token = Some(server::config::Secret::new("scrape-me-7f3a"));
    })
    .await;
    let client = app.client();
    let get = |token: Option<&str>| {
        let mut request = client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 403);
    assert_eq!(get(Some("scrape-me")).await.unwrap().status(), 403);
    let allowed = get(Some("scrape-me-7f3a")).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert!(allowed
        .text()
        .await
        .unwrap()
        .contains("storepulse_db_pool_connections"));
}

/// Behind a trusted proxy the client's address counts, not the proxy's loopback.
#[sqlx::test(migrations = false)]
async fn metrics_behind_a_proxy_go_by_the_client_address(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |s| s.trust_forwarded_for = true).await;
    let client = app.client();
    let from = |address: &'static str| {
        client
            .get(app.url("/metrics"))
            .header("x-forwarded-for", address)
            .send()
    };
    assert_eq!(from("203.0.113.7").await.unwrap().status(), 403);
    assert_eq!(from("127.0.0.1").await.unwrap().status(), 200);
}

/// Pages stream part by part (out-of-order streaming SSR): the shell with each part's
/// placeholder is sent first and the parts follow as their figures are ready, so the first cards
/// never wait for the slowest panel.
#[sqlx::test(migrations = false)]
async fn pages_stream_their_parts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    for (page, placeholder) in [
        ("/sales", "Loading sales figures…"),
        ("/customers", "Loading customer figures…"),
        ("/inventory", "Loading stock figures…"),
    ] {
        let response = viewer.get(app.url(page)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{page}");
        let body = response.text().await.unwrap();
        let shell = body.find(placeholder);
        let cards = body.find("class=\"kpi-card\"");
        assert!(
            matches!((shell, cards), (Some(s), Some(c)) if s < c),
            "{page}: the placeholder, then the cards streamed after it"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn pages_show_moments_in_the_stores_zone(pool: PgPool) {
    use app::clock::StoreZone;
    use chrono::TimeZone;
    let mut conn = pool.acquire().await.unwrap();
    // Europe/London: BST from 29 Mar 2026 01:00 UTC to 25 Oct 2026 01:00 UTC.
    let london = StoreZone::load(&mut conn, "Europe/London").await.unwrap();
    let spring = london
        .changes
        .iter()
        .find(|c| c.at == 1_774_746_000)
        .expect("the 2026 change to summer time, to the second");
    assert_eq!((spring.offset, spring.abbrev.as_str()), (3600, "BST"));
    assert!(london
        .changes
        .iter()
        .any(|c| c.at == 1_792_890_000 && c.offset == 0));
    let t = chrono::Utc.with_ymd_and_hms(2026, 9, 2, 13, 5, 0).unwrap();
    assert_eq!(london.time(t), "2 Sep 2026 14:05 BST");
    // A zone without summer time is one offset; the session's zone is left as it was.
    let kolkata = StoreZone::load(&mut conn, "Asia/Kolkata").await.unwrap();
    assert_eq!(kolkata.changes.len(), 1);
    assert_eq!(kolkata.time(t), "2 Sep 2026 18:35 IST");
    let session: String = sqlx::query_scalar("show timezone")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_ne!(session, "Asia/Kolkata");
    drop(conn);

    // The audit log page shows the store's time with its zone, not UTC.
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let html = admin
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("name=\"storepulse-zone\""),
        "the page carries the zone"
    );
    assert!(!html.contains("(UTC)"));

    // An address that is no page: the app's own 404 page, not an empty answer.
    let missing = admin.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let html = missing.text().await.unwrap();
    assert!(
        html.contains("Page not found") && html.contains("href=\"/sales\""),
        "{html}"
    );

    // Under /api/ and /fn/ an unknown address answers JSON, as every API error does.
    for path in ["/api/v1/no-such-route", "/fn/no_such_function"] {
        let missing = admin.post(app.url(path)).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{path}");
        let body: serde_json::Value = missing.json().await.unwrap();
        assert_eq!(
            body["error"],
            format!("The route POST {path} was not found."),
            "{path}"
        );
    }
    let missing = admin
        .get(app.url("/api/v1/no-such-route"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}
