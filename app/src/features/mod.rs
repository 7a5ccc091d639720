pub mod auth;
pub mod sales;
pub mod sources;
