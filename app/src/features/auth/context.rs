//! The auth context every page shares: the login and logout actions and the current user,
//! provided once by the app root and read by the header, the login page and admin pages.
use leptos::prelude::*;

use super::api::{get_current_user, Login, Logout};
use super::types::CurrentUser;
use crate::error::AppError;

/// The login and logout actions; the current-user resource refetches after either.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

#[derive(Clone, Copy)]
pub struct UserResource(pub Resource<Result<Option<CurrentUser>, AppError>, crate::codec::Page>);

/// Creates the actions and the current-user resource and puts both in context.
pub fn provide_auth_context() {
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    provide_context(AuthActions { login, logout });
    let user = crate::codec::resource(
        move || (login.version().get(), logout.version().get()),
        |_| get_current_user(),
    );
    provide_context(UserResource(user));
}

/// Whether the signed-in user's role reaches `role`: false while it is not known yet, for an
/// embed and for a visitor who is not signed in. For showing only the controls and links a user
/// may follow (the server checks the role again).
pub fn user_allows(role: super::types::Role) -> Signal<bool> {
    let user = expect_context::<UserResource>().0;
    Signal::derive(move || {
        user.get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| u.role.allows(role))
    })
}
