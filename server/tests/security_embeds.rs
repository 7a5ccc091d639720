//! Embeds: the locked filters decide every row an embed sees, and its tokens are refused when
//! tampered with, expired or revoked.
mod common;

use app::features::embed::types::Dashboard;
use common::security::*;
use common::*;
use serde_json::Value;
use sqlx::PgPool;

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
        let page = embed
            .get(app.url("/fn/get_sales_summary?filter[from]=2026-03-01&filter[to]=2026-03-31&filter[compare]=none&filter[country][0]=France"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let page = answer_json::<app::features::sales::types::SalesSummary>(page)
            .await
            .to_string();
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
    let options = embed
        .get(app.url("/fn/get_filter_options"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let options = answer_json::<app::dashboard::filter::FilterOptions>(options).await;
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
    // A value the embed replaces (its locked country) or drops (a category its viewers may not
    // change) is not refused, however odd; reversed dates are, once, with a way back that keeps
    // the token.
    let page_html = |query: String| {
        let req = app
            .client()
            .get(app.url(&format!("/embed/sales?token={token}&{query}")));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    for asked in ["country=%00x", "category=%00"] {
        let html = page_html(format!("{MARCH}&{asked}")).await;
        assert!(!html.contains("filter-refused"), "{asked}");
        assert!(html.contains("42.50"), "{asked}: the locked figures");
    }
    let html = page_html("from=2026-03-31&to=2026-03-01".into()).await;
    assert!(html.contains("These filters cannot be shown"), "{html}");
    assert!(
        html.contains(&format!("href=\"/embed/sales?token={token}\"")),
        "{html}"
    );
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
    for part in ["acquisition", "cohorts"] {
        let refused = embed
            .get(app.url(&format!(
                "/fn/get_customers_{part}?filter[from]=2026-03-01&filter[to]=2026-03-31"
            )))
            .bearer_auth(&customers_token)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{part}");
    }
    let march = "filter[from]=2026-03-01&filter[to]=2026-03-31";
    let names = embed
        .get(app.url(&format!("/fn/get_sales_top_customers?{march}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(names.status(), 403);
    let products = embed
        .get(app.url(&format!("/fn/get_sales_top_products?{march}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let products = answer_json::<
        app::dashboard::filter::Ranged<Vec<app::features::sales::types::TopProduct>>,
    >(products)
    .await;
    assert!(!products["rows"].as_array().unwrap().is_empty());
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
    let list = admin.get(app.url("/fn/list_embeds")).send().await.unwrap();
    let list = answer_json::<Vec<app::features::embed::types::EmbedDetail>>(list).await;
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
async fn a_locked_value_the_data_does_not_have_is_refused_with_a_suggestion(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.client_as(ADMIN).await;
    load_orders(&app, &admin).await;
    let save = |country: &'static str| {
        let mut fields = sales_embed_fields();
        fields.retain(|(k, _)| !k.starts_with("input[locked]"));
        fields.push(("input[locked][country][0]", country));
        let admin = admin.clone();
        let url = app.url("/fn/save_embed");
        async move { admin.post(url).form(&fields).send().await.unwrap() }
    };
    let typo = save("Germny").await;
    assert_eq!(typo.status(), 422);
    let text = typo.text().await.unwrap();
    assert!(
        text.contains("no country 'Germny' in the data: did you mean 'Germany'?"),
        "{text}"
    );
    let embeds: i64 = sqlx::query_scalar("select count(*) from embed")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(embeds, 0, "nothing saved");
    assert_eq!(save("Germany").await.status(), 200);
}
