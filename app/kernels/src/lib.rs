//! The dashboards' numeric kernels, compiled optimised in every profile that builds the server
//! (see Cargo.toml): what loops over every customer of a range. Plain code over numbers and rows,
//! no database; `app` gives them its rows and turns their results into figures.
pub mod cluster;
mod copy_text;
pub mod customer_days;
pub mod pareto;
pub mod rfm;
