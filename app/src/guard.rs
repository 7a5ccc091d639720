//! The one way a server function starts: check who is calling, take the application state, run
//! the service, and give a failed call its HTTP status (401/403/422/429…) so that scripts calling
//! `/fn/...` directly get the same statuses as the JSON API.
use std::future::Future;

use chrono::NaiveDate;

use crate::caller::{caller, Caller};
use crate::dashboard::filter::{DashboardFilter, DateRange};
use crate::dashboard::scope::Scope;
use crate::error::with_status;
use crate::error::AppError;
use crate::features::auth::types::{CurrentUser, Role};
use crate::features::embed::types::Dashboard;
use crate::state::{app_state, AppState};
use crate::turns::Share;

/// Runs `body` for a signed-in user whose role reaches `required` (embeds are never users).
pub async fn role<T, F, Fut>(required: Role, body: F) -> Result<T, AppError>
where
    F: FnOnce(AppState, CurrentUser) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    with_status(
        async {
            let user = caller().await?.user(required)?;
            body(app_state()?, user).await
        }
        .await,
    )
}

/// Runs `body` for any caller allowed to read `dashboard` (any user, or an embed of it), with the
/// scope it may see.
pub async fn dashboard<T, F, Fut>(
    dashboard: Dashboard,
    filter: DashboardFilter,
    body: F,
) -> Result<T, AppError>
where
    F: FnOnce(AppState, Scope) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    with_status(
        async {
            let scope = caller().await?.scope(dashboard, filter)?;
            body(app_state()?, scope).await
        }
        .await,
    )
}

/// Runs one part of a dashboard (one server function of a page) for any caller allowed to read
/// `dashboard`, with the caller's filter, the range it resolves to and the latest day with data.
/// `users_only` parts (customer names, store-wide figures) refuse an embed. What the part
/// computes waits for its turn (`crate::turns`: one per core, first asked first served).
pub async fn part<T, F, Fut>(
    dashboard: Dashboard,
    filter: DashboardFilter,
    users_only: bool,
    body: F,
) -> Result<T, AppError>
where
    F: FnOnce(AppState, DashboardFilter, DateRange, Option<NaiveDate>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    in_turn(Share::One, dashboard, filter, users_only, body).await
}

/// A page's cards: a `part` that takes every free turn while it computes (waiting for one), so
/// that the figures read first are not slowed by the parts asked for after them.
pub async fn cards<T, F, Fut>(
    dashboard: Dashboard,
    filter: DashboardFilter,
    body: F,
) -> Result<T, AppError>
where
    F: FnOnce(AppState, DashboardFilter, DateRange, Option<NaiveDate>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    in_turn(Share::All, dashboard, filter, false, body).await
}

async fn in_turn<T, F, Fut>(
    share: Share,
    dashboard: Dashboard,
    filter: DashboardFilter,
    users_only: bool,
    body: F,
) -> Result<T, AppError>
where
    F: FnOnce(AppState, DashboardFilter, DateRange, Option<NaiveDate>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    // Cards go ahead of the parts asked for with them, from the very start of their request:
    // the other parts do not even resolve their range (queries of their own) until they answered
    // (they wait once the caller is known: a request that ended meanwhile has no caller to ask).
    let turns = app_state()?.parts;
    let _first = (share == Share::All).then(|| turns.cards_first());
    self::dashboard(dashboard, filter, |state, scope| async move {
        if share == Share::One {
            turns.after_cards().await;
        }
        if users_only && scope.embedded {
            return Err(AppError::Forbidden);
        }
        let (range, latest) =
            crate::dashboard::range::resolve(&state.pool, &scope.filter, &state.limits).await?;
        // Boxed: a part's future is large (a whole service call), and the task-local around it
        // would otherwise be built on the stack of the request (a debug build overflows it).
        let body = Box::pin(body(state, scope.filter, range, latest));
        crate::turns::as_part(turns, share, body).await
    })
    .await
}

/// Runs `body` for any caller; it decides from the `Caller` what it may do (public pages, login).
pub async fn anyone<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(AppState, Caller) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    with_status(
        async {
            let who = caller().await?;
            body(app_state()?, who).await
        }
        .await,
    )
}
