//! Inventory & Pricing figures on the hand-worked fixture (tests/fixtures/inventory.sql).
#![cfg(feature = "ssr")]

use app::dashboard::customer_days::CustomerDays;
use app::dashboard::filter::{DashboardFilter, DateRange};
use app::features::inventory::kpi::cards;
use app::features::inventory::kpi::premium;
use app::features::inventory::queries;
use app::features::inventory::refresh::refresh_signals;
use app::features::inventory::service::premium_candidates;
use app::features::inventory::stock::stock_rows;
use app::features::inventory::types::*;
use app::rollup::refresh_all;
use chrono::NaiveDate;
use rust_decimal_macros::dec;
use sqlx::PgPool;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn june() -> DateRange {
    DateRange {
        from: day("2026-06-01"),
        to: day("2026-06-28"),
    }
}

async fn rolled_up(pool: &PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    refresh_all(&mut conn).await.unwrap();
}

async fn products(pool: &PgPool) -> Vec<ProductStock> {
    stock_rows(
        pool,
        &StockSettings::default(),
        june(),
        &DashboardFilter::default(),
    )
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations", fixtures("inventory"))]
async fn stock_figures_by_hand(pool: PgPool) {
    rolled_up(&pool).await;
    let rows = products(&pool).await;
    let skus: Vec<&str> = rows.iter().map(|p| p.sku.as_str()).collect();
    // Best sellers first; postage is not merchandise.
    assert_eq!(skus, ["LAMP", "VASE", "CUP", "CLOCK", "RUG"]);

    let lamp = &rows[0];
    // 26 in-stock days of 2 units (10 and 11 June started empty and are left out).
    assert_eq!(
        (lamp.daily_demand, lamp.demand_sd, lamp.stockout_days),
        (2.0, 0.0, 2)
    );
    assert_eq!(
        (lamp.on_hand, lamp.units_sold, lamp.net_revenue),
        (Some(6), 52, dec!(1040.00))
    );
    // σ = 0: no safety stock; reorder point 2 × 4 days = 8; 6 on hand → reorder now:
    // 8 + 2 × 7 review days − 6 = 16; out in ⌊6 / 2⌋ = 3 days.
    assert_eq!((lamp.safety_stock, lamp.reorder_point), (0.0, 8.0));
    assert_eq!(lamp.suggested_order, 16);
    assert_eq!(lamp.order_by, Some(day("2026-06-28")));
    assert_eq!(lamp.sells_out_on, Some(day("2026-07-01")));
    assert_eq!(lamp.days_of_cover, Some(3.0));
    // Average of the 4 snapshots in June: (0 + 0 + 10 + 6) / 4 = 4; 52 / 4 = 13.
    assert_eq!(lamp.turnover, Some(13.0));
    assert_eq!((lamp.status, lamp.abc), (StockStatus::Reorder, Abc::A));

    let vase = &rows[1];
    // One unit in 28 days: demand 1/28, sample σ = √(1/28); no snapshot: 500 on hand.
    assert!((vase.daily_demand - 1.0 / 28.0).abs() < 1e-12);
    assert!((vase.demand_sd - (1.0f64 / 28.0).sqrt()).abs() < 1e-12);
    assert_eq!(vase.days_of_cover.map(|d| d.round()), Some(14000.0));
    assert_eq!(vase.turnover, Some(1.0 / 500.0));
    // ABC: Lamp 1040 of 1105 → A; Vase starts at 94.1% → B; Cup at 98.6% → C.
    assert_eq!((vase.status, vase.abc), (StockStatus::Overstock, Abc::B));
    // z(95%) × σ × √10 days
    let z = app::features::inventory::kpi::service_z(0.95);
    assert!((vase.safety_stock - z * (1.0f64 / 28.0).sqrt() * 10f64.sqrt()).abs() < 1e-9);

    let cup = &rows[2];
    assert_eq!(
        (cup.status, cup.abc, cup.on_hand),
        (StockStatus::Out, Abc::C, Some(0))
    );
    // No lead time of its own: the default 14 days.
    assert_eq!(cup.lead_time_days, 14);
    let clock = &rows[3];
    assert_eq!((clock.status, clock.last_sale), (StockStatus::Dead, None));
    let rug = &rows[4];
    assert_eq!(
        (rug.status, rug.on_hand, rug.turnover),
        (StockStatus::Untracked, None, None)
    );

    let c = cards(&rows, &StockSettings::default());
    assert_eq!(c.stock_value_cost, dec!(20108.00)); // 6×10 + 500×40 + 4×12 + 0×2
    assert_eq!(c.stock_value_retail, dec!(25240.00)); // 6×20 + 500×50 + 4×30
    assert_eq!((c.skus_in_stock, c.skus_low, c.skus_out), (3, 1, 1));
    assert_eq!((c.products_untracked, c.products_without_cost), (1, 0));
    // (6 + 500 + 0) / (2 + 1/28 + 3/28)
    assert!((c.days_of_cover.unwrap() - 506.0 / (2.0 + 4.0 / 28.0)).abs() < 1e-9);
    assert_eq!(c.dead_stock_value, dec!(48.00));
    // Vase: 500 − 180 × 1/28 = 493.57 units beyond 180 days → 493 × 40.
    assert_eq!(c.overstock_value, dec!(19720.00));
}

#[sqlx::test(migrations = "../migrations", fixtures("inventory"))]
async fn premium_products_and_weekly_prices(pool: PgPool) {
    // Postage sold for more than anything else: not merchandise, never a premium product.
    sqlx::raw_sql(
        "insert into sales_order (sales_order_id, source_id, external_id, customer_id, ordered_at, country)
           values (103, 1, 'P1', 1, '2026-06-06 12:00+00', 'United Kingdom');
         insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
           values (103, 1, 5, 1000, 3.00);",
    )
    .execute(&pool)
    .await
    .unwrap();
    rolled_up(&pool).await;
    // Top 20% of the 3 selling products = the Lamp, bought by all 3 customers of June.
    let customers = CustomerDays::default()
        .count(&pool, june(), &DashboardFilter::default())
        .await
        .unwrap();
    assert_eq!(customers, 3);
    let settings = StockSettings::default();
    let (candidates, buyers) =
        premium_candidates(&pool, june(), &DashboardFilter::default(), &settings)
            .await
            .unwrap();
    let skus: Vec<&str> = candidates.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(skus, ["LAMP"]);
    let strict = premium(&candidates, &buyers, customers as i64, &settings);
    assert!(strict.is_empty(), "3 of 3 customers is not a small share");
    let loose = StockSettings {
        premium_customer_share: 1.0,
        ..settings
    };
    let found = premium(&candidates, &buyers, customers as i64, &loose);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].sku.as_str(),
            found[0].customers,
            found[0].units_per_order,
            found[0].net_revenue
        ),
        ("LAMP", 3, 2.0, dec!(1040.00))
    );
    // Every selling product a candidate: the Vase and the Cup too (postage is not merchandise,
    // the Clock did not sell); a category narrows them.
    let all = StockSettings {
        premium_revenue_share: 1.0,
        ..settings
    };
    let (candidates, buyers) = premium_candidates(&pool, june(), &DashboardFilter::default(), &all)
        .await
        .unwrap();
    let skus: Vec<&str> = candidates.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(skus, ["LAMP", "VASE", "CUP"]);
    let counts: Vec<Option<&i64>> = candidates
        .iter()
        .map(|p| buyers.get(&p.product_id))
        .collect();
    assert_eq!(counts, [Some(&3), Some(&1), Some(&1)]);
    let decor = DashboardFilter {
        category: vec!["Decor".into()],
        ..DashboardFilter::default()
    };
    let (candidates, _) = premium_candidates(&pool, june(), &decor, &all)
        .await
        .unwrap();
    let skus: Vec<&str> = candidates.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(skus, ["VASE"]);

    // Weeks of the lamp (Mondays): 1 June has 7 days of 2 units at 20.00; the week of 8 June
    // lost 10 and 11 June and had a day that started empty.
    let weeks = queries::weekly_history(&pool, june(), &[1]).await.unwrap();
    let got: Vec<_> = weeks
        .iter()
        .map(|w| (w.week, w.units, w.gross_revenue, w.stockout))
        .collect();
    assert_eq!(
        got,
        vec![
            (day("2026-06-01"), 14, dec!(280.00), false),
            (day("2026-06-08"), 10, dec!(200.00), true),
            (day("2026-06-15"), 14, dec!(280.00), false),
            (day("2026-06-22"), 14, dec!(280.00), false),
        ]
    );
    // Every product at once: each product's weeks as asked alone, products in id order, and a
    // week's shop units the same on every product's row of that week.
    let ids: Vec<i64> = products(&pool).await.iter().map(|p| p.product_id).collect();
    let several = queries::weekly_history(&pool, june(), &ids).await.unwrap();
    let row = |w: &queries::WeekRow| {
        (
            w.product_id,
            w.week,
            w.units,
            w.gross_revenue,
            w.stockout,
            w.shop_units,
        )
    };
    assert!(several
        .windows(2)
        .all(|w| w[0].product_id <= w[1].product_id));
    let mut selling = 0;
    for &id in &ids {
        let alone = queries::weekly_history(&pool, june(), &[id]).await.unwrap();
        let within: Vec<_> = several
            .iter()
            .filter(|w| w.product_id == id)
            .map(row)
            .collect();
        assert_eq!(within, alone.iter().map(row).collect::<Vec<_>>());
        selling += usize::from(!alone.is_empty());
    }
    assert!(selling >= 3, "the lamp, the vase and the cup sold in June");
    for a in &several {
        for b in several.iter().filter(|b| b.week == a.week) {
            assert_eq!(a.shop_units, b.shop_units);
        }
        assert!(a.shop_units >= a.units);
    }
    let latest = queries::latest_competitor_prices(&pool, day("2026-06-28"), &[1])
        .await
        .unwrap();
    let got: Vec<_> = latest
        .iter()
        .map(|c| (c.competitor.as_str(), c.price))
        .collect();
    assert_eq!(got, vec![("Other", dec!(25.00)), ("Rival", dec!(18.00))]);
}

#[sqlx::test(migrations = "../migrations", fixtures("inventory"))]
async fn signals_are_raised_once(pool: PgPool) {
    rolled_up(&pool).await;
    let settings = InventorySettings::default();
    // Lamp: 6 ≤ reorder point 8 and 3 days of cover < 4 days of lead time → critical; Cup out
    // of stock → critical; Rival cut the lamp by 18.2% to under our price → critical.
    assert_eq!(refresh_signals(&pool, &settings).await.unwrap(), 3);
    assert_eq!(
        refresh_signals(&pool, &settings).await.unwrap(),
        0,
        "nothing twice"
    );
    let open = queries::signals(&pool, &SignalFilter::default(), None, 100)
        .await
        .unwrap();
    let mut got: Vec<_> = open
        .iter()
        .map(|s| {
            (
                s.kind.as_str(),
                s.sku.clone().unwrap_or_default(),
                s.severity,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "competitor_price_drop",
                "LAMP".to_string(),
                Severity::Critical
            ),
            ("low_stock", "CUP".to_string(), Severity::Critical),
            ("low_stock", "LAMP".to_string(), Severity::Critical),
        ]
    );
    let drop = open
        .iter()
        .find(|s| s.kind == "competitor_price_drop")
        .unwrap();
    assert_eq!(
        drop.message,
        "Rival cut Lamp from 22.00 to 18.00 (−18.2%), now under our 20.00."
    );
    assert_eq!(queries::open_signal_count(&pool).await.unwrap(), 3);

    // Triage: by severity and kind; acknowledging a kind at once leaves the others open.
    let only = |kind: Option<&str>, severity: Option<&str>| SignalFilter {
        kind: kind.map(String::from),
        severity: severity.map(String::from),
        ..SignalFilter::default()
    };
    let listed = |f: SignalFilter| {
        let pool = pool.clone();
        async move { queries::signals(&pool, &f, None, 100).await.unwrap().len() }
    };
    assert_eq!(listed(only(None, Some("critical"))).await, 3);
    assert_eq!(listed(only(None, Some("warning"))).await, 0);
    assert_eq!(listed(only(Some("low_stock"), None)).await, 2);
    let user: i64 = sqlx::query_scalar(
        "insert into app_user (email, password_hash, role) values ('a@x.example', '-', 'analyst') returning app_user_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let done = queries::acknowledge_signals(&pool, &only(Some("low_stock"), None), user)
        .await
        .unwrap();
    assert_eq!(done, 2);
    assert_eq!(queries::open_signal_count(&pool).await.unwrap(), 1);
    assert_eq!(listed(only(None, None)).await, 1);
    assert!(SignalFilter {
        severity: Some("urgent".into()),
        ..SignalFilter::default()
    }
    .checked()
    .is_err());
}
