//! Webhooks: a shop tells StorePulse about an order as it happens. `POST /webhooks/shopify` is
//! verified before anything in it is read — the shop named by `X-Shopify-Shop-Domain` must be a
//! connection with a webhook secret, and `X-Shopify-Hmac-Sha256` must be the base64 HMAC-SHA256
//! of the raw body under that secret (compared in constant time) — else 401 and nothing is kept.
//! A delivery is handled once (by `X-Shopify-Webhook-Id`); an order older than the version
//! already loaded (`updated_at`) changes nothing; an order is loaded as a one-order ingest run
//! (its cursor untouched: the scheduled sync still reads everything in order).
use app::error::AppError;
use app::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

use super::connection::{self, Opened};
use super::sync::{load_batch, Platformed, Stop, SyncOptions};
use super::{shopify, Batch, Platform};
use app::features::sources::types::SyncReport;

/// The largest webhook body read (an order with hundreds of lines is well under it).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Whether `signature` (base64) is the HMAC-SHA256 of `body` under `secret`.
pub fn signed(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refused() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(serde_json::json!({"error": "The webhook's signature or shop is not one this server knows."})),
    )
        .into_response()
}

/// The headers a platform's deliveries carry.
struct Names {
    /// The shop: Shopify's domain, WooCommerce's site address.
    origin: &'static str,
    signature: &'static str,
    topic: &'static str,
    delivery: &'static str,
}

fn names(platform: Platform) -> Names {
    match platform {
        Platform::Shopify => Names {
            origin: "x-shopify-shop-domain",
            signature: "x-shopify-hmac-sha256",
            topic: "x-shopify-topic",
            delivery: "x-shopify-webhook-id",
        },
        // Magento sends no webhooks (no route): named like WooCommerce's for completeness.
        Platform::WooCommerce | Platform::Magento => Names {
            origin: "x-wc-webhook-source",
            signature: "x-wc-webhook-signature",
            topic: "x-wc-webhook-topic",
            delivery: "x-wc-webhook-delivery-id",
        },
    }
}

/// `POST /webhooks/shopify`.
pub async fn shopify(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match receive(&state, Platform::Shopify, &headers, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// `POST /webhooks/woocommerce`.
pub async fn woocommerce(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match receive(&state, Platform::WooCommerce, &headers, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn receive(
    state: &AppState,
    platform: Platform,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let names = names(platform);
    let (Some(origin), Some(signature)) = (
        header(headers, names.origin),
        header(headers, names.signature),
    ) else {
        return Ok(refused());
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return Err(AppError::TooLarge(format!(
            "A webhook body may be at most {} bytes.",
            MAX_BODY_BYTES
        )));
    };
    let pool = &state.pool;
    let Some((id, secret)) =
        connection::webhook_target(pool, &state.credentials, platform, origin).await?
    else {
        tracing::warn!(
            origin,
            platform = platform.label(),
            "a webhook for a shop without a connection or webhook secret: refused"
        );
        return Ok(refused());
    };
    if !signed(&secret, &body, signature) {
        tracing::warn!(
            origin,
            platform = platform.label(),
            "a webhook with a wrong signature: refused"
        );
        return Ok(refused());
    }
    // Signed by the shop: now it may be read.
    let topic = header(headers, names.topic).unwrap_or("").to_string();
    if platform == Platform::WooCommerce && body.starts_with(b"webhook_id=") {
        // WooCommerce's ping when a webhook is saved.
        return Ok(answer("ping: the webhook reaches StorePulse"));
    }
    let Some(delivery) = header(headers, names.delivery).map(str::to_string) else {
        return Err(AppError::invalid(names.delivery, "the delivery has no id"));
    };
    let seen: bool = sqlx::query_scalar!(
        r#"select exists (select 1 from webhook_delivery where source_id = $1 and delivery_id = $2) as "seen!""#,
        id,
        delivery
    )
    .fetch_one(pool)
    .await?;
    if seen {
        return Ok(answer("duplicate: this delivery was handled before"));
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::invalid("body", format!("the webhook's body is not JSON ({e})")))?;
    let opened = connection::open(pool, &state.credentials, id).await?;
    let options = SyncOptions::for_state(state, None);
    let (outcome, run) = match (platform, topic.as_str()) {
        (Platform::Shopify, "orders/create" | "orders/updated" | "orders/cancelled")
        | (Platform::WooCommerce, "order.created" | "order.updated" | "order.restored") => {
            load_order(pool, &opened, &options, value).await?
        }
        (Platform::Shopify, "refunds/create") => {
            // A refund names its order: the order is read again, with every refund it has.
            let order_id = value
                .get("order_id")
                .and_then(|v| v.as_u64())
                .ok_or_else(|| AppError::invalid("body", "the refund has no order_id"))?;
            let client = shopify::Client::new(
                &opened.shop_url,
                &opened.token,
                options.reach.retry.policy(),
            )
            .map_err(AppError::Conflict)?;
            match client.order(order_id).await {
                Ok(order) => load_order(pool, &opened, &options, order).await?,
                // Loaded by the next scheduled sync instead.
                Err(err) => (format!("deferred to the next sync: {err}"), None),
            }
        }
        (Platform::Shopify, "products/update")
        | (Platform::WooCommerce, "product.created" | "product.updated") => {
            let client = Platformed::new(&opened, &options).map_err(stop_error)?;
            let mut batch = Batch::default();
            let mut notes = SyncReport::default();
            match client
                .add_products(&mut batch, vec![value], &mut notes)
                .await
            {
                Ok(_) => {
                    let loaded = load_batch(pool, &opened, &options, batch, None).await?;
                    outcome_of(loaded.run.as_ref(), "product loaded")
                }
                Err(Stop::Fetch(err)) => (format!("deferred to the next sync: {err}"), None),
                Err(other) => return Err(stop_error(other)),
            }
        }
        (Platform::Shopify, "inventory_levels/update") => (
            "ignored: stock levels arrive with the products of the next sync".to_string(),
            None,
        ),
        (_, other) => (
            format!("ignored: topic '{other}' is not one StorePulse handles"),
            None,
        ),
    };
    sqlx::query!(
        "insert into webhook_delivery (source_id, delivery_id, topic, outcome, ingest_run_id)
         values ($1, $2, $3, $4, $5) on conflict do nothing",
        id,
        delivery,
        topic,
        outcome,
        run
    )
    .execute(pool)
    .await?;
    Ok(answer(&outcome))
}

/// A sync step's failure as a webhook's error.
fn stop_error(stop: Stop) -> AppError {
    match stop {
        Stop::App(err) => err,
        Stop::Fetch(err) => AppError::Conflict(err.to_string()),
        Stop::Run(text) => AppError::Conflict(text),
    }
}

fn answer(outcome: &str) -> Response {
    (
        StatusCode::OK,
        Json(serde_json::json!({"outcome": outcome})),
    )
        .into_response()
}

fn outcome_of(run: Option<&crate::ingest::run::RunSummary>, done: &str) -> (String, Option<i64>) {
    match run {
        Some(r) if r.succeeded => (format!("{done} (run {})", r.run_id), Some(r.run_id)),
        Some(r) => (
            format!(
                "failed (run {}): {}",
                r.run_id,
                r.error.as_deref().unwrap_or("see the run")
            ),
            Some(r.run_id),
        ),
        None => ("nothing to load".to_string(), None),
    }
}

/// Loads one order unless a newer version of it is loaded already (its `updated_at`;
/// WooCommerce's `date_modified_gmt`).
async fn load_order(
    pool: &PgPool,
    opened: &Opened,
    options: &SyncOptions,
    order: serde_json::Value,
) -> Result<(String, Option<i64>), AppError> {
    let order_id = order.get("id").map(|v| v.to_string()).unwrap_or_default();
    let updated_at = match opened.platform {
        Platform::Shopify => order
            .get("updated_at")
            .and_then(|v| v.as_str())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
        Platform::WooCommerce | Platform::Magento => order
            .get("date_modified_gmt")
            .and_then(|v| v.as_str())
            .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
            .map(|t| t.and_utc()),
    };
    let held: Option<DateTime<Utc>> = sqlx::query_scalar!(
        r#"select updated_at as "updated_at: DateTime<Utc>" from shop_order_version where source_id = $1 and order_id = $2"#,
        opened.source_id,
        order_id
    )
    .fetch_optional(pool)
    .await?;
    if let (Some(held), Some(incoming)) = (held, updated_at) {
        if incoming <= held {
            return Ok((
                format!("stale: order {order_id} of {incoming} is not newer than the version loaded ({held})"),
                None,
            ));
        }
    }
    let client = Platformed::new(opened, options).map_err(stop_error)?;
    let mut batch = Batch::default();
    match client.add_orders(&mut batch, vec![order], options).await {
        Ok(_) => {}
        // A refund or country list that cannot be read now: the next sync loads the order.
        Err(Stop::Fetch(err)) => return Ok((format!("deferred to the next sync: {err}"), None)),
        Err(other) => return Err(stop_error(other)),
    }
    let loaded = load_batch(pool, opened, options, batch, None).await?;
    let mut outcome = outcome_of(loaded.run.as_ref(), &format!("order {order_id} loaded"));
    if !loaded.notes.is_empty() {
        outcome.0 = format!("{}; {}", outcome.0, loaded.notes.join("; "));
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_the_base64_hmac_of_the_raw_body() {
        let secret = b"hush";
        let body = br#"{"id":1}"#;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
        mac.update(body);
        let good = STANDARD.encode(mac.finalize().into_bytes());
        assert!(signed(secret, body, &good));
        assert!(!signed(b"other", body, &good));
        assert!(!signed(secret, br#"{"id":2}"#, &good));
        assert!(!signed(secret, body, "not base64!"));
        assert!(!signed(secret, body, ""));
    }
}
