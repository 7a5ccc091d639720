use leptos::prelude::*;

/// One headline figure with its label and an optional note under it.
#[component]
pub fn KpiCard(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(default = None)] note: Option<String>,
    #[prop(optional, into)] help: Option<String>,
    /// The change vs the comparison period, e.g. `+8.2% vs previous period`, and whether it is
    /// good news (`None`: neither, e.g. no base to compare with).
    #[prop(default = None)]
    delta: Option<(String, Option<bool>)>,
) -> impl IntoView {
    let aria = label.clone();
    let heading = label.clone();
    view! {
        <article class="kpi-card" aria-label=aria title=help>
            <h3 class="kpi-label">{heading}</h3>
            <p class="kpi-value" data-kpi=label>{value}</p>
            {delta.map(|(text, good)| view! {
                <p class="kpi-delta" class:good=good == Some(true) class:bad=good == Some(false)>{text}</p>
            })}
            {note.map(|note| view! { <p class="kpi-note">{note}</p> })}
        </article>
    }
}

/// The change of a figure vs the comparison period as card text (`+8.2% vs previous period`),
/// and whether it is good news; "no base" when the comparison value is missing or 0.
pub fn delta_text(
    now: Option<rust_decimal::Decimal>,
    before: Option<rust_decimal::Decimal>,
    label: &str,
    higher_is_good: bool,
) -> Option<(String, Option<bool>)> {
    use crate::components::format::signed_percent;
    match now
        .zip(before)
        .and_then(|(now, before)| crate::dashboard::compare::change(now, before))
    {
        Some(c) if c.is_zero() => Some((format!("±0.0% {label}"), None)),
        Some(c) => Some((
            format!("{} {label}", signed_percent(c)),
            Some(c.is_sign_positive() == higher_is_good),
        )),
        None => Some((format!("— {label} (no base)"), None)),
    }
}
