use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::features::sales::types::{Compare, DateRange, Preset};

/// The range the current page shows, published by the page once its data is known, so that the
/// header control can show the effective dates when the URL has none.
#[derive(Clone, Copy)]
pub struct ActiveRange(pub RwSignal<Option<DateRange>>);

/// The global filter bar: a preset or two dates, and what to compare with — all kept in the URL
/// (`?preset=…` or `?from=…&to=…`, `&compare=…`), so that links are shareable and the back button
/// works.
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
    let preset = move || query.read().get("preset").unwrap_or_default();
    let compare = move || {
        query
            .read()
            .get("compare")
            .unwrap_or_else(|| Compare::default().key().to_string())
    };

    // Applies changes to the query string: `None` removes a key.
    let set = move |changes: Vec<(&'static str, Option<String>)>| {
        let mut params = query.get_untracked();
        for (key, value) in changes {
            match value {
                Some(v) => params.replace(key, v),
                None => {
                    params.remove(key);
                }
            }
        }
        let path = location.pathname.get_untracked();
        let navigate = use_navigate();
        navigate(
            &format!("{path}{}", params.to_query_string()),
            NavigateOptions::default(),
        );
    };
    let set_date = move |key: &'static str, value: String| {
        let other = if key == "from" { "to" } else { "from" };
        set(vec![
            (key, Some(value)),
            (other, shown(other)),
            ("preset", None),
        ]);
    };
    let set_preset = move |value: String| {
        if value.is_empty() {
            set(vec![
                ("preset", None),
                ("from", shown("from")),
                ("to", shown("to")),
            ]);
        } else {
            set(vec![("preset", Some(value)), ("from", None), ("to", None)]);
        }
    };

    view! {
        <form class="date-range" aria-label="Date range" on:submit=|ev| ev.prevent_default()>
            <select aria-label="Period" on:change=move |ev| set_preset(event_target_value(&ev))>
                <option value="" selected=move || preset().is_empty()>"Custom dates"</option>
                {Preset::ALL.into_iter().map(|p| view! {
                    <option value=p.key() selected=move || preset() == p.key()>{p.label()}</option>
                }).collect_view()}
            </select>
            <input type="date" name="from" aria-label="From date" prop:value=move || shown("from").unwrap_or_default()
                on:change=move |ev| set_date("from", event_target_value(&ev))/>
            <span aria-hidden="true">"–"</span>
            <input type="date" name="to" aria-label="To date" prop:value=move || shown("to").unwrap_or_default()
                on:change=move |ev| set_date("to", event_target_value(&ev))/>
            <select aria-label="Compare with" on:change=move |ev| set(vec![("compare", Some(event_target_value(&ev)))])>
                {[Compare::PreviousPeriod, Compare::PreviousYear, Compare::None].into_iter().map(|c| {
                    let label = match c { Compare::None => "No comparison", other => other.label() };
                    view! { <option value=c.key() selected=move || compare() == c.key()>{label}</option> }
                }).collect_view()}
            </select>
        </form>
    }
}
