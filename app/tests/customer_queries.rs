//! Customer Insights queries on the hand-worked Sales fixture (tests/fixtures/sales.sql).
#![cfg(feature = "ssr")]

use app::dashboard::customer_days::CustomerDays;
use app::dashboard::customers::customer_facts;
use app::dashboard::filter::{DashboardFilter, DateRange};
use app::features::customers::kpi::Segment;
use app::features::customers::queries::*;
use app::rollup::{customer_days_reset, refresh_all, refresh_days, set_store_timezone};
use chrono::NaiveDate;
use rust_decimal_macros::dec;
use sqlx::PgPool;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn range(from: &str, to: &str) -> DateRange {
    DateRange {
        from: day(from),
        to: day(to),
    }
}

async fn rolled_up(pool: &PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    refresh_all(&mut conn).await.unwrap();
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn june_customers_with_rfm_values(pool: PgPool) {
    rolled_up(&pool).await;
    let facts = customer_facts(
        &pool,
        &CustomerDays::default(),
        range("2026-06-01", "2026-06-30"),
        &DashboardFilter::default(),
    )
    .await
    .unwrap();
    let rows: Vec<_> = facts
        .iter()
        .map(|c| {
            (
                c.customer_id,
                c.orders,
                c.net_revenue,
                c.first_order,
                c.last_order,
                c.recency_days,
                (c.r, c.f, c.m),
                c.days_between_orders,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // Ben: O7 (1 June in London) and O2 (11 June): 11.00 + 10.00 − 5.50 returned.
            (
                2,
                2,
                dec!(15.50),
                day("2026-06-01"),
                day("2026-06-11"),
                19,
                (3, 3, 3),
                10
            ),
            // Ana: O1 only (her O3 was cancelled: 22.00 of returns); O6 is a July order.
            (
                1,
                1,
                dec!(3.50),
                day("2026-06-10"),
                day("2026-06-10"),
                20,
                (1, 1, 1),
                0
            ),
        ]
    );
    // The guest of O4 is nobody's customer.
    assert_eq!(facts.len(), 2);
    assert_eq!(Segment::of(3, 3), Segment::NeedAttention);
    assert_eq!(Segment::of(1, 1), Segment::Lost);
    // On 1 July only Ana bought; her first order ever is still 10 June.
    let july = customer_facts(
        &pool,
        &CustomerDays::default(),
        range("2026-07-01", "2026-07-31"),
        &DashboardFilter::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        july.iter()
            .map(|c| (c.customer_id, c.first_order, c.recency_days))
            .collect::<Vec<_>>(),
        vec![(1, day("2026-06-10"), 30)]
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn acquisition_counts_first_orders_ever(pool: PgPool) {
    rolled_up(&pool).await;
    let rows: Vec<_> = acquisition(&pool, range("2026-05-01", "2026-07-31"))
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.month, m.new_customers, m.returning_customers))
        .collect();
    assert_eq!(
        rows,
        vec![
            (day("2026-05-01"), 0, 0), // a month with no customers still shows
            (day("2026-06-01"), 2, 0), // Ana and Ben both start in June (London time)
            (day("2026-07-01"), 0, 1), // Ana comes back on 1 July
        ]
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn acquisition_starts_at_the_first_order_with_a_sale(pool: PgPool) {
    // Cleo's first order (May) was cancelled: only a return. She first buys in June, so June
    // counts her as new (as the New customers card and the cohorts do), not as returning.
    sqlx::raw_sql(
        "insert into customer (customer_id, source_id, external_id, name, country)
             values (3, 1, 'cleo', 'Cleo', 'France');
         insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, status, country)
             values (8, 1, 'O8', 3, '2026-05-10 09:00+00', 'cancelled', 'France'),
                    (9, 1, 'O9', 3, '2026-06-20 09:00+00', 'completed', 'France');
         insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
             values (8, 1, 1, 1, 10.00), (9, 1, 1, 1, 10.00);",
    )
    .execute(&pool)
    .await
    .unwrap();
    rolled_up(&pool).await;
    let rows: Vec<_> = acquisition(&pool, range("2026-05-01", "2026-06-30"))
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.month, m.new_customers, m.returning_customers))
        .collect();
    assert_eq!(
        rows,
        vec![(day("2026-05-01"), 0, 0), (day("2026-06-01"), 3, 0)]
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn cohorts_follow_customers_from_their_first_month(pool: PgPool) {
    rolled_up(&pool).await;
    let rows: Vec<_> = cohorts(&pool, range("2026-06-01", "2026-07-31"))
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                c.cohort,
                c.months_since,
                c.customers,
                c.net_revenue,
                c.cohort_size,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // June: Ana 3.50 + Ben 15.50; July: Ana's 10.00.
            (day("2026-06-01"), 0, 2, dec!(19.00), 2),
            (day("2026-06-01"), 1, 1, dec!(10.00), 2),
        ]
    );
    // A range that ends in June does not see July.
    let june = cohorts(&pool, range("2026-06-01", "2026-06-30"))
        .await
        .unwrap();
    assert_eq!(june.len(), 1);
}

/// The in-memory copy of the per-customer-day rollup, kept across changes, gives what a copy
/// loaded afresh gives: after a change of some days (a new order, an earlier cancelled one that
/// moves a first order day), after a time-zone change and after a source is removed.
#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn the_customer_copy_follows_every_change(pool: PgPool) {
    rolled_up(&pool).await;
    let kept = CustomerDays::default();
    let june = range("2026-06-01", "2026-06-30");
    let all = DashboardFilter::default();
    let before = customer_facts(&pool, &kept, june, &all).await.unwrap();
    assert_eq!(before.len(), 2);

    // O8: Ana buys 3 mugs on 20 June (30.00); O9: an order of hers on 2 May, cancelled.
    sqlx::raw_sql(
        "insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, status, country) values
           (8, 1, 'O8', 1, '2026-06-20 10:00+00', 'completed', 'United Kingdom'),
           (9, 1, 'O9', 1, '2026-05-02 10:00+00', 'cancelled', 'United Kingdom');
         insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price) values
           (8, 1, 1, 3, 10.00), (9, 1, 2, 1, 5.50);",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    refresh_days(&mut conn, day("2026-05-02"), day("2026-06-20"))
        .await
        .unwrap();
    let after = customer_facts(&pool, &kept, june, &all).await.unwrap();
    let fresh = customer_facts(&pool, &CustomerDays::default(), june, &all)
        .await
        .unwrap();
    assert_eq!(after, fresh);
    let ana = after.iter().find(|c| c.customer_id == 1).unwrap();
    // O1 (3.50 net after the cancelled O3) + O8 (30.00); her first order is now O9's day.
    assert_eq!(
        (ana.orders, ana.net_revenue, ana.first_order, ana.last_order),
        (2, dec!(33.50), day("2026-05-02"), day("2026-06-20"))
    );

    // A time-zone change rebuilds every day: O6 (23:30 UTC on 30 June) is a June order in New
    // York, and O7 (23:30 UTC on 31 May) a May one.
    set_store_timezone(&mut conn, "America/New_York")
        .await
        .unwrap();
    let after = customer_facts(&pool, &kept, june, &all).await.unwrap();
    assert_eq!(
        after,
        customer_facts(&pool, &CustomerDays::default(), june, &all)
            .await
            .unwrap()
    );
    assert_ne!(after, fresh);

    // The source goes, and with it every row.
    sqlx::query("delete from source where source_id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    customer_days_reset(&mut conn).await.unwrap();
    assert!(customer_facts(&pool, &kept, june, &all)
        .await
        .unwrap()
        .is_empty());
}

/// The copy reads PostgreSQL's COPY output, where a tab, a newline or a backslash in a name is
/// escaped: names holding each (and non-ASCII letters) read back whole — a customer's country as
/// written, and a channel or country filter finds their rows — whether the copy is loaded whole
/// or follows a change of a few days.
#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn names_with_tabs_newlines_and_backslashes_read_back_whole(pool: PgPool) {
    let country = "Côte\td'Ivoire \\ Nord\nEst";
    let channel = "web\\shop\t2\r";
    sqlx::query("update sales_order set country = $1, channel = $2 where customer_id = 1")
        .bind(country)
        .bind(channel)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update customer set country = $1 where customer_id = 1")
        .bind(country)
        .execute(&pool)
        .await
        .unwrap();
    rolled_up(&pool).await;
    let june = range("2026-06-01", "2026-06-30");
    let odd = DashboardFilter {
        country: vec![country.into()],
        channel: vec![channel.into()],
        ..DashboardFilter::default()
    };
    let kept = CustomerDays::default();
    let facts = customer_facts(&pool, &kept, june, &odd).await.unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].customer_id, 1);
    assert_eq!(facts[0].country.as_deref(), Some(country));
    assert_eq!(facts[0].net_revenue, dec!(3.50));

    // A new order of Ben's in the same odd slice, on one day: the kept copy reads that day's
    // rows (and the summaries stamped since) and finds him too.
    sqlx::query(
        "insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, status, country, channel)
         values (8, 1, 'O8', 2, '2026-06-20 10:00+00', 'completed', $1, $2)",
    )
    .bind(country)
    .bind(channel)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price) values (8, 1, 1, 3, 10.00)")
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    refresh_days(&mut conn, day("2026-06-20"), day("2026-06-20"))
        .await
        .unwrap();
    let after = customer_facts(&pool, &kept, june, &odd).await.unwrap();
    let mut ids: Vec<_> = after.iter().map(|c| c.customer_id).collect();
    ids.sort();
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(
        after,
        customer_facts(&pool, &CustomerDays::default(), june, &odd)
            .await
            .unwrap()
    );
}

/// A row the copy cannot read (here a sum beyond `Decimal`'s 28 digits) fails the load with an
/// error naming its column, and the connection that was reading it is closed rather than given
/// back in the middle of its COPY: the next user of a one-connection pool gets its own replies.
#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn an_unreadable_row_fails_the_load_and_leaves_the_pool_sound(pool: PgPool) {
    rolled_up(&pool).await;
    // The unreadable row first, then enough rows (~15 MB of COPY output) that the load stops
    // with most of them still on their way.
    sqlx::raw_sql(
        "delete from daily_customer_sales;
         insert into daily_customer_sales (day, customer_id, source_id, channel, country, orders, gross, net)
         values ('2026-06-10', 1, 1, 'web', 'United Kingdom', 1, 1e30, 1e30);
         insert into daily_customer_sales (day, customer_id, source_id, channel, country, orders, gross, net)
         select '2026-06-11'::date, 1000 + n, 1, 'web', 'United Kingdom', 1, 10.00, 10.00
         from generate_series(1, 300000) n;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let one = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let err = CustomerDays::default().sync(&one).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("row 1 of the COPY output: column 7 is not a decimal number"),
        "{err}"
    );
    let customers: i64 = sqlx::query_scalar("select count(*) from customer")
        .fetch_one(&one)
        .await
        .unwrap();
    assert_eq!(customers, 2);
    let mut tx = one.begin().await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("select name from customer order by customer_id")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(names, ["Ana", "Ben"]);
}
