use leptos::prelude::*;

use crate::components::ErrorPanel;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::components::format::{count, money, percent, signed_percent};
use crate::components::table::{count_cell, ExportLink};
use crate::components::{
    api_query, delta_text, filter_from_query, AppShell, CategoryChart, Cell, ChartPanel, Column,
    KpiCard, ScatterChart, Section, SeriesData, SeriesKind, SortableTable,
};
use crate::dashboard::filter::{url_escape, Ranged};
use crate::error::AppError;
use crate::features::customers::api::{
    get_customer_group, get_customers_acquisition, get_customers_clusters, get_customers_cohorts,
    get_customers_engagement, get_customers_rfm, get_customers_summary, PAGE_SIZE,
};
use crate::features::customers::types::{
    AcquisitionMonth, Clustering, CohortCell, CustomerGroup, CustomerKpis, CustomerPage,
    CustomerSort, CustomersCohorts, CustomersSummary, GroupKind, Rfm,
};
use crate::islands::nav;

const CLUSTER_COLORS: [&str; 8] = [
    "#3b5bdb", "#0ca678", "#f59f00", "#e8590c", "#ae3ec9", "#1098ad", "#868e96", "#c2255c",
];

/// The URL keys of the customer list: the group listed (`segment:champions`), its sort (left out
/// at net revenue) and its page (from 1, left out at the first).
const GROUP_KEY: &str = "group";
const SORT_KEY: &str = "group_sort";
const PAGE_KEY: &str = "group_page";

/// The sorts of a customer list: URL key, label.
const SORTS: [(CustomerSort, &str, &str); 4] = [
    (CustomerSort::NetRevenue, "net_revenue", "Net revenue"),
    (CustomerSort::Orders, "orders", "Orders"),
    (CustomerSort::Recency, "recency", "Most recent"),
    (CustomerSort::Customer, "customer", "Customer id"),
];

fn sort_key(sort: CustomerSort) -> &'static str {
    SORTS
        .iter()
        .find(|(s, _, _)| *s == sort)
        .map(|(_, key, _)| *key)
        .unwrap_or("net_revenue")
}

/// The page's URLs for its drill buttons (`data-navigate`, followed by public/nav.js), made on
/// the server from the request's path and query. No group opens in an embed.
#[derive(Clone)]
struct Links {
    path: String,
    query: nav::Query,
    embedded: bool,
}

impl Links {
    fn new(embedded: bool) -> Self {
        Links {
            path: nav::current_path(),
            query: nav::current_query(),
            embedded,
        }
    }

    /// This page with `changes` to its query.
    fn with(&self, changes: Vec<(&str, Vec<String>)>) -> String {
        format!(
            "{}{}",
            self.path,
            nav::to_query_string(&nav::with_changes(&self.query, changes))
        )
    }

    /// This page listing the customers of `group` (`kind:id`) from its first page, in the sort
    /// chosen for the list before.
    fn group(&self, group: String) -> String {
        self.with(vec![(PAGE_KEY, vec![]), (GROUP_KEY, vec![group])])
    }

    /// This page without a customer list.
    fn close(&self) -> String {
        self.with(vec![
            (GROUP_KEY, vec![]),
            (SORT_KEY, vec![]),
            (PAGE_KEY, vec![]),
        ])
    }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    view! {
        <Title text="Customer Insights · StorePulse"/>
        <AppShell>
            <CustomersParts/>
        </AppShell>
    }
}

/// The page's parts, created only when its filter is accepted (`AppShell` shows the refusal
/// instead, and then no part is asked for).
#[component]
fn CustomersParts() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    // Customer lists name customers, and acquisition and cohorts count every channel and
    // country: none of them in an embed, whose filters are locked.
    let embedded = crate::features::embed::ui::embedded();
    let links = StoredValue::new(Links::new(embedded));
    // Each part of the page loads by itself, the cards first (see `Section`).
    let summary = crate::codec::resource(move || filter.get(), get_customers_summary);
    let acquisition = (!embedded)
        .then(|| crate::codec::resource(move || filter.get(), get_customers_acquisition));
    let engagement = crate::codec::resource(move || filter.get(), get_customers_engagement);
    let rfm = crate::codec::resource(move || filter.get(), get_customers_rfm);
    let clusters = crate::codec::resource(move || filter.get(), get_customers_clusters);
    let cohorts =
        (!embedded).then(|| crate::codec::resource(move || filter.get(), get_customers_cohorts));
    // The customer list: its group, sort and page are in the URL (a link to it, Back and
    // reload show the same customers).
    let list = Memo::new(move |_| {
        let query = query.read();
        let group = (!embedded).then(|| selected_group(&query)).flatten();
        let sort = query
            .get(SORT_KEY)
            .and_then(|key| SORTS.iter().find(|(_, k, _)| *k == key).map(|(s, _, _)| *s))
            .unwrap_or_default();
        let page = query
            .get(PAGE_KEY)
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        (group, sort, (page - 1) * PAGE_SIZE)
    });
    let page = crate::codec::resource(
        move || (filter.get(), list.get()),
        |(filter, (group, sort, offset))| async move {
            match group {
                Some((kind, id)) => Some(get_customer_group(filter, kind, id, offset, sort).await),
                None => None,
            }
        },
    );
    let sort = list.get_untracked().1;
    view! {
        <div class="page-head"><h1>"Customer Insights"</h1></div>
        <Section what="customer figures" resource=summary view=|data| view! { <Headline data/> }/>
        {acquisition.map(|acquisition| view! {
            <Section what="acquisition" resource=acquisition view=move |data| view! { <AcquisitionChart data links=links.get_value()/> }/>
        })}
        <Section what="engagement" resource=engagement class="two-columns" view=move |data| view! {
            <GroupTable title="Engagement depth" kind=GroupKind::Engagement rows=data.groups currency=data.currency.clone() links=links.get_value()/>
            <GroupTable title="Repeat vs one-time" kind=GroupKind::Repeat rows=data.repeat currency=data.currency links=links.get_value()/>
        }/>
        <Section what="RFM segments" resource=rfm view={move |data: Ranged<Rfm>| {
            let query_string = api_query(data.range, &filter.get_untracked());
            view! {
                <RfmPanel data links=links.get_value()/>
                <DrillDown page sort query_string links=links.get_value()/>
            }
        }}/>
        <Section what="clusters" resource=clusters view=move |data| view! { <ClustersPanel data links=links.get_value()/> }/>
        {cohorts.map(|cohorts| view! {
            <Section what="cohorts" resource=cohorts view=move |data| view! { <CohortsPanel data links=links.get_value()/> }/>
        })}
        <Section what="countries" resource=summary view=move |data| view! {
            <GroupTable title="Customers by country" kind=GroupKind::Country rows=data.by_country currency=data.currency links=links.get_value()/>
        }/>
    }
}

fn delta(
    data: &CustomersSummary,
    pick: impl Fn(&CustomerKpis) -> Option<Decimal>,
    higher_is_good: bool,
) -> Option<(String, Option<bool>)> {
    let c = data.comparison.as_ref()?;
    let label = format!(
        "vs {} – {}",
        c.range.from.format("%-d %b %Y"),
        c.range.to.format("%-d %b %Y")
    );
    delta_text(pick(&data.kpis), pick(&c.kpis), &label, higher_is_good)
}

/// The drill-down the page shows: (kind, id), kept in the URL (`?group=segment:champions`).
fn selected_group(query: &leptos_router::params::ParamsMap) -> Option<(GroupKind, String)> {
    let value = query.get(GROUP_KEY)?;
    let (kind, id) = value.split_once(':')?;
    Some((GroupKind::from_key(kind)?, id.to_string()))
}

#[component]
fn Headline(data: CustomersSummary) -> impl IntoView {
    let cur = data.currency.clone();
    let k = data.kpis.clone();
    let range_text = format!(
        "{} – {} · {} days · RFM as of {}",
        data.range.from.format("%-d %b %Y"),
        data.range.to.format("%-d %b %Y"),
        data.range.days(),
        data.range.to.format("%-d %b %Y")
    );
    view! {
        <p class="range-summary"><span>{range_text}</span></p>
        <section class="kpi-grid" aria-label="Key figures">
            <KpiCard label="Customers" value=count(k.customers) delta=delta(&data, |k| Some(k.customers.into()), true)
                help="Distinct identified customers with a sales line in the range"/>
            <KpiCard label="New customers" value=count(k.new_customers) delta=delta(&data, |k| Some(k.new_customers.into()), true)
                help="Customers whose first order ever falls in the range"/>
            <KpiCard label="Returning customers" value=count(k.returning_customers) delta=delta(&data, |k| Some(k.returning_customers.into()), true)
                help="Customers who bought in the range and had ordered before it"/>
            <KpiCard label="Repeat rate" value=k.repeat_rate.map(percent).unwrap_or_else(|| "—".into())
                delta=delta(&data, |k| k.repeat_rate, true)
                note=Some(format!("{} repeat customers", count(k.repeat_customers)))
                help="Customers with 2 or more orders in the range / customers"/>
            <KpiCard label="Orders per customer" value=k.orders_per_customer.map(|v| format!("{:.2}", v)).unwrap_or_else(|| "—".into())
                delta=delta(&data, |k| k.orders_per_customer, true) help="Orders of identified customers / customers"/>
            <KpiCard label="Net revenue per customer" value=k.net_revenue_per_customer.map(|v| money(v, &cur)).unwrap_or_else(|| "—".into())
                delta=delta(&data, |k| k.net_revenue_per_customer, true) help="Net revenue of identified customers / customers"/>
            <KpiCard label="Guest revenue share" value=k.unidentified_share.map(percent).unwrap_or_else(|| "—".into())
                delta=delta(&data, |k| k.unidentified_share, false)
                note=Some("Guest orders are in no customer figure".to_string())
                help="Share of gross revenue from orders without an identified customer"/>
            <KpiCard label="Days between orders" value=data.avg_days_between_orders.map(|v| format!("{:.1}", v)).unwrap_or_else(|| "—".into())
                help="Average gap between consecutive orders of customers with 2 or more orders in the range"/>
        </section>
    }
}

/// New customers per month with returning customers stacked on them.
#[component]
fn AcquisitionChart(data: Ranged<Vec<AcquisitionMonth>>, links: Links) -> impl IntoView {
    let chart_range = data.range;
    let labels: Vec<String> = data
        .rows
        .iter()
        .map(|m| {
            let l = m.month.format("%b %Y").to_string();
            if m.partial {
                format!("{l} (partial)")
            } else {
                l
            }
        })
        .collect();
    let chart = CategoryChart {
        x_labels: labels,
        partial: data.rows.iter().map(|m| m.partial).collect(),
        x_name: "Month".into(),
        y_name: "Customers".into(),
        series: vec![
            SeriesData {
                name: "New (first order ever)".into(),
                color: "#3b5bdb".into(),
                kind: SeriesKind::Bar,
                values: data.rows.iter().map(|m| m.new_customers as f64).collect(),
                stack: Some("customers".into()),
                dashed: false,
            },
            SeriesData {
                name: "Returning".into(),
                color: "#94a3b8".into(),
                kind: SeriesKind::Bar,
                values: data
                    .rows
                    .iter()
                    .map(|m| m.returning_customers as f64)
                    .collect(),
                stack: Some("customers".into()),
                dashed: false,
            },
        ],
        file_name: format!("acquisition-{}-{}", data.range.from, data.range.to),
    };
    let changes = data
        .rows
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m.month.format("%b %Y"),
                m.new_change
                    .map(signed_percent)
                    .unwrap_or_else(|| "—".into())
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    // Analysts and admins: a month's new customers open as a list (the cohort of that month).
    let urls: Vec<String> = data
        .rows
        .iter()
        .map(|m| links.group(format!("cohort:{}", m.month.format("%Y-%m"))))
        .collect();
    // The user, awaited (read before it is in, an analyst would get a viewer's chart).
    let user = expect_context::<crate::features::auth::context::UserResource>().0;
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (chart, urls, changes) = (chart.clone(), urls.clone(), changes.clone());
                Suspend::new(async move {
                    let may_list = user.await.ok().flatten().is_some_and(|u| {
                        u.role.allows(crate::features::auth::types::Role::Analyst)
                    });
                    let drill = if may_list {
                        crate::islands::chart::ChartDrill::Columns(urls)
                    } else {
                        crate::islands::chart::ChartDrill::None
                    };
                    view! {
                        <ChartPanel id="acquisition-chart" range=chart_range title="New and returning customers per month"
                            empty_message="No identified customers bought in this range." chart drill
                            click_hint=if may_list { "Click a month to list its new customers." } else { "" }>
                            <p class="muted small" title="Change of new customers vs the month before">{format!("New customers month on month: {changes}")}</p>
                        </ChartPanel>
                    }
                })
            }}
        </Suspense>
    }
}

/// A table of customer groups; a group's button opens its customers (analysts and admins; a
/// viewer is told it takes the analyst role).
#[component]
fn GroupTable(
    #[prop(into)] title: String,
    kind: GroupKind,
    rows: Vec<CustomerGroup>,
    currency: String,
    links: Links,
) -> impl IntoView {
    let empty = rows.iter().all(|g| g.customers == 0);
    let label = title.clone();
    view! {
        <section class="panel" aria-label=label>
            <h2 class="panel-title">{format!("{title} ({currency})")}</h2>
            {if empty {
                view! { <p class="muted">"No identified customers bought in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" tabindex="0"><table class="table">
                        <thead><tr><th></th><th class="num">"Customers"</th><th class="num">"Share"</th><th class="num">"Net revenue"</th><th class="num">"Share of revenue"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|g| {
                                let url = links.group(format!("{}:{}", kind.key(), g.key));
                                view! {
                                    <tr>
                                        <td><button type="button" class="link" disabled=links.embedded title="Show these customers"
                                            data-navigate=url>{g.label}</button></td>
                                        <td class="num">{count(g.customers)}</td>
                                        <td class="num">{g.customer_share.map(percent).unwrap_or_else(|| "—".into())}</td>
                                        <td class="num">{money(g.net_revenue, &currency)}</td>
                                        <td class="num">{g.revenue_share.map(percent).unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}

/// The background of a heat-map cell: `rgb` at opacity `alpha`.
fn heat(rgb: &str, alpha: f64) -> String {
    format!("rgba({rgb}, {alpha:.2})")
}

/// The switch between a panel's two measures: radios that style/main.css draws as a segmented
/// control and that choose, with no script, which figures and colours the panel (`.measures`)
/// shows (`.measure-a`/`.measure-b`, `--measure-a`/`--measure-b` of `.measured` cells).
#[component]
fn MeasureSwitch(
    label: &'static str,
    name: &'static str,
    first: &'static str,
    second: &'static str,
) -> impl IntoView {
    view! {
        <div class="segmented" role="radiogroup" aria-label=label>
            <label><input type="radio" name=name value="a" checked=true/>{first}</label>
            <label><input type="radio" name=name value="b"/>{second}</label>
        </div>
    }
}

/// The R × F grid (coloured by customers or revenue) and the segment table.
#[component]
fn RfmPanel(data: Ranged<Rfm>, links: Links) -> impl IntoView {
    let grid = data.rows.grid.clone();
    let max_customers = grid.iter().map(|c| c.customers).max().unwrap_or(0).max(1) as f64;
    let max_revenue = grid
        .iter()
        .map(|c| c.net_revenue.to_f64().unwrap_or(0.0))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let cur = data.currency.clone();
    let segments = data.rows.segments.clone();
    let cur2 = cur.clone();
    view! {
        <section class="panel measures" aria-label="RFM segments">
            <div class="panel-head">
                <h2 class="panel-title">{format!("RFM segments (as of {})", data.range.to.format("%-d %b %Y"))}</h2>
                <MeasureSwitch label="Colour the grid by" name="rfm-measure" first="Customers" second="Revenue"/>
            </div>
            <p class="muted small">"Recency (R: 5 = bought most recently) and frequency (F: 5 = most orders) are scored 1–5 by quintile of the range's customers; each cell is named by the common RFM map."</p>
            <div class="rfm-layout">
                <div class="table-scroll" tabindex="0">
                <table class="rfm-grid" aria-label="R by F grid">
                    <thead><tr><th>"R \\ F"</th>{(1..=5).map(|f| view! { <th>{f}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {(0..5).map(|row| {
                            let r = 5 - row as u8;
                            let cells: Vec<_> = grid.iter().filter(|c| c.r == r).cloned().collect();
                            let cur = cur.clone();
                            view! {
                                <tr>
                                    <th>{r}</th>
                                    {cells.into_iter().map(|c| {
                                        let customers = c.customers;
                                        let revenue = c.net_revenue;
                                        // At most 70% of the accent: the text stays readable
                                        // (contrast ≥ 4.5:1) in both themes.
                                        let colour = |weight: f64| heat("59, 91, 219", 0.08 + 0.62 * weight);
                                        let style = format!(
                                            "--measure-a: {}; --measure-b: {}",
                                            colour(customers as f64 / max_customers),
                                            colour(revenue.to_f64().unwrap_or(0.0).max(0.0) / max_revenue),
                                        );
                                        let title = format!("{} · R{} F{} · {} customers · {}", c.segment, c.r, c.f, count(customers), money(revenue, &cur));
                                        view! {
                                            <td class="measured" title=title style=style>
                                                <span class="rfm-name">{c.segment.clone()}</span>
                                                <span class="rfm-value measure-a">{count(customers)}</span>
                                                <span class="rfm-value measure-b">{money(revenue, &cur)}</span>
                                            </td>
                                        }
                                    }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
                <div class="table-scroll" tabindex="0"><table class="table" aria-label="Segments">
                    <thead><tr>
                        <th>"Segment"</th><th class="num">"Customers"</th><th class="num">"Net revenue"</th><th class="num">"Share"</th>
                        <th class="num" title="Average days since the last order">"Avg recency"</th><th class="num" title="Average orders in the range">"Avg orders"</th>
                        <th class="num" title="Net revenue per customer of the segment in the range (its lifetime value within the range)">"Value per customer"</th>
                    </tr></thead>
                    <tbody>
                        {segments.into_iter().map(|s| {
                            let url = links.group(format!("segment:{}", s.key));
                            view! {
                                <tr>
                                    <td><button type="button" class="link" disabled=links.embedded title=s.description.clone()
                                        data-navigate=url>{s.label}</button></td>
                                    <td class="num">{count(s.customers)}</td>
                                    <td class="num">{money(s.net_revenue, &cur2)}</td>
                                    <td class="num">{s.revenue_share.map(percent).unwrap_or_else(|| "—".into())}</td>
                                    <td class="num">{s.avg_recency_days.map(|v| format!("{v:.0} d")).unwrap_or_else(|| "—".into())}</td>
                                    <td class="num">{s.avg_frequency.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())}</td>
                                    <td class="num">{s.avg_monetary.map(|v| money(v, &cur2)).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
            </div>
        </section>
    }
}

/// The customers of the group chosen above (analysts and admins), paged, with a CSV export. Its
/// sort and page are in the URL; the buttons and the select open the next URL (public/nav.js),
/// and the list is brought into view when a group opens (`data-reveal`), not when it only pages
/// or sorts.
#[component]
fn DrillDown(
    page: Resource<Option<Result<CustomerPage, AppError>>, crate::codec::Page>,
    sort: CustomerSort,
    query_string: String,
    links: Links,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || page.get().flatten().map(|result| {
                let close = links.close();
                match result {
                    Err(AppError::Forbidden) => view! {
                        <section class="panel" aria-label="Customers in the group" data-reveal="forbidden">
                            <p class="muted">"Listing customers takes the analyst role."</p>
                            <button type="button" class="button ghost small" data-navigate=close>"Close"</button>
                        </section>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err=err/> }.into_any(),
                    Ok(p) => {
                        let sort_param = if sort == CustomerSort::default() {
                            String::new()
                        } else {
                            format!("&sort={}", sort_key(sort))
                        };
                        let export = format!(
                            "/api/v1/customers/segment/{}/{}?format=csv{sort_param}&{query_string}",
                            p.kind.key(),
                            url_escape(&p.id)
                        );
                        let shown_to = (p.offset + p.rows.len() as i64).min(p.total);
                        let rows: Vec<Vec<Cell>> = p.rows.iter().map(|c| vec![
                            Cell::text(c.name.clone().unwrap_or_else(|| c.customer.clone()))
                                .with_title(format!("Customer {}", c.customer))
                                .with_link(format!("/customers/{}?{query_string}", c.customer_id)),
                            Cell::text(c.country.clone().unwrap_or_default()),
                            Cell::date(c.first_order),
                            Cell::date(c.last_order),
                            count_cell(c.orders),
                            Cell::number(money(c.net_revenue, ""), c.net_revenue.to_f64()),
                            count_cell(c.recency_days),
                            Cell::text(format!("{}{}{}", c.r, c.f, c.m)),
                            Cell::text(c.segment.clone()),
                            Cell::text(c.cluster.map(|k| k.to_string()).unwrap_or_default()),
                        ]).collect();
                        // Pages from 1 in the URL, left out at the first.
                        let page_number = p.offset / PAGE_SIZE + 1;
                        let page_url = |n: i64| {
                            links.with(vec![(PAGE_KEY, if n > 1 { vec![n.to_string()] } else { vec![] })])
                        };
                        let (previous, next) = (page_url(page_number - 1), page_url(page_number + 1));
                        let has_prev = p.offset > 0;
                        let has_next = shown_to < p.total;
                        let options = SORTS.iter().map(|(s, key, label)| {
                            let url = links.with(vec![
                                (PAGE_KEY, vec![]),
                                (SORT_KEY, if *s == CustomerSort::default() { vec![] } else { vec![key.to_string()] }),
                            ]);
                            view! { <option value={*key} selected={*s == sort} data-navigate=url>{*label}</option> }
                        }).collect_view();
                        view! {
                            <section id="customer-list" class="panel drill-down" aria-label="Customers in the group"
                                data-reveal=format!("{}:{}", p.kind.key(), p.id)>
                                <div class="panel-head">
                                    <h2 class="panel-title">{format!("{} · {} customers", p.label, count(p.total))}</h2>
                                    <div class="actions">
                                        <ExportLink href=export/>
                                        <button type="button" class="button ghost small" data-navigate=close>"Close"</button>
                                    </div>
                                </div>
                                <label class="muted small">"Sort by "
                                    <select aria-label="Sort customers by" data-navigate="">{options}</select>
                                </label>
                                <SortableTable columns=vec![
                                    Column::text("Customer"), Column::text("Country"), Column::text("First order"), Column::text("Last order"),
                                    Column::number("Orders"), Column::number("Net revenue"), Column::number("Recency (days)"),
                                    Column::text("RFM").help("Recency, frequency and monetary scores, 1–5"), Column::text("Segment"), Column::text("Cluster"),
                                ] rows/>
                                <div class="pager">
                                    <span class="muted small">{format!("{}–{} of {}", if p.total == 0 { 0 } else { p.offset + 1 }, shown_to, count(p.total))}</span>
                                    <button type="button" class="button ghost small" disabled=!has_prev data-navigate=previous>"Previous"</button>
                                    <button type="button" class="button ghost small" disabled=!has_next data-navigate=next>"Next"</button>
                                </div>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Clusters: their labels and centroids, a scatter of customers, and the cross-table with segments.
#[component]
fn ClustersPanel(data: Ranged<Clustering>, links: Links) -> impl IntoView {
    let chart_range = data.range;
    let c = data.rows.clone();
    let cur = data.currency.clone();
    let chart = ScatterChart {
        x_name: "Days since last order".into(),
        y_name: format!("Net revenue ({cur})"),
        groups: c
            .clusters
            .iter()
            .map(|k| {
                (
                    // Named by number: the table above names each one beside its colour, and
                    // five long names wrapped the legend over the x axis.
                    format!("Cluster {}", k.id),
                    CLUSTER_COLORS[k.id % CLUSTER_COLORS.len()].to_string(),
                    c.points
                        .iter()
                        .filter(|p| p.cluster == k.id)
                        .map(|p| [p.recency_days, p.net_revenue])
                        .collect(),
                )
            })
            .collect(),
        curves: Vec::new(),
        file_name: format!("clusters-{}-{}", data.range.from, data.range.to),
    };
    let how = if c.automatic {
        format!("k = {} chosen by silhouette", c.k)
    } else {
        format!("k = {} (setting STOREPULSE_CLUSTERS)", c.k)
    };
    let subtitle = format!(
        "k-means on standardised orders, average order value, tenure and recency; {how}{}",
        c.silhouette
            .map(|s| format!(", silhouette {s:.2}"))
            .unwrap_or_default()
    );
    let segments: Vec<String> = {
        let mut s: Vec<String> = c.by_segment.iter().map(|x| x.segment.clone()).collect();
        s.sort();
        s.dedup();
        s
    };
    let clusters = c.clusters.clone();
    let cross = c.by_segment.clone();
    view! {
        <section class="panel" aria-label="Clusters">
            <h2 class="panel-title">"Behaviour clusters"</h2>
            <p class="muted small">{subtitle}</p>
            {c.note.clone().map(|n| view! { <p class="muted">{n}</p> })}
            <div class="table-scroll" tabindex="0"><table class="table">
                <thead><tr><th>"Cluster"</th><th class="num">"Customers"</th><th class="num">"Net revenue"</th>
                    <th class="num">"Orders"</th><th class="num">"AOV"</th><th class="num">"Tenure (days)"</th><th class="num">"Recency (days)"</th></tr></thead>
                <tbody>
                    {clusters.into_iter().map(|k| {
                        let id = k.id;
                        let url = links.group(format!("cluster:{id}"));
                        view! {
                            <tr>
                                <td><div class="swatched"><span class="swatch" style=format!("background: {}", CLUSTER_COLORS[id % CLUSTER_COLORS.len()])></span>
                                    <button type="button" class="link" disabled=links.embedded data-navigate=url>
                                        {format!("{id} · {}", k.label)}</button></div></td>
                                <td class="num">{count(k.customers)}</td>
                                <td class="num">{money(k.net_revenue, &cur)}</td>
                                <td class="num">{format!("{:.2}", k.orders)}</td>
                                <td class="num">{format!("{:.2}", k.aov)}</td>
                                <td class="num">{format!("{:.0}", k.tenure_days)}</td>
                                <td class="num">{format!("{:.0}", k.recency_days)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        </section>
        <div class="two-columns">
            <ChartPanel id="cluster-chart" range=chart_range title="Customers by cluster (sample)" empty_message="No clusters in this range." chart/>
            <section class="panel" aria-label="Clusters by segment">
                <h2 class="panel-title">"Clusters × RFM segments (customers)"</h2>
                <div class="table-scroll" tabindex="0">
                    <table class="table compact">
                        <thead><tr><th>"Segment"</th>{c.clusters.iter().map(|k| view! { <th class="num">{k.id}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {segments.into_iter().map(|s| view! {
                                <tr>
                                    <td>{s.clone()}</td>
                                    {c.clusters.iter().map(|k| {
                                        let n = cross.iter().find(|x| x.cluster == k.id && x.segment == s).map(|x| x.customers).unwrap_or(0);
                                        view! { <td class="num">{if n == 0 { "·".to_string() } else { count(n) }}</td> }
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        </div>
    }
}

/// Retention heatmap (first-order month × months since), with a switch to revenue per customer,
/// and lifetime value per cohort.
#[component]
fn CohortsPanel(data: CustomersCohorts, links: Links) -> impl IntoView {
    let cells = data.cells.clone();
    let max_months = cells.iter().map(|c| c.months_since).max().unwrap_or(0);
    let sizes = data.cohorts.clone();
    let cur = data.currency.clone();
    let max_revenue = cells
        .iter()
        .filter_map(|c| c.revenue_per_customer.and_then(|v| v.to_f64()))
        .fold(0.0_f64, f64::max)
        .max(0.01);
    let empty = sizes.is_empty();
    let cell_view = |cell: Option<CohortCell>, cur: &str| {
        let Some(cell) = cell else {
            return view! { <td></td> }.into_any();
        };
        let url = links.group(format!(
            "cohort:{}+{}",
            cell.cohort.format("%Y-%m"),
            cell.months_since
        ));
        let retention = cell.retention;
        let rpc = cell.revenue_per_customer;
        let colour = |weight: f64| heat("12, 166, 120", 0.06 + 0.54 * weight);
        let style = format!(
            "--measure-a: {}; --measure-b: {}",
            colour(retention.and_then(|v| v.to_f64()).unwrap_or(0.0)),
            colour(rpc.and_then(|v| v.to_f64()).unwrap_or(0.0).max(0.0) / max_revenue),
        );
        view! {
            <td class="num heat clickable measured" style=style>
                <button type="button" class="heat-link" data-navigate=url
                    title=format!("{} customers: click to list them", count(cell.customers))>
                    <span class="measure-a">{retention.map(percent).unwrap_or_default()}</span>
                    <span class="measure-b">{rpc.map(|v| money(v, cur)).unwrap_or_default()}</span>
                </button>
            </td>
        }
        .into_any()
    };
    view! {
        <section class="panel measures" aria-label="Cohorts">
            <div class="panel-head">
                <h2 class="panel-title">"Cohorts: retention by month of first order"</h2>
                <MeasureSwitch label="Cohort measure" name="cohort-measure" first="Customers retained" second="Revenue per customer"/>
            </div>
            {if empty {
                view! { <p class="muted">"No customer placed a first order in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" tabindex="0">
                        <table class="table compact cohort-table">
                            <thead><tr>
                                <th>"First order"</th><th class="num">"Customers"</th>
                                <th class="num" title="Net revenue per customer of the cohort up to the range end">"Lifetime value"</th>
                                {(0..=max_months).map(|m| view! { <th class="num">{format!("+{m}")}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {sizes.into_iter().map(|s| {
                                    let row: Vec<Option<CohortCell>> = (0..=max_months)
                                        .map(|m| cells.iter().find(|c| c.cohort == s.cohort && c.months_since == m).cloned())
                                        .collect();
                                    let url = links.group(format!("cohort:{}", s.cohort.format("%Y-%m")));
                                    view! {
                                        <tr>
                                            <td><button type="button" class="link" disabled=links.embedded title="Show these customers"
                                                data-navigate=url>{s.cohort.format("%b %Y").to_string()}</button></td>
                                            <td class="num">{count(s.customers)}</td>
                                            <td class="num">{s.lifetime_value.map(|v| money(v, &cur)).unwrap_or_else(|| "—".into())}</td>
                                            {row.into_iter().map(|c| cell_view(c, &cur)).collect_view()}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <p class="muted small">"+0 is the month of the first order; later columns: share of the cohort who bought again that month (or its net revenue per original customer). Cohorts and acquisition count every channel and country."</p>
                }.into_any()
            }}
        </section>
    }
}
