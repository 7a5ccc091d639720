use leptos::prelude::*;
use leptos_router::hooks::use_location;
use leptos_router::params::ParamsMap;

use crate::dashboard::api::get_filter_options;
use crate::dashboard::filter::{
    url_escape, Compare, DashboardFilter, DateRange, Grain, Preset, FILTER_KEYS,
};

/// The filters a dashboard URL carries: dates or a preset, comparison, chart grain, and the
/// channel, source, country and category multi-selects (repeated keys: `?country=A&country=B`).
pub fn filter_from_query(query: &ParamsMap) -> DashboardFilter {
    let all = |key: &str| -> Vec<String> {
        query
            .get_all(key)
            .unwrap_or_default()
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect()
    };
    DashboardFilter {
        from: query.get("from").and_then(|v| v.parse().ok()),
        to: query.get("to").and_then(|v| v.parse().ok()),
        preset: query.get("preset").and_then(|v| Preset::from_key(&v)),
        compare: query
            .get("compare")
            .and_then(|v| Compare::from_key(&v))
            .unwrap_or_default(),
        grain: query.get("grain").and_then(|v| Grain::from_key(&v)),
        channel: all("channel"),
        source: all("source")
            .into_iter()
            .filter_map(|v| v.parse().ok())
            .collect(),
        country: all("country"),
        category: all("category"),
    }
}

/// The dashboard filters of the current URL as a query string (`?preset=…&country=…`, or empty),
/// for a link to another page that keeps them (a product's page from the Inventory page).
pub fn filters_query(query: &ParamsMap) -> String {
    let mut kept = ParamsMap::new();
    for key in FILTER_KEYS {
        for v in query.get_all(key).unwrap_or_default() {
            kept.insert(key, leptos_router::location::Url::escape(&v));
        }
    }
    kept.to_query_string()
}

/// Links to a product's page that keep the current dashboard filters; none in an embed (record
/// pages are not embedded).
pub fn product_link() -> impl Fn(i64) -> Option<String> + Clone + Send + Sync + 'static {
    let embedded = crate::features::embed::ui::embedded();
    let keep = filters_query(&leptos_router::hooks::use_query_map().get_untracked());
    move |product_id| (!embedded).then(|| format!("/products/{product_id}{keep}"))
}

/// A link to the current page with one filter set to `value` alone (a drill-through from a row:
/// "Germany" in the countries table filters the page to Germany); Back undoes it.
pub fn drill_href(query: &ParamsMap, key: &'static str, value: &str) -> String {
    let mut params = query.clone();
    params.remove(key);
    params.insert(key, leptos_router::location::Url::escape(value));
    let path = use_location().pathname.get_untracked();
    format!("{path}{}", params.to_query_string())
}

/// The global filter bar: a preset or two dates, what to compare with, and the multi-selects —
/// all kept in the URL (`?preset=…` or `?from=…&to=…`, `&compare=…`, `&country=…`), so that links
/// are shareable and the back button works.
#[component]
pub fn FilterBar(
    /// The Views menu at the bar's end (not in embeds).
    #[prop(optional)]
    views: bool,
) -> impl IntoView {
    // A server component that resolves the options and the effective range and
    // renders the `FilterBarIsland` (with the Views menu and the live status as islands inside).
    use crate::islands::nav;
    let options = crate::codec::resource(|| (), |_| get_filter_options());
    let embed = crate::features::embed::ui::embed_scope();
    let embedded = embed.is_some();
    let path = nav::current_path();
    let query = nav::current_query();
    let dashboard = crate::features::views::types::dashboard_of(&path).filter(|_| views);
    // The user, awaited inside the Suspense (read outside it, the server had not loaded it yet:
    // an admin got a viewer's Views menu).
    let user = expect_context::<crate::features::auth::context::UserResource>().0;
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (path, query, embed) = (path.clone(), query.clone(), embed.clone());
                Suspend::new(async move {
                    let options = options.await.ok();
                    let is_admin = dashboard.is_some()
                        && user.await.ok().flatten().is_some_and(|u| {
                            u.role.allows(crate::features::auth::types::Role::Admin)
                        });
                    // The range shown when the URL has no dates: the preset's.
                    let effective = (nav::get(&query, "from").is_none()).then(|| {
                        let preset = nav::get(&query, "preset")
                            .and_then(|p| Preset::from_key(&p))
                            .unwrap_or(crate::dashboard::range::DEFAULT_PRESET);
                        options
                            .as_ref()
                            .and_then(|o| o.presets.iter().find(|p| p.preset == preset))
                            .map(|p| p.range)
                    }).flatten();
                    let views_query = query.clone();
                    view! {
                        <crate::islands::filter_bar::FilterBarIsland path query options effective embed>
                            {dashboard.map(|dashboard| view! {
                                <crate::islands::views::SavedViewsIsland dashboard is_admin query=views_query.clone()/>
                            })}
                            <crate::islands::live::LiveStatusIsland embedded/>
                        </crate::islands::filter_bar::FilterBarIsland>
                    }
                })
            }}
        </Suspense>
    }
}

/// The query string of the page's filter for API links (exports), with the resolved dates.
pub fn api_query(range: DateRange, filter: &DashboardFilter) -> String {
    let mut q = format!(
        "from={}&to={}&compare={}",
        range.from,
        range.to,
        filter.compare.key()
    );
    let mut push = |key: &str, value: &str| {
        q.push_str(&format!("&{key}={}", url_escape(value)));
    };
    for v in &filter.channel {
        push("channel", v);
    }
    for v in &filter.source {
        push("source", &v.to_string());
    }
    for v in &filter.country {
        push("country", v);
    }
    for v in &filter.category {
        push("category", v);
    }
    q
}
