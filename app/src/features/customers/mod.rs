//! The Customer Insights dashboard: `types` (wire) · `queries` (SQL) · `kpi` and `group` (pure:
//! figures and drill-down membership) · `cluster` (k-means) · `service` (what each server
//! function and JSON route returns) · `api` (server functions) · `ui` (the page). The buying
//! customers of a range, which Sales shares, are in `crate::dashboard::customers`.
pub mod api;
#[cfg(feature = "ssr")]
pub use kernels::cluster;
#[cfg(feature = "ssr")]
pub mod group;
// Server-only: it counts the per-customer facts and the k-means fit, which never reach the browser.
#[cfg(feature = "ssr")]
pub mod kpi;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod ui;
