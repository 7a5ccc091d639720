//! Who administers access: API tokens (bearer until revoked, expired or their admin is disabled),
//! user administration (the last admin stays) and the audit log.
mod common;

use common::security::*;
use common::*;
use serde_json::Value;
use sqlx::PgPool;

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
    let list = admin
        .get(app.url("/fn/list_api_tokens"))
        .send()
        .await
        .unwrap();
    let list = answer_json::<Vec<app::features::admin::types::ApiTokenSummary>>(list).await;
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
    let log = new_admin
        .get(app.url("/fn/get_audit_log?filter[action]=user."))
        .send()
        .await
        .unwrap();
    let log = answer_json::<Vec<app::features::admin::types::AuditEntry>>(log).await;
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
    let logins = new_admin
        .get(app.url("/fn/get_audit_log?filter[action]=login&filter[actor]=VIEWER@"))
        .send()
        .await
        .unwrap();
    let logins = answer_json::<Vec<app::features::admin::types::AuditEntry>>(logins).await;
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

/// Posts a server function's form and returns (status, JSON answer).
async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = client
        .post(app.url(&format!("/fn/{name}")))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn views(app: &TestApp, client: &reqwest::Client, dashboard: &str) -> Vec<Value> {
    let response = client
        .get(app.url(&format!("/fn/list_saved_views?dashboard={dashboard}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let views = answer_json::<Vec<app::features::views::types::SavedView>>(response).await;
    serde_json::from_value(views).unwrap()
}

fn names(views: &[Value]) -> Vec<&str> {
    views.iter().map(|v| v["name"].as_str().unwrap()).collect()
}

#[sqlx::test(migrations = false)]
async fn saved_views_are_private_until_an_admin_publishes_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let viewer = app.client_as(VIEWER).await;
    let analyst = app.client_as(ANALYST).await;
    let admin = app.client_as(ADMIN).await;

    // Saved in canonical form: the dashboard's keys in order, a page's own keys left out.
    let (status, saved) = call(
        &app,
        &analyst,
        "save_view",
        &[
            ("dashboard", "sales"),
            ("name", "  Germany online "),
            (
                "query",
                "?channel=online&segment=champions&country=Germany&preset=last_90_days",
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["name"], "Germany online");
    assert_eq!(
        saved["query"],
        "?preset=last_90_days&channel=online&country=Germany"
    );
    assert_eq!(saved["mine"], true);
    assert_eq!(saved["published"], false);
    let id = saved["id"].as_i64().unwrap().to_string();

    // The same name in another case replaces the filters, not a second view.
    let (status, again) = call(
        &app,
        &analyst,
        "save_view",
        &[
            ("dashboard", "sales"),
            ("name", "GERMANY ONLINE"),
            ("query", "country=Germany"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], saved["id"]);
    assert_eq!(again["query"], "?country=Germany");
    assert_eq!(
        names(&views(&app, &analyst, "sales").await),
        ["GERMANY ONLINE"]
    );
    assert!(
        views(&app, &analyst, "customers").await.is_empty(),
        "per dashboard"
    );

    // Private: other users neither see it nor touch it, and are not told it exists.
    assert!(views(&app, &viewer, "sales").await.is_empty());
    assert!(views(&app, &admin, "sales").await.is_empty());
    let (status, _) = call(&app, &viewer, "delete_saved_view", &[("id", id.as_str())]).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &admin,
        "publish_saved_view",
        &[("id", id.as_str()), ("published", "true")],
    )
    .await;
    assert_eq!(status, 404, "an admin publishes their own views");
    let (status, _) = call(
        &app,
        &analyst,
        "publish_saved_view",
        &[("id", id.as_str()), ("published", "true")],
    )
    .await;
    assert_eq!(status, 403, "analysts do not publish");

    // An admin's published view: every user finds it, after their own; only admins take it back.
    let (_, team) = call(
        &app,
        &admin,
        "save_view",
        &[
            ("dashboard", "sales"),
            ("name", "Team: UK last year"),
            ("query", "?country=United%20Kingdom&preset=last_12_months"),
        ],
    )
    .await;
    let team_id = team["id"].as_i64().unwrap().to_string();
    let (status, published) = call(
        &app,
        &admin,
        "publish_saved_view",
        &[("id", team_id.as_str()), ("published", "true")],
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["published"], true);
    let seen = views(&app, &analyst, "sales").await;
    assert_eq!(names(&seen), ["GERMANY ONLINE", "Team: UK last year"]);
    assert_eq!(seen[1]["mine"], false);
    // Who wrote it is for admins: analysts and viewers do not see the users list either.
    assert_eq!(seen[1]["owner"], Value::Null);
    assert_eq!(
        seen[1]["query"],
        "?preset=last_12_months&country=United%20Kingdom"
    );
    let seen = views(&app, &viewer, "sales").await;
    assert_eq!(names(&seen), ["Team: UK last year"]);
    assert_eq!(seen[0]["owner"], Value::Null);
    let seen = views(&app, &admin, "sales").await;
    assert_eq!(
        (&seen[0]["owner"], &seen[0]["mine"]),
        (&serde_json::json!(ADMIN), &serde_json::json!(true))
    );
    let (status, _) = call(
        &app,
        &viewer,
        "delete_saved_view",
        &[("id", team_id.as_str())],
    )
    .await;
    assert_eq!(status, 403);
    let audit: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'view.%' order by audit_log_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit, ["view.publish"]);

    // Bad input says what is wrong and saves nothing.
    for (form, field, says) in [
        (
            vec![("dashboard", "sales"), ("name", " "), ("query", "")],
            "name",
            "give the view a name",
        ),
        (
            vec![
                ("dashboard", "sales"),
                ("name", "x"),
                ("query", "from=2026-02-30"),
            ],
            "query",
            "'2026-02-30' is not a valid from",
        ),
        (
            vec![
                ("dashboard", "sales"),
                ("name", "x"),
                ("query", "preset=a&preset=b"),
            ],
            "query",
            "given 2 times",
        ),
    ] {
        let (status, body) = call(&app, &viewer, "save_view", &form).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains(says), "{field}: {body}");
    }
    let (status, _) = call(
        &app,
        &viewer,
        "save_view",
        &[("dashboard", "orders"), ("name", "x")],
    )
    .await;
    assert_eq!(status, 400);
    let long = "é".repeat(81);
    let (status, _) = call(
        &app,
        &viewer,
        "save_view",
        &[("dashboard", "sales"), ("name", long.as_str())],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        names(&views(&app, &viewer, "sales").await),
        ["Team: UK last year"]
    );

    // A user keeps at most 100 views of a dashboard; replacing one still works at the limit.
    for i in 0..99 {
        let name = format!("view {i}");
        let (status, _) = call(
            &app,
            &viewer,
            "save_view",
            &[("dashboard", "sales"), ("name", name.as_str())],
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, _) = call(
        &app,
        &viewer,
        "save_view",
        &[("dashboard", "sales"), ("name", "view 100")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &app,
        &viewer,
        "save_view",
        &[("dashboard", "sales"), ("name", "one more")],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("delete one first"));
    let (status, _) = call(
        &app,
        &viewer,
        "save_view",
        &[
            ("dashboard", "sales"),
            ("name", "view 7"),
            ("query", "compare=none"),
        ],
    )
    .await;
    assert_eq!(status, 200);

    // The owner deletes their own; an admin removes a published one (audited).
    let (status, _) = call(&app, &analyst, "delete_saved_view", &[("id", id.as_str())]).await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        &admin,
        "publish_saved_view",
        &[("id", team_id.as_str()), ("published", "false")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&views(&app, &analyst, "sales").await),
        Vec::<&str>::new()
    );
    let (status, _) = call(
        &app,
        &admin,
        "delete_saved_view",
        &[("id", team_id.as_str())],
    )
    .await;
    assert_eq!(status, 200);
}
