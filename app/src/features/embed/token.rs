//! Embed tokens: standard JWTs (HS256) signed with the embed's own secret, so that a host site can
//! mint them with any JWT library. Each embed's secret is derived from the installation's embed
//! signing key, the embed id and a version that rotation bumps; the previous version keeps
//! working for a grace period so that hosts can switch without downtime.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sha2::Sha256;

use super::queries::EmbedRow;
use super::types::{EmbedClaims, EmbedScope};

/// How long tokens signed with a rotated-out secret keep working.
pub const ROTATION_GRACE_HOURS: i64 = 24;

/// The longest a token may live from the moment it is checked: the admin page's longest choice
/// (30 days). A token whose `exp` lies further ahead is refused, host-minted or not.
pub const MAX_TOKEN_DAYS: i64 = 30;

/// The installation's embed signing key (from the settings or generated into the data folder).
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        SigningKey(bytes.into())
    }

    /// The secret of one version of an embed: what a host signs its tokens with.
    pub fn embed_secret(&self, embed_id: i64, version: i32) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(format!("storepulse-embed:{embed_id}:{version}").as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

/// A verified token: what its requests may see, and when it ends.
#[derive(Debug, Clone)]
pub struct EmbedGrant {
    pub scope: EmbedScope,
    pub expires_at: DateTime<Utc>,
    pub allowed_origins: Vec<String>,
}

/// Signs a token for an embed with its current secret (the admin page's snippet, tests).
pub fn mint(key: &SigningKey, embed: &EmbedRow, expires_at: DateTime<Utc>) -> String {
    let claims = EmbedClaims {
        embed: embed.embed_id,
        dashboard: embed.dashboard,
        filters: embed.locked.clone(),
        exp: expires_at.timestamp(),
        iat: Some(Utc::now().timestamp()),
        nbf: None,
    };
    let secret = key.embed_secret(embed.embed_id, embed.secret_version);
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing of plain claims cannot fail")
}

/// The embed id a token names, read before its signature is checked (to find the secret).
fn claimed_embed(token: &str) -> Result<i64, String> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| "the token is not a JWT signed with HS256".to_string())?;
    if header.alg != Algorithm::HS256 {
        return Err("the token must be signed with HS256".into());
    }
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .ok_or("the token's claims cannot be read")?;
    #[derive(serde::Deserialize)]
    struct Embed {
        embed: i64,
    }
    serde_json::from_slice::<Embed>(&payload)
        .map(|c| c.embed)
        .map_err(|_| "the token names no embed".into())
}

/// Refuses a header with `crit`: it lists extensions the recipient must understand, and we
/// understand none (RFC 7515 §4.1.11). jsonwebtoken ignores header fields it does not know.
fn check_header(token: &str) -> Result<(), String> {
    let header = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&h).ok())
        .ok_or("the token's header cannot be read")?;
    if header.contains_key("crit") {
        return Err(
            "the token's header names critical extensions (crit), which are not supported".into(),
        );
    }
    Ok(())
}

/// Checks a token against its embed: header, signature (current secret, or the previous one
/// during the rotation grace period), validity period (`nbf`, `exp`, at most the embed's expiry
/// and [`MAX_TOKEN_DAYS`] ahead), the embed not revoked or expired, and the claims equal to the
/// embed's dashboard and locked filters. `Err` says why it is refused.
pub fn check(
    key: &SigningKey,
    token: &str,
    embed: Option<&EmbedRow>,
    now: DateTime<Utc>,
) -> Result<EmbedGrant, String> {
    let embed = embed.ok_or("the embed does not exist")?;
    check_header(token)?;
    let mut versions = vec![embed.secret_version];
    if embed.previous_secret_until.is_some_and(|until| until > now) {
        versions.push(embed.secret_version - 1);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    // exp and nbf are checked below against `now`, which tests can set (no leeway either way).
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims = ["exp".to_string()].into_iter().collect();
    let mut refusal = "the token's signature does not match the embed's secret".to_string();
    let claims = versions
        .into_iter()
        .find_map(|version| {
            let secret = key.embed_secret(embed.embed_id, version);
            match jsonwebtoken::decode::<EmbedClaims>(
                token,
                &DecodingKey::from_secret(secret.as_bytes()),
                &validation,
            ) {
                Ok(data) => Some(data),
                Err(err) => {
                    // A good signature over claims of the wrong shape says so.
                    if !matches!(
                        err.kind(),
                        jsonwebtoken::errors::ErrorKind::InvalidSignature
                    ) {
                        refusal = format!("the token's claims are not valid ({err})");
                    }
                    None
                }
            }
        })
        .ok_or(refusal)?
        .claims;
    if claims.exp <= now.timestamp() {
        return Err("the token has expired".into());
    }
    if claims.nbf.is_some_and(|nbf| nbf > now.timestamp()) {
        return Err("the token is not valid yet (nbf)".into());
    }
    if claims.exp > (now + chrono::Duration::days(MAX_TOKEN_DAYS)).timestamp() {
        return Err(format!(
            "the token's expiry is more than {MAX_TOKEN_DAYS} days ahead: mint shorter tokens"
        ));
    }
    if embed.revoked_at.is_some() {
        return Err("the embed has been revoked".into());
    }
    if embed.expires_at.is_some_and(|at| at <= now) {
        return Err("the embed has expired".into());
    }
    if embed
        .expires_at
        .is_some_and(|at| claims.exp > at.timestamp())
    {
        return Err("the token's expiry is past the embed's own expiry".into());
    }
    if claims.embed != embed.embed_id || claims.dashboard != embed.dashboard {
        return Err("the token is for another dashboard".into());
    }
    if claims.filters != embed.locked {
        return Err("the token's locked filters are not the embed's".into());
    }
    let expires_at =
        DateTime::from_timestamp(claims.exp, 0).ok_or("the token's expiry is out of range")?;
    Ok(EmbedGrant {
        scope: EmbedScope {
            embed_id: embed.embed_id,
            dashboard: embed.dashboard,
            locked: embed.locked.clone(),
            editable: embed.editable.clone(),
            allow_export: embed.allow_export,
            theme: embed.theme,
        },
        expires_at,
        allowed_origins: embed.allowed_origins.clone(),
    })
}

/// Verifies a token presented with a request: finds its embed and checks it.
pub async fn verify(
    pool: &sqlx::PgPool,
    key: &SigningKey,
    token: &str,
) -> Result<Result<EmbedGrant, String>, crate::error::AppError> {
    let id = match claimed_embed(token) {
        Ok(id) => id,
        Err(reason) => return Ok(Err(reason)),
    };
    let embed = super::queries::embed_row(pool, id).await?;
    Ok(check(key, token, embed.as_ref(), Utc::now()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::embed::types::{Dashboard, FilterKey, LockedFilters, Theme};
    use chrono::Duration;

    fn embed() -> EmbedRow {
        EmbedRow {
            embed_id: 7,
            name: "Germany".into(),
            dashboard: Dashboard::Sales,
            locked: LockedFilters::from([(FilterKey::Country, vec!["Germany".into()])]),
            editable: vec![FilterKey::Channel],
            allowed_origins: vec!["http://127.0.0.1:4000".into()],
            theme: Theme::Light,
            allow_export: false,
            expires_at: None,
            revoked_at: None,
            created_at: Utc::now(),
            secret_version: 2,
            previous_secret_until: None,
        }
    }

    fn key() -> SigningKey {
        SigningKey::new(b"installation key".to_vec())
    }

    /// Signs arbitrary claims the way a host would, with a secret of our choice.
    fn sign(claims: &serde_json::Value, secret: &str) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn claims(exp: DateTime<Utc>) -> serde_json::Value {
        serde_json::json!({"embed": 7, "dashboard": "sales", "filters": {"country": ["Germany"]}, "exp": exp.timestamp()})
    }

    #[test]
    fn a_minted_token_verifies_and_carries_the_scope() {
        let now = Utc::now();
        let token = mint(&key(), &embed(), now + Duration::hours(1));
        assert_eq!(claimed_embed(&token), Ok(7));
        let grant = check(&key(), &token, Some(&embed()), now).unwrap();
        assert_eq!(grant.scope.locked[&FilterKey::Country], vec!["Germany"]);
        assert_eq!(grant.scope.dashboard, Dashboard::Sales);
    }

    #[test]
    fn a_host_minted_token_with_the_shown_secret_verifies() {
        let now = Utc::now();
        let secret = key().embed_secret(7, 2);
        let token = sign(&claims(now + Duration::minutes(5)), &secret);
        assert!(check(&key(), &token, Some(&embed()), now).is_ok());
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let now = Utc::now();
        let secret = key().embed_secret(7, 2);
        let good = sign(&claims(now + Duration::minutes(5)), &secret);
        // A changed claim with the old signature.
        let mut parts: Vec<String> = good.split('.').map(String::from).collect();
        let mut c = claims(now + Duration::minutes(5));
        c["filters"]["country"] = serde_json::json!(["France"]);
        parts[1] = URL_SAFE_NO_PAD.encode(c.to_string());
        let changed = parts.join(".");
        assert!(check(&key(), &changed, Some(&embed()), now)
            .unwrap_err()
            .contains("signature"));
        // Signed by someone without the secret.
        let forged = sign(&claims(now + Duration::minutes(5)), "guessed");
        assert!(check(&key(), &forged, Some(&embed()), now)
            .unwrap_err()
            .contains("signature"));
        // alg: none, no signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims(now + Duration::minutes(5)).to_string())
        );
        assert!(claimed_embed(&none).is_err());
        assert!(check(&key(), &none, Some(&embed()), now).is_err());
        // Properly signed, but with other locked filters or another dashboard.
        let other = sign(&c, &secret);
        assert!(check(&key(), &other, Some(&embed()), now)
            .unwrap_err()
            .contains("locked filters"));
        let mut d = claims(now + Duration::minutes(5));
        d["dashboard"] = serde_json::json!("customers");
        let other = sign(&d, &secret);
        assert!(check(&key(), &other, Some(&embed()), now)
            .unwrap_err()
            .contains("another dashboard"));
        // Signed with another installation's key.
        let foreign = mint(
            &SigningKey::new(b"other".to_vec()),
            &embed(),
            now + Duration::hours(1),
        );
        assert!(check(&key(), &foreign, Some(&embed()), now).is_err());
    }

    #[test]
    fn expired_revoked_and_unknown_are_refused() {
        let now = Utc::now();
        let token = mint(&key(), &embed(), now + Duration::minutes(1));
        assert_eq!(
            check(&key(), &token, Some(&embed()), now + Duration::minutes(2)).unwrap_err(),
            "the token has expired"
        );
        let mut revoked = embed();
        revoked.revoked_at = Some(now);
        assert_eq!(
            check(&key(), &token, Some(&revoked), now).unwrap_err(),
            "the embed has been revoked"
        );
        let mut ended = embed();
        ended.expires_at = Some(now - Duration::seconds(1));
        assert_eq!(
            check(&key(), &token, Some(&ended), now).unwrap_err(),
            "the embed has expired"
        );
        assert_eq!(
            check(&key(), &token, None, now).unwrap_err(),
            "the embed does not exist"
        );
        // A token without exp is refused.
        let secret = key().embed_secret(7, 2);
        let no_exp = sign(
            &serde_json::json!({"embed": 7, "dashboard": "sales", "filters": {"country": ["Germany"]}}),
            &secret,
        );
        assert!(check(&key(), &no_exp, Some(&embed()), now).is_err());
    }

    /// Signs claims with a header of our own (e.g. with `crit`), as a host library might.
    fn sign_with_header(
        header: &serde_json::Value,
        claims: &serde_json::Value,
        secret: &str,
    ) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn a_critical_header_extension_is_refused() {
        let now = Utc::now();
        let secret = key().embed_secret(7, 2);
        let c = claims(now + Duration::minutes(5));
        let plain = sign_with_header(
            &serde_json::json!({"alg": "HS256", "typ": "JWT"}),
            &c,
            &secret,
        );
        assert!(
            check(&key(), &plain, Some(&embed()), now).is_ok(),
            "the hand-signed token is good"
        );
        let crit = sign_with_header(
            &serde_json::json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": 1}),
            &c,
            &secret,
        );
        let refusal = check(&key(), &crit, Some(&embed()), now).unwrap_err();
        assert!(refusal.contains("crit"), "{refusal}");
        let empty = sign_with_header(
            &serde_json::json!({"alg": "HS256", "crit": []}),
            &c,
            &secret,
        );
        assert!(check(&key(), &empty, Some(&embed()), now).is_err());
    }

    #[test]
    fn not_before_is_honoured() {
        let now = Utc::now();
        let secret = key().embed_secret(7, 2);
        let mut c = claims(now + Duration::minutes(5));
        c["nbf"] = serde_json::json!((now + Duration::minutes(1)).timestamp());
        let early = sign(&c, &secret);
        assert_eq!(
            check(&key(), &early, Some(&embed()), now).unwrap_err(),
            "the token is not valid yet (nbf)"
        );
        assert!(check(&key(), &early, Some(&embed()), now + Duration::minutes(2)).is_ok());
        c["nbf"] = serde_json::json!(now.timestamp());
        assert!(check(&key(), &sign(&c, &secret), Some(&embed()), now).is_ok());
        c["nbf"] = serde_json::json!("soon");
        assert!(check(&key(), &sign(&c, &secret), Some(&embed()), now).is_err());
    }

    #[test]
    fn expiry_is_capped_by_the_embed_and_the_maximum_lifetime() {
        let now = Utc::now();
        let secret = key().embed_secret(7, 2);
        // Year 9999.
        let far = sign(
            &claims(DateTime::from_timestamp(253_402_300_799, 0).unwrap()),
            &secret,
        );
        let refusal = check(&key(), &far, Some(&embed()), now).unwrap_err();
        assert!(refusal.contains("30 days"), "{refusal}");
        let just_over = sign(
            &claims(now + Duration::days(30) + Duration::seconds(5)),
            &secret,
        );
        assert!(check(&key(), &just_over, Some(&embed()), now).is_err());
        let longest = sign(&claims(now + Duration::days(30)), &secret);
        assert!(check(&key(), &longest, Some(&embed()), now).is_ok());
        // Past the embed's own expiry.
        let mut ending = embed();
        ending.expires_at = Some(now + Duration::hours(1));
        let past_embed = sign(&claims(now + Duration::hours(2)), &secret);
        assert_eq!(
            check(&key(), &past_embed, Some(&ending), now).unwrap_err(),
            "the token's expiry is past the embed's own expiry"
        );
        let within = mint(&key(), &ending, now + Duration::minutes(59));
        let grant = check(&key(), &within, Some(&ending), now).unwrap();
        assert_eq!(
            grant.expires_at.timestamp(),
            (now + Duration::minutes(59)).timestamp()
        );
    }

    #[test]
    fn claims_of_the_wrong_shape_are_named() {
        let now = Utc::now();
        let secret = key().embed_secret(7, 2);
        let numbers = sign(
            &serde_json::json!({"embed": 7, "dashboard": "sales", "filters": {"country": [49]}, "exp": (now + Duration::minutes(5)).timestamp()}),
            &secret,
        );
        let refusal = check(&key(), &numbers, Some(&embed()), now).unwrap_err();
        assert!(refusal.contains("claims are not valid"), "{refusal}");
    }

    #[test]
    fn rotation_keeps_the_previous_secret_for_the_grace_period() {
        let now = Utc::now();
        let old = sign(
            &claims(now + Duration::minutes(5)),
            &key().embed_secret(7, 1),
        );
        let mut rotated = embed();
        assert!(
            check(&key(), &old, Some(&rotated), now).is_err(),
            "no grace period: refused"
        );
        rotated.previous_secret_until = Some(now + Duration::hours(1));
        assert!(check(&key(), &old, Some(&rotated), now).is_ok());
        rotated.previous_secret_until = Some(now - Duration::seconds(1));
        assert!(check(&key(), &old, Some(&rotated), now).is_err());
    }
}
