//! The live status as an island: listens to `GET /api/v1/live` (server-sent events of the data
//! version); when the data changes it asks the page to refresh its figures and says "Updated
//! just now". Its state is its own: each island holds its `LiveData`.
use leptos::prelude::*;

/// When the data last changed, in `Date.now()` milliseconds, and whether the stream is open.
#[derive(Clone, Copy)]
struct LiveData {
    updated_at: RwSignal<Option<f64>>,
    connected: RwSignal<bool>,
}

/// "Updated just now" / "Updated 3 min ago" beside a live dot, while the stream is open.
#[island]
pub fn LiveStatusIsland(
    /// An embed passes its token to the stream (the embed context is the App's).
    embedded: bool,
) -> impl IntoView {
    let live = LiveData {
        updated_at: RwSignal::new(None),
        connected: RwSignal::new(false),
    };
    // Re-reads the clock every 30 s so that "just now" ages.
    let tick = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    listen(live, tick, embedded);
    #[cfg(not(feature = "hydrate"))]
    let _ = embedded;
    let text = move || {
        tick.track();
        match live.updated_at.get() {
            None => "Live".to_string(),
            Some(at) => {
                let minutes = ((js_sys_now() - at) / 60_000.0).floor();
                if minutes < 1.0 {
                    "Updated just now".to_string()
                } else if minutes < 60.0 {
                    format!("Updated {minutes} min ago")
                } else {
                    format!("Updated {} h ago", (minutes / 60.0).floor())
                }
            }
        }
    };
    view! {
        <span class="live-status" class:connected=move || live.connected.get() role="status"
            title="Figures refresh by themselves when the data changes">
            <span class="live-dot" aria-hidden="true"></span>
            {text}
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn js_sys_now() -> f64 {
    web_sys::js_sys::Date::now()
}

#[cfg(not(feature = "hydrate"))]
fn js_sys_now() -> f64 {
    0.0
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The open stream of the page shown; replacing or taking it closes it.
    static OPEN: std::cell::RefCell<Option<Listening>> = const { std::cell::RefCell::new(None) };
    /// When the data last changed while this document was open: the refresh that follows
    /// replaces the filter bar, and with it this island, whose successor says it again.
    static LAST_UPDATE: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

#[cfg(feature = "hydrate")]
struct Listening {
    /// Which page opened it: a page's cleanup closes only its own stream.
    id: u64,
    source: web_sys::EventSource,
    interval: Option<i32>,
    _callbacks: Vec<wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>>,
}

#[cfg(feature = "hydrate")]
impl Drop for Listening {
    fn drop(&mut self) {
        self.source.close();
        if let (Some(id), Some(window)) = (self.interval, web_sys::window()) {
            window.clear_interval_with_handle(id);
        }
    }
}

/// Opens the event stream for the life of the page (an embed passes its token in the URL, as
/// EventSource cannot send headers; EventSource reconnects by itself).
#[cfg(feature = "hydrate")]
fn listen(live: LiveData, tick: RwSignal<u32>, embedded: bool) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let token = window
        .location()
        .search()
        .ok()
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("token"))
        .filter(|_| embedded);
    let url = match token {
        Some(t) => format!(
            "/api/v1/live?token={}",
            String::from(web_sys::js_sys::encode_uri_component(&t))
        ),
        None => "/api/v1/live".to_string(),
    };
    let Ok(source) = web_sys::EventSource::new(&url) else {
        return;
    };
    if let Some(at) = LAST_UPDATE.with(std::cell::Cell::get) {
        // Once hydrated (the server's HTML says "Live", and hydration keeps its text).
        Effect::new(move |_| live.updated_at.set(Some(at)));
    }
    let baseline = std::rc::Rc::new(std::cell::Cell::new(None::<i64>));
    let on_data = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let version = event
            .dyn_ref::<web_sys::MessageEvent>()
            .and_then(|m| m.data().as_string())
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v.get("version").and_then(|v| v.as_i64()));
        let Some(version) = version else { return };
        match baseline.get() {
            None => baseline.set(Some(version)),
            Some(seen) if seen != version => {
                baseline.set(Some(version));
                let now = js_sys_now();
                LAST_UPDATE.with(|last| last.set(Some(now)));
                live.updated_at.set(Some(now));
                // The page's figures again (the swap helper keeps scroll and filters).
                super::nav::refresh();
            }
            Some(_) => {}
        }
    });
    let _ = source.add_event_listener_with_callback("data", on_data.as_ref().unchecked_ref());
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| live.connected.set(true));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| live.connected.set(false));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let ticker =
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| tick.update(|t| *t = t.wrapping_add(1)));
    let interval = window
        .set_interval_with_callback_and_timeout_and_arguments_0(
            ticker.as_ref().unchecked_ref(),
            30_000,
        )
        .ok();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let listening = Listening {
        id,
        source,
        interval,
        _callbacks: vec![on_data, on_open, on_error, ticker],
    };
    OPEN.with(|open| *open.borrow_mut() = Some(listening));
    on_cleanup(move || {
        OPEN.with(|open| {
            let mut open = open.borrow_mut();
            if open.as_ref().is_some_and(|l| l.id == id) {
                open.take();
            }
        });
    });
}
