//! The drop-down menus (`<details class="multiselect">` of the filter bar, the Admin menu): one
//! open at a time, closed by Escape or by a click outside it, as menus are expected to behave.

/// The menus' selector (other `<details>`, such as expandable report rows, are left alone).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const MENUS: &str = "details.multiselect, details.nav-menu";

/// Listens on the window for the page's lifetime (called once, when the app hydrates).
#[cfg(feature = "hydrate")]
pub fn close_on_escape_and_outside_click() {
    use leptos::ev;
    use leptos::prelude::window_event_listener;
    use wasm_bindgen::JsCast;

    /// Closes every open menu but `keep`.
    fn close_all_but(keep: Option<&web_sys::Element>) {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(open) = doc.query_selector_all(MENUS) else {
            return;
        };
        for i in 0..open.length() {
            let Some(menu) = open
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            if menu.has_attribute("open") && keep.is_none_or(|k| !k.is_same_node(Some(&menu))) {
                let _ = menu.remove_attribute("open");
            }
        }
    }
    // The menu a click landed in (opening one closes the others; a click inside keeps it).
    let menu_of = |target: Option<web_sys::EventTarget>| {
        target
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest(MENUS).ok().flatten())
    };
    // For the page's lifetime: the handles (which remove a listener only when asked) are dropped.
    window_event_listener(ev::keydown, |e| {
        if e.key() == "Escape" {
            close_all_but(None);
        }
    });
    window_event_listener(ev::click, move |e| {
        close_all_but(menu_of(e.target()).as_ref());
    });
}
