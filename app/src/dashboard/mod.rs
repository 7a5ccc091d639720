//! What every dashboard shares: the filter and its date range (presets, comparison, grain), the
//! caller's scope, how figures compare (change, share), the store's clock and the filter bar's
//! options. Features depend on this module, never the other way round.
pub mod api;
pub mod compare;
pub mod filter;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod range;
pub mod scope;
