pub mod auth;
pub mod sales;
