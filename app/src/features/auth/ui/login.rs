use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read_untracked().get("next").unwrap_or_default();

    view! {
        <Title text="Log in · StorePulse"/>
        <main class="login">
            <section class="login-card" aria-labelledby="login-title">
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "StorePulse"
                </div>
                <h1 id="login-title">"Log in"</h1>
                <p class="muted">"Sales, customers and stock of your shop, in one place."</p>
                // Islands spike: the form is an island; `next` is read here, on the server.
                <crate::islands::login::LoginFormIsland next=next()/>
            </section>
        </main>
    }
}
