use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::{chart_value, count, money, percent, signed_percent};
use crate::components::{
    ActiveRange, AppShell, CategoryChart, ChartPanel, KpiCard, SeriesData, SeriesKind,
};
use crate::error::AppError;
use crate::features::sales::api::get_sales_overview;
use crate::features::sales::kpi::change;
use crate::features::sales::types::BreakdownRow;
use crate::features::sales::types::{
    Compare, Grain, MonthRow, Preset, SalesFilter, SalesKpis, SalesOverview,
};

fn filter_from_query(query: &leptos_router::params::ParamsMap) -> SalesFilter {
    SalesFilter {
        from: query.get("from").and_then(|v| v.parse().ok()),
        to: query.get("to").and_then(|v| v.parse().ok()),
        preset: query.get("preset").and_then(|v| Preset::from_key(&v)),
        compare: query
            .get("compare")
            .and_then(|v| Compare::from_key(&v))
            .unwrap_or_default(),
    }
}

#[component]
pub fn SalesPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    let overview = Resource::new(move || filter.get(), get_sales_overview);
    let active = expect_context::<ActiveRange>().0;
    Effect::new(move |_| {
        if let Some(Ok(data)) = overview.get() {
            active.set(Some(data.range));
        }
    });

    view! {
        <Title text="Sales · StorePulse"/>
        <AppShell>
            <div class="page-head">
                <h1>"Sales"</h1>
            </div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading sales…"</p> }>
                {move || overview.get().map(|result| match result {
                    Ok(data) => view! { <SalesBody data/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                })}
            </Transition>
        </AppShell>
    }
}

#[component]
fn ErrorPanel(err: AppError) -> impl IntoView {
    let login_hint = matches!(err, AppError::Unauthorized);
    view! {
        <div class="panel error-panel" role="alert">
            <p>{err.to_string()}</p>
            {login_hint.then(|| view! { <a class="button primary" href="/login?next=/sales">"Log in"</a> })}
        </div>
    }
}

/// "2 Apr" for days and weeks, "Apr 2026" for months.
fn period_label(period: chrono::NaiveDate, grain: Grain) -> String {
    match grain {
        Grain::Day | Grain::Week => period.format("%-d %b %Y").to_string(),
        Grain::Month => period.format("%b %Y").to_string(),
    }
}

fn grain_label(grain: Grain) -> &'static str {
    match grain {
        Grain::Day => "by day",
        Grain::Week => "by week (weeks start on Monday)",
        Grain::Month => "by month",
    }
}

/// The change of one figure vs the comparison period, as card text; `higher_is_good` colours it.
/// Without a base (nothing in the comparison period) the card says so instead of a number.
fn delta(
    data: &SalesOverview,
    pick: impl Fn(&SalesKpis) -> Option<rust_decimal::Decimal>,
    higher_is_good: bool,
) -> Option<(String, Option<bool>)> {
    let comparison = data.comparison.as_ref()?;
    let label = comparison.compare.label();
    match pick(&data.kpis)
        .zip(pick(&comparison.kpis))
        .and_then(|(now, before)| change(now, before))
    {
        Some(c) if c.is_zero() => Some((format!("±0.0% {label}"), None)),
        Some(c) => Some((
            format!("{} {label}", signed_percent(c)),
            Some(c.is_sign_positive() == higher_is_good),
        )),
        None => Some((format!("— {label} (no base)"), None)),
    }
}

#[component]
fn SalesBody(data: SalesOverview) -> impl IntoView {
    let cur = data.currency.clone();
    let k = &data.kpis;
    let guest_note = k
        .unidentified_share
        .map(|share| format!("Unidentified (guest) revenue: {}", percent(share)));
    let range_text = format!(
        "{} – {} · {} days · {}",
        data.range.from.format("%-d %b %Y"),
        data.range.to.format("%-d %b %Y"),
        data.range.days(),
        grain_label(data.grain)
    );
    let as_of = data
        .data_as_of
        .map(|d| format!("Data as of {}", d.format("%-d %b %Y")))
        .unwrap_or_else(|| "No orders yet".to_string());

    let chart = CategoryChart {
        x_labels: data
            .series
            .iter()
            .map(|p| period_label(p.period, data.grain))
            .collect(),
        x_name: match data.grain {
            Grain::Day => "Day",
            Grain::Week => "Week starting",
            Grain::Month => "Month",
        }
        .to_string(),
        y_name: data.currency.clone(),
        series: vec![
            SeriesData {
                name: "Net revenue".into(),
                color: "#3b5bdb",
                kind: SeriesKind::Line,
                values: data
                    .series
                    .iter()
                    .map(|p| chart_value(p.net_revenue))
                    .collect(),
            },
            SeriesData {
                name: "Gross revenue".into(),
                color: "#94a3b8",
                kind: SeriesKind::Line,
                values: data
                    .series
                    .iter()
                    .map(|p| chart_value(p.gross_revenue))
                    .collect(),
            },
            SeriesData {
                name: "Returns".into(),
                color: "#e8590c",
                kind: SeriesKind::Bar,
                values: data.series.iter().map(|p| chart_value(p.returns)).collect(),
            },
        ],
    };
    let chart_title = format!("Revenue over time ({})", data.currency);
    let adjustments_note = (!k.adjustments.is_zero()).then(|| {
        format!(
            "Adjustments (bad debt, fees), not in revenue: {}",
            money(k.adjustments, &cur)
        )
    });

    view! {
        <p class="range-summary">
            <span>{range_text}</span>
            <span class="muted">{as_of}</span>
        </p>
        <section class="kpi-grid" aria-label="Key figures">
            <KpiCard label="Gross revenue" value=money(k.gross_revenue, &cur) delta=delta(&data, |k| Some(k.gross_revenue), true)
                help="Sum of quantity × unit price over sales lines (not cancelled, positive quantity)"/>
            <KpiCard label="Returns" value=money(k.returns, &cur) delta=delta(&data, |k| Some(k.returns), false)
                help="Value of returned lines and cancelled orders"/>
            <KpiCard label="Net revenue" value=money(k.net_revenue, &cur) delta=delta(&data, |k| Some(k.net_revenue), true) help="Gross revenue − returns"/>
            <KpiCard label="Orders" value=count(k.orders) delta=delta(&data, |k| Some(k.orders.into()), true) help="Orders with at least one sales line"/>
            <KpiCard label="Average order value" delta=delta(&data, |k| k.aov, true)
                value=k.aov.map(|v| money(v, &cur)).unwrap_or_else(|| "—".into())
                help="Gross revenue / orders"/>
            <KpiCard label="Units" value=count(k.units) delta=delta(&data, |k| Some(k.units.into()), true) help="Units on sales lines"/>
            <KpiCard label="Customers" value=count(k.customers) delta=delta(&data, |k| Some(k.customers.into()), true)
                note=guest_note
                help="Distinct identified customers who bought in the range"/>
        </section>
        {adjustments_note.map(|n| view! { <p class="muted small">{n}</p> })}
        <ChartPanel id="revenue-chart" title=chart_title
            empty_message="No sales in this range. Pick another date range above." chart/>
        <div class="two-columns">
            <BreakdownTable title="By country" rows=data.by_country.clone() currency=cur.clone()/>
            <BreakdownTable title="By channel" rows=data.by_channel.clone() currency=cur.clone()/>
        </div>
        <div class="two-columns">
            <TopProductsTable data=data.clone()/>
            <TopCustomersTable data=data.clone()/>
        </div>
        <MonthlyTable rows=data.monthly.clone() currency=cur.clone()/>
    }
}

/// Revenue, orders and AOV per month, with the month-on-month change of net revenue.
#[component]
fn MonthlyTable(rows: Vec<MonthRow>, currency: String) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Monthly">
            <h2 class="panel-title">{format!("By month ({currency})")}</h2>
            <table class="table">
                <thead><tr>
                    <th>"Month"</th><th class="num">"Gross revenue"</th><th class="num">"Returns"</th>
                    <th class="num">"Net revenue"</th><th class="num">"Orders"</th><th class="num">"AOV"</th>
                    <th class="num" title="Change of net revenue vs the month before; empty when that month had none">"Net vs previous month"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|m| {
                        let cur = currency.clone();
                        view! {
                            <tr>
                                <td>{m.month.format("%b %Y").to_string()}
                                    {m.partial.then(|| view! { " " <span class="muted small" title="The range covers only part of this month">"(partial)"</span> })}
                                </td>
                                <td class="num">{money(m.gross_revenue, &cur)}</td>
                                <td class="num">{money(m.returns, &cur)}</td>
                                <td class="num">{money(m.net_revenue, &cur)}</td>
                                <td class="num">{count(m.orders)}</td>
                                <td class="num">{m.aov.map(|v| money(v, &cur)).unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{m.net_change.map(signed_percent).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Net revenue, orders and share per country or channel, with a bar for the share.
#[component]
fn BreakdownTable(
    #[prop(into)] title: String,
    rows: Vec<BreakdownRow>,
    currency: String,
) -> impl IntoView {
    let label = title.clone();
    view! {
        <section class="panel" aria-label=label>
            <h2 class="panel-title">{format!("{title} ({currency})")}</h2>
            {if rows.is_empty() {
                view! { <p class="muted">"No sales in this range."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th></th><th class="num">"Net revenue"</th><th class="num">"Orders"</th><th class="share-col">"Share of net revenue"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| {
                                let pct = r.share.map(|s| percent(s)).unwrap_or_else(|| "—".into());
                                let width = r.share.and_then(|s| rust_decimal::prelude::ToPrimitive::to_f64(&s)).unwrap_or(0.0).clamp(0.0, 1.0) * 100.0;
                                view! {
                                    <tr>
                                        <td>{r.key}</td>
                                        <td class="num">{money(r.net_revenue, &currency)}</td>
                                        <td class="num">{count(r.orders)}</td>
                                        <td class="share-col"><span class="share-bar" style=format!("width: {width:.1}%")></span>" "{pct}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// The export link of a list, for analysts and admins only (the server checks the role too).
#[component]
fn ExportLink(#[prop(into)] href: String) -> impl IntoView {
    let user = expect_context::<crate::app::UserResource>().0;
    let may_export = move || {
        user.get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| u.role.allows(crate::features::auth::types::Role::Analyst))
    };
    view! {
        <Transition fallback=|| ()>
            {
                let href = href.clone();
                move || may_export().then(|| view! { <a class="export" href=href.clone() download>"Export CSV"</a> })
            }
        </Transition>
    }
}

fn list_query(data: &SalesOverview) -> String {
    format!(
        "from={}&to={}&format=csv&limit=1000",
        data.range.from, data.range.to
    )
}

#[component]
fn TopProductsTable(data: SalesOverview) -> impl IntoView {
    let cur = data.currency.clone();
    let href = format!("/api/v1/sales/top-products?{}", list_query(&data));
    view! {
        <section class="panel" aria-label="Top products">
            <div class="panel-head">
                <h2 class="panel-title">{format!("Top products ({cur})")}</h2>
                <ExportLink href/>
            </div>
            {if data.top_products.is_empty() {
                view! { <p class="muted">"No sales in this range."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Product"</th><th class="num">"Units"</th><th class="num">"Orders"</th><th class="num">"Net revenue"</th><th class="num">"Share"</th></tr></thead>
                        <tbody>
                            {data.top_products.iter().map(|p| view! {
                                <tr>
                                    <td title=p.sku.clone()>{p.name.clone()}</td>
                                    <td class="num">{count(p.units)}</td>
                                    <td class="num">{count(p.orders)}</td>
                                    <td class="num">{money(p.net_revenue, &cur)}</td>
                                    <td class="num">{p.share.map(percent).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn TopCustomersTable(data: SalesOverview) -> impl IntoView {
    let cur = data.currency.clone();
    let href = format!("/api/v1/sales/top-customers?{}", list_query(&data));
    view! {
        <section class="panel" aria-label="Top customers">
            <div class="panel-head">
                <h2 class="panel-title">{format!("Top customers ({cur})")}</h2>
                <ExportLink href/>
            </div>
            {if data.top_customers.is_empty() {
                view! { <p class="muted">"No identified customers bought in this range."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Customer"</th><th>"Country"</th><th class="num">"Orders"</th><th class="num">"Net revenue"</th><th class="num">"Share"</th></tr></thead>
                        <tbody>
                            {data.top_customers.iter().map(|c| view! {
                                <tr>
                                    <td title=c.customer.clone()>{c.name.clone().unwrap_or_else(|| c.customer.clone())}</td>
                                    <td>{c.country.clone().unwrap_or_default()}</td>
                                    <td class="num">{count(c.orders)}</td>
                                    <td class="num">{money(c.net_revenue, &cur)}</td>
                                    <td class="num">{c.share.map(percent).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
