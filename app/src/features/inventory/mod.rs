//! The Inventory & Pricing dashboard: stock health, reorder recommendations, price elasticity,
//! price recommendations and decisions, competitor positions and market signals.
//! `types` (wire) · `queries` (SQL) · `kpi` (pure stock and pricing figures) · `signals` (pure
//! market-signal rules) · `list` (what the product tables share: query, page, paging) ·
//! `product_list` and `pricing_list` (the stock and the price recommendations tables' columns
//! and cells) · `stock`
//! (every product's stock figures as of a day) · `refresh` (the market signals computed and
//! raised: on demand, or in the background after a change) ·
//! `service` (what each server function and JSON route returns) · `api` (server functions) ·
//! `ui` (the page).
pub mod api;
pub mod kpi;
pub mod list;
pub mod pricing_list;
pub mod product_list;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod refresh;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod signals;
#[cfg(feature = "ssr")]
pub mod stock;
pub mod types;
pub mod ui;
