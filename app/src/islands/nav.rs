//! URL helpers of the islands: they get the page's path and query as props (the same on the
//! server and in the browser) and navigate with `location.assign` (a full page load, or the
//! swap helper's `window.storepulseNavigate` when a page has it).
use crate::dashboard::filter::{url_escape, FILTER_KEYS};

/// A query as its pairs, in order (repeated keys: `country=A&country=B`).
pub type Query = Vec<(String, String)>;

/// All values of `key`.
pub fn get_all(query: &Query, key: &str) -> Vec<String> {
    query
        .iter()
        .filter(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect()
}

/// The first value of `key`.
pub fn get(query: &Query, key: &str) -> Option<String> {
    query
        .iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.clone())
}

/// `?k=v&…` (or empty), each part escaped.
pub fn to_query_string(query: &Query) -> String {
    if query.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", url_escape(k), url_escape(v)))
        .collect();
    format!("?{}", parts.join("&"))
}

/// `query` with each key of `changes` replaced by its values (an empty list removes it).
pub fn with_changes(query: &Query, changes: Vec<(&str, Vec<String>)>) -> Query {
    let mut q: Query = query
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    for (key, values) in changes {
        for v in values {
            q.push((key.to_string(), v));
        }
    }
    q
}

/// Only the dashboard filters of a query, as a query string.
pub fn filters_query(query: &Query) -> String {
    let kept: Query = query
        .iter()
        .filter(|(k, _)| FILTER_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    to_query_string(&kept)
}

/// Opens `url` (a new history entry): through the page's swap helper (`public/nav.js`, which
/// marks the parts busy and swaps them in place), else — that script failed to load — a full
/// page load.
pub fn go(url: &str) {
    #[cfg(feature = "hydrate")]
    if !call_helper("storepulseNavigate", Some(url)) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(url);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Calls the function `public/nav.js` put on `window` under `name`, with `arg` when given;
/// false when there is none.
#[cfg(feature = "hydrate")]
fn call_helper(name: &str, arg: Option<&str>) -> bool {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return true;
    };
    let helper = web_sys::js_sys::Reflect::get(&window, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<web_sys::js_sys::Function>().ok());
    let Some(f) = helper else {
        return false;
    };
    let _ = match arg {
        Some(arg) => f.call1(&window, &arg.into()),
        None => f.call0(&window),
    };
    true
}

/// Navigates to `path` with `query` changed.
pub fn navigate_with(path: &str, query: &Query, changes: Vec<(&str, Vec<String>)>) {
    go(&format!(
        "{path}{}",
        to_query_string(&with_changes(query, changes))
    ));
}

/// Reloads the page's figures (the swap helper's refresh, keeping scroll; else a reload).
pub fn refresh() {
    #[cfg(feature = "hydrate")]
    if !call_helper("storepulseRefresh", None) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    }
}

/// Query keys kept, besides the filters, when the page's URL changes: the embed's token and
/// Customer Insights' open customer list and its sort (its page is not kept: another range or
/// slice lists from its first page).
const KEPT_KEYS: [&str; 3] = ["token", "group", "group_sort"];

/// The query of the current request as pairs (server side: from the router's query map).
pub fn current_query() -> Query {
    let map = leptos_router::hooks::use_query_map().get_untracked();
    let mut pairs = Query::new();
    for key in FILTER_KEYS.iter().copied().chain(KEPT_KEYS) {
        for v in map.get_all(key).unwrap_or_default() {
            pairs.push((key.to_string(), v));
        }
    }
    pairs
}

/// The path of the current request.
pub fn current_path() -> String {
    leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
}

use leptos::prelude::GetUntracked;
