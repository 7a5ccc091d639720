//! The Customer Insights page.
mod page;
pub use page::CustomersPage;
