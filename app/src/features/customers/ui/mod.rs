//! The Customer Insights page and a customer's record page.
mod page;
mod record;
pub use page::CustomersPage;
pub use record::{CustomerRecordPage, OrderRecordPage};
