//! The browser entry point: the page is server HTML;
//! only its `#[island]`s hydrate (app/src/islands). App, Router and the pages are not referenced
//! here, so they are not in the WASM.
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A server function's redirect (login, logout) without the Router's hook.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().assign(location);
    });
    // The root owner of the islands; island_script.js hydrates each `<leptos-island>` after this.
    leptos::mount::hydrate_islands();
    // The page-wide listeners the App's Effect used to start.
    app::components::menus::close_on_escape_and_outside_click();
    app::components::chart::follow_window_size();
    app::islands::search::focus_on_slash();
    // `<body data-hydrated>` is set by the last island (app/src/islands/marker.rs), after the
    // others hydrated: island_script.js hydrates them only after this function returns.
}
