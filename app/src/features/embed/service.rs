//! What the admin's embed management does: list, save, revoke, rotate, mint. Callers are admins.
use chrono::Utc;

use super::queries;
use super::token::{self, MAX_TOKEN_DAYS, ROTATION_GRACE_HOURS};
use super::types::{EmbedDetail, EmbedInput, EmbedView, FilterKey, LockedFilters};
use crate::caller::Caller;
use crate::dashboard::filter::FilterOptions;
use crate::error::AppError;
use crate::features::auth::service::audit;
use crate::features::auth::types::CurrentUser;
use crate::state::AppState;

/// What the embed page needs: its scope, theme and token expiry. Only an embed token gets it.
pub fn view(caller: Caller) -> Result<EmbedView, AppError> {
    match caller {
        Caller::Embed(grant) => Ok(EmbedView {
            scope: grant.scope,
            token_expires_at: grant.expires_at,
            allowed_origins: grant.allowed_origins,
        }),
        Caller::Refused(reason) => Err(AppError::TokenRefused(reason)),
        _ => Err(AppError::TokenRefused(
            "this page needs an embed token (?token=…)".into(),
        )),
    }
}

/// Every embed with the secret hosts sign its tokens with.
pub async fn embeds(state: &AppState) -> Result<Vec<EmbedDetail>, AppError> {
    Ok(queries::list_embeds(&state.pool)
        .await?
        .into_iter()
        .map(|row| EmbedDetail {
            secret: state
                .embed_key
                .embed_secret(row.embed_id, row.secret_version),
            embed: row.to_embed(),
        })
        .collect())
}

/// Creates (`id` none) or changes an embed; its id.
pub async fn save(
    pool: &sqlx::PgPool,
    admin: &CurrentUser,
    id: Option<i64>,
    input: EmbedInput,
) -> Result<i64, AppError> {
    let valid = input.validate(Utc::now())?;
    let options = crate::dashboard::queries::filter_options(pool).await?;
    locked_values_exist(&valid.locked, &options)?;
    let action = if id.is_some() {
        "embed.update"
    } else {
        "embed.create"
    };
    let id = match id {
        None => queries::insert_embed(pool, &valid, admin.id).await?,
        Some(id) => {
            if !queries::update_embed(pool, id, &valid).await? {
                return Err(AppError::NotFound(format!("A live embed with id {id}")));
            }
            id
        }
    };
    audit(
        pool,
        admin,
        action,
        Some(&format!(
            "embed {id} ({}, {})",
            valid.name,
            valid.dashboard.as_str()
        )),
    )
    .await?;
    Ok(id)
}

/// Every locked value is one the data has (a mistyped "Germny" would show an embed of zeros),
/// else an error naming the value, with the closest existing one as a suggestion. A filter the
/// data has no values of yet (an empty store) is not checked.
fn locked_values_exist(locked: &LockedFilters, options: &FilterOptions) -> Result<(), AppError> {
    for (key, values) in locked {
        let known: Vec<String> = match key {
            FilterKey::Channel => options.channels.clone(),
            FilterKey::Country => options.countries.clone(),
            FilterKey::Category => options.categories.clone(),
            FilterKey::Source => options
                .sources
                .iter()
                .map(|(id, _)| id.to_string())
                .collect(),
        };
        if known.is_empty() {
            continue;
        }
        if let Some(value) = values.iter().find(|v| !known.contains(v)) {
            let closest = known
                .iter()
                .map(|k| {
                    (
                        strsim::jaro_winkler(&k.to_lowercase(), &value.to_lowercase()),
                        k,
                    )
                })
                .filter(|(score, _)| *score >= 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = match (key, closest) {
                (_, Some((_, k))) => format!(": did you mean '{k}'?"),
                (FilterKey::Source, None) => {
                    let ids: Vec<String> = options
                        .sources
                        .iter()
                        .map(|(id, name)| format!("{id} ({name})"))
                        .collect();
                    format!(": the sources are {}", ids.join(", "))
                }
                (_, None) => String::new(),
            };
            return Err(AppError::invalid(
                "locked",
                format!("no {} '{value}' in the data{hint}", key.as_str()),
            ));
        }
    }
    Ok(())
}

/// Revokes an embed: its tokens stop working at once.
pub async fn revoke(pool: &sqlx::PgPool, admin: &CurrentUser, id: i64) -> Result<(), AppError> {
    if !queries::revoke_embed(pool, id).await? {
        return Err(AppError::NotFound(format!("A live embed with id {id}")));
    }
    audit(pool, admin, "embed.revoke", Some(&format!("embed {id}"))).await
}

/// A new secret for an embed; tokens signed with the old one work for a grace period.
pub async fn rotate_secret(
    pool: &sqlx::PgPool,
    admin: &CurrentUser,
    id: i64,
) -> Result<(), AppError> {
    if !queries::rotate_secret(pool, id, ROTATION_GRACE_HOURS).await? {
        return Err(AppError::NotFound(format!("A live embed with id {id}")));
    }
    audit(pool, admin, "embed.rotate", Some(&format!("embed {id}"))).await
}

/// A token for an embed, valid for `minutes` (at most `MAX_TOKEN_DAYS`, never past the embed's
/// expiry).
pub async fn mint_token(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    minutes: i64,
) -> Result<String, AppError> {
    let longest = MAX_TOKEN_DAYS * 24 * 60;
    if !(1..=longest).contains(&minutes) {
        return Err(AppError::invalid(
            "minutes",
            format!("between 1 minute and {MAX_TOKEN_DAYS} days"),
        ));
    }
    let row = queries::embed_row(&state.pool, id)
        .await?
        .filter(|r| r.revoked_at.is_none())
        .ok_or_else(|| AppError::NotFound(format!("A live embed with id {id}")))?;
    if row.expires_at.is_some_and(|end| end <= Utc::now()) {
        return Err(AppError::Conflict(format!(
            "embed {id} has expired: set a later expiry first"
        )));
    }
    let mut until = Utc::now() + chrono::Duration::minutes(minutes);
    if let Some(end) = row.expires_at {
        until = until.min(end);
    }
    audit(
        &state.pool,
        admin,
        "embed.token",
        Some(&format!(
            "embed {id} until {}",
            until.format("%Y-%m-%d %H:%M UTC")
        )),
    )
    .await?;
    Ok(token::mint(&state.embed_key, &row, until))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> FilterOptions {
        FilterOptions {
            channels: vec!["online".into(), "store".into()],
            sources: vec![(3, "Shop".into())],
            countries: vec!["France".into(), "Germany".into(), "United Kingdom".into()],
            categories: Vec::new(),
            presets: Vec::new(),
        }
    }

    fn check(key: FilterKey, values: &[&str]) -> Result<(), String> {
        let locked = LockedFilters::from([(key, values.iter().map(|v| v.to_string()).collect())]);
        locked_values_exist(&locked, &options()).map_err(|e| e.to_string())
    }

    #[test]
    fn locked_values_must_exist_and_a_typo_gets_a_suggestion() {
        assert_eq!(check(FilterKey::Country, &["Germany", "France"]), Ok(()));
        let err = check(FilterKey::Country, &["Germany", "Germny"]).unwrap_err();
        assert!(
            err.contains("no country 'Germny' in the data: did you mean 'Germany'?"),
            "{err}"
        );
        let err = check(FilterKey::Country, &["germany"]).unwrap_err();
        assert!(err.contains("did you mean 'Germany'?"), "{err}");
        let err = check(FilterKey::Country, &["Atlantis"]).unwrap_err();
        assert!(err.ends_with("no country 'Atlantis' in the data"), "{err}");
        let err = check(FilterKey::Source, &["9"]).unwrap_err();
        assert!(err.contains("the sources are 3 (Shop)"), "{err}");
        // No categories in the data yet: nothing to check against.
        assert_eq!(check(FilterKey::Category, &["Mugs"]), Ok(()));
    }
}
