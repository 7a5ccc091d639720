//! The Customer Insights dashboard.
pub mod api;
#[cfg(feature = "ssr")]
pub mod cluster;
pub mod kpi;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod types;
pub mod ui;
