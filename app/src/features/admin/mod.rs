//! Administration: users, API tokens, the audit log.
pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod ui;
