//! The application root: routes, the HTML shell, and the contexts every page shares.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
#[cfg(not(feature = "hydrate"))]
use leptos_router::lazy_route;
use leptos_router::{path, Lazy, LazyRoute, SsrMode};

use crate::components::{ActiveRange, RoleOnly};
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
                // Islands spike: the in-place swap helper (window.storepulseNavigate/Refresh).
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
    provide_context(ActiveRange(RwSignal::new(None)));
    provide_context(crate::live::LiveData::new());
    // Moments are shown in the store's zone; the page carries it for the browser.
    #[cfg(feature = "ssr")]
    let zone = use_context::<crate::state::AppState>()
        .map(|s| s.zone.clone())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let zone = crate::clock::from_page().unwrap_or_default();
    provide_context(zone.clone());
    let zone_json = serde_json::to_string(&zone).unwrap_or_default();
    // (frontend/src/lib.rs marks <body data-hydrated> once the page it shows is hydrated.)
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        crate::components::menus::close_on_escape_and_outside_click();
        crate::components::chart::follow_window_size();
        crate::features::search::ui::focus_on_slash();
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/storepulse.css"/>
        <Link rel="icon" href="/assets/favicon.svg"/>
        <Title text="StorePulse"/>
        <Meta name=crate::clock::META content=zone_json/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/sales"/> }/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/sales") view={Lazy::<SalesRoute>::new()}/>
                <Route path=path!("/customers") view={Lazy::<CustomersRoute>::new()}/>
                <Route path=path!("/customers/:id") view={Lazy::<CustomerRecordRoute>::new()}/>
                <Route path=path!("/orders/:id") view={Lazy::<OrderRecordRoute>::new()}/>
                <Route path=path!("/products/:id") view={Lazy::<ProductRoute>::new()}/>
                <Route path=path!("/inventory") view={Lazy::<InventoryRoute>::new()}/>
                <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()}/>
                <Route path=path!("/admin/sources") view={Lazy::<SourcesRoute>::new()}/>
                <Route path=path!("/admin/embeds") view={Lazy::<EmbedsRoute>::new()}/>
                <Route path=path!("/admin/tokens") view={Lazy::<TokensRoute>::new()}/>
                <Route path=path!("/admin/audit") view={Lazy::<AuditRoute>::new()}/>
                <Route path=path!("/account") view={Lazy::<AccountRoute>::new()}/>
                // Rendered whole before it is sent, so that the embed's theme is on <html> from
                // the first byte.
                <Route path=path!("/embed/sales") view={Lazy::<EmbedSalesRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/embed/customers") view={Lazy::<EmbedCustomersRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/embed/inventory") view={Lazy::<EmbedInventoryRoute>::new()} ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

// Every page is its own part of the browser bundle, fetched the first time it is shown (Leptos'
// lazy routes; `tools/wasm-split` cuts the bundle at them): a browser loads the shell and the page
// it opens, not every page's code. The server renders them as before.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:expr) => {
        $(#[$doc])*
        struct $route;

        #[cfg(not(feature = "hydrate"))]
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page.into_any()
            }
        }

        // Islands spike: the browser never runs the Router, so no split point per page (each
        // `#[lazy]` is an exported function, and an export keeps its page in the WASM).
        #[cfg(feature = "hydrate")]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $page.into_any()
            }
        }
    };
}

lazy_page!(
    /// One customer's record (analysts and admins).
    CustomerRecordRoute => view! { <RoleOnly role=Role::Analyst><CustomerRecordPage/></RoleOnly> }
);
lazy_page!(
    /// One order with its lines (analysts and admins).
    OrderRecordRoute => view! { <RoleOnly role=Role::Analyst><OrderRecordPage/></RoleOnly> }
);
lazy_page!(
    /// One product: stock, demand, competitors, price recommendation and decisions.
    ProductRoute => view! { <ProductPage/> }
);
lazy_page!(
    /// The sign-in page.
    LoginRoute => view! { <LoginPage/> }
);
lazy_page!(
    /// Sales.
    SalesRoute => view! { <SalesPage/> }
);
lazy_page!(
    /// Customer Insights.
    CustomersRoute => view! { <CustomersPage/> }
);
lazy_page!(
    /// Inventory & Pricing.
    InventoryRoute => view! { <InventoryPage/> }
);
lazy_page!(
    /// Admin: users.
    UsersRoute => view! { <RoleOnly role=Role::Admin><UsersPage/></RoleOnly> }
);
lazy_page!(
    /// Admin: data sources.
    SourcesRoute => view! { <RoleOnly role=Role::Admin><SourcesPage/></RoleOnly> }
);
lazy_page!(
    /// Admin: embeds.
    EmbedsRoute => view! { <RoleOnly role=Role::Admin><EmbedsPage/></RoleOnly> }
);
lazy_page!(
    /// Admin: API tokens.
    TokensRoute => view! { <RoleOnly role=Role::Admin><TokensPage/></RoleOnly> }
);
lazy_page!(
    /// Admin: audit log.
    AuditRoute => view! { <RoleOnly role=Role::Admin><AuditPage/></RoleOnly> }
);
lazy_page!(
    /// Sales, embedded in another site.
    EmbedSalesRoute => view! { <EmbedPage dashboard=Dashboard::Sales><SalesPage/></EmbedPage> }
);
lazy_page!(
    /// Customer Insights, embedded in another site.
    EmbedCustomersRoute => view! { <EmbedPage dashboard=Dashboard::Customers><CustomersPage/></EmbedPage> }
);
lazy_page!(
    /// Inventory & Pricing, embedded in another site.
    EmbedInventoryRoute => view! { <EmbedPage dashboard=Dashboard::Inventory><InventoryPage/></EmbedPage> }
);
lazy_page!(
    /// The signed-in user's account.
    AccountRoute => view! { <AccountPage/> }
);

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
