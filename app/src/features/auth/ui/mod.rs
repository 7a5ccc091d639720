mod login;
mod users;
pub use login::LoginPage;
pub use users::UsersPage;
