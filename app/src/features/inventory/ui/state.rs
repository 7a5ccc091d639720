//! What the page's panels share on the server (the page's query, the user's role) and in the
//! browser (the header badge, after the signals change). The pages are server HTML: their action
//! panels are islands that get what they need as props and, after an action that changes the
//! figures, load the page again in place (`crate::islands::nav`).
use leptos::prelude::*;

use crate::error::AppError;
use crate::features::auth::context::UserResource;
use crate::features::auth::types::{CurrentUser, Role};
use crate::islands::nav::Query;

/// The signed-in user (server side: the App's resource).
pub(super) type User = Resource<Result<Option<CurrentUser>, AppError>, crate::codec::Page>;

/// The App's current-user resource, to await inside a `<Suspense>` (server side).
pub(super) fn user() -> User {
    expect_context::<UserResource>().0
}

/// Whether the signed-in user may decide prices, push them and acknowledge signals (an analyst
/// or an admin; the server functions check again).
pub(super) async fn may_decide(user: User) -> bool {
    user.await
        .ok()
        .flatten()
        .is_some_and(|u| u.role.allows(Role::Analyst))
}

/// Every key and value of the current request's query, in order (server side): the tables' URL
/// state is kept besides the dashboard filters (`crate::islands::nav::current_query` keeps only
/// those).
pub(super) fn page_query() -> Query {
    leptos_router::hooks::use_query_map().with_untracked(|map| {
        map.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

/// The header's badge of open critical signals (`[data-open-signals]`, server HTML of the top
/// bar) set to the count the server has now, after the signals changed in the browser.
pub(super) fn update_badge() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async {
        let Ok(n) = crate::features::inventory::api::get_open_signal_count().await else {
            return;
        };
        let document = document();
        let badge = document
            .query_selector("[data-open-signals]")
            .ok()
            .flatten();
        match badge {
            Some(badge) if n > 0 => {
                let _ = badge.set_attribute("data-open-signals", &n.to_string());
                let _ = badge.set_attribute("title", &format!("{n} open market signals"));
                badge.set_text_content(Some(&n.to_string()));
            }
            Some(badge) => badge.remove(),
            None if n > 0 => {
                // None was open when the page was rendered: the badge goes in the
                // navigation's link to this page, as the server renders it.
                let Ok(Some(link)) = document.query_selector(".topbar .nav a[href=\"/inventory\"]")
                else {
                    return;
                };
                let Ok(badge) = document.create_element("span") else {
                    return;
                };
                let _ = badge.set_attribute("class", "badge");
                let _ = badge.set_attribute("data-open-signals", &n.to_string());
                let _ = badge.set_attribute("title", &format!("{n} open market signals"));
                badge.set_text_content(Some(&n.to_string()));
                let _ = link.append_child(&badge);
            }
            None => {}
        }
    });
}
