//! Access over the whole app: the role × route matrix (every server function and API route, for
//! anonymous callers, each role, an API token and an embed token), API tokens, embed tokens and
//! their locked filters, user administration, the audit log and the security headers.
mod common;

use app::features::auth::types::Role;
use app::features::embed::types::Dashboard;
use common::*;
use serde_json::Value;
use sqlx::PgPool;

const CSV: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
100,A1,Mug,2,2026-03-01 10:00,5.00,c1,United Kingdom
100,A2,Plate,1,2026-03-01 10:00,7.50,c1,United Kingdom
101,A1,Mug,1,2026-03-02 11:00,5.00,,France
102,A2,Plate,3,2026-03-03 12:00,7.50,c2,Germany
103,A1,Mug,4,2026-03-05 12:00,5.00,c3,Germany
C104,A1,Mug,-1,2026-03-06 09:00,5.00,c3,Germany
";
const HOST: &str = "http://127.0.0.1:4000";
const MARCH: &str = "from=2026-03-01&to=2026-03-31&compare=none";

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Login, logout, the current user, the OpenAPI document.
    Anyone,
    /// Users (and API tokens on /api) with at least this role.
    Needs(Role),
    /// A dashboard's figures: every user, and embeds of that dashboard.
    Reads(Dashboard),
    /// The filter bar's choices: every user, and every embed (limited to its filters).
    AnyDashboard,
    /// A dashboard's CSV export: analysts and admins, and embeds of that dashboard that allow it.
    Exports(Dashboard),
    /// The embed page's own description.
    EmbedOnly,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    User(Role),
    Token(Role),
    Embed(Dashboard),
}

fn allowed(access: Access, who: Who, api: bool) -> bool {
    use Access as A;
    match (access, who) {
        (A::Anyone, _) => true,
        (A::Needs(r), Who::User(u)) => u.allows(r),
        (A::Needs(r), Who::Token(t)) => api && t.allows(r),
        (A::Reads(_) | A::AnyDashboard, Who::User(_)) => true,
        (A::Reads(_) | A::AnyDashboard, Who::Token(_)) => api,
        (A::Reads(d), Who::Embed(e)) => d == e,
        (A::AnyDashboard, Who::Embed(_)) => true,
        (A::Exports(_), Who::User(u)) => u.allows(Role::Analyst),
        (A::Exports(_), Who::Token(t)) => api && t.allows(Role::Analyst),
        (A::Exports(d), Who::Embed(e)) => d == e, // the test embed allows exports
        (A::EmbedOnly, Who::Embed(_)) => true,
        _ => false,
    }
}

/// Every server function: (method, path with arguments, body, access). Arguments are valid in
/// shape and point at nothing (id 999999) or fail validation, so that allowed callers get past
/// the guard without changing anything; logout comes last since it ends the session.
fn server_functions() -> Vec<(&'static str, String, &'static str, Access)> {
    use Access::*;
    let sales_filter =
        "filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none".to_string();
    vec![
        (
            "post",
            "/fn/login".into(),
            "email=nobody%40x.example&password=wrongwrongwrong",
            Anyone,
        ),
        ("get", "/fn/get_current_user".into(), "", Anyone),
        ("get", "/fn/list_users".into(), "", Needs(Role::Admin)),
        (
            "post",
            "/fn/create_user".into(),
            "user[email]=not-an-email&user[role]=viewer",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/update_user".into(),
            "id=999999&role=viewer&disabled=false",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/reset_password".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/change_password".into(),
            "current=wrong-password&new=another-password",
            Needs(Role::Viewer),
        ),
        ("get", "/fn/list_api_tokens".into(), "", Needs(Role::Admin)),
        (
            "post",
            "/fn/create_api_token".into(),
            "name=&role=viewer",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/revoke_api_token".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        ("get", "/fn/get_audit_log".into(), "", Needs(Role::Admin)),
        ("get", "/fn/list_embeds".into(), "", Needs(Role::Admin)),
        (
            "post",
            "/fn/save_embed".into(),
            "input[name]=&input[dashboard]=sales",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/revoke_embed".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/rotate_embed_secret".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/mint_embed_token".into(),
            "id=999999&minutes=5",
            Needs(Role::Admin),
        ),
        ("get", "/fn/get_embed_view".into(), "", EmbedOnly),
        (
            "get",
            format!("/fn/get_sales_overview?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        ("get", "/fn/get_filter_options".into(), "", AnyDashboard),
        (
            "get",
            format!("/fn/get_customers_overview?{sales_filter}"),
            "",
            Reads(Dashboard::Customers),
        ),
        (
            "get",
            format!("/fn/get_customer_group?{sales_filter}&kind=country&id=Germany"),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            format!("/fn/get_inventory_overview?{sales_filter}"),
            "",
            Reads(Dashboard::Inventory),
        ),
        (
            "get",
            format!("/fn/get_pricing_overview?{sales_filter}"),
            "",
            Reads(Dashboard::Inventory),
        ),
        (
            "get",
            "/fn/get_product_detail?product_id=999999".into(),
            "",
            Needs(Role::Viewer),
        ),
        (
            "post",
            "/fn/decide_price".into(),
            "request[product_id]=999999&request[action]=reject",
            Needs(Role::Analyst),
        ),
        ("get", "/fn/get_decisions".into(), "", Needs(Role::Viewer)),
        ("get", "/fn/get_signals".into(), "", Needs(Role::Viewer)),
        (
            "get",
            "/fn/get_open_signal_count".into(),
            "",
            Needs(Role::Viewer),
        ),
        (
            "post",
            "/fn/acknowledge_signal".into(),
            "signal_id=999999",
            Needs(Role::Analyst),
        ),
        (
            "post",
            "/fn/recompute_signals".into(),
            "",
            Needs(Role::Analyst),
        ),
        ("get", "/fn/list_sources".into(), "", Needs(Role::Admin)),
        ("get", "/fn/list_runs".into(), "", Needs(Role::Admin)),
        (
            "get",
            "/fn/get_run?id=999999".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/fn/get_source_contents?id=999999".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/update_source_settings".into(),
            "id=999999&settings[date_order]=auto&settings[max_rejected_percent]=0",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/delete_source".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/preview_upload".into(),
            "sample=a%2Cb&whole_file=true",
            Needs(Role::Admin),
        ),
        ("post", "/fn/logout".into(), "", Anyone),
    ]
}

/// Every API route: (method, path, body, access); CSV variants of the exports too.
fn api_routes() -> Vec<(&'static str, String, &'static str, Access)> {
    use Access::*;
    let d = |path: &str| format!("{path}?{MARCH}");
    let csv = |path: &str| format!("{path}?{MARCH}&format=csv");
    let (s, c, i) = (Dashboard::Sales, Dashboard::Customers, Dashboard::Inventory);
    vec![
        ("get", "/api/v1/openapi.json".into(), "", Anyone),
        (
            "post",
            "/api/v1/ingest?filename=empty.csv".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/api/v1/ingest-runs/999999".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/api/v1/ingest-runs/999999/rejections.csv".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/api/v1/ingest-runs/999999/retry".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/api/v1/transactions".into(),
            "",
            Needs(Role::Analyst),
        ),
        ("get", d("/api/v1/sales/summary"), "", Reads(s)),
        ("get", d("/api/v1/sales/timeseries"), "", Reads(s)),
        ("get", d("/api/v1/sales/monthly"), "", Reads(s)),
        ("get", csv("/api/v1/sales/monthly"), "", Exports(s)),
        (
            "get",
            format!("{}&by=country", d("/api/v1/sales/breakdown")),
            "",
            Reads(s),
        ),
        (
            "get",
            format!("{}&by=country", csv("/api/v1/sales/breakdown")),
            "",
            Exports(s),
        ),
        ("get", d("/api/v1/sales/top-products"), "", Reads(s)),
        ("get", csv("/api/v1/sales/top-products"), "", Exports(s)),
        // Customer names: users and tokens only, never embeds.
        (
            "get",
            d("/api/v1/sales/top-customers"),
            "",
            Needs(Role::Viewer),
        ),
        (
            "get",
            csv("/api/v1/sales/top-customers"),
            "",
            Needs(Role::Analyst),
        ),
        ("get", d("/api/v1/sales/concentration"), "", Reads(s)),
        ("get", d("/api/v1/sales/returns"), "", Reads(s)),
        ("get", csv("/api/v1/sales/returns"), "", Exports(s)),
        ("get", d("/api/v1/customers/summary"), "", Reads(c)),
        // Store-wide (every channel and country): never embeds.
        (
            "get",
            d("/api/v1/customers/acquisition"),
            "",
            Needs(Role::Viewer),
        ),
        ("get", d("/api/v1/customers/engagement"), "", Reads(c)),
        ("get", d("/api/v1/customers/rfm"), "", Reads(c)),
        ("get", d("/api/v1/customers/clusters"), "", Reads(c)),
        (
            "get",
            d("/api/v1/customers/cohorts"),
            "",
            Needs(Role::Viewer),
        ),
        (
            "get",
            d("/api/v1/customers/segment/country/Germany"),
            "",
            Needs(Role::Analyst),
        ),
        ("get", d("/api/v1/products"), "", Reads(i)),
        ("get", csv("/api/v1/products"), "", Exports(i)),
        (
            "get",
            "/api/v1/products/999999".into(),
            "",
            Needs(Role::Viewer),
        ),
        (
            "put",
            "/api/v1/products/999999/price".into(),
            "{}",
            Needs(Role::Analyst),
        ),
        ("get", "/api/v1/decisions".into(), "", Needs(Role::Viewer)),
        (
            "get",
            "/api/v1/decisions?format=csv".into(),
            "",
            Needs(Role::Analyst),
        ),
        (
            "post",
            "/api/v1/decisions".into(),
            "{}",
            Needs(Role::Analyst),
        ),
        (
            "get",
            "/api/v1/decisions/999999".into(),
            "",
            Needs(Role::Viewer),
        ),
        ("get", "/api/v1/signals".into(), "", Needs(Role::Viewer)),
        (
            "get",
            "/api/v1/signals/999999".into(),
            "",
            Needs(Role::Viewer),
        ),
        (
            "put",
            "/api/v1/signals/999999/acknowledge".into(),
            "",
            Needs(Role::Analyst),
        ),
        (
            "post",
            "/api/v1/signals/recompute".into(),
            "",
            Needs(Role::Analyst),
        ),
        ("get", d("/api/v1/inventory/summary"), "", Reads(i)),
        ("get", d("/api/v1/inventory/premium"), "", Reads(i)),
        ("get", csv("/api/v1/inventory/premium"), "", Exports(i)),
        ("get", d("/api/v1/pricing/recommendations"), "", Reads(i)),
        (
            "get",
            csv("/api/v1/pricing/recommendations"),
            "",
            Exports(i),
        ),
        (
            "get",
            "/api/v1/audit?action=login".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/api/v1/audit?format=csv".into(),
            "",
            Needs(Role::Admin),
        ),
    ]
}

/// Creates an embed through the admin's server function and returns its id.
async fn create_embed(app: &TestApp, admin: &reqwest::Client, fields: &[(&str, &str)]) -> i64 {
    let response = admin
        .post(app.url("/fn/save_embed"))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json::<i64>().await.unwrap()
}

async fn mint(app: &TestApp, admin: &reqwest::Client, id: i64, minutes: i64) -> String {
    let response = admin
        .post(app.url("/fn/mint_embed_token"))
        .form(&[("id", id.to_string()), ("minutes", minutes.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<String>().await.unwrap()
}

async fn create_token(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    role: &str,
) -> (String, i64) {
    let response = admin
        .post(app.url("/fn/create_api_token"))
        .form(&[("name", name), ("role", role)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.unwrap();
    (
        created["token"].as_str().unwrap().to_string(),
        created["summary"]["id"].as_i64().unwrap(),
    )
}

async fn load_orders(app: &TestApp, admin: &reqwest::Client) {
    let response = admin
        .post(app.url("/api/v1/ingest?filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

fn sales_embed_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("input[name]", "Germany on the partner site"),
        ("input[dashboard]", "sales"),
        ("input[locked][country][0]", "Germany"),
        ("input[editable][0]", "channel"),
        ("input[allowed_origins][0]", HOST),
        ("input[theme]", "dark"),
        ("input[allow_export]", "true"),
    ]
}

#[sqlx::test(migrations = false)]
async fn every_route_answers_each_caller_as_the_matrix_says(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    load_orders(&app, &admin).await;
    let embed = create_embed(&app, &admin, &sales_embed_fields()).await;
    let embed_token = mint(&app, &admin, embed, 60).await;
    let (api_token, _) = create_token(&app, &admin, "matrix", "analyst").await;

    // The table covers every registered server function and every documented API route: a new
    // route without an entry fails here.
    let table_fns: Vec<String> = server_functions()
        .iter()
        .map(|(_, p, _, _)| p.split('?').next().unwrap().to_string())
        .collect();
    let mut registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .collect();
    registered.sort();
    registered.dedup();
    for path in &registered {
        assert!(
            table_fns.contains(path),
            "server function {path} has no entry in the role matrix"
        );
    }
    for path in &table_fns {
        assert!(
            registered.contains(path),
            "the matrix lists {path}, which is not a server function"
        );
    }
    let doc: Value = admin
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let table_api: Vec<(String, String)> = api_routes()
        .iter()
        .map(|(m, p, _, _)| {
            let path = p.split('?').next().unwrap();
            let templated = path
                .replace("999999", "{id}")
                .replace("/segment/country/Germany", "/segment/{kind}/{id}");
            (m.to_string(), templated)
        })
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                table_api.contains(&(method.clone(), path.clone())),
                "{method} {path} has no entry in the role matrix"
            );
        }
    }

    let callers: Vec<(Who, Option<reqwest::Client>, Option<String>)> = vec![
        (Who::Anonymous, None, None),
        (
            Who::User(Role::Viewer),
            Some(app.client_as(VIEWER).await),
            None,
        ),
        (
            Who::User(Role::Analyst),
            Some(app.client_as(ANALYST).await),
            None,
        ),
        (
            Who::User(Role::Admin),
            Some(app.client_as(ADMIN).await),
            None,
        ),
        (Who::Token(Role::Analyst), None, Some(api_token)),
        (Who::Embed(Dashboard::Sales), None, Some(embed_token)),
    ];
    let mut checked = 0;
    for (who, session, bearer) in &callers {
        for (api, routes) in [(true, api_routes()), (false, server_functions())] {
            for (method, path, body, access) in routes {
                let client = session.clone().unwrap_or_else(|| app.client());
                let url = app.url(&path);
                let mut request = match method {
                    "get" => client.get(url),
                    "post" if api => client.post(url).body(body),
                    "post" => client
                        .post(url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body),
                    "put" => client
                        .put(url)
                        .header("content-type", "application/json")
                        .body(body),
                    other => panic!("method {other}"),
                };
                if let Some(token) = bearer {
                    request = request.bearer_auth(token);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                let ok = allowed(access, *who, api);
                if ok {
                    let bad_credentials = path == "/fn/login" && status == 401;
                    assert!(
                        !matches!(status, 401 | 403) || bad_credentials,
                        "{who:?} should reach {method} {path} but got {status}: {text}"
                    );
                    assert_ne!(status, 500, "{who:?} on {method} {path}: {text}");
                } else {
                    let want: &[u16] = if *who == Who::Anonymous {
                        &[401]
                    } else {
                        &[401, 403]
                    };
                    assert!(
                        want.contains(&status),
                        "{who:?} must not reach {method} {path} but got {status}: {text}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "{checked} requests checked");
}

#[sqlx::test(migrations = false)]
async fn api_tokens_work_as_bearer_until_revoked_expired_or_their_admin_is_disabled(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    load_orders(&app, &admin).await;
    let (token, id) = create_token(&app, &admin, "nightly export", "viewer").await;
    assert!(token.starts_with("sp_") && token.len() > 40);
    let stored: (String, String, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
        "select token_hash, prefix, last_used_at from api_token where api_token_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_ne!(stored.0, token, "stored hashed");
    assert_eq!(stored.0.len(), 64);
    assert_eq!(stored.1, token[..10]);
    assert!(stored.2.is_none());

    let client = app.client();
    let summary = client
        .get(app.url(&format!("/api/v1/sales/summary?{MARCH}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(summary.status(), 200);
    let body: Value = summary.json().await.unwrap();
    // 10 + 7.5 + 5 + 22.5 + 20 gross, 5 returned.
    assert_eq!(body["kpis"]["gross_revenue"], "65.00");
    let used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select last_used_at from api_token where api_token_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(used.is_some(), "last use recorded");
    // A viewer token: no export, no admin routes; never on server functions.
    let status = |path: &str| {
        let req = client.get(app.url(path)).bearer_auth(&token);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        status(&format!("/api/v1/sales/monthly?{MARCH}&format=csv")).await,
        403
    );
    assert_eq!(status("/api/v1/ingest-runs/1").await, 403);
    assert_eq!(status("/fn/get_open_signal_count").await, 401);
    assert_eq!(status("/api/v1/sales/summary").await, 200);
    // An unknown token is refused with the reason, not treated as anonymous-with-session.
    let viewer = app.client_as(VIEWER).await;
    let forged = viewer
        .get(app.url("/api/v1/sales/summary"))
        .bearer_auth("sp_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    assert!(forged.text().await.unwrap().contains("refused"));

    // Creator disabled: the token stops.
    sqlx::query("update app_user set disabled = true where email = $1")
        .bind(ADMIN)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(status("/api/v1/sales/summary").await, 401);
    sqlx::query("update app_user set disabled = false where email = $1")
        .bind(ADMIN)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(status("/api/v1/sales/summary").await, 200);
    // Expired.
    sqlx::query(
        "update api_token set expires_at = now() - interval '1 second' where api_token_id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(status("/api/v1/sales/summary").await, 401);
    sqlx::query("update api_token set expires_at = null where api_token_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    // Revoked.
    let admin = app.client_as(ADMIN).await;
    let revoke = admin
        .post(app.url("/fn/revoke_api_token"))
        .form(&[("id", id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    assert_eq!(status("/api/v1/sales/summary").await, 401);
    let again = admin
        .post(app.url("/fn/revoke_api_token"))
        .form(&[("id", id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    // Listed without the token, with the prefix; the audit log has both changes.
    let list: Value = admin
        .get(app.url("/fn/list_api_tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["name"], "nightly export");
    assert!(list[0]["revoked_at"].is_string());
    assert!(!list.to_string().contains(&token));
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'token.%' order by audit_log_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["token.create", "token.revoke"]);
    // A token never does more than its creator may do now: a demoted admin's token shrinks.
    let (admin_token, _) = create_token(&app, &admin, "ops", "admin").await;
    let admin_status = |path: &'static str| {
        let req = client.get(app.url(path)).bearer_auth(&admin_token);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        admin_status("/api/v1/ingest-runs/999999").await,
        404,
        "admin token reaches admin routes"
    );
    sqlx::query("update app_user set role = 'analyst' where email = $1")
        .bind(ADMIN)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(admin_status("/api/v1/ingest-runs/999999").await, 403);
    assert_eq!(
        admin_status("/api/v1/transactions").await,
        200,
        "still an analyst"
    );
    sqlx::query("update app_user set role = 'admin' where email = $1")
        .bind(ADMIN)
        .execute(&app.pool)
        .await
        .unwrap();
    // A bad expiry is refused with the field.
    let bad = admin
        .post(app.url("/fn/create_api_token"))
        .form(&[
            ("name", "x"),
            ("role", "admin"),
            ("expires_at", "2020-01-01T00:00:00Z"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("expires_at"));
}

#[sqlx::test(migrations = false)]
async fn an_embed_sees_only_its_locked_rows_whatever_it_asks(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    load_orders(&app, &admin).await;
    let id = create_embed(&app, &admin, &sales_embed_fields()).await;
    let token = mint(&app, &admin, id, 30).await;
    let embed = app.client();
    let get = |path: String| {
        let req = embed.get(app.url(&path)).bearer_auth(&token);
        async move {
            let response = req.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.text().await.unwrap()
        }
    };
    // Germany by hand: 102 (3 × 7.50 = 22.50) and 103 (4 × 5.00 = 20.00) gross; C104 returns 5.00.
    for asked in [
        "",
        "&country=France",
        "&country=France&country=United%20Kingdom",
        "&country=Germany",
    ] {
        let summary: Value =
            serde_json::from_str(&get(format!("/api/v1/sales/summary?{MARCH}{asked}")).await)
                .unwrap();
        assert_eq!(summary["kpis"]["gross_revenue"], "42.50", "asked {asked}");
        assert_eq!(summary["kpis"]["returns"], "5.00", "asked {asked}");
        let breakdown = get(format!("/api/v1/sales/breakdown?{MARCH}&by=country{asked}")).await;
        assert!(
            !breakdown.contains("France") && !breakdown.contains("United Kingdom"),
            "{breakdown}"
        );
        let csv = get(format!(
            "/api/v1/sales/breakdown?{MARCH}&by=country&format=csv{asked}"
        ))
        .await;
        assert!(
            csv.contains("Germany") && !csv.contains("France") && !csv.contains("United Kingdom"),
            "{csv}"
        );
        let top = get(format!(
            "/api/v1/sales/top-products?{MARCH}&format=csv{asked}"
        ))
        .await;
        // Germany: 4 mugs (20.00) and 3 plates (22.50), less the returned mug.
        assert!(top.contains("A2") && top.contains("22.5"), "{top}");
        let page = get("/fn/get_sales_overview?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none&filter[country][0]=France".to_string())
        .await;
        assert!(
            page.contains("\"42.50\"") && !page.contains("France"),
            "{page}"
        );
    }
    // A category is not editable in this embed: asking for one is ignored (all categories).
    let with_category: Value =
        serde_json::from_str(&get(format!("/api/v1/sales/summary?{MARCH}&category=Nothing")).await)
            .unwrap();
    assert_eq!(with_category["kpis"]["gross_revenue"], "42.50");
    // The filter bar offers the locked values only.
    let options: Value = serde_json::from_str(&get("/fn/get_filter_options".into()).await).unwrap();
    assert_eq!(options["countries"], serde_json::json!(["Germany"]));
    assert_eq!(options["categories"], serde_json::json!([]));
    // Another dashboard, the JSON of other areas, and a user's routes: nothing.
    for path in [
        format!("/api/v1/customers/summary?{MARCH}"),
        format!("/api/v1/inventory/summary?{MARCH}"),
        format!("/api/v1/sales/top-customers?{MARCH}"),
        "/api/v1/transactions".to_string(),
        "/api/v1/decisions".to_string(),
    ] {
        let status = embed
            .get(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "{path}");
    }
    // The embed page of another dashboard shows the refusal, not data.
    let other = embed
        .get(app.url(&format!("/embed/customers?token={token}")))
        .send()
        .await
        .unwrap();
    let html = other.text().await.unwrap();
    assert!(html.contains("another dashboard"), "{html}");
    // No session cookie is created or needed.
    let page = app
        .client()
        .get(app.url(&format!("/embed/sales?token={token}&{MARCH}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("set-cookie").is_none(), "no cookie");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains(&format!("frame-ancestors {HOST}")), "{csp}");
    assert!(page.headers().get("x-frame-options").is_none());
    let html = page.text().await.unwrap();
    assert!(html.contains("data-theme=\"dark\""), "the embed's theme");
    assert!(html.contains("42.50"), "locked figures rendered");
    assert!(!html.contains("Log out"), "no app chrome");
    // A second embed for Customer Insights, locked to Germany too, agrees with an admin's view.
    let mut fields = sales_embed_fields();
    fields[1] = ("input[dashboard]", "customers");
    let customers = create_embed(&app, &admin, &fields).await;
    let customers_token = mint(&app, &admin, customers, 30).await;
    let embedded: Value = embed
        .get(app.url(&format!("/api/v1/customers/summary?{MARCH}&country=France")))
        .bearer_auth(&customers_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let germany: Value = admin
        .get(app.url(&format!(
            "/api/v1/customers/summary?{MARCH}&country=Germany"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(embedded["kpis"], germany["kpis"]);
    // Its page gets no store-wide acquisition or cohorts, and the sales page no customer names.
    let page: Value = embed
        .get(app.url("/fn/get_customers_overview?filter[from]=2026-03-01&filter[to]=2026-03-31"))
        .bearer_auth(&customers_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["acquisition"], serde_json::json!([]));
    assert_eq!(page["cohort_sizes"], serde_json::json!([]));
    let sales: Value = embed
        .get(app.url("/fn/get_sales_overview?filter[from]=2026-03-01&filter[to]=2026-03-31"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sales["top_customers"], serde_json::json!([]));
    assert!(!sales["top_products"].as_array().unwrap().is_empty());
    // Every data route of both dashboards, JSON and CSV, asked for France and the UK: no foreign
    // row comes back.
    let mut routes = 0;
    for (method, path, _, access) in api_routes() {
        let token = match access {
            Access::Reads(Dashboard::Sales) | Access::Exports(Dashboard::Sales) => &token,
            Access::Reads(Dashboard::Customers) | Access::Exports(Dashboard::Customers) => {
                &customers_token
            }
            _ => continue,
        };
        assert_eq!(method, "get");
        let url = format!("{path}&country=France&country=United%20Kingdom");
        let response = embed
            .get(app.url(&url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "{url}: {body}");
        assert!(
            !body.contains("France")
                && !body.contains("United Kingdom")
                && !body.contains("\"c1\""),
            "{url} leaks a foreign row: {body}"
        );
        routes += 1;
    }
    assert_eq!(routes, 15, "every data route of the two dashboards");
}

#[sqlx::test(migrations = false)]
async fn embed_tokens_that_are_tampered_expired_or_revoked_are_refused(pool: PgPool) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let id = create_embed(&app, &admin, &sales_embed_fields()).await;
    let token = mint(&app, &admin, id, 30).await;
    let client = app.client();
    let status = |t: String| {
        let req = client
            .get(app.url(&format!("/api/v1/sales/summary?{MARCH}")))
            .bearer_auth(t);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(token.clone()).await, 200);
    // A changed claim (France) with the original signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["filters"]["country"] = serde_json::json!(["France"]);
    let changed = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(status(changed).await, 401);
    // alg: none.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    assert_eq!(status(none).await, 401);
    // Wrong signature.
    assert_eq!(
        status(format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode("x")
        ))
        .await,
        401
    );
    // Signed with the embed's secret as a host would, but expired.
    let list: Value = admin
        .get(app.url("/fn/list_embeds"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = list[0]["secret"].as_str().unwrap().to_string();
    let sign = |claims: &Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let mut host_claims = serde_json::json!({
        "embed": id, "dashboard": "sales", "filters": {"country": ["Germany"]},
        "exp": chrono::Utc::now().timestamp() + 60
    });
    assert_eq!(
        status(sign(&host_claims)).await,
        200,
        "a host-minted token works"
    );
    host_claims["exp"] = serde_json::json!(chrono::Utc::now().timestamp() - 1);
    let expired = sign(&host_claims);
    assert_eq!(status(expired.clone()).await, 401);
    let page = client
        .get(app.url(&format!("/embed/sales?token={expired}")))
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("expired"));
    // Another dashboard in the claims.
    host_claims["exp"] = serde_json::json!(chrono::Utc::now().timestamp() + 60);
    host_claims["dashboard"] = serde_json::json!("inventory");
    assert_eq!(status(sign(&host_claims)).await, 401);
    // Rotation: the old secret keeps working for the grace period, then not.
    let rotate = admin
        .post(app.url("/fn/rotate_embed_secret"))
        .form(&[("id", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(rotate.status(), 200);
    assert_eq!(
        status(token.clone()).await,
        200,
        "previous secret within the grace period"
    );
    sqlx::query("update embed set previous_secret_until = now() where embed_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(status(token.clone()).await, 401);
    let fresh = mint(&app, &admin, id, 30).await;
    assert_eq!(status(fresh.clone()).await, 200);
    // Revoked: at once.
    let revoke = admin
        .post(app.url("/fn/revoke_embed"))
        .form(&[("id", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    assert_eq!(status(fresh).await, 401);
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'embed.%' order by audit_log_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "embed.create",
            "embed.token",
            "embed.rotate",
            "embed.token",
            "embed.revoke"
        ]
    );
    // Bad input names the field.
    let bad = admin
        .post(app.url("/fn/save_embed"))
        .form(&[
            ("input[name]", "x"),
            ("input[dashboard]", "sales"),
            ("input[allowed_origins][0]", "https://*.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("allowed_origins"));
}

#[sqlx::test(migrations = false)]
async fn admins_manage_users_and_the_last_admin_stays(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    let admin_id: i64 = sqlx::query_scalar("select app_user_id from app_user where email = $1")
        .bind(ADMIN)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // A new user with a generated password, which logs in.
    let created = admin
        .post(app.url("/fn/create_user"))
        .form(&[
            ("user[email]", "new@test.example"),
            ("user[role]", "analyst"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let password: Option<String> = created.json().await.unwrap();
    let password = password.expect("generated password");
    assert_eq!(
        app.login(&app.client(), "new@test.example", &password)
            .await
            .status(),
        200
    );
    let duplicate = admin
        .post(app.url("/fn/create_user"))
        .form(&[
            ("user[email]", "NEW@test.example"),
            ("user[role]", "viewer"),
            ("user[password]", "long enough pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 409);
    // The only admin can be neither demoted nor disabled.
    for (role, disabled) in [("analyst", "false"), ("admin", "true")] {
        let refused = admin
            .post(app.url("/fn/update_user"))
            .form(&[
                ("id", admin_id.to_string().as_str()),
                ("role", role),
                ("disabled", disabled),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("last active admin"));
    }
    // Promote the new user, then the first admin may step down.
    let new_id: i64 =
        sqlx::query_scalar("select app_user_id from app_user where email = 'new@test.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let promote = admin
        .post(app.url("/fn/update_user"))
        .form(&[
            ("id", new_id.to_string().as_str()),
            ("role", "admin"),
            ("disabled", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(promote.status(), 200);
    let step_down = admin
        .post(app.url("/fn/update_user"))
        .form(&[
            ("id", admin_id.to_string().as_str()),
            ("role", "viewer"),
            ("disabled", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(step_down.status(), 200);
    assert_eq!(
        admin
            .get(app.url("/fn/list_users"))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "role change applies at once"
    );
    // A password reset ends the user's sessions; the new password works.
    let viewer = app.client_as(VIEWER).await;
    let viewer_id: i64 = sqlx::query_scalar("select app_user_id from app_user where email = $1")
        .bind(VIEWER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let new_admin = app.client();
    assert_eq!(
        app.login(&new_admin, "new@test.example", &password)
            .await
            .status(),
        200
    );
    let reset = new_admin
        .post(app.url("/fn/reset_password"))
        .form(&[("id", viewer_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let new_password: String = reset.json().await.unwrap();
    assert_eq!(
        viewer
            .get(app.url("/fn/get_open_signal_count"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        app.login(&app.client(), VIEWER, PASSWORD).await.status(),
        401
    );
    let viewer = app.client();
    assert_eq!(
        app.login(&viewer, VIEWER, &new_password).await.status(),
        200
    );
    // Users change their own password: the current one is asked for; other sessions end, this one stays.
    let other_session = app.client();
    assert_eq!(
        app.login(&other_session, VIEWER, &new_password)
            .await
            .status(),
        200
    );
    let wrong = viewer
        .post(app.url("/fn/change_password"))
        .form(&[
            ("current", "not it at all"),
            ("new", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let changed = viewer
        .post(app.url("/fn/change_password"))
        .form(&[
            ("current", new_password.as_str()),
            ("new", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(
        viewer
            .get(app.url("/fn/get_open_signal_count"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        other_session
            .get(app.url("/fn/get_open_signal_count"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Everything is in the audit log, which filters by action and actor.
    let log: Value = new_admin
        .get(app.url("/fn/get_audit_log?filter[action]=user."))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.password_change",
            "user.password_reset",
            "user.role",
            "user.role",
            "user.create"
        ]
    );
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["ip"].as_str() == Some("127.0.0.1")));
    let logins: Value = new_admin
        .get(app.url("/fn/get_audit_log?filter[action]=login&filter[actor]=VIEWER@"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let logins = logins.as_array().unwrap();
    // The same log as CSV, for admins, with the filter.
    let csv = new_admin
        .get(app.url("/api/v1/audit?action=user.&format=csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "at_utc,actor,action,target,ip");
    assert_eq!(lines.len(), 6, "{csv}");
    assert!(lines[1].contains("user.password_change"));
    assert!(logins.iter().any(|e| e["action"] == "login.failure"));
    assert!(logins
        .iter()
        .all(|e| e["actor"] == VIEWER && e["action"].as_str().unwrap().starts_with("login")));
}

#[sqlx::test(migrations = false)]
async fn pages_carry_a_script_policy_and_hsts_follows_the_setting(pool: PgPool) {
    let app = TestApp::spawn_with(pool, |s| s.hsts = Some(true)).await;
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // The nonce is on the inline hydration script and changes per response.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")));
    let again = app.client().get(app.url("/login")).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&nonce));
    // JSON is not a page: it may not be framed and runs nothing.
    let json = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    // An embed page without a valid token may not be framed either.
    let refused = app
        .client()
        .get(app.url("/embed/sales?token=a.b.c"))
        .send()
        .await
        .unwrap();
    assert!(refused.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
}
