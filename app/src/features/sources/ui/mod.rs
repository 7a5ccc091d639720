mod connections;
mod page;
pub use page::SourcesPage;
