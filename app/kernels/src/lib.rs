//! The dashboards' numeric kernels, compiled optimised in every profile that builds the server
//! (see Cargo.toml): what loops over every customer of a range. Pure functions over plain
//! numbers; `app` gives them its rows and turns their results into figures.
pub mod cluster;
