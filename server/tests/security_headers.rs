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

/// The bundle's main module and chunks must come from one build: the browser revalidates them
/// (`no-cache`, answered 304 when unchanged) instead of keeping one across an upgrade, and gets
/// the copy compressed at build time. Pages and data are never stored; other static files keep
/// the browser's own caching.
#[sqlx::test(migrations = false)]
async fn the_bundle_is_revalidated_and_precompressed_and_pages_are_not_stored(pool: PgPool) {
    let site = std::env::temp_dir().join(format!("storepulse-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::create_dir_all(site.join("assets")).unwrap();
    std::fs::write(site.join("pkg/chunk_1.wasm"), b"\0asm").unwrap();
    std::fs::write(site.join("assets/logo.svg"), b"<svg/>").unwrap();
    let root = site.clone();
    let app = TestApp::spawn_with(pool, move |s| s.site_root = root).await;
    let chunk = app
        .client()
        .get(app.url("/pkg/chunk_1.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(chunk.status(), 200);
    assert_eq!(chunk.headers()["cache-control"], "no-cache");
    let last_modified = chunk.headers()["last-modified"].clone();
    let again = app
        .client()
        .get(app.url("/pkg/chunk_1.wasm"))
        .header("if-modified-since", last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // Sent as compressed at build time when the browser takes it (scripts/precompress.mjs).
    std::fs::write(site.join("pkg/chunk_1.wasm.br"), b"brotli bytes").unwrap();
    let compressed = app
        .client()
        .get(app.url("/pkg/chunk_1.wasm"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert_eq!(compressed.headers()["cache-control"], "no-cache");
    assert_eq!(&compressed.bytes().await.unwrap()[..], b"brotli bytes");
    let asset = app
        .client()
        .get(app.url("/assets/logo.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert!(asset.headers().get("cache-control").is_none());
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    std::fs::remove_dir_all(site).ok();
}
