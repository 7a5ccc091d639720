//! Connections: created only once the platform accepted the credentials, listed without them,
//! rotated by editing, deleted with or without their data. Credentials are sealed before they
//! reach the database and opened only to call the platform.
use app::error::AppError;
use app::features::sources::credentials::CredentialsKey;
use app::features::sources::types::{
    validate_source_name, ConnectionChange, ConnectionDeleted, ConnectionSummary, NewConnection,
    SourceSettings, TestReport,
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::http::{FetchError, RetryPolicy};
use super::{shopify, Platform, ShopInfo};

/// Share of rejected rows (%) a sync's run may have and still load the rest: a shop's single
/// odd order must not stop every later sync, while a mapping that rejects much stops at once.
pub const SYNC_MAX_REJECTED_PERCENT: f64 = 5.0;

/// Where and how connections may reach shops.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reach {
    /// Any http(s) URL (a local double of a platform, in tests); otherwise a Shopify shop must be
    /// `https://<shop>.myshopify.com`.
    pub any_host: bool,
    pub retry: RetryPolicyChoice,
}

/// The retry policy of platform calls (short in tests).
#[derive(Debug, Clone, Copy, Default)]
pub enum RetryPolicyChoice {
    #[default]
    Standard,
    Quick,
}

impl RetryPolicyChoice {
    pub fn policy(self) -> RetryPolicy {
        match self {
            RetryPolicyChoice::Standard => RetryPolicy::default(),
            RetryPolicyChoice::Quick => RetryPolicy {
                attempts: 4,
                base_delay: std::time::Duration::from_millis(50),
                max_wait: std::time::Duration::from_secs(2),
                timeout: std::time::Duration::from_secs(10),
            },
        }
    }
}

/// How this server reaches shops: a local double's address and quick retries only in test mode.
pub fn reach(test_mode: bool) -> Reach {
    if test_mode {
        Reach {
            any_host: true,
            retry: RetryPolicyChoice::Quick,
        }
    } else {
        Reach::default()
    }
}

/// The shop URL the platform's API lives under, from what a person typed ("mystore",
/// "mystore.myshopify.com", "https://mystore.myshopify.com/admin").
pub fn shop_url(platform: Platform, raw: &str, reach: Reach) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("give the shop's URL, e.g. https://mystore.myshopify.com".into());
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else if raw.contains('.') || raw.contains(':') || platform != Platform::Shopify {
        format!("https://{raw}")
    } else {
        format!("https://{raw}.myshopify.com")
    };
    let url =
        reqwest::Url::parse(&with_scheme).map_err(|e| format!("'{raw}' is not a URL ({e})"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("'{raw}' has no host name"))?
        .to_ascii_lowercase();
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put the credentials in their own field, not in the URL".into());
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    // A WordPress site may live in a folder; the API is under it (not under wp-admin).
    let folder = {
        let path = url.path().trim_end_matches('/');
        let path = path.split("/wp-admin").next().unwrap_or_default();
        path.split("/wp-json")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    if reach.any_host {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("'{raw}' is not an http(s) URL"));
        }
        let folder = if platform == Platform::Shopify {
            ""
        } else {
            &folder
        };
        return Ok(format!("{}://{host}{port}{folder}", url.scheme()));
    }
    match platform {
        Platform::WooCommerce | Platform::Magento => {
            if url.scheme() != "https" {
                return Err(format!(
                    "'{raw}' is not https: the credentials travel with every request, so a {} store is reached over https only",
                    platform.label()
                ));
            }
            if is_private_host(&host) {
                return Err(format!(
                    "'{host}' is this machine or a private network address, not a store on the internet"
                ));
            }
            Ok(format!("https://{host}{port}{folder}"))
        }
        Platform::Shopify => {
            let shop = host.strip_suffix(".myshopify.com").filter(|s| {
                !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
            if url.scheme() != "https" || url.port().is_some() || shop.is_none() {
                return Err(format!(
                    "'{raw}' is not a Shopify shop's address: use https://<shop>.myshopify.com (Shopify's admin API answers only there, also for shops with their own domain)"
                ));
            }
            Ok(format!("https://{host}"))
        }
    }
}

/// An address that is this machine or a private network's (a connection must not be pointed at
/// the server's own neighbourhood).
fn is_private_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

/// Reads the platform's answer about the shop against what a sync needs.
pub fn assess(platform: Platform, info: &ShopInfo, store_currency: &str) -> TestReport {
    let has = |scope: &str| info.scopes.iter().any(|s| s == scope);
    let mut can_read = Vec::new();
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    if platform == Platform::Magento {
        can_read.extend(
            [
                "orders, with their credit memos and cancellations",
                "simple products with SKU, price, cost and stock",
                "customers' names and e-mail addresses",
            ]
            .map(String::from),
        );
        warnings.push(
            "Magento has no webhooks: its changes arrive with the scheduled syncs".to_string(),
        );
        warnings.push("pushing prices back needs the integration's Catalog resource".to_string());
    } else if platform == Platform::WooCommerce {
        // WooCommerce does not say what a key may do; reading orders was tried.
        can_read.extend(
            [
                "orders, with their refunds and cancellations",
                "products and variations with SKU, price and stock",
                "customers' names and e-mail addresses",
            ]
            .map(String::from),
        );
        warnings.push("WooCommerce keeps no unit costs: pricing recommendations need them (load a catalog file with costs)".to_string());
        warnings.push("pushing prices back needs a key with Read/Write permission".to_string());
    } else {
        assess_shopify_scopes(&has, &mut can_read, &mut warnings, &mut problems);
    }
    if !info.currency.eq_ignore_ascii_case(store_currency) {
        problems.push(format!(
            "the shop reports in {}, StorePulse's store currency is {store_currency}: amounts would be mixed. Set STOREPULSE_CURRENCY={} for a StorePulse of this shop",
            info.currency, info.currency
        ));
    }
    TestReport {
        shop_name: info.name.clone(),
        shop_currency: info.currency.clone(),
        shop_timezone: info.timezone.clone(),
        can_read,
        warnings,
        problems,
    }
}

/// What a Shopify token's scopes allow.
fn assess_shopify_scopes(
    has: &dyn Fn(&str) -> bool,
    can_read: &mut Vec<String>,
    warnings: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    // Shopify: a write scope implies its read scope.
    let orders = has("read_orders") || has("write_orders");
    if has("read_all_orders") && orders {
        can_read.push("all orders, with their refunds and cancellations".to_string());
    } else if orders {
        can_read
            .push("orders of the last 60 days, with their refunds and cancellations".to_string());
        warnings.push("older orders cannot be read: ask Shopify for the read_all_orders scope to load the whole history".to_string());
    } else {
        problems.push("the token cannot read orders: give the app the read_orders scope (and read_all_orders for more than 60 days)".to_string());
    }
    if has("read_products") || has("write_products") {
        can_read.push("products and variants with SKU, price and stock".to_string());
    } else {
        problems.push(
            "the token cannot read products: give the app the read_products scope".to_string(),
        );
    }
    if has("read_customers") || has("write_customers") {
        can_read.push("customers' names and e-mail addresses".to_string());
    } else {
        warnings.push("without read_customers, customers are known by their id only (no names or e-mail addresses)".to_string());
    }
    if has("read_inventory") || has("write_inventory") {
        can_read.push("unit costs (of inventory items)".to_string());
    } else {
        warnings.push("without read_inventory, unit costs are not read, and pricing recommendations need them".to_string());
    }
    if has("write_products") {
        can_read.push("may update prices (for pushing accepted prices back)".to_string());
    }
}

/// Asks the platform about the shop with these credentials.
pub async fn probe(
    platform: Platform,
    shop_url: &str,
    token: &str,
    reach: Reach,
) -> Result<ShopInfo, FetchError> {
    match platform {
        Platform::Shopify => {
            let client = shopify::Client::new(shop_url, token, reach.retry.policy())
                .map_err(FetchError::Refused)?;
            client.shop().await
        }
        Platform::WooCommerce => {
            let client = super::woo::Client::new(shop_url, token, reach.retry.policy())
                .map_err(FetchError::Refused)?;
            client.shop().await
        }
        Platform::Magento => {
            let client = super::magento::Client::new(shop_url, token, reach.retry.policy())
                .map_err(FetchError::Refused)?;
            client.shop().await
        }
    }
}

/// A saved connection, opened to call the platform.
pub struct Opened {
    pub source_id: i64,
    pub name: String,
    pub platform: Platform,
    pub shop_url: String,
    pub token: String,
    pub settings: SourceSettings,
    pub cursor: Option<String>,
}

fn check_schedule(minutes: Option<i32>) -> Result<i32, AppError> {
    let minutes = minutes.unwrap_or(15);
    if !(5..=1440).contains(&minutes) {
        return Err(AppError::invalid(
            "sync_every_minutes",
            format!("{minutes} is outside 5–1440 minutes"),
        ));
    }
    Ok(minutes)
}

fn check_token(token: &str) -> Result<&str, AppError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(AppError::invalid(
            "access_token",
            "give the shop's access token",
        ));
    }
    if token.len() > 4096 || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(AppError::invalid(
            "access_token",
            "this is not an access token (too long, or it holds spaces or control characters)",
        ));
    }
    Ok(token)
}

/// The credentials as stored: Shopify's access token, or WooCommerce's `key:secret`.
fn credentials_of(
    platform: Platform,
    token: &str,
    secret: Option<&str>,
) -> Result<String, AppError> {
    let token = check_token(token)?;
    match platform {
        Platform::Shopify | Platform::Magento => Ok(token.to_string()),
        Platform::WooCommerce => {
            let secret = secret
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    AppError::invalid(
                        "access_secret",
                        "give the REST API key's consumer secret (cs_…)",
                    )
                })?;
            let secret = check_token(secret)
                .map_err(|_| AppError::invalid("access_secret", "this is not a consumer secret"))?;
            if token.contains(':') {
                return Err(AppError::invalid(
                    "access_token",
                    "a consumer key has no ':'",
                ));
            }
            Ok(format!("{token}:{secret}"))
        }
    }
}

/// A webhook secret as given: `None` for an empty one (removed).
fn check_secret(secret: &str) -> Result<Option<&str>, AppError> {
    let secret = secret.trim();
    if secret.is_empty() {
        return Ok(None);
    }
    if secret.len() > 1024 || secret.chars().any(|c| c.is_control() || c == ' ') {
        return Err(AppError::invalid(
            "webhook_secret",
            "this is not a webhook secret (too long, or it holds spaces or control characters)",
        ));
    }
    Ok(Some(secret))
}

fn refused(err: FetchError) -> AppError {
    AppError::invalid("connection", err.to_string())
}

fn with_problems(report: &TestReport) -> Result<(), AppError> {
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid("connection", report.problems.join("; ")))
    }
}

/// Tests the credentials and saves the connection (a new source of the platform's kind). Nothing
/// is saved when the platform refuses them or a sync could not work.
pub async fn create(
    pool: &PgPool,
    key: &CredentialsKey,
    reach: Reach,
    store_currency: &str,
    new: &NewConnection,
) -> Result<(i64, TestReport), AppError> {
    let name = new.name.trim();
    validate_source_name(name).map_err(|_| {
        AppError::invalid(
            "name",
            "give the connection a name (at most 100 characters, no control characters)",
        )
    })?;
    let platform: Platform = new
        .platform
        .parse()
        .map_err(|e: String| AppError::invalid("platform", e))?;
    let url =
        shop_url(platform, &new.shop_url, reach).map_err(|e| AppError::invalid("shop_url", e))?;
    let token = credentials_of(platform, &new.access_token, new.access_secret.as_deref())?;
    let token = token.as_str();
    let minutes = check_schedule(new.sync_every_minutes)?;
    let webhook_secret = new
        .webhook_secret
        .as_deref()
        .map(check_secret)
        .transpose()?
        .flatten()
        .map(|s| key.seal(s.as_bytes()));
    if app::features::sources::queries::source_by_name(pool, name)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "A source named '{name}' exists already."
        )));
    }
    let info = probe(platform, &url, token, reach).await.map_err(refused)?;
    let report = assess(platform, &info, store_currency);
    with_problems(&report)?;
    let settings = SourceSettings {
        max_rejected_percent: SYNC_MAX_REJECTED_PERCENT,
        ..SourceSettings::default()
    };
    let mut tx = pool.begin().await?;
    let Some(id) = app::features::sources::queries::insert_source(
        &mut *tx,
        platform.as_str(),
        name,
        &settings,
    )
    .await?
    else {
        return Err(AppError::Conflict(format!(
            "A source named '{name}' exists already."
        )));
    };
    sqlx::query!(
        "insert into shop_connection (source_id, platform, shop_url, credentials, shop_name, shop_currency,
                                      shop_timezone, scopes, sync_every_minutes, webhook_secret)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        platform.as_str(),
        url,
        key.seal(token.as_bytes()),
        info.name,
        info.currency,
        info.timezone,
        &info.scopes,
        minutes,
        webhook_secret
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((id, report))
}

/// Opens a saved connection's credentials.
pub async fn open(pool: &PgPool, key: &CredentialsKey, id: i64) -> Result<Opened, AppError> {
    let row = sqlx::query!(
        r#"select s.name, s.settings as "settings: sqlx::types::Json<SourceSettings>", s.sync_cursor,
                  c.platform, c.shop_url, c.credentials
           from shop_connection c join source s using (source_id) where c.source_id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("Connection {id}")))?;
    let platform: Platform = row
        .platform
        .parse()
        .map_err(|e: String| AppError::Conflict(e))?;
    let token = key
        .open(&row.credentials)
        .map_err(|e| AppError::Conflict(format!("Connection '{}': {e}.", row.name)))?;
    let token = String::from_utf8(token).map_err(|_| {
        AppError::Conflict(format!(
            "Connection '{}': the stored credentials are damaged; enter them again.",
            row.name
        ))
    })?;
    Ok(Opened {
        source_id: id,
        name: row.name,
        platform,
        shop_url: row.shop_url,
        token,
        settings: row.settings.0,
        cursor: row.sync_cursor,
    })
}

/// The connection a webhook comes from — Shopify names the shop's domain
/// (`X-Shopify-Shop-Domain`, e.g. `mystore.myshopify.com`), WooCommerce the site's address
/// (`X-WC-Webhook-Source`) — and its webhook secret, opened; `None` when there is no such
/// connection or it has no secret.
pub async fn webhook_target(
    pool: &PgPool,
    key: &CredentialsKey,
    platform: Platform,
    origin: &str,
) -> Result<Option<(i64, Vec<u8>)>, AppError> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let candidates: Vec<String> = match platform {
        Platform::Shopify => vec![format!("https://{origin}"), format!("http://{origin}")],
        Platform::WooCommerce | Platform::Magento => vec![origin],
    };
    let row = sqlx::query!(
        "select source_id, webhook_secret from shop_connection
         where platform = $1 and lower(shop_url) = any($2)",
        platform.as_str(),
        &candidates
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(sealed) = row.webhook_secret else {
        return Ok(None);
    };
    let secret = key.open(&sealed).map_err(|e| {
        AppError::Conflict(format!(
            "Connection {}: the webhook secret: {e}.",
            row.source_id
        ))
    })?;
    Ok(Some((row.source_id, secret)))
}

/// Registers the platform's webhooks of a connection, sending to `public_origin`'s
/// `/webhooks/<platform>`. Needs the connection's webhook secret (to verify what they send) and
/// an address the platform can reach.
pub async fn register_webhooks(
    pool: &PgPool,
    key: &CredentialsKey,
    reach: Reach,
    id: i64,
    public_origin: Option<&str>,
) -> Result<String, AppError> {
    let opened = open(pool, key, id).await?;
    if opened.platform == Platform::Magento {
        return Err(AppError::Conflict(
            "Magento has no webhooks: its changes arrive with the scheduled syncs (set a shorter interval for fresher figures)."
                .into(),
        ));
    }
    let Some(origin) = public_origin else {
        return Err(AppError::invalid(
            "public_url",
            "set STOREPULSE_PUBLIC_URL to the https address the shop can reach this server at, so that webhooks have somewhere to go",
        ));
    };
    let sealed: Option<Vec<u8>> = sqlx::query_scalar!(
        "select webhook_secret from shop_connection where source_id = $1",
        id
    )
    .fetch_one(pool)
    .await?;
    let Some(sealed) = sealed else {
        return Err(AppError::invalid(
            "webhook_secret",
            "first give the connection its webhook secret (Shopify: the app's API secret key), so that deliveries can be verified",
        ));
    };
    let secret = key
        .open(&sealed)
        .map_err(|e| AppError::Conflict(format!("Connection {id}: the webhook secret: {e}.")))?;
    let address = format!(
        "{}/webhooks/{}",
        origin.trim_end_matches('/'),
        opened.platform.as_str()
    );
    match opened.platform {
        Platform::Magento => unreachable!("refused above"),
        Platform::Shopify => {
            let client =
                shopify::Client::new(&opened.shop_url, &opened.token, reach.retry.policy())
                    .map_err(AppError::Conflict)?;
            client
                .register_webhooks(&address, shopify::WEBHOOK_TOPICS)
                .await
                .map_err(refused)?;
        }
        Platform::WooCommerce => {
            let client =
                super::woo::Client::new(&opened.shop_url, &opened.token, reach.retry.policy())
                    .map_err(AppError::Conflict)?;
            let secret = String::from_utf8_lossy(&secret).to_string();
            client
                .register_webhooks(&address, &secret, super::woo::WEBHOOK_TOPICS)
                .await
                .map_err(refused)?;
        }
    }
    sqlx::query!(
        "update shop_connection set webhooks_registered_at = now() where source_id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(address)
}

/// Pushes an accepted decision's price to the shop its product comes from, and records the
/// platform's answer on the decision. Returns the answer and whether it succeeded.
pub async fn push_price(
    pool: &PgPool,
    key: &CredentialsKey,
    reach: Reach,
    decision_id: i64,
) -> Result<(bool, String), AppError> {
    let decision = sqlx::query!(
        r#"select d.status, d.new_price, p.external_id, p.source_id
           from pricing_decision d join product p using (product_id) where d.pricing_decision_id = $1"#,
        decision_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("Decision {decision_id}")))?;
    if decision.status != "accepted" {
        return Err(AppError::Conflict(format!(
            "Decision {decision_id} was {}: only an accepted price can be pushed to the shop.",
            decision.status
        )));
    }
    let connected: bool = sqlx::query_scalar!(
        r#"select exists (select 1 from shop_connection where source_id = $1) as "connected!""#,
        decision.source_id
    )
    .fetch_one(pool)
    .await?;
    if !connected {
        return Err(AppError::Conflict(
            "This product does not come from a connected shop: there is nowhere to push its price."
                .into(),
        ));
    }
    let opened = open(pool, key, decision.source_id).await?;
    let outcome = match opened.platform {
        Platform::Shopify => {
            let client =
                shopify::Client::new(&opened.shop_url, &opened.token, reach.retry.policy())
                    .map_err(AppError::Conflict)?;
            client
                .set_variant_price(&decision.external_id, decision.new_price)
                .await
        }
        Platform::WooCommerce => {
            let client =
                super::woo::Client::new(&opened.shop_url, &opened.token, reach.retry.policy())
                    .map_err(AppError::Conflict)?;
            client
                .set_price(&decision.external_id, decision.new_price)
                .await
        }
        Platform::Magento => {
            let client =
                super::magento::Client::new(&opened.shop_url, &opened.token, reach.retry.policy())
                    .map_err(AppError::Conflict)?;
            client
                .set_price(&decision.external_id, decision.new_price)
                .await
        }
    };
    let (ok, text) = match outcome {
        Ok(price) => (
            true,
            format!("ok: {} now sells it at {price}", opened.platform.label()),
        ),
        Err(err) => (false, format!("failed: {err}")),
    };
    sqlx::query!(
        "update pricing_decision set pushed_at = now(), push_result = $2 where pricing_decision_id = $1",
        decision_id,
        text
    )
    .execute(pool)
    .await?;
    Ok((ok, text))
}

/// Tests a saved connection again and records what the platform said.
pub async fn test(
    pool: &PgPool,
    key: &CredentialsKey,
    reach: Reach,
    store_currency: &str,
    id: i64,
) -> Result<TestReport, AppError> {
    let opened = open(pool, key, id).await?;
    let info = probe(opened.platform, &opened.shop_url, &opened.token, reach)
        .await
        .map_err(refused)?;
    record_info(pool, id, &info).await?;
    Ok(assess(opened.platform, &info, store_currency))
}

async fn record_info(pool: &PgPool, id: i64, info: &ShopInfo) -> sqlx::Result<()> {
    sqlx::query!(
        "update shop_connection set shop_name = $2, shop_currency = $3, shop_timezone = $4, scopes = $5,
                updated_at = now()
         where source_id = $1",
        id,
        info.name,
        info.currency,
        info.timezone,
        &info.scopes
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Changes a connection. New credentials (or a new URL) are tested first and saved only when
/// the platform accepts them: rotating a token never leaves a connection that cannot sync.
pub async fn update(
    pool: &PgPool,
    key: &CredentialsKey,
    reach: Reach,
    store_currency: &str,
    id: i64,
    change: &ConnectionChange,
) -> Result<Option<TestReport>, AppError> {
    let opened = open(pool, key, id).await?;
    let minutes = change
        .sync_every_minutes
        .map(|m| check_schedule(Some(m)))
        .transpose()?;
    let url = change
        .shop_url
        .as_deref()
        .map(|u| shop_url(opened.platform, u, reach).map_err(|e| AppError::invalid("shop_url", e)))
        .transpose()?;
    let token = change
        .access_token
        .as_deref()
        .map(|t| credentials_of(opened.platform, t, change.access_secret.as_deref()))
        .transpose()?;
    let mut report = None;
    if url.is_some() || token.is_some() {
        let url = url.clone().unwrap_or_else(|| opened.shop_url.clone());
        let token = token.as_deref().unwrap_or(&opened.token);
        let info = probe(opened.platform, &url, token, reach)
            .await
            .map_err(refused)?;
        let assessed = assess(opened.platform, &info, store_currency);
        with_problems(&assessed)?;
        sqlx::query!(
            "update shop_connection set shop_url = $2, credentials = $3, last_error = null, updated_at = now()
             where source_id = $1",
            id,
            url,
            key.seal(token.as_bytes())
        )
        .execute(pool)
        .await?;
        record_info(pool, id, &info).await?;
        report = Some(assessed);
    }
    if let Some(secret) = change.webhook_secret.as_deref() {
        let sealed = check_secret(secret)?.map(|s| key.seal(s.as_bytes()));
        sqlx::query!(
            "update shop_connection set webhook_secret = $2, updated_at = now() where source_id = $1",
            id,
            sealed
        )
        .execute(pool)
        .await?;
    }
    if let Some(minutes) = minutes {
        let mut tx = pool.begin().await?;
        sqlx::query!(
            "update shop_connection set sync_every_minutes = $2, updated_at = now() where source_id = $1",
            id,
            minutes
        )
        .execute(&mut *tx)
        .await?;
        // The next sync is queued again at the new interval.
        sqlx::query!(
            "delete from sync_job where source_id = $1 and state = 'queued'",
            id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(report)
}

/// Every connection, by name.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<ConnectionSummary>> {
    let rows = sqlx::query!(
        r#"select s.source_id, s.name, c.platform, c.shop_url, c.shop_name, c.shop_currency, c.scopes,
                  s.status, c.sync_every_minutes, s.last_sync_at as "last_sync_at: DateTime<Utc>", c.last_error, s.sync_cursor,
                  (select j.due_at from sync_job j where j.source_id = c.source_id and j.state = 'queued') as "next_sync_at: DateTime<Utc>",
                  c.webhook_secret is not null as "webhook_secret_set!",
                  c.webhooks_registered_at as "webhooks_registered_at: DateTime<Utc>"
           from shop_connection c join source s using (source_id) order by s.name"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ConnectionSummary {
            id: r.source_id,
            name: r.name,
            platform: r.platform,
            shop_url: r.shop_url,
            shop_name: r.shop_name,
            shop_currency: r.shop_currency,
            scopes: r.scopes,
            status: r.status,
            sync_every_minutes: r.sync_every_minutes,
            last_sync_at: r.last_sync_at,
            last_error: r.last_error,
            synced_through: super::Cursor::parse(r.sync_cursor.as_deref()).orders,
            next_sync_at: r.next_sync_at,
            credentials_set: true,
            webhook_secret_set: r.webhook_secret_set,
            webhooks_registered_at: r.webhooks_registered_at,
        })
        .collect())
}

/// Deletes a connection. With `keep_data` its orders, customers and products stay as a paused
/// source without credentials; without, they go with it (as when a source is deleted).
pub async fn delete(
    pool: &PgPool,
    user: &app::features::auth::types::CurrentUser,
    id: i64,
    keep_data: bool,
) -> Result<ConnectionDeleted, AppError> {
    let counts = sqlx::query!(
        r#"select s.name,
                  (select count(*) from sales_order o where o.source_id = s.source_id) as "orders!",
                  (select count(*) from customer c where c.source_id = s.source_id) as "customers!",
                  (select count(*) from product p where p.source_id = s.source_id) as "products!"
           from source s join shop_connection c using (source_id) where s.source_id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("Connection {id}")))?;
    if keep_data {
        let mut tx = pool.begin().await?;
        sqlx::query!("delete from shop_connection where source_id = $1", id)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "update source set status = 'paused', sync_cursor = null where source_id = $1",
            id
        )
        .execute(&mut *tx)
        .await?;
        app::features::auth::service::audit(
            &mut *tx,
            user,
            "connection.delete",
            Some(&format!("{id} (data kept)")),
        )
        .await?;
        tx.commit().await?;
    } else {
        app::features::sources::service::delete(pool, user, id).await?;
    }
    Ok(ConnectionDeleted {
        name: counts.name,
        data_kept: keep_data,
        orders: counts.orders,
        customers: counts.customers,
        products: counts.products,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> Reach {
        Reach::default()
    }

    #[test]
    fn a_shop_url_is_read_the_ways_people_write_it() {
        for raw in [
            "mystore",
            "mystore.myshopify.com",
            "https://mystore.myshopify.com/",
            "https://MyStore.myshopify.com/admin/products",
        ] {
            assert_eq!(
                shop_url(Platform::Shopify, raw, strict()).as_deref(),
                Ok("https://mystore.myshopify.com"),
                "{raw}"
            );
        }
        for raw in [
            "",
            "http://mystore.myshopify.com",
            "https://evil.example",
            "https://mystore.myshopify.com.evil.example",
            "https://user:pw@mystore.myshopify.com",
            "https://mystore.myshopify.com:8443",
            "http://127.0.0.1:9999",
        ] {
            assert!(shop_url(Platform::Shopify, raw, strict()).is_err(), "{raw}");
        }
        let any = Reach {
            any_host: true,
            ..Reach::default()
        };
        assert_eq!(
            shop_url(Platform::Shopify, "http://127.0.0.1:9999/", any).as_deref(),
            Ok("http://127.0.0.1:9999")
        );
        assert!(shop_url(Platform::Shopify, "ftp://127.0.0.1", any).is_err());
    }

    #[test]
    fn a_woocommerce_store_is_any_public_https_site_with_its_folder() {
        let woo = |raw: &str| shop_url(Platform::WooCommerce, raw, strict());
        assert_eq!(woo("shop.example").as_deref(), Ok("https://shop.example"));
        assert_eq!(
            woo("https://example.com/shop/wp-admin/admin.php?page=wc").as_deref(),
            Ok("https://example.com/shop")
        );
        assert_eq!(
            woo("https://shop.example:8443/").as_deref(),
            Ok("https://shop.example:8443")
        );
        for raw in [
            "http://shop.example",
            "https://localhost",
            "https://127.0.0.1",
            "https://10.1.2.3",
            "https://192.168.0.10/shop",
            "https://[::1]",
            "https://169.254.169.254",
            "https://user:pw@shop.example",
        ] {
            assert!(woo(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn woocommerce_credentials_are_key_and_secret() {
        assert_eq!(
            credentials_of(Platform::WooCommerce, "ck_1", Some("cs_2")).unwrap(),
            "ck_1:cs_2"
        );
        assert!(credentials_of(Platform::WooCommerce, "ck_1", None).is_err());
        assert!(credentials_of(Platform::WooCommerce, "ck:1", Some("cs_2")).is_err());
        assert_eq!(
            credentials_of(Platform::Shopify, "shpat_1", None).unwrap(),
            "shpat_1"
        );
    }

    #[test]
    fn a_test_names_what_can_be_read_and_what_stops_a_sync() {
        let info = ShopInfo {
            name: "Shop".into(),
            currency: "GBP".into(),
            timezone: Some("Europe/London".into()),
            scopes: vec!["read_orders".into(), "read_products".into()],
        };
        let report = assess(Platform::Shopify, &info, "GBP");
        assert!(report.problems.is_empty(), "{report:?}");
        assert!(report
            .warnings
            .iter()
            .any(|w| w.contains("read_all_orders")));
        assert!(report.can_read.iter().any(|c| c.contains("60 days")));
        let report = assess(
            Platform::Shopify,
            &ShopInfo {
                currency: "USD".into(),
                scopes: vec![],
                ..info
            },
            "GBP",
        );
        assert_eq!(report.problems.len(), 3, "{report:?}");
        assert!(report
            .problems
            .iter()
            .any(|p| p.contains("USD") && p.contains("GBP")));
    }
}
