//! Record pages, analysts and admins only (they name people). A customer's (`/customers/{id}`):
//! who they are, their lifetime figures, where they stand in the range of the filter bar (RFM
//! scores, segment, cluster) and stood in the periods before it, and their latest orders with every line; reached from the customer
//! lists and the search. An order's (`/orders/{id}`): the order, its lines and its customer.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::format::{self, count, money};
use crate::components::{filter_from_query, AppShell, KpiCard, Section};
use crate::features::customers::api::{
    get_customer_history, get_customer_record, get_order_record,
};
use crate::features::customers::types::{
    CustomerHistory, CustomerOrder, CustomerRecord, OrderRecord,
};

/// How a day is written on every page.
const DAY: &str = "%-d %b %Y";

#[component]
pub fn CustomerRecordPage() -> impl IntoView {
    view! {
        <Title text="Customer · StorePulse"/>
        <AppShell>
            <CustomerRecordParts/>
        </AppShell>
    }
}

/// The page's parts, created only when its filter is accepted (`AppShell` shows the refusal
/// instead, and then no part is asked for).
#[component]
fn CustomerRecordParts() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    // The customer's number from the address, or what is wrong with it.
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| {
                crate::error::AppError::NotFound(
                    "a customer: the address has no customer number".into(),
                )
            })
    });
    let record = crate::codec::resource(
        move || (filter.get(), id.get()),
        |(filter, id)| async move { get_customer_record(filter, id?).await },
    );
    // The history loads by itself (a pass over each earlier window's customers): the record
    // shows first.
    let history = crate::codec::resource(
        move || (filter.get(), id.get()),
        |(filter, id)| async move { get_customer_history(filter, id?).await },
    );
    view! {
        <Section what="the customer" resource=record view=move |data| view! { <Record data history/> }/>
    }
}

#[component]
pub fn OrderRecordPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|v| v.parse::<i64>().ok()));
    let record = crate::codec::resource(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_order_record(id).await,
                None => Err(crate::error::AppError::NotFound(
                    "an order: the address has no order number".into(),
                )),
            }
        },
    );
    view! {
        <Title text="Order · StorePulse"/>
        <AppShell no_dates=true>
            <Section what="the order" resource=record view=|data| view! { <OrderView data/> }/>
        </AppShell>
    }
}

#[component]
fn OrderView(data: OrderRecord) -> impl IntoView {
    let o = data.order.clone();
    let who = match (data.customer_id, data.customer.clone()) {
        (Some(id), Some(name)) => {
            view! { <a href=format!("/customers/{id}")>{name}</a> }.into_any()
        }
        _ => view! { <span>"a guest (no customer account)"</span> }.into_any(),
    };
    let when = format!(
        "{} {}",
        o.ordered_at.format("%-d %b %Y %H:%M"),
        data.timezone
    );
    let lines = o.lines.len();
    view! {
        <Title text=format!("Order {} · StorePulse", o.number)/>
        <div class="page-head record-head">
            <p class="muted small"><a href="/sales">"Sales"</a>" › Order"</p>
            <h1>{format!("Order {}", o.number)}</h1>
            <p class="muted">{format!("{when} · {} · {} · from {} · by ", o.channel, o.country, data.source)}{who}</p>
        </div>
        <section class="kpi-grid" aria-label="Order figures">
            <KpiCard label="Status" value=o.status.clone()/>
            <KpiCard label="Gross revenue" value=money(o.gross_revenue, &data.currency) help="Sales-line values"/>
            <KpiCard label="Returns" value=money(o.returns, &data.currency) help="Returned lines, or every line of a cancelled order"/>
            <KpiCard label="Net revenue" value=money(o.net_revenue, &data.currency) help="Gross revenue − returns"/>
            <KpiCard label="Lines" value=count(lines as i64)/>
        </section>
        <section class="panel" aria-label="Lines">
            <h2 class="panel-title">"Lines"</h2>
            <Lines order=o/>
        </section>
    }
}

#[component]
fn Record(
    data: CustomerRecord,
    history: Resource<Result<CustomerHistory, crate::error::AppError>, crate::codec::Page>,
) -> impl IntoView {
    let cur = data.currency.clone();
    let l = data.lifetime.clone();
    let day = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format(DAY).to_string())
            .unwrap_or_else(|| "—".into())
    };
    let title = data
        .name
        .clone()
        .unwrap_or_else(|| format!("Customer {}", data.external_id));
    let about: Vec<String> = [
        data.email.clone(),
        match (&data.city, &data.country) {
            (Some(city), Some(country)) => Some(format!("{city}, {country}")),
            (None, Some(country)) => Some(country.clone()),
            (Some(city), None) => Some(city.clone()),
            (None, None) => None,
        },
        Some(format!("id {} in {}", data.external_id, data.source)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let range_text = format!(
        "{} – {}",
        data.range.from.format(DAY),
        data.range.to.format(DAY)
    );
    let standing = match data.standing.clone() {
        Some(s) => view! {
            <p class="standing">
                <span class="tag">{s.segment.clone()}</span>
                {format!(
                    " RFM {}{}{} · {} orders · {} net · last order {} days before the range end{}",
                    s.r, s.f, s.m, count(s.orders), money(s.net_revenue, &cur), count(s.recency_days),
                    s.cluster.map(|k| format!(" · cluster {k}")).unwrap_or_default()
                )}
            </p>
        }
        .into_any(),
        None => view! { <p class="muted">"No purchase in this range: no RFM scores, segment or cluster."</p> }
            .into_any(),
    };
    let shown = data.orders.len() as i64;
    let orders_title = if shown < data.order_count {
        format!(
            "Orders · the latest {} of {}",
            count(shown),
            count(data.order_count)
        )
    } else {
        format!("Orders · {}", count(data.order_count))
    };
    let zone = data.timezone.clone();
    let orders = data
        .orders
        .into_iter()
        .map(|o| view! { <Order order=o currency=cur.clone() zone=zone.clone()/> })
        .collect_view();
    view! {
        <Title text=format!("{title} · StorePulse")/>
        <div class="page-head record-head">
            <p class="muted small"><a href="/customers">"Customer Insights"</a>" › Customer"</p>
            <h1>{title}</h1>
            <p class="muted">{about.join(" · ")}</p>
        </div>
        <section class="kpi-grid" aria-label="Lifetime figures">
            <KpiCard label="Orders" value=count(l.orders) help="Distinct orders with a sales line, all time"/>
            <KpiCard label="Net revenue" value=money(l.net_revenue, &data.currency) help="Sales − returns, all time"/>
            <KpiCard label="Gross revenue" value=money(l.gross_revenue, &data.currency) help="Sales-line values, all time"/>
            <KpiCard label="Returns" value=money(l.returns, &data.currency) help="Returned lines and cancelled orders, all time"/>
            <KpiCard label="Average order value" value=l.average_order_value.map(|v| money(v, &data.currency)).unwrap_or_else(|| "—".into())
                help="Gross revenue / orders"/>
            <KpiCard label="Units" value=count(l.units) help="Units sold, all time"/>
            <KpiCard label="First order" value=day(l.first_order) help="Local day of the first order with a sales line"/>
            <KpiCard label="Last order" value=day(l.last_order) help="Local day of the latest order with a sales line"/>
        </section>
        <section class="panel" aria-label="Standing in the range">
            <h2 class="panel-title">{format!("In {range_text}")}</h2>
            {standing}
        </section>
        <Section what="the segment history" resource=history view=|data| view! { <History data/> }/>
        <section class="panel orders" aria-label="Orders">
            <h2 class="panel-title">{orders_title}</h2>
            <p class="muted small">{format!("Times in the store's time zone ({}). Open an order for its lines.", data.timezone)}</p>
            {orders}
        </section>
    }
}

/// The customer's segment, scores and cluster in the range and the windows of its length before it,
/// latest first; each window opens the record at that window.
#[component]
fn History(data: CustomerHistory) -> impl IntoView {
    let id = data.customer_id;
    let rows = data
        .periods
        .into_iter()
        .map(|p| {
            let window = format!(
                "{} – {}",
                format::day(p.range.from),
                format::day(p.range.to)
            );
            let href = format!("/customers/{id}?from={}&to={}", p.range.from, p.range.to);
            let figures = match p.standing {
                Some(s) => view! {
                    <td><span class="tag">{s.segment}</span></td>
                    <td class="num">{format!("{}{}{}", s.r, s.f, s.m)}</td>
                    <td class="cluster">{match (s.cluster, s.cluster_label) {
                        (Some(k), Some(label)) => format!("{k} · {label}"),
                        _ => "—".to_string(),
                    }}</td>
                    <td class="num">{count(s.orders)}</td>
                    <td class="num">{money(s.net_revenue, &data.currency)}</td>
                }
                .into_any(),
                None => view! {
                    <td class="muted">"No purchase"</td><td class="num">"—"</td><td>"—"</td>
                    <td class="num">"0"</td><td class="num">"—"</td>
                }
                .into_any(),
            };
            view! {
                <tr>
                    <th scope="row"><a href=href>{window}</a></th>
                    {figures}
                    <td class="num">{count(p.buying_customers)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-label="Segment history">
            <h2 class="panel-title">"Segment history"</h2>
            <p class="muted small">"The range and the periods of its length before it: the customer's RFM segment and scores (recency, frequency, money, 1–5 each) among the customers who bought in each, and the range's behaviour cluster (as numbered in its clusters panel) nearest to how they bought then."</p>
            <div class="table-scroll" tabindex="0">
                <table class="table history">
                    <thead><tr>
                        <th scope="col">"Period"</th><th scope="col">"Segment"</th><th scope="col" class="num">"RFM"</th><th scope="col">"Cluster"</th>
                        <th scope="col" class="num">"Orders"</th><th scope="col" class="num">"Net revenue"</th>
                        <th scope="col" class="num">"Customers who bought"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// One order: a summary line that opens to its lines.
#[component]
fn Order(order: CustomerOrder, currency: String, zone: String) -> impl IntoView {
    let when = format!("{} {}", order.ordered_at.format("%-d %b %Y %H:%M"), zone);
    let sums = format!(
        "{} net{}",
        money(order.net_revenue, &currency),
        if order.returns.is_zero() {
            String::new()
        } else {
            format!(" ({} returned)", money(order.returns, &currency))
        }
    );
    view! {
        <details class="order">
            // No link inside the summary (a control inside a control): the order's own page is
            // linked from the opened order.
            <summary>
                <strong class="order-number">{format!("Order {}", order.number)}</strong>
                <span class="muted">{when}</span>
                <span class=format!("tag status-{}", order.status)>{order.status.clone()}</span>
                <span class="muted">{format!("{} · {}", order.channel, order.country)}</span>
                <span class="order-sum">{sums}</span>
            </summary>
            <p class="small"><a class="order-link" href=format!("/orders/{}", order.order_id)>{format!("Open order {}", order.number)}</a></p>
            <Lines order/>
        </details>
    }
}

/// An order's lines: product, quantity, price, value and kind (returns and adjustments marked).
#[component]
fn Lines(order: CustomerOrder) -> impl IntoView {
    let lines = order
        .lines
        .iter()
        .map(|l| {
            view! {
                <tr class=format!("kind-{}", l.kind)>
                    <td>{l.sku.clone()}</td>
                    <td>{l.product.clone()}</td>
                    <td class="num">{l.quantity}</td>
                    <td class="num">{money(l.unit_price, "")}</td>
                    <td class="num">{money(l.value, "")}</td>
                    <td>{l.kind.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
            // Focusable: a keyboard user can scroll it sideways on a phone.
            <div class="table-scroll" tabindex="0" role="region" aria-label="Lines">
                <table class="table">
                    <thead><tr>
                        <th scope="col">"SKU"</th><th scope="col">"Product"</th><th scope="col" class="num">"Quantity"</th>
                        <th scope="col" class="num">"Unit price"</th><th scope="col" class="num">"Value"</th><th scope="col">"Kind"</th>
                    </tr></thead>
                    <tbody>{lines}</tbody>
                </table>
            </div>
    }
}
