//! Pricing panels: a product's recommendation with its what-if projection and decision buttons,
//! the recommendations of every product and the decision log.
use leptos::prelude::*;
use rust_decimal::Decimal;

use super::format::{limits_text, signed_money};
use super::list::ListPanel;
use super::state::PageState;
use crate::components::format::{count, money};
use crate::components::table::{keep_in_url, money_cell, ServerPaging, TablePanel};
use crate::components::{Cell, Column};
use crate::dashboard::filter::DashboardFilter;
use crate::features::inventory::api::{get_pricing_products, DecidePrice, PushDecision};
use crate::features::inventory::kpi;
use crate::features::inventory::pricing_list::PricingPage;
use crate::features::inventory::types::{
    DecisionAction, DecisionRequest, PricingDecision, ProductPricing,
};

#[component]
pub(super) fn RecommendationPanel(
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
            {limits.map(|t| view! { <p class="muted small rec-limits">{t}</p> })}
            {compliance.clone().map(|(_, t)| view! { <p class="rec-compliance">{t}</p> })}
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
                    {compliance.clone().map(|(p, _)| view! {
                        <button class="button ghost" type="button" disabled=move || decide.pending().get()
                            on:click=move |_| send(DecisionAction::Comply, Some(p))>
                            {format!("Comply: set {p}")}
                        </button>
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

/// The price recommendations (`ListPanel`), narrowed to suggested changes; a product's name
/// opens its page, with the recommendation in full.
#[component]
pub(super) fn PricingTable(filter: Memo<DashboardFilter>) -> impl IntoView {
    let changes_only = RwSignal::new(false);
    keep_in_url(
        "price_changes",
        changes_only,
        |text| (text == "only").then_some(true),
        |only| only.then(|| "only".to_string()),
    );
    let control = move |paging: ServerPaging| {
        view! {
            <label class="check">
                <input type="checkbox" checked=move || changes_only.get() prop:checked=move || changes_only.get()
                    on:change=move |ev| { changes_only.set(event_target_checked(&ev)); paging.page.set(0); }/>
                " Suggested changes only"
            </label>
        }
        .into_any()
    };
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
    state: PageState,
) -> impl IntoView {
    let rows: Vec<Vec<Cell>> = list.iter().map(|d| decision_row(d, &currency)).collect();
    let pending: Vec<PricingDecision> = list
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
        .collect();
    let push = state.push;
    view! {
        <TablePanel
            title="Decision log"
            export="/api/v1/decisions?format=csv".to_string()
            empty=rows.is_empty()
            empty_message="No pricing decisions yet."
            columns=decision_columns()
            rows
        />
        {move || (state.may_decide.get() && !pending.is_empty()).then(|| {
            let currency = currency.clone();
            view! {
                <section class="panel" aria-label="Push prices to the shop">
                    <h2 class="panel-title">"Push prices to the shop"</h2>
                    <p class="muted small">"Accepted prices change StorePulse's figures only. Pushing one sets it in the shop the product comes from; the shop's answer is kept in the decision log."</p>
                    <ul class="push-list">
                        {pending.iter().map(|d| {
                            let id = d.decision_id;
                            let label = format!("{} · {}: {}", d.sku, d.product_name, money(d.new_price, &currency));
                            let failed = d.push_result.clone().filter(|r| r.starts_with("failed"));
                            view! {
                                <li>
                                    <span>{label}</span>
                                    <button type="button" class="button" disabled=move || push.pending().get()
                                        on:click=move |_| { push.dispatch(PushDecision { id }); }>"Push to the shop"</button>
                                    {failed.map(|f| view! { <span class="form-error small">{f}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {move || push.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                </section>
            }
        })}
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
