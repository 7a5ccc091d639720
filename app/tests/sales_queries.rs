//! Sales queries against a hand-worked fixture (tests/fixtures/sales.sql).
#![cfg(feature = "ssr")]

use app::dashboard::customer_days::CustomerDays;
use app::dashboard::customers::{customer_buyers, customer_facts, CustomerFacts};
use app::dashboard::filter::{DashboardFilter, DateRange, Grain};
use app::dashboard::queries::latest_order_day;
use app::dashboard::totals::sales_totals;
use app::features::sales::kpi::sales_kpis;
use app::features::sales::queries::*;
use app::rollup::{refresh_all, refresh_days, set_store_timezone};
use chrono::NaiveDate;
use rust_decimal_macros::dec;
use sqlx::PgPool;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// No channel, source, country or category filter.
fn all() -> DashboardFilter {
    DashboardFilter::default()
}

/// Distinct identified customers who bought in the range (from the per-customer pass).
async fn customers(pool: &PgPool, range: DateRange) -> i64 {
    customer_facts(pool, &CustomerDays::default(), range, &all())
        .await
        .unwrap()
        .len() as i64
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
async fn june_totals_follow_the_definitions(pool: PgPool) {
    rolled_up(&pool).await;
    let june = range("2026-06-01", "2026-06-30");
    let totals = sales_totals(&pool, june, &all()).await.unwrap();
    // gross: O1 25.50 + O2 10.00 + O4 27.00 + O7 11.00 (O6 is July in London time)
    assert_eq!(totals.gross_revenue, dec!(73.50));
    // returns: O2's returned candle 5.50 + the cancelled O3 22.00
    assert_eq!(totals.returns, dec!(27.50));
    assert_eq!(totals.adjustments, dec!(-15.00));
    assert_eq!(totals.units, 2 + 1 + 1 + 3 + 2);
    assert_eq!(totals.orders, 4); // O1, O2, O4, O7 — not the cancelled O3 nor the adjustment O5
    assert_eq!(totals.unidentified_revenue, dec!(27.00));

    let customer_count = customers(&pool, june).await;
    assert_eq!(customer_count, 2); // Ana (O1) and Ben (O2, O7); the guest never counts

    let kpis = sales_kpis(&totals, customer_count);
    assert_eq!(kpis.net_revenue, dec!(46.00));
    assert_eq!(kpis.aov, Some(dec!(18.375)));
    assert_eq!(kpis.unidentified_share.unwrap().round_dp(4), dec!(0.3673)); // 27 / 73.5
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn local_midnight_decides_the_day(pool: PgPool) {
    rolled_up(&pool).await;
    let july_first = range("2026-07-01", "2026-07-01");
    let totals = sales_totals(&pool, july_first, &all()).await.unwrap();
    assert_eq!(totals.gross_revenue, dec!(10.00)); // O6, 23:30 UTC on 30 June
    assert_eq!(customers(&pool, july_first).await, 1);
    let may = range("2026-05-01", "2026-05-31");
    assert_eq!(
        sales_totals(&pool, may, &all())
            .await
            .unwrap()
            .gross_revenue,
        dec!(0)
    ); // O7 is 1 June locally
    assert_eq!(customers(&pool, may).await, 0);
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn empty_range_is_all_zero(pool: PgPool) {
    rolled_up(&pool).await;
    let march = range("2026-03-01", "2026-03-31");
    let totals = sales_totals(&pool, march, &all()).await.unwrap();
    let kpis = sales_kpis(&totals, customers(&pool, march).await);
    assert_eq!(
        (kpis.gross_revenue, kpis.orders, kpis.customers),
        (dec!(0), 0, 0)
    );
    assert_eq!(kpis.aov, None);
    let series = revenue_series(&pool, march, Grain::Week, &all())
        .await
        .unwrap();
    assert!(series.iter().all(|p| p.gross_revenue.is_zero()));
    assert_eq!(series.first().unwrap().period, day("2026-02-23")); // the Monday of the week of 1 March
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn series_has_every_bucket_including_empty_ones(pool: PgPool) {
    rolled_up(&pool).await;
    let months = revenue_series(
        &pool,
        range("2026-05-01", "2026-07-31"),
        Grain::Month,
        &all(),
    )
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
    let days = revenue_series(&pool, range("2026-06-01", "2026-06-03"), Grain::Day, &all())
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
    let june = sales_totals(&pool, range("2026-06-01", "2026-06-30"), &all())
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
    refresh_days(&mut conn, day("2026-06-10"), day("2026-06-10"))
        .await
        .unwrap();
    assert_eq!(version().await, before + 1);
    let june = sales_totals(&pool, range("2026-06-01", "2026-06-30"), &all())
        .await
        .unwrap();
    assert_eq!(june.gross_revenue, dec!(84.50)); // 73.50 + 2 × 5.50
    assert_eq!(june.orders, 4);
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn latest_order_day_is_local(pool: PgPool) {
    assert_eq!(
        latest_order_day(&pool, day("2030-01-01")).await.unwrap(),
        Some(day("2026-07-01"))
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn monthly_rows_have_month_on_month_change_and_partial_marks(pool: PgPool) {
    use app::dashboard::compare::change;
    rolled_up(&pool).await;
    let rows = monthly_sales(&pool, range("2026-05-15", "2026-07-01"), &all())
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

fn only(f: impl FnOnce(&mut DashboardFilter)) -> DashboardFilter {
    let mut filter = DashboardFilter::default();
    f(&mut filter);
    filter
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn country_channel_and_category_filters(pool: PgPool) {
    rolled_up(&pool).await;
    let june = range("2026-06-01", "2026-06-30");
    // Germany: O2 (10.00 sold, 5.50 returned) and O7 (11.00); Ben is the only customer.
    let germany = only(|f| f.country = vec!["Germany".into()]);
    let t = sales_totals(&pool, june, &germany).await.unwrap();
    assert_eq!(
        (t.gross_revenue, t.returns, t.orders),
        (dec!(21.00), dec!(5.50), 2)
    );
    let nets = customer_facts(&pool, &CustomerDays::default(), june, &germany)
        .await
        .unwrap();
    assert_eq!(nets.len(), 1);
    // Every fixture order is on the web channel.
    let marketplace = only(|f| f.channel = vec!["marketplace".into()]);
    assert_eq!(
        sales_totals(&pool, june, &marketplace).await.unwrap(),
        Default::default()
    );
    let web_and_france = only(|f| {
        f.channel = vec!["web".into()];
        f.country = vec!["France".into()];
    });
    let t = sales_totals(&pool, june, &web_and_france).await.unwrap();
    assert_eq!(
        (t.gross_revenue, t.unidentified_revenue, t.orders),
        (dec!(27.00), dec!(27.00), 1)
    );

    // Kitchen (mugs): 20.00 (O1) + 10.00 (O2) + 27.00 (O4); the −15.00 adjustment is a mug too.
    let kitchen = only(|f| f.category = vec!["Kitchen".into()]);
    let t = sales_totals(&pool, june, &kitchen).await.unwrap();
    assert_eq!(
        (t.gross_revenue, t.returns, t.adjustments, t.units, t.orders),
        (dec!(57.00), dec!(0), dec!(-15.00), 6, 3)
    );
    assert_eq!(distinct_orders(&pool, june, &kitchen).await.unwrap(), 3);
    // Candles: 5.50 (O1) + 11.00 (O7) sold; 5.50 (O2) + 22.00 (cancelled O3) returned.
    let candles = only(|f| f.category = vec!["Candles".into()]);
    let t = sales_totals(&pool, june, &candles).await.unwrap();
    assert_eq!(
        (t.gross_revenue, t.returns, t.orders),
        (dec!(16.50), dec!(27.50), 2)
    );
    // Both: O1 has lines in both categories. The rollup's per-category counts add to 5; the
    // exact count from the facts is 4, as without a filter.
    let both = only(|f| f.category = vec!["Kitchen".into(), "Candles".into()]);
    assert_eq!(sales_totals(&pool, june, &both).await.unwrap().orders, 5);
    assert_eq!(distinct_orders(&pool, june, &both).await.unwrap(), 4);
    assert_eq!(sales_totals(&pool, june, &all()).await.unwrap().orders, 4);
    assert_eq!(
        sales_totals(&pool, june, &both)
            .await
            .unwrap()
            .gross_revenue,
        dec!(73.50)
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn breakdown_by_category_and_product_lists(pool: PgPool) {
    use app::features::sales::types::BreakdownBy;
    rolled_up(&pool).await;
    let june = range("2026-06-01", "2026-06-30");
    let by: Vec<_> = sales_by(&pool, june, BreakdownBy::Category, &all())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.key, r.net_revenue, r.orders))
        .collect();
    assert_eq!(
        by,
        vec![
            ("Kitchen".to_string(), dec!(57.00), 3),
            ("Candles".to_string(), dec!(-11.00), 2)
        ]
    );
    let products: Vec<_> = top_products(&pool, june, &all(), false, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.sku, p.units, p.orders, p.net_revenue))
        .collect();
    assert_eq!(
        products,
        vec![
            ("MUG".to_string(), 6, 3, dec!(57.00)),
            ("CANDLE".to_string(), 3, 2, dec!(-11.00))
        ]
    );
    let returned = most_returned(&pool, june, &all(), 10).await.unwrap();
    assert_eq!(returned.len(), 1, "mugs were never returned");
    assert_eq!(
        (returned[0].returned_units, returned[0].returns),
        (5, dec!(27.50))
    );
    assert_eq!(returned[0].return_rate, Some(dec!(1.666667))); // 27.50 / 16.50
    let germany = only(|f| f.country = vec!["Germany".into()]);
    let candles_in_germany = top_products(&pool, june, &germany, false, 10)
        .await
        .unwrap();
    assert_eq!(candles_in_germany[0].sku, "MUG"); // 10.00 vs the candle's 11.00 − 5.50
    let per_week = category_series(&pool, june, Grain::Month, &all())
        .await
        .unwrap();
    assert_eq!(per_week.len(), 2);
}

/// Top products without a slice read whole weeks from the weekly rollup and the other days by
/// day: the same list as by day only (a source slice that holds every row reads by day).
#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn top_products_by_week_and_by_day_agree(pool: PgPool) {
    rolled_up(&pool).await;
    let by_day = only(|f| f.source = vec![1]);
    let list = |p: Vec<app::features::sales::types::TopProduct>| -> Vec<String> {
        p.into_iter()
            .map(|p| format!("{} {} {} {}", p.sku, p.units, p.orders, p.net_revenue))
            .collect()
    };
    for (from, to) in [
        ("2026-06-01", "2026-06-30"),
        ("2026-06-01", "2026-06-07"),
        ("2026-06-02", "2026-06-15"),
        ("2026-06-10", "2026-06-14"),
        ("2026-06-08", "2026-06-14"),
        ("2026-05-25", "2026-07-05"),
    ] {
        let r = range(from, to);
        let weeks = list(top_products(&pool, r, &all(), false, 10).await.unwrap());
        let days = list(top_products(&pool, r, &by_day, false, 10).await.unwrap());
        assert_eq!(weeks, days, "{from} to {to}");
        assert!(!weeks.is_empty(), "{from} to {to}");
    }
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn new_and_returning_customers_and_concentration(pool: PgPool) {
    use app::features::sales::kpi::{concentration, net_by_kind};
    rolled_up(&pool).await;
    let june = range("2026-06-01", "2026-06-30");
    let nets = customer_facts(&pool, &CustomerDays::default(), june, &all())
        .await
        .unwrap();
    let new = |c: &CustomerFacts, r: DateRange| c.first_order >= r.from;
    let rows: Vec<_> = nets
        .iter()
        .map(|c| (c.customer_id, c.net_revenue, c.orders, new(c, june)))
        .collect();
    // Ben: 10.00 − 5.50 + 11.00; Ana: 25.50 − 22.00 (her cancelled O3). Both first ordered in June.
    assert_eq!(
        rows,
        vec![(2, dec!(15.50), 2, true), (1, dec!(3.50), 1, true)]
    );
    // What the Sales cards read: the two buyers, both new.
    let buyers = customer_buyers(&pool, &CustomerDays::default(), june, &all())
        .await
        .unwrap();
    assert_eq!(buyers.count, 2);
    let split = net_by_kind(buyers.new_net, buyers.returning_net, dec!(46.00));
    assert_eq!(
        (split.new_customers, split.returning_customers, split.guests),
        (dec!(19.00), dec!(0), dec!(27.00))
    );
    let c = concentration(nets.iter().map(|c| c.net_revenue), dec!(46.00));
    assert_eq!(c.top10_share, Some(dec!(19.00) / dec!(46.00)));
    // Ben's 15.50 ≥ 80% of 19.00
    assert_eq!(c.customers_for_80, Some(dec!(0.5)));
    // On 1 July Ana (first order in June) is a returning customer.
    let july_first = range("2026-07-01", "2026-07-01");
    let july = customer_facts(&pool, &CustomerDays::default(), july_first, &all())
        .await
        .unwrap();
    assert_eq!(
        july.iter()
            .map(|c| (c.customer_id, new(c, july_first)))
            .collect::<Vec<_>>(),
        vec![(1, false)]
    );
    // Her 10.00 of O6 is the July card's returning revenue.
    let july = customer_buyers(&pool, &CustomerDays::default(), july_first, &all())
        .await
        .unwrap();
    assert_eq!(
        (july.count, july.new_net, july.returning_net),
        (1, dec!(0), dec!(10.00)),
    );
    // Under a category filter the same figures come from the order lines: candles only.
    let candle = only(|f| f.category = vec!["Candles".into()]);
    let candles = customer_facts(&pool, &CustomerDays::default(), june, &candle)
        .await
        .unwrap();
    // Ben: O7's 11.00 − O2's returned 5.50; Ana: O1's candle 5.50 − the cancelled O3's 22.00.
    assert_eq!(
        candles
            .iter()
            .map(|c| (c.customer_id, c.net_revenue, c.orders))
            .collect::<Vec<_>>(),
        vec![(2, dec!(5.50), 1), (1, dec!(-16.50), 1)]
    );
    // The cards' split under it, from the same lines: both new in June.
    let candle_buyers = customer_buyers(&pool, &CustomerDays::default(), june, &candle)
        .await
        .unwrap();
    assert_eq!(
        (
            candle_buyers.count,
            candle_buyers.new_net,
            candle_buyers.returning_net
        ),
        (2, dec!(-11.00), dec!(0))
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("sales"))]
async fn a_partial_first_month_holds_only_the_range_days(pool: PgPool) {
    rolled_up(&pool).await;
    // From 11 June: O2 (10.00 sold, 5.50 back), the cancelled O3 (22.00), O4 (27.00); not O1 or O7.
    let rows = monthly_sales(&pool, range("2026-06-11", "2026-06-30"), &all())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let june = &rows[0];
    assert_eq!(
        (june.gross_revenue, june.returns, june.orders, june.partial),
        (dec!(37.00), dec!(27.50), 2, true)
    );
    assert_eq!(june.previous_net, Some(dec!(0))); // May, whole, had nothing in London time
}
