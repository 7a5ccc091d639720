//! Stock panels: the product table, the ABC and turnover charts and the premium products.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::format::{date_cell, float_cell, status_label};
use crate::components::table::{count_cell, money_cell, TablePanel};
use crate::components::{
    api_query, open_keeping_filters, CategoryChart, Cell, Column, SeriesData, SeriesKind,
    SortableTable,
};
use crate::dashboard::filter::DashboardFilter;
use crate::features::inventory::types::{InventoryOverview, PremiumProducts, StockStatus};

#[component]
pub(super) fn ProductTable(data: InventoryOverview, export: String) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let products = data.products.clone();
    let cur = data.currency.clone();
    // A product's name opens its page (not in an embed), keeping the dashboard filters.
    let embedded = crate::features::embed::ui::embedded();
    let keep = crate::components::filters_query(&use_query_map().get_untracked());
    let rows = move || {
        let wanted = status.get();
        let needle = search.get().to_lowercase();
        products
            .iter()
            .filter(|p| wanted.is_empty() || p.status.as_str() == wanted)
            .filter(|p| {
                needle.is_empty()
                    || p.name.to_lowercase().contains(&needle)
                    || p.sku.to_lowercase().contains(&needle)
            })
            .map(|p| {
                vec![
                    match embedded {
                        true => Cell::text(p.name.clone()),
                        false => Cell::text(p.name.clone())
                            .with_link(format!("/products/{}{keep}", p.product_id)),
                    }
                    .with_title(p.name.clone()),
                    Cell::text(p.sku.clone()),
                    Cell::text(p.category.clone()),
                    Cell::text(status_label(p.status)),
                    Cell::text(p.abc.as_str()),
                    match p.on_hand {
                        Some(o) => count_cell(o),
                        None => Cell::number("—", None),
                    },
                    count_cell(p.units_sold),
                    money_cell(p.net_revenue, &cur),
                    float_cell(Some(p.daily_demand), 1),
                    float_cell(p.days_of_cover, 0),
                    float_cell(p.turnover, 2),
                    float_cell(Some(p.safety_stock), 0),
                    float_cell(Some(p.reorder_point), 0),
                    count_cell(p.suggested_order),
                    date_cell(p.order_by),
                    date_cell(p.sells_out_on),
                ]
            })
            .collect::<Vec<_>>()
    };
    let columns = move || {
        vec![
            Column::text("Product"),
            Column::text("SKU"),
            Column::text("Category"),
            Column::text("Status").help("out › dead › reorder › overstock › ok"),
            Column::text("ABC"),
            Column::number("On hand"),
            Column::number("Units sold"),
            Column::number("Net revenue"),
            Column::number("Daily demand")
                .help("Average units a day over the in-stock days of the last 28"),
            Column::number("Days of cover"),
            Column::number("Turnover").help("Units sold in range / average on hand in range"),
            Column::number("Safety stock"),
            Column::number("Reorder point"),
            Column::number("Suggested order"),
            Column::text("Order by"),
            Column::text("Sells out on"),
        ]
    };
    let ids: Vec<(String, i64)> = data
        .products
        .iter()
        .map(|p| (format!("{} · {}", p.sku, p.name), p.product_id))
        .collect();
    let query = use_query_map();
    view! {
        <section class="panel" aria-label="Products">
            <div class="panel-head">
                <h2 class="panel-title">"Stock by product"</h2>
                <crate::components::table::ExportLink href=export/>
            </div>
            <div class="table-tools">
                <label>"Status "
                    <select on:change=move |ev| status.set(event_target_value(&ev)) prop:value=move || status.get()>
                        <option value="">"All"</option>
                        {StockStatus::ALL.iter().map(|s| view! {
                            <option value=s.as_str()>{status_label(*s)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Search "
                    <input type="search" placeholder="SKU or name"
                        on:input=move |ev| search.set(event_target_value(&ev)) prop:value=move || search.get()/>
                </label>
                {(!crate::features::embed::ui::embedded()).then(|| view! {
                <label>"Open product "
                    <select aria-label="Open product"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if !v.is_empty() {
                                open_keeping_filters(query, &format!("/products/{v}"));
                            }
                        }>
                        <option value="">"—"</option>
                        {ids.into_iter().map(|(label, id)| view! {
                            <option value=id.to_string()>{label}</option>
                        }).collect_view()}
                    </select>
                </label>
                })}
            </div>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    view! { <p class="muted">"No products match."</p> }.into_any()
                } else {
                    view! { <SortableTable columns=columns() rows/> }.into_any()
                }
            }}
        </section>
    }
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
            color: "#3b5bdb",
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
            color: "#0ca678",
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
