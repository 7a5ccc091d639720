//! The Sales dashboard.
pub mod api;
pub mod kpi;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod types;
pub mod ui;
