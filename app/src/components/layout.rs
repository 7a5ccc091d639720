use leptos::prelude::*;
use leptos_router::components::A;

use super::date_range::DateRangeControl;
use crate::app::{AuthActions, UserResource};
use crate::features::auth::types::Role;

/// The frame of every signed-in page: product name, navigation, date range, user, logout.
#[component]
pub fn AppShell(
    /// Pages without dates (e.g. Users) leave out the date-range control.
    #[prop(optional)]
    no_dates: bool,
    children: Children,
) -> impl IntoView {
    let user = expect_context::<UserResource>().0;
    let logout = expect_context::<AuthActions>().logout;
    view! {
        <header class="topbar">
            <a class="brand" href="/sales">
                <span class="brand-mark" aria-hidden="true"></span>
                "StorePulse"
            </a>
            <nav class="nav" aria-label="Dashboards">
                <A href="/sales">"Sales"</A>
                <Transition fallback=|| ()>
                    {move || {
                        let is_admin = user.get().and_then(|r| r.ok()).flatten().is_some_and(|u| u.role == Role::Admin);
                        is_admin.then(|| view! {
                            <A href="/admin/sources">"Data sources"</A>
                            <A href="/admin/users">"Users"</A>
                        })
                    }}
                </Transition>
            </nav>
            <div class="spacer"></div>
            <div class="user">
                <Transition fallback=|| ()>
                    {move || {
                        user.get()
                            .and_then(|r| r.ok())
                            .flatten()
                            .map(|u| {
                                view! {
                                    <span class="user-email">{u.email.clone()}</span>
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
        {(!no_dates).then(|| view! { <div class="filterbar"><DateRangeControl/></div> })}
        <main class="content">{children()}</main>
    }
}
