//! What every dashboard shares: the filter and its date range (presets, comparison, grain), the
//! caller's scope, how figures compare (change, share), the store's clock and the filter bar's
//! options, the store's sales totals and the customers who bought in a range. Features depend
//! on this module, never the other way round.
pub mod api;
pub mod compare;
#[cfg(feature = "ssr")]
pub mod customer_days;
#[cfg(feature = "ssr")]
pub mod customers;
pub mod filter;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod range;
pub mod scope;
pub mod totals;
