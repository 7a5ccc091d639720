use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::features::sales::types::DateRange;

/// The range the current page shows, published by the page once its data is known, so that the
/// header control can show the effective dates when the URL has none.
#[derive(Clone, Copy)]
pub struct ActiveRange(pub RwSignal<Option<DateRange>>);

/// The global date-range control: two date inputs kept in the URL (`?from=…&to=…`), so that links
/// are shareable and the back button works.
#[component]
pub fn DateRangeControl() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let active = expect_context::<ActiveRange>().0;

    let shown = move |key: &str| {
        query.read().get(key).filter(|v| !v.is_empty()).or_else(|| {
            active.get().map(|r| {
                if key == "from" {
                    r.from.to_string()
                } else {
                    r.to.to_string()
                }
            })
        })
    };
    let from_value = move || shown("from").unwrap_or_default();
    let to_value = move || shown("to").unwrap_or_default();

    let apply = move |key: &'static str, value: String| {
        let mut params = query.get_untracked();
        for k in ["from", "to"] {
            if params.get(k).is_none() {
                if let Some(v) = shown(k) {
                    params.replace(k, v);
                }
            }
        }
        params.replace(key, value);
        let path = location.pathname.get_untracked();
        let navigate = use_navigate();
        navigate(
            &format!("{path}{}", params.to_query_string()),
            NavigateOptions::default(),
        );
    };

    view! {
        <form class="date-range" aria-label="Date range" on:submit=|ev| ev.prevent_default()>
            <label>
                <span class="sr-only">"From"</span>
                <input
                    type="date"
                    name="from"
                    aria-label="From date"
                    prop:value=from_value
                    on:change=move |ev| apply("from", event_target_value(&ev))
                />
            </label>
            <span aria-hidden="true">"–"</span>
            <label>
                <span class="sr-only">"To"</span>
                <input
                    type="date"
                    name="to"
                    aria-label="To date"
                    prop:value=to_value
                    on:change=move |ev| apply("to", event_target_value(&ev))
                />
            </label>
        </form>
    }
}
