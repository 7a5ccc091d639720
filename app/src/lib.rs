//! StorePulse's application: pages, components and server functions, shared by the server
//! (feature `ssr`, which also compiles the SQL) and the browser (feature `hydrate`).
#![recursion_limit = "256"]

pub mod app;
#[cfg(feature = "ssr")]
pub mod caller;
pub mod clock;
pub mod codec;
pub mod components;
pub mod dashboard;
pub mod embed_page;
pub mod error;
#[cfg(feature = "ssr")]
pub mod export;
pub mod features;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod islands;
#[cfg(feature = "ssr")]
pub mod rollup;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod turns;

pub use app::{shell, App};

/// Database migrations, embedded at compile time.
#[cfg(feature = "ssr")]
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
