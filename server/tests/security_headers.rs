//! The security headers of pages: a script policy, and HSTS as the setting says.
mod common;

use common::*;
use sqlx::PgPool;

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
