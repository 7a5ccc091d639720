//! The app as `main` builds it, on port 0, against a fresh database per test.
#![allow(dead_code)]
pub mod security;

use std::net::SocketAddr;

use app::features::auth::{service::create_user, types::Role};
use reqwest::redirect::Policy;
use server::config::{Secret, Settings};
use server::keys::Keys;
use server::startup;
use sqlx::PgPool;

pub const PASSWORD: &str = "correct horse battery";
pub const VIEWER: &str = "viewer@test.example";
pub const ANALYST: &str = "analyst@test.example";
pub const ADMIN: &str = "admin@test.example";

/// The answer of a server function that pages read (`app::codec::Read`: postcard), as `T`.
pub async fn answer<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.bytes().await.unwrap();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    postcard::from_bytes(&body).expect("a postcard answer")
}

/// The same answer as JSON: what the JSON API answers for the same figures.
pub async fn answer_json<T>(response: reqwest::Response) -> serde_json::Value
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    serde_json::to_value(answer::<T>(response).await).unwrap()
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub pool: PgPool,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> TestApp {
        Self::spawn_with(pool, |_| {}).await
    }

    pub async fn spawn_with(pool: PgPool, change: impl FnOnce(&mut Settings)) -> TestApp {
        server::db::migrate(&pool).await.expect("migrations");
        let data_dir = std::env::temp_dir().join(format!("storepulse-http-{}", unique_suffix()));
        let mut settings = Settings {
            login_free_failures: 3,
            data_dir,
            ..Settings::default()
        };
        change(&mut settings);
        let keys = Keys {
            session: tower_sessions::cookie::Key::generate(),
            embed: Secret::new("test-embed-key"),
            credentials: app::features::sources::credentials::CredentialsKey::new(&[9; 32]),
        };
        let (router, _) = startup::build_router(pool.clone(), &settings, &keys)
            .await
            .expect("router");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(startup::serve(listener, router, std::future::pending()));
        for (email, role) in [
            (VIEWER, Role::Viewer),
            (ANALYST, Role::Analyst),
            (ADMIN, Role::Admin),
        ] {
            create_user(&pool, email, PASSWORD, role)
                .await
                .expect("user");
        }
        TestApp { addr, pool }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/fn/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// A client logged in as `email`.
    pub async fn client_as(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let response = self.login(&client, email, PASSWORD).await;
        assert_eq!(response.status(), 200, "login as {email}");
        client
    }
}

fn unique_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}
