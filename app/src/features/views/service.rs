//! Who may do what with saved views. Any user keeps their own views (an API token acts as its
//! creator); a view another user sees is a published one; admins publish and unpublish views and
//! may remove a published view of anyone's (audited). A private view of someone else's is "not
//! found", never "forbidden": its existence is not told.
use sqlx::PgPool;

use super::queries::{self, ViewRow};
use super::types::{canonical_query, clean_name, SavedView, PER_USER};
use crate::error::AppError;
use crate::features::auth::service::audit;
use crate::features::auth::types::{CurrentUser, Role};
use crate::features::embed::types::Dashboard;

fn to_view(row: ViewRow, user: &CurrentUser) -> Result<SavedView, AppError> {
    let mine = row.owner_id == user.id;
    Ok(SavedView {
        id: row.saved_view_id,
        dashboard: row
            .dashboard
            .parse()
            .map_err(|e: String| AppError::internal("stored dashboard", e))?,
        name: row.name,
        query: row.query,
        owner: (mine || user.role == Role::Admin).then_some(row.owner),
        mine,
        published: row.published,
        updated_at: row.updated_at,
    })
}

/// The user's views of `dashboard`, then those published by others.
pub async fn list(
    pool: &PgPool,
    user: &CurrentUser,
    dashboard: Dashboard,
) -> Result<Vec<SavedView>, AppError> {
    queries::visible(pool, user.id, dashboard.as_str())
        .await?
        .into_iter()
        .map(|row| to_view(row, user))
        .collect()
}

/// Saves the filters `query` (a URL query string, `?` optional) under `name`; a view of the
/// user's with that name (any case) gets the new filters.
pub async fn save(
    pool: &PgPool,
    user: &CurrentUser,
    dashboard: Dashboard,
    name: &str,
    query: &str,
) -> Result<SavedView, AppError> {
    let name = clean_name(name)?;
    if query.len() > 4000 {
        return Err(AppError::invalid("query", "the filters are too long"));
    }
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .into_owned()
            .collect();
    let query = canonical_query(
        dashboard,
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let mut tx = pool.begin().await?;
    let row = queries::upsert(&mut *tx, user.id, dashboard.as_str(), &name, &query).await?;
    if queries::count_owned(&mut *tx, user.id, dashboard.as_str()).await? > PER_USER {
        return Err(AppError::Conflict(format!(
            "You keep {PER_USER} views of {} already: delete one first",
            dashboard.title()
        )));
    }
    tx.commit().await?;
    to_view(row, user)
}

/// A view the user may see (their own or a published one).
async fn visible(pool: &PgPool, user: &CurrentUser, id: i64) -> Result<ViewRow, AppError> {
    queries::by_id(pool, id)
        .await?
        .filter(|row| row.owner_id == user.id || row.published)
        .ok_or_else(|| AppError::NotFound(format!("View {id}")))
}

/// Removes a view: the owner's own, or a published one by an admin (audited).
pub async fn delete(pool: &PgPool, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let row = visible(pool, user, id).await?;
    let mine = row.owner_id == user.id;
    if !mine && user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    queries::delete(pool, id).await?;
    if row.published {
        audit(
            pool,
            user,
            "view.delete",
            Some(&format!(
                "{} view '{}' of {}",
                row.dashboard, row.name, row.owner
            )),
        )
        .await?;
    }
    Ok(())
}

/// An admin publishes one of their views to every user, or takes a published view back
/// (audited).
pub async fn publish(
    pool: &PgPool,
    admin: &CurrentUser,
    id: i64,
    published: bool,
) -> Result<SavedView, AppError> {
    let mut row = visible(pool, admin, id).await?;
    if row.published != published {
        queries::set_published(pool, id, published).await?;
        let action = if published {
            "view.publish"
        } else {
            "view.unpublish"
        };
        audit(
            pool,
            admin,
            action,
            Some(&format!(
                "{} view '{}' of {}",
                row.dashboard, row.name, row.owner
            )),
        )
        .await?;
        row.published = published;
    }
    to_view(row, admin)
}
