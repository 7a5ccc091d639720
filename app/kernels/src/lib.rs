//! The dashboards' numeric kernels, compiled optimised in every profile that builds the server
//! (see Cargo.toml): what loops over every customer of a range, and the reading of the millions of
//! rows the in-memory customer copy is loaded from. Plain code over numbers, rows and bytes, no
//! database: `app` hands them its rows (or PostgreSQL's `COPY` output) and turns their results
//! into figures.
pub mod buyers;
pub mod cluster;
mod copy_text;
pub mod customer_days;
pub mod pareto;
pub mod rfm;
