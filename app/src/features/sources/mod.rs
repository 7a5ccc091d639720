//! Data sources: uploads and syncs, their runs, errors and settings.
pub mod api;
/// Shop credentials sealed at rest: server only.
#[cfg(feature = "ssr")]
pub mod credentials;
/// The row parser runs on the server only (uploads and their preview): kept out of the browser bundle.
#[cfg(feature = "ssr")]
pub mod format;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod ui;
