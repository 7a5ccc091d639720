//! The incremental path gives what a full rebuild gives: random orders, returns, cancellations,
//! guests and late corrections (lines changed, orders moved to another day, orders deleted) are
//! applied one by one, each followed by `refresh_days` over the local days it touched (what an
//! ingest does). After every step every rollup table equals a rebuild from scratch, and the
//! in-memory customer copy kept across the steps gives the customer figures a fresh copy gives.
#![cfg(feature = "ssr")]

use app::dashboard::customer_days::CustomerDays;
use app::dashboard::customers::customer_facts;
use app::dashboard::filter::{DashboardFilter, DateRange};
use app::rollup::{refresh_all, refresh_days};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::{PgConnection, PgPool};

const SEEDS: u64 = 4;
const STEPS: usize = 30;

/// The tables `app::rollup` keeps.
const ROLLUP_TABLES: [&str; 7] = [
    "daily_sales",
    "daily_product_sales",
    "daily_product_buyers",
    "daily_customer_sales",
    "weekly_product_sales",
    "customer_month",
    "customer_summary",
];

/// Every rollup table as text, in a fixed order (customer summaries without their stamp).
async fn rollups(conn: &mut PgConnection) -> Vec<String> {
    let mut out = Vec::new();
    for select in [
        "select * from daily_sales",
        "select * from daily_product_sales",
        "select * from daily_product_buyers",
        "select * from daily_customer_sales",
        "select * from weekly_product_sales",
        "select * from customer_month",
        "select customer_id, first_order_day, first_sale_month, country from customer_summary",
    ] {
        let rows: Option<String> = sqlx::query_scalar(&format!(
            "select string_agg(t::text, E'\\n' order by t::text) from ({select}) t"
        ))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        out.push(format!("{select}:\n{}", rows.unwrap_or_default()));
    }
    out
}

/// The rollups rebuilt from nothing, inside a transaction that is then rolled back.
async fn rebuilt(pool: &PgPool) -> Vec<String> {
    let mut tx = pool.begin().await.unwrap();
    for table in ROLLUP_TABLES {
        sqlx::query(&format!("delete from {table}"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    refresh_all(&mut tx).await.unwrap();
    let rows = rollups(&mut tx).await;
    tx.rollback().await.unwrap();
    rows
}

/// The local day (store time zone) of an instant.
async fn local_day(conn: &mut PgConnection, at: DateTime<Utc>) -> NaiveDate {
    sqlx::query_scalar::<_, NaiveDate>(
        "select ($1::timestamptz at time zone (select timezone from rollup_state))::date",
    )
    .bind(at)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
}

/// A random instant in June and July 2026, often near midnight (where local and UTC days differ).
fn instant(rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    let day =
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap() + Duration::days(rng.gen_range(0..61));
    let minutes = if rng.gen_bool(0.5) {
        rng.gen_range(22 * 60..24 * 60)
    } else {
        rng.gen_range(0..24 * 60)
    };
    day + Duration::minutes(minutes)
}

async fn order_time(conn: &mut PgConnection, id: i64) -> DateTime<Utc> {
    sqlx::query_scalar("select ordered_at from sales_order where sales_order_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Applies one random change; returns the instants whose local days it touched.
async fn change(
    conn: &mut PgConnection,
    rng: &mut ChaCha8Rng,
    next_id: &mut i64,
) -> Vec<DateTime<Utc>> {
    let existing: Vec<i64> =
        sqlx::query_scalar("select sales_order_id from sales_order order by 1")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let pick = |rng: &mut ChaCha8Rng| existing[rng.gen_range(0..existing.len())];
    match rng.gen_range(0..10) {
        // A new order (most steps): a customer or a guest, completed or cancelled, 1–3 lines
        // of sales, returns or an adjustment.
        0..=5 => {
            let id = *next_id;
            *next_id += 1;
            let at = instant(rng);
            let customer: Option<i64> = [None, Some(1), Some(2), Some(3)][rng.gen_range(0..4)];
            let status = if rng.gen_bool(0.15) {
                "cancelled"
            } else {
                "completed"
            };
            sqlx::query(
                "insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, status, country)
                 values ($1, 1, 'R' || $1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(customer)
            .bind(at)
            .bind(status)
            .bind(["United Kingdom", "Germany", "France"][rng.gen_range(0..3)])
            .execute(&mut *conn)
            .await
            .unwrap();
            for line in 1..=rng.gen_range(1..=3) {
                let quantity: i32 = [-2, -1, 1, 2, 3, 5][rng.gen_range(0..6)];
                let price = ["5.50", "10.00", "9.99", "-15.00"][rng.gen_range(0..4)];
                sqlx::query(
                    "insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
                     values ($1, $2, $3, $4, $5::numeric)",
                )
                .bind(id)
                .bind(line)
                .bind(rng.gen_range(1..=2_i64))
                .bind(quantity)
                .bind(price)
                .execute(&mut *conn)
                .await
                .unwrap();
            }
            // As an ingest does with the file's customer: a new country, and the first time seen
            // lowered to the order's (set when there was none).
            if let Some(customer) = customer.filter(|_| rng.gen_bool(0.3)) {
                sqlx::query(
                    "update customer set country = $2, first_seen_at = least(first_seen_at, $3)
                     where customer_id = $1",
                )
                .bind(customer)
                .bind(["United Kingdom", "Germany", "France", "Spain"][rng.gen_range(0..4)])
                .bind(at)
                .execute(&mut *conn)
                .await
                .unwrap();
            }
            vec![at]
        }
        // A late correction of a line's quantity.
        6 => {
            let id = pick(rng);
            sqlx::query(
                "update order_line set quantity = $2 where sales_order_id = $1 and line_no = 1",
            )
            .bind(id)
            .bind([-1, 1, 4][rng.gen_range(0..3)])
            .execute(&mut *conn)
            .await
            .unwrap();
            vec![order_time(conn, id).await]
        }
        // An order moved to another time (both days change).
        7 => {
            let id = pick(rng);
            let before = order_time(conn, id).await;
            let after = instant(rng);
            sqlx::query("update sales_order set ordered_at = $2 where sales_order_id = $1")
                .bind(id)
                .bind(after)
                .execute(&mut *conn)
                .await
                .unwrap();
            vec![before, after]
        }
        // An order cancelled late, or deleted.
        8 => {
            let id = pick(rng);
            sqlx::query("update sales_order set status = 'cancelled' where sales_order_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .unwrap();
            vec![order_time(conn, id).await]
        }
        _ => {
            let id = pick(rng);
            let at = order_time(conn, id).await;
            sqlx::query("delete from sales_order where sales_order_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .unwrap();
            vec![at]
        }
    }
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn incremental_rollups_equal_a_full_rebuild(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    // Cy has no order yet and no known country (until a step gives one).
    sqlx::query("insert into customer (customer_id, source_id, external_id, name, country) values (3, 1, 'cy', 'Cy', null)")
        .execute(&mut *conn)
        .await
        .unwrap();
    refresh_all(&mut conn).await.unwrap();
    let kept = CustomerDays::default();
    let ranges = [
        ("2026-06-01", "2026-06-30"),
        ("2026-07-01", "2026-07-31"),
        ("2026-05-01", "2026-08-31"),
    ]
    .map(|(from, to)| DateRange {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
    });
    let mut next_id = 100;
    for seed in 0..SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for step in 0..STEPS {
            let touched = change(&mut conn, &mut rng, &mut next_id).await;
            let mut days = Vec::new();
            for at in touched {
                days.push(local_day(&mut conn, at).await);
            }
            let (first, last) = (*days.iter().min().unwrap(), *days.iter().max().unwrap());
            refresh_days(&mut conn, first, last).await.unwrap();

            let incremental = rollups(&mut conn).await;
            let full = rebuilt(&pool).await;
            for (a, b) in incremental.iter().zip(&full) {
                assert_eq!(a, b, "seed {seed}, step {step}: incremental ≠ rebuilt");
            }
            for range in ranges {
                let filter = DashboardFilter::default();
                let from_kept = customer_facts(&pool, &kept, range, &filter).await.unwrap();
                let fresh = customer_facts(&pool, &CustomerDays::default(), range, &filter)
                    .await
                    .unwrap();
                assert_eq!(
                    from_kept, fresh,
                    "seed {seed}, step {step}: the kept customer copy"
                );
            }
        }
    }
}

/// A change that leaves a customer's day rows as they were (a bad-debt adjustment) can still move
/// the customer's summary: here the first time seen, set for the first time, after every order
/// (the first order day is that time's day when there is one).
#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn a_summary_moved_without_a_changed_day_row_is_rebuilt(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    refresh_all(&mut conn).await.unwrap();
    for statement in [
        "insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, status, country)
         values (50, 1, 'A50', 1, '2026-07-20 10:00+00', 'completed', 'United Kingdom')",
        "insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
         values (50, 1, 1, 1, -15.00)",
        "update customer set first_seen_at = '2026-07-20 10:00+00' where customer_id = 1",
    ] {
        sqlx::query(statement).execute(&mut *conn).await.unwrap();
    }
    let day: NaiveDate = "2026-07-20".parse().unwrap();
    refresh_days(&mut conn, day, day).await.unwrap();
    let first: NaiveDate =
        sqlx::query_scalar("select first_order_day from customer_summary where customer_id = 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(first, day);
    assert_eq!(rollups(&mut conn).await, rebuilt(&pool).await);
}

/// How many rows each fact and dimension table holds.
async fn facts(conn: &mut PgConnection) -> [i64; 4] {
    let mut counts = [0; 4];
    for (count, table) in
        counts
            .iter_mut()
            .zip(["sales_order", "order_line", "customer", "product"])
    {
        *count = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    }
    counts
}

/// Removing a source removes its orders, lines, customers and products and every rollup row made
/// from them (statement-level cascades replace the foreign keys), and leaves the other sources'
/// rows as a rebuild makes them; removing a customer removes their orders.
#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn a_removed_source_leaves_no_rows(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    for statement in [
        "insert into source (source_id, kind, name) values (2, 'file', 'second')",
        "insert into customer (customer_id, source_id, external_id, name, country) values (20, 2, 'zoe', 'Zoe', 'Spain')",
        "insert into product (product_id, source_id, external_id, sku, name, category, list_price)
         values (20, 2, 'LAMP', 'LAMP', 'Lamp', 'Lighting', 30.00)",
        "insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, status, country)
         values (20, 2, 'Z1', 20, '2026-06-10 11:00+00', 'completed', 'Spain'),
                (21, 2, 'Z2', null, '2026-06-11 11:00+00', 'completed', 'Spain')",
        "insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
         values (20, 1, 20, 2, 30.00), (20, 2, 20, -1, 30.00), (21, 1, 20, 1, 30.00)",
    ] {
        sqlx::query(statement).execute(&mut *conn).await.unwrap();
    }
    refresh_all(&mut conn).await.unwrap();
    let with_both = rollups(&mut conn).await;
    // The fixture's 7 orders, 9 lines, 2 customers, 2 products and the second source's.
    assert_eq!(facts(&mut conn).await, [9, 12, 3, 3]);

    sqlx::query("delete from source where source_id = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(facts(&mut conn).await, [7, 9, 2, 2]);
    let held = rollups(&mut conn).await;
    assert_ne!(held, with_both);
    assert_eq!(held, rebuilt(&pool).await);

    // Ben's orders O2, O5 and O7 (4 lines) go with him, and his own rollup rows (the days of
    // his orders are the deleting caller's to refresh, as after any change).
    sqlx::query("delete from customer where customer_id = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(facts(&mut conn).await, [4, 5, 1, 2]);
    let his: i64 = sqlx::query_scalar(
        "select (select count(*) from daily_customer_sales where customer_id = 2)
              + (select count(*) from customer_month where customer_id = 2)
              + (select count(*) from customer_summary where customer_id = 2)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(his, 0);

    sqlx::query("delete from source where source_id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    for table in ROLLUP_TABLES {
        let left: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(left, 0, "{table} keeps rows of a removed source");
    }
    assert_eq!(facts(&mut conn).await, [0, 0, 0, 0]);
}
