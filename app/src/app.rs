//! The application root: routes, the HTML shell, and the contexts every page shares. The server
//! renders it; the browser never runs it: pages are server HTML in which only the `#[island]`s
//! (app/src/islands) hydrate, each from its props (frontend/src/lib.rs).
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::RoleOnly;
use crate::embed_page::EmbedPage;
use crate::features::admin::ui::{AccountPage, AuditPage, EmbedsPage, TokensPage, UsersPage};
use crate::features::auth::context::provide_auth_context;
use crate::features::auth::types::Role;
use crate::features::auth::ui::LoginPage;
use crate::features::customers::ui::{CustomerRecordPage, CustomersPage, OrderRecordPage};
use crate::features::embed::types::Dashboard;
use crate::features::inventory::ui::{InventoryPage, ProductPage};
use crate::features::sales::ui::SalesPage;
use crate::features::sources::ui::SourcesPage;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <script src="/assets/echarts.min.js" defer></script>
                // The in-place page swap the islands navigate with (public/nav.js).
                <script src="/assets/nav.js" defer></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
                <crate::islands::marker::HydratedMarker/>
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy: scripts only from this site (plus the nonce of the inline
/// hydration script and WebAssembly), and framing only by an embed's allowed origins on an embed
/// page, by nobody elsewhere.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use crate::caller::Caller;
    leptos::nonce::provide_nonce();
    let nonce = leptos::nonce::use_nonce()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let ancestors = use_context::<http::request::Parts>()
        .filter(|parts| parts.uri.path().starts_with("/embed/"))
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .and_then(|caller| caller.embed().map(|grant| grant.allowed_origins.join(" ")))
        .filter(|origins| !origins.is_empty())
        .unwrap_or_else(|| "'none'".to_string());
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth_context();
    // Moments are shown in the store's zone; the page carries it for the browser.
    #[cfg(feature = "ssr")]
    let zone = use_context::<crate::state::AppState>()
        .map(|s| s.zone.clone())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let zone = crate::clock::from_page().unwrap_or_default();
    provide_context(zone.clone());
    let zone_json = serde_json::to_string(&zone).unwrap_or_default();
    view! {
        <Stylesheet id="leptos" href="/pkg/storepulse.css"/>
        <Link rel="icon" href="/assets/favicon.svg"/>
        <Title text="StorePulse"/>
        <Meta name=crate::clock::META content=zone_json/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/sales"/> }/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/sales") view=SalesPage/>
                <Route path=path!("/customers") view=CustomersPage/>
                <Route path=path!("/customers/:id") view=|| view! { <RoleOnly role=Role::Analyst><CustomerRecordPage/></RoleOnly> }/>
                <Route path=path!("/orders/:id") view=|| view! { <RoleOnly role=Role::Analyst><OrderRecordPage/></RoleOnly> }/>
                <Route path=path!("/products/:id") view=ProductPage/>
                <Route path=path!("/inventory") view=InventoryPage/>
                <Route path=path!("/admin/users") view=|| view! { <RoleOnly role=Role::Admin><UsersPage/></RoleOnly> }/>
                <Route path=path!("/admin/sources") view=|| view! { <RoleOnly role=Role::Admin><SourcesPage/></RoleOnly> }/>
                <Route path=path!("/admin/embeds") view=|| view! { <RoleOnly role=Role::Admin><EmbedsPage/></RoleOnly> }/>
                <Route path=path!("/admin/tokens") view=|| view! { <RoleOnly role=Role::Admin><TokensPage/></RoleOnly> }/>
                <Route path=path!("/admin/audit") view=|| view! { <RoleOnly role=Role::Admin><AuditPage/></RoleOnly> }/>
                <Route path=path!("/account") view=AccountPage/>
                // Rendered whole before it is sent, so that the embed's theme is on <html> from
                // the first byte.
                <Route path=path!("/embed/sales") view=|| view! { <EmbedPage dashboard=Dashboard::Sales><SalesPage/></EmbedPage> } ssr=SsrMode::Async/>
                <Route path=path!("/embed/customers") view=|| view! { <EmbedPage dashboard=Dashboard::Customers><CustomersPage/></EmbedPage> } ssr=SsrMode::Async/>
                <Route path=path!("/embed/inventory") view=|| view! { <EmbedPage dashboard=Dashboard::Inventory><InventoryPage/></EmbedPage> } ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · StorePulse"/>
        <main class="login">
            <section class="login-card">
                <h1>"Page not found"</h1>
                <p class="muted">"There is nothing at this address."</p>
                <a class="button primary" href="/sales">"Go to Sales"</a>
            </section>
        </main>
    }
}
