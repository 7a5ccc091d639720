//! The server's shop connectors behind the app's `Connector` trait: what the Data sources page's
//! server functions and the REST API call. Each method audits what it changes.
use std::sync::Arc;

use app::error::AppError;
use app::features::auth::service::audit;
use app::features::auth::types::CurrentUser;
use app::features::sources::types::{
    ConnectionChange, ConnectionChanged, ConnectionCreated, ConnectionDeleted, ConnectionSummary,
    NewConnection, SyncJob, SyncReport, TestReport, WebhooksRegistered,
};
use app::state::{Answer, AppState, Connector};

use super::connection::{self, reach};
use super::sync::SyncOptions;
use super::{schedule, shopify};

/// The connectors of this server.
pub struct Shops;

async fn find(state: &AppState, id: i64) -> Result<ConnectionSummary, AppError> {
    connection::list(&state.pool)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::NotFound(format!("Connection {id}")))
}

impl Connector for Shops {
    fn list<'a>(&'a self, state: &'a AppState) -> Answer<'a, Vec<ConnectionSummary>> {
        Box::pin(async move { Ok(connection::list(&state.pool).await?) })
    }

    fn create<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        new: NewConnection,
    ) -> Answer<'a, ConnectionCreated> {
        Box::pin(async move {
            let (id, test) = connection::create(
                &state.pool,
                &state.credentials,
                reach(state.connector_test_mode),
                &state.currency,
                &new,
            )
            .await?;
            let target = format!("{id} {}", new.name.trim());
            audit(&state.pool, user, "connection.create", Some(&target)).await?;
            Ok(ConnectionCreated { id, test })
        })
    }

    fn change<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
        change: ConnectionChange,
    ) -> Answer<'a, ConnectionChanged> {
        Box::pin(async move {
            let test = connection::update(
                &state.pool,
                &state.credentials,
                reach(state.connector_test_mode),
                &state.currency,
                id,
                &change,
            )
            .await?;
            let what = if change.access_token.is_some() {
                "connection.rotate"
            } else {
                "connection.update"
            };
            audit(&state.pool, user, what, Some(&id.to_string())).await?;
            Ok(ConnectionChanged {
                connection: find(state, id).await?,
                test,
            })
        })
    }

    fn test<'a>(&'a self, state: &'a AppState, id: i64) -> Answer<'a, TestReport> {
        Box::pin(connection::test(
            &state.pool,
            &state.credentials,
            reach(state.connector_test_mode),
            &state.currency,
            id,
        ))
    }

    fn sync<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
    ) -> Answer<'a, SyncReport> {
        Box::pin(async move {
            audit(&state.pool, user, "connection.sync", Some(&id.to_string())).await?;
            let options = SyncOptions::for_state(state, Some(user.id));
            let (pool, key) = (state.pool.clone(), state.credentials.clone());
            // Its own task: a caller that goes away does not cut a sync short.
            let (_, report) = tokio::spawn(async move {
                schedule::run_now(&pool, &key, id, &options, Arc::default()).await
            })
            .await
            .map_err(|e| AppError::internal("sync task", e))??;
            Ok(report)
        })
    }

    fn delete<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
        keep_data: bool,
    ) -> Answer<'a, ConnectionDeleted> {
        Box::pin(connection::delete(&state.pool, user, id, keep_data))
    }

    fn history<'a>(&'a self, state: &'a AppState, id: i64, limit: i64) -> Answer<'a, Vec<SyncJob>> {
        Box::pin(async move {
            find(state, id).await?;
            Ok(schedule::history(&state.pool, id, limit.clamp(1, 500)).await?)
        })
    }

    fn push_price<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        decision_id: i64,
    ) -> Answer<'a, app::features::inventory::types::PricingDecision> {
        Box::pin(async move {
            let (_, result) = connection::push_price(
                &state.pool,
                &state.credentials,
                reach(state.connector_test_mode),
                decision_id,
            )
            .await?;
            let target = format!("decision {decision_id}: {result}");
            audit(&state.pool, user, "decision.push", Some(&target)).await?;
            app::features::inventory::service::decision(&state.pool, decision_id).await
        })
    }

    fn register_webhooks<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a CurrentUser,
        id: i64,
    ) -> Answer<'a, WebhooksRegistered> {
        Box::pin(async move {
            let address = connection::register_webhooks(
                &state.pool,
                &state.credentials,
                reach(state.connector_test_mode),
                id,
                state.public_origin.as_deref(),
            )
            .await?;
            audit(
                &state.pool,
                user,
                "connection.webhooks",
                Some(&id.to_string()),
            )
            .await?;
            Ok(WebhooksRegistered {
                address,
                topics: shopify::WEBHOOK_TOPICS
                    .iter()
                    .map(|t| t.to_string())
                    .collect(),
            })
        })
    }
}
