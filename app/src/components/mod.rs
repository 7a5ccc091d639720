//! Widgets shared by every dashboard.
pub mod chart;
pub mod chart_export;
pub mod filter_bar;
pub mod format;
pub mod kpi_card;
pub mod layout;
pub mod section;
pub mod table;

pub use chart::{
    CategoryChart, ChartClick, ChartPanel, ChartSpec, ScatterChart, SeriesData, SeriesKind,
};
pub use filter_bar::{
    api_query, drill_href, filter_from_query, filters_query, navigate_with, open_keeping_filters,
    product_link, url_escape, ActiveRange, FilterBar,
};
pub use kpi_card::{delta_text, KpiCard};
pub use layout::{AppShell, RoleOnly};
pub mod menus;
pub use section::{Busy, ErrorPanel, PendingTransition, Section};
pub use table::{Cell, Column, SortableTable};
