//! One part of a dashboard that loads by itself. Each part reads its own resource (its own server
//! function), so the first cards never wait for the slowest panel: the server streams each part
//! as soon as its figures are ready (out-of-order streaming SSR) and the browser asks for each
//! part separately when a filter changes.
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::error::AppError;

/// A dashboard part: a placeholder of its own size while it first loads; while a changed filter
/// replaces its figures, the old ones stay dimmed under an "Updating…" veil and the part is
/// `aria-busy`, so stale figures are never shown as current; a failure shows in its place.
#[component]
pub fn Section<T, F, V>(
    /// What loads, for the placeholder and screen readers ("sales figures").
    what: &'static str,
    resource: Resource<Result<T, AppError>, crate::codec::Page>,
    /// Draws the part from its data.
    view: F,
    /// Extra classes of the part's box (e.g. `two-columns` for a pair of panels).
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let pending = ArcRwSignal::new(false);
    view! {
        <Busy pending=pending.clone() class>
            <PendingTransition pending
                fallback=move || view! {
                    <div class="panel placeholder" role="status">
                        <p class="loading">{format!("Loading {what}…")}</p>
                    </div>
                }>
                {move || {
                    let view = view.clone();
                    resource.get().map(move |result| match result {
                        Ok(data) => view(data).into_any(),
                        Err(err) => view! { <ErrorPanel err/> }.into_any(),
                    })
                }}
            </PendingTransition>
        </Busy>
    }
}

/// A `<Transition>` that says in `pending` whether its content is being replaced (in the
/// browser: on the server nothing is ever replaced, and Leptos' transition reads its task list
/// from an effect that a multi-threaded server can find locked by another thread, which panics
/// as "already disposed" — seen in the browser tests' server log).
#[component]
pub fn PendingTransition(
    pending: ArcRwSignal<bool>,
    #[prop(optional, into)] fallback: ViewFnOnce,
    children: Children,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let _ = pending;
        view! { <Transition fallback>{children()}</Transition> }
    }
    #[cfg(not(feature = "ssr"))]
    {
        let setter = pending_setter(&pending);
        view! { <Transition fallback set_pending=setter>{children()}</Transition> }
    }
}

/// The box of a part whose `<PendingTransition>` sets `pending`: while it is true the
/// part's old content is dimmed under an "Updating…" note and the box is `aria-busy`. For parts
/// whose resource does not fit `Section` (a drill-down that may be empty, a list inside a panel).
#[component]
pub fn Busy(
    pending: ArcRwSignal<bool>,
    /// Extra classes of the box.
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView {
    // Reference-counted, not owned by a component: the server may still be writing this part's
    // HTML (streaming) after the component that made the signal is gone. Read with `try_get`:
    // on the server the part's transition may be writing the signal on another thread while its
    // HTML is written (a read then finds it locked: "not busy", as the server renders it).
    let (busy, aria, hidden) = (pending.clone(), pending.clone(), pending);
    view! {
        <div class=format!("section {class}") class:busy=move || busy.try_get().unwrap_or(false)
            aria-busy=move || aria.try_get().unwrap_or(false).to_string()>
            {children()}
            // Always in the page, shown only while busy: the markup stays the same whether or
            // not a part is busy when the browser takes over the server's HTML (hydration).
            <p class="busy-note" role="status" hidden=move || !hidden.try_get().unwrap_or(false)>"Updating…"</p>
        </div>
    }
}

/// A failed part: the error in words, and a way to log in again when the session ended.
#[component]
pub fn ErrorPanel(err: AppError) -> impl IntoView {
    let login = matches!(err, AppError::Unauthorized).then(|| {
        let here = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        view! { <a class="button primary" href=format!("/login?next={here}")>"Log in"</a> }
    });
    view! {
        <div class="panel error-panel" role="alert">
            <p>{err.to_string()}</p>
            {login}
        </div>
    }
}

/// What a `<Transition set_pending=…>` writes into a `Busy` box's signal.
#[cfg_attr(feature = "ssr", allow(dead_code))]
fn pending_setter(pending: &ArcRwSignal<bool>) -> SignalSetter<bool> {
    let pending = pending.clone();
    SignalSetter::map(move |busy| pending.set(busy))
}
