//! Users, roles, login and sessions.
pub mod api;
#[cfg(feature = "ssr")]
pub mod caller;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod session;
pub mod types;
pub mod ui;
