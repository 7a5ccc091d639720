//! The market signals panel: open signals, acknowledging them and recomputing.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::state::PageState;
use crate::components::{open_keeping_filters, pending_setter, Busy};
use crate::features::inventory::api::{AcknowledgeSignal, AcknowledgeSignals, RecomputeSignals};
use crate::features::inventory::types::{MarketSignal, SignalFilter};

/// Signals shown at a time.
const PAGE: usize = 30;

#[component]
pub(super) fn SignalsPanel(state: PageState) -> impl IntoView {
    let query = use_query_map();
    let acknowledge = state.acknowledge;
    let acknowledge_all = state.acknowledge_all;
    let recompute = state.recompute;
    // The list's own filters ("" = all) and how many rows show.
    let severity = RwSignal::new(String::new());
    let kind_shown = RwSignal::new(String::new());
    let shown = RwSignal::new(PAGE);
    let pending = ArcRwSignal::new(false);
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
    view! {
        <section class="panel" aria-label="Market signals" id="signals">
            <div class="panel-head">
                <h2 class="panel-title">"Market signals"</h2>
                // The user is a resource: read under a Suspense, so that the server and the
                // browser render the same (no button until it is known).
                <Suspense fallback=|| ()>
                    {move || state.may_decide.get().then(|| view! {
                        <button class="button ghost" type="button"
                            on:click=move |_| { recompute.dispatch(RecomputeSignals {}); }>
                            "Recompute now"
                        </button>
                    })}
                </Suspense>
            </div>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || recompute.value().get().and_then(|r| r.ok()).map(|n| view! {
                <p class="muted" role="status">{format!("{n} new signals.")}</p>
            })}
            {move || acknowledge_all.value().get().and_then(|r| r.ok()).map(|n| view! {
                <p class="muted" role="status">{format!("{n} signals acknowledged.")}</p>
            })}
            <Busy pending=pending.clone()>
            <Transition set_pending=pending_setter(&pending) fallback=|| view! { <p class="loading">"Loading signals…"</p> }>
                {move || state.signals.get().map(|result| match result {
                    Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No open signals: nothing needs a look."</p>
                    }.into_any(),
                    Ok(list) => {
                        let mut kinds: Vec<String> = list.iter().map(|s| s.kind.clone()).collect();
                        kinds.sort();
                        kinds.dedup();
                        let (sev, kind) = (severity.get(), kind_shown.get());
                        let chosen: Vec<MarketSignal> = list
                            .into_iter()
                            .filter(|s| sev.is_empty() || s.severity.as_str() == sev)
                            .filter(|s| kind.is_empty() || s.kind == kind)
                            .collect();
                        let total = chosen.len();
                        let limit = shown.get();
                        view! {
                            <div class="signal-filters">
                                <label>"Severity "
                                    <select aria-label="Severity filter" prop:value=sev.clone()
                                        on:change=move |ev| { severity.set(event_target_value(&ev)); shown.set(PAGE); }>
                                        <option value="">"All"</option>
                                        <option value="critical">"Critical"</option>
                                        <option value="warning">"Warning"</option>
                                        <option value="info">"Info"</option>
                                    </select>
                                </label>
                                <label>"Kind "
                                    <select aria-label="Kind filter" prop:value=kind.clone()
                                        on:change=move |ev| { kind_shown.set(event_target_value(&ev)); shown.set(PAGE); }>
                                        <option value="">"All"</option>
                                        {kinds.into_iter().map(|k| {
                                            let label = k.replace('_', " ");
                                            view! { <option value=k>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                                <span class="muted small" role="status">{format!("{total} open")}</span>
                                {move || (state.may_decide.get() && total > 0).then(|| {
                                    let filter = SignalFilter {
                                        severity: Some(severity.get_untracked()).filter(|s| !s.is_empty()),
                                        kind: Some(kind_shown.get_untracked()).filter(|k| !k.is_empty()),
                                        ..SignalFilter::default()
                                    };
                                    view! {
                                        <button class="button small" type="button" disabled=move || acknowledge_all.pending().get()
                                            on:click=move |_| { acknowledge_all.dispatch(AcknowledgeSignals { filter: filter.clone() }); }>
                                            {format!("Acknowledge these {total}")}
                                        </button>
                                    }
                                })}
                            </div>
                            <ul class="signal-list">
                                {chosen.into_iter().take(limit).map(|s| {
                                    let id = s.signal_id;
                                    let product = s.product_id;
                                    view! {
                                        <li class="signal" data-severity=s.severity.as_str()>
                                            <span class="severity">{s.severity.as_str()}</span>
                                            <span class="signal-kind">{s.kind.replace('_', " ")}</span>
                                            <span class="signal-message">{s.message.clone()}</span>
                                            <time class="muted">{s.created_at.format("%Y-%m-%d %H:%M").to_string()}</time>
                                            {product.map(|p| view! {
                                                <button class="button ghost small" type="button"
                                                    on:click=move |_| open_keeping_filters(query, &format!("/products/{p}"))>
                                                    "Open product"
                                                </button>
                                            })}
                                            {move || state.may_decide.get().then(|| view! {
                                                <button class="button small" type="button"
                                                    on:click=move |_| { acknowledge.dispatch(AcknowledgeSignal { signal_id: id }); }>
                                                    "Acknowledge"
                                                </button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {(total > limit).then(|| view! {
                                <button class="button ghost" type="button" on:click=move |_| shown.update(|n| *n += PAGE)>
                                    {format!("Show {} more (of {total})", (total - limit).min(PAGE))}
                                </button>
                            })}
                        }.into_any()
                    }
                })}
            </Transition>
            </Busy>
        </section>
    }
}
