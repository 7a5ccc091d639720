//! A product's page (`/products/{id}`, with the dashboard filters in its query): its facts,
//! stock, demand and competitor charts, recommendation and decisions. Opened from the Inventory
//! page's tables and signals and from the search; every user, never an embed. Server HTML; the
//! recommendation's what-if and decision buttons are an island.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use rust_decimal::prelude::ToPrimitive;

use super::format::{opt_money, status_label};
use super::pricing::{
    decision_columns, decision_row, recorded_text, RecommendationPanel, DECIDED_KEY,
};
use super::state::{may_decide, user};
use crate::components::format::count;
use crate::components::{
    filter_from_query, filters_query, AppShell, CategoryChart, ChartPanel, ScatterChart, Section,
    SeriesData, SeriesKind, SortableTable,
};
use crate::dashboard::filter::DashboardFilter;
use crate::error::AppError;
use crate::features::inventory::api::get_product_detail;
use crate::features::inventory::types::ProductDetail;

#[component]
pub fn ProductPage() -> impl IntoView {
    view! {
        <Title text="Product · StorePulse"/>
        <AppShell>
            <ProductParts/>
        </AppShell>
    }
}

/// The page's parts, created only when its filter is accepted (`AppShell` shows the refusal
/// instead, and then no part is asked for).
#[component]
fn ProductParts() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let filter = filter_from_query(&query);
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .and_then(|v| v.parse::<i64>().ok());
    // The decision just recorded (its confirmation, after the page loaded again).
    let decided = query.get(DECIDED_KEY).and_then(|v| v.parse::<i64>().ok());
    let detail = crate::codec::resource(
        {
            let filter = filter.clone();
            move || (filter.clone(), id)
        },
        |(filter, id)| async move {
            match id {
                Some(id) => get_product_detail(filter, id).await,
                None => Err(AppError::NotFound(
                    "a product: the address has no product number".into(),
                )),
            }
        },
    );
    let back = format!("/inventory{}", filters_query(&query));
    let user = user();
    view! {
        <Section what="the product" resource=detail view=move |detail: ProductDetail| {
            let filter = filter.clone();
            view! {
                <Title text=format!("{} · StorePulse", detail.stock.name)/>
                <div class="page-head record-head">
                    <p class="muted small"><a href=back.clone()>"Inventory & Pricing"</a>" › Product"</p>
                    <h1>{detail.stock.name.clone()}</h1>
                </div>
                <div id="product"><ProductDetailView detail filter decided user/></div>
            }
        }/>
    }
}

#[component]
fn ProductDetailView(
    detail: ProductDetail,
    filter: DashboardFilter,
    /// The decision the URL names as just recorded.
    decided: Option<i64>,
    user: super::state::User,
) -> impl IntoView {
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
    let recorded = decided.and_then(|id| {
        decisions
            .iter()
            .find(|d| d.decision_id == id)
            .map(recorded_text)
    });
    let recommendation = {
        let currency = cur.clone();
        move || {
            let (pricing, currency, filter, recorded) = (
                p.clone(),
                currency.clone(),
                filter.clone(),
                recorded.clone(),
            );
            Suspend::new(async move {
                let may_decide = may_decide(user).await;
                view! { <RecommendationPanel pricing currency filter may_decide recorded/> }
            })
        }
    };
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
        // The user's role decides the buttons.
        <Suspense fallback=|| ()>{recommendation}</Suspense>
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

fn stock_chart(d: &ProductDetail) -> CategoryChart {
    CategoryChart {
        x_labels: d.stock_history.iter().map(|s| s.day.to_string()).collect(),
        x_name: "Day".into(),
        y_name: "Units".into(),
        series: vec![
            SeriesData {
                name: "On hand (closing)".into(),
                kind: SeriesKind::Line,
                color: "#3b5bdb".into(),
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
                color: "#0ca678".into(),
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
        partial: Vec::new(),
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
    let groups = vec![
        (
            "Weeks in the fit".to_string(),
            "#3b5bdb".to_string(),
            used.clone(),
        ),
        (
            "Weeks with a stock-out (left out)".to_string(),
            "#adb5bd".to_string(),
            out,
        ),
    ];
    let mut curves = Vec::new();
    if let (Some(slope), Some(intercept)) = (e.estimate, e.intercept) {
        let prices: Vec<f64> = used.iter().filter(|p| p[1] > 0.0).map(|p| p[0]).collect();
        if let Some(curve) = fitted_curve(slope, intercept, &prices, 0.0) {
            curves.push((
                format!("Fitted: units ∝ price^{slope:.2}"),
                "#e8590c".to_string(),
                curve,
                false,
            ));
        }
        if let Some(se) = e.std_error.filter(|se| *se > 0.0) {
            for (side, sign) in [("−", -1.0), ("+", 1.0)] {
                if let Some(curve) = fitted_curve(slope, intercept, &prices, sign * se) {
                    curves.push((
                        format!(
                            "Elasticity {side} 1 standard error ({:.2})",
                            slope + sign * se
                        ),
                        "#f59f00".to_string(),
                        curve,
                        true,
                    ));
                }
            }
        }
    }
    ScatterChart {
        x_name: format!("Average weekly price ({})", d.currency),
        y_name: "Units a week".into(),
        groups,
        curves,
        file_name: format!("demand-{}", d.stock.sku),
    }
}

/// Units a week along the fitted constant-elasticity curve ln(units) = intercept + slope ×
/// ln(price), over the range of the fitted weeks' prices (41 points), with the slope moved by
/// `shift` around the fit's centre (the mean ln price, where every line of the fit's error band
/// crosses the fitted one). None without two different prices.
fn fitted_curve(slope: f64, intercept: f64, prices: &[f64], shift: f64) -> Option<Vec<[f64; 2]>> {
    let logs: Vec<f64> = prices
        .iter()
        .filter(|p| **p > 0.0)
        .map(|p| p.ln())
        .collect();
    let (lo, hi) = logs
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), l| (lo.min(*l), hi.max(*l)));
    if logs.is_empty() || lo >= hi {
        return None;
    }
    let centre = logs.iter().sum::<f64>() / logs.len() as f64;
    let at_centre = intercept + slope * centre;
    Some(
        (0..=40)
            .map(|i| {
                let l = lo + (hi - lo) * i as f64 / 40.0;
                let units = (at_centre + (slope + shift) * (l - centre)).exp();
                [
                    (l.exp() * 100.0).round() / 100.0,
                    (units * 10.0).round() / 10.0,
                ]
            })
            .collect(),
    )
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
            color: COLORS[i % COLORS.len()].into(),
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
                    color: "#3b5bdb".into(),
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
        partial: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::fitted_curve;

    #[test]
    fn the_error_band_pivots_on_the_fits_centre() {
        // units = e^5 × price^−2: at price 1, e^5 ≈ 148.4; at price e, e^3 ≈ 20.1.
        let prices = [1.0, std::f64::consts::E];
        let fit = fitted_curve(-2.0, 5.0, &prices, 0.0).unwrap();
        assert_eq!(fit.len(), 41);
        assert_eq!(fit[0], [1.0, 148.4]);
        assert_eq!(fit[40], [2.72, 20.1]);
        // Centre ln p = 0.5: ln units 4 there on every line; a steeper line (−2.5) is higher at
        // the cheap end and lower at the dear end.
        let steep = fitted_curve(-2.0, 5.0, &prices, -0.5).unwrap();
        assert_eq!(steep[20], fit[20]);
        assert_eq!(steep[0], [1.0, 190.6]);
        assert_eq!(steep[40], [2.72, 15.6]);
        assert!(fitted_curve(-2.0, 5.0, &[3.0, 3.0], 0.0).is_none());
        assert!(fitted_curve(-2.0, 5.0, &[], 0.0).is_none());
    }
}
