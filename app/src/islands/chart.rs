//! A chart panel as an island: its spec (series, labels, colours) comes as props; the browser
//! builds ECharts' options with charming, draws them, follows clicks to a drill URL and exports
//! the PNG. The title and the data table are server HTML (the table as the island's children).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::chart::ChartSpec;

/// What a click on a chart opens, decided on the server (the page's filters are known there).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum ChartDrill {
    #[default]
    None,
    /// A click in column i opens `urls[i]` (a week's or month's days).
    Columns(Vec<String>),
    /// A click on a series' bars sets `key` to the series' name in the current URL (but not for
    /// the names in `except`, such as "Other").
    Series {
        path: String,
        query: super::nav::Query,
        key: String,
        except: Vec<String>,
    },
}

#[island]
pub fn ChartIsland(
    id: String,
    title: String,
    empty_message: String,
    chart: ChartSpec,
    drill: ChartDrill,
    /// What a click does, in words (empty: no drill).
    click_hint: String,
    /// The PNG's line under the title: range and filters.
    caption: String,
    /// Server HTML after the chart: the grain switch, the data table.
    children: Children,
) -> impl IntoView {
    let empty = chart.is_empty();
    let dom_id = id.clone();
    #[cfg(feature = "hydrate")]
    let drawn = StoredValue::new_local(None::<crate::components::chart::events::Instance>);
    #[cfg(feature = "hydrate")]
    {
        use crate::components::chart::{dark_theme, events, prefers, ChartClick};
        let dom_id = dom_id.clone();
        let chart = chart.clone();
        let by_series = matches!(drill, ChartDrill::Series { .. });
        let handler = match drill {
            ChartDrill::None => None,
            ChartDrill::Columns(urls) => Some(Callback::new(move |c: ChartClick| {
                if let Some(url) = urls.get(c.index) {
                    super::nav::go(url);
                }
            })),
            ChartDrill::Series {
                path,
                query,
                key,
                except,
            } => Some(Callback::new(move |c: ChartClick| {
                if let Some(name) = c.series.filter(|s| !except.contains(s)) {
                    super::nav::navigate_with(&path, &query, vec![(key.as_str(), vec![name])]);
                }
            })),
        };
        Effect::new(move |_| {
            if !chart.is_empty() {
                let animate = !prefers("(prefers-reduced-motion: reduce)");
                match events::draw(&dom_id, dark_theme(), &chart.options(animate)) {
                    Ok(instance) => {
                        drawn.set_value(Some(instance.clone()));
                        if let Some(handler) = handler {
                            events::on_click(instance, by_series, handler);
                        }
                    }
                    Err(err) => {
                        leptos::logging::warn!("chart {dom_id} could not be drawn: {err:?}")
                    }
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&chart, &drill);
    let png = {
        let title = title.clone();
        let file = chart.file_name().to_string();
        move |_: leptos::ev::MouseEvent| {
            #[cfg(feature = "hydrate")]
            drawn.with_value(|d| {
                if let Some(instance) = d {
                    let dark = crate::components::chart::dark_theme();
                    let options = js_sys::Object::new();
                    let set = |k: &str, v: wasm_bindgen::JsValue| {
                        let _ = js_sys::Reflect::set(&options, &k.into(), &v);
                    };
                    set("type", "png".into());
                    set("pixelRatio", 2.into());
                    set(
                        "backgroundColor",
                        if dark { "#1a1e24" } else { "#ffffff" }.into(),
                    );
                    let url = instance.get_data_url(&options);
                    crate::components::chart_export::download(
                        url,
                        file.clone(),
                        title.clone(),
                        caption.clone(),
                        dark,
                    );
                }
            });
            #[cfg(not(feature = "hydrate"))]
            let _ = (&file, &title, &caption);
        }
    };
    let aria = title.clone();
    let chart_name = title.clone();
    let clickable = !click_hint.is_empty();
    view! {
        <section class="panel chart-panel" aria-label=aria>
            <div class="panel-head">
                <h2 class="panel-title">{title.clone()}</h2>
                {(!empty).then(|| view! {
                    <button type="button" class="button ghost small chart-png" on:click=png
                        aria-label=format!("Download {title} as PNG")>"PNG"</button>
                })}
            </div>
            {if empty {
                view! { <div class="chart-empty" role="status">{empty_message}</div> }.into_any()
            } else {
                view! {
                    <div id=dom_id class="chart" class:clickable=clickable role="img" aria-label=chart_name></div>
                    {clickable.then(|| view! { <p class="muted small chart-hint">{click_hint}</p> })}
                }.into_any()
            }}
            {children()}
        </section>
    }
}
