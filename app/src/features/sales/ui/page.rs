use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::components::format::{chart_value, count, money, percent, signed_percent};
use crate::components::table::{count_cell, money_cell, ratio, share_cell, TablePanel};
use crate::components::{
    api_query, delta_text, drill_href, filter_from_query, product_link, AppShell, CategoryChart,
    Cell, ChartPanel, Column, KpiCard, Section, SeriesData, SeriesKind,
};
use crate::dashboard::filter::{DashboardFilter, DateRange, Grain, Ranged};
use crate::dashboard::range::{bucket_range, partial_bucket};
use crate::features::embed::types::FilterKey;
use crate::features::sales::api::{
    get_sales_breakdown, get_sales_categories, get_sales_concentration, get_sales_monthly,
    get_sales_most_returned, get_sales_series, get_sales_summary, get_sales_top_customers,
    get_sales_top_products,
};
use crate::features::sales::kpi::what_changed_text;
use crate::features::sales::types::{
    BreakdownBy, BreakdownRow, Concentration, MonthRow, ReturnedProduct, SalesCategories,
    SalesKpis, SalesSeries, SalesSummary, TopCustomer, TopProduct, WhatChanged,
};

#[component]
pub fn SalesPage() -> impl IntoView {
    view! {
        <Title text="Sales · StorePulse"/>
        <AppShell>
            <SalesParts/>
        </AppShell>
    }
}

/// The page's parts, created only when its filter is accepted (`AppShell` shows the refusal
/// instead, and then no part is asked for).
#[component]
fn SalesParts() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    // Each part of the page loads by itself, the cards first (see `Section`).
    let summary = crate::codec::resource(move || filter.get(), get_sales_summary);
    let series = crate::codec::resource(move || filter.get(), get_sales_series);
    let categories = crate::codec::resource(move || filter.get(), get_sales_categories);
    let countries = crate::codec::resource(
        move || filter.get(),
        |f| get_sales_breakdown(f, BreakdownBy::Country),
    );
    let channels = crate::codec::resource(
        move || filter.get(),
        |f| get_sales_breakdown(f, BreakdownBy::Channel),
    );
    let products = crate::codec::resource(move || filter.get(), get_sales_top_products);
    // Customer names stay out of embeds: there the part is not even asked for.
    let customers = (!crate::features::embed::ui::embedded())
        .then(|| crate::codec::resource(move || filter.get(), get_sales_top_customers));
    let concentration = crate::codec::resource(move || filter.get(), get_sales_concentration);
    let returned = crate::codec::resource(move || filter.get(), get_sales_most_returned);
    let monthly = crate::codec::resource(move || filter.get(), get_sales_monthly);
    let export = move |path: &str, range: DateRange| {
        let joiner = if path.contains('?') { '&' } else { '?' };
        format!(
            "/api/v1/sales/{path}{joiner}{}",
            api_query(range, &filter.get_untracked())
        )
    };

    view! {
        <div class="page-head">
            <h1>"Sales"</h1>
        </div>
        <Section what="sales figures" resource=summary
            view=move |data| view! { <Headline data filter=filter.get_untracked()/> }/>
        <Section what="the revenue chart" resource=series view=|data| view! { <RevenueChart data/> }/>
        <Section what="categories" resource=categories class="two-columns" view=move |data: SalesCategories| {
            let export = export("breakdown?by=category&format=csv", data.range);
            view! {
                <CategoryChartPanel data=data.clone()/>
                <BreakdownTable title="By category" dimension="Category" drill=FilterKey::Category rows=data.rows currency=data.currency export/>
            }
        }/>
        <div class="two-columns">
            <Section what="countries" resource=countries view=move |data| view! {
                <BreakdownTable title="By country" dimension="Country" drill=FilterKey::Country rows=data.rows currency=data.currency
                    export=export("breakdown?by=country&format=csv", data.range)/>
            }/>
            <Section what="channels" resource=channels view=move |data| view! {
                <BreakdownTable title="By channel" dimension="Channel" drill=FilterKey::Channel rows=data.rows currency=data.currency
                    export=export("breakdown?by=channel&format=csv", data.range)/>
            }/>
        </div>
        <div class="two-columns">
            <Section what="top products" resource=products view=move |data| view! {
                <TopProductsTable export=export("top-products?format=csv&limit=1000", data.range) data/>
            }/>
            {customers.map(|customers| view! {
                <Section what="top customers" resource=customers view=move |data| view! {
                    <TopCustomersTable export=export("top-customers?format=csv&limit=1000", data.range) data/>
                }/>
            })}
        </div>
        <Section what="revenue concentration" resource=concentration
            view=|data| view! { <ConcentrationPanel data/> }/>
        <div class="two-columns">
            <Section what="return rates" resource=series view=|data| view! { <ReturnRateChart data/> }/>
            <Section what="returned products" resource=returned view=move |data| view! {
                <MostReturnedTable export=export("returns?format=csv", data.range) data/>
            }/>
        </div>
        <Section what="months" resource=monthly view=move |data| view! {
            <MonthlyTable export=export("monthly?format=csv", data.range) data/>
        }/>
    }
}

/// "2 Apr 2026" for days and weeks, "Apr 2026" for months.
fn period_label(period: chrono::NaiveDate, grain: Grain) -> String {
    match grain {
        Grain::Day | Grain::Week => period.format("%-d %b %Y").to_string(),
        Grain::Month => period.format("%b %Y").to_string(),
    }
}

/// The x axis of a chart over the range's buckets: each bucket's label, with "(partial)" after a
/// first or last week or month that the range holds only part of, and which those are.
fn time_axis(
    range: &DateRange,
    grain: Grain,
    periods: impl Iterator<Item = chrono::NaiveDate>,
) -> (Vec<String>, Vec<bool>) {
    periods
        .map(|period| {
            let partial = partial_bucket(range, grain, period);
            let label = period_label(period, grain);
            if partial {
                (format!("{label} (partial)"), true)
            } else {
                (label, false)
            }
        })
        .unzip()
}

fn grain_label(grain: Grain) -> &'static str {
    match grain {
        Grain::Day => "by day",
        Grain::Week => "by week (weeks start on Monday)",
        Grain::Month => "by month",
    }
}

fn x_name(grain: Grain) -> String {
    match grain {
        Grain::Day => "Day",
        Grain::Week => "Week starting",
        Grain::Month => "Month",
    }
    .to_string()
}

/// The change of one figure vs the comparison period, as card text.
fn delta(
    data: &SalesSummary,
    pick: impl Fn(&SalesKpis) -> Option<Decimal>,
    higher_is_good: bool,
) -> Option<(String, Option<bool>)> {
    let comparison = data.comparison.as_ref()?;
    delta_text(
        pick(&data.kpis),
        pick(&comparison.kpis),
        comparison.compare.label(),
        higher_is_good,
    )
}

#[component]
fn Headline(data: SalesSummary, filter: DashboardFilter) -> impl IntoView {
    let cur = data.currency.clone();
    let k = &data.kpis;
    let guest_note = k
        .unidentified_share
        .map(|share| format!("Unidentified (guest) revenue: {}", percent(share)));
    let return_note = (!k.gross_revenue.is_zero())
        .then(|| format!("Return rate: {}", percent(k.returns / k.gross_revenue)));
    let range_text = format!(
        "{} – {} · {} days · {}",
        data.range.from.format("%-d %b %Y"),
        data.range.to.format("%-d %b %Y"),
        data.range.days(),
        grain_label(data.grain)
    );
    let f = &data.freshness;
    let as_of = match (f.latest_order, f.last_ingest) {
        (Some(order), Some(ingest)) => format!(
            "Data as of {} (latest order) · last ingest {} · times in {}",
            order.format("%-d %b %Y %H:%M"),
            ingest.format("%-d %b %Y %H:%M"),
            f.timezone
        ),
        (Some(order), None) => format!(
            "Data as of {} (latest order, {})",
            order.format("%-d %b %Y %H:%M"),
            f.timezone
        ),
        _ => "No orders yet: connect a data source under Data sources.".to_string(),
    };
    let adjustments_note = (!k.adjustments.is_zero()).then(|| {
        format!(
            "Adjustments (bad debt, fees), not in revenue: {}",
            money(k.adjustments, &cur)
        )
    });

    view! {
        <p class="range-summary">
            <span>{range_text}</span>
            <span class="muted" data-testid="data-as-of">{as_of}</span>
        </p>
        <section class="kpi-grid" aria-label="Key figures">
            <KpiCard label="Gross revenue" value=money(k.gross_revenue, &cur) delta=delta(&data, |k| Some(k.gross_revenue), true)
                help="Sum of quantity × unit price over sales lines (not cancelled, positive quantity)"/>
            <KpiCard label="Returns" value=money(k.returns, &cur) delta=delta(&data, |k| Some(k.returns), false)
                note=return_note help="Value of returned lines and cancelled orders; return rate = returns / gross revenue"/>
            <KpiCard label="Net revenue" value=money(k.net_revenue, &cur) delta=delta(&data, |k| Some(k.net_revenue), true) help="Gross revenue − returns"/>
            <KpiCard label="Orders" value=count(k.orders) delta=delta(&data, |k| Some(k.orders.into()), true) help="Orders with at least one sales line"/>
            <KpiCard label="Average order value" delta=delta(&data, |k| k.aov, true)
                value=k.aov.map(|v| money(v, &cur)).unwrap_or_else(|| "—".into())
                help="Gross revenue / orders"/>
            <KpiCard label="Units" value=count(k.units) delta=delta(&data, |k| Some(k.units.into()), true) help="Units on sales lines"/>
            <KpiCard label="Customers" value=count(k.customers) delta=delta(&data, |k| Some(k.customers.into()), true)
                help="Distinct identified customers who bought in the range"/>
            <KpiCard label="Guest revenue share" delta=delta(&data, |k| k.unidentified_share, false)
                value=k.unidentified_share.map(percent).unwrap_or_else(|| "—".into())
                note=guest_note.map(|_| "Orders without a customer id: in revenue, never in customer figures".to_string())
                help="Share of gross revenue from orders without an identified customer"/>
        </section>
        {adjustments_note.map(|n| view! { <p class="muted small">{n}</p> })}
        {filter.category.len().gt(&1).then(|| view! {
            <p class="muted small">"With several categories selected, the order counts per bucket and per row (chart, monthly table, country and channel tables) count an order once per selected category it has lines in; the Orders card counts each order once."</p>
        })}
        {data.what_changed.clone().map(|w| view! { <WhatChangedPanel w currency=cur.clone()/> })}
    }
}

/// Net and gross revenue, returns, and the comparison period's net revenue as a dashed line;
/// the grain switch writes `grain=` into the URL.
#[component]
fn RevenueChart(data: SalesSeries) -> impl IntoView {
    let grain = data.grain;
    let mut series = vec![
        SeriesData {
            name: "Net revenue".into(),
            color: "#3b5bdb".into(),
            kind: SeriesKind::Line,
            values: data
                .points
                .iter()
                .map(|p| chart_value(p.net_revenue))
                .collect(),
            stack: None,
            dashed: false,
        },
        SeriesData {
            name: "Gross revenue".into(),
            color: "#94a3b8".into(),
            kind: SeriesKind::Line,
            values: data
                .points
                .iter()
                .map(|p| chart_value(p.gross_revenue))
                .collect(),
            stack: None,
            dashed: false,
        },
        SeriesData {
            name: "Returns".into(),
            color: "#e8590c".into(),
            kind: SeriesKind::Bar,
            values: data.points.iter().map(|p| chart_value(p.returns)).collect(),
            stack: None,
            dashed: false,
        },
    ];
    if let Some(comparison) = &data.comparison {
        series.push(SeriesData {
            name: format!(
                "Net revenue, {} – {}",
                comparison.from.format("%-d %b %Y"),
                comparison.to.format("%-d %b %Y")
            ),
            color: "#7c3aed".into(),
            kind: SeriesKind::Line,
            values: data
                .comparison_points
                .iter()
                .take(data.points.len())
                .map(|p| chart_value(p.net_revenue))
                .collect(),
            stack: None,
            dashed: true,
        });
    }
    let (x_labels, partial) = time_axis(&data.range, grain, data.points.iter().map(|p| p.period));
    // A click on a week or month shows its days (a day: that day), by day; Back undoes it.
    let range = data.range;
    // The drill as data, one URL per column.
    let drill_urls = {
        use crate::islands::nav;
        let (path, q) = (nav::current_path(), nav::current_query());
        data.points
            .iter()
            .map(|p| {
                let days = bucket_range(&range, grain, p.period);
                let changes = vec![
                    ("from", vec![days.from.to_string()]),
                    ("to", vec![days.to.to_string()]),
                    ("preset", vec![]),
                    ("grain", vec![]),
                ];
                format!(
                    "{path}{}",
                    nav::to_query_string(&nav::with_changes(&q, changes))
                )
            })
            .collect::<Vec<_>>()
    };
    let drill_data = if grain != Grain::Day {
        crate::islands::chart::ChartDrill::Columns(drill_urls)
    } else {
        crate::islands::chart::ChartDrill::None
    };
    let chart = CategoryChart {
        x_labels,
        x_name: x_name(grain),
        y_name: data.currency.clone(),
        series,
        file_name: format!("revenue-{}-{}", data.range.from, data.range.to),
        partial,
    };
    let hint = match grain {
        Grain::Day => "",
        Grain::Week => "Click a week to see its days.",
        Grain::Month => "Click a month to see its days.",
    };
    view! {
        <ChartPanel id="revenue-chart" range=data.range title=format!("Revenue over time ({})", data.currency)
            empty_message="No sales in this range. Pick another date range above." chart
            click_hint=hint drill=drill_data>
            <div class="segmented" role="group" aria-label="Chart grain">
                {[Grain::Day, Grain::Week, Grain::Month].into_iter().map(|g| {
                    let label = match g { Grain::Day => "Day", Grain::Week => "Week", Grain::Month => "Month" };
                    view! {
                        // Server HTML inside the chart island; public/nav.js opens
                        // `data-navigate` (in place) when the button is pressed.
                        <button type="button" class:selected=grain == g aria-pressed=(grain == g).to_string()
                            data-navigate={
                                use crate::islands::nav;
                                let q = nav::with_changes(&nav::current_query(), vec![("grain", vec![g.as_str().to_string()])]);
                                format!("{}{}", nav::current_path(), nav::to_query_string(&q))
                            }>{label}</button>
                    }
                }).collect_view()}
            </div>
        </ChartPanel>
    }
}

/// Net revenue per category over time (stacked), top categories and the rest as "Other".
#[component]
fn CategoryChartPanel(data: SalesCategories) -> impl IntoView {
    const COLORS: [&str; 7] = [
        "#3b5bdb", "#0ca678", "#f59f00", "#e8590c", "#ae3ec9", "#1098ad", "#868e96",
    ];
    let periods = crate::dashboard::range::periods(&data.range, data.grain);
    let series = data
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| SeriesData {
            name: row.key.clone(),
            color: COLORS[i.min(COLORS.len() - 1)].into(),
            kind: SeriesKind::Bar,
            values: periods
                .iter()
                .map(|period| {
                    data.series
                        .iter()
                        .find(|p| p.period == *period && p.category == row.key)
                        .map(|p| chart_value(p.net_revenue))
                        .unwrap_or(0.0)
                })
                .collect(),
            stack: Some("categories".into()),
            dashed: false,
        })
        .collect();
    let (x_labels, partial) = time_axis(&data.range, data.grain, periods.iter().copied());
    let chart = CategoryChart {
        x_labels,
        x_name: x_name(data.grain),
        y_name: data.currency.clone(),
        series,
        file_name: format!("revenue-by-category-{}-{}", data.range.from, data.range.to),
        partial,
    };
    // A click on a category's bars shows that category only (an embed: if its viewers may
    // change the category filter); Back undoes it.
    let may_drill =
        crate::features::embed::ui::embed_scope().is_none_or(|s| s.may_change(FilterKey::Category));
    let drill_data = if may_drill {
        crate::islands::chart::ChartDrill::Series {
            path: crate::islands::nav::current_path(),
            query: crate::islands::nav::current_query(),
            key: "category".into(),
            except: vec!["Other".into()],
        }
    } else {
        crate::islands::chart::ChartDrill::None
    };
    view! {
        <ChartPanel id="category-chart" range=data.range title=format!("Net revenue by category over time ({})", data.currency)
            empty_message="No sales in this range." chart
            drill=drill_data
            click_hint=if may_drill { "Click a category's bars to show that category only." } else { "" }/>
    }
}

/// Return rate (returns / gross revenue) per bucket.
#[component]
fn ReturnRateChart(data: SalesSeries) -> impl IntoView {
    let (x_labels, partial) = time_axis(
        &data.range,
        data.grain,
        data.points.iter().map(|p| p.period),
    );
    let chart = CategoryChart {
        x_labels,
        partial,
        x_name: x_name(data.grain),
        y_name: "% of gross revenue".into(),
        series: vec![SeriesData {
            name: "Return rate".into(),
            color: "#e8590c".into(),
            kind: SeriesKind::Line,
            values: data
                .points
                .iter()
                .map(|p| {
                    if p.gross_revenue.is_zero() {
                        0.0
                    } else {
                        chart_value(p.returns / p.gross_revenue * Decimal::from(100))
                    }
                })
                .collect(),
            stack: None,
            dashed: false,
        }],
        file_name: format!("return-rate-{}-{}", data.range.from, data.range.to),
    };
    view! {
        <ChartPanel id="return-rate-chart" range=data.range title="Return rate over time (%)"
            empty_message="No returns in this range." chart/>
    }
}

/// The change in net revenue as two small waterfalls (orders / AOV / returns, and new /
/// returning / guests), with the sentence above them.
#[component]
fn WhatChangedPanel(w: WhatChanged, currency: String) -> impl IntoView {
    let text = what_changed_text(&w);
    let by_order = vec![
        ("Orders", w.orders_effect),
        ("Order value (AOV)", w.aov_effect),
        ("Returns", w.returns_effect),
    ];
    let by_customer = vec![
        ("New customers", w.new_customers_effect),
        ("Returning customers", w.returning_customers_effect),
        ("Guests", w.guests_effect),
    ];
    view! {
        <section class="panel" aria-label="What changed">
            <h2 class="panel-title">{format!("What changed ({currency})")}</h2>
            <p class="what-changed-text" data-testid="what-changed">{text}</p>
            <div class="two-columns">
                <Waterfall title="By orders and order value" previous=w.previous_net current=w.current_net steps=by_order currency=currency.clone()/>
                <Waterfall title="By customer" previous=w.previous_net current=w.current_net steps=by_customer currency=currency.clone()/>
            </div>
        </section>
    }
}

/// A horizontal waterfall: the comparison period's net revenue, each effect as a floating bar,
/// this period's net revenue.
#[component]
fn Waterfall(
    title: &'static str,
    previous: Decimal,
    current: Decimal,
    steps: Vec<(&'static str, Decimal)>,
    currency: String,
) -> impl IntoView {
    // Running totals: each bar spans [before, after].
    let mut bars: Vec<(String, Decimal, Decimal, &'static str)> =
        vec![("Comparison period".into(), Decimal::ZERO, previous, "total")];
    let mut level = previous;
    for (label, effect) in &steps {
        let kind = if effect.is_sign_negative() {
            "down"
        } else {
            "up"
        };
        bars.push((label.to_string(), level, level + effect, kind));
        level += effect;
    }
    bars.push(("This period".into(), Decimal::ZERO, current, "total"));
    let lo = bars
        .iter()
        .flat_map(|b| [b.1, b.2])
        .min()
        .unwrap_or_default()
        .min(Decimal::ZERO);
    let hi = bars
        .iter()
        .flat_map(|b| [b.1, b.2])
        .max()
        .unwrap_or_default();
    let span = (hi - lo).to_f64().unwrap_or(0.0).max(f64::EPSILON);
    let pos = |v: Decimal| ((v - lo).to_f64().unwrap_or(0.0) / span * 100.0).clamp(0.0, 100.0);
    view! {
        <div class="waterfall">
            <h3 class="waterfall-title">{title}</h3>
            <div role="table" aria-label=title>
            {bars.into_iter().map(|(label, from, to, kind)| {
                let (a, b) = (pos(from.min(to)), pos(from.max(to)));
                let amount = if kind == "total" {
                    money(to, &currency)
                } else {
                    let d = to - from;
                    format!("{}{}", if d.is_sign_negative() { "−" } else { "+" }, money(d.abs(), &currency))
                };
                view! {
                    <div class="waterfall-row" role="row">
                        <span class="waterfall-label" role="cell">{label}</span>
                        <span class="waterfall-track" role="presentation">
                            <span class=format!("waterfall-bar {kind}") style=format!("left: {a:.1}%; width: {:.1}%", (b - a).max(0.4))></span>
                        </span>
                        <span class="waterfall-amount num" role="cell">{amount}</span>
                    </div>
                }
            }).collect_view()}
            </div>
        </div>
    }
}

/// Top-10 share, the "x% of customers make 80%" figure and the Pareto curve.
#[component]
fn ConcentrationPanel(data: Ranged<Concentration>) -> impl IntoView {
    let c = data.rows;
    let headline = match (c.top10_share, c.customers_for_80) {
        (Some(top10), Some(for80)) => format!(
            "The top 10 customers make {} of net revenue; {} of customers ({} of {}) make 80% of identified customers' revenue.",
            percent(top10),
            percent(for80),
            count((for80 * Decimal::from(c.customers)).round().to_i64().unwrap_or(0)),
            count(c.customers)
        ),
        _ => "No identified customers bought in this range.".to_string(),
    };
    let chart = CategoryChart {
        x_labels: c
            .curve
            .iter()
            .map(|p| format!("{:.0}%", p.customer_share.to_f64().unwrap_or(0.0) * 100.0))
            .collect(),
        x_name: "Share of customers, largest first".into(),
        y_name: "% of revenue".into(),
        series: vec![
            SeriesData {
                name: "Cumulative share of revenue".into(),
                color: "#3b5bdb".into(),
                kind: SeriesKind::Line,
                values: c
                    .curve
                    .iter()
                    .map(|p| (p.revenue_share.to_f64().unwrap_or(0.0) * 1000.0).round() / 10.0)
                    .collect(),
                stack: None,
                dashed: false,
            },
            SeriesData {
                name: "Even spread".into(),
                color: "#94a3b8".into(),
                kind: SeriesKind::Line,
                values: c
                    .curve
                    .iter()
                    .map(|p| (p.customer_share.to_f64().unwrap_or(0.0) * 1000.0).round() / 10.0)
                    .collect(),
                stack: None,
                dashed: true,
            },
        ],
        file_name: format!("pareto-{}-{}", data.range.from, data.range.to),
        partial: Vec::new(),
    };
    view! {
        <ChartPanel id="pareto-chart" range=data.range title="Revenue concentration (Pareto curve)"
            empty_message="No identified customers bought in this range." chart>
            <p class="concentration-text" data-testid="concentration">{headline}</p>
        </ChartPanel>
    }
}

/// Revenue, orders and AOV per month, with the month-on-month change of net revenue.
#[component]
fn MonthlyTable(data: Ranged<Vec<MonthRow>>, export: String) -> impl IntoView {
    let cur = data.currency.clone();
    let rows = data
        .rows
        .iter()
        .map(|m| {
            let month = m.month.format("%b %Y").to_string();
            vec![
                Cell {
                    sort: crate::components::sort::SortKey::Text(m.month.to_string()),
                    ..Cell::text(if m.partial {
                        format!("{month} (partial)")
                    } else {
                        month
                    })
                },
                money_cell(m.gross_revenue, &cur),
                money_cell(m.returns, &cur),
                money_cell(m.net_revenue, &cur),
                count_cell(m.orders),
                Cell::number(
                    m.aov.map(|v| money(v, &cur)).unwrap_or_else(|| "—".into()),
                    ratio(m.aov),
                ),
                Cell::number(
                    m.net_change
                        .map(signed_percent)
                        .unwrap_or_else(|| "—".into()),
                    ratio(m.net_change),
                ),
            ]
        })
        .collect();
    view! {
        <TablePanel title=format!("By month ({cur})") export empty=data.rows.is_empty()
            empty_message="No months in this range."
            columns=vec![
                Column::text("Month").help("(partial): the range covers only part of the month"),
                Column::number("Gross revenue"),
                Column::number("Returns"),
                Column::number("Net revenue"),
                Column::number("Orders"),
                Column::number("AOV"),
                Column::number("Net vs previous month").help("Change of net revenue vs the month before; empty when that month had none"),
            ]
            rows/>
    }
}

/// Net revenue, orders and share per country, channel or category, with a bar for the share.
#[component]
fn BreakdownTable(
    #[prop(into)] title: String,
    /// The first column's heading (its sort button's name).
    dimension: &'static str,
    /// The filter a row sets when clicked (`country`): a drill-through, kept in the URL.
    drill: FilterKey,
    rows: Vec<BreakdownRow>,
    currency: String,
    export: String,
) -> impl IntoView {
    let empty = rows.is_empty();
    // An embed drills only through the filters it lets its viewers change.
    let may_drill = crate::features::embed::ui::embed_scope().is_none_or(|s| s.may_change(drill));
    let query = use_query_map();
    let cells = rows
        .into_iter()
        .map(|r| {
            let key = Cell::text(r.key.clone());
            vec![
                match may_drill && r.key != "Other" {
                    true => key
                        .with_title(format!("Show only {}", r.key))
                        .with_link(drill_href(&query.get_untracked(), drill.as_str(), &r.key)),
                    false => key,
                },
                money_cell(r.net_revenue, &currency),
                count_cell(r.orders),
                share_cell(r.share).with_bar(ratio(r.share)),
            ]
        })
        .collect();
    view! {
        <TablePanel title=format!("{title} ({currency})") export empty empty_message="No sales in this range."
            columns=vec![Column::text(dimension), Column::number("Net revenue"), Column::number("Orders"), Column::number("Share of net revenue")]
            rows=cells/>
    }
}

#[component]
fn TopProductsTable(data: Ranged<Vec<TopProduct>>, export: String) -> impl IntoView {
    let cur = data.currency.clone();
    // A product opens its page (not in an embed), with the dashboard filters.
    let link = product_link();
    let rows = data
        .rows
        .iter()
        .map(|p| {
            let name = Cell::text(p.name.clone());
            vec![
                match link(p.product_id) {
                    Some(href) => name.with_link(href),
                    None => name,
                }
                .with_title(format!("{} · {}", p.sku, p.category)),
                count_cell(p.units),
                count_cell(p.orders),
                money_cell(p.net_revenue, &cur),
                share_cell(p.share),
            ]
        })
        .collect();
    view! {
        <TablePanel title=format!("Top products ({cur})") export empty=data.rows.is_empty()
            empty_message="No sales in this range."
            columns=vec![Column::text("Product"), Column::number("Units"), Column::number("Orders"), Column::number("Net revenue"), Column::number("Share")]
            rows/>
    }
}

#[component]
fn TopCustomersTable(data: Ranged<Vec<TopCustomer>>, export: String) -> impl IntoView {
    let cur = data.currency.clone();
    // A customer's record page names them: a link for analysts and admins only.
    let may_open =
        crate::features::auth::context::user_allows(crate::features::auth::types::Role::Analyst)
            .get();
    let query_string = api_query(data.range, &filter_from_query(&use_query_map().read()));
    let rows = data
        .rows
        .iter()
        .map(|c| {
            let name = Cell::text(c.name.clone().unwrap_or_else(|| c.customer.clone()))
                .with_title(format!("Customer {}", c.customer));
            vec![
                match may_open {
                    true => name.with_link(format!("/customers/{}?{query_string}", c.customer_id)),
                    false => name,
                },
                Cell::text(c.country.clone().unwrap_or_default()),
                count_cell(c.orders),
                money_cell(c.net_revenue, &cur),
                share_cell(c.share),
            ]
        })
        .collect();
    view! {
        <TablePanel title=format!("Top customers ({cur})") export empty=data.rows.is_empty()
            empty_message="No identified customers bought in this range."
            columns=vec![Column::text("Customer"), Column::text("Country"), Column::number("Orders"), Column::number("Net revenue"), Column::number("Share")]
            rows/>
    }
}

#[component]
fn MostReturnedTable(data: Ranged<Vec<ReturnedProduct>>, export: String) -> impl IntoView {
    let cur = data.currency.clone();
    let rows = data
        .rows
        .iter()
        .map(|p| {
            vec![
                Cell::text(p.name.clone()).with_title(format!("{} · {}", p.sku, p.category)),
                count_cell(p.returned_units),
                money_cell(p.returns, &cur),
                share_cell(p.return_rate),
            ]
        })
        .collect();
    view! {
        <TablePanel title=format!("Most-returned products ({cur})") export empty=data.rows.is_empty()
            empty_message="No returns in this range."
            columns=vec![
                Column::text("Product"),
                Column::number("Units returned"),
                Column::number("Returns"),
                Column::number("Return rate").help("Returns / gross revenue of the product in the range"),
            ]
            rows/>
    }
}
