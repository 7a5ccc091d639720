pub mod admin;
pub mod auth;
pub mod customers;
pub mod embed;
pub mod inventory;
pub mod sales;
pub mod search;
pub mod sources;
