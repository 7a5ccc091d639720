//! The market signals panel: open signals, acknowledging them and recomputing. The server
//! loads the list and renders the panel as an island (its filters, grouping and actions are the
//! browser's); after an action the island loads the list again and sets the header badge.
use leptos::prelude::*;

use super::state::{may_decide, page_query, update_badge, user};
use crate::features::inventory::api::{
    get_signals, AcknowledgeSignal, AcknowledgeSignals, RecomputeSignals,
};
use crate::features::inventory::types::{MarketSignal, SignalFilter};

/// Signals shown at a time.
const PAGE: usize = 30;

/// The panel, once the server has the open signals and the user's role.
#[component]
pub(super) fn SignalsPanel() -> impl IntoView {
    let signals = crate::codec::resource(|| (), |_| get_signals(SignalFilter::default()));
    let user = user();
    // "Open product" keeps the page's dashboard filters.
    let keep = crate::islands::nav::filters_query(&page_query());
    view! {
        <Suspense fallback=|| view! {
            <section class="panel" aria-label="Market signals" id="signals">
                <h2 class="panel-title">"Market signals"</h2>
                <p class="loading">"Loading signals…"</p>
            </section>
        }>
            {move || {
                let keep = keep.clone();
                Suspend::new(async move {
                    let may_decide = may_decide(user).await;
                    match signals.await {
                        Ok(signals) => {
                            let shows = keep_key(&signals, may_decide, &keep);
                            view! {
                                <div data-keep=shows>
                                    <SignalsIsland signals may_decide keep/>
                                </div>
                            }
                            .into_any()
                        }
                        Err(err) => view! { <crate::components::ErrorPanel err/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// What the panel shows, as the key `public/nav.js` compares (`data-keep` on the panel's box): a
/// swap of the page that brings the same panel back (a stock table paged) keeps the one shown,
/// with the filters the user set in it. The server writes it, and the island again after it
/// reloads the list itself (an acknowledgement), so both compute it here, alike.
fn keep_key(signals: &[MarketSignal], may_decide: bool, keep: &str) -> Option<String> {
    use std::hash::Hasher;
    let json = serde_json::to_vec(&(signals, may_decide, keep)).ok()?;
    let mut hasher = std::hash::DefaultHasher::new();
    // The bytes alone: `Hash` for a slice adds its length as a `usize`, 8 bytes on the server and
    // 4 in the browser.
    hasher.write(&json);
    Some(format!("signals-{:016x}", hasher.finish()))
}

/// Writes `key` on the panel's box, or takes it off (the panel is then not kept).
#[cfg(feature = "hydrate")]
fn set_keep_key(key: Option<String>) {
    let Some(panel) = document().get_element_by_id("signals") else {
        return;
    };
    let Ok(Some(panel_box)) = panel.closest("[data-keep]") else {
        return;
    };
    let _ = match key {
        Some(key) => panel_box.set_attribute("data-keep", &key),
        None => panel_box.remove_attribute("data-keep"),
    };
}

/// The open signals with the list's own filters, acknowledging (one, or every one the filters
/// show) and recomputing for analysts and admins.
#[island(lazy)]
fn SignalsIsland(
    /// The open signals, most severe and newest first.
    signals: Vec<MarketSignal>,
    /// Whether the user may acknowledge and recompute.
    may_decide: bool,
    /// The page's dashboard filters as a query string, kept by "Open product".
    keep: String,
) -> impl IntoView {
    // Moments in the store's zone (the App provides it on the server; the page carries it).
    #[cfg(feature = "hydrate")]
    provide_context(crate::clock::from_page().unwrap_or_default());
    let list = RwSignal::new(signals);
    // The list is being loaded again (after an action): shown dimmed, `aria-busy`.
    let loading = RwSignal::new(false);
    let acknowledge = ServerAction::<AcknowledgeSignal>::new();
    let acknowledge_all = ServerAction::<AcknowledgeSignals>::new();
    let recompute = ServerAction::<RecomputeSignals>::new();
    let keep = StoredValue::new(keep);
    // After each answer: the open signals again (and the panel's key for them), and the header's
    // count.
    Effect::new(move |_| {
        let done = acknowledge.version().get()
            + acknowledge_all.version().get()
            + recompute.version().get();
        if done > 0 {
            loading.set(true);
            leptos::task::spawn_local(async move {
                if let Ok(open) = get_signals(SignalFilter::default()).await {
                    #[cfg(feature = "hydrate")]
                    set_keep_key(keep_key(&open, may_decide, &keep.get_value()));
                    list.set(open);
                }
                loading.set(false);
            });
            update_badge();
        }
    });
    // The list's own filters ("" = all) and how many rows show.
    let severity = RwSignal::new(String::new());
    let kind_shown = RwSignal::new(String::new());
    let product_shown = RwSignal::new(String::new());
    // One entry a product (its signals under it) instead of one a signal.
    let grouped = RwSignal::new(false);
    let shown = RwSignal::new(PAGE);
    // One signal of the list.
    let item = move |s: MarketSignal| {
        let id = s.signal_id;
        let product = s.product_id;
        view! {
            <li class="signal" data-severity=s.severity.as_str()>
                <span class="severity">{s.severity.as_str()}</span>
                <span class="signal-kind">{s.kind.replace('_', " ")}</span>
                <span class="signal-message">{s.message.clone()}</span>
                <time class="muted" datetime=s.created_at.to_rfc3339()>{crate::clock::time(s.created_at)}</time>
                // Opened by public/nav.js (a full load of the product's page).
                {product.map(|p| view! {
                    <button class="button ghost small" type="button"
                        data-navigate=format!("/products/{p}{}", keep.get_value())>
                        "Open product"
                    </button>
                })}
                {may_decide.then(|| view! {
                    <button class="button small" type="button"
                        on:click=move |_| { acknowledge.dispatch(AcknowledgeSignal { signal_id: id }); }>
                        "Acknowledge"
                    </button>
                })}
            </li>
        }
    };
    let error = move || {
        acknowledge
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
            .or_else(|| {
                acknowledge_all
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| e.to_string())
            })
            .or_else(|| {
                recompute
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| e.to_string())
            })
    };
    let body = move || {
        let list = list.get();
        if list.is_empty() {
            return view! { <p class="muted">"No open signals: nothing needs a look."</p> }
                .into_any();
        }
        let mut kinds: Vec<String> = list.iter().map(|s| s.kind.clone()).collect();
        kinds.sort();
        kinds.dedup();
        let mut products: Vec<(i64, String)> = list
            .iter()
            .filter_map(|s| s.product_id.map(|id| (id, product_label(s))))
            .collect();
        products.sort_by(|a, b| a.1.cmp(&b.1));
        products.dedup();
        let (sev, kind, product) = (severity.get(), kind_shown.get(), product_shown.get());
        let chosen: Vec<MarketSignal> = list
            .into_iter()
            .filter(|s| sev.is_empty() || s.severity.as_str() == sev)
            .filter(|s| kind.is_empty() || s.kind == kind)
            .filter(|s| {
                product.is_empty() || s.product_id.map(|p| p.to_string()) == Some(product.clone())
            })
            .collect();
        let total = chosen.len();
        let limit = shown.get();
        let groups = group_by_product(&chosen);
        let entries = if grouped.get() { groups.len() } else { total };
        let listed = if grouped.get() {
            view! {
                <ul class="signal-list grouped">
                    {groups.into_iter().take(limit).map(|(label, signals)| view! {
                        <li class="signal-group">
                            <details>
                                <summary>
                                    <span class="severity" data-severity=signals[0].severity.as_str()>{signals[0].severity.as_str()}</span>
                                    " "<strong>{label}</strong>
                                    <span class="muted small">{format!(" · {} signal{}", signals.len(), if signals.len() == 1 { "" } else { "s" })}</span>
                                </summary>
                                <ul class="signal-list">{signals.into_iter().map(item).collect_view()}</ul>
                            </details>
                        </li>
                    }).collect_view()}
                </ul>
            }
            .into_any()
        } else {
            view! {
                <ul class="signal-list">{chosen.into_iter().take(limit).map(item).collect_view()}</ul>
            }
            .into_any()
        };
        let unit = if grouped.get() { "products" } else { "signals" };
        let filter = SignalFilter {
            severity: Some(sev.clone()).filter(|s| !s.is_empty()),
            kind: Some(kind.clone()).filter(|k| !k.is_empty()),
            product_id: product.parse().ok(),
            ..SignalFilter::default()
        };
        view! {
            <div class="signal-filters">
                <label>"Severity "
                    <select aria-label="Severity filter"
                        on:change=move |ev| { severity.set(event_target_value(&ev)); shown.set(PAGE); }>
                        {[("", "All"), ("critical", "Critical"), ("warning", "Warning"), ("info", "Info")]
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value selected=sev == value>{label}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>"Kind "
                    <select aria-label="Kind filter"
                        on:change=move |ev| { kind_shown.set(event_target_value(&ev)); shown.set(PAGE); }>
                        <option value="" selected=kind.is_empty()>"All"</option>
                        {kinds.into_iter().map(|k| {
                            let label = k.replace('_', " ");
                            let selected = k == kind;
                            view! { <option value=k selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Product "
                    <select aria-label="Product filter"
                        on:change=move |ev| { product_shown.set(event_target_value(&ev)); shown.set(PAGE); }>
                        <option value="" selected=product.is_empty()>"All"</option>
                        {products.into_iter().map(|(id, label)| {
                            let value = id.to_string();
                            let selected = value == product;
                            view! { <option value=value selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" checked=grouped.get_untracked()
                        on:change=move |ev| { grouped.set(event_target_checked(&ev)); shown.set(PAGE); }/>
                    "Group by product"
                </label>
                <span class="muted small" role="status">{format!("{total} open")}</span>
                {(may_decide && total > 0).then(|| view! {
                    <button class="button small" type="button" disabled=move || acknowledge_all.pending().get()
                        on:click=move |_| { acknowledge_all.dispatch(AcknowledgeSignals { filter: filter.clone() }); }>
                        {format!("Acknowledge these {total}")}
                    </button>
                })}
            </div>
            {listed}
            {(entries > limit).then(|| view! {
                <button class="button ghost" type="button" on:click=move |_| shown.update(|n| *n += PAGE)>
                    {format!("Show {} more (of {entries} {unit})", (entries - limit).min(PAGE))}
                </button>
            })}
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-label="Market signals" id="signals">
            <div class="panel-head">
                <h2 class="panel-title">"Market signals"</h2>
                {may_decide.then(|| view! {
                    <button class="button ghost" type="button"
                        on:click=move |_| { recompute.dispatch(RecomputeSignals {}); }>
                        "Recompute now"
                    </button>
                })}
            </div>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || recompute.value().get().and_then(|r| r.ok()).map(|n| view! {
                <p class="muted" role="status">{format!("{n} new signals.")}</p>
            })}
            {move || acknowledge_all.value().get().and_then(|r| r.ok()).map(|n| view! {
                <p class="muted" role="status">{format!("{n} signals acknowledged.")}</p>
            })}
            <div class="section" class:busy=move || loading.get() aria-busy=move || loading.get().to_string()>
                {body}
                <p class="busy-note" role="status" hidden=move || !loading.get()>"Updating…"</p>
            </div>
        </section>
    }
}

/// "SKU · name" of a signal's product.
fn product_label(s: &MarketSignal) -> String {
    match (&s.sku, &s.product_name) {
        (Some(sku), Some(name)) => format!("{sku} · {name}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => s
            .product_id
            .map(|p| format!("Product {p}"))
            .unwrap_or_default(),
    }
}

/// Signals by product (signals without one together under "Whole store"), in the order of their
/// first signal (the list comes most severe first), each product's signals in list order.
fn group_by_product(signals: &[MarketSignal]) -> Vec<(String, Vec<MarketSignal>)> {
    let mut groups: Vec<(Option<i64>, String, Vec<MarketSignal>)> = Vec::new();
    for s in signals {
        match groups.iter_mut().find(|(p, _, _)| *p == s.product_id) {
            Some(group) => group.2.push(s.clone()),
            None => {
                let label = if s.product_id.is_some() {
                    product_label(s)
                } else {
                    "Whole store".to_string()
                };
                groups.push((s.product_id, label, vec![s.clone()]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(_, label, list)| (label, list))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::inventory::types::Severity;

    fn signal(id: i64, product: Option<i64>, severity: Severity) -> MarketSignal {
        MarketSignal {
            signal_id: id,
            kind: "low_stock".into(),
            severity,
            product_id: product,
            sku: product.map(|p| format!("SKU{p}")),
            product_name: product.map(|p| format!("Mug {p}")),
            message: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            acknowledged_by: None,
            acknowledged_at: None,
        }
    }

    #[test]
    fn signals_group_by_product_in_list_order() {
        let list = vec![
            signal(1, Some(7), Severity::Critical),
            signal(2, Some(3), Severity::Critical),
            signal(3, None, Severity::Warning),
            signal(4, Some(7), Severity::Info),
        ];
        let groups = group_by_product(&list);
        let shape: Vec<(String, Vec<i64>)> = groups
            .into_iter()
            .map(|(label, s)| (label, s.iter().map(|s| s.signal_id).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("SKU7 · Mug 7".to_string(), vec![1, 4]),
                ("SKU3 · Mug 3".to_string(), vec![2]),
                ("Whole store".to_string(), vec![3]),
            ]
        );
    }
}
