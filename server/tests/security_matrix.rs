//! Access over the whole app: the role × route matrix — every server function and API route, for
//! anonymous callers, each role, an API token and an embed token.
mod common;

use app::features::auth::types::Role;
use app::features::embed::types::Dashboard;
use common::security::*;
use common::*;
use serde_json::Value;
use sqlx::PgPool;

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
                    "patch" => client
                        .patch(url)
                        .header("content-type", "application/json")
                        .body(body),
                    "delete" => client.delete(url),
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
