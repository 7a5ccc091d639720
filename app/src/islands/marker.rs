//! The last island of every page: islands hydrate one after another in document order
//! (island_script.js), so when this one runs the others have; its effect runs after theirs
//! (charts drawn). It marks `<body data-hydrated="true">`, which the browser tests wait for.
use leptos::prelude::*;

#[island]
pub fn HydratedMarker() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! { <span hidden=true></span> }
}
