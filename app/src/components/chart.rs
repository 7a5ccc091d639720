//! Charts drawn by ECharts (through charming) in the browser. The server renders the frame, title
//! and empty state; the drawing happens after hydration.
use leptos::prelude::*;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    Line,
    Bar,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesData {
    pub name: String,
    pub kind: SeriesKind,
    /// CSS colour, e.g. `#3b5bdb`.
    pub color: &'static str,
    pub values: Vec<f64>,
}

/// A chart over categories (dates, names) on the x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryChart {
    pub x_labels: Vec<String>,
    pub x_name: String,
    pub y_name: String,
    pub series: Vec<SeriesData>,
}

impl CategoryChart {
    pub fn is_empty(&self) -> bool {
        self.series
            .iter()
            .all(|s| s.values.iter().all(|v| *v == 0.0))
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn to_charming(&self, animate: bool) -> charming::Chart {
        use charming::component::{Axis, Grid, Legend};
        use charming::element::{AxisType, Tooltip, Trigger};
        use charming::series::{Bar, Line};

        let mut chart = charming::Chart::new()
            .animation(animate)
            .background_color("transparent")
            .color(
                self.series
                    .iter()
                    .map(|s| charming::element::Color::from(s.color))
                    .collect(),
            )
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(Legend::new().top(0).right(0))
            .grid(Grid::new().left(64).right(24).top(48).bottom(48))
            .x_axis(
                Axis::new()
                    .type_(AxisType::Category)
                    .name(self.x_name.clone())
                    .name_location(charming::element::NameLocation::Middle)
                    .name_gap(28)
                    .data(self.x_labels.clone()),
            )
            .y_axis(Axis::new().type_(AxisType::Value).name(self.y_name.clone()));
        for series in &self.series {
            chart = match series.kind {
                SeriesKind::Line => chart.series(
                    Line::new()
                        .name(series.name.clone())
                        .show_symbol(false)
                        .data(series.values.clone()),
                ),
                SeriesKind::Bar => chart.series(
                    Bar::new()
                        .name(series.name.clone())
                        .data(series.values.clone()),
                ),
            };
        }
        chart
    }
}

/// Whether the browser matches a media query (colour scheme, reduced motion).
#[cfg(feature = "hydrate")]
fn prefers(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// A titled chart panel. `id` must be unique on the page.
#[component]
pub fn ChartPanel(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    #[prop(into)] empty_message: String,
    chart: CategoryChart,
) -> impl IntoView {
    let empty = chart.is_empty();
    let dom_id = id.clone();
    #[cfg(feature = "hydrate")]
    {
        let chart = chart.clone();
        let dom_id = dom_id.clone();
        Effect::new(move |_| {
            if !chart.is_empty() {
                let mut renderer = charming::WasmRenderer::new_opt(None, None);
                if prefers("(prefers-color-scheme: dark)") {
                    renderer = renderer.theme(charming::theme::Theme::Dark);
                }
                let animate = !prefers("(prefers-reduced-motion: reduce)");
                if let Err(err) = renderer.render(&dom_id, &chart.to_charming(animate)) {
                    leptos::logging::warn!("chart {dom_id} could not be drawn: {err:?}");
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &chart;
    let aria = title.clone();
    view! {
        <section class="panel chart-panel" aria-label=aria>
            <h2 class="panel-title">{title}</h2>
            {if empty {
                view! { <div class="chart-empty" role="status">{empty_message}</div> }.into_any()
            } else {
                view! { <div id=dom_id class="chart" role="img"></div> }.into_any()
            }}
        </section>
    }
}
