//! SQL of the Inventory & Pricing area. Each product's sales in a range come from the Sales
//! area's top products (`stock::merchandise_sales`), daily demand from the `daily_product_sales`
//! rollup, stock from `inventory_snapshot` (closing stock per day) and `product`; the premium
//! products' distinct customers from `daily_product_buyers`, for their few candidate products.
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};

use super::types::{CompetitorObservation, MarketSignal, PricingDecision, Severity, SignalFilter};
use crate::dashboard::filter::{DashboardFilter, DateRange};

/// A product with its stock as of the range end and its sales in the range.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price: Option<Decimal>,
    pub unit_cost: Option<Decimal>,
    pub lead_time_days: Option<i64>,
    /// The latest closing stock on or before the range end; the product's own figure without
    /// one; `None`: the product's stock is not tracked.
    pub on_hand: Option<i64>,
    pub units_sold: i64,
    pub net_revenue: Decimal,
    /// Average closing stock over the range's days with a snapshot.
    pub average_on_hand: Option<f64>,
    /// Local day of the last sale on or before the range end, any channel.
    pub last_sale: Option<NaiveDate>,
}

/// The first day with sales of the filter's sources (stock counts without a snapshot are
/// today's, so they say nothing of days before the data).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn first_sale_day(
    db: impl PgExecutor<'_>,
    filter: &DashboardFilter,
) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar!(
        r#"select min(day) as "day: NaiveDate" from daily_product_sales
           where cardinality($1::bigint[]) = 0 or source_id = any($1)"#,
        &filter.source
    )
    .fetch_one(db)
    .await
}

/// Every product of the filter's sources and categories (channel and country do not narrow
/// stock: it serves them all), with its stock facts; its units sold and net revenue are left at
/// zero for `stock::stock_rows`, which reads them beside this query. A product's stock is its
/// latest snapshot on or before the range end, else its current count — but not before the first
/// day with sales, where nothing says what was on hand (no stock figures then).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn product_rows(
    db: impl PgExecutor<'_>,
    range: DateRange,
    filter: &DashboardFilter,
) -> sqlx::Result<Vec<ProductRow>> {
    let rows = sqlx::query!(
        r#"with stock_avg as (
               select product_id, avg(on_hand)::float8 as average
               from inventory_snapshot
               where day between $1 and $2
               group by 1
           ),
           first_sale as (
               select min(day) as day from daily_product_sales
               where cardinality($3::bigint[]) = 0 or source_id = any($3)
           )
           select p.product_id as "product_id!", p.sku as "sku!", p.name as "name!",
                  p.category as "category!", p.list_price as "price", p.unit_cost,
                  p.lead_time_days::bigint as "lead_time_days",
                  coalesce((select s.on_hand from inventory_snapshot s
                            where s.product_id = p.product_id and s.day <= $2
                            order by s.day desc limit 1),
                           case when $2 >= coalesce((select day from first_sale), $2) then p.on_hand end
                  )::bigint as "on_hand",
                  stock_avg.average as "average_on_hand",
                  (select d.day from daily_product_sales d
                   where d.product_id = p.product_id and d.day <= $2 and d.units > 0
                   order by d.day desc limit 1) as "last_sale: NaiveDate"
           from product p
           left join stock_avg using (product_id)
           where p.is_merchandise
             and (cardinality($3::bigint[]) = 0 or p.source_id = any($3))
             and (cardinality($4::text[]) = 0 or p.category = any($4))"#,
        range.from as _,
        range.to as _,
        &filter.source,
        &filter.category
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ProductRow {
            product_id: r.product_id,
            sku: r.sku,
            name: r.name,
            category: r.category,
            price: r.price,
            unit_cost: r.unit_cost,
            lead_time_days: r.lead_time_days,
            on_hand: r.on_hand,
            units_sold: 0,
            net_revenue: Decimal::ZERO,
            average_on_hand: r.average_on_hand,
            last_sale: r.last_sale,
        })
        .collect())
}

/// Units sold per product and local day in a window (all channels), and the days each product
/// started out of stock (the previous day closed with nothing on hand).
pub struct DemandDay {
    pub product_id: i64,
    pub day: NaiveDate,
    pub units: i64,
    pub started_empty: bool,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn demand_days(
    db: impl PgExecutor<'_>,
    window: DateRange,
    products: &[i64],
) -> sqlx::Result<Vec<DemandDay>> {
    sqlx::query_as!(
        DemandDay,
        r#"with sold as (
               select product_id, day, sum(units)::bigint as units
               from daily_product_sales
               where day between $1 and $2 and product_id = any($3)
               group by 1, 2
           ),
           empty as (
               select product_id, day + 1 as day
               from inventory_snapshot
               where day between $1::date - 1 and $2::date - 1 and on_hand <= 0
                 and product_id = any($3)
           )
           select coalesce(sold.product_id, empty.product_id) as "product_id!",
                  coalesce(sold.day, empty.day) as "day!: NaiveDate",
                  coalesce(sold.units, 0)::bigint as "units!",
                  empty.day is not null as "started_empty!"
           from sold full join empty using (product_id, day)"#,
        window.from as _,
        window.to as _,
        products
    )
    .fetch_all(db)
    .await
}

/// One week of a product's sales: average selling price (gross revenue / units) and units,
/// whether it had a day that started out of stock, and the shop's units that week.
pub struct WeekRow {
    pub product_id: i64,
    pub week: NaiveDate,
    pub gross_revenue: Decimal,
    pub units: i64,
    pub stockout: bool,
    /// Units of every product that week.
    pub shop_units: i64,
}

/// The weeks of `window` in which each of `products` sold, oldest first (a product that sold in
/// none is absent). Read as one row per product with its weeks as arrays: the same ~31k weeks as
/// rows cost ~60 ms more to decode in the build `make run` starts (`app` at opt-level 0 decodes
/// each row through the code `query!` generates here; an array's elements are decoded by
/// `sqlx` itself).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn weekly_history(
    db: impl PgExecutor<'_>,
    window: DateRange,
    products: &[i64],
) -> sqlx::Result<Vec<WeekRow>> {
    let rows = sqlx::query!(
        r#"with sold as (
               select product_id, week, gross_revenue as gross, units
               from weekly_product_sales
               where week between date_trunc('week', $1::date::timestamp)::date and $2
                 and product_id = any($3) and units > 0
           ),
           out as (
               select distinct product_id, date_trunc('week', day + 1)::date as week
               from inventory_snapshot
               where day between $1::date - 1 and $2::date - 1 and on_hand <= 0
                 and product_id = any($3)
           ),
           shop as (
               select week, sum(units)::bigint as units
               from weekly_product_sales
               where week between date_trunc('week', $1::date::timestamp)::date and $2 and units > 0
               group by 1
           )
           select sold.product_id as "product_id!",
                  array_agg(sold.week order by sold.week) as "weeks!: Vec<NaiveDate>",
                  array_agg(sold.gross order by sold.week) as "gross_revenue!: Vec<Decimal>",
                  array_agg(sold.units order by sold.week) as "units!: Vec<i64>",
                  array_agg(out.week is not null order by sold.week) as "stockout!: Vec<bool>",
                  array_agg(coalesce(shop.units, 0)::bigint order by sold.week) as "shop_units!: Vec<i64>"
           from sold
           left join out on out.product_id = sold.product_id and out.week = sold.week
           left join shop on shop.week = sold.week
           group by 1
           order by 1"#,
        window.from as _,
        window.to as _,
        products
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .flat_map(|r| {
            let product_id = r.product_id;
            r.weeks
                .into_iter()
                .zip(r.gross_revenue)
                .zip(r.units)
                .zip(r.stockout)
                .zip(r.shop_units)
                .map(
                    move |((((week, gross_revenue), units), stockout), shop_units)| WeekRow {
                        product_id,
                        week,
                        gross_revenue,
                        units,
                        stockout,
                        shop_units,
                    },
                )
        })
        .collect())
}

/// Each competitor's latest observation of each product in the 30 days up to `as_of`.
pub struct LatestCompetitorPrice {
    pub product_id: i64,
    pub competitor: String,
    pub price: Decimal,
    pub shipping: Decimal,
    pub in_stock: bool,
    pub observed_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn latest_competitor_prices(
    db: impl PgExecutor<'_>,
    as_of: NaiveDate,
    products: &[i64],
) -> sqlx::Result<Vec<LatestCompetitorPrice>> {
    sqlx::query_as!(
        LatestCompetitorPrice,
        r#"select distinct on (c.product_id, c.competitor)
                  c.product_id as "product_id!", c.competitor as "competitor!", c.price as "price!",
                  c.shipping as "shipping!", c.in_stock as "in_stock!", c.observed_at as "observed_at!: DateTime<Utc>"
           from competitor_price c cross join rollup_state s
           where c.product_id = any($2)
             and c.observed_at < (($1::date + 1)::timestamp at time zone s.timezone)
             and c.observed_at >= (($1::date - 29)::timestamp at time zone s.timezone)
           order by c.product_id, c.competitor, c.observed_at desc"#,
        as_of as _,
        products
    )
    .fetch_all(db)
    .await
}

/// A product's competitor observations in a range, oldest first.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn competitor_history(
    db: impl PgExecutor<'_>,
    product_id: i64,
    range: DateRange,
) -> sqlx::Result<Vec<CompetitorObservation>> {
    sqlx::query_as!(
        CompetitorObservation,
        r#"select c.competitor as "competitor!", c.observed_at as "observed_at!: DateTime<Utc>", c.price as "price!",
                  c.shipping as "shipping!", c.in_stock as "in_stock!"
           from competitor_price c cross join rollup_state s
           where c.product_id = $1
             and c.observed_at >= ($2::date::timestamp at time zone s.timezone)
             and c.observed_at < (($3::date + 1)::timestamp at time zone s.timezone)
           order by c.observed_at, c.competitor"#,
        product_id,
        range.from as _,
        range.to as _
    )
    .fetch_all(db)
    .await
}

/// A product's closing stock and units sold per day of a range (days with neither are absent).
pub struct StockDayRow {
    pub day: NaiveDate,
    pub on_hand: Option<i64>,
    pub units: i64,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn stock_history(
    db: impl PgExecutor<'_>,
    product_id: i64,
    range: DateRange,
) -> sqlx::Result<Vec<StockDayRow>> {
    sqlx::query_as!(
        StockDayRow,
        r#"with sold as (
               select day, sum(units)::bigint as units from daily_product_sales
               where product_id = $1 and day between $2 and $3 group by 1
           ),
           stock as (
               select day, on_hand::bigint as on_hand from inventory_snapshot
               where product_id = $1 and day between $2 and $3
           )
           select coalesce(sold.day, stock.day) as "day!: NaiveDate", stock.on_hand,
                  coalesce(sold.units, 0)::bigint as "units!"
           from sold full join stock using (day)
           order by 1"#,
        product_id,
        range.from as _,
        range.to as _
    )
    .fetch_all(db)
    .await
}

/// Distinct identified customers of each of the given products' sales lines in a range, from the
/// days' `daily_product_buyers` arrays, counted by sorting each product's ids in
/// `kernels::buyers` (a 90-day range of a 10M-line shop unnests ~600k of them; PostgreSQL's
/// `count(distinct)` sorted them in ~170 ms, its hashed `distinct` took ~470; the sort compiled
/// in `app`, unoptimised in the build `make run` starts, ~50 ms). A product without buyers is
/// absent.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn distinct_buyers(
    db: impl PgExecutor<'_>,
    range: DateRange,
    products: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, i64>> {
    let rows = sqlx::query!(
        r#"select product_id as "product_id!", customers as "customers!"
           from daily_product_buyers
           where day between $1 and $2 and product_id = any($3)"#,
        range.from as _,
        range.to as _,
        products
    )
    .fetch_all(db)
    .await?;
    Ok(kernels::buyers::distinct_per_product(
        rows.into_iter()
            .map(|r| (r.product_id, r.customers))
            .collect(),
    ))
}

/// The current price and cost of a product, locked for a decision.
pub struct PriceRow {
    pub price: Option<Decimal>,
    pub unit_cost: Option<Decimal>,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn lock_product_price(
    conn: &mut PgConnection,
    product_id: i64,
) -> sqlx::Result<Option<PriceRow>> {
    sqlx::query_as!(
        PriceRow,
        r#"select list_price as "price", unit_cost from product where product_id = $1 for update"#,
        product_id
    )
    .fetch_optional(conn)
    .await
}

/// Records a decision and, when accepted, makes its price the product's current price.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn insert_decision(
    conn: &mut PgConnection,
    product_id: i64,
    old_price: Decimal,
    new_price: Decimal,
    status: &str,
    kind: &str,
    reason: &str,
    note: &str,
    user_id: i64,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        r#"insert into pricing_decision (product_id, old_price, new_price, reason, status, kind, note, decided_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning pricing_decision_id"#,
        product_id,
        old_price,
        new_price,
        reason,
        status,
        kind,
        note,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if status == "accepted" {
        sqlx::query!(
            "update product set list_price = $2 where product_id = $1",
            product_id,
            new_price
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Decisions, newest first: all, one product's, or one.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn decisions(
    db: impl PgExecutor<'_>,
    product_id: Option<i64>,
    decision_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<PricingDecision>> {
    sqlx::query_as!(
        PricingDecision,
        r#"select d.pricing_decision_id as "decision_id!", d.product_id as "product_id!",
                  p.sku as "sku!", p.name as "product_name!", d.old_price as "old_price!",
                  d.new_price as "new_price!", d.status as "status!", d.kind as "kind!",
                  d.reason as "reason!", d.note as "note!", u.email as "decided_by?",
                  d.decided_at as "decided_at!: DateTime<Utc>",
                  exists (select 1 from shop_connection c where c.source_id = p.source_id) as "pushable!",
                  d.pushed_at as "pushed_at: DateTime<Utc>", d.push_result
           from pricing_decision d
           join product p using (product_id)
           left join app_user u on u.app_user_id = d.decided_by
           where ($1::bigint is null or d.product_id = $1)
             and ($2::bigint is null or d.pricing_decision_id = $2)
           order by d.decided_at desc, d.pricing_decision_id desc
           limit $3"#,
        product_id,
        decision_id,
        limit
    )
    .fetch_all(db)
    .await
}

struct SignalRow {
    signal_id: i64,
    kind: String,
    severity: String,
    product_id: Option<i64>,
    sku: Option<String>,
    product_name: Option<String>,
    message: String,
    created_at: DateTime<Utc>,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<DateTime<Utc>>,
}

impl From<SignalRow> for MarketSignal {
    fn from(r: SignalRow) -> Self {
        MarketSignal {
            signal_id: r.signal_id,
            kind: r.kind,
            severity: Severity::from_key(&r.severity),
            product_id: r.product_id,
            sku: r.sku,
            product_name: r.product_name,
            message: r.message,
            created_at: r.created_at,
            acknowledged_by: r.acknowledged_by,
            acknowledged_at: r.acknowledged_at,
        }
    }
}

/// Signals, most severe and newest first: open ones only unless `all`.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn signals(
    db: impl PgExecutor<'_>,
    filter: &SignalFilter,
    signal_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<MarketSignal>> {
    let rows = sqlx::query_as!(
        SignalRow,
        r#"select m.market_signal_id as "signal_id!", m.kind as "kind!", m.severity as "severity!",
                  m.product_id, p.sku as "sku?", p.name as "product_name?", m.message as "message!",
                  m.created_at as "created_at!: DateTime<Utc>", u.email as "acknowledged_by?", m.acknowledged_at as "acknowledged_at: DateTime<Utc>"
           from market_signal m
           left join product p using (product_id)
           left join app_user u on u.app_user_id = m.acknowledged_by
           where ($1 or m.acknowledged_at is null)
             and ($2::text is null or m.kind = $2)
             and ($3::bigint is null or m.product_id = $3)
             and ($4::bigint is null or m.market_signal_id = $4)
             and ($6::text is null or m.severity = $6)
           order by case m.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
                    m.created_at desc, m.market_signal_id desc
           limit $5"#,
        filter.all || signal_id.is_some(),
        filter.kind.as_deref(),
        filter.product_id,
        signal_id,
        limit,
        filter.severity.as_deref()
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(MarketSignal::from).collect())
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn open_signal_count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from market_signal
           where acknowledged_at is null and severity = 'critical'"#
    )
    .fetch_one(db)
    .await
}

/// Marks every open signal of a filter (kind, severity, product) acknowledged by a user; how
/// many there were.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn acknowledge_signals(
    db: impl PgExecutor<'_>,
    filter: &SignalFilter,
    user_id: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update market_signal set acknowledged_by = $4, acknowledged_at = now()
         where acknowledged_at is null
           and ($1::text is null or kind = $1)
           and ($2::text is null or severity = $2)
           and ($3::bigint is null or product_id = $3)",
        filter.kind.as_deref(),
        filter.severity.as_deref(),
        filter.product_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Marks a signal acknowledged by a user; false when there is no such open signal.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn acknowledge_signal(
    db: impl PgExecutor<'_>,
    signal_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update market_signal set acknowledged_by = $2, acknowledged_at = now()
         where market_signal_id = $1 and acknowledged_at is null",
        signal_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A signal to raise; (kind, product, fingerprint) raises it at most once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSignal {
    pub kind: &'static str,
    pub product_id: i64,
    pub severity: Severity,
    pub message: String,
    pub fingerprint: String,
}

/// Inserts the signals not raised before; returns how many are new.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn insert_signals(db: impl PgExecutor<'_>, signals: &[NewSignal]) -> sqlx::Result<u64> {
    let kinds: Vec<&str> = signals.iter().map(|s| s.kind).collect();
    let products: Vec<i64> = signals.iter().map(|s| s.product_id).collect();
    let severities: Vec<&str> = signals.iter().map(|s| s.severity.as_str()).collect();
    let messages: Vec<&str> = signals.iter().map(|s| s.message.as_str()).collect();
    let fingerprints: Vec<&str> = signals.iter().map(|s| s.fingerprint.as_str()).collect();
    let done = sqlx::query!(
        "insert into market_signal (kind, product_id, severity, message, fingerprint)
         select * from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
         on conflict (kind, coalesce(product_id, 0), fingerprint) do nothing",
        &kinds as &[&str],
        &products,
        &severities as &[&str],
        &messages as &[&str],
        &fingerprints as &[&str]
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Each product's median daily selling price over a window, and its daily prices in the last
/// days of it (for price anomalies and own price changes).
#[derive(Debug, Clone)]
pub struct DailyPrice {
    pub product_id: i64,
    pub day: NaiveDate,
    pub gross_revenue: Decimal,
    pub units: i64,
    /// Orders with a sale line of the product that day.
    pub orders: i64,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn daily_prices(
    db: impl PgExecutor<'_>,
    window: DateRange,
) -> sqlx::Result<Vec<DailyPrice>> {
    sqlx::query_as!(
        DailyPrice,
        r#"select product_id as "product_id!", day as "day!: NaiveDate", sum(gross_revenue) as "gross_revenue!",
                  sum(units)::bigint as "units!", sum(orders)::bigint as "orders!"
           from daily_product_sales
           where day between $1 and $2 and units > 0
           group by 1, 2
           order by 1, 2"#,
        window.from as _,
        window.to as _
    )
    .fetch_all(db)
    .await
}

/// Each competitor's two latest observations of each product up to `as_of` (newest first).
pub struct CompetitorPair {
    pub product_id: i64,
    pub competitor: String,
    pub observed_at: DateTime<Utc>,
    pub price: Decimal,
    pub shipping: Decimal,
    pub previous_price: Option<Decimal>,
    pub previous_shipping: Option<Decimal>,
}

#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn competitor_changes(
    db: impl PgExecutor<'_>,
    as_of: NaiveDate,
) -> sqlx::Result<Vec<CompetitorPair>> {
    sqlx::query_as!(
        CompetitorPair,
        r#"with ranked as (
               select c.product_id, c.competitor, c.observed_at, c.price, c.shipping,
                      row_number() over w as n,
                      lead(c.price) over w as previous_price,
                      lead(c.shipping) over w as previous_shipping
               from competitor_price c cross join rollup_state s
               where c.observed_at < (($1::date + 1)::timestamp at time zone s.timezone)
                 and c.observed_at >= (($1::date - 29)::timestamp at time zone s.timezone)
               window w as (partition by c.product_id, c.competitor order by c.observed_at desc)
           )
           select product_id as "product_id!", competitor as "competitor!",
                  observed_at as "observed_at!: DateTime<Utc>", price as "price!", shipping as "shipping!",
                  previous_price, previous_shipping
           from ranked where n = 1"#,
        as_of as _
    )
    .fetch_all(db)
    .await
}
