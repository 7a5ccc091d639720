//! The application root: routes, the HTML shell, and the auth context every page shares.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::ActiveRange;
use crate::error::AppError;
use crate::features::auth::api::{get_current_user, Login, Logout};
use crate::features::auth::types::CurrentUser;
use crate::features::auth::ui::{LoginPage, UsersPage};
use crate::features::customers::ui::CustomersPage;
use crate::features::inventory::ui::{InventoryPage, SignalsChanged};
use crate::features::sales::ui::SalesPage;
use crate::features::sources::ui::SourcesPage;

/// The login and logout actions; the current-user resource refetches after either.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

#[derive(Clone, Copy)]
pub struct UserResource(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    provide_context(AuthActions { login, logout });
    let user = Resource::new(
        move || (login.version().get(), logout.version().get()),
        |_| get_current_user(),
    );
    provide_context(UserResource(user));
    provide_context(ActiveRange(RwSignal::new(None)));
    provide_context(SignalsChanged(RwSignal::new(0)));
    // Marks the page as interactive, so that browser tests know when hydration is done.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
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
                <Route path=path!("/admin/users") view=UsersPage/>
                <Route path=path!("/admin/sources") view=SourcesPage/>
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
