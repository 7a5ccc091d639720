//! What a dashboard needs to know when it is shown as an embed: the dashboard components are
//! the app's own; they read [`EmbedContext`] to leave out what an embed may not show (navigation,
//! user, signals, decisions, drill-downs) and to keep locked filters. The embed page itself is
//! `crate::embed_page`.
use leptos::prelude::*;

use super::types::{EmbedScope, EmbedView};

/// Present on embed pages: what the embed lets its viewers see and do.
#[derive(Clone, Debug)]
pub struct EmbedContext(pub EmbedView);

/// The embed's scope when the current page is an embed.
pub fn embed_scope() -> Option<EmbedScope> {
    use_context::<EmbedContext>().map(|c| c.0.scope)
}

/// Whether the current page is an embed.
pub fn embedded() -> bool {
    use_context::<EmbedContext>().is_some()
}
