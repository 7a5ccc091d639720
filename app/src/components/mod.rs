//! Widgets shared by every dashboard.
pub mod chart;
pub mod date_range;
pub mod format;
pub mod kpi_card;
pub mod layout;

pub use chart::{CategoryChart, ChartPanel, SeriesData, SeriesKind};
pub use date_range::{ActiveRange, DateRangeControl};
pub use kpi_card::KpiCard;
pub use layout::AppShell;
