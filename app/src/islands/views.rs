//! The Views menu as an island: the saved and published views of a dashboard (the
//! `list_saved_views` server function, asked by the browser), save, delete and publish (three
//! server actions). The dashboard, the user's role and the page's query come as props.
use leptos::html;
use leptos::prelude::*;

use super::nav::{self, Query};
use crate::dashboard::filter::FILTER_KEYS;
use crate::error::AppError;
use crate::features::embed::types::Dashboard;
use crate::features::views::api::{list_saved_views, DeleteSavedView, PublishSavedView, SaveView};
use crate::features::views::types::{canonical_query, SavedView, NAME_MAX};

#[island]
pub fn SavedViewsIsland(
    dashboard: Dashboard,
    /// Whether the user may publish and delete others' views (the user context is the App's).
    is_admin: bool,
    /// The page's query (the filters on screen).
    query: Query,
) -> impl IntoView {
    let query = StoredValue::new(query);
    let admin = Signal::stored(is_admin);
    let save = ServerAction::<SaveView>::new();
    let delete = ServerAction::<DeleteSavedView>::new();
    let publish = ServerAction::<PublishSavedView>::new();
    // Asked by the browser (the menu opens there), again after every change.
    let views = LocalResource::new(move || {
        save.version().track();
        delete.version().track();
        publish.version().track();
        list_saved_views(dashboard)
    });
    // Copied out by an effect, which runs in the browser only: a LocalResource read while the
    // server renders makes the enclosing <Suspense> give up (its chunk "incomplete"), and under
    // islands nothing in the browser renders it again — the whole filter bar was missing.
    let fetched = RwSignal::new(Vec::<SavedView>::new());
    Effect::new(move |_| {
        if let Some(Ok(list)) = views.get() {
            fetched.set(list);
        }
    });
    let list = move || -> Vec<SavedView> { fetched.get() };
    // The page's filters in a view's form, to mark the view they are.
    let current = Memo::new(move |_| {
        query.with_value(|q| {
            let pairs: Vec<(&str, String)> = FILTER_KEYS
                .iter()
                .flat_map(|k| nav::get_all(q, k).into_iter().map(move |v| (*k, v)))
                .collect();
            canonical_query(dashboard, pairs.iter().map(|(k, v)| (*k, v.as_str()))).ok()
        })
    });
    let current_name = move || {
        let now = current.get()?;
        list().into_iter().find(|v| v.query == now).map(|v| v.name)
    };
    let menu = NodeRef::<html::Details>::new();
    let close = move || {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    };
    let name = RwSignal::new(String::new());
    let submit = move || {
        save.dispatch(SaveView {
            dashboard,
            name: name.get_untracked(),
            query: query.with_value(nav::filters_query),
        });
    };
    // A saved view's name empties the field.
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            name.set(String::new());
        }
    });
    // The outcome of the latest action only: a later success clears an earlier refusal.
    let error = RwSignal::new(None::<String>);
    report_error(save.value(), error);
    report_error(delete.value(), error);
    report_error(publish.value(), error);
    let error = move || {
        error
            .get()
            .map(|e| view! { <p class="form-error small" role="alert">{e}</p> })
    };
    let row = move |view: SavedView| {
        let id = view.id;
        let href = view.href();
        let may_delete = view.mine || (view.published && admin.get());
        let may_publish = admin.get() && (view.mine || view.published);
        let published = view.published;
        let is_current = {
            let q = view.query.clone();
            move || current.get().as_deref() == Some(q.as_str())
        };
        let owner = view
            .owner
            .filter(|_| !view.mine)
            .map(|owner| format!("by {owner}"));
        view! {
            <li class="saved-view" data-view=view.name.clone()>
                <a href=href on:click=move |_| close()
                    aria-current=move || is_current().then_some("true")>{view.name.clone()}</a>
                {published.then(|| view! { <span class="tag">"published"</span> })}
                {owner.map(|o| view! { <span class="muted small">{o}</span> })}
                <span class="saved-view-actions">
                    {may_publish.then(|| view! {
                        <button type="button" class="button ghost small"
                            on:click=move |_| { publish.dispatch(PublishSavedView { id, published: !published }); }>
                            {if published { "Unpublish" } else { "Publish" }}
                        </button>
                    })}
                    {may_delete.then(|| view! {
                        <button type="button" class="button ghost small" aria-label=format!("Delete view {}", view.name)
                            on:click=move |_| { delete.dispatch(DeleteSavedView { id }); }>
                            "Delete"
                        </button>
                    })}
                </span>
            </li>
        }
    };
    view! {
        <details class="multiselect views" node_ref=menu class:active=move || current_name().is_some()>
            <summary>
                {move || current_name().map(|n| format!("View: {n}")).unwrap_or_else(|| "Views".to_string())}
            </summary>
            <div class="multiselect-menu views-menu" role="group" aria-label="Saved views">
                {move || {
                    let (mine, others): (Vec<SavedView>, Vec<SavedView>) = list().into_iter().partition(|v| v.mine);
                    view! {
                        <p class="menu-heading">"My views"</p>
                        {if mine.is_empty() {
                            view! { <p class="muted small">"None yet: name the filters on screen below."</p> }.into_any()
                        } else {
                            view! { <ul class="saved-views">{mine.into_iter().map(row).collect_view()}</ul> }.into_any()
                        }}
                        {(!others.is_empty()).then(|| view! {
                            <p class="menu-heading">"Published"</p>
                            <ul class="saved-views">{others.into_iter().map(row).collect_view()}</ul>
                        })}
                    }
                }}
                <div class="save-view">
                    <input type="text" aria-label="Name of the view" placeholder="Name these filters"
                        maxlength=NAME_MAX.to_string() prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); submit(); }/>
                    <button type="button" class="button small" disabled=move || save.pending().get()
                        on:click=move |_| submit()>"Save view"</button>
                </div>
                <p class="muted small">"A view keeps these dates and filters; its link shares it."</p>
                {error}
            </div>
        </details>
    }
}

/// Shows an action's refusal in `error` when it answers, and clears it when it succeeds.
fn report_error<T: 'static>(
    outcome: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) {
    Effect::new(move |_| {
        if let Some(result) = outcome.get() {
            error.set(result.err().map(|e| e.to_string()));
        }
    });
}
