//! Shop connections as the pages and the API reach them. The connectors themselves (platform
//! clients, syncs, the schedule) live in the server binary, which puts its implementation in
//! the app state: the server functions and the REST handlers call the same methods. Every
//! method is for admins; callers check the role first, the methods audit what they change.
use futures_util::future::BoxFuture;

use super::types::{
    ConnectionChange, ConnectionChanged, ConnectionCreated, ConnectionDeleted, ConnectionSummary,
    NewConnection, SyncJob, SyncReport, TestReport, WebhooksRegistered,
};
use crate::error::AppError;
use crate::features::auth::types::CurrentUser;
use crate::state::AppState;

pub type Answer<'a, T> = BoxFuture<'a, Result<T, AppError>>;

pub trait Connector: Send + Sync {
    /// Every connection, by name (never its credentials).
    fn list<'a>(&'a self, state: &'a AppState) -> Answer<'a, Vec<ConnectionSummary>>;
    /// Tests the credentials with the platform and saves the connection only if a sync can work.
    fn create<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        new: NewConnection,
    ) -> Answer<'a, ConnectionCreated>;
    /// Changes a connection; new credentials are tested first and saved only if accepted.
    fn change<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
        change: ConnectionChange,
    ) -> Answer<'a, ConnectionChanged>;
    /// Asks the platform again what the credentials can read.
    fn test<'a>(&'a self, state: &'a AppState, id: i64) -> Answer<'a, TestReport>;
    /// Syncs now and answers when done.
    fn sync<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
    ) -> Answer<'a, SyncReport>;
    /// Deletes a connection, keeping or deleting its data.
    fn delete<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
        keep_data: bool,
    ) -> Answer<'a, ConnectionDeleted>;
    /// A connection's syncs, newest first.
    fn history<'a>(&'a self, state: &'a AppState, id: i64, limit: i64) -> Answer<'a, Vec<SyncJob>>;
    /// Registers the platform's webhooks to this server.
    fn register_webhooks<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
    ) -> Answer<'a, WebhooksRegistered>;
}
