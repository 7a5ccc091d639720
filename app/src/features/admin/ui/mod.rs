//! Admin pages: users, API tokens, the audit log, embeds; and every user's own account page.
use leptos::prelude::*;

use crate::components::ErrorPanel;
use leptos_meta::Title;

mod users;
pub use users::UsersPage;

use super::api::{get_audit_log, list_api_tokens, ChangePassword, CreateApiToken, RevokeApiToken};
use super::types::{AuditFilter, AUDIT_ACTIONS, AUDIT_PAGE};
use crate::components::AppShell;
use crate::features::auth::types::Role;
use crate::features::embed::api::{
    list_embeds, MintEmbedToken, RevokeEmbed, RotateEmbedSecret, SaveEmbed,
};
use crate::features::embed::types::{
    Dashboard, EmbedDetail, EmbedInput, FilterKey, LockedFilters, Theme,
};

fn when(t: Option<chrono::DateTime<chrono::Utc>>, none: &'static str) -> String {
    t.map(crate::clock::time)
        .unwrap_or_else(|| none.to_string())
}

/// An action's error, as an alert.
fn error_view(err: Option<crate::error::AppError>) -> Option<impl IntoView> {
    err.map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
}

/// Admin → API tokens: create (shown once), revoke, and when each was last used.
#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Title text="API tokens · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"API tokens"</h1></div>
            <p class="muted">"Scripts call " <code>"/api/v1"</code> " with " <code>"Authorization: Bearer <token>"</code>
                ". A token acts with its role on behalf of the admin who created it (never with more than that admin's current role), and stops working when revoked, expired, or when that admin is disabled."</p>
            <TokensIsland/>
        </AppShell>
    }
}

/// The new-token form and the list, in the browser (`lazy`: its own WASM chunk).
#[island(lazy)]
pub fn TokensIsland() -> impl IntoView {
    crate::clock::provide_in_island();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = crate::codec::resource(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_string());
    let expires = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let expires_at = expires
            .get_untracked()
            .parse::<chrono::NaiveDate>()
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map(|t| t.and_utc());
        create.dispatch(CreateApiToken {
            name: name.get_untracked(),
            role: role.get_untracked().parse().unwrap_or(Role::Viewer),
            expires_at,
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            expires.set(String::new());
        }
    });
    view! {
            <section class="panel">
                <h2 class="panel-title">"New token"</h2>
                <form class="inline-form" on:submit=submit aria-label="New API token">
                    <label>"Name" <input type="text" required maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/></label>
                    <label>"Role" <select on:change=move |ev| role.set(event_target_value(&ev))>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=move || role.get() == r.as_str()>{r.as_str()}</option> }).collect_view()}
                    </select></label>
                    <label>"Expires (optional)" <input type="date" prop:value=move || expires.get()
                        on:change=move |ev| expires.set(event_target_value(&ev))/></label>
                    <button type="submit" class="button primary">"Create token"</button>
                </form>
                {move || error_view(create.value().get().and_then(|r| r.err()))}
                {move || create.value().get().and_then(|r| r.ok()).map(|created| view! {
                    <div class="secret-box" role="status">
                        <p>"Copy the token now: it is not shown again."</p>
                        <code class="new-token" data-new-token="true">{created.token}</code>
                    </div>
                })}
            </section>
            {move || error_view(revoke.value().get().and_then(|r| r.err()))}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading tokens…"</p> }>
                {move || tokens.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No API tokens yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel">
                            <div class="table-scroll" tabindex="0"><table class="table">
                                <thead><tr><th>"Name"</th><th>"Token"</th><th>"Role"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| {
                                        let id = t.id;
                                        let revoke_label = format!("Revoke token {}", t.name);
                                        let live = t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > chrono::Utc::now());
                                        let status = if t.revoked_at.is_some() { "revoked" } else if live { "active" } else { "expired" };
                                        view! {
                                            <tr data-token=t.name.clone()>
                                                <td>{t.name.clone()}</td>
                                                <td><code>{format!("{}…", t.prefix)}</code></td>
                                                <td><span class="role-badge" data-role=t.role.as_str()>{t.role.as_str()}</span></td>
                                                <td>{format!("{} by {}", when(Some(t.created_at), ""), t.created_by.unwrap_or_else(|| "—".into()))}</td>
                                                <td>{when(t.expires_at, "never")}</td>
                                                <td>{when(t.last_used_at, "never")}</td>
                                                <td>{status}</td>
                                                <td>{(t.revoked_at.is_none()).then(|| view! {
                                                    <button type="button" class="button ghost small" aria-label=revoke_label.clone() on:click=move |_| { revoke.dispatch(RevokeApiToken { id }); }>"Revoke"</button>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorPanel err=e/> }.into_any(),
                })}
            </Transition>
    }
}

/// Admin → Audit log: who did what, when, from where; filterable, newest first, paged.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"Audit log"</h1></div>
            <AuditIsland/>
        </AppShell>
    }
}

/// The filters, the export link and the entries, in the browser (`lazy`: its own WASM chunk).
#[island(lazy)]
pub fn AuditIsland() -> impl IntoView {
    crate::clock::provide_in_island();
    let filter = RwSignal::new(AuditFilter::default());
    let entries = crate::codec::resource(move || filter.get(), get_audit_log);
    let set = move |f: &dyn Fn(&mut AuditFilter)| {
        filter.update(|current| {
            f(current);
            current.before = None;
        })
    };
    view! {
            <form class="inline-form" aria-label="Audit filters" on:submit=|ev| ev.prevent_default()>
                <label>"What" <select on:change=move |ev| { let v = event_target_value(&ev); set(&|f| f.action = (!v.is_empty()).then(|| v.clone())) }>
                    <option value="">"Everything"</option>
                    {AUDIT_ACTIONS.iter().map(|(key, label)| view! { <option value=*key>{*label}</option> }).collect_view()}
                </select></label>
                <label>"Who" <input type="search" placeholder="email or token name"
                    on:change=move |ev| { let v = event_target_value(&ev); set(&|f| f.actor = (!v.is_empty()).then(|| v.clone())) }/></label>
                <label>"From" <input type="date" on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); set(&|f| f.from = v) }/></label>
                <label>"To" <input type="date" on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); set(&|f| f.to = v) }/></label>
            </form>
            <p class="small">
                <a class="export" download href=move || filter.with(|f| format!("/api/v1/audit?{}format=csv", form_query(f)))>
                    "Export CSV (every matching entry)"
                </a>
            </p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the audit log…"</p> }>
                {move || entries.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No entries match."</p>
                        {filter.with(|f| f.before.is_some()).then(|| view! {
                            <button type="button" class="button ghost small" on:click=move |_| filter.update(|f| f.before = None)>"Newest"</button>
                        })}
                    }.into_any(),
                    Ok(list) => {
                        let oldest = list.last().map(|e| e.id);
                        let full = list.len() as i64 == AUDIT_PAGE;
                        view! {
                            <section class="panel">
                                <div class="table-scroll" tabindex="0"><table class="table audit">
                                    <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"On what"</th><th>"From"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|e| { let action = e.action.clone(); view! {
                                            <tr data-action=action>
                                                <td>{crate::clock::time_precise(e.at)}</td>
                                                <td>{e.actor.unwrap_or_else(|| "system".into())}</td>
                                                <td><code>{e.action}</code></td>
                                                <td>{e.target.unwrap_or_default()}</td>
                                                <td>{e.ip.unwrap_or_default()}</td>
                                            </tr>
                                        }}).collect_view()}
                                    </tbody>
                                </table></div>
                                <div class="table-foot">
                                    {move || filter.with(|f| f.before.is_some()).then(|| view! {
                                        <button type="button" class="button ghost small" on:click=move |_| filter.update(|f| f.before = None)>"Newest"</button>
                                    })}
                                    {full.then(|| view! {
                                        <button type="button" class="button ghost small" on:click=move |_| filter.update(|f| f.before = oldest)>"Older entries"</button>
                                    })}
                                </div>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel err=e/> }.into_any(),
                })}
            </Transition>
    }
}

/// The audit filter as a query string (ending in `&` when not empty).
fn form_query(f: &AuditFilter) -> String {
    use crate::dashboard::filter::url_escape;
    let mut q = String::new();
    let mut push = |k: &str, v: &str| q.push_str(&format!("{k}={}&", url_escape(v)));
    if let Some(a) = &f.action {
        push("action", a);
    }
    if let Some(a) = &f.actor {
        push("actor", a);
    }
    if let Some(d) = f.from {
        push("from", &d.to_string());
    }
    if let Some(d) = f.to {
        push("to", &d.to_string());
    }
    q
}

/// Your account: change your own password (other sessions end).
#[component]
pub fn AccountPage() -> impl IntoView {
    let user = expect_context::<crate::features::auth::context::UserResource>().0;
    view! {
        <Title text="Your account · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"Your account"</h1></div>
            <Transition fallback=|| ()>
                {move || user.get().and_then(|r| r.ok()).flatten().map(|u| view! {
                    <p class="muted">{format!("{} · {}", u.email, u.role.as_str())}</p>
                })}
            </Transition>
            <ChangePasswordIsland/>
        </AppShell>
    }
}

/// The change-password form, in the browser (`lazy`: its own WASM chunk): the action's refusal
/// or its success under the fields.
#[island(lazy)]
pub fn ChangePasswordIsland() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    view! {
            <section class="panel narrow">
                <h2 class="panel-title">"Change password"</h2>
                <ActionForm action=change attr:class="stacked-form">
                    <label>"Current password" <input type="password" name="current" required autocomplete="current-password"/></label>
                    <label>"New password" <input type="password" name="new" required minlength="10" autocomplete="new-password"/></label>
                    <button type="submit" class="button primary">"Change password"</button>
                </ActionForm>
                {move || error_view(change.value().get().and_then(|r| r.err()))}
                {move || change.value().get().and_then(|r| r.ok()).map(|_| view! {
                    <p class="form-ok" role="status">"Password changed. Your other sessions have ended."</p>
                })}
            </section>
    }
}

/// The embed form's state.
#[derive(Clone, Copy)]
struct EmbedForm {
    id: RwSignal<Option<i64>>,
    name: RwSignal<String>,
    dashboard: RwSignal<String>,
    /// Per filter: locked values (comma separated) and whether the viewer may change it.
    locked: RwSignal<Vec<(FilterKey, String, bool)>>,
    origins: RwSignal<String>,
    theme: RwSignal<String>,
    allow_export: RwSignal<bool>,
    expires: RwSignal<String>,
}

impl EmbedForm {
    fn new() -> Self {
        EmbedForm {
            id: RwSignal::new(None),
            name: RwSignal::new(String::new()),
            dashboard: RwSignal::new("sales".into()),
            locked: RwSignal::new(
                FilterKey::ALL
                    .into_iter()
                    .map(|k| (k, String::new(), false))
                    .collect(),
            ),
            origins: RwSignal::new(String::new()),
            theme: RwSignal::new("light".into()),
            allow_export: RwSignal::new(false),
            expires: RwSignal::new(String::new()),
        }
    }

    /// Back to an empty "New embed" form.
    fn reset(&self) {
        let fresh = EmbedForm::new();
        self.id.set(None);
        self.name.set(String::new());
        self.dashboard.set(fresh.dashboard.get_untracked());
        self.locked.set(fresh.locked.get_untracked());
        self.origins.set(String::new());
        self.theme.set(fresh.theme.get_untracked());
        self.allow_export.set(false);
        self.expires.set(String::new());
    }

    fn load(&self, d: &EmbedDetail) {
        let e = &d.embed;
        self.id.set(Some(e.id));
        self.name.set(e.name.clone());
        self.dashboard.set(e.dashboard.as_str().into());
        self.locked.set(
            FilterKey::ALL
                .into_iter()
                .map(|k| {
                    (
                        k,
                        e.locked.get(&k).map(|v| v.join(", ")).unwrap_or_default(),
                        e.editable.contains(&k),
                    )
                })
                .collect(),
        );
        self.origins.set(e.allowed_origins.join("\n"));
        self.theme.set(e.theme.as_str().into());
        self.allow_export.set(e.allow_export);
        self.expires.set(
            e.expires_at
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default(),
        );
    }

    fn input(&self) -> EmbedInput {
        let mut locked = LockedFilters::new();
        let mut editable = Vec::new();
        let followed = self
            .dashboard
            .get_untracked()
            .parse::<Dashboard>()
            .map(|d| d.filters())
            .unwrap_or_default();
        // Only the filters the chosen dashboard follows (others may linger from another choice).
        for (key, values, may_change) in self.locked.get_untracked() {
            if !followed.contains(&key) {
                continue;
            }
            let values: Vec<String> = values
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if !values.is_empty() {
                locked.insert(key, values);
            } else if may_change {
                editable.push(key);
            }
        }
        EmbedInput {
            name: self.name.get_untracked(),
            dashboard: self.dashboard.get_untracked(),
            locked,
            editable,
            allowed_origins: self
                .origins
                .get_untracked()
                .lines()
                .map(str::to_string)
                .collect(),
            theme: self.theme.get_untracked().parse().unwrap_or_default(),
            allow_export: self.allow_export.get_untracked(),
            expires_at: self
                .expires
                .get_untracked()
                .parse::<chrono::NaiveDate>()
                .ok()
                .and_then(|d| d.and_hms_opt(23, 59, 59))
                .map(|t| t.and_utc()),
        }
    }
}

/// Admin → Embeds: which dashboard, locked filters, allowed origins, theme, export, expiry; the
/// iframe snippet and, for hosts that mint their own tokens, the secret and the claims.
#[component]
pub fn EmbedsPage() -> impl IntoView {
    view! {
        <Title text="Embeds · StorePulse"/>
        <AppShell no_dates=true>
            <div class="page-head"><h1>"Embeds"</h1></div>
            <p class="muted">"Show a dashboard inside another site. Every request from the embed is limited to its locked filters on the server; only the origins listed may frame it."</p>
            <EmbedsIsland/>
        </AppShell>
    }
}

/// The embed form and the embeds, in the browser (`lazy`: its own WASM chunk).
#[island(lazy)]
pub fn EmbedsIsland() -> impl IntoView {
    crate::clock::provide_in_island();
    let save = ServerAction::<SaveEmbed>::new();
    let revoke = ServerAction::<RevokeEmbed>::new();
    let rotate = ServerAction::<RotateEmbedSecret>::new();
    let embeds = crate::codec::resource(
        move || {
            (
                save.version().get(),
                revoke.version().get(),
                rotate.version().get(),
            )
        },
        |_| list_embeds(),
    );
    let form = EmbedForm::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveEmbed {
            id: form.id.get_untracked(),
            input: form.input(),
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            form.reset();
        }
    });
    let lockable = move || {
        form.dashboard
            .get()
            .parse::<Dashboard>()
            .map(|d| d.filters().to_vec())
            .unwrap_or_default()
    };
    view! {
            <section class="panel">
                <h2 class="panel-title">{move || if form.id.get().is_some() { "Edit embed" } else { "New embed" }}</h2>
                <form class="stacked-form embed-form" on:submit=submit aria-label="Embed">
                    <label>"Name" <input type="text" name="name" required maxlength="100" prop:value=move || form.name.get()
                        on:input=move |ev| form.name.set(event_target_value(&ev))/></label>
                    <label>"Dashboard" <select name="dashboard" on:change=move |ev| form.dashboard.set(event_target_value(&ev))>
                        {Dashboard::ALL.into_iter().map(|d| view! {
                            <option value=d.as_str() selected=move || form.dashboard.get() == d.as_str()>{d.title()}</option>
                        }).collect_view()}
                    </select></label>
                    <fieldset>
                        <legend>"Filters: lock to values (comma separated; sources by id), or let the viewer change them"</legend>
                        {move || lockable().is_empty().then(|| view! {
                            <p class="muted small">"This dashboard follows the dates only: there is nothing to lock."</p>
                        })}
                        {move || lockable().into_iter().map(|key| {
                            let values = move || form.locked.with(|l| l.iter().find(|(k, _, _)| *k == key).map(|(_, v, _)| v.clone()).unwrap_or_default());
                            let may = move || form.locked.with(|l| l.iter().any(|(k, _, m)| *k == key && *m));
                            view! {
                                <div class="filter-row">
                                    <label>{key.as_str()} <input type="text" name=format!("lock-{}", key.as_str()) placeholder="not locked"
                                        prop:value=values
                                        on:input=move |ev| { let v = event_target_value(&ev); form.locked.update(|l| if let Some(e) = l.iter_mut().find(|(k, _, _)| *k == key) { e.1 = v.clone(); }) }/></label>
                                    <label class="check"><input type="checkbox" name=format!("edit-{}", key.as_str()) prop:checked=may
                                        aria-label=format!("Viewer may change {}", key.as_str())
                                        on:change=move |ev| { let on = event_target_checked(&ev); form.locked.update(|l| if let Some(e) = l.iter_mut().find(|(k, _, _)| *k == key) { e.2 = on; }) }/>
                                        "viewer may change"</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label>"Allowed origins (one per line, http or https, e.g. https://shop.example)"
                        <textarea name="origins" rows="2" prop:value=move || form.origins.get() on:input=move |ev| form.origins.set(event_target_value(&ev))></textarea></label>
                    <div class="filter-row">
                        <label>"Theme" <select name="theme" on:change=move |ev| form.theme.set(event_target_value(&ev))>
                            {Theme::ALL.into_iter().map(|t| view! { <option value=t.as_str() selected=move || form.theme.get() == t.as_str()>{t.as_str()}</option> }).collect_view()}
                        </select></label>
                        <label class="check"><input type="checkbox" name="allow_export" prop:checked=move || form.allow_export.get()
                            on:change=move |ev| form.allow_export.set(event_target_checked(&ev))/>"CSV export allowed"</label>
                        <label>"Expires (optional)" <input type="date" name="expires" prop:value=move || form.expires.get()
                            on:change=move |ev| form.expires.set(event_target_value(&ev))/></label>
                    </div>
                    <div>
                        <button type="submit" class="button primary">{move || if form.id.get().is_some() { "Save changes" } else { "Create embed" }}</button>
                        {move || form.id.get().is_some().then(|| view! {
                            <button type="button" class="button ghost" on:click=move |_| form.reset()>"Cancel"</button>
                        })}
                    </div>
                </form>
                {move || error_view(save.value().get().and_then(|r| r.err()))}
            </section>
            {move || error_view(revoke.value().get().and_then(|r| r.err()))}
            {move || error_view(rotate.value().get().and_then(|r| r.err()))}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading embeds…"</p> }>
                {move || embeds.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No embeds yet."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|d| view! { <EmbedCard detail=d form revoke rotate/> }).collect_view().into_any(),
                    Err(e) => view! { <ErrorPanel err=e/> }.into_any(),
                })}
            </Transition>
    }
}

#[component]
fn EmbedCard(
    detail: EmbedDetail,
    form: EmbedForm,
    revoke: ServerAction<RevokeEmbed>,
    rotate: ServerAction<RotateEmbedSecret>,
) -> impl IntoView {
    let mint = ServerAction::<MintEmbedToken>::new();
    let e = detail.embed.clone();
    let id = e.id;
    let live = e.revoked_at.is_none() && e.expires_at.is_none_or(|t| t > chrono::Utc::now());
    let locked = if e.locked.is_empty() {
        "nothing".to_string()
    } else {
        e.locked
            .iter()
            .map(|(k, v)| format!("{} = {}", k.as_str(), v.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let editable = e
        .editable
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let claims = serde_json::to_string_pretty(&serde_json::json!({
        "embed": e.id,
        "dashboard": e.dashboard.as_str(),
        "filters": e.locked,
        "exp": 1_900_000_000_i64,
    }))
    .unwrap_or_default();
    let minutes = RwSignal::new(60_i64);
    let origin = move || {
        #[cfg(feature = "hydrate")]
        {
            window().location().origin().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            String::new()
        }
    };
    let dashboard = e.dashboard.as_str();
    // The iframe, 600 px tall until the dashboard says how tall it is: the script sizes it to
    // its content (the embed posts its height; only messages from this site count).
    let snippet = move || {
        mint.value().get().and_then(|r| r.ok()).map(|token| {
            let site = origin();
            format!(
                "<iframe src=\"{site}/embed/{dashboard}?token={token}\" id=\"storepulse-{id}\" style=\"width:100%;height:600px;border:0\" title=\"StorePulse\"></iframe>\n\
                 <script>addEventListener(\"message\",function(e){{if(e.origin===\"{site}\"&&e.data&&e.data.type===\"storepulse:height\"){{document.getElementById(\"storepulse-{id}\").style.height=e.data.height+\"px\"}}}});</script>"
            )
        })
    };
    let for_edit = detail.clone();
    let name = e.name.clone();
    // Revoking stops every site that shows the embed: it is asked for first.
    let asking = RwSignal::new(false);
    let confirm_name = e.name.clone();
    view! {
        <section class="panel embed-card" data-embed-id=id>
            <div class="panel-head">
                <h2 class="panel-title">{e.name.clone()} " · " {e.dashboard.title()}</h2>
                <span class="status">{if e.revoked_at.is_some() { "revoked" } else if live { "active" } else { "expired" }}</span>
            </div>
            <dl class="facts">
                <dt>"Locked"</dt><dd>{locked}</dd>
                <dt>"Viewer may change"</dt><dd>{if editable.is_empty() { "dates only".to_string() } else { format!("dates, {editable}") }}</dd>
                <dt>"Allowed origins"</dt><dd>{e.allowed_origins.join(", ")}</dd>
                <dt>"Theme"</dt><dd>{e.theme.as_str()}</dd>
                <dt>"CSV export"</dt><dd>{if e.allow_export { "allowed" } else { "not allowed" }}</dd>
                <dt>"Expires"</dt><dd>{when(e.expires_at, "never")}</dd>
            </dl>
            {live.then(|| view! {
                <div class="embed-actions">
                    <button type="button" class="button ghost small" aria-label=format!("Edit {name}") on:click=move |_| form.load(&for_edit)>"Edit"</button>
                    <button type="button" class="button ghost small" aria-label=format!("Rotate the secret of {name}") on:click=move |_| { rotate.dispatch(RotateEmbedSecret { id }); }>"Rotate secret"</button>
                    <button type="button" class="button danger small" aria-label=format!("Revoke {name}…") on:click=move |_| asking.set(true)>"Revoke…"</button>
                    <label>"Token valid for "
                        <select prop:value=move || minutes.get().to_string()
                            on:change=move |ev| minutes.set(event_target_value(&ev).parse().unwrap_or(60))>
                            <option value="60">"1 hour"</option>
                            <option value="1440">"1 day"</option>
                            <option value="43200">"30 days"</option>
                        </select>
                    </label>
                    <button type="button" class="button primary small" on:click=move |_| { mint.dispatch(MintEmbedToken { id, minutes: minutes.get_untracked() }); }>"Get iframe snippet"</button>
                </div>
                {move || asking.get().then(|| view! {
                    <div class="confirm" role="alertdialog" aria-label=format!("Confirm revoking {}", confirm_name)>
                        <p>{format!("Revoke '{}'? Every site that shows it stops showing it at once, and its links and tokens stop working. This cannot be undone.", confirm_name)}</p>
                        <button type="button" class="button danger small" on:click=move |_| { asking.set(false); revoke.dispatch(RevokeEmbed { id }); }>"Revoke"</button>
                        <button type="button" class="button ghost small" on:click=move |_| asking.set(false)>"Cancel"</button>
                    </div>
                })}
                {move || error_view(mint.value().get().and_then(|r| r.err()))}
                {move || snippet().map(|s| view! {
                    <p class="muted small">"Paste into the host page: the iframe and the script that sizes it to the dashboard (the token in it expires; hosts that renew tokens answer the embed's postMessage, see docs/embedding.md):"</p>
                    <pre class="snippet" data-snippet=id>{s}</pre>
                })}
                <details>
                    <summary>"Mint tokens on your own server"</summary>
                    <p class="muted small">"Sign a JWT with HS256 and this secret. The claims must name this embed, its dashboard and exactly its locked filters; exp is seconds since 1970."</p>
                    <code class="secret" data-secret=id>{detail.secret.clone()}</code>
                    <pre class="snippet">{claims}</pre>
                </details>
            })}
        </section>
    }
}
