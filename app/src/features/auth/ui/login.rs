use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::features::auth::context::AuthActions;

#[component]
pub fn LoginPage() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    let login = actions.login;
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|result| result.err())
            .map(|e| e.to_string())
    };

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
                <ActionForm action=login attr:class="form">
                    <input type="hidden" name="next" prop:value=next/>
                    <label>
                        "Email"
                        <input type="email" name="email" autocomplete="username" maxlength="254" required autofocus/>
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" maxlength="1024" required/>
                    </label>
                    {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                    <button type="submit" class="button primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Logging in…" } else { "Log in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
