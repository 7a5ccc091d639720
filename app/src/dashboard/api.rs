//! Server functions every dashboard shares: the filter bar's options.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::filter::FilterOptions;
use crate::error::AppError;

/// The channels, sources, countries and categories the filter bar offers.
#[server(prefix = "/fn", endpoint = "get_filter_options", input = GetUrl, output = crate::codec::Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_filter_options() -> Result<FilterOptions, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::anyone(|state, who| async move {
        if who.embed().is_none() {
            who.user(Role::Viewer)?;
        }
        let mut options = super::queries::filter_options(&state.pool).await?;
        options.presets = super::range::preset_ranges(&state.pool, &state.limits).await?;
        Ok(match who.embed() {
            Some(grant) => grant.scope.options(options),
            None => options,
        })
    })
    .await
}
