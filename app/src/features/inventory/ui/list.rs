//! A product table's panel (the stock table, the price recommendations): 50 products a page,
//! narrowed, searched and sorted by the server over every product (a shop's whole catalogue is
//! not sent to the page). Its narrowing, search, sort and page live in the URL (Back from a
//! product finds them): the server renders the page they ask for; the headings and the pager are
//! `data-navigate` buttons and the search and narrowing an island (`TableControls`), which open
//! the page with them changed, in place (public/nav.js).
use std::future::Future;

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use super::state::page_query;
use crate::components::table::{range_export, ServerPaging};
use crate::components::{Cell, Section};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
use crate::features::inventory::list::{ListPage, ListQuery, ProductRow};
use crate::islands::nav::{self, Query};

/// How a product table is named and where it keeps its state.
pub(super) struct ListPanel {
    /// The panel's heading and accessible name.
    pub title: &'static str,
    /// What loads, for the placeholder and screen readers.
    pub what: &'static str,
    /// The JSON route that lists every product of the range (the CSV export).
    pub export: &'static str,
    /// The URL keys of its search, sort and page.
    pub keys: [&'static str; 3],
}

impl ListPanel {
    /// The panel over rows `T` for the page's `filter`: `only` is the narrowing the URL asks for
    /// and `control` its control (server HTML named by its URL key), `fetch` asks the server for
    /// a page `P` and `note` writes a line above the table from it.
    pub fn view<T, P, Fut>(
        self,
        filter: DashboardFilter,
        only: T::Only,
        control: AnyView,
        fetch: fn(DashboardFilter, ListQuery<T::Only>) -> Fut,
        note: fn(&P) -> Option<String>,
    ) -> impl IntoView
    where
        T: ProductRow + Send + Sync + 'static,
        T::Only: Clone + PartialEq + Send + Sync + 'static,
        P: AsRef<ListPage<T>> + Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
        Fut: Future<Output = Result<P, AppError>> + Send + 'static,
    {
        let [search_key, sort_key, page_key] = self.keys;
        let path = nav::current_path();
        let query = page_query();
        let search = nav::get(&query, search_key).unwrap_or_default();
        let paging = ServerPaging::from_query(
            path.clone(),
            query.clone(),
            (sort_key, page_key),
            T::columns().len(),
        );
        let (sort, descending) = paging.order();
        let asked = ListQuery {
            only,
            search: search.clone(),
            sort,
            descending,
            page: paging.page,
        };
        let products = crate::codec::resource(
            {
                let filter = filter.clone();
                move || (filter.clone(), asked.clone())
            },
            move |(filter, asked)| fetch(filter, asked),
        );
        let link = crate::components::product_link();
        let export_path = self.export;
        // The export, once the range is known (the answer has it).
        let export = move || {
            let filter = filter.clone();
            Suspend::new(async move {
                products
                    .await
                    .ok()
                    .map(|data| range_export(export_path, data.as_ref().range, &filter))
            })
        };
        let table = move |data: P| {
            let list = data.as_ref();
            let rows: Vec<Vec<Cell>> = list
                .products
                .iter()
                .map(|p| p.cells(&list.currency, link(p.product_id())))
                .collect();
            view! {
                {note(&data).map(|text| view! { <p class="muted small list-note">{text}</p> })}
                {paging.clone().table(T::columns(), rows, (list.total, list.page), "No products match.")}
            }
        };
        view! {
            <section class="panel" aria-label=self.title>
                <div class="panel-head">
                    <h2 class="panel-title">{self.title}</h2>
                    <Suspense fallback=|| ()>{export}</Suspense>
                </div>
                <TableControls path query search_key=search_key.to_string() page_key=page_key.to_string()>
                    {control}
                    <label>"Search "
                        <input type="search" name=search_key placeholder="SKU or name" maxlength="100" value=search/>
                    </label>
                </TableControls>
                <Section what=self.what resource=products view=table/>
            </section>
        }
    }
}

/// How long the search waits for more typing before it asks (ms).
#[cfg(feature = "hydrate")]
const TYPING_PAUSE: u64 = 300;

#[cfg(feature = "hydrate")]
thread_local! {
    /// What was typed last in a table's search (its URL key and text), until the page shown
    /// after it takes it: the swap replaces the focused field, and the new one carries on.
    static TYPED: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
    /// The search that waits for the end of typing.
    static WAITING: std::cell::Cell<Option<TimeoutHandle>> = const { std::cell::Cell::new(None) };
}

/// A table's search and narrowing (server HTML, each control named by its URL key): a change
/// opens the page with that key changed and the table at its first page; the search follows
/// typing after a pause. A swapped-in page's search keeps the focus and what was typed since.
#[island(lazy)]
fn TableControls(
    /// The page's path and whole query.
    path: String,
    query: Query,
    /// The URL keys of the table's search and page.
    search_key: String,
    page_key: String,
    children: Children,
) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    let (path, query) = (StoredValue::new(path), StoredValue::new(query));
    let page_key = StoredValue::new(page_key);
    // Opens the page with `key` set to `value` (none when empty), from the first page.
    let open = move |key: String, value: String| {
        let values = if value.is_empty() {
            vec![]
        } else {
            vec![value]
        };
        nav::navigate_with(
            &path.get_value(),
            &query.get_value(),
            vec![
                (key.as_str(), values),
                (page_key.get_value().as_str(), vec![]),
            ],
        );
    };
    #[cfg(feature = "hydrate")]
    {
        // After a swap that the search asked for: its field again, with what was typed since.
        let search_key = search_key.clone();
        Effect::new(move |_| {
            use wasm_bindgen::JsCast;
            let Some(root) = root.get() else { return };
            let ours = TYPED.with(|t| t.borrow().as_ref().is_some_and(|(k, _)| *k == search_key));
            if !ours {
                return;
            }
            let Some((key, typed)) = TYPED.with(|t| t.borrow_mut().take()) else {
                return;
            };
            // Only when the focus went with the replaced field (not elsewhere since).
            let active = document().active_element();
            if active.is_some_and(|a| a.tag_name() != "BODY") {
                return;
            }
            let Some(field) = root
                .query_selector(&format!("input[name=\"{key}\"]"))
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let _ = field.focus();
            if field.value() != typed {
                field.set_value(&typed);
                TYPED.with(|t| *t.borrow_mut() = Some((key.clone(), typed.clone())));
                wait_then(move || open(key, typed));
            }
            let end = field.value().chars().count() as u32;
            let _ = field.set_selection_range(end, end);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (root, search_key);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(control) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let Some(key) = control.get_attribute("name") else {
                return;
            };
            match control.tag_name().as_str() {
                "SELECT" => open(key, event_target_value(&ev)),
                "INPUT" if control.get_attribute("type").as_deref() == Some("checkbox") => {
                    let value = if event_target_checked(&ev) {
                        control.get_attribute("value").unwrap_or_default()
                    } else {
                        String::new()
                    };
                    open(key, value);
                }
                _ => {}
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, open);
    };
    let on_input = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .filter(|i| i.type_() == "search")
            else {
                return;
            };
            let (key, typed) = (input.name(), input.value());
            TYPED.with(|t| *t.borrow_mut() = Some((key.clone(), typed.clone())));
            wait_then(move || open(key, typed));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <div class="table-tools" node_ref=root on:change=on_change on:input=on_input>
            {children()}
        </div>
    }
}

/// Runs `f` after a pause in typing, instead of what waited.
#[cfg(feature = "hydrate")]
fn wait_then(f: impl FnOnce() + 'static) {
    if let Some(before) = WAITING.with(|w| w.take()) {
        before.clear();
    }
    let handle = set_timeout_with_handle(
        move || {
            WAITING.with(|w| w.set(None));
            f();
        },
        std::time::Duration::from_millis(TYPING_PAUSE),
    )
    .ok();
    WAITING.with(|w| w.set(handle));
}
