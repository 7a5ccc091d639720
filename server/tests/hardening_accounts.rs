//! Issue 12, logins: progressive login delays instead of lockouts (a login from an address that
//! has not failed always goes through), `Retry-After` on every 429, length limits before hashing,
//! one password per demo user shown once, and `storepulse user password`.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use app::error::AppError;
use common::*;
use server::bootstrap::{self, DEMO_LOGINS_FILE, DEMO_USERS};
use server::config::{DemoData, Settings};
use server::db::Database;
use sqlx::PgPool;

const SALES: &str = "/fn/get_sales_summary";

/// A login attempt from `address` (the app trusts `X-Forwarded-For` in these tests).
async fn login_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.client()
        .post(app.url("/fn/login"))
        .header("x-forwarded-for", address)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The status, the `Retry-After` seconds (if any) and the error as the user reads it.
async fn outcome(response: reqwest::Response) -> (u16, Option<u64>, String) {
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    let body = response.text().await.unwrap();
    let message = serde_json::from_str::<AppError>(&body)
        .map(|e| e.to_string())
        .unwrap_or(body);
    (status, retry, message)
}

async fn spawn(pool: PgPool, change: impl FnOnce(&mut Settings)) -> TestApp {
    TestApp::spawn_with(pool, |s| {
        s.trust_forwarded_for = true;
        change(s);
    })
    .await
}

/// Lets every current wait end now, as if the user had waited.
async fn wait_out(app: &TestApp) {
    sqlx::query("update login_throttle set wait_until = now() where wait_until > now()")
        .execute(&app.pool)
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn the_right_password_from_another_address_works_after_many_failures(pool: PgPool) {
    let app = spawn(pool, |s| s.login_max_failures_per_account = 20).await;
    // One address guesses until it must wait, 30 more addresses try 3 guesses each on the same
    // account: past the per-account cap of 20, each new address waits after its first failure.
    let mut refused = 0;
    for _ in 0..10 {
        match login_from(&app, "10.0.0.1", ADMIN, "guess")
            .await
            .status()
            .as_u16()
        {
            401 => {}
            429 => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, 7, "3 free failures, then waits");
    for n in 0..30 {
        for _ in 0..3 {
            login_from(&app, &format!("10.0.1.{n}"), ADMIN, "guess").await;
        }
    }
    let failures: i32 = sqlx::query_scalar(
        "select failures from login_throttle where throttle_key = 'account:admin@test.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // 3 + 18 before the cap, then one failure from each of the 24 other addresses.
    assert_eq!(failures, 45);

    // The owner, from an address that has not failed, logs in at once.
    let started = Instant::now();
    let owner = login_from(&app, "192.0.2.7", ADMIN, PASSWORD).await;
    assert_eq!(owner.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The guessing address still waits, right password or not.
    let (status, retry, _) = outcome(login_from(&app, "10.0.0.1", ADMIN, PASSWORD).await).await;
    assert_eq!(status, 429);
    assert!(retry.is_some());
    // Past the per-account cap a new address waits after its first failure (a slow-down only).
    assert_eq!(
        login_from(&app, "10.0.2.1", ADMIN, "guess").await.status(),
        401
    );
    assert_eq!(
        login_from(&app, "10.0.2.1", ADMIN, "guess").await.status(),
        429
    );
    assert_eq!(
        login_from(&app, "10.0.2.2", ADMIN, PASSWORD).await.status(),
        200
    );
}

#[sqlx::test(migrations = false)]
async fn every_429_says_when_to_try_again_and_the_waits_double_up_to_the_cap(pool: PgPool) {
    let app = spawn(pool, |s| {
        s.login_first_delay_seconds = 30;
        s.login_max_delay_seconds = 100;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            login_from(&app, "10.0.0.5", ANALYST, "guess")
                .await
                .status(),
            401
        );
    }
    let mut waits = Vec::new();
    for round in 0..4 {
        // Right password or not, the account waits from this address and is told how long.
        let (status, retry, message) =
            outcome(login_from(&app, "10.0.0.5", ANALYST, PASSWORD).await).await;
        assert_eq!(status, 429, "round {round}");
        let retry = retry.expect("Retry-After on every 429");
        assert!(
            message.starts_with("Too many failed attempts. Try again in "),
            "{message}"
        );
        waits.push(retry);
        wait_out(&app).await;
        assert_eq!(
            login_from(&app, "10.0.0.5", ANALYST, "guess")
                .await
                .status(),
            401
        );
    }
    // 30 s, 60 s, then the 100 s cap; Retry-After rounds the remaining time up.
    let expected = [30, 60, 100, 100];
    for (wait, want) in waits.iter().zip(expected) {
        assert!(*wait <= want && *wait + 3 >= want, "{waits:?}");
    }
    let (_, _, message) = outcome(login_from(&app, "10.0.0.5", ANALYST, PASSWORD).await).await;
    assert_eq!(message, "Too many failed attempts. Try again in 2 minutes.");
    // After waiting, the right password works and clears the count of this address.
    wait_out(&app).await;
    assert_eq!(
        login_from(&app, "10.0.0.5", ANALYST, PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(
        login_from(&app, "10.0.0.5", ANALYST, "guess")
            .await
            .status(),
        401
    );
    assert_eq!(
        login_from(&app, "10.0.0.5", ANALYST, PASSWORD)
            .await
            .status(),
        200
    );
}

#[sqlx::test(migrations = false)]
async fn an_address_that_tries_many_accounts_waits_the_longest_delay(pool: PgPool) {
    let app = spawn(pool, |s| s.login_max_failures_per_ip = 8).await;
    for n in 0..8 {
        let email = format!("guess{n}@test.example");
        assert_eq!(
            login_from(&app, "10.0.0.9", &email, "guess").await.status(),
            401
        );
    }
    // Even a right password from that address waits the longest delay (15 minutes by default).
    let (status, retry, message) =
        outcome(login_from(&app, "10.0.0.9", VIEWER, PASSWORD).await).await;
    assert_eq!(status, 429);
    assert!((890..=900).contains(&retry.unwrap()), "{retry:?}");
    assert_eq!(
        message,
        "Too many failed attempts. Try again in 15 minutes."
    );
    // Other addresses are untouched.
    assert_eq!(
        login_from(&app, "10.0.0.10", VIEWER, PASSWORD)
            .await
            .status(),
        200
    );
}

#[sqlx::test(migrations = false)]
async fn unknown_accounts_are_throttled_like_known_ones(pool: PgPool) {
    let app = spawn(pool, |_| {}).await;
    for email in [VIEWER, "nobody@test.example"] {
        let statuses: Vec<u16> = statuses_of(&app, email).await;
        assert_eq!(statuses, [401, 401, 401, 429], "{email}");
    }
}

async fn statuses_of(app: &TestApp, email: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            login_from(app, "10.0.0.11", email, "not the password")
                .await
                .status()
                .as_u16(),
        );
    }
    statuses
}

#[sqlx::test(migrations = false)]
async fn oversized_logins_are_refused_before_hashing_and_name_the_field(pool: PgPool) {
    let app = spawn(pool, |_| {}).await;
    let huge = "p".repeat(1024 * 1024);
    let started = Instant::now();
    let (status, _, message) = outcome(login_from(&app, "10.0.0.12", VIEWER, &huge).await).await;
    assert_eq!(status, 422);
    assert_eq!(message, "password: must have at most 1024 bytes");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let long_email = format!("{}@test.example", "a".repeat(300));
    let (status, _, message) =
        outcome(login_from(&app, "10.0.0.12", &long_email, PASSWORD).await).await;
    assert_eq!(status, 422);
    assert_eq!(message, "email: must have at most 254 characters");
    // Neither counted as a failed login.
    let failures: i64 = sqlx::query_scalar("select count(*) from login_throttle")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(failures, 0);
    // A password of exactly 1,024 bytes is just a wrong password.
    let (status, _, _) =
        outcome(login_from(&app, "10.0.0.12", VIEWER, &"p".repeat(1024)).await).await;
    assert_eq!(status, 401);
    // An admin cannot set a longer password either.
    let admin = app.client_as(ADMIN).await;
    let response = admin
        .post(app.url("/fn/change_password"))
        .form(&[("current", PASSWORD), ("new", &"n".repeat(1025))])
        .send()
        .await
        .unwrap();
    let (status, _, message) = outcome(response).await;
    assert_eq!(status, 422);
    assert_eq!(message, "new: must have at most 1024 bytes");
}

fn settings(dir: &tempfile::TempDir, demo_data: DemoData) -> Settings {
    Settings {
        data_dir: dir.path().to_path_buf(),
        demo_data,
        ..Settings::default()
    }
}

#[sqlx::test(migrations = false)]
async fn demo_users_get_their_own_passwords_shown_once(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(&dir, DemoData::Always);
    let db = Database {
        pool: pool.clone(),
        embedded: None,
    };
    let addr = "127.0.0.1:3000".parse().unwrap();
    let first = bootstrap::prepare(&db, &settings).await.unwrap();
    let logins = &first.new_demo_logins;
    assert_eq!(logins.len(), 3);
    let passwords: Vec<&str> = logins.iter().map(|l| l.password.as_str()).collect();
    assert!(passwords.iter().all(|p| p.len() >= 20), "{passwords:?}");
    assert_ne!(passwords[0], passwords[1]);
    assert_ne!(passwords[0], passwords[2]);
    assert_ne!(passwords[1], passwords[2]);

    // The first start shows each password and says these are demo accounts.
    let welcome = bootstrap::welcome(addr, &settings, &first);
    for login in logins {
        assert!(welcome.contains(&login.password), "{welcome}");
    }
    assert!(welcome.contains("These are demo accounts"), "{welcome}");
    // The file keeps them, for the owner only.
    let file = dir.path().join(DEMO_LOGINS_FILE);
    let kept = std::fs::read_to_string(&file).unwrap();
    for login in logins {
        assert!(
            kept.contains(&format!("{}  password: {}", login.email, login.password)),
            "{kept}"
        );
    }
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // A second start prints where the logins are, no password, and changes nothing.
    let hashes = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>("select password_hash from app_user order by email")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    let before = hashes(pool.clone()).await;
    let second = bootstrap::prepare(&db, &settings).await.unwrap();
    assert!(second.new_demo_logins.is_empty());
    let welcome = bootstrap::welcome(addr, &settings, &second);
    for login in logins {
        assert!(!welcome.contains(&login.password), "{welcome}");
    }
    assert!(welcome.contains(&file.display().to_string()), "{welcome}");
    assert!(welcome.contains("These are demo accounts"), "{welcome}");
    assert_eq!(hashes(pool.clone()).await, before);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), kept);

    // Each password opens its own account only: the viewer's does not open the admin's.
    let app = TestApp::spawn(pool).await;
    let password = |email: &str| {
        logins
            .iter()
            .find(|l| l.email == email)
            .unwrap()
            .password
            .clone()
    };
    let (admin, _) = DEMO_USERS[0];
    let (viewer, _) = DEMO_USERS[2];
    assert_eq!(
        app.login(&app.client(), admin, &password(viewer))
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login(&app.client(), viewer, &password(viewer))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login(&app.client(), admin, &password(admin))
            .await
            .status(),
        200
    );
}

#[sqlx::test(migrations = false)]
async fn the_demo_is_made_only_on_the_first_start_of_an_empty_database(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Database {
        pool: pool.clone(),
        embedded: None,
    };
    // A first start without the demo (a real shop's database) ...
    let first = bootstrap::prepare(&db, &settings(&dir, DemoData::Never))
        .await
        .unwrap();
    assert!(first.new_demo_logins.is_empty());
    // ... whose data was then deleted (and its users) never gets the demo later.
    sqlx::query("delete from app_user")
        .execute(&pool)
        .await
        .unwrap();
    let later = bootstrap::prepare(&db, &settings(&dir, DemoData::Always))
        .await
        .unwrap();
    assert!(later.new_demo_logins.is_empty());
    let sources: i64 = sqlx::query_scalar("select count(*) from source")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sources, 0);
    assert!(!dir.path().join(DEMO_LOGINS_FILE).exists());
    let welcome = bootstrap::welcome(
        "127.0.0.1:3000".parse().unwrap(),
        &settings(&dir, DemoData::Always),
        &later,
    );
    assert!(!welcome.contains("demo"), "{welcome}");
}

#[sqlx::test(migrations = false)]
async fn a_database_used_before_its_first_start_gets_no_demo(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A user added with the CLI before the server ever started.
    app::features::auth::service::create_user(
        &pool,
        "owner@shop.example",
        PASSWORD,
        app::features::auth::types::Role::Admin,
    )
    .await
    .unwrap();
    let db = Database {
        pool: pool.clone(),
        embedded: None,
    };
    let prepared = bootstrap::prepare(&db, &settings(&dir, DemoData::Always))
        .await
        .unwrap();
    assert!(prepared.new_demo_logins.is_empty());
    let users: i64 = sqlx::query_scalar("select count(*) from app_user")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[sqlx::test(migrations = false)]
async fn rotating_a_password_with_the_cli_ends_the_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(&dir, DemoData::Never);
    let viewer = app.client_as(VIEWER).await;
    assert_eq!(
        viewer.get(app.url(SALES)).send().await.unwrap().status(),
        200
    );

    let email = server::cli::change_password(
        &pool,
        &settings,
        " Viewer@test.example ",
        "a new password 1".into(),
    )
    .await
    .unwrap();
    assert_eq!(email, VIEWER);
    // The old session is worth nothing, the old password neither; the new one works.
    assert_eq!(
        viewer.get(app.url(SALES)).send().await.unwrap().status(),
        401
    );
    assert_eq!(
        app.login(&app.client(), VIEWER, PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login(&app.client(), VIEWER, "a new password 1")
            .await
            .status(),
        200
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'user.password_reset' and actor = 'cli' and target = $1",
    )
    .bind(VIEWER)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Rules are those of any new password; unknown users are named.
    let err = server::cli::change_password(&pool, &settings, VIEWER, "short".into())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("password: must have at least 10"),
        "{err}"
    );
    let err = server::cli::change_password(
        &pool,
        &settings,
        "nobody@test.example",
        "long enough 123".into(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("no user with the email nobody@test.example"),
        "{err}"
    );

    // A rotated demo login leaves the demo logins file; the others stay.
    let created = bootstrap::create_demo_users(&pool, &settings)
        .await
        .unwrap();
    assert_eq!(created.len(), 3);
    let (admin, _) = DEMO_USERS[0];
    server::cli::change_password(&pool, &settings, admin, "rotated password 1".into())
        .await
        .unwrap();
    let file = dir.path().join(DEMO_LOGINS_FILE);
    let kept = std::fs::read_to_string(&file).unwrap();
    assert!(!kept.contains(admin), "{kept}");
    assert!(kept.contains(&created[2].password), "{kept}");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[sqlx::test(migrations = false)]
async fn parallel_guesses_meet_the_waits_of_the_ones_before_them(pool: PgPool) {
    let app = spawn(pool, |_| {}).await;
    // 12 guesses at once from one address: attempts on one account from one address run one at
    // a time, so after the 3 free failures (and the one that earns the first wait) the rest wait.
    let guesses = (0..12).map(|_| login_from(&app, "10.0.0.9", VIEWER, "guess"));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let waited = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(checked + waited, 12, "{statuses:?}");
    assert!(checked <= 4, "{checked} guesses were checked: {statuses:?}");
}
