use leptos::prelude::*;
use leptos_router::components::A;

use leptos_router::hooks::{use_location, use_query_map};

use super::filter_bar::{filter_from_query, FilterBar};
use crate::dashboard::filter::url_escape;
use crate::error::AppError;
use crate::features::auth::context::{AuthActions, UserResource};
use crate::features::auth::types::Role;
use crate::features::inventory::api::get_open_signal_count;

/// The frame of every signed-in page: product name, navigation, date range, user, logout.
#[component]
pub fn AppShell(
    /// Pages without dates (e.g. Users) leave out the filter bar.
    #[prop(optional)]
    no_dates: bool,
    children: Children,
) -> impl IntoView {
    // A filter no part could show (two dates the wrong way round, a NUL in a country) is said
    // once, in place of the parts, instead of by each of them — as the parts would see it (an
    // embed's locked filters replace what the address asks for).
    let refused = (!no_dates)
        .then(|| {
            let asked = filter_from_query(&use_query_map().get_untracked());
            match crate::features::embed::ui::embed_scope() {
                Some(scope) => scope.apply(asked),
                None => asked,
            }
            .check()
            .err()
        })
        .flatten();
    let body = match refused {
        None => children(),
        Some(err) => view! { <FilterRefused err/> }.into_any(),
    };
    if crate::features::embed::ui::embedded() {
        // Inside another site: no navigation, user or logout; the filters the embed allows.
        return view! {
            {(!no_dates).then(|| view! { <div class="filterbar embed-filterbar"><FilterBar/></div> })}
            <main class="content embed-content">{body}</main>
            <footer class="embed-footer muted small">"StorePulse"</footer>
        }
        .into_any();
    }
    let user = expect_context::<UserResource>().0;
    let logout = expect_context::<AuthActions>().logout;
    // The Inventory page's signals panel sets the badge again after an acknowledgement.
    let open_signals = crate::codec::resource(|| (), |_| get_open_signal_count());
    view! {
        // The first stop of the keyboard: past the navigation and filters to the page itself.
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/sales">
                <span class="brand-mark" aria-hidden="true"></span>
                "StorePulse"
            </a>
            <nav class="nav" aria-label="Dashboards">
                <A href="/sales">"Sales"</A>
                <A href="/customers">"Customers"</A>
                <A href="/inventory">
                    "Inventory & Pricing"
                    <Transition fallback=|| ()>
                        {move || open_signals.get().and_then(|r| r.ok()).filter(|n| *n > 0).map(|n| view! {
                            <span class="badge" data-open-signals=n title=format!("{n} open market signals")>{n}</span>
                        })}
                    </Transition>
                </A>
                <Transition fallback=|| ()>
                    {move || {
                        let is_admin = user.get().and_then(|r| r.ok()).flatten().is_some_and(|u| u.role == Role::Admin);
                        // The admin pages sit in one menu, so that the bar fits one line.
                        is_admin.then(|| view! {
                            <details class="nav-menu">
                                <summary class="nav-menu-toggle">"Admin"</summary>
                                <div class="nav-menu-items">
                                    <A href="/admin/sources">"Data sources"</A>
                                    <A href="/admin/users">"Users"</A>
                                    <A href="/admin/embeds">"Embeds"</A>
                                    <A href="/admin/tokens">"API tokens"</A>
                                    <A href="/admin/audit">"Audit log"</A>
                                </div>
                            </details>
                        })
                    }}
                </Transition>
            </nav>
            <div class="spacer"></div>
            <crate::islands::search::SearchIsland/>
            <div class="user">
                <Transition fallback=|| ()>
                    {move || {
                        user.get()
                            .and_then(|r| r.ok())
                            .flatten()
                            .map(|u| {
                                view! {
                                    <a class="user-email" href="/account" title=format!("{}: your account", u.email)>{u.email.clone()}</a>
                                    <span class="role-badge" data-role=u.role.as_str()>{u.role.as_str()}</span>
                                }
                            })
                    }}
                </Transition>
                <ActionForm action=logout attr:class="logout-form">
                    <button type="submit" class="button ghost">"Log out"</button>
                </ActionForm>
            </div>
        </header>
        {(!no_dates).then(|| view! {
            <div class="filterbar"><FilterBar views=true/></div>
        })}
        <main class="content" id="main" tabindex="-1">{body}</main>
    }
    .into_any()
}

/// What a dashboard shows instead of its parts when its filter is refused
/// (`DashboardFilter::check`): the parameter and what is wrong with it, and a way back to the
/// default view (an embed keeps its token).
#[component]
fn FilterRefused(err: AppError) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let reset = match use_query_map().get_untracked().get("token") {
        Some(token) => format!("{path}?token={}", url_escape(&token)),
        None => path,
    };
    view! {
        <div class="panel error-panel filter-refused" role="alert">
            <h2>"These filters cannot be shown"</h2>
            <p>{err.to_string()}</p>
            <p class="muted">"Change them above, or "<a href=reset>"clear the filters"</a>"."</p>
        </div>
    }
}

/// A page rendered only for users whose role reaches `role` (the admin pages; record pages, which
/// name customers, for analysts): anyone else gets a plain refusal with a way back, never forms
/// and buttons that would then refuse.
#[component]
pub fn RoleOnly(role: Role, children: ChildrenFn) -> impl IntoView {
    let required = role;
    let user = expect_context::<UserResource>().0;
    let who = match required {
        Role::Admin => "admins",
        Role::Analyst => "analysts and admins",
        Role::Viewer => "signed-in users",
    };
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                let role = user.get()?.ok().flatten().map(|u| u.role);
                Some(match role {
                    Some(role) if role.allows(required) => children().into_any(),
                    other => view! {
                        <AppShell no_dates=true>
                            <section class="panel forbidden" aria-label="No access">
                                <h1>"No access"</h1>
                                <p>{match other {
                                    Some(role) => format!(
                                        "This page is for {who}; your role ({}) does not give access to it.",
                                        role.as_str()
                                    ),
                                    None => format!("This page is for {who}: sign in as one to use it."),
                                }}</p>
                                <p><a class="button" href="/sales">"Back to the dashboards"</a></p>
                            </section>
                        </AppShell>
                    }
                    .into_any(),
                })
            }}
        </Transition>
    }
}
