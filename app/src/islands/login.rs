//! The login form as an island (the page is server HTML): the `login` server action, its
//! refusal shown under the fields, and `next` (where to go after) as a prop from the server.
//! Before this the form was a plain POST: it worked, but a wrong password came back to an empty
//! form without a message.
use leptos::prelude::*;

use crate::features::auth::api::Login;

// `lazy`: its own WASM chunk (wasm-split), fetched on the login page only — as a plain island
// it added 27 KiB gzip to every page's module (ActionForm's form reading).
#[island(lazy)]
pub fn LoginFormIsland(next: String) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|result| result.err())
            .map(|e| e.to_string())
    };
    view! {
        <ActionForm action=login attr:class="form">
            <input type="hidden" name="next" value=next/>
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
    }
}
