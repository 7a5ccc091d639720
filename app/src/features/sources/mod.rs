//! Data sources: uploads and syncs, their runs, errors and settings.
pub mod api;
pub mod format;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
pub mod types;
pub mod ui;
