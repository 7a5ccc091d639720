use leptos::prelude::*;

use crate::components::ErrorPanel;
use leptos_meta::Title;

use crate::components::AppShell;
use crate::features::admin::api::{list_users, CreateUser, ResetPassword, UpdateUser};
use crate::features::admin::types::NewUser;
use crate::features::auth::types::Role;

/// Admin → Users: who has access with which role; add users, change roles, disable, reset
/// passwords. The last active admin cannot be demoted or disabled (the server refuses).
#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"Users"</h1></div>
            <UsersIsland/>
        </AppShell>
    }
}

/// The page's form and list, in the browser (`lazy`: its own WASM chunk, fetched on this page
/// only). The list is its own resource, read again after each action.
#[island(lazy)]
pub fn UsersIsland() -> impl IntoView {
    crate::clock::provide_in_island();
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = crate::codec::resource(
        move || {
            (
                create.version().get(),
                update.version().get(),
                reset.version().get(),
            )
        },
        |_| list_users(),
    );
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_string());
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateUser {
            user: NewUser {
                email: email.get_untracked(),
                role: role.get_untracked().parse().ok(),
                password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
            },
        });
    };
    // The error of the action that finished last (a later success clears it).
    let last_error = RwSignal::new(None::<crate::error::AppError>);
    Effect::new(move |_| {
        if let Some(result) = create.value().get() {
            last_error.set(result.as_ref().err().cloned());
            if result.is_ok() {
                email.set(String::new());
                password.set(String::new());
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = update.value().get() {
            last_error.set(result.err());
        }
    });
    Effect::new(move |_| {
        if let Some(result) = reset.value().get() {
            last_error.set(result.err());
        }
    });
    let error = move || {
        last_error
            .get()
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    view! {
            <section class="panel">
                <h2 class="panel-title">"Add a user"</h2>
                <form class="inline-form" on:submit=submit aria-label="Add a user">
                    <label>"Email" <input type="email" name="email" required prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))/></label>
                    <label>"Role" <select name="role" on:change=move |ev| role.set(event_target_value(&ev))>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=move || role.get() == r.as_str()>{r.as_str()}</option> }).collect_view()}
                    </select></label>
                    <label>"Initial password" <input type="password" name="password" minlength="10" placeholder="leave empty to generate one"
                        autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/></label>
                    <button type="submit" class="button primary">"Add user"</button>
                </form>
                {move || create.value().get().and_then(|r| r.ok()).map(|generated| match generated {
                    Some(pw) => view! { <p class="secret-box" role="status">"User added. Their password (shown once): " <code data-generated-password="true">{pw}</code></p> }.into_any(),
                    None => view! { <p class="form-ok" role="status">"User added."</p> }.into_any(),
                })}
                {move || reset.value().get().and_then(|r| r.ok()).map(|pw| view! {
                    <p class="secret-box" role="status">"New password (shown once; their sessions have ended): " <code data-generated-password="true">{pw}</code></p>
                })}
            </section>
            {error}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> }>
                {move || users.get().map(|result| match result {
                    Ok(users) => view! {
                        <section class="panel">
                            <div class="table-scroll" tabindex="0"><table class="table">
                                <thead><tr><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Last login"</th><th></th></tr></thead>
                                <tbody>
                                    {users.into_iter().map(|u| {
                                        let id = u.id;
                                        let disabled = u.disabled;
                                        let current = u.role;
                                        view! {
                                            <tr data-user=u.email.clone()>
                                                <td>{u.email.clone()}</td>
                                                <td>
                                                    <select aria-label=format!("Role of {}", u.email) prop:value=current.as_str()
                                                        on:change=move |ev| {
                                                            if let Ok(role) = event_target_value(&ev).parse::<Role>() {
                                                                update.dispatch(UpdateUser { id, role, disabled });
                                                            }
                                                        }>
                                                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current>{r.as_str()}</option> }).collect_view()}
                                                    </select>
                                                </td>
                                                <td>{if disabled { "disabled" } else { "active" }}</td>
                                                <td>{u.last_login_at.map(crate::clock::time).unwrap_or_else(|| "never".into())}</td>
                                                <td class="row-actions">
                                                    <button type="button" class="button ghost small"
                                                        aria-label=format!("{} {}", if disabled { "Enable" } else { "Disable" }, u.email)
                                                        on:click=move |_| { update.dispatch(UpdateUser { id, role: current, disabled: !disabled }); }>
                                                        {if disabled { "Enable" } else { "Disable" }}
                                                    </button>
                                                    <button type="button" class="button ghost small" aria-label=format!("Reset password of {}", u.email)
                                                        on:click=move |_| { reset.dispatch(ResetPassword { id }); }>"Reset password"</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        </section>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err=err/> }.into_any(),
                })}
            </Transition>
    }
}
