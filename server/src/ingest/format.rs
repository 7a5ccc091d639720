//! The file formats, recognised from their header, and row parsing: pure code shared with the
//! app (which previews uploads with it).
pub use app::features::sources::format::*;
