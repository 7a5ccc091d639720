//! The Inventory & Pricing page: its resources, the stock cards and the panels in order
//! (signals, stock, ABC and turnover, premium, pricing, decisions). Server HTML; the signals,
//! the tables' controls and pushing a price are islands.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::format::days;
use super::pricing::{DecisionLog, PricingTable};
use super::signals::SignalsPanel;
use super::state::{may_decide, user};
use super::stock::{abc_chart, turnover_chart, PremiumTable, ProductTable};
use crate::components::format::{count, money};
use crate::components::{filter_from_query, AppShell, ChartPanel, KpiCard, Section};
use crate::features::inventory::api::{
    get_decisions, get_inventory_overview, get_inventory_premium,
};
use crate::features::inventory::types::InventoryOverview;

#[component]
pub fn InventoryPage() -> impl IntoView {
    view! {
        <Title text="Inventory & Pricing · StorePulse"/>
        <AppShell>
            <InventoryParts/>
        </AppShell>
    }
}

/// The page's parts, created only when its filter is accepted (`AppShell` shows the refusal
/// instead, and then no part is asked for).
#[component]
fn InventoryParts() -> impl IntoView {
    let filter = filter_from_query(&use_query_map().get_untracked());
    let overview = crate::codec::resource(
        {
            let filter = filter.clone();
            move || filter.clone()
        },
        get_inventory_overview,
    );
    let premium = crate::codec::resource(
        {
            let filter = filter.clone();
            move || filter.clone()
        },
        get_inventory_premium,
    );
    // An embed shows the stock and pricing figures only: no product pages (they name the
    // analysts who decided), no decision log and no signals.
    let embedded = crate::features::embed::ui::embedded();
    let decisions = crate::codec::resource(
        || (),
        move |_| async move {
            if embedded {
                Ok(Vec::new())
            } else {
                get_decisions(None).await
            }
        },
    );
    let user = user();
    let premium_filter = filter.clone();
    view! {
        <div class="page-head"><h1>"Inventory & Pricing"</h1></div>
        // Each part loads by itself (see `Section`); the stock parts share one resource.
        <Section what="stock figures" resource=overview view=|data| view! { <StockCards data/> }/>
        {(!embedded).then(|| view! { <SignalsPanel/> })}
        <ProductTable filter=filter.clone()/>
        <Section what="ABC and turnover" resource=overview class="two-columns" view=|data: InventoryOverview| {
            let range = data.range;
            view! {
                <ChartPanel id="abc-pareto" title="ABC analysis: revenue by share of products" range
                    empty_message="No sales in this range." chart=abc_chart(&data)>
                    <p class="muted chart-note">"A: products up to 80% of net revenue, B: to 95%, C: the rest."</p>
                </ChartPanel>
                <ChartPanel id="turnover-category" title="Turnover by category" range
                    empty_message="No stock or sales in this range." chart=turnover_chart(&data)/>
            }
        }/>
        <Section what="premium products" resource=premium view=move |data| view! {
            <PremiumTable data filter=premium_filter.clone()/>
        }/>
        <PricingTable filter/>
        // The decision log follows the recommendations (in the store's currency, which the
        // stock figures carry).
        {(!embedded).then(|| view! {
            <Section what="decisions" resource=overview view=move |data: InventoryOverview| {
                let currency = data.currency;
                view! {
                    <Section what="decisions" resource=decisions view=move |list| {
                        let currency = currency.clone();
                        view! {
                            <Suspense fallback=|| ()>
                                {move || {
                                    let (list, currency) = (list.clone(), currency.clone());
                                    Suspend::new(async move {
                                        let may_decide = may_decide(user).await;
                                        view! { <DecisionLog list currency may_decide/> }
                                    })
                                }}
                            </Suspense>
                        }
                    }/>
                }
            }/>
        })}
    }
}

/// The stock cards, as of the range end.
#[component]
fn StockCards(data: InventoryOverview) -> impl IntoView {
    let c = &data.cards;
    let cur = data.currency.clone();
    let untracked_note = (c.products_untracked > 0).then(|| {
        format!(
            "{} products have no stock figures (no snapshot or on-hand count) and are left out.",
            count(c.products_untracked)
        )
    });
    let before_data = data.data_from.filter(|first| data.as_of < *first).map(|first| {
        format!(
            "No stock data for {}: the data starts on {first}, and what was on hand before it is not known.",
            data.as_of
        )
    });
    view! {
        {before_data.clone().map(|t| view! { <p class="notice no-stock-data" role="status">{t}</p> })}
        <p class="muted as-of">
            {format!("Stock as of {}; sales {} – {}.", data.as_of, data.range.from, data.range.to)}
            {untracked_note.filter(|_| before_data.is_none()).map(|n| format!(" {n}"))}
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
    }
}
