//! Sales queries against a hand-worked fixture (tests/fixtures/sales.sql).
#![cfg(feature = "ssr")]

use app::features::sales::kpi::sales_kpis;
use app::features::sales::queries::*;
use app::features::sales::types::{DateRange, Grain};
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
    refresh_daily_sales_all(&mut conn).await.unwrap();
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn june_totals_follow_the_definitions(pool: PgPool) {
    rolled_up(&pool).await;
    let june = range("2026-06-01", "2026-06-30");
    let totals = sales_totals(&pool, june).await.unwrap();
    // gross: O1 25.50 + O2 10.00 + O4 27.00 + O7 11.00 (O6 is July in London time)
    assert_eq!(totals.gross_revenue, dec!(73.50));
    // returns: O2's returned candle 5.50 + the cancelled O3 22.00
    assert_eq!(totals.returns, dec!(27.50));
    assert_eq!(totals.adjustments, dec!(-15.00));
    assert_eq!(totals.units, 2 + 1 + 1 + 3 + 2);
    assert_eq!(totals.orders, 4); // O1, O2, O4, O7 — not the cancelled O3 nor the adjustment O5
    assert_eq!(totals.unidentified_revenue, dec!(27.00));

    let customers = distinct_customers(&pool, june).await.unwrap();
    assert_eq!(customers, 2); // Ana (O1) and Ben (O2, O7); the guest never counts

    let kpis = sales_kpis(&totals, customers);
    assert_eq!(kpis.net_revenue, dec!(46.00));
    assert_eq!(kpis.aov, Some(dec!(18.375)));
    assert_eq!(kpis.unidentified_share.unwrap().round_dp(4), dec!(0.3673)); // 27 / 73.5
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn local_midnight_decides_the_day(pool: PgPool) {
    rolled_up(&pool).await;
    let july_first = range("2026-07-01", "2026-07-01");
    let totals = sales_totals(&pool, july_first).await.unwrap();
    assert_eq!(totals.gross_revenue, dec!(10.00)); // O6, 23:30 UTC on 30 June
    assert_eq!(distinct_customers(&pool, july_first).await.unwrap(), 1);
    let may = range("2026-05-01", "2026-05-31");
    assert_eq!(
        sales_totals(&pool, may).await.unwrap().gross_revenue,
        dec!(0)
    ); // O7 is 1 June locally
    assert_eq!(distinct_customers(&pool, may).await.unwrap(), 0);
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn empty_range_is_all_zero(pool: PgPool) {
    rolled_up(&pool).await;
    let march = range("2026-03-01", "2026-03-31");
    let totals = sales_totals(&pool, march).await.unwrap();
    let kpis = sales_kpis(&totals, distinct_customers(&pool, march).await.unwrap());
    assert_eq!(
        (kpis.gross_revenue, kpis.orders, kpis.customers),
        (dec!(0), 0, 0)
    );
    assert_eq!(kpis.aov, None);
    let series = revenue_series(&pool, march, Grain::Week).await.unwrap();
    assert!(series.iter().all(|p| p.gross_revenue.is_zero()));
    assert_eq!(series.first().unwrap().period, day("2026-02-23")); // the Monday of the week of 1 March
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn series_has_every_bucket_including_empty_ones(pool: PgPool) {
    rolled_up(&pool).await;
    let months = revenue_series(&pool, range("2026-05-01", "2026-07-31"), Grain::Month)
        .await
        .unwrap();
    let by_month: Vec<_> = months
        .iter()
        .map(|p| {
            (
                p.period,
                p.gross_revenue,
                p.returns,
                p.net_revenue,
                p.orders,
            )
        })
        .collect();
    assert_eq!(
        by_month,
        vec![
            (day("2026-05-01"), dec!(0), dec!(0), dec!(0), 0), // a month with no sales still shows
            (day("2026-06-01"), dec!(73.50), dec!(27.50), dec!(46.00), 4),
            (day("2026-07-01"), dec!(10.00), dec!(0), dec!(10.00), 1),
        ]
    );
    let days = revenue_series(&pool, range("2026-06-01", "2026-06-03"), Grain::Day)
        .await
        .unwrap();
    let gross: Vec<_> = days.iter().map(|p| p.gross_revenue).collect();
    assert_eq!(gross, vec![dec!(11.00), dec!(0), dec!(0)]);
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn changing_the_store_time_zone_rebuilds_the_rollup(pool: PgPool) {
    rolled_up(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    assert!(set_store_timezone(&mut conn, "UTC").await.unwrap());
    assert!(!set_store_timezone(&mut conn, "UTC").await.unwrap());
    // In UTC, O7 (31 May 23:30) leaves June and O6 (30 June 23:30) joins it: 73.50 − 11.00 + 10.00.
    let june = sales_totals(&pool, range("2026-06-01", "2026-06-30"))
        .await
        .unwrap();
    assert_eq!(june.gross_revenue, dec!(72.50));
    assert!(set_store_timezone(&mut conn, "Mars/Olympus").await.is_err());
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn refreshing_some_days_bumps_the_data_version_and_keeps_others(pool: PgPool) {
    rolled_up(&pool).await;
    let version = || async {
        sqlx::query_scalar::<_, i64>("select data_version from rollup_state")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = version().await;
    sqlx::query("insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price) values (1, 3, 2, 2, 5.50)")
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    refresh_daily_sales(&mut conn, day("2026-06-10"), day("2026-06-10"))
        .await
        .unwrap();
    assert_eq!(version().await, before + 1);
    let june = sales_totals(&pool, range("2026-06-01", "2026-06-30"))
        .await
        .unwrap();
    assert_eq!(june.gross_revenue, dec!(84.50)); // 73.50 + 2 × 5.50
    assert_eq!(june.orders, 4);
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn latest_order_day_is_local(pool: PgPool) {
    assert_eq!(
        latest_order_day(&pool).await.unwrap(),
        Some(day("2026-07-01"))
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn monthly_rows_have_month_on_month_change_and_partial_marks(pool: PgPool) {
    use app::features::sales::kpi::change;
    rolled_up(&pool).await;
    let rows = monthly_sales(&pool, range("2026-05-15", "2026-07-01"))
        .await
        .unwrap();
    let summary: Vec<_> = rows
        .iter()
        .map(|m| {
            let net = m.gross_revenue - m.returns;
            (
                m.month,
                net,
                m.orders,
                m.previous_net,
                m.partial,
                m.previous_net.and_then(|p| change(net, p)),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            // May: no sales in London time (O7 is 1 June locally); the range starts mid-month.
            (day("2026-05-01"), dec!(0), 0, Some(dec!(0)), true, None),
            // June: 73.50 − 27.50; May's 0 gives no change (DESIGN.md: empty when the previous is 0).
            (
                day("2026-06-01"),
                dec!(46.00),
                4,
                Some(dec!(0)),
                false,
                None
            ),
            // July: only the 1st is in range; (10 − 46) / 46.
            (
                day("2026-07-01"),
                dec!(10.00),
                1,
                Some(dec!(46.00)),
                true,
                Some((dec!(10) - dec!(46)) / dec!(46))
            ),
        ]
    );
}
