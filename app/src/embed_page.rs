//! The embed page: a dashboard without the app's chrome, inside another site's iframe. Each
//! dashboard's embed is its own route (app/src/app.rs) that passes its page in, so the browser
//! loads the code of the dashboard it shows and not the other two, and the embed feature itself
//! never imports a dashboard.
use leptos::prelude::*;
use leptos_meta::{Html, Script, Title};

use crate::features::embed::api::get_embed_view;
use crate::features::embed::types::Dashboard;
use crate::features::embed::ui::EmbedContext;

/// `/embed/{dashboard}?token=…`: `children` is the dashboard's page, shown when the token is for
/// this dashboard.
#[component]
pub fn EmbedPage(dashboard: Dashboard, children: ChildrenFn) -> impl IntoView {
    let embed = crate::codec::resource(|| (), |_| get_embed_view());
    view! {
        <Title text="StorePulse"/>
        // Token, renewal, height reports and CSV downloads; not deferred, so that it is in place before
        // the page makes its first request (a static file: the CSP allows no inline script).
        <Script src="/assets/embed.js"/>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || embed.get().map(|result| match result {
                Ok(view) if view.scope.dashboard == dashboard => {
                    let theme = view.scope.theme.as_str();
                    let origins = view.allowed_origins.join(" ");
                    let expires = view.token_expires_at.timestamp().to_string();
                    provide_context(EmbedContext(view));
                    view! {
                        <Html {..} data-theme=theme/>
                        <div class="embed" data-embed-origins=origins data-token-expires=expires
                            data-dashboard=dashboard.as_str()>
                            {children()}
                        </div>
                    }
                    .into_any()
                }
                Ok(_) => view! { <EmbedMessage text="This link is for another dashboard.".to_string()/> }.into_any(),
                Err(err) => view! { <EmbedMessage text=err.to_string()/> }.into_any(),
            })}
        </Transition>
        <div class="embed-expired" id="embed-expired" hidden role="alert">
            <div class="embed-message">
                <h1>"This dashboard has expired"</h1>
                <p class="muted">"The link it was shown with is no longer valid. Reload the page to see it again."</p>
            </div>
        </div>
    }
}

#[component]
fn EmbedMessage(text: String) -> impl IntoView {
    view! {
        <main class="embed-message" role="alert" data-embed-refused="true">
            <h1>"This dashboard cannot be shown"</h1>
            <p class="muted">{text}</p>
            <p class="muted small">"Reload the page that shows it; if this stays, ask the site's owner for a new link."</p>
        </main>
    }
}
