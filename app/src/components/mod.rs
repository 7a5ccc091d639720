//! Widgets shared by every dashboard.
pub mod chart;
pub mod chart_export;
pub mod chart_panel;
pub mod filter_bar;
pub mod format;
pub mod kpi_card;
pub mod layout;
pub mod section;
pub mod sort;
pub mod table;

pub use chart::{CategoryChart, ChartSpec, ScatterChart, SeriesData, SeriesKind};
pub use chart_panel::ChartPanel;
pub use filter_bar::{
    api_query, drill_href, filter_from_query, filters_query, product_link, FilterBar,
};
pub use kpi_card::{delta_text, KpiCard};
pub use layout::{AppShell, RoleOnly};
pub mod menus;
pub use section::{Busy, ErrorPanel, PendingTransition, Section};
pub use table::{Cell, Column, SortableTable};
