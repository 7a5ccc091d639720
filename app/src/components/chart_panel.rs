//! The chart panel every dashboard shows: title, controls, the chart (an island) and its figures
//! as a table.
use leptos::prelude::*;

use super::chart::{ChartSpec, TABLE_POINTS};

/// A titled chart panel. `id` must be unique on the page. A server component around
/// `islands::chart::ChartIsland` (the drawing, clicks and PNG) with the chart's figures as a
/// data table.
#[component]
pub fn ChartPanel(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    #[prop(into)] empty_message: String,
    #[prop(into)] chart: ChartSpec,
    /// Controls shown next to the title (e.g. a grain switch) and notes under the chart.
    #[prop(optional)]
    children: Option<Children>,
    /// What the click does, in words ("Click a bar to show that category only").
    #[prop(optional)]
    click_hint: &'static str,
    /// What a click opens (a drill-through); the chart says so under it (`click_hint`).
    #[prop(optional)]
    drill: crate::islands::chart::ChartDrill,
    /// The days the chart covers, named in its PNG's caption.
    #[prop(optional, into)]
    range: Option<crate::dashboard::filter::DateRange>,
) -> impl IntoView {
    let empty = chart.is_empty();
    // What the PNG's caption names: the chart's range and the page's filters.
    let query = leptos_router::hooks::use_query_map();
    let caption = super::chart_export::caption(range, &query.get_untracked());
    let (header, rows, left_out) = chart.table();
    let table_title = title.clone();
    let data_table = (!empty).then(|| view! {
        <details class="chart-data">
            <summary>"Data table"</summary>
            <div class="table-scroll" tabindex="0">
                <table class="table" aria-label=format!("{table_title}: figures")>
                    <thead><tr>
                        {header.into_iter().enumerate().map(|(i, h)| view! {
                            <th scope="col" class:num={i > 0}>{h}</th>
                        }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|row| view! {
                            <tr>{row.into_iter().enumerate().map(|(i, cell)| if i == 0 {
                                view! { <th scope="row">{cell}</th> }.into_any()
                            } else {
                                view! { <td class="num">{cell}</td> }.into_any()
                            }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(left_out > 0).then(|| view! {
                <p class="muted small">{format!("The first {TABLE_POINTS} points; {left_out} more are drawn, not listed.")}</p>
            })}
        </details>
    });
    view! {
        <crate::islands::chart::ChartIsland id title empty_message chart drill
            click_hint=click_hint.to_string() caption>
            {children.map(|c| c())}
            {data_table}
        </crate::islands::chart::ChartIsland>
    }
}
