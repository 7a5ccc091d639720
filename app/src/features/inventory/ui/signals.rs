//! The market signals panel: open signals, acknowledging them and recomputing.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::state::PageState;
use crate::components::{navigate_with, pending_setter, Busy};
use crate::features::inventory::api::{AcknowledgeSignal, RecomputeSignals};

#[component]
pub(super) fn SignalsPanel(state: PageState) -> impl IntoView {
    let query = use_query_map();
    let acknowledge = state.acknowledge;
    let recompute = state.recompute;
    let pending = ArcRwSignal::new(false);
    let error = move || {
        acknowledge
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
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
            <Busy pending=pending.clone()>
            <Transition set_pending=pending_setter(&pending) fallback=|| view! { <p class="loading">"Loading signals…"</p> }>
                {move || state.signals.get().map(|result| match result {
                    Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No open signals: nothing needs a look."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="signal-list">
                            {list.into_iter().take(30).map(|s| {
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
                                                on:click=move |_| navigate_with(query, vec![("product", vec![p.to_string()])])>
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
                    }.into_any(),
                })}
            </Transition>
            </Busy>
        </section>
    }
}
