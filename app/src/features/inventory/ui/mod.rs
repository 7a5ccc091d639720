//! The Inventory & Pricing page and a product's page, one file per panel or idea; `state` holds
//! what the panels share and `format` how they write figures.
pub(crate) mod format;
mod list;
mod page;
mod pricing;
mod product;
mod signals;
mod state;
mod stock;

pub use page::InventoryPage;
pub use product::ProductPage;
