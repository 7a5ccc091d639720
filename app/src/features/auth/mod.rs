//! Users, roles, login and sessions.
pub mod api;
pub mod context;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session_user;
pub mod types;
pub mod ui;
