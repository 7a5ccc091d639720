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
    /// Series with the same stack name are drawn on top of each other.
    pub stack: Option<&'static str>,
    /// Dashed line (e.g. the comparison period).
    pub dashed: bool,
}

/// A chart over categories (dates, names) on the x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryChart {
    pub x_labels: Vec<String>,
    pub x_name: String,
    pub y_name: String,
    pub series: Vec<SeriesData>,
    /// Base name of the downloaded PNG.
    pub file_name: String,
    /// Per x label, whether its bucket lies only partly in the range (a cut first or last week or
    /// month; `dashboard::range::partial_bucket`): shaded and labelled behind lines, its bars drawn
    /// faint. Empty when no label is a time bucket.
    pub partial: Vec<bool>,
}

impl CategoryChart {
    pub fn is_empty(&self) -> bool {
        self.series
            .iter()
            .all(|s| s.values.iter().all(|v| *v == 0.0))
    }

    /// A percentage (its name says "%") whose values stay within 0–100: an axis that ends at
    /// 100, not at a rounder number above it.
    pub fn is_share(&self) -> bool {
        self.y_name.contains('%')
            && self
                .series
                .iter()
                .flat_map(|s| &s.values)
                .all(|v| (0.0..=100.0).contains(v))
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn value_axis(&self) -> charming::component::Axis {
        use charming::component::Axis;
        use charming::element::AxisType;
        let axis = Axis::new().type_(AxisType::Value).name(self.y_name.clone());
        if self.is_share() {
            axis.min(0).max(100)
        } else {
            axis
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn to_charming(&self, animate: bool) -> charming::Chart {
        use charming::component::{Axis, Grid, Legend};
        use charming::datatype::{DataPoint, DataPointItem};
        use charming::element::ItemStyle;
        use charming::element::{AxisType, LineStyle, LineStyleType, Tooltip, Trigger};
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
            .legend(Legend::new().top(0).left(0))
            .toolbox(png_download(&self.file_name))
            // Many series wrap the legend onto a second line: leave it room.
            .grid(
                Grid::new()
                    .left(64)
                    .right(24)
                    .top(if self.series.len() > 4 { 80 } else { 56 })
                    .bottom(48),
            )
            .x_axis(
                Axis::new()
                    .type_(AxisType::Category)
                    .name(self.x_name.clone())
                    .name_location(charming::element::NameLocation::Middle)
                    .name_gap(28)
                    .data(self.x_labels.clone()),
            )
            .y_axis(self.value_axis());
        let is_partial = |i: usize| self.partial.get(i).copied().unwrap_or(false);
        let first_line = self.series.iter().position(|s| s.kind == SeriesKind::Line);
        for (n, series) in self.series.iter().enumerate() {
            chart = match series.kind {
                SeriesKind::Line => {
                    let mut line = Line::new()
                        .name(series.name.clone())
                        .show_symbol(false)
                        .data(series.values.clone());
                    if first_line == Some(n) && self.partial.iter().any(|p| *p) {
                        line = line.mark_area(self.partial_area());
                    }
                    if series.dashed {
                        line = line.line_style(LineStyle::new().type_(LineStyleType::Dashed));
                    }
                    if let Some(stack) = series.stack {
                        line = line.stack(stack);
                    }
                    chart.series(line)
                }
                SeriesKind::Bar => {
                    let data: Vec<DataPoint> = series
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            if is_partial(i) {
                                DataPointItem::new(*v)
                                    .item_style(ItemStyle::new().opacity(0.4))
                                    .into()
                            } else {
                                DataPoint::from(*v)
                            }
                        })
                        .collect();
                    let mut bar = Bar::new().name(series.name.clone()).data(data);
                    if let Some(stack) = series.stack {
                        bar = bar.stack(stack);
                    }
                    chart.series(bar)
                }
            };
        }
        chart
    }

    /// The shaded, labelled band behind each partial bucket.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn partial_area(&self) -> charming::element::MarkArea {
        use charming::element::{ItemStyle, Label, LabelPosition, MarkArea, MarkAreaData};
        let bands: Vec<(MarkAreaData, MarkAreaData)> = self
            .x_labels
            .iter()
            .zip(&self.partial)
            .filter(|(_, partial)| **partial)
            .map(|(label, _)| {
                (
                    MarkAreaData::new().name("partial").x_axis(label.clone()),
                    MarkAreaData::new().x_axis(label.clone()),
                )
            })
            .collect();
        MarkArea::new()
            .silent(true)
            .item_style(ItemStyle::new().color("rgba(148, 163, 184, 0.18)"))
            .label(
                Label::new()
                    .position(LabelPosition::InsideTop)
                    .color("#64748b"),
            )
            .data(bands)
    }
}

/// Points on two value axes, one colour per group (e.g. customers by cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterChart {
    pub x_name: String,
    pub y_name: String,
    /// (name, colour, points as [x, y])
    pub groups: Vec<(String, &'static str, Vec<[f64; 2]>)>,
    pub file_name: String,
}

impl ScatterChart {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn to_charming(&self, animate: bool) -> charming::Chart {
        use charming::component::{Axis, Grid, Legend};
        use charming::datatype::{CompositeValue, DataPoint};
        use charming::element::{AxisType, NameLocation, Tooltip, Trigger};
        use charming::series::Scatter;
        let mut chart = charming::Chart::new()
            .animation(animate)
            .background_color("transparent")
            .color(
                self.groups
                    .iter()
                    .map(|g| charming::element::Color::from(g.1))
                    .collect(),
            )
            .tooltip(Tooltip::new().trigger(Trigger::Item))
            .legend(Legend::new().bottom(0).left(0))
            .toolbox(png_download(&self.file_name))
            .grid(
                Grid::new()
                    .left(72)
                    .right(24)
                    .top(40)
                    .bottom(if self.groups.len() > 3 { 110 } else { 80 }),
            )
            .x_axis(
                Axis::new()
                    .type_(AxisType::Value)
                    .name(self.x_name.clone())
                    .name_location(NameLocation::Middle)
                    .name_gap(28),
            )
            .y_axis(Axis::new().type_(AxisType::Value).name(self.y_name.clone()));
        for (name, _, points) in &self.groups {
            chart = chart.series(
                Scatter::new().name(name.clone()).symbol_size(5.0).data(
                    points
                        .iter()
                        .map(|p| {
                            DataPoint::from(CompositeValue::from(vec![
                                CompositeValue::from(p[0]),
                                CompositeValue::from(p[1]),
                            ]))
                        })
                        .collect::<Vec<DataPoint>>(),
                ),
            );
        }
        chart
    }
}

/// The toolbox button that downloads the chart as a PNG named `file_name`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn png_download(file_name: &str) -> charming::component::Toolbox {
    use charming::component::{Feature, SaveAsImage, Toolbox};
    Toolbox::new().right(0).top(0).feature(
        Feature::new().save_as_image(
            SaveAsImage::new()
                .name(file_name.to_string())
                .background_color("#ffffff"),
        ),
    )
}

/// What a chart panel draws.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartSpec {
    Category(CategoryChart),
    Scatter(ScatterChart),
}

impl From<CategoryChart> for ChartSpec {
    fn from(c: CategoryChart) -> Self {
        ChartSpec::Category(c)
    }
}

impl From<ScatterChart> for ChartSpec {
    fn from(c: ScatterChart) -> Self {
        ChartSpec::Scatter(c)
    }
}

impl ChartSpec {
    pub fn is_empty(&self) -> bool {
        match self {
            ChartSpec::Category(c) => c.is_empty(),
            ChartSpec::Scatter(c) => c.groups.iter().all(|g| g.2.is_empty()),
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn to_charming(&self, animate: bool) -> charming::Chart {
        match self {
            ChartSpec::Category(c) => c.to_charming(animate),
            ChartSpec::Scatter(c) => c.to_charming(animate),
        }
    }
}

/// Whether the browser matches a media query (colour scheme, reduced motion).
#[cfg(feature = "hydrate")]
fn prefers(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Whether charts are drawn dark: an embed's theme (`<html data-theme>`) decides, else the system.
#[cfg(feature = "hydrate")]
fn dark_theme() -> bool {
    let chosen = document()
        .document_element()
        .and_then(|html| html.get_attribute("data-theme"));
    match chosen.as_deref() {
        Some("dark") => true,
        Some("light") | Some("transparent") => false,
        _ => prefers("(prefers-color-scheme: dark)"),
    }
}

/// A titled chart panel. `id` must be unique on the page.
#[component]
pub fn ChartPanel(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    #[prop(into)] empty_message: String,
    #[prop(into)] chart: ChartSpec,
    /// Controls shown next to the title (e.g. a grain switch) and notes under the chart.
    #[prop(optional)]
    children: Option<Children>,
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
                if dark_theme() {
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
    // The drawing is a canvas: screen readers get the chart's title as its name.
    let chart_name = title.clone();
    view! {
        <section class="panel chart-panel" aria-label=aria>
            <h2 class="panel-title">{title}</h2>
            {children.map(|c| c())}
            {if empty {
                view! { <div class="chart-empty" role="status">{empty_message}</div> }.into_any()
            } else {
                view! { <div id=dom_id class="chart" role="img" aria-label=chart_name></div> }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_axis_ends_at_100() {
        let chart = |y_name: &str, values: Vec<f64>| CategoryChart {
            x_labels: vec!["a".into(), "b".into()],
            x_name: "x".into(),
            y_name: y_name.into(),
            series: vec![SeriesData {
                name: "s".into(),
                kind: SeriesKind::Line,
                color: "#000",
                values,
                stack: None,
                dashed: false,
            }],
            file_name: "f".into(),
            partial: Vec::new(),
        };
        assert!(chart("% of revenue", vec![40.0, 100.0]).is_share());
        assert!(!chart("GBP", vec![40.0, 100.0]).is_share());
        // A percentage that can pass 100 (a growth rate, say) keeps a free axis.
        assert!(!chart("% change", vec![40.0, 130.0]).is_share());
    }
}
