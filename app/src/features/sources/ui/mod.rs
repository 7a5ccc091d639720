mod page;
pub use page::SourcesPage;
