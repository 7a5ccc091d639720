//! The top bar's search box as an island (no props): type to find products, customers and
//! orders; the hits come from the `search` server function; a hit opens with `location.assign`.
use leptos::prelude::*;

use crate::features::search::api::search;
use crate::features::search::types::{SearchHit, SearchResults};

#[island]
pub fn SearchIsland() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0_usize);
    // Asked by the browser only, as the user types (nothing to render on the server).
    let results = LocalResource::new(move || {
        let q = text.get();
        async move {
            if q.trim().is_empty() {
                Ok(SearchResults {
                    query: q,
                    hits: Vec::new(),
                })
            } else {
                search(q).await
            }
        }
    });
    let hits = move || -> Vec<SearchHit> {
        results
            .get()
            .and_then(|r| r.ok())
            .map(|r| r.hits)
            .unwrap_or_default()
    };
    let go = Callback::new(move |href: String| {
        open.set(false);
        text.set(String::new());
        super::nav::go(&href);
    });
    let on_key = {
        move |ev: leptos::ev::KeyboardEvent| {
            let count = hits().len();
            match ev.key().as_str() {
                // A closed list opens on the hit it had; an open one moves down.
                "ArrowDown" if count > 0 && !open.get_untracked() => {
                    ev.prevent_default();
                    open.set(true);
                }
                "ArrowDown" if count > 0 => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + 1) % count);
                }
                "ArrowUp" if count > 0 => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + count - 1) % count);
                }
                "Enter" => {
                    ev.prevent_default();
                    if let Some(hit) = hits().get(active.get_untracked()) {
                        go.run(hit.href.clone());
                    }
                }
                // A first Escape closes the list and keeps the text (a search field would
                // clear itself); a second one clears it.
                "Escape" if open.get_untracked() => {
                    ev.prevent_default();
                    open.set(false);
                }
                _ => {}
            }
        }
    };
    let option_id = |i: usize| format!("search-hit-{i}");
    view! {
        <div class="search" role="search">
            <input id="search" type="search" autocomplete="off" spellcheck="false"
                placeholder="Search  /" aria-label="Search products, customers and orders"
                role="combobox" aria-controls="search-hits" aria-autocomplete="list"
                aria-expanded=move || (open.get() && !text.get().trim().is_empty()).to_string()
                aria-activedescendant=move || (open.get() && !hits().is_empty()).then(|| option_id(active.get()))
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    active.set(0);
                    open.set(true);
                }
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=on_key/>
            <Show when=move || open.get() && !text.get().trim().is_empty()>
                <ul id="search-hits" class="search-hits" role="listbox" aria-label="Search results">
                    {move || {
                        let list = hits();
                        if list.is_empty() {
                            let message = match results.get() {
                                None => "Searching…".to_string(),
                                Some(Err(err)) => err.to_string(),
                                Some(Ok(_)) => "Nothing found.".to_string(),
                            };
                            return view! { <li class="search-empty muted" role="option" aria-disabled="true">{message}</li> }.into_any();
                        }
                        list.into_iter().enumerate().map(|(i, hit)| {
                            let href = hit.href.clone();
                            view! {
                                <li id=option_id(i) role="option" class="search-hit"
                                    aria-selected=move || (active.get() == i).to_string()
                                    // Before the input's blur closes the list.
                                    on:mousedown=move |ev| { ev.prevent_default(); go.run(href.clone()); }>
                                    <span class="search-kind">{hit.kind.label()}</span>
                                    <span class="search-label">{hit.label.clone()}</span>
                                    <span class="search-detail muted">{hit.detail.clone()}</span>
                                </li>
                            }
                        }).collect_view().into_any()
                    }}
                </ul>
            </Show>
        </div>
    }
}

/// `/` anywhere but in a field focuses the search box (called once, by frontend/src/lib.rs).
#[cfg(feature = "hydrate")]
pub fn focus_on_slash() {
    use leptos::ev;
    use leptos::prelude::window_event_listener;
    use wasm_bindgen::JsCast;

    window_event_listener(ev::keydown, |e| {
        if e.key() != "/" || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|el| {
                el.is_content_editable()
                    || matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            });
        if typing {
            return;
        }
        let field = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("search"))
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(field) = field {
            e.prevent_default();
            let _ = field.focus();
        }
    });
}
