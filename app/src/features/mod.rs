pub mod auth;
pub mod customers;
pub mod inventory;
pub mod sales;
pub mod sources;
