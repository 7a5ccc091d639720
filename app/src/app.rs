//! The application root: routes, the HTML shell, and the contexts every page shares.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::{ActiveRange, AdminOnly};
use crate::embed_page::EmbedPage;
use crate::features::admin::ui::{AccountPage, AuditPage, EmbedsPage, TokensPage, UsersPage};
use crate::features::auth::context::provide_auth_context;
use crate::features::auth::ui::LoginPage;
use crate::features::customers::ui::CustomersPage;
use crate::features::inventory::ui::{InventoryPage, SignalsChanged};
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
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
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
    provide_context(ActiveRange(RwSignal::new(None)));
    provide_context(SignalsChanged(RwSignal::new(0)));
    provide_context(crate::live::LiveData::new());
    // Marks the page as interactive, so that browser tests know when hydration is done.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        crate::components::menus::close_on_escape_and_outside_click();
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/storepulse.css"/>
        <Link rel="icon" href="/assets/favicon.svg"/>
        <Title text="StorePulse"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/sales"/> }/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/sales") view=SalesPage/>
                <Route path=path!("/customers") view=CustomersPage/>
                <Route path=path!("/inventory") view=InventoryPage/>
                <Route path=path!("/admin/users") view=|| view! { <AdminOnly><UsersPage/></AdminOnly> }/>
                <Route path=path!("/admin/sources") view=|| view! { <AdminOnly><SourcesPage/></AdminOnly> }/>
                <Route path=path!("/admin/embeds") view=|| view! { <AdminOnly><EmbedsPage/></AdminOnly> }/>
                <Route path=path!("/admin/tokens") view=|| view! { <AdminOnly><TokensPage/></AdminOnly> }/>
                <Route path=path!("/admin/audit") view=|| view! { <AdminOnly><AuditPage/></AdminOnly> }/>
                <Route path=path!("/account") view=AccountPage/>
                // Rendered whole before it is sent, so that the embed's theme is on <html> from
                // the first byte.
                <Route path=path!("/embed/:dashboard") view=EmbedPage ssr=leptos_router::SsrMode::Async/>
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
