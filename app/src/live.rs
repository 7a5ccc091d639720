//! Live dashboards: the live status island (`islands::live`) listens to `GET /api/v1/live`
//! (server-sent events of the data version) and, when the data changes — an upload, a shop sync
//! or webhook, a pricing decision — the page fetches its figures again in place (each part keeps
//! its old figures, dimmed, until the new ones arrive, so filters and scroll stay as they are),
//! and the header says "Updated just now". This module holds the state it keeps.
use leptos::prelude::*;

/// The data version the page has seen, and when it last changed; in context for every page.
#[derive(Clone, Copy)]
pub struct LiveData {
    /// Bumped at each change after the first event: the dashboards' filters carry it, so that
    /// every panel asks again.
    pub version: RwSignal<u64>,
    /// `Date.now()` of the last change seen, in milliseconds.
    pub updated_at: RwSignal<Option<f64>>,
    pub connected: RwSignal<bool>,
}

impl LiveData {
    pub fn new() -> Self {
        LiveData {
            version: RwSignal::new(0),
            updated_at: RwSignal::new(None),
            connected: RwSignal::new(false),
        }
    }
}

impl Default for LiveData {
    fn default() -> Self {
        Self::new()
    }
}

/// The version a dashboard filter carries (0 outside a page).
pub fn seen_version() -> u64 {
    use_context::<LiveData>().map_or(0, |live| live.version.get())
}
