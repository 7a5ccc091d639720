//! The Sales dashboard: `types` (wire) · `queries` (SQL) · `kpi` (pure) · `service` (what each
//! server function and JSON route returns) · `api` (server functions) · `ui` (the page).
pub mod api;
pub mod kpi;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod ui;
