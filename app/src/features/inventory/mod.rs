//! The Inventory & Pricing dashboard: stock health, reorder recommendations, price elasticity,
//! price recommendations and decisions, competitor positions and market signals.
pub mod api;
pub mod kpi;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod signals;
pub mod types;
pub mod ui;
