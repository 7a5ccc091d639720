mod page;
pub use page::SalesPage;
