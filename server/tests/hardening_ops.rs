//! Operations hardening: the supervised embedded PostgreSQL, one owner of the data folder, and
//! uploads that survive a crash of the server.
mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::*;
use serde_json::Value;
use server::config::{DemoData, Settings};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

const CSV: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
100,A1,Mug,2,2026-03-01 10:00,5.00,c1,United Kingdom
100,A2,Plate,1,2026-03-01 10:00,7.50,c1,United Kingdom
101,A1,Mug,1,2026-03-02 11:00,5.00,,France
102,A2,Plate,3,2026-03-03 12:00,7.50,c2,Germany
";

/// The advisory-lock namespace a run takes per source while it loads (`ingest::run`).
const SOURCE_LOCK: i32 = 7_302;

fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// `storepulse serve` in this process, on its own embedded PostgreSQL in `data_dir`.
struct InProcessServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcessServer {
    async fn start(data_dir: &Path) -> InProcessServer {
        let settings = Settings {
            addr: free_addr(),
            data_dir: data_dir.to_path_buf(),
            database_url: None,
            demo_data: DemoData::Never,
            ..Settings::default()
        };
        let addr = settings.addr;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server::cli::serve(settings, async {
            let _ = stopped.await;
        }));
        let server = InProcessServer {
            addr,
            stop: Some(stop),
            task,
        };
        let started = Instant::now();
        while server.ready().await != Some(200) {
            assert!(
                !server.task.is_finished(),
                "the server stopped while starting"
            );
            assert!(started.elapsed() < Duration::from_secs(120), "never ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server
    }

    /// The status of `/ready`, or `None` when nothing answers within 3 s.
    async fn ready(&self) -> Option<u16> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .unwrap();
        client
            .get(format!("http://{}/ready", self.addr))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().expect("the server ends cleanly");
    }
}

/// A pool on the embedded PostgreSQL of `data_dir` (over its socket, as the server connects).
async fn embedded_pool(data_dir: &Path) -> PgPool {
    let socket = data_dir.join("postgres").canonicalize().unwrap();
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            PgConnectOptions::new()
                .socket(socket)
                .username("postgres")
                .database("storepulse"),
        )
        .await
        .expect("connect to the embedded database")
}

/// A data folder the database account can reach when the tests run as root (PostgreSQL then runs
/// as `postgres` or `nobody`).
fn data_folder() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn postmaster_pid(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join("postgres/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_embedded_postgres_is_restarted_under_a_running_server() {
    let dir = data_folder();
    let server = InProcessServer::start(dir.path()).await;

    let pool = embedded_pool(dir.path()).await;
    sqlx::query("insert into source (kind, name) values ('file', 'written before the crash')")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let pid = postmaster_pid(dir.path());
    let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(killed.success());
    let at = Instant::now();
    while server.ready().await != Some(503) {
        assert!(
            at.elapsed() < Duration::from_secs(2),
            "/ready did not answer 503 within 2 s of the crash"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let down = at.elapsed();
    // Meanwhile a page that needs the database answers at once (503), not after a pool timeout.
    let asked = Instant::now();
    let page = reqwest::get(format!("http://{}/login", server.addr))
        .await
        .unwrap();
    assert!(
        matches!(page.status().as_u16(), 503 | 200),
        "{}",
        page.status()
    );
    // (Before: every request waited out the 10 s pool timeout.)
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    while server.ready().await != Some(200) {
        assert!(
            at.elapsed() < down + Duration::from_secs(10),
            "/ready did not answer 200 within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(
        postmaster_pid(dir.path()),
        pid,
        "a new postmaster serves the database"
    );

    // A stop by hand (`pg_ctl stop -m immediate`, as the database account) is recovered too.
    let bin_dir = server::db::embedded::bin_dir(None).unwrap();
    let mut pg_ctl = Command::new(bin_dir.join("pg_ctl"));
    pg_ctl
        .args(["stop", "-m", "immediate", "-D"])
        .arg(dir.path().join("postgres"))
        .current_dir("/")
        .stdout(Stdio::null());
    if nix::unistd::Uid::effective().is_root() {
        use std::os::unix::process::CommandExt;
        let account = ["postgres", "nobody"]
            .iter()
            .find_map(|name| nix::unistd::User::from_name(name).unwrap())
            .unwrap();
        pg_ctl.uid(account.uid.as_raw()).gid(account.gid.as_raw());
    }
    assert!(pg_ctl.status().unwrap().success());
    let at = Instant::now();
    while server.ready().await != Some(503) {
        assert!(
            at.elapsed() < Duration::from_secs(2),
            "no 503 after pg_ctl stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while server.ready().await != Some(200) {
        assert!(
            at.elapsed() < Duration::from_secs(12),
            "not back after pg_ctl stop"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let pool = embedded_pool(dir.path()).await;
    let kept: i64 =
        sqlx::query_scalar("select count(*) from source where name = 'written before the crash'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(kept, 1, "the row committed before the crash survived");
    pool.close().await;
    server.stop().await;
}

/// The `storepulse` binary with a clean environment for `data_dir` (no DATABASE_URL).
/// `STOREPULSE_TEST_BIN` names a private copy where several checkouts share one target folder.
fn storepulse(data_dir: &Path) -> Command {
    let bin = std::env::var_os("STOREPULSE_TEST_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_storepulse").into());
    let mut cmd = Command::new(bin);
    cmd.env_remove("DATABASE_URL")
        .env("STOREPULSE_CONFIG", "/nonexistent/storepulse.toml")
        .env("STOREPULSE_DATA_DIR", data_dir)
        .env("STOREPULSE_DEMO_DATA", "never")
        .stdin(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cli_ingest_beside_a_server_uses_its_database_and_a_second_server_refuses() {
    let dir = data_folder();
    let server = InProcessServer::start(dir.path()).await;
    let file = dir.path().join("orders.csv");
    std::fs::write(&file, CSV).unwrap();
    let postmaster = postmaster_pid(dir.path());

    let mut ingest = storepulse(dir.path())
        .args(["ingest", "--source", "From the CLI"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The server answers throughout the ingest and for a while after it. A stopped database
    // would be found and restarted by the supervisor within a second (503 meanwhile, and a new
    // postmaster); one slow answer on a loaded machine is not that.
    let mut after: Option<Instant> = None;
    let mut not_ready = 0;
    while after.is_none_or(|t| t.elapsed() < Duration::from_secs(3)) {
        if server.ready().await != Some(200) {
            not_ready += 1;
        }
        assert!(not_ready <= 2, "the server stopped answering");
        if after.is_none() && ingest.try_wait().unwrap().is_some() {
            after = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        postmaster_pid(dir.path()),
        postmaster,
        "the server's database was never stopped"
    );
    let output = ingest.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "ingest failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let pool = embedded_pool(dir.path()).await;
    let orders: i64 = sqlx::query_scalar(
        "select count(*) from sales_order o join source s using (source_id) where s.name = 'From the CLI'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orders, 3, "the CLI loaded into the server's database");
    pool.close().await;

    let mut second = storepulse(dir.path())
        .arg("serve")
        .env("STOREPULSE_ADDR", free_addr().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A second server that starts would serve forever: give it 30 s to refuse, then fail.
    let started = Instant::now();
    while second.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = second.kill();
            let _ = second.wait();
            panic!("a second server started on the same data folder");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let second = second.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        !second.status.success(),
        "a second server started: {stderr}"
    );
    assert!(
        stderr.contains(&format!("`storepulse serve` (pid {})", std::process::id())),
        "the refusal names the owner: {stderr}"
    );
    assert_eq!(
        server.ready().await,
        Some(200),
        "the refused server disturbed nothing"
    );
    server.stop().await;
}

/// A `storepulse serve` process on the scratch database of `pool`; killed (SIGKILL) when dropped.
struct ChildServer {
    addr: SocketAddr,
    child: Child,
}

impl ChildServer {
    async fn start(pool: &PgPool, data_dir: &Path) -> ChildServer {
        let base = std::env::var("DATABASE_URL").expect("DATABASE_URL for the tests");
        let database = pool.connect_options().get_database().unwrap().to_string();
        let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
        let addr = free_addr();
        let child = storepulse(data_dir)
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("STOREPULSE_ADDR", addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = ChildServer { addr, child };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ready = client.get(server.url("/ready")).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            assert!(
                server.child.try_wait().unwrap().is_none(),
                "the server exited"
            );
            assert!(started.elapsed() < Duration::from_secs(60), "never ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn admin(&self) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let login = client
            .post(self.url("/fn/login"))
            .form(&[("email", ADMIN), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        client
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn folders(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[sqlx::test(migrations = false)]
async fn a_sync_upload_killed_with_the_server_is_retried_after_the_restart(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    app::features::auth::service::create_user(
        &pool,
        ADMIN,
        PASSWORD,
        app::features::auth::types::Role::Admin,
    )
    .await
    .unwrap();
    let source_id =
        app::features::sources::queries::insert_source(&pool, "file", "Shop", &Default::default())
            .await
            .unwrap()
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("uploads");

    // Hold the source's load lock so that the run is registered and then waits: the server is
    // killed in the middle of a synchronous upload.
    let mut blocker = pool.acquire().await.unwrap();
    sqlx::query("select pg_advisory_lock($1, $2)")
        .bind(SOURCE_LOCK)
        .bind(source_id as i32)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let first = ChildServer::start(&pool, dir.path()).await;
    let admin = first.admin().await;
    let upload = tokio::spawn(
        admin
            .post(first.url(&format!(
                "/api/v1/ingest?source_id={source_id}&filename=orders.csv"
            )))
            .body(CSV)
            .send(),
    );
    let started = Instant::now();
    let run_id: i64 = loop {
        let running: Option<i64> = sqlx::query_scalar(
            "select ingest_run_id from ingest_run where state = 'running' and upload_path is not null",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some(id) = running {
            break id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    drop(first); // kill -9
    assert!(
        upload.await.unwrap().is_err(),
        "the request died with its server"
    );
    sqlx::query("select pg_advisory_unlock_all()")
        .execute(&mut *blocker)
        .await
        .unwrap();
    drop(blocker);
    // The dead server's session ends once its backend notices: then the run's lock is free.
    let started = Instant::now();
    loop {
        let held: bool = sqlx::query_scalar(
            "select exists (select 1 from pg_locks where locktype = 'advisory' and classid = 7301 and objid::bigint = $1)",
        )
        .bind(run_id as i32 as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
        if !held {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run's lock was never released"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(folders(&uploads).len(), 1, "the upload is still on disk");

    let second = ChildServer::start(&pool, dir.path()).await;
    let admin = second.admin().await;
    let run: Value = admin
        .get(second.url(&format!("/api/v1/ingest-runs/{run_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["state"], "interrupted", "{run}");
    assert_eq!(run["retryable"], true, "{run}");
    assert!(run["error"].as_str().unwrap().contains("retry it"), "{run}");

    let retry = admin
        .post(second.url(&format!("/api/v1/ingest-runs/{run_id}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 202);
    let retried: Value = retry.json().await.unwrap();
    let started = Instant::now();
    let done = loop {
        let run: Value = admin
            .get(second.url(retried["status_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if run["state"] != "running" {
            break run;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the retry never ended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["rows_inserted"], 4, "{done}");
    let orders: i64 = sqlx::query_scalar("select count(*) from sales_order where source_id = $1")
        .bind(source_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(orders, 3);
    assert!(
        folders(&uploads).is_empty(),
        "a successful run removes its upload"
    );
}

#[sqlx::test(migrations = false)]
async fn source_names_are_bounded_and_failed_uploads_leave_no_source(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_path_buf();
    let app = TestApp::spawn_with(pool.clone(), |s| s.data_dir = data_dir).await;
    let uploads = dir.path().join("uploads");
    let admin = app.client_as(ADMIN).await;
    let sources = || async {
        sqlx::query_scalar::<_, String>("select name from source order by name")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    let upload = |query: String, body: &'static str| {
        let request = admin
            .post(app.url(&format!("/api/v1/ingest?filename=orders.csv&{query}")))
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let encode = |name: &str| form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>();

    for name in ["x".repeat(201), "line\nbreak".into(), "bell\u{7}".into()] {
        let response = upload(format!("source={}", encode(&name)), CSV).await;
        assert_eq!(response.status(), 422, "{name:?}");
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains("source"), "{body}");
    }
    assert!(sources().await.is_empty(), "no source from a refused name");

    // A file that fails to load into a new source: 422, and neither the source nor its upload stays.
    let response = upload("source=Broken".into(), "Nothing,To,See\n1,2,3\n").await;
    assert_eq!(response.status(), 422);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["succeeded"], false);
    assert!(
        summary["notes"].to_string().contains("was not kept"),
        "{summary}"
    );
    assert!(sources().await.is_empty(), "no source from a failed upload");
    assert!(folders(&uploads).is_empty(), "{:?}", folders(&uploads));

    // 200 characters is allowed; a later failed run into that existing source keeps its file
    // for a retry.
    let long = "y".repeat(200);
    let response = upload(format!("source={long}"), CSV).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sources().await, vec![long.clone()]);
    assert!(folders(&uploads).is_empty(), "a loaded upload is removed");
    let response = upload(format!("source={long}"), "Nothing,To,See\n1,2,3\n").await;
    assert_eq!(response.status(), 422);
    let failed: Value = response.json().await.unwrap();
    let run: Value = admin
        .get(app.url(&format!("/api/v1/ingest-runs/{}", failed["run_id"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["retryable"], true, "{run}");
    assert_eq!(folders(&uploads).len(), 1);
    assert_eq!(sources().await, vec![long]);
}

#[sqlx::test(migrations = false)]
async fn orphaned_uploads_are_removed_after_the_retention_only(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let eight_days_ago = SystemTime::now() - Duration::from_secs(8 * 86_400);
    let make = |name: &str, old: bool| {
        let path = dir.path().join(name);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("00-orders.csv"), CSV).unwrap();
        if old {
            std::fs::File::open(&path)
                .unwrap()
                .set_modified(eight_days_ago)
                .unwrap();
        }
        path
    };
    let old_orphan = make("oldorphan", true);
    let new_orphan = make("neworphan", false);
    let old_kept = make("oldkept", true);
    let source_id =
        app::features::sources::queries::insert_source(&pool, "file", "Shop", &Default::default())
            .await
            .unwrap()
            .unwrap();
    sqlx::query("insert into ingest_run (source_id, state, upload_path) values ($1, 'failed', $2)")
        .bind(source_id)
        .bind(old_kept.to_string_lossy().to_string())
        .execute(&pool)
        .await
        .unwrap();

    let removed = server::ingest::run::clean_orphan_uploads(
        &pool,
        dir.path(),
        Duration::from_secs(7 * 86_400),
    )
    .await
    .unwrap();
    assert_eq!(removed, vec![old_orphan.clone()]);
    assert!(!old_orphan.exists());
    assert!(new_orphan.exists(), "younger than the retention");
    assert!(
        old_kept.exists(),
        "a failed run can still be retried from it"
    );
}
