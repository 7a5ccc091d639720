use leptos::prelude::*;

/// One headline figure with its label and an optional note under it.
#[component]
pub fn KpiCard(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(optional, into)] note: Option<String>,
    #[prop(optional, into)] help: Option<String>,
) -> impl IntoView {
    let aria = label.clone();
    let heading = label.clone();
    view! {
        <article class="kpi-card" aria-label=aria title=help>
            <h3 class="kpi-label">{heading}</h3>
            <p class="kpi-value" data-kpi=label>{value}</p>
            {note.map(|note| view! { <p class="kpi-note">{note}</p> })}
        </article>
    }
}
