//! Pricing panels: a product's recommendation with its what-if projection and decision buttons,
//! the recommendations of every product and the decision log. The decision buttons, the what-if
//! and pushing a price are islands; the rest is server HTML.
use leptos::prelude::*;
use rust_decimal::Decimal;

use super::format::{limits_text, signed_money};
use super::list::ListPanel;
use super::state::page_query;
use crate::components::format::{count, money};
use crate::components::table::{money_cell, TablePanel};
use crate::components::{Cell, Column};
use crate::dashboard::filter::DashboardFilter;
use crate::features::inventory::api::{get_pricing_products, DecidePrice, PushDecision};
use crate::features::inventory::kpi;
use crate::features::inventory::pricing_list::PricingPage;
use crate::features::inventory::types::{
    DecisionAction, DecisionRequest, PricingDecision, ProductPricing,
};
use crate::islands::nav::{self, Query};

/// The URL key that names the decision just recorded on a product's page (its confirmation).
pub(super) const DECIDED_KEY: &str = "decided";

/// A product's recommendation: its figures (server HTML) and, in the island, the what-if
/// projection and the decision buttons.
#[component]
pub(super) fn RecommendationPanel(
    pricing: ProductPricing,
    currency: String,
    /// The page's filter (a decision is made as of its range end).
    filter: DashboardFilter,
    may_decide: bool,
    /// "Decision recorded: …" of the decision the URL names.
    recorded: Option<String>,
) -> impl IntoView {
    let rec = pricing.recommendation.clone();
    let recommended = rec.recommended_price;
    let current = rec.current_price;
    let limits = rec.bounds.as_ref().map(|b| limits_text(b, &currency));
    let compliance = rec.compliance.clone().map(|c| {
        let change = rec
            .current
            .as_ref()
            .map(|now| signed_money(c.expected.weekly_profit - now.weekly_profit, &currency))
            .unwrap_or_default();
        (
            c.price,
            format!(
                "To comply: {} — expected profit {} a week ({change}).",
                money(c.price, &currency),
                money(c.expected.weekly_profit, &currency)
            ),
        )
    });
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
    let model = WhatIf {
        current,
        estimate: pricing
            .elasticity
            .estimate
            .filter(|_| pricing.elasticity.supported),
        weekly_units: rec.current.as_ref().map(|c| c.weekly_units),
        cost: pricing.unit_cost,
        currency: currency.clone(),
    };
    let query: Query = page_query()
        .into_iter()
        .filter(|(k, _)| k != DECIDED_KEY)
        .collect();
    view! {
        <DecisionIsland product_id=pricing.product_id model recommended
            compliance=compliance.as_ref().map(|(p, _)| *p) filter may_decide recorded
            path=nav::current_path() query>
            <h2 class="panel-title">"Price recommendation"</h2>
            <p class="rec-headline" data-recommended=recommended.map(|p| p.to_string()).unwrap_or_default()>
                {match recommended {
                    Some(p) => format!("{} → {}", money(current, &currency), money(p, &currency)),
                    None => format!("Hold at {}", money(current, &currency)),
                }}
            </p>
            <p class="rec-reason">{rec.reason.clone()}</p>
            {expected.map(|t| view! { <p class="muted">{t}</p> })}
            {limits.map(|t| view! { <p class="muted small rec-limits">{t}</p> })}
            {compliance.map(|(_, t)| view! { <p class="rec-compliance">{t}</p> })}
        </DecisionIsland>
    }
}

/// What the what-if projection needs: the current price, the elasticity when it is used, the
/// weekly units at the current price and the unit cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct WhatIf {
    current: Decimal,
    estimate: Option<f64>,
    weekly_units: Option<f64>,
    cost: Option<Decimal>,
    currency: String,
}

impl WhatIf {
    /// "At £12.00: 40 units a week (−3), revenue … (…), profit … (…)." for `price`.
    fn projection(&self, price: &str) -> Option<String> {
        let cur = &self.currency;
        let price: Decimal = price
            .trim()
            .parse()
            .ok()
            .filter(|p: &Decimal| *p >= Decimal::new(1, 2))?;
        let (e, units, cost) = (self.estimate?, self.weekly_units?, self.cost?);
        let now = kpi::project(self.current, self.current, units, e, cost);
        let then = kpi::project(self.current, price, units, e, cost);
        Some(format!(
            "At {}: {:.0} units a week ({:+.0}), revenue {} ({}), profit {} ({}).",
            money(price, cur),
            then.weekly_units,
            then.weekly_units - now.weekly_units,
            money(then.weekly_revenue, cur),
            signed_money(then.weekly_revenue - now.weekly_revenue, cur),
            money(then.weekly_profit, cur),
            signed_money(then.weekly_profit - now.weekly_profit, cur)
        ))
    }
}

/// The recommendation panel around its figures (`children`): the what-if price and its
/// projection, and for analysts and admins the decision buttons. A recorded decision opens the
/// page again with `decided=<id>` (in place, public/nav.js): the server then shows the product's
/// new price, its decisions and the confirmation.
#[island(lazy)]
fn DecisionIsland(
    product_id: i64,
    model: WhatIf,
    recommended: Option<Decimal>,
    /// The price the pricing rules allow (a held recommendation's other choice).
    compliance: Option<Decimal>,
    filter: DashboardFilter,
    may_decide: bool,
    recorded: Option<String>,
    /// The page's path and query (without `decided`).
    path: String,
    query: Query,
    children: Children,
) -> impl IntoView {
    let decide = ServerAction::<DecidePrice>::new();
    let note = RwSignal::new(String::new());
    let what_if = RwSignal::new(recommended.unwrap_or(model.current).to_string());
    let model = StoredValue::new(model);
    let filter = StoredValue::new(filter);
    let send = move |action: DecisionAction, price: Option<Decimal>| {
        decide.dispatch(DecidePrice {
            request: DecisionRequest {
                product_id,
                action,
                price,
                note: note.get_untracked(),
                filter: filter.get_value(),
            },
        });
    };
    let (path, query) = (StoredValue::new(path), StoredValue::new(query));
    Effect::new(move |_| {
        if let Some(Ok(d)) = decide.value().get() {
            nav::navigate_with(
                &path.get_value(),
                &query.get_value(),
                vec![(DECIDED_KEY, vec![d.decision_id.to_string()])],
            );
        }
    });
    let pending = move || decide.pending().get();
    let result = move || match decide.value().get() {
        Some(Err(e)) => {
            Some(view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any())
        }
        // Shown while the page loads again with it.
        Some(Ok(d)) => Some(
            view! {
                <p class="form-ok" role="status">{recorded_text(&d)}</p>
            }
            .into_any(),
        ),
        None => recorded
            .clone()
            .map(|t| view! { <p class="form-ok" role="status">{t}</p> }.into_any()),
    };
    view! {
        <section class="panel recommendation" aria-label="Price recommendation">
            {children()}
            <div class="what-if">
                <label>"What if the price were "
                    <input type="number" step="0.01" min="0.01" aria-label="What-if price"
                        value=what_if.get_untracked()
                        on:input=move |ev| what_if.set(event_target_value(&ev))/>
                </label>
                <p class="muted" role="status">{move || model.with_value(|m| m.projection(&what_if.get())).unwrap_or_else(|| "A projection needs a supported elasticity and a unit cost.".into())}</p>
            </div>
            {may_decide.then(|| view! {
                <div class="decision-form">
                    <label class="note">"Note "
                        <input type="text" maxlength="2000" placeholder="Why (optional)" aria-label="Decision note"
                            on:input=move |ev| note.set(event_target_value(&ev))/>
                    </label>
                    {recommended.map(|p| view! {
                        <button class="button primary" type="button" disabled=pending
                            on:click=move |_| send(DecisionAction::Accept, Some(p))>"Accept recommendation"</button>
                        <button class="button ghost" type="button" disabled=pending
                            on:click=move |_| send(DecisionAction::Reject, Some(p))>"Reject"</button>
                    })}
                    {compliance.map(|p| view! {
                        <button class="button ghost" type="button" disabled=pending
                            on:click=move |_| send(DecisionAction::Comply, Some(p))>
                            {format!("Comply: set {p}")}
                        </button>
                    })}
                    <button class="button ghost" type="button" disabled=pending
                        on:click=move |_| send(DecisionAction::Manual, what_if.get_untracked().trim().parse().ok())>
                        "Set the what-if price"
                    </button>
                </div>
            })}
            {result}
        </section>
    }
}

/// "Decision recorded: accepted 12.00 → 13.50."
pub(super) fn recorded_text(d: &PricingDecision) -> String {
    format!(
        "Decision recorded: {} {} → {}.",
        d.status, d.old_price, d.new_price
    )
}

/// The price recommendations (`ListPanel`), narrowed to suggested changes; a product's name
/// opens its page, with the recommendation in full.
#[component]
pub(super) fn PricingTable(filter: DashboardFilter) -> impl IntoView {
    let changes_only = nav::get(&page_query(), "price_changes").as_deref() == Some("only");
    let control = view! {
        <label class="check">
            <input type="checkbox" name="price_changes" value="only" checked=changes_only/>
            " Suggested changes only"
        </label>
    }
    .into_any();
    let note = |page: &PricingPage| {
        Some(match page.changes {
            1 => "1 product has a price change suggested.".to_string(),
            n => format!(
                "{} products have a price change suggested.",
                count(n as i64)
            ),
        })
    };
    ListPanel {
        title: "Price recommendations",
        what: "price recommendations",
        export: "/api/v1/pricing/recommendations",
        keys: ["price_q", "price_sort", "price_page"],
    }
    .view::<ProductPricing, PricingPage, _>(
        filter,
        changes_only,
        control,
        get_pricing_products,
        note,
    )
}

/// The decisions, newest first; below them, for analysts and admins, the accepted prices of a
/// connected shop's products that can be pushed to it (never automatically).
#[component]
pub(super) fn DecisionLog(
    list: Vec<PricingDecision>,
    currency: String,
    may_decide: bool,
) -> impl IntoView {
    let rows: Vec<Vec<Cell>> = list.iter().map(|d| decision_row(d, &currency)).collect();
    let pending: Vec<Pushable> = list
        .into_iter()
        .filter(|d| {
            d.pushable
                && d.status == "accepted"
                && !d
                    .push_result
                    .as_deref()
                    .is_some_and(|r| r.starts_with("ok"))
        })
        .take(10)
        .map(|d| Pushable {
            id: d.decision_id,
            label: format!(
                "{} · {}: {}",
                d.sku,
                d.product_name,
                money(d.new_price, &currency)
            ),
            failed: d.push_result.clone().filter(|r| r.starts_with("failed")),
        })
        .collect();
    view! {
        <TablePanel
            title="Decision log"
            export="/api/v1/decisions?format=csv".to_string()
            empty=rows.is_empty()
            empty_message="No pricing decisions yet."
            columns=decision_columns()
            rows
        />
        {(may_decide && !pending.is_empty()).then(|| view! { <PushIsland pending/> })}
    }
}

/// An accepted price that can be pushed to its shop.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Pushable {
    id: i64,
    /// "SKU · name: £12.00"
    label: String,
    /// The shop's refusal of the last push.
    failed: Option<String>,
}

/// Pushing accepted prices to the shop; after a push the page loads again (the shop's answer
/// is in the decision log).
#[island(lazy)]
fn PushIsland(pending: Vec<Pushable>) -> impl IntoView {
    let push = ServerAction::<PushDecision>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = push.value().get() {
            nav::refresh();
        }
    });
    view! {
        <section class="panel" aria-label="Push prices to the shop">
            <h2 class="panel-title">"Push prices to the shop"</h2>
            <p class="muted small">"Accepted prices change StorePulse's figures only. Pushing one sets it in the shop the product comes from; the shop's answer is kept in the decision log."</p>
            <ul class="push-list">
                {pending.into_iter().map(|d| {
                    let id = d.id;
                    view! {
                        <li>
                            <span>{d.label}</span>
                            <button type="button" class="button" disabled=move || push.pending().get()
                                on:click=move |_| { push.dispatch(PushDecision { id }); }>"Push to the shop"</button>
                            {d.failed.map(|f| view! { <span class="form-error small">{f}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || push.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}

pub(super) fn decision_columns() -> Vec<Column> {
    vec![
        Column::text("When"),
        Column::text("Product"),
        Column::text("Decision"),
        Column::number("Old price"),
        Column::number("New price"),
        Column::text("Who"),
        Column::text("Reason"),
        Column::text("Note"),
        Column::text("Shop"),
    ]
}

pub(super) fn decision_row(d: &PricingDecision, cur: &str) -> Vec<Cell> {
    vec![
        Cell::text(crate::clock::time(d.decided_at)),
        Cell::text(format!("{} · {}", d.sku, d.product_name)),
        Cell::text(format!("{} ({})", d.status, d.kind)),
        money_cell(d.old_price, cur),
        money_cell(d.new_price, cur),
        Cell::text(d.decided_by.clone().unwrap_or_else(|| "—".into())),
        Cell::text(d.reason.clone()),
        Cell::text(d.note.clone()),
        Cell::text(match (&d.push_result, d.pushable) {
            (Some(result), _) => result.clone(),
            (None, true) if d.status == "accepted" => "not pushed".to_string(),
            _ => "—".to_string(),
        }),
    ]
}
