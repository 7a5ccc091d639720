use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::AppShell;
use crate::features::auth::api::list_users;

/// Admin → Users: who has access, with which role, and when they last logged in.
#[component]
pub fn UsersPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="Users · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"Users"</h1></div>
            <p class="muted">"Add users with " <code>"storepulse user add --email … --role viewer|analyst|admin"</code> "."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> }>
                {move || users.get().map(|result| match result {
                    Ok(users) => view! {
                        <section class="panel">
                            <table class="table">
                                <thead><tr><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Last login (UTC)"</th></tr></thead>
                                <tbody>
                                    {users.into_iter().map(|u| view! {
                                        <tr>
                                            <td>{u.email}</td>
                                            <td><span class="role-badge" data-role=u.role.as_str()>{u.role.as_str()}</span></td>
                                            <td>{if u.disabled { "disabled" } else { "active" }}</td>
                                            <td>{u.last_login_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                    Err(err) => view! { <div class="panel error-panel" role="alert"><p>{err.to_string()}</p></div> }.into_any(),
                })}
            </Transition>
        </AppShell>
    }
}
