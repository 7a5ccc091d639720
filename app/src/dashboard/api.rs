//! Server functions every dashboard shares: the filter bar's options.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::filter::FilterOptions;
use crate::error::AppError;

/// The channels, sources, countries and categories the filter bar offers.
#[server(prefix = "/fn", endpoint = "get_filter_options", input = GetUrl, output = crate::codec::Read)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_filter_options() -> Result<FilterOptions, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::anyone(|state, who| async move {
        if who.embed().is_none() {
            who.user(Role::Viewer)?;
        }
        // Computed once per data version, and as a page part: the distinct values of the whole
        // Sales rollup (~120 ms of the database's two cores at 10M order lines) were read on every
        // page view, beside the cards (slowing their passes over the customer copy 2–3×).
        let options = crate::turns::as_part(
            state.parts.clone(),
            crate::turns::Share::One,
            state
                .cache
                .get_or_compute(&state.pool, "filter.options", &(), async {
                    Ok(super::queries::filter_options(&state.pool).await?)
                }),
        );
        let mut options: FilterOptions = options.await?;
        // Not cached: they move with the calendar day, not only with the data.
        options.presets = super::range::preset_ranges(&state.pool, &state.limits).await?;
        Ok(match who.embed() {
            Some(grant) => grant.scope.options(options),
            None => options,
        })
    })
    .await
}
