//! Stock panels: the product table, the ABC and turnover charts and the premium products.
use leptos::prelude::*;

use super::format::{float_cell, status_label};
use super::list::ListPanel;
use super::state::page_query;
use crate::components::table::{count_cell, money_cell, TablePanel};
use crate::components::{api_query, CategoryChart, Cell, Column, SeriesData, SeriesKind};
use crate::dashboard::filter::DashboardFilter;
use crate::features::inventory::api::get_inventory_products;
use crate::features::inventory::product_list::ProductsPage;
use crate::features::inventory::types::{
    InventoryOverview, PremiumProducts, ProductStock, StockStatus,
};

/// The stock table (`ListPanel`), narrowed by a status (`stock_status` in the URL).
#[component]
pub(super) fn ProductTable(filter: DashboardFilter) -> impl IntoView {
    let status = crate::islands::nav::get(&page_query(), "stock_status")
        .and_then(|text| StockStatus::ALL.into_iter().find(|s| s.as_str() == text));
    let control = view! {
        <label>"Status "
            <select name="stock_status">
                <option value="" selected=status.is_none()>"All"</option>
                {StockStatus::ALL.iter().map(|s| view! {
                    <option value=s.as_str() selected=status == Some(*s)>{status_label(*s)}</option>
                }).collect_view()}
            </select>
        </label>
    }
    .into_any();
    ListPanel {
        title: "Stock by product",
        what: "products",
        export: "/api/v1/products",
        keys: ["stock_q", "stock_sort", "stock_page"],
    }
    .view::<ProductStock, ProductsPage, _>(
        filter,
        status,
        control,
        get_inventory_products,
        |_| None,
    )
}

pub(super) fn abc_chart(data: &InventoryOverview) -> CategoryChart {
    CategoryChart {
        x_labels: data
            .abc_pareto
            .iter()
            .map(|p| format!("{:.0}%", p.product_share * 100.0))
            .collect(),
        x_name: "Share of products (best sellers first)".into(),
        y_name: "Cumulative share of net revenue (%)".into(),
        series: vec![SeriesData {
            name: "Cumulative net revenue".into(),
            kind: SeriesKind::Line,
            color: "#3b5bdb".into(),
            values: data
                .abc_pareto
                .iter()
                .map(|p| (p.revenue_share * 1000.0).round() / 10.0)
                .collect(),
            stack: None,
            dashed: false,
        }],
        file_name: "abc-pareto".into(),
        partial: Vec::new(),
    }
}

pub(super) fn turnover_chart(data: &InventoryOverview) -> CategoryChart {
    CategoryChart {
        x_labels: data
            .turnover_by_category
            .iter()
            .map(|c| c.category.clone())
            .collect(),
        x_name: "Category".into(),
        y_name: "Turnover (units sold / average on hand)".into(),
        series: vec![SeriesData {
            name: "Turnover in range".into(),
            kind: SeriesKind::Bar,
            color: "#0ca678".into(),
            values: data
                .turnover_by_category
                .iter()
                .map(|c| (c.turnover.unwrap_or(0.0) * 100.0).round() / 100.0)
                .collect(),
            stack: None,
            dashed: false,
        }],
        file_name: "turnover-by-category".into(),
        partial: Vec::new(),
    }
}

#[component]
pub(super) fn PremiumTable(data: PremiumProducts, filter: DashboardFilter) -> impl IntoView {
    let cur = data.currency.clone();
    let rows: Vec<Vec<Cell>> = data
        .products
        .iter()
        .map(|p| {
            vec![
                Cell::text(p.sku.clone()),
                Cell::text(p.name.clone()),
                money_cell(p.net_revenue, &cur),
                count_cell(p.customers),
                float_cell(Some(p.customer_share * 100.0), 1),
                float_cell(Some(p.units_per_order), 1),
            ]
        })
        .collect();
    let export = format!(
        "/api/v1/inventory/premium?{}&format=csv",
        api_query(data.range, &filter)
    );
    view! {
        <TablePanel
            title=format!(
                "Premium products: top {:.0}% by revenue, bought by ≤ {:.0}% of customers",
                data.revenue_share * 100.0,
                data.customer_share * 100.0
            )
            export
            empty=rows.is_empty()
            empty_message="No product in this range is both a top seller and bought by few customers."
            columns=vec![
                Column::text("SKU"),
                Column::text("Product"),
                Column::number("Net revenue"),
                Column::number("Customers"),
                Column::number("% of customers"),
                Column::number("Units per order"),
            ]
            rows
        />
    }
}
