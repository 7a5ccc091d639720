//! The parts of the pages that are interactive in the
//! browser as Leptos islands (`#[island]`). The browser never runs App, Router or the pages: it
//! hydrates these islands only (frontend/src/lib.rs calls `hydrate_islands`). Islands cannot see
//! the App's contexts in the browser, so everything they need comes as serialisable props (the
//! current path and query included: no leptos_router hooks in here).
pub mod chart;
pub mod filter_bar;
pub mod live;
pub mod login;
pub mod marker;
pub mod nav;
pub mod search;
pub mod table_sort;
pub mod views;
