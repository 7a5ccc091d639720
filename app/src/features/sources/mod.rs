//! Data sources: uploads and syncs, their runs, errors and settings.
pub mod api;
/// Shop credentials sealed at rest: server only.
#[cfg(feature = "ssr")]
pub mod credentials;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod ui;
