//! Global search from the top bar: products by SKU or name, customers by name, email or id,
//! orders by number. `types` (wire) · `queries` (SQL) · `service` (who may find what, ranking)
//! · `api` (the server function); the search box is an island (`islands::search`).
pub mod api;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
