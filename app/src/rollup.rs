//! Rollup upkeep, in one place: the `daily_sales`, `daily_product_sales`, `daily_product_buyers`,
//! `daily_customer_sales`,
//! `weekly_product_sales`, `customer_month` and `customer_summary` tables every dashboard reads are rebuilt here for the local days a change
//! touched, and the data version (which retires cached results) is bumped here. Ingestion, the
//! demo loader, start-up, pricing decisions and source removal all call these functions.
use chrono::NaiveDate;
use sqlx::PgConnection;

/// A refresh of fewer local days than this writes only the customers' per-day rows that differ
/// from those held and rebuilds the months of the customers whose rows changed only (one new
/// order: one row and one customer instead of every customer of its day); a longer one rewrites
/// its days' rows and takes every customer of its days as changed.
const DIFF_DAYS: i64 = 7;

/// Records the store time zone. When it differs from the one the rollups were built in, every
/// rollup row is rebuilt in the new zone. Returns whether a rebuild happened.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn set_store_timezone(conn: &mut PgConnection, timezone: &str) -> sqlx::Result<bool> {
    // Validates the name: Postgres refuses an unknown zone.
    sqlx::query!("select now() at time zone $1 as t", timezone)
        .fetch_one(&mut *conn)
        .await?;
    let previous = sqlx::query_scalar!("select timezone from rollup_state")
        .fetch_optional(&mut *conn)
        .await?;
    match previous {
        Some(previous) if previous == timezone => Ok(false),
        previous => {
            sqlx::query!(
                "insert into rollup_state (timezone) values ($1)
                 on conflict (singleton) do update set timezone = excluded.timezone",
                timezone
            )
            .persistent(false)
            .execute(&mut *conn)
            .await?;
            if previous.is_some() {
                customer_days_reset(conn).await?;
                sqlx::query!("delete from daily_sales")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query!("delete from daily_product_sales")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query!("delete from daily_product_buyers")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query!("delete from customer_month")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query!("delete from daily_customer_sales")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query!("delete from customer_summary")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query!("delete from weekly_product_sales")
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
                refresh_all(conn).await?;
            }
            Ok(previous.is_some())
        }
    }
}

/// Rebuilds the rollup rows of the local days `from..=to` from the facts and bumps the data
/// version. Ingestion calls it with the days its run touched.
///
/// Every statement here is planned when it runs (`persistent(false)`): a plan cached on a
/// pooled connection was made for another range and another number of touched customers (a
/// generic plan made while the scratch table was empty turned a one-order refresh at 10M lines
/// from 0.3 s into 12 s).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn refresh_days(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<()> {
    // A few days: only the rows that changed are written (one new order: a few rows, not every
    // row of its day and their index entries). More days change nearly every row.
    rebuild_days(conn, from, to, (to - from).num_days() < DIFF_DAYS).await
}

/// `refresh_days`, comparing the fresh rows with those held (`compare`) or rewriting the days
/// whole, with every customer of the days' orders taken as changed (a full rebuild: the rows
/// held may be gone, and no trigger noted the customers).
async fn rebuild_days(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    compare: bool,
) -> sqlx::Result<()> {
    // The data version first: its row stays locked until the change commits, so the version the
    // days and customer summaries are stamped with is this change's own (the in-memory copy of
    // `daily_customer_sales` reloads what is stamped after the version it holds).
    bump_data_version(conn).await?;
    sqlx::query!(
        "insert into customer_day_stamp (day, version)
         select d::date, (select data_version from rollup_state)
         from generate_series($1::date, $2::date, interval '1 day') d
         on conflict (day) do update set version = excluded.version",
        from as _,
        to as _
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    // The days' bounds as instants, computed first and passed as values (see `utc_bounds`).
    let (start, end) = crate::dashboard::queries::utc_bounds(&mut *conn, from, to).await?;
    // The days' rows are computed aside first (`rollup_fresh_…`), then only those that differ
    // from the rows held are written (`write_fresh`). One statement: the lines are read once
    // for the four daily rollups. Each order with a sales line is counted once in `orders`, in
    // the cell of its first category by name.
    sqlx::query!(
        r#"with lines as materialized (
               select (f.ordered_at at time zone s.timezone)::date as day,
                      f.source_id, f.channel, f.country, p.category, f.product_id, f.sales_order_id,
                      f.customer_id, f.line_kind, f.line_value, f.quantity
               from line_fact f
               join product p on p.product_id = f.product_id
               cross join rollup_state s
               where f.ordered_at >= $1 and f.ordered_at < $2
           ),
           first_category as (
               select sales_order_id, min(category) as category
               from lines where line_kind = 'sale' group by 1
           ),
           by_category as (
               insert into rollup_fresh_daily_sales (day, source_id, channel, country, category, gross_revenue,
                                        returns_value, adjustments_value, units, orders,
                                        category_orders, unidentified_revenue)
               select l.day, l.source_id, l.channel, l.country, l.category,
                      coalesce(sum(l.line_value) filter (where l.line_kind = 'sale'), 0),
                      coalesce(sum(abs(l.line_value)) filter (where l.line_kind = 'return'), 0),
                      coalesce(sum(l.line_value) filter (where l.line_kind = 'adjustment'), 0),
                      coalesce(sum(l.quantity) filter (where l.line_kind = 'sale'), 0),
                      count(distinct l.sales_order_id) filter (where l.line_kind = 'sale' and fc.category = l.category),
                      count(distinct l.sales_order_id) filter (where l.line_kind = 'sale'),
                      coalesce(sum(l.line_value) filter (where l.line_kind = 'sale' and l.customer_id is null), 0)
               from lines l
               left join first_category fc on fc.sales_order_id = l.sales_order_id
               group by 1, 2, 3, 4, 5
           ),
           buyers as (
               insert into rollup_fresh_daily_product_buyers (day, product_id, customers)
               select day, product_id, array_agg(distinct customer_id order by customer_id)
               from lines
               where line_kind = 'sale' and customer_id is not null
               group by 1, 2
           ),
           customer_days as (
               insert into rollup_fresh_daily_customer_sales (day, customer_id, source_id, channel, country, orders, gross, net)
               select day, customer_id, source_id, channel, country,
                      count(distinct sales_order_id) filter (where line_kind = 'sale'),
                      coalesce(sum(line_value) filter (where line_kind = 'sale'), 0),
                      sum(case when line_kind = 'sale' then line_value else -abs(line_value) end)
               from lines
               where customer_id is not null and line_kind in ('sale', 'return')
               group by 1, 2, 3, 4, 5
           )
           insert into rollup_fresh_daily_product_sales (day, product_id, source_id, channel, country,
                                            gross_revenue, returns_value, units, returned_units, orders)
           select day, product_id, source_id, channel, country,
                  coalesce(sum(line_value) filter (where line_kind = 'sale'), 0),
                  coalesce(sum(abs(line_value)) filter (where line_kind = 'return'), 0),
                  coalesce(sum(quantity) filter (where line_kind = 'sale'), 0),
                  coalesce(sum(abs(quantity)) filter (where line_kind = 'return'), 0),
                  count(distinct sales_order_id) filter (where line_kind = 'sale')
           from lines
           where line_kind in ('sale', 'return')
           group by 1, 2, 3, 4, 5"#,
        start as _,
        end as _
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    for daily in [DAILY_SALES, DAILY_PRODUCT_SALES, DAILY_PRODUCT_BUYERS] {
        write_fresh(conn, daily, from, to, compare, false).await?;
    }
    refresh_weekly_product_sales(conn, from, to).await?;
    // The customers whose per-day rows are rebuilt, before and after: their months and
    // summaries are rebuilt below, and only theirs. The customers of the customer rows written
    // are the changed ones (every customer of the days when more days are rewritten).
    sqlx::query!("truncate rollup_touched_customer")
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    write_fresh(conn, DAILY_CUSTOMER_SALES, from, to, compare, true).await?;
    // Customers whose summary this change can move join those whose rows changed: the customers
    // of every order it inserted, updated or deleted and those whose country or first time seen
    // it changed (noted by triggers), and — when the rows were not compared — every customer
    // with an order on the days, taken as changed. Their months are rebuilt only if their rows
    // changed: a customer whose rows did not change keeps their months (so their first month
    // with a sale stays). One new order: its customer, not the ~1,950 customers whose first
    // order falls on its day at 10M lines.
    take_noted_customers(conn).await?;
    if !compare {
        sqlx::query!(
            r#"insert into rollup_touched_customer (customer_id, changed)
               select distinct o.customer_id, true
               from sales_order o
               where o.ordered_at >= $1 and o.ordered_at < $2 and o.customer_id is not null
               on conflict (customer_id) do update set changed = true"#,
            start as _,
            end as _
        )
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    }
    // Statistics of the scratch table (one customer or a million) choose the plans below.
    sqlx::query!("analyze rollup_touched_customer")
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    refresh_customer_month(conn, from, to).await?;
    refresh_touched_summaries(conn).await
}

/// Rebuilds the summaries of the customers in `rollup_touched_customer` and empties it.
async fn refresh_touched_summaries(conn: &mut PgConnection) -> sqlx::Result<()> {
    refresh_customer_summary(conn).await?;
    sqlx::query!("truncate rollup_touched_customer")
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A daily rollup table `write_fresh` keeps: its name and its key columns.
struct Daily {
    table: &'static str,
    key: &'static str,
}

const DAILY_SALES: Daily = Daily {
    table: "daily_sales",
    key: "day, source_id, channel, country, category",
};
const DAILY_PRODUCT_SALES: Daily = Daily {
    table: "daily_product_sales",
    key: "day, product_id, source_id, channel, country",
};
const DAILY_PRODUCT_BUYERS: Daily = Daily {
    table: "daily_product_buyers",
    key: "day, product_id",
};
const DAILY_CUSTOMER_SALES: Daily = Daily {
    table: "daily_customer_sales",
    key: "day, customer_id, source_id, channel, country",
};

/// Writes the rows of local days `from..=to` computed into `rollup_fresh_{table}` (a scratch
/// table with the same columns) to `table`. Compared (`compare`), only the rows that differ are
/// deleted and inserted (a row is compared as written: a money value written differently is a
/// change); otherwise the days' rows are deleted and every fresh row inserted. With `customers`,
/// the customers of the rows deleted or inserted are marked changed in `rollup_touched_customer`.
/// The scratch rows live only inside the refreshing transaction (emptied by TRUNCATE: no dead
/// rows, so autovacuum stays off the scratch tables).
async fn write_fresh(
    conn: &mut PgConnection,
    Daily { table, key }: Daily,
    from: NaiveDate,
    to: NaiveDate,
    compare: bool,
    customers: bool,
) -> sqlx::Result<()> {
    let fresh = format!("rollup_fresh_{table}");
    let changed = |rows: &str| {
        if customers {
            format!(
                "insert into rollup_touched_customer (customer_id, changed)
                 select distinct customer_id, true from {rows}
                 on conflict (customer_id) do update set changed = true"
            )
        } else {
            format!("select count(*) from {rows}")
        }
    };
    let unchanged = if compare {
        // Statistics of the rows just computed choose the comparison's plan: the scratch table
        // is empty outside refreshes, and once autovacuum had recorded it so, the planner took
        // a day's few thousand fresh rows for one and compared them by nested loop (9 s per
        // one-order refresh at 10M lines, seen in `make bench`).
        sqlx::query(&format!("analyze {fresh}"))
            .persistent(false)
            .execute(&mut *conn)
            .await?;
        format!("and not exists (select 1 from {fresh} f where f::text = d::text)")
    } else {
        String::new()
    };
    sqlx::query(&format!(
        "with gone as (
             delete from {table} d where d.day between $1 and $2 {unchanged} returning d.*
         ) {}",
        changed("gone")
    ))
    .bind(from)
    .bind(to)
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    let held = if compare {
        format!(
            "where not exists (select 1 from {table} d where (d.{}) = (f.{}))",
            key.replace(", ", ", d."),
            key.replace(", ", ", f.")
        )
    } else {
        String::new()
    };
    sqlx::query(&format!(
        "with added as (
             insert into {table} select f.* from {fresh} f {held} returning *
         ) {}",
        changed("added")
    ))
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!("truncate {fresh}"))
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rebuilds the `weekly_product_sales` rows of the weeks overlapping local days `from..=to`
/// from `daily_product_sales` (already rebuilt for those days).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
async fn refresh_weekly_product_sales(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from weekly_product_sales
         where week between date_trunc('week', $1::date::timestamp)::date and $2",
        from as _,
        to as _
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into weekly_product_sales (week, product_id, gross_revenue, units, returns_value, orders)
           select date_trunc('week', day)::date, product_id, sum(gross_revenue), sum(units),
                  sum(returns_value), sum(orders)
           from daily_product_sales
           where day >= date_trunc('week', $1::date::timestamp)::date
             and day < (date_trunc('week', $2::date::timestamp) + interval '1 week')::date
           group by 1, 2"#,
        from as _,
        to as _
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rebuilds the `customer_month` rows of the touched customers whose per-day rows changed, in the
/// months overlapping local days `from..=to`, from their `daily_customer_sales` rows (an order lies in exactly one day,
/// so the days' order counts add up to the month's).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
async fn refresh_customer_month(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from customer_month
         where month between date_trunc('month', $1::date::timestamp)::date and $2
           and customer_id in (select customer_id from rollup_touched_customer where changed)",
        from as _,
        to as _
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into customer_month (customer_id, month, orders, net_revenue)
           select d.customer_id, date_trunc('month', d.day)::date, sum(d.orders)::bigint, sum(d.net)
           from daily_customer_sales d
           join rollup_touched_customer t using (customer_id)
           where t.changed
             and d.day >= date_trunc('month', $1::date::timestamp)::date
             and d.day < (date_trunc('month', $2::date::timestamp) + interval '1 month')::date
           group by 1, 2"#,
        from as _,
        to as _
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rebuilds the `customer_summary` rows of the touched customers (after `customer_month`, which
/// gives the first month with a sale); a touched customer with no order left loses the row.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
async fn refresh_customer_summary(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from customer_summary s
         where s.customer_id in (select customer_id from rollup_touched_customer)
           and not exists (select 1 from sales_order o where o.customer_id = s.customer_id)"
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"with touched as (select customer_id from rollup_touched_customer),
           first_order as (
               select o.customer_id, min(o.ordered_at) as first_at
               from sales_order o join touched t using (customer_id)
               group by 1
           ),
           first_sale as (
               select cm.customer_id, min(cm.month) as first_month
               from customer_month cm join touched t using (customer_id)
               where cm.orders > 0
               group by 1
           )
           insert into customer_summary (customer_id, first_order_day, first_sale_month, country, version)
           select cu.customer_id,
                  (coalesce(cu.first_seen_at, fo.first_at) at time zone s.timezone)::date,
                  fs.first_month,
                  cu.country,
                  s.data_version
           from first_order fo
           join customer cu using (customer_id)
           cross join rollup_state s
           left join first_sale fs using (customer_id)
           on conflict (customer_id) do update
              set first_order_day = excluded.first_order_day,
                  first_sale_month = excluded.first_sale_month,
                  country = excluded.country,
                  version = excluded.version
            where (customer_summary.first_order_day, customer_summary.first_sale_month, customer_summary.country)
                  is distinct from (excluded.first_order_day, excluded.first_sale_month, excluded.country)"#
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rebuilds the summaries of the customers noted in `rollup_dirty_customer` that no
/// `refresh_days` took: a file of customers alone changes a country or a first time seen without
/// touching a day with orders. Call it after the run's days are rebuilt (or its data version
/// bumped), under the rollup lock: the summaries are stamped with the change's data version, so
/// the in-memory customer copy reloads them.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn refresh_noted_customers(conn: &mut PgConnection) -> sqlx::Result<()> {
    if take_noted_customers(conn).await? > 0 {
        refresh_touched_summaries(conn).await?;
    }
    Ok(())
}

/// Moves the customers noted in `rollup_dirty_customer` (by triggers: their orders were
/// inserted, updated or deleted, or their country or first time seen changed) into
/// `rollup_touched_customer`, rows not taken as changed; returns how many were noted.
async fn take_noted_customers(conn: &mut PgConnection) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "with noted as (delete from rollup_dirty_customer returning customer_id)
         insert into rollup_touched_customer (customer_id, changed)
         select customer_id, false from noted
         on conflict do nothing"
    )
    .persistent(false)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Rebuilds the whole rollup (after a bulk load or a time-zone change).
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn refresh_all(conn: &mut PgConnection) -> sqlx::Result<()> {
    let bounds = sqlx::query!(
        r#"select (min(ordered_at) at time zone s.timezone)::date as "first: NaiveDate",
                  (max(ordered_at) at time zone s.timezone)::date as "last: NaiveDate"
           from sales_order, rollup_state s
           group by s.timezone"#
    )
    .fetch_optional(&mut *conn)
    .await?;
    match bounds {
        Some(b) => match (b.first, b.last) {
            (Some(first), Some(last)) => rebuild_days(conn, first, last, false).await,
            _ => bump_data_version(conn).await,
        },
        None => bump_data_version(conn).await,
    }
}

/// Rebuilds the rollups when there are orders but no rollup rows (a migration recreated the
/// tables). Returns whether it did.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn ensure(conn: &mut PgConnection) -> sqlx::Result<bool> {
    let missing = sqlx::query_scalar!(
        r#"select exists (select 1 from sales_order)
                  and (not exists (select 1 from daily_sales)
                       or (exists (select 1 from sales_order where customer_id is not null)
                           and (not exists (select 1 from customer_month)
                                or not exists (select 1 from daily_customer_sales)
                                or not exists (select 1 from customer_summary)))
                       or (exists (select 1 from daily_product_sales)
                           and not exists (select 1 from weekly_product_sales))) as "missing!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    if missing {
        refresh_all(conn).await?;
    }
    Ok(missing)
}

/// Retires every cached dashboard result: the cache keys carry this version.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn bump_data_version(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("update rollup_state set data_version = data_version + 1, updated_at = now()")
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks every per-customer rollup row as possibly changed (a source and its rows removed, the
/// time zone changed): the in-memory copy (`dashboard::customer_days`) reloads whole. Bumps the
/// data version.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customer_days_reset(conn: &mut PgConnection) -> sqlx::Result<()> {
    bump_data_version(conn).await?;
    sqlx::query!("update rollup_state set customer_days_reset = data_version")
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
