mod page;

pub use page::{InventoryPage, SignalsChanged};
