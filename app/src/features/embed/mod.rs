//! Embeds: dashboards inside other sites, with signed tokens and locked filters.
pub mod api;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod token;
pub mod types;
pub mod ui;
