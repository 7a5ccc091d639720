//! Charts drawn by ECharts (through charming) in the browser. The server renders the frame, title
//! and empty state; the drawing happens after hydration.

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SeriesKind {
    Line,
    Bar,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeriesData {
    pub name: String,
    pub kind: SeriesKind,
    /// CSS colour, e.g. `#3b5bdb`.
    pub color: String,
    pub values: Vec<f64>,
    /// Series with the same stack name are drawn on top of each other.
    pub stack: Option<String>,
    /// Dashed line (e.g. the comparison period).
    pub dashed: bool,
}

/// Points from which a category chart gets a zoom slider.
pub const ZOOM_FROM: usize = 60;

/// A chart over categories (dates, names) on the x axis.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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

    /// A long series (over `ZOOM_FROM` points: daily over months) gets a zoom slider under it,
    /// to look at a few weeks of it.
    pub fn zooms(&self) -> bool {
        self.x_labels.len() > ZOOM_FROM
    }

    // Only the browser draws: the server build has no charming.
    #[cfg(feature = "hydrate")]
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

    /// ECharts' options: charming's components, put together by `options`.
    // Only the browser draws: the server build has no charming.
    #[cfg(feature = "hydrate")]
    fn options(&self, animate: bool) -> serde_json::Value {
        use charming::component::{Axis, Grid, Legend};
        use charming::datatype::{DataPoint, DataPointItem};
        use charming::element::ItemStyle;
        use charming::element::{AxisType, LineStyle, LineStyleType, Tooltip, Trigger};
        use charming::series::{Bar, Line};

        let is_partial = |i: usize| self.partial.get(i).copied().unwrap_or(false);
        let first_line = self.series.iter().position(|s| s.kind == SeriesKind::Line);
        let series = self
            .series
            .iter()
            .enumerate()
            .map(|(n, series)| match series.kind {
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
                    if let Some(stack) = &series.stack {
                        line = line.stack(stack.as_str());
                    }
                    json(&line)
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
                    if let Some(stack) = &series.stack {
                        bar = bar.stack(stack.as_str());
                    }
                    json(&bar)
                }
            });
        let zoom = self.zooms().then(|| {
            use charming::component::{DataZoom, DataZoomType};
            DataZoom::new()
                .type_(DataZoomType::Slider)
                .bottom(8)
                .start(0)
                .end(100)
        });
        options(
            animate,
            self.series.iter().map(|s| s.color.as_str()).collect(),
            Tooltip::new().trigger(Trigger::Axis),
            Legend::new().top(0).left(0),
            // Many series wrap the legend onto a second line: leave it room; a zoom slider
            // under a long series takes the bottom.
            Grid::new()
                .left(64)
                .right(24)
                .top(if self.series.len() > 4 { 80 } else { 56 })
                .bottom(if self.zooms() { 96 } else { 48 }),
            Axis::new()
                .type_(AxisType::Category)
                .name(self.x_name.clone())
                .name_location(charming::element::NameLocation::Middle)
                .name_gap(28)
                .data(self.x_labels.clone()),
            self.value_axis(),
            zoom,
            series.collect(),
        )
    }

    /// The shaded, labelled band behind each partial bucket.
    // Only the browser draws: the server build has no charming.
    #[cfg(feature = "hydrate")]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScatterChart {
    pub x_name: String,
    pub y_name: String,
    /// (name, colour, points as [x, y])
    pub groups: Vec<(String, String, Vec<[f64; 2]>)>,
    /// Curves drawn over the points (a fitted curve and its error band), each (name, colour,
    /// points as [x, y] in x order, dashed).
    pub curves: Vec<(String, String, Vec<[f64; 2]>, bool)>,
    pub file_name: String,
}

impl ScatterChart {
    /// ECharts' options: charming's components, put together by `options`.
    // Only the browser draws: the server build has no charming.
    #[cfg(feature = "hydrate")]
    fn options(&self, animate: bool) -> serde_json::Value {
        use charming::component::{Axis, Grid, Legend};
        use charming::datatype::{CompositeValue, DataPoint};
        use charming::element::{
            AxisType, LineStyle, LineStyleType, NameLocation, Tooltip, Trigger,
        };
        use charming::series::{Line, Scatter};
        let points = |points: &[[f64; 2]]| -> Vec<DataPoint> {
            points
                .iter()
                .map(|p| {
                    DataPoint::from(CompositeValue::from(vec![
                        CompositeValue::from(p[0]),
                        CompositeValue::from(p[1]),
                    ]))
                })
                .collect()
        };
        let groups = self.groups.iter().map(|(name, _, group)| {
            json(
                &Scatter::new()
                    .name(name.clone())
                    .symbol_size(5.0)
                    .data(points(group)),
            )
        });
        let curves = self.curves.iter().map(|(name, _, curve, dashed)| {
            let style = LineStyle::new().width(2).type_(if *dashed {
                LineStyleType::Dashed
            } else {
                LineStyleType::Solid
            });
            json(
                &Line::new()
                    .name(name.clone())
                    .show_symbol(false)
                    .line_style(style)
                    .data(points(curve)),
            )
        });
        options(
            animate,
            self.groups
                .iter()
                .map(|g| g.1.as_str())
                .chain(self.curves.iter().map(|c| c.1.as_str()))
                .collect(),
            Tooltip::new().trigger(Trigger::Item),
            Legend::new().bottom(0).left(0),
            Grid::new().left(72).right(24).top(40).bottom(
                if self.groups.len() + self.curves.len() > 3 {
                    110
                } else {
                    80
                },
            ),
            Axis::new()
                .type_(AxisType::Value)
                .name(self.x_name.clone())
                .name_location(NameLocation::Middle)
                .name_gap(28),
            Axis::new().type_(AxisType::Value).name(self.y_name.clone()),
            None,
            groups.chain(curves).collect(),
        )
    }
}

/// One of charming's components as ECharts reads it.
#[cfg(feature = "hydrate")]
fn json(component: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(component).unwrap_or_default()
}

/// A chart's ECharts options, from charming's components: what `charming::Chart` would give for
/// them, without compiling its serialisation of every component and series type ECharts has
/// into the browser bundle (~120 KB of code; docs/performance.md, "The browser bundle").
#[cfg(feature = "hydrate")]
#[allow(clippy::too_many_arguments)]
fn options(
    animate: bool,
    colors: Vec<&str>,
    tooltip: charming::element::Tooltip,
    legend: charming::component::Legend,
    grid: charming::component::Grid,
    x_axis: charming::component::Axis,
    y_axis: charming::component::Axis,
    zoom: Option<charming::component::DataZoom>,
    series: Vec<serde_json::Value>,
) -> serde_json::Value {
    let mut options = serde_json::json!({
        "animation": animate,
        "backgroundColor": "transparent",
        "color": colors,
        "tooltip": json(&tooltip),
        "legend": json(&legend),
        "grid": [json(&grid)],
        "xAxis": json(&x_axis),
        "yAxis": json(&y_axis),
        "series": series,
    });
    if let Some(zoom) = zoom {
        options["dataZoom"] = serde_json::json!([json(&zoom)]);
    }
    options
}

/// What a chart panel draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
            ChartSpec::Scatter(c) => c.groups.iter().all(|g| g.2.is_empty()) && c.curves.is_empty(),
        }
    }

    /// Base name of the downloaded PNG.
    pub fn file_name(&self) -> &str {
        match self {
            ChartSpec::Category(c) => &c.file_name,
            ChartSpec::Scatter(c) => &c.file_name,
        }
    }

    /// The chart's figures as a table (header, rows, points left out): what a screen reader or
    /// a keyboard user reads instead of the drawing. A category chart gives a row per label (a
    /// cut bucket's says "(partial)") and a column per series; a scatter chart a row per point,
    /// the first `TABLE_POINTS`.
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>, usize) {
        match self {
            ChartSpec::Category(c) => {
                let header = std::iter::once(c.x_name.clone())
                    .chain(c.series.iter().map(|s| s.name.clone()))
                    .collect();
                // A column shows two decimals for all its values when one of them has any.
                let cents: Vec<bool> = c.series.iter().map(|s| has_fraction(&s.values)).collect();
                let rows = c
                    .x_labels
                    .iter()
                    .enumerate()
                    .map(|(i, label)| {
                        let values = c.series.iter().zip(&cents).map(|(s, cents)| {
                            s.values
                                .get(i)
                                .map(|v| table_value(*v, *cents))
                                .unwrap_or_default()
                        });
                        std::iter::once(label.clone()).chain(values).collect()
                    })
                    .collect();
                (header, rows, 0)
            }
            ChartSpec::Scatter(c) => {
                let header = vec!["Series".to_string(), c.x_name.clone(), c.y_name.clone()];
                let series = || {
                    c.groups
                        .iter()
                        .map(|(name, _, points)| (name, points))
                        .chain(c.curves.iter().map(|(name, _, points, _)| (name, points)))
                };
                let column = |k: usize| {
                    let values: Vec<f64> = series()
                        .flat_map(|(_, p)| p.iter().map(move |p| p[k]))
                        .collect();
                    has_fraction(&values)
                };
                let (x_cents, y_cents) = (column(0), column(1));
                let total: usize = series().map(|(_, p)| p.len()).sum();
                let rows: Vec<Vec<String>> = series()
                    .flat_map(|(name, points)| {
                        points.iter().map(move |p| {
                            vec![
                                name.clone(),
                                table_value(p[0], x_cents),
                                table_value(p[1], y_cents),
                            ]
                        })
                    })
                    .take(TABLE_POINTS)
                    .collect();
                let left_out = total - rows.len();
                (header, rows, left_out)
            }
        }
    }

    // Only the browser draws: the server build has no charming.
    #[cfg(feature = "hydrate")]
    pub(crate) fn options(&self, animate: bool) -> serde_json::Value {
        match self {
            ChartSpec::Category(c) => c.options(animate),
            ChartSpec::Scatter(c) => c.options(animate),
        }
    }
}

/// Rows of a scatter chart's data table (the points beyond are counted, not listed).
pub const TABLE_POINTS: usize = 200;

/// Whether any of the values has a fractional part (its column then shows two decimals).
fn has_fraction(values: &[f64]) -> bool {
    values.iter().any(|v| v.fract() != 0.0)
}

/// A chart value as its table writes it: grouped, to two decimals in a column of fractional
/// values (`12,345.00`, `−3.50`), else whole (`12,345`).
fn table_value(value: f64, cents: bool) -> String {
    let sign = if value < 0.0 { "−" } else { "" };
    let text = if cents {
        format!("{:.2}", value.abs())
    } else {
        format!("{:.0}", value.abs())
    };
    match text.split_once('.') {
        Some((int_part, frac)) => {
            format!("{sign}{}.{frac}", super::format::group_thousands(int_part))
        }
        None => format!("{sign}{}", super::format::group_thousands(&text)),
    }
}

/// Whether the browser matches a media query (colour scheme, reduced motion).
#[cfg(feature = "hydrate")]
pub(crate) fn prefers(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Whether charts are drawn dark: an embed's theme (`<html data-theme>`) decides, else the system.
#[cfg(feature = "hydrate")]
pub(crate) fn dark_theme() -> bool {
    let chosen = leptos::prelude::document()
        .document_element()
        .and_then(|html| html.get_attribute("data-theme"));
    match chosen.as_deref() {
        Some("dark") => true,
        Some("light") | Some("transparent") => false,
        _ => prefers("(prefers-color-scheme: dark)"),
    }
}

/// A click on a chart: the position on the x axis of the column clicked and, for a click on a
/// bar, its series' name.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartClick {
    pub index: usize,
    pub series: Option<String>,
}

/// ECharts' own API: drawing a chart in an element, its events and its picture.
#[cfg(feature = "hydrate")]
pub(crate) mod events {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// An ECharts instance.
        #[derive(Clone)]
        pub type Instance;
        /// A chart in `element`, drawn with `theme` (a name such as "dark", or null).
        #[wasm_bindgen(js_namespace = echarts, js_name = init)]
        pub fn init(element: &web_sys::Element, theme: &JsValue) -> Instance;
        /// Draws the chart with these options.
        #[wasm_bindgen(method, js_name = setOption)]
        fn set_option(this: &Instance, options: &JsValue);
        #[wasm_bindgen(method)]
        fn on(this: &Instance, event: &str, handler: &JsValue);
        #[wasm_bindgen(method)]
        fn off(this: &Instance, event: &str);
        /// The chart drawn in `element`, if any.
        #[wasm_bindgen(js_namespace = echarts, js_name = getInstanceByDom)]
        pub fn instance_by_dom(element: &web_sys::Element) -> Option<Instance>;
        /// Redraws the chart at its element's size.
        #[wasm_bindgen(method)]
        fn resize(this: &Instance);
        /// The drawing as a data URL (`{type, pixelRatio, backgroundColor}`).
        #[wasm_bindgen(method, js_name = getDataURL)]
        pub fn get_data_url(this: &Instance, options: &JsValue) -> String;
        #[wasm_bindgen(method, js_name = getZr)]
        fn zr(this: &Instance) -> Zr;
        #[wasm_bindgen(method, js_name = containPixel)]
        fn contain_pixel(this: &Instance, finder: &str, point: &js_sys::Array) -> bool;
        #[wasm_bindgen(method, js_name = convertFromPixel)]
        fn convert_from_pixel(this: &Instance, finder: &str, point: &js_sys::Array) -> JsValue;
        /// The renderer underneath: clicks anywhere on the canvas.
        type Zr;
        #[wasm_bindgen(method, js_name = on)]
        fn zr_on(this: &Zr, event: &str, handler: &JsValue);
        #[wasm_bindgen(method, js_name = off)]
        fn zr_off(this: &Zr, event: &str);
        /// What ECharts passes to a click handler (a series item, or a point of the canvas).
        type ClickParams;
        #[wasm_bindgen(method, getter, js_name = dataIndex)]
        fn data_index(this: &ClickParams) -> Option<f64>;
        #[wasm_bindgen(method, getter, js_name = seriesName)]
        fn series_name(this: &ClickParams) -> Option<String>;
        #[wasm_bindgen(method, getter, js_name = offsetX)]
        fn offset_x(this: &ClickParams) -> Option<f64>;
        #[wasm_bindgen(method, getter, js_name = offsetY)]
        fn offset_y(this: &ClickParams) -> Option<f64>;
    }

    /// Draws a chart with these options (`CategoryChart::options`…) in the element `id`.
    pub fn draw(id: &str, dark: bool, options: &serde_json::Value) -> Result<Instance, String> {
        let element = leptos::prelude::document()
            .get_element_by_id(id)
            .ok_or_else(|| format!("no element with id `{id}`"))?;
        let options = serde_json::to_string(options).map_err(|e| e.to_string())?;
        let options = js_sys::JSON::parse(&options).map_err(|e| format!("{e:?}"))?;
        let theme = if dark {
            JsValue::from_str("dark")
        } else {
            JsValue::NULL
        };
        let chart = init(&element, &theme);
        chart.set_option(&options);
        Ok(chart)
    }

    /// Redraws every chart of the page at its element's size.
    pub fn resize_all() {
        let Ok(charts) = leptos::prelude::document().query_selector_all(".chart") else {
            return;
        };
        for i in 0..charts.length() {
            let element = charts
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok());
            if let Some(chart) = element.as_ref().and_then(instance_by_dom) {
                chart.resize();
            }
        }
    }

    /// Calls `handler` on every click: on a bar (`by_series`: with its series), or anywhere in a
    /// column of the plot (a bucket of a line chart). A redrawn chart replaces its handler.
    pub fn on_click(
        chart: Instance,
        by_series: bool,
        handler: leptos::prelude::Callback<super::ChartClick>,
    ) {
        use leptos::prelude::Callable;
        if by_series {
            let listener = Closure::<dyn Fn(ClickParams)>::new(move |p: ClickParams| {
                if let Some(index) = p.data_index().filter(|i| *i >= 0.0) {
                    handler.run(super::ChartClick {
                        index: index as usize,
                        series: p.series_name(),
                    });
                }
            });
            chart.off("click");
            chart.on("click", listener.as_ref());
            // Owned by the chart from now on (ECharts keeps it until the handler is replaced).
            listener.forget();
            return;
        }
        let zr = chart.zr();
        let chart = std::rc::Rc::new(chart);
        let listener = Closure::<dyn Fn(ClickParams)>::new(move |p: ClickParams| {
            let (Some(x), Some(y)) = (p.offset_x(), p.offset_y()) else {
                return;
            };
            let point = js_sys::Array::of2(&x.into(), &y.into());
            if !chart.contain_pixel("grid", &point) {
                return;
            }
            let at = chart.convert_from_pixel("grid", &point);
            let index = js_sys::Reflect::get_u32(&at, 0)
                .ok()
                .and_then(|v| v.as_f64());
            if let Some(index) = index.filter(|i| i.is_finite() && *i >= 0.0) {
                handler.run(super::ChartClick {
                    index: index.round() as usize,
                    series: None,
                });
            }
        });
        zr.zr_off("click");
        zr.zr_on("click", listener.as_ref());
        listener.forget();
    }
}

/// Charts follow the window's size (a phone turned, a window resized): listens on the window for
/// the page's lifetime (called once, when the app hydrates).
#[cfg(feature = "hydrate")]
pub fn follow_window_size() {
    // The handle removes the listener only when asked: dropped, it listens for good.
    leptos::prelude::window_event_listener(leptos::ev::resize, |_| events::resize_all());
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
                color: "#000".into(),
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

    #[test]
    fn a_chart_reads_as_a_table() {
        let chart = ChartSpec::Category(CategoryChart {
            x_labels: vec!["30 Mar 2026 (partial)".into(), "6 Apr 2026".into()],
            x_name: "Week".into(),
            y_name: "GBP".into(),
            series: vec![SeriesData {
                name: "Revenue".into(),
                kind: SeriesKind::Bar,
                color: "#000".into(),
                values: vec![1234567.0, -3.5],
                stack: None,
                dashed: false,
            }],
            file_name: "f".into(),
            partial: vec![true, false],
        });
        let (header, rows, left_out) = chart.table();
        assert_eq!(header, vec!["Week", "Revenue"]);
        assert_eq!(
            rows,
            vec![
                vec!["30 Mar 2026 (partial)", "1,234,567.00"],
                vec!["6 Apr 2026", "−3.50"]
            ]
        );
        assert_eq!(left_out, 0);
        let scatter = ChartSpec::Scatter(ScatterChart {
            x_name: "Price".into(),
            y_name: "Units".into(),
            groups: vec![(
                "Weeks".into(),
                "#000".into(),
                vec![[1.25, 3.0]; TABLE_POINTS + 5],
            )],
            curves: vec![("Fit".into(), "#111".into(), vec![[1.0, 2.0]; 3], false)],
            file_name: "f".into(),
        });
        let (header, rows, left_out) = scatter.table();
        assert_eq!(header, vec!["Series", "Price", "Units"]);
        assert_eq!(rows.len(), TABLE_POINTS);
        // Each column as its values need: prices to the cent, whole units whole.
        assert_eq!(rows[0], vec!["Weeks", "1.25", "3"]);
        assert_eq!(left_out, 8);
    }
}
