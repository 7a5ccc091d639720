//! Administration: users, API tokens, the audit log.
pub mod api;
pub mod types;
pub mod ui;
