//! Saved views: a user names the filters of a dashboard and reopens them from the Views menu of
//! the filter bar; a view's link shares it; an admin may publish a view to every user.
//! `types` (wire, the canonical filter query) · `queries` (SQL) · `service` (who may do what)
//! · `api` (server functions); the Views menu is an island (`islands::views`).
pub mod api;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
