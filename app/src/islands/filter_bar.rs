//! The filter bar as an island: the dates or a preset, the comparison and the multi-selects of
//! the slices, "Clear filters". Its options, the page's path and query and the effective range
//! come as props (resolved on the server); a change navigates to the new URL.
use leptos::prelude::*;

use super::nav::{self, Query};
use crate::dashboard::filter::{Compare, DateRange, FilterOptions, Preset};
use crate::features::embed::types::{EmbedScope, FilterKey};

#[island]
pub fn FilterBarIsland(
    path: String,
    query: Query,
    options: Option<FilterOptions>,
    /// The range the page shows (the dates shown when the URL has none).
    effective: Option<DateRange>,
    embed: Option<EmbedScope>,
    /// The Views menu and the live status (islands of their own).
    children: Children,
) -> impl IntoView {
    let path = StoredValue::new(path);
    let query = StoredValue::new(query);
    let presets = options
        .as_ref()
        .map(|o| o.presets.clone())
        .unwrap_or_default();

    let shown = move |key: &str| {
        query.with_value(|q| nav::get(q, key)).or_else(|| {
            effective.map(|r| {
                if key == "from" {
                    r.from.to_string()
                } else {
                    r.to.to_string()
                }
            })
        })
    };
    // A page without preset or dates shows the default preset, and dates that are exactly a
    // preset's range show that preset: named as such, not "Custom dates".
    let preset = query.with_value(|q| {
        if let Some(preset) = nav::get(q, "preset") {
            return preset;
        }
        match (nav::get(q, "from"), nav::get(q, "to")) {
            (None, None) => crate::dashboard::range::DEFAULT_PRESET.key().to_string(),
            (Some(from), Some(to)) => presets
                .iter()
                .find(|p| p.range.from.to_string() == from && p.range.to.to_string() == to)
                .map(|p| p.preset.key().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        }
    });
    let compare = query.with_value(|q| {
        nav::get(q, "compare").unwrap_or_else(|| Compare::default().key().to_string())
    });
    let set = move |changes: Vec<(&'static str, Option<String>)>| {
        let changes = changes
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect();
        path.with_value(|p| query.with_value(|q| nav::navigate_with(p, q, changes)));
    };
    let has_slice = query.with_value(|q| {
        ["channel", "source", "country", "category"]
            .iter()
            .any(|k| nav::get(q, k).is_some())
    });
    let clear_slices = move || {
        let changes = ["channel", "source", "country", "category"]
            .into_iter()
            .map(|k| (k, Vec::new()))
            .collect();
        path.with_value(|p| query.with_value(|q| nav::navigate_with(p, q, changes)));
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
    let selects = options.map(|o| {
        let named = |values: Vec<String>| {
            values
                .into_iter()
                .map(|v| (v.clone(), v))
                .collect::<Vec<_>>()
        };
        let scope = embed.clone();
        let may = move |key: FilterKey| scope.as_ref().is_none_or(|s| s.may_change(key));
        let locked = embed.as_ref().map(|s| locked_pills(s, &o.sources));
        let sources: Vec<(String, String)> = o
            .sources
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect();
        let select =
            move |key: &'static str, label: &'static str, options: Vec<(String, String)>| {
                let selected = query.with_value(|q| nav::get_all(q, key));
                view! { <MultiSelect key label options selected path query/> }
            };
        view! {
            {locked}
            {may(FilterKey::Channel).then(|| select("channel", "Channel", named(o.channels)))}
            {may(FilterKey::Source).then(|| select("source", "Source", sources))}
            {may(FilterKey::Country).then(|| select("country", "Country", named(o.countries)))}
            {may(FilterKey::Category).then(|| select("category", "Category", named(o.categories)))}
        }
    });
    let from = shown("from").unwrap_or_default();
    let to = shown("to").unwrap_or_default();
    let (preset_now, compare_now) = (preset.clone(), compare.clone());
    view! {
        <form class="date-range" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
            <select aria-label="Period" on:change=move |ev| set_preset(event_target_value(&ev))>
                <option value="" selected=preset_now.is_empty()>"Custom dates"</option>
                {Preset::ALL.into_iter().map(|p| view! {
                    <option value=p.key() selected=preset == p.key()>{p.label()}</option>
                }).collect_view()}
            </select>
            <input type="date" name="from" aria-label="From date" prop:value=from
                on:change=move |ev| set_date("from", event_target_value(&ev))/>
            <span aria-hidden="true">"–"</span>
            <input type="date" name="to" aria-label="To date" prop:value=to
                on:change=move |ev| set_date("to", event_target_value(&ev))/>
            <select aria-label="Compare with" on:change=move |ev| set(vec![("compare", Some(event_target_value(&ev)))])>
                {[Compare::PreviousPeriod, Compare::PreviousYear, Compare::None].into_iter().map(|c| {
                    let label = match c { Compare::None => "No comparison", other => other.label() };
                    view! { <option value=c.key() selected=compare_now == c.key()>{label}</option> }
                }).collect_view()}
            </select>
            {selects}
            {has_slice.then(|| view! {
                <button type="button" class="button ghost small" on:click=move |_| clear_slices()>"Clear filters"</button>
            })}
            {children()}
        </form>
    }
}

/// The filters an embed locks, shown as fixed labels.
fn locked_pills(scope: &EmbedScope, sources: &[(i64, String)]) -> impl IntoView {
    scope
        .locked
        .iter()
        .map(|(key, values)| {
            let shown: Vec<String> = values
                .iter()
                .map(|v| {
                    sources
                        .iter()
                        .find(|(id, _)| *key == FilterKey::Source && id.to_string() == *v)
                        .map(|(_, name)| name.clone())
                        .unwrap_or_else(|| v.clone())
                })
                .collect();
            let mut label = key.as_str().to_string();
            label[..1].make_ascii_uppercase();
            view! {
                <span class="locked-filter" data-locked=key.as_str() title="Set by the site that shows this dashboard">
                    {format!("{label}: {}", shown.join(", "))}
                </span>
            }
        })
        .collect_view()
}

/// A dropdown of checkboxes for one multi-value filter; nothing ticked means all. Ticking one
/// navigates at once (as today); the menu shows the choice while the next page loads.
#[component]
fn MultiSelect(
    key: &'static str,
    label: &'static str,
    /// (value in the URL, text shown)
    options: Vec<(String, String)>,
    selected: Vec<String>,
    path: StoredValue<String>,
    query: StoredValue<Query>,
) -> impl IntoView {
    let selected = RwSignal::new(selected);
    let names = options.clone();
    let summary = move || {
        let chosen = selected.get();
        match chosen.len() {
            0 => format!("{label}: all"),
            1 => {
                let text = names
                    .iter()
                    .find(|(v, _)| *v == chosen[0])
                    .map(|(_, t)| t.clone())
                    .unwrap_or_else(|| chosen[0].clone());
                format!("{label}: {text}")
            }
            n => format!("{label}: {n} selected"),
        }
    };
    let toggle = move |value: String, on: bool| {
        selected.update(|values| {
            values.retain(|v| *v != value);
            if on {
                values.push(value);
            }
        });
        let values = selected.get_untracked();
        path.with_value(|p| query.with_value(|q| nav::navigate_with(p, q, vec![(key, values)])));
    };
    let active = move || !selected.get().is_empty();
    let summary_label = summary.clone();
    view! {
        <details class="multiselect" class:active=active>
            <summary aria-label=move || format!("{} · {label} filter", summary_label())>{summary}</summary>
            <div class="multiselect-menu" role="group" aria-label=label>
                {if options.is_empty() {
                    view! { <p class="muted small">"No values yet"</p> }.into_any()
                } else {
                    options.into_iter().map(|(value, text)| {
                        let v = value.clone();
                        let checked = move || selected.with(|s| s.contains(&v));
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=checked
                                    on:change=move |ev| toggle(value.clone(), event_target_checked(&ev))/>
                                {text}
                            </label>
                        }
                    }).collect_view().into_any()
                }}
            </div>
        </details>
    }
}
