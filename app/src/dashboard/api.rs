//! Server functions and service code every dashboard shares: the filter bar's options, and the
//! range a filter resolves to in the store's clock.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::filter::FilterOptions;
#[cfg(feature = "ssr")]
use super::filter::{DashboardFilter, DateRange};
use crate::error::AppError;

/// The channels, sources, countries and categories the filter bar offers.
#[server(prefix = "/fn", endpoint = "get_filter_options", input = GetUrl)]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all, err(level = "debug")))]
pub async fn get_filter_options() -> Result<FilterOptions, AppError> {
    use crate::features::auth::types::Role;
    crate::guard::anyone(|state, who| async move {
        if who.embed().is_none() {
            who.user(Role::Viewer)?;
        }
        let options = super::queries::filter_options(&state.pool).await?;
        Ok(match who.embed() {
            Some(grant) => grant.scope.options(options),
            None => options,
        })
    })
    .await
}

/// The range a filter asks for, and the local day of the latest order. Orders outside the
/// accepted dates (`limits`; older rows may predate them) never move the presets.
#[cfg(feature = "ssr")]
pub async fn resolve(
    pool: &sqlx::PgPool,
    filter: &DashboardFilter,
    limits: &crate::features::sources::types::ValueLimits,
) -> Result<(DateRange, Option<chrono::NaiveDate>), AppError> {
    use super::{queries, range};
    let today = queries::store_today(pool).await?;
    let latest = queries::latest_order_day(pool, limits.max_date(today)).await?;
    let first = queries::first_order_day(pool, limits.min_date).await?;
    Ok((range::resolve_range(filter, first, latest, today)?, latest))
}
