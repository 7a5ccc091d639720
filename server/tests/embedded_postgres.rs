//! The embedded PostgreSQL: created once, restarted after a crash, stopped cleanly.
use server::db::embedded::EmbeddedPostgres;
use sqlx::{ConnectOptions, Connection};

async fn select_one(pg: &EmbeddedPostgres) -> i32 {
    let mut conn = pg
        .connect_options()
        .connect()
        .await
        .expect("connect over the socket");
    let one: i32 = sqlx::query_scalar("select 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    one
}

#[tokio::test]
async fn creates_starts_adopts_and_recovers_from_a_stale_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("postgres");

    let pg = EmbeddedPostgres::start(&data, None)
        .await
        .expect("first start runs initdb");
    assert!(data.join("PG_VERSION").exists());
    assert_eq!(select_one(&pg).await, 1);
    assert!(pg.url("storepulse").starts_with("postgres://postgres@%2F"));
    // Pages held before a restart are read back after it, where PostgreSQL has the module.
    assert!(!pg.has_module("no_such_module").await);
    let mut conn = pg.connect_options().connect().await.unwrap();
    let preloaded: String =
        sqlx::query_scalar("select current_setting('shared_preload_libraries')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        preloaded == "pg_prewarm",
        pg.has_module("pg_prewarm").await,
        "preloaded: {preloaded:?}"
    );
    conn.close().await.unwrap();

    // The process that started it died without stopping it: the next start adopts the server.
    let adopted = EmbeddedPostgres::start(&data, None)
        .await
        .expect("adopts a running server");
    assert_eq!(select_one(&adopted).await, 1);
    adopted.stop().await.unwrap();
    assert!(!data.join("postmaster.pid").exists());

    // Both died hard: a postmaster.pid naming a dead process is left behind.
    std::fs::write(data.join("postmaster.pid"), "999999\n").unwrap();
    let restarted = EmbeddedPostgres::start(&data, None)
        .await
        .expect("starts despite a stale pid file");
    assert_eq!(select_one(&restarted).await, 1);
    restarted.stop().await.unwrap();
}
