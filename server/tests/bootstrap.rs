//! First start: the first admin, demo data and demo logins.
use server::bootstrap;
use server::config::{DemoData, Secret, Settings};
use server::db::Database;
use sqlx::PgPool;

fn settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        data_dir: dir.path().to_path_buf(),
        demo_data: DemoData::Never,
        ..Settings::default()
    }
}

async fn users(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as("select email, role from app_user order by email")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn the_first_admin_comes_from_the_settings_once(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        admin_email: Some("boss@shop.example".into()),
        admin_password: Some(Secret::new("a long password")),
        ..settings(&dir)
    };
    let db = Database {
        pool: pool.clone(),
        embedded: None,
    };
    bootstrap::prepare(&db, &settings).await.unwrap();
    bootstrap::prepare(&db, &settings).await.unwrap();
    assert_eq!(
        users(&pool).await,
        vec![("boss@shop.example".to_string(), "admin".to_string())]
    );
    assert_eq!(
        sqlx::query_scalar::<_, i64>("select count(*) from source")
            .fetch_one(&pool)
            .await
            .unwrap(),
        0
    );
}

#[sqlx::test(migrations = false)]
async fn a_weak_first_admin_password_is_refused_with_the_reason(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        admin_email: Some("boss@shop.example".into()),
        admin_password: Some(Secret::new("short")),
        ..settings(&dir)
    };
    let err = bootstrap::prepare(
        &Database {
            pool,
            embedded: None,
        },
        &settings,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("password: must have at least 10 characters"),
        "{err}"
    );
}

#[sqlx::test(migrations = false)]
async fn demo_data_fills_an_empty_database_once_with_one_user_per_role(pool: PgPool) {
    use std::os::unix::fs::PermissionsExt;
    server::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        demo_data: DemoData::Always,
        ..settings(&dir)
    };
    let db = Database {
        pool: pool.clone(),
        embedded: None,
    };
    bootstrap::prepare(&db, &settings).await.unwrap();
    let orders: i64 = sqlx::query_scalar("select count(*) from sales_order")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(orders > 30_000, "{orders}");
    let roles: Vec<String> = users(&pool)
        .await
        .into_iter()
        .map(|(_, role)| role)
        .collect();
    assert_eq!(roles, vec!["admin", "analyst", "viewer"]);
    let logins = dir.path().join("demo-logins.txt");
    assert!(std::fs::read_to_string(&logins)
        .unwrap()
        .contains("viewer@storepulse.example  password: "));
    assert_eq!(
        std::fs::metadata(&logins).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A second start finds data and adds nothing.
    bootstrap::prepare(&db, &settings).await.unwrap();
    let again: i64 = sqlx::query_scalar("select count(*) from sales_order")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(again, orders);
}
