use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::components::format::{count, money};
use crate::components::table::{count_cell, money_cell, TablePanel};
use crate::components::{
    api_query, filter_from_query, navigate_with, ActiveRange, AppShell, CategoryChart, Cell,
    ChartPanel, Column, KpiCard, ScatterChart, SeriesData, SeriesKind, SortableTable,
};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
use crate::features::auth::types::Role;
use crate::features::inventory::api::{
    get_decisions, get_inventory_overview, get_pricing_overview, get_product_detail, get_signals,
    AcknowledgeSignal, DecidePrice, RecomputeSignals,
};
use crate::features::inventory::kpi;
use crate::features::inventory::types::*;

/// Bumped after every decision or acknowledgement: the page's resources and the header badge
/// refetch.
#[derive(Clone, Copy)]
pub struct SignalsChanged(pub RwSignal<u32>);

/// Resources of the page, created with it (not inside a suspense) so that server and browser
/// build the same ones.
#[derive(Clone, Copy)]
struct PageState {
    filter: Memo<DashboardFilter>,
    product: Memo<Option<i64>>,
    detail: Resource<Option<Result<ProductDetail, AppError>>>,
    pricing: Resource<Result<PricingOverview, AppError>>,
    decisions: Resource<Result<Vec<PricingDecision>, AppError>>,
    signals: Resource<Result<Vec<MarketSignal>, AppError>>,
    decide: ServerAction<DecidePrice>,
    acknowledge: ServerAction<AcknowledgeSignal>,
    recompute: ServerAction<RecomputeSignals>,
    may_decide: Signal<bool>,
}

#[component]
pub fn InventoryPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    let product = Memo::new(move |_| {
        query
            .read()
            .get("product")
            .and_then(|v| v.parse::<i64>().ok())
    });
    let changed = expect_context::<SignalsChanged>().0;
    let decide = ServerAction::<DecidePrice>::new();
    let acknowledge = ServerAction::<AcknowledgeSignal>::new();
    let recompute = ServerAction::<RecomputeSignals>::new();
    Effect::new(move |_| {
        let done = decide.version().get() + acknowledge.version().get() + recompute.version().get();
        if done > 0 {
            changed.update(|v| *v += 1);
        }
    });
    let version = move || changed.get();
    let overview = Resource::new(
        move || (filter.get(), version()),
        |(f, _)| get_inventory_overview(f),
    );
    let pricing = Resource::new(
        move || (filter.get(), version()),
        |(f, _)| get_pricing_overview(f),
    );
    // An embed shows the stock and pricing figures only: no product drill-down (it names the
    // analysts who decided), no decision log and no signals.
    let embedded = crate::features::embed::ui::embedded();
    let detail = Resource::new(
        move || (filter.get(), product.get(), version()),
        move |(f, p, _)| async move {
            match p {
                Some(id) if !embedded => Some(get_product_detail(f, id).await),
                _ => None,
            }
        },
    );
    let decisions = Resource::new(version, move |_| async move {
        if embedded {
            Ok(Vec::new())
        } else {
            get_decisions(None).await
        }
    });
    let signals = Resource::new(version, move |_| async move {
        if embedded {
            Ok(Vec::new())
        } else {
            get_signals(SignalFilter::default()).await
        }
    });
    let user = expect_context::<crate::app::UserResource>().0;
    let may_decide = Signal::derive(move || {
        user.get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| u.role.allows(Role::Analyst))
    });
    let active = expect_context::<ActiveRange>().0;
    Effect::new(move |_| {
        if let Some(Ok(data)) = overview.get() {
            active.set(Some(data.range));
        }
    });
    let state = PageState {
        filter,
        product,
        detail,
        pricing,
        decisions,
        signals,
        decide,
        acknowledge,
        recompute,
        may_decide,
    };
    view! {
        <Title text="Inventory & Pricing · StorePulse"/>
        <AppShell>
            <div class="page-head"><h1>"Inventory & Pricing"</h1></div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading stock and prices…"</p> }>
                {move || overview.get().map(|result| match result {
                    Ok(data) => view! { <InventoryBody data state/> }.into_any(),
                    Err(err) => view! { <div class="panel error-panel" role="alert"><p>{err.to_string()}</p></div> }.into_any(),
                })}
            </Transition>
        </AppShell>
    }
}

fn days(value: Option<f64>) -> String {
    value
        .map(|d| format!("{d:.0} d"))
        .unwrap_or_else(|| "—".into())
}

fn opt_money(value: Option<Decimal>, currency: &str) -> String {
    value
        .map(|v| money(v, currency))
        .unwrap_or_else(|| "—".into())
}

#[component]
fn InventoryBody(data: InventoryOverview, state: PageState) -> impl IntoView {
    use crate::features::embed::ui::embedded;
    let c = &data.cards;
    let cur = data.currency.clone();
    let export = format!(
        "/api/v1/products?{}&format=csv",
        api_query(data.range, &state.filter.get_untracked())
    );
    let untracked_note = (c.products_untracked > 0).then(|| {
        format!(
            "{} products have no stock figures (no snapshot or on-hand count) and are left out.",
            count(c.products_untracked)
        )
    });
    view! {
        <p class="muted as-of">
            {format!("Stock as of {}; sales {} – {}.", data.as_of, data.range.from, data.range.to)}
            {untracked_note.map(|n| format!(" {n}"))}
        </p>
        <section class="kpi-grid" aria-label="Stock figures">
            <KpiCard label="Stock value at cost" value=money(c.stock_value_cost, &cur)
                note=(c.products_without_cost > 0).then(|| format!("{} products without a cost count 0", c.products_without_cost))
                help="Σ on hand × unit cost"/>
            <KpiCard label="Stock value at retail" value=money(c.stock_value_retail, &cur) help="Σ on hand × current price"/>
            <KpiCard label="SKUs in stock" value=count(c.skus_in_stock)/>
            <KpiCard label="Low stock" value=count(c.skus_low) help="In stock, at or under the reorder point"/>
            <KpiCard label="Out of stock" value=count(c.skus_out)/>
            <KpiCard label="Days of cover" value=days(c.days_of_cover)
                help="Σ on hand / Σ average daily demand of the products that sell"/>
            <KpiCard label="Dead stock" value=money(c.dead_stock_value, &cur)
                note=Some(format!("at cost; no sale for {} days", data.settings.stock.dead_days))/>
            <KpiCard label="Overstock" value=money(c.overstock_value, &cur)
                note=Some(format!("at cost; units beyond {:.0} days of cover", data.settings.stock.overstock_days))/>
        </section>
        {(!embedded()).then(|| view! { <SignalsPanel state/> })}
        <ProductTable data=data.clone() export state/>
        {(!embedded()).then(|| view! { <ProductDrill state/> })}
        <div class="two-columns">
            <ChartPanel id="abc-pareto" title="ABC analysis: revenue by share of products"
                empty_message="No sales in this range." chart=abc_chart(&data)>
                <p class="muted chart-note">"A: products up to 80% of net revenue, B: to 95%, C: the rest."</p>
            </ChartPanel>
            <ChartPanel id="turnover-category" title="Turnover by category"
                empty_message="No stock or sales in this range." chart=turnover_chart(&data)/>
        </div>
        <PremiumTable data=data.clone() filter=state.filter.get_untracked()/>
        <PricingTable state range=data.range/>
        {(!embedded()).then(|| view! { <DecisionLog state currency=data.currency.clone()/> })}
    }
}

fn abc_chart(data: &InventoryOverview) -> CategoryChart {
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
    }
}

fn turnover_chart(data: &InventoryOverview) -> CategoryChart {
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
    }
}

#[component]
fn SignalsPanel(state: PageState) -> impl IntoView {
    let query = use_query_map();
    let acknowledge = state.acknowledge;
    let recompute = state.recompute;
    let error = move || {
        acknowledge
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
            .or_else(|| {
                recompute
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| e.to_string())
            })
    };
    view! {
        <section class="panel" aria-label="Market signals" id="signals">
            <div class="panel-head">
                <h2 class="panel-title">"Market signals"</h2>
                {move || state.may_decide.get().then(|| view! {
                    <button class="button ghost" type="button"
                        on:click=move |_| { recompute.dispatch(RecomputeSignals {}); }>
                        "Recompute now"
                    </button>
                })}
            </div>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || recompute.value().get().and_then(|r| r.ok()).map(|n| view! {
                <p class="muted" role="status">{format!("{n} new signals.")}</p>
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading signals…"</p> }>
                {move || state.signals.get().map(|result| match result {
                    Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No open signals: nothing needs a look."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="signal-list">
                            {list.into_iter().take(30).map(|s| {
                                let id = s.signal_id;
                                let product = s.product_id;
                                view! {
                                    <li class="signal" data-severity=s.severity.as_str()>
                                        <span class="severity">{s.severity.as_str()}</span>
                                        <span class="signal-kind">{s.kind.replace('_', " ")}</span>
                                        <span class="signal-message">{s.message.clone()}</span>
                                        <time class="muted">{s.created_at.format("%Y-%m-%d %H:%M").to_string()}</time>
                                        {product.map(|p| view! {
                                            <button class="button ghost small" type="button"
                                                on:click=move |_| navigate_with(query, vec![("product", vec![p.to_string()])])>
                                                "Open product"
                                            </button>
                                        })}
                                        {move || state.may_decide.get().then(|| view! {
                                            <button class="button small" type="button"
                                                on:click=move |_| { acknowledge.dispatch(AcknowledgeSignal { signal_id: id }); }>
                                                "Acknowledge"
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

fn status_label(s: StockStatus) -> &'static str {
    match s {
        StockStatus::Untracked => "not tracked",
        StockStatus::Ok => "ok",
        StockStatus::Reorder => "reorder",
        StockStatus::Out => "out",
        StockStatus::Overstock => "overstock",
        StockStatus::Dead => "dead",
    }
}

fn float_cell(value: Option<f64>, digits: usize) -> Cell {
    Cell::number(
        value
            .map(|v| format!("{v:.digits$}"))
            .unwrap_or_else(|| "—".into()),
        value,
    )
}

fn date_cell(day: Option<chrono::NaiveDate>) -> Cell {
    match day {
        Some(d) => Cell::text(d.to_string()),
        None => Cell::text("—"),
    }
}

#[component]
fn ProductTable(data: InventoryOverview, export: String, state: PageState) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let products = data.products.clone();
    let cur = data.currency.clone();
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
                    Cell::text(p.sku.clone()),
                    Cell::text(p.name.clone()).with_title(format!("product {}", p.product_id)),
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
            Column::text("SKU"),
            Column::text("Product"),
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
                            navigate_with(query, vec![("product", if v.is_empty() { vec![] } else { vec![v] })]);
                        }
                        prop:value=move || state.product.get().map(|p| p.to_string()).unwrap_or_default()>
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
                    view! { <div class="scroll-x"><SortableTable columns=columns() rows/></div> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn ProductDrill(state: PageState) -> impl IntoView {
    view! {
        <div id="product">
            <Transition fallback=|| view! { <p class="loading">"Loading the product…"</p> }>
                {move || state.detail.get().map(|d| match d {
                    None => view! {
                        <section class="panel"><p class="muted">"Choose a product above (or open one from a signal) to see its stock, demand curve, competitors and price recommendation."</p></section>
                    }.into_any(),
                    Some(Err(err)) => view! { <div class="panel error-panel" role="alert"><p>{err.to_string()}</p></div> }.into_any(),
                    Some(Ok(detail)) => view! { <ProductDetailView detail state/> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

fn stock_chart(d: &ProductDetail) -> CategoryChart {
    CategoryChart {
        x_labels: d.stock_history.iter().map(|s| s.day.to_string()).collect(),
        x_name: "Day".into(),
        y_name: "Units".into(),
        series: vec![
            SeriesData {
                name: "On hand (closing)".into(),
                kind: SeriesKind::Line,
                color: "#3b5bdb",
                values: d
                    .stock_history
                    .iter()
                    .map(|s| s.on_hand.unwrap_or(0) as f64)
                    .collect(),
                stack: None,
                dashed: false,
            },
            SeriesData {
                name: "Units sold".into(),
                kind: SeriesKind::Bar,
                color: "#0ca678",
                values: d
                    .stock_history
                    .iter()
                    .map(|s| s.units_sold as f64)
                    .collect(),
                stack: None,
                dashed: false,
            },
        ],
        file_name: format!("stock-{}", d.stock.sku),
    }
}

fn demand_chart(d: &ProductDetail) -> ScatterChart {
    let used: Vec<[f64; 2]> = d
        .weeks
        .iter()
        .filter(|w| !w.stockout)
        .map(|w| [(w.price * 100.0).round() / 100.0, w.units as f64])
        .collect();
    let out: Vec<[f64; 2]> = d
        .weeks
        .iter()
        .filter(|w| w.stockout)
        .map(|w| [(w.price * 100.0).round() / 100.0, w.units as f64])
        .collect();
    let e = &d.pricing.elasticity;
    let mut groups = vec![
        ("Weeks in the fit".to_string(), "#3b5bdb", used.clone()),
        (
            "Weeks with a stock-out (left out)".to_string(),
            "#adb5bd",
            out,
        ),
    ];
    if let (Some(slope), Some(intercept)) = (e.estimate, e.intercept) {
        let (lo, hi) = used.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p[0]), hi.max(p[0]))
        });
        if lo < hi {
            let curve = (0..=40)
                .map(|i| {
                    let p = lo + (hi - lo) * i as f64 / 40.0;
                    [
                        (p * 100.0).round() / 100.0,
                        (intercept + slope * p.ln()).exp().round(),
                    ]
                })
                .collect();
            groups.push((
                format!("Fitted: units ∝ price^{slope:.2}"),
                "#e8590c",
                curve,
            ));
        }
    }
    ScatterChart {
        x_name: format!("Average weekly price ({})", d.currency),
        y_name: "Units a week".into(),
        groups,
        file_name: format!("demand-{}", d.stock.sku),
    }
}

fn competitor_chart(d: &ProductDetail) -> CategoryChart {
    let mut days: Vec<String> = d
        .competitor_history
        .iter()
        .map(|o| o.observed_at.date_naive().to_string())
        .collect();
    days.sort();
    days.dedup();
    let mut names: Vec<&str> = d
        .competitor_history
        .iter()
        .map(|o| o.competitor.as_str())
        .collect();
    names.sort();
    names.dedup();
    const COLORS: [&str; 5] = ["#e8590c", "#ae3ec9", "#1098ad", "#f59f00", "#868e96"];
    let series = names
        .iter()
        .enumerate()
        .map(|(i, name)| SeriesData {
            name: format!("{name} (with shipping)"),
            kind: SeriesKind::Line,
            color: COLORS[i % COLORS.len()],
            values: days
                .iter()
                .map(|day| {
                    d.competitor_history
                        .iter()
                        .find(|o| {
                            o.competitor == *name && o.observed_at.date_naive().to_string() == *day
                        })
                        .and_then(|o| (o.price + o.shipping).to_f64())
                        .unwrap_or(f64::NAN)
                })
                .collect(),
            stack: None,
            dashed: false,
        })
        .chain(
            d.pricing
                .recommendation
                .current_price
                .to_f64()
                .map(|ours| SeriesData {
                    name: "Our current price".into(),
                    kind: SeriesKind::Line,
                    color: "#3b5bdb",
                    values: vec![ours; days.len()],
                    stack: None,
                    dashed: true,
                }),
        )
        .collect::<Vec<_>>();
    CategoryChart {
        x_labels: days,
        x_name: "Observed".into(),
        y_name: format!("Price ({})", d.currency),
        series: if d.competitor_history.is_empty() {
            Vec::new()
        } else {
            series
        },
        file_name: format!("competitors-{}", d.stock.sku),
    }
}

#[component]
fn ProductDetailView(detail: ProductDetail, state: PageState) -> impl IntoView {
    let cur = detail.currency.clone();
    let s = detail.stock.clone();
    let p = detail.pricing.clone();
    let e = p.elasticity.clone();
    let title = format!("{} · {}", s.sku, s.name);
    let elasticity_text = match (e.estimate, e.std_error) {
        (Some(est), Some(se)) => format!(
            "{est:.2} ± {se:.2} over {} weeks (price range {:.0}%){}",
            e.weeks,
            e.price_range.unwrap_or_default() * 100.0,
            if e.supported { "" } else { " — not used" }
        ),
        _ => format!("not estimated ({} weeks with sales)", e.weeks),
    };
    let position = &p.position;
    let position_text = if position.competitors == 0 {
        "No in-stock competitor observation in the last 30 days.".to_string()
    } else {
        format!(
            "Cheapest {} ({}), average {}, our rank {} of {}, price index {}.",
            opt_money(position.cheapest, &cur),
            position.cheapest_name.clone().unwrap_or_default(),
            opt_money(position.average, &cur),
            position.rank.unwrap_or_default(),
            position.competitors + 1,
            position
                .price_index
                .map(|i| i.to_string())
                .unwrap_or_else(|| "—".into())
        )
    };
    let decisions = detail.decisions.clone();
    view! {
        <section class="panel product-detail" aria-label="Product detail">
            <div class="panel-head">
                <h2 class="panel-title">{title}</h2>
                <span class="status-badge" data-status=s.status.as_str()>{status_label(s.status)}</span>
            </div>
            <dl class="facts">
                <dt>"On hand"</dt><dd>{s.on_hand.map(count).unwrap_or_else(|| "not tracked".into())}</dd>
                <dt>"Daily demand"</dt><dd>{format!("{:.1} ± {:.1} units ({} stock-out days left out)", s.daily_demand, s.demand_sd, s.stockout_days)}</dd>
                <dt>"Lead time"</dt><dd>{format!("{} days", s.lead_time_days)}</dd>
                <dt>"Safety stock / reorder point"</dt><dd>{format!("{:.0} / {:.0} units", s.safety_stock, s.reorder_point)}</dd>
                <dt>"Suggested order"</dt><dd>{format!("{} units{}", s.suggested_order, s.order_by.map(|d| format!(", order by {d}")).unwrap_or_default())}</dd>
                <dt>"Unit cost / price"</dt><dd>{format!("{} / {}", opt_money(s.unit_cost, &cur), opt_money(s.price, &cur))}</dd>
                <dt>"Elasticity"</dt><dd>{elasticity_text}</dd>
                <dt>"Competitors"</dt><dd>{position_text}</dd>
            </dl>
        </section>
        <div class="two-columns">
            <ChartPanel id="product-stock" title=format!("Stock and sales: {}", s.name)
                empty_message="No stock or sales in this range." chart=stock_chart(&detail)/>
            <ChartPanel id="product-demand" title="Demand curve (weekly)"
                empty_message="No weekly sales to draw." chart=demand_chart(&detail)/>
        </div>
        <ChartPanel id="product-competitors" title="Competitor prices"
            empty_message="No competitor observations in this range." chart=competitor_chart(&detail)/>
        <RecommendationPanel pricing=p currency=cur.clone() state/>
        <section class="panel" aria-label="Decisions on this product">
            <h2 class="panel-title">"Decisions on this product"</h2>
            {if decisions.is_empty() {
                view! { <p class="muted">"No decisions yet."</p> }.into_any()
            } else {
                view! { <SortableTable columns=decision_columns() rows=decisions.iter().map(|d| decision_row(d, &cur)).collect()/> }.into_any()
            }}
        </section>
    }
}

#[component]
fn RecommendationPanel(
    pricing: ProductPricing,
    currency: String,
    state: PageState,
) -> impl IntoView {
    let rec = pricing.recommendation.clone();
    let product_id = pricing.product_id;
    let decide = state.decide;
    let note = RwSignal::new(String::new());
    let what_if = RwSignal::new(
        rec.recommended_price
            .unwrap_or(rec.current_price)
            .to_string(),
    );
    let estimate = pricing
        .elasticity
        .estimate
        .filter(|_| pricing.elasticity.supported);
    let weekly_units = rec.current.as_ref().map(|c| c.weekly_units);
    let cost = pricing.unit_cost;
    let current = rec.current_price;
    let cur = currency.clone();
    let projection = move || {
        let price: Decimal = what_if
            .get()
            .trim()
            .parse()
            .ok()
            .filter(|p: &Decimal| *p >= Decimal::new(1, 2))?;
        let (e, units, cost) = (estimate?, weekly_units?, cost?);
        let now = kpi::project(current, current, units, e, cost);
        let then = kpi::project(current, price, units, e, cost);
        Some(format!(
            "At {}: {:.0} units a week ({:+.0}), revenue {} ({}), profit {} ({}).",
            money(price, &cur),
            then.weekly_units,
            then.weekly_units - now.weekly_units,
            money(then.weekly_revenue, &cur),
            signed_money(then.weekly_revenue - now.weekly_revenue, &cur),
            money(then.weekly_profit, &cur),
            signed_money(then.weekly_profit - now.weekly_profit, &cur)
        ))
    };
    let recommended = rec.recommended_price;
    let expected = match (&rec.current, &rec.expected) {
        (Some(now), Some(then)) => Some(format!(
            "Expected a week: {:.0} → {:.0} units, revenue {} → {}, profit {} → {}.",
            now.weekly_units,
            then.weekly_units,
            money(now.weekly_revenue, &currency),
            money(then.weekly_revenue, &currency),
            money(now.weekly_profit, &currency),
            money(then.weekly_profit, &currency)
        )),
        _ => None,
    };
    let send = move |action: DecisionAction, price: Option<Decimal>| {
        decide.dispatch(DecidePrice {
            request: DecisionRequest {
                product_id,
                action,
                price,
                note: note.get_untracked(),
                filter: state.filter.get_untracked(),
            },
        });
    };
    let result = move || {
        decide.value().get().map(|r| match r {
            Ok(d) => view! { <p class="form-ok" role="status">{format!("Decision recorded: {} {} → {}.", d.status, d.old_price, d.new_price)}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="panel recommendation" aria-label="Price recommendation">
            <h2 class="panel-title">"Price recommendation"</h2>
            <p class="rec-headline" data-recommended=recommended.map(|p| p.to_string()).unwrap_or_default()>
                {match recommended {
                    Some(p) => format!("{} → {}", money(current, &currency), money(p, &currency)),
                    None => format!("Hold at {}", money(current, &currency)),
                }}
            </p>
            <p class="rec-reason">{rec.reason.clone()}</p>
            {expected.map(|t| view! { <p class="muted">{t}</p> })}
            <div class="what-if">
                <label>"What if the price were "
                    <input type="number" step="0.01" min="0.01" aria-label="What-if price"
                        prop:value=move || what_if.get()
                        on:input=move |ev| what_if.set(event_target_value(&ev))/>
                </label>
                <p class="muted" role="status">{move || projection().unwrap_or_else(|| "A projection needs a supported elasticity and a unit cost.".into())}</p>
            </div>
            {move || state.may_decide.get().then(|| view! {
                <div class="decision-form">
                    <label class="note">"Note "
                        <input type="text" maxlength="2000" placeholder="Why (optional)" aria-label="Decision note"
                            prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                    </label>
                    {recommended.map(|p| view! {
                        <button class="button primary" type="button" disabled=move || decide.pending().get()
                            on:click=move |_| send(DecisionAction::Accept, Some(p))>"Accept recommendation"</button>
                        <button class="button ghost" type="button" disabled=move || decide.pending().get()
                            on:click=move |_| send(DecisionAction::Reject, Some(p))>"Reject"</button>
                    })}
                    <button class="button ghost" type="button" disabled=move || decide.pending().get()
                        on:click=move |_| send(DecisionAction::Manual, what_if.get_untracked().trim().parse().ok())>
                        "Set the what-if price"
                    </button>
                </div>
            })}
            {result}
        </section>
    }
}

fn signed_money(value: Decimal, currency: &str) -> String {
    if value.is_sign_negative() && !value.is_zero() {
        money(value, currency)
    } else {
        format!("+{}", money(value, currency))
    }
}

fn decision_columns() -> Vec<Column> {
    vec![
        Column::text("When"),
        Column::text("Product"),
        Column::text("Decision"),
        Column::number("Old price"),
        Column::number("New price"),
        Column::text("Who"),
        Column::text("Reason"),
        Column::text("Note"),
    ]
}

fn decision_row(d: &PricingDecision, cur: &str) -> Vec<Cell> {
    vec![
        Cell::text(d.decided_at.format("%Y-%m-%d %H:%M").to_string()),
        Cell::text(format!("{} · {}", d.sku, d.product_name)),
        Cell::text(format!("{} ({})", d.status, d.kind)),
        money_cell(d.old_price, cur),
        money_cell(d.new_price, cur),
        Cell::text(d.decided_by.clone().unwrap_or_else(|| "—".into())),
        Cell::text(d.reason.clone()),
        Cell::text(d.note.clone()),
    ]
}

#[component]
fn PremiumTable(data: InventoryOverview, filter: DashboardFilter) -> impl IntoView {
    let cur = data.currency.clone();
    let s = data.settings.stock;
    let rows: Vec<Vec<Cell>> = data
        .premium
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
                s.premium_revenue_share * 100.0,
                s.premium_customer_share * 100.0
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

#[component]
fn PricingTable(state: PageState, range: crate::dashboard::filter::DateRange) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading prices…"</p> }>
            {move || state.pricing.get().map(|r| match r {
                Err(err) => view! { <div class="panel error-panel" role="alert"><p>{err.to_string()}</p></div> }.into_any(),
                Ok(data) => {
                    let cur = data.currency.clone();
                    let changes = data.products.iter().filter(|p| p.recommendation.recommended_price.is_some()).count();
                    let rows: Vec<Vec<Cell>> = data.products.iter().map(|p| {
                        let r = &p.recommendation;
                        let e = &p.elasticity;
                        let profit_change = match (&r.current, &r.expected) {
                            (Some(a), Some(b)) => Some(b.weekly_profit - a.weekly_profit),
                            _ => None,
                        };
                        vec![
                            Cell::text(p.sku.clone()),
                            Cell::text(p.name.clone()),
                            money_cell(r.current_price, &cur),
                            Cell::number(opt_money(p.position.cheapest, &cur), p.position.cheapest.and_then(|v| v.to_f64())),
                            Cell::number(p.position.rank.map(|r| format!("{r} of {}", p.position.competitors + 1)).unwrap_or_else(|| "—".into()), p.position.rank.map(|r| r as f64)),
                            Cell::number(p.position.price_index.map(|i| i.to_string()).unwrap_or_else(|| "—".into()), p.position.price_index.and_then(|i| i.to_f64())),
                            Cell::number(match (e.estimate, e.std_error) {
                                (Some(v), Some(se)) => format!("{v:.2} ± {se:.2}"),
                                _ => "—".into(),
                            }, e.estimate),
                            count_cell(e.weeks),
                            Cell::number(opt_money(r.recommended_price, &cur), r.recommended_price.and_then(|v| v.to_f64())),
                            Cell::number(profit_change.map(|v| signed_money(v, &cur)).unwrap_or_else(|| "—".into()), profit_change.and_then(|v| v.to_f64())),
                            Cell::text(r.reason.clone()),
                        ]
                    }).collect();
                    let export = format!(
                        "/api/v1/pricing/recommendations?{}&format=csv",
                        api_query(range, &state.filter.get_untracked())
                    );
                    view! {
                        <TablePanel
                            title=format!("Price recommendations ({changes} changes suggested)")
                            export
                            empty=rows.is_empty()
                            empty_message="No products."
                            columns=vec![
                                Column::text("SKU"),
                                Column::text("Product"),
                                Column::number("Our price"),
                                Column::number("Cheapest competitor").help("Latest in-stock observation of the last 30 days, shipping included"),
                                Column::number("Our rank"),
                                Column::number("Price index").help("Our price / average competitor price × 100"),
                                Column::number("Elasticity").help("Slope of ln(weekly units) on ln(weekly price), ± standard error"),
                                Column::number("Weeks"),
                                Column::number("Recommended"),
                                Column::number("Profit / week").help("Expected change in weekly profit at the recommended price"),
                                Column::text("Reason"),
                            ]
                            rows
                        />
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn DecisionLog(state: PageState, currency: String) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading decisions…"</p> }>
            {move || state.decisions.get().map(|r| match r {
                Err(err) => view! { <div class="panel error-panel" role="alert"><p>{err.to_string()}</p></div> }.into_any(),
                Ok(list) => {
                    let rows: Vec<Vec<Cell>> = list.iter().map(|d| decision_row(d, &currency)).collect();
                    view! {
                        <TablePanel
                            title="Decision log"
                            export="/api/v1/decisions?format=csv".to_string()
                            empty=rows.is_empty()
                            empty_message="No pricing decisions yet."
                            columns=decision_columns()
                            rows
                        />
                    }.into_any()
                }
            })}
        </Transition>
    }
}
