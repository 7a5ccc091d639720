//! What the security tests share: the role × route matrix (who may call every server function
//! and API route), and fixtures for orders, embeds and API tokens.
use app::features::auth::types::Role;
use app::features::embed::types::Dashboard;
use serde_json::Value;

use super::TestApp;

pub const CSV: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
100,A1,Mug,2,2026-03-01 10:00,5.00,c1,United Kingdom
100,A2,Plate,1,2026-03-01 10:00,7.50,c1,United Kingdom
101,A1,Mug,1,2026-03-02 11:00,5.00,,France
102,A2,Plate,3,2026-03-03 12:00,7.50,c2,Germany
103,A1,Mug,4,2026-03-05 12:00,5.00,c3,Germany
C104,A1,Mug,-1,2026-03-06 09:00,5.00,c3,Germany
";
pub const HOST: &str = "http://127.0.0.1:4000";
pub const MARCH: &str = "from=2026-03-01&to=2026-03-31&compare=none";

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
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
pub enum Who {
    Anonymous,
    User(Role),
    Token(Role),
    Embed(Dashboard),
}

pub fn allowed(access: Access, who: Who, api: bool) -> bool {
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
pub fn server_functions() -> Vec<(&'static str, String, &'static str, Access)> {
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
            format!("/fn/get_sales_summary?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        (
            "get",
            format!("/fn/get_sales_series?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        (
            "get",
            format!("/fn/get_sales_categories?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        (
            "get",
            format!("/fn/get_sales_breakdown?{sales_filter}&by=country"),
            "",
            Reads(Dashboard::Sales),
        ),
        (
            "get",
            format!("/fn/get_sales_top_products?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        // Customer names: users only, never embeds.
        (
            "get",
            format!("/fn/get_sales_top_customers?{sales_filter}"),
            "",
            Needs(Role::Viewer),
        ),
        (
            "get",
            format!("/fn/get_sales_concentration?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        (
            "get",
            format!("/fn/get_sales_most_returned?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        (
            "get",
            format!("/fn/get_sales_monthly?{sales_filter}"),
            "",
            Reads(Dashboard::Sales),
        ),
        ("get", "/fn/get_filter_options".into(), "", AnyDashboard),
        (
            "get",
            format!("/fn/get_customers_summary?{sales_filter}"),
            "",
            Reads(Dashboard::Customers),
        ),
        // Store-wide figures (every channel and country): users only, never embeds.
        (
            "get",
            format!("/fn/get_customers_acquisition?{sales_filter}"),
            "",
            Needs(Role::Viewer),
        ),
        (
            "get",
            format!("/fn/get_customers_engagement?{sales_filter}"),
            "",
            Reads(Dashboard::Customers),
        ),
        (
            "get",
            format!("/fn/get_customers_rfm?{sales_filter}"),
            "",
            Reads(Dashboard::Customers),
        ),
        (
            "get",
            format!("/fn/get_customers_clusters?{sales_filter}"),
            "",
            Reads(Dashboard::Customers),
        ),
        (
            "get",
            format!("/fn/get_customers_cohorts?{sales_filter}"),
            "",
            Needs(Role::Viewer),
        ),
        (
            "get",
            format!("/fn/get_customer_group?{sales_filter}&kind=country&id=Germany"),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            format!("/fn/get_customer_record?{sales_filter}&id=999999"),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            format!("/fn/get_customer_history?{sales_filter}&id=999999"),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            "/fn/get_order_record?id=999999".into(),
            "",
            Needs(Role::Analyst),
        ),
        ("get", "/fn/search?q=mug".into(), "", Needs(Role::Viewer)),
        (
            "get",
            "/fn/list_saved_views?dashboard=sales".into(),
            "",
            Needs(Role::Viewer),
        ),
        (
            "post",
            "/fn/save_view".into(),
            "dashboard=sales&name=Matrix&query=%3Fcountry%3DGermany",
            Needs(Role::Viewer),
        ),
        (
            "post",
            "/fn/delete_saved_view".into(),
            "id=999999",
            Needs(Role::Viewer),
        ),
        (
            "post",
            "/fn/publish_saved_view".into(),
            "id=999999&published=true",
            Needs(Role::Admin),
        ),
        (
            "get",
            format!("/fn/get_inventory_overview?{sales_filter}"),
            "",
            Reads(Dashboard::Inventory),
        ),
        (
            "get",
            format!("/fn/get_inventory_products?{sales_filter}&query[sort]=7"),
            "",
            Reads(Dashboard::Inventory),
        ),
        (
            "get",
            format!("/fn/get_inventory_premium?{sales_filter}"),
            "",
            Reads(Dashboard::Inventory),
        ),
        (
            "get",
            format!("/fn/get_pricing_products?{sales_filter}&query[sort]=9&query[only]=true"),
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
            "/fn/acknowledge_signals".into(),
            "filter[kind]=none_such",
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
        ("get", "/fn/list_connections".into(), "", Needs(Role::Admin)),
        (
            "post",
            "/fn/push_decision".into(),
            "id=999999",
            Needs(Role::Analyst),
        ),
        (
            "post",
            "/fn/create_connection".into(),
            "new[name]=x&new[platform]=shopify&new[shop_url]=x&new[access_token]=x",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/change_connection".into(),
            "id=999999&change[sync_every_minutes]=30",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/test_connection".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/sync_connection".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/fn/connection_syncs?id=999999".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/register_connection_webhooks".into(),
            "id=999999",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/fn/delete_connection".into(),
            "id=999999&keep_data=true",
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
pub fn api_routes() -> Vec<(&'static str, String, &'static str, Access)> {
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
        (
            "get",
            d("/api/v1/customers/999999"),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            d("/api/v1/customers/999999/history"),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            "/api/v1/orders/999999".into(),
            "",
            Needs(Role::Analyst),
        ),
        (
            "get",
            "/api/v1/search?q=mug".into(),
            "",
            Needs(Role::Viewer),
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
            "/api/v1/signals/acknowledge".into(),
            r#"{"kind": "none_such"}"#,
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
        ("get", "/api/v1/live?once=true".into(), "", AnyDashboard),
        (
            "post",
            "/api/v1/decisions/999999/push".into(),
            "",
            Needs(Role::Analyst),
        ),
        ("get", "/api/v1/connections".into(), "", Needs(Role::Admin)),
        (
            "post",
            "/api/v1/connections".into(),
            "{}",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/api/v1/connections/999999".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "patch",
            "/api/v1/connections/999999".into(),
            "{}",
            Needs(Role::Admin),
        ),
        (
            "delete",
            "/api/v1/connections/999999?keep_data=true".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/api/v1/connections/999999/test".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/api/v1/connections/999999/sync".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "get",
            "/api/v1/connections/999999/syncs".into(),
            "",
            Needs(Role::Admin),
        ),
        (
            "post",
            "/api/v1/connections/999999/webhooks".into(),
            "",
            Needs(Role::Admin),
        ),
    ]
}

/// Creates an embed through the admin's server function and returns its id.
pub async fn create_embed(app: &TestApp, admin: &reqwest::Client, fields: &[(&str, &str)]) -> i64 {
    let response = admin
        .post(app.url("/fn/save_embed"))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    response.json::<i64>().await.unwrap()
}

pub async fn mint(app: &TestApp, admin: &reqwest::Client, id: i64, minutes: i64) -> String {
    let response = admin
        .post(app.url("/fn/mint_embed_token"))
        .form(&[("id", id.to_string()), ("minutes", minutes.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<String>().await.unwrap()
}

pub async fn create_token(
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

pub async fn load_orders(app: &TestApp, admin: &reqwest::Client) {
    let response = admin
        .post(app.url("/api/v1/ingest?filename=orders.csv"))
        .body(CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

pub fn sales_embed_fields() -> Vec<(&'static str, &'static str)> {
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
