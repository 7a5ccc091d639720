//! Loading parsed rows: each file is COPYed into a temporary staging table, then merged into the
//! star schema with set-based upserts keyed on (source, external id), so that loading the same
//! file twice changes nothing and an overlapping file updates only what changed. Everything runs
//! in the caller's transaction.
//!
//! The SQL here is built with `format!` on purpose: every statement reads a temporary staging
//! table created per file at run time, which no compile-time check (`sqlx::query!`) can see.
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use formats::{FileKind, Rejection};

/// Stock codes of Online Retail that are services, fees or manual entries, not merchandise.
pub const NON_MERCHANDISE_CODES: &[&str] = &[
    "POST",
    "DOT",
    "M",
    "C2",
    "D",
    "S",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "B",
    "CRUK",
    "ADJUST",
];

/// The staging table of a kind: `line` then the kind's columns, in `format.rs` order.
fn staging_ddl(kind: FileKind, table: &str) -> String {
    let columns = match kind {
        FileKind::Transactions => "invoice text, stock_code text, description text, quantity int, ts timestamptz, unit_price numeric, customer text, country text",
        FileKind::StarCustomers => "customer text, name text, email text, location text",
        FileKind::StarProducts => "product text, name text, category text, price numeric, cost numeric, stock int, lead_time int, sku text",
        FileKind::StarSales => "transaction_id text, order_id text, customer text, product text, quantity int, unit_price numeric, ts timestamptz, channel text, status text, country text",
        FileKind::Catalog => "sku text, name text, category text, price numeric, cost numeric, on_hand int, lead_time int, as_of date",
        FileKind::Competitor => "sku text, competitor text, price numeric, shipping numeric, in_stock boolean, ts timestamptz",
    };
    format!("create temp table {table} (line bigint not null, {columns}) on commit drop")
}

/// What merging one file did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Merged {
    pub inserted: i64,
    pub updated: i64,
    /// Rows that refer to something unknown (e.g. a product id not in products.csv).
    pub rejected: Vec<Rejection>,
    /// Order times touched, before and after: the rollup days to rebuild.
    pub touched: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub notes: Vec<String>,
}

pub async fn create_staging(
    conn: &mut PgConnection,
    kind: FileKind,
    table: &str,
) -> sqlx::Result<()> {
    sqlx::query(&staging_ddl(kind, table))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes every staged line of the given orders, reporting each as left out: an order loads
/// whole or not at all, so that a rejected line never leaves a partial order (or renumbers the
/// lines of one loaded before).
pub async fn drop_orders(
    conn: &mut PgConnection,
    kind: FileKind,
    table: &str,
    keys: &[String],
) -> sqlx::Result<Vec<Rejection>> {
    let key = match kind {
        FileKind::Transactions => "invoice",
        FileKind::StarSales => "coalesce(order_id, transaction_id)",
        _ => return Ok(Vec::new()),
    };
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "delete from {table} where {key} = any($1) returning line, {key}"
    ))
    .bind(keys)
    .fetch_all(&mut *conn)
    .await?;
    let (column, what) = match kind {
        FileKind::Transactions => ("InvoiceNo", "invoice"),
        _ => ("order_id", "order"),
    };
    Ok(rows
        .into_iter()
        .map(|(line, order)| Rejection {
            line: line as u64,
            column: Some(column.to_string()),
            reason: format!("left out with the rest of {what} {order}, which has a rejected line (an order loads whole)"),
        })
        .collect())
}

pub fn copy_statement(table: &str) -> String {
    format!("copy {table} from stdin (format csv)")
}

async fn counts(
    conn: &mut PgConnection,
    sql: &str,
    source_id: i64,
    extra: Option<&[String]>,
) -> sqlx::Result<(i64, i64)> {
    let mut query = sqlx::query(sql).bind(source_id);
    if let Some(extra) = extra {
        query = query.bind(extra);
    }
    let row = query.fetch_one(&mut *conn).await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

async fn time_span(
    conn: &mut PgConnection,
    sql: &str,
    source_id: i64,
) -> sqlx::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let row = sqlx::query(sql)
        .bind(source_id)
        .fetch_one(&mut *conn)
        .await?;
    let (first, last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
        (row.try_get(0)?, row.try_get(1)?);
    Ok(first.zip(last))
}

/// A span of order times, if any.
pub type TimeSpan = Option<(DateTime<Utc>, DateTime<Utc>)>;

/// The span that covers both.
pub fn widen(a: TimeSpan, b: TimeSpan) -> TimeSpan {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, b) => a.or(b),
    }
}

/// Removes staged rows whose reference is unknown and reports them as rejections.
async fn reject_unmatched(
    conn: &mut PgConnection,
    sql: &str,
    source_id: i64,
    reason: impl Fn(&str) -> (String, String),
) -> sqlx::Result<Vec<Rejection>> {
    let rows = sqlx::query(sql)
        .bind(source_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let line: i64 = row.try_get(0)?;
            let key: String = row.try_get(1)?;
            let (column, text) = reason(&key);
            Ok(Rejection {
                line: line as u64,
                column: Some(column),
                reason: text,
            })
        })
        .collect()
}

pub async fn merge(
    conn: &mut PgConnection,
    kind: FileKind,
    table: &str,
    source_id: i64,
    currency: &str,
) -> sqlx::Result<Merged> {
    match kind {
        FileKind::Transactions => merge_transactions(conn, table, source_id, currency).await,
        FileKind::StarCustomers => merge_star_customers(conn, table, source_id).await,
        FileKind::StarProducts => merge_star_products(conn, table, source_id).await,
        FileKind::StarSales => merge_star_sales(conn, table, source_id, currency).await,
        FileKind::Catalog => merge_catalog(conn, table, source_id).await,
        FileKind::Competitor => merge_competitor(conn, table, source_id).await,
    }
}

/// Online Retail's layout: one row per invoice line; `C…` invoices are cancellations, `A…`
/// invoices bad-debt adjustments; a missing CustomerID is a guest checkout.
async fn merge_transactions(
    conn: &mut PgConnection,
    t: &str,
    source_id: i64,
    currency: &str,
) -> sqlx::Result<Merged> {
    let notes = Vec::new();
    let codes: Vec<String> = NON_MERCHANDISE_CODES
        .iter()
        .map(|c| c.to_string())
        .collect();
    // A product's name and price are those of its last line that has one, found by line number
    // (a hash aggregate and two lookups, instead of sorting every line of each product).
    counts(conn, &format!(
        r"with latest as (
              select stock_code,
                     max(line) filter (where description is not null) as name_line,
                     max(line) filter (where unit_price > 0 and quantity > 0) as price_line
              from {t} group by stock_code
          ), agg as (
              select l.stock_code, n.description as name, p.unit_price as price
              from latest l left join {t} n on n.line = l.name_line left join {t} p on p.line = l.price_line
          ), up as (
              insert into product as p (source_id, external_id, sku, name, list_price, is_merchandise)
              select $1, stock_code, stock_code, coalesce(name, stock_code), price,
                     not (upper(stock_code) = any($2) or stock_code ilike 'gift\_%')
              from agg
              on conflict (source_id, external_id) do update
                 set name = case when excluded.name = excluded.external_id then p.name else excluded.name end,
                     list_price = coalesce(excluded.list_price, p.list_price),
                     is_merchandise = excluded.is_merchandise
               where (p.name, p.list_price, p.is_merchandise) is distinct from
                     (case when excluded.name = excluded.external_id then p.name else excluded.name end,
                      coalesce(excluded.list_price, p.list_price), excluded.is_merchandise)
              returning (xmax = 0) as inserted
          ) select count(*) filter (where inserted), count(*) filter (where not inserted) from up"
    ), source_id, Some(&codes)).await?;

    counts(conn, &format!(
        r"with agg as (
              select customer,
                     (array_agg(country order by line desc) filter (where country is not null))[1] as country,
                     min(ts) as first_seen
              from {t} where customer is not null group by customer
          ), up as (
              insert into customer as c (source_id, external_id, country, first_seen_at)
              select $1, customer, country, first_seen from agg
              on conflict (source_id, external_id) do update
                 set country = coalesce(excluded.country, c.country),
                     first_seen_at = least(c.first_seen_at, excluded.first_seen_at)
               where (c.country, c.first_seen_at) is distinct from
                     (coalesce(excluded.country, c.country), least(c.first_seen_at, excluded.first_seen_at))
              returning (xmax = 0) as inserted
          ) select count(*) filter (where inserted), count(*) filter (where not inserted) from up"
    ), source_id, None).await?;

    let before = time_span(
        conn,
        &format!(
            "select min(o.ordered_at), max(o.ordered_at) from sales_order o
         where o.source_id = $1 and o.external_id in (select invoice from {t})"
        ),
        source_id,
    )
    .await?;
    let new_orders = create_new_orders(conn, t).await?;
    let orders = sqlx::query(&format!(
        r"with agg as (
              select invoice, min(ts) as ordered_at,
                     (array_agg(customer order by line))[1] as customer,
                     coalesce((array_agg(country order by line) filter (where country is not null))[1], 'Unknown') as country
              from {t} group by invoice
          ), up as (
              insert into sales_order as o (source_id, external_id, customer_id, ordered_at, country, currency, status)
              select $1, a.invoice, c.customer_id, a.ordered_at, a.country, $2,
                     case when a.invoice ~ '^[Cc][0-9]' then 'cancelled'
                          when a.invoice ~ '^[Aa][0-9]' then 'adjustment'
                          else 'completed' end
              from agg a left join customer c on c.source_id = $1 and c.external_id = a.customer
              on conflict (source_id, external_id) do update
                 set customer_id = excluded.customer_id, ordered_at = excluded.ordered_at,
                     country = excluded.country, currency = excluded.currency, status = excluded.status
               where (o.customer_id, o.ordered_at, o.country, o.currency, o.status) is distinct from
                     (excluded.customer_id, excluded.ordered_at, excluded.country, excluded.currency, excluded.status)
              returning o.sales_order_id, (xmax = 0) as inserted
          ), kept as (
              insert into {new_orders} select sales_order_id from up where inserted
          ) select min(ordered_at), max(ordered_at) from agg"
    ))
    .bind(source_id)
    .bind(currency)
    .fetch_one(&mut *conn)
    .await?;
    let after: (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
        (orders.try_get(0)?, orders.try_get(1)?);

    let lines = merge_lines(conn, &format!(
        r"select o.sales_order_id, (row_number() over (partition by s.invoice order by s.line))::int as line_no,
                 p.product_id, s.quantity, s.unit_price
          from {t} s
          join sales_order o on o.source_id = $1 and o.external_id = s.invoice
          join product p on p.source_id = $1 and p.external_id = s.stock_code"
    ), &format!("select invoice as order_key from {t}"), &new_orders, source_id).await?;
    Ok(Merged {
        inserted: lines.0,
        updated: lines.1,
        rejected: Vec::new(),
        touched: widen(before, after.0.zip(after.1)),
        notes,
    })
}

/// Creates the temporary table of the orders the file's merge inserts (`{t}_new_orders`) and
/// returns its name: an order new to the source holds no lines yet, so its lines are inserted
/// without looking for lines to update (a plain insert of Online Retail's lines takes two thirds
/// of the time of an upsert).
async fn create_new_orders(conn: &mut PgConnection, t: &str) -> sqlx::Result<String> {
    let table = format!("{t}_new_orders");
    sqlx::query(&format!(
        "create temp table {table} (sales_order_id bigint primary key) on commit drop"
    ))
    .execute(&mut *conn)
    .await?;
    Ok(table)
}

/// Writes order lines from `numbered` (sales_order_id, line_no, product_id, quantity,
/// unit_price): the lines of orders in `new_orders` are inserted, the others upserted, and an
/// order held before loses its lines beyond the new count.
async fn merge_lines(
    conn: &mut PgConnection,
    numbered: &str,
    order_keys: &str,
    new_orders: &str,
    source_id: i64,
) -> sqlx::Result<(i64, i64)> {
    // How many orders are new chooses the plan (none for a file of known orders, all of them
    // for a first load).
    sqlx::query(&format!("analyze {new_orders}"))
        .execute(&mut *conn)
        .await?;
    if let Some(keys) = first_load(conn, new_orders).await? {
        return first_lines(conn, numbered, source_id, keys).await;
    }
    let row = sqlx::query(&format!(
        r"with numbered as materialized ({numbered}),
          added as (
              insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price)
              select * from numbered where sales_order_id in (select sales_order_id from {new_orders})
              returning 1
          ),
          up as (
              insert into order_line as l (sales_order_id, line_no, product_id, quantity, unit_price)
              select * from numbered where sales_order_id not in (select sales_order_id from {new_orders})
              on conflict (sales_order_id, line_no) do update
                 set product_id = excluded.product_id, quantity = excluded.quantity, unit_price = excluded.unit_price
               where (l.product_id, l.quantity, l.unit_price) is distinct from
                     (excluded.product_id, excluded.quantity, excluded.unit_price)
              returning (xmax = 0) as inserted
          ),
          sizes as (
              select o.sales_order_id, count(*) as n
              from ({order_keys}) k join sales_order o on o.source_id = $1 and o.external_id = k.order_key
              where o.sales_order_id not in (select sales_order_id from {new_orders})
              group by 1
          ),
          trimmed as (
              delete from order_line l using sizes
              where l.sales_order_id = sizes.sales_order_id and l.line_no > sizes.n
              returning 1
          )
          select (select count(*) from added) + (select count(*) filter (where inserted) from up),
                 (select count(*) filter (where not inserted) from up) + (select count(*) from trimmed)"
    ))
    .bind(source_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// How `order_line`'s keys and indexes are defined, to build them again after a first load.
struct LineKeys {
    /// Constraint name and definition (`PRIMARY KEY (…)`, `UNIQUE (…)`).
    constraints: Vec<(String, String)>,
    /// Index name and `CREATE INDEX` statement of the indexes that are not constraints.
    indexes: Vec<(String, String)>,
}

/// Whether this merge is a first load: every order held is one this run added, so the
/// database holds no order lines and every line is inserted. Then the table is locked for the
/// rest of the run (readers of order lines wait for the load instead of reading an empty
/// table) and the keys and indexes that cost each inserted row ~5.5 µs are noted, to be
/// built once over all rows after them (Online Retail's 541,909 lines: 3.0 s of inserts into
/// the indexed table against 0.5 s of rows and 0.5 s of building its three indexes;
/// docs/performance.md). `None` when another load holds lines, or a key other tables depend on
/// would have to go.
async fn first_load(conn: &mut PgConnection, new_orders: &str) -> sqlx::Result<Option<LineKeys>> {
    let only_new: bool = sqlx::query_scalar(&format!(
        "select not exists (select 1 from sales_order o
                            where not exists (select 1 from {new_orders} n where n.sales_order_id = o.sales_order_id))"
    ))
    .fetch_one(&mut *conn)
    .await?;
    if !only_new {
        return Ok(None);
    }
    // Taken before order_line is read: two first loads of two sources then wait for each other
    // instead of both holding a read lock that neither can upgrade. The second finds the first's
    // lines below and merges as usual.
    sqlx::query("lock table order_line in access exclusive mode")
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(
        "select not exists (select 1 from order_line) as empty,
                not exists (select 1 from pg_constraint where confrelid = 'order_line'::regclass) as unreferenced",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !(row.try_get::<bool, _>("empty")? && row.try_get::<bool, _>("unreferenced")?) {
        return Ok(None);
    }
    let constraints = sqlx::query_as(
        "select conname::text, pg_get_constraintdef(oid) from pg_constraint
         where conrelid = 'order_line'::regclass and contype in ('p', 'u') order by conname",
    )
    .fetch_all(&mut *conn)
    .await?;
    let indexes = sqlx::query_as(
        "select i.relname::text, pg_get_indexdef(i.oid) from pg_index x join pg_class i on i.oid = x.indexrelid
         where x.indrelid = 'order_line'::regclass
           and not exists (select 1 from pg_constraint c where c.conindid = i.oid)
         order by i.relname",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(LineKeys {
        constraints,
        indexes,
    }))
}

/// A first load's lines (see `first_load`): `order_line` loses its keys and indexes, takes every
/// line with a plain insert, and gets them back as they were (the same names and definitions).
async fn first_lines(
    conn: &mut PgConnection,
    numbered: &str,
    source_id: i64,
    keys: LineKeys,
) -> sqlx::Result<(i64, i64)> {
    for (name, _) in &keys.constraints {
        sqlx::query(&format!(
            "alter table order_line drop constraint {}",
            quote(name)
        ))
        .execute(&mut *conn)
        .await?;
    }
    for (name, _) in &keys.indexes {
        sqlx::query(&format!("drop index {}", quote(name)))
            .execute(&mut *conn)
            .await?;
    }
    let inserted = sqlx::query(&format!(
        "insert into order_line (sales_order_id, line_no, product_id, quantity, unit_price) {numbered}"
    ))
    .bind(source_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    for (name, definition) in &keys.constraints {
        sqlx::query(&format!(
            "alter table order_line add constraint {} {definition}",
            quote(name)
        ))
        .execute(&mut *conn)
        .await?;
    }
    for (_, statement) in &keys.indexes {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    Ok((inserted as i64, 0))
}

/// An identifier as PostgreSQL reads it back exactly (double quotes, inner quotes doubled).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn merge_star_customers(
    conn: &mut PgConnection,
    t: &str,
    source_id: i64,
) -> sqlx::Result<Merged> {
    let (inserted, updated) = counts(conn, &format!(
        r"with latest as (select distinct on (customer) * from {t} order by customer, line desc),
          up as (
              insert into customer as c (source_id, external_id, name, email, country)
              select $1, customer, name, email, location from latest
              on conflict (source_id, external_id) do update
                 set name = excluded.name, email = excluded.email, country = excluded.country
               where (c.name, c.email, c.country) is distinct from (excluded.name, excluded.email, excluded.country)
              returning (xmax = 0) as inserted
          ) select count(*) filter (where inserted), count(*) filter (where not inserted) from up"
    ), source_id, None).await?;
    Ok(Merged {
        inserted,
        updated,
        ..Merged::default()
    })
}

async fn merge_star_products(
    conn: &mut PgConnection,
    t: &str,
    source_id: i64,
) -> sqlx::Result<Merged> {
    let (inserted, updated) = counts(conn, &format!(
        r"with latest as (select distinct on (product) * from {t} order by product, line desc),
          up as (
              insert into product as p (source_id, external_id, sku, name, category, list_price, unit_cost, on_hand, lead_time_days)
              select $1, product, coalesce(sku, product), name, coalesce(category, 'Uncategorised'), price, cost, stock, lead_time from latest
              on conflict (source_id, external_id) do update
                 set sku = excluded.sku, name = excluded.name, category = excluded.category, list_price = excluded.list_price,
                     unit_cost = coalesce(excluded.unit_cost, p.unit_cost), on_hand = coalesce(excluded.on_hand, p.on_hand),
                     lead_time_days = coalesce(excluded.lead_time_days, p.lead_time_days)
               where (p.sku, p.name, p.category, p.list_price, p.unit_cost, p.on_hand, p.lead_time_days) is distinct from
                     (excluded.sku, excluded.name, excluded.category, excluded.list_price, coalesce(excluded.unit_cost, p.unit_cost),
                      coalesce(excluded.on_hand, p.on_hand), coalesce(excluded.lead_time_days, p.lead_time_days))
              returning (xmax = 0) as inserted
          ) select count(*) filter (where inserted), count(*) filter (where not inserted) from up"
    ), source_id, None).await?;
    Ok(Merged {
        inserted,
        updated,
        ..Merged::default()
    })
}

/// A warehouse's sales export: one row per transaction; `order_id` groups transactions into an
/// order (each transaction is its own order without it). Customers and products must be known.
async fn merge_star_sales(
    conn: &mut PgConnection,
    t: &str,
    source_id: i64,
    currency: &str,
) -> sqlx::Result<Merged> {
    // Orders with an unknown product or customer on any line stay out whole (see `drop_orders`).
    let broken: Vec<String> = sqlx::query_scalar(&format!(
        "select distinct coalesce(order_id, transaction_id) from {t} s
         where not exists (select 1 from product p where p.source_id = $1 and p.external_id = s.product)
            or (s.customer is not null
                and not exists (select 1 from customer c where c.source_id = $1 and c.external_id = s.customer))"
    ))
    .bind(source_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut rejected = reject_unmatched(conn, &format!(
        "delete from {t} s where not exists (select 1 from product p where p.source_id = $1 and p.external_id = s.product)
         returning s.line, s.product"
    ), source_id, |key| ("product_id".into(), format!("product_id '{key}' is not in products.csv nor in earlier loads of this source"))).await?;
    rejected.extend(reject_unmatched(conn, &format!(
        "delete from {t} s where s.customer is not null
           and not exists (select 1 from customer c where c.source_id = $1 and c.external_id = s.customer)
         returning s.line, s.customer"
    ), source_id, |key| ("customer_id".into(), format!("customer_id '{key}' is not in customers.csv nor in earlier loads of this source"))).await?);

    rejected.extend(drop_orders(conn, FileKind::StarSales, t, &broken).await?);
    let before = time_span(conn, &format!(
        "select min(o.ordered_at), max(o.ordered_at) from sales_order o
         where o.source_id = $1 and o.external_id in (select coalesce(order_id, transaction_id) from {t})"
    ), source_id).await?;
    let new_orders = create_new_orders(conn, t).await?;
    let row = sqlx::query(&format!(
        r"with agg as (
              select coalesce(order_id, transaction_id) as order_key, min(ts) as ordered_at,
                     (array_agg(customer order by line))[1] as customer,
                     coalesce((array_agg(channel order by line) filter (where channel is not null))[1], 'web') as channel,
                     (array_agg(lower(status) order by line desc) filter (where status is not null))[1] as status,
                     (array_agg(country order by line) filter (where country is not null))[1] as country
              from {t} group by 1
          ), up as (
              insert into sales_order as o (source_id, external_id, customer_id, ordered_at, channel, country, currency, status)
              select $1, a.order_key, c.customer_id, a.ordered_at, a.channel, coalesce(a.country, c.country, 'Unknown'), $2,
                     case when a.status in ('cancelled', 'canceled', 'void', 'voided') then 'cancelled'
                          when a.status in ('pending', 'processing', 'on-hold') then 'pending'
                          else 'completed' end
              from agg a left join customer c on c.source_id = $1 and c.external_id = a.customer
              on conflict (source_id, external_id) do update
                 set customer_id = excluded.customer_id, ordered_at = excluded.ordered_at, channel = excluded.channel,
                     country = excluded.country, currency = excluded.currency, status = excluded.status
               where (o.customer_id, o.ordered_at, o.channel, o.country, o.currency, o.status) is distinct from
                     (excluded.customer_id, excluded.ordered_at, excluded.channel, excluded.country, excluded.currency, excluded.status)
              returning o.sales_order_id, (xmax = 0) as inserted
          ), kept as (
              insert into {new_orders} select sales_order_id from up where inserted
          ) select min(ordered_at), max(ordered_at) from agg"
    ))
    .bind(source_id)
    .bind(currency)
    .fetch_one(&mut *conn)
    .await?;
    let after: (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (row.try_get(0)?, row.try_get(1)?);
    let (inserted, updated) = merge_lines(conn, &format!(
        r"select o.sales_order_id,
                 (row_number() over (partition by coalesce(s.order_id, s.transaction_id) order by s.transaction_id, s.line))::int,
                 p.product_id, s.quantity, s.unit_price
          from {t} s
          join sales_order o on o.source_id = $1 and o.external_id = coalesce(s.order_id, s.transaction_id)
          join product p on p.source_id = $1 and p.external_id = s.product"
    ), &format!("select coalesce(order_id, transaction_id) as order_key from {t}"), &new_orders, source_id).await?;
    Ok(Merged {
        inserted,
        updated,
        rejected,
        touched: widen(before, after.0.zip(after.1)),
        notes: Vec::new(),
    })
}

/// Catalog and stock: products by SKU with price, cost and stock; the stock also becomes the
/// day's inventory snapshot (`as_of`, default today).
async fn merge_catalog(conn: &mut PgConnection, t: &str, source_id: i64) -> sqlx::Result<Merged> {
    let (inserted, updated) = counts(conn, &format!(
        r"with latest as (select distinct on (sku) * from {t} order by sku, line desc),
          up as (
              insert into product as p (source_id, external_id, sku, name, category, list_price, unit_cost, on_hand, lead_time_days)
              select $1, sku, sku, name, coalesce(category, 'Uncategorised'), price, cost, on_hand, lead_time from latest
              on conflict (source_id, external_id) do update
                 set name = excluded.name, category = excluded.category, list_price = excluded.list_price,
                     unit_cost = excluded.unit_cost, on_hand = excluded.on_hand,
                     lead_time_days = coalesce(excluded.lead_time_days, p.lead_time_days)
               where (p.name, p.category, p.list_price, p.unit_cost, p.on_hand, p.lead_time_days) is distinct from
                     (excluded.name, excluded.category, excluded.list_price, excluded.unit_cost, excluded.on_hand,
                      coalesce(excluded.lead_time_days, p.lead_time_days))
              returning (xmax = 0) as inserted
          ) select count(*) filter (where inserted), count(*) filter (where not inserted) from up"
    ), source_id, None).await?;
    sqlx::query(&format!(
        r"insert into inventory_snapshot (product_id, day, on_hand)
          select p.product_id, coalesce(s.as_of, current_date), s.on_hand
          from (select distinct on (sku, coalesce(as_of, current_date)) * from {t} order by sku, coalesce(as_of, current_date), line desc) s
          join product p on p.source_id = $1 and p.external_id = s.sku
          on conflict (product_id, day) do update set on_hand = excluded.on_hand"
    ))
    .bind(source_id)
    .execute(&mut *conn)
    .await?;
    Ok(Merged {
        inserted,
        updated,
        ..Merged::default()
    })
}

/// Competitor prices, matched to our products by SKU (in any source). Without `observed_at`,
/// the observation counts for today, so that loading the same feed twice a day changes nothing.
async fn merge_competitor(
    conn: &mut PgConnection,
    t: &str,
    source_id: i64,
) -> sqlx::Result<Merged> {
    let rejected = reject_unmatched(conn, &format!(
        "delete from {t} s where not exists (select 1 from product p where p.sku = s.sku) returning s.line, s.sku"
    ), source_id, |key| ("sku".into(), format!("sku '{key}' matches none of our products"))).await?;
    let (inserted, updated) = counts(conn, &format!(
        r"with matched as (
              select distinct on (p.product_id, s.competitor, coalesce(s.ts, date_trunc('day', now())))
                     p.product_id, s.competitor, s.price, coalesce(s.shipping, 0) as shipping,
                     coalesce(s.in_stock, true) as in_stock, coalesce(s.ts, date_trunc('day', now())) as observed_at
              from {t} s
              join lateral (select product_id from product where sku = s.sku order by (source_id = $1) desc, product_id limit 1) p on true
              order by p.product_id, s.competitor, coalesce(s.ts, date_trunc('day', now())), s.line desc
          ), up as (
              insert into competitor_price as c (product_id, competitor, price, shipping, in_stock, observed_at)
              select * from matched
              on conflict (product_id, competitor, observed_at) do update
                 set price = excluded.price, shipping = excluded.shipping, in_stock = excluded.in_stock
               where (c.price, c.shipping, c.in_stock) is distinct from (excluded.price, excluded.shipping, excluded.in_stock)
              returning (xmax = 0) as inserted
          ) select count(*) filter (where inserted), count(*) filter (where not inserted) from up"
    ), source_id, None).await?;
    Ok(Merged {
        inserted,
        updated,
        rejected,
        ..Merged::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_tables_have_a_column_per_format_column() {
        for kind in [
            FileKind::Transactions,
            FileKind::StarCustomers,
            FileKind::StarProducts,
            FileKind::StarSales,
            FileKind::Catalog,
            FileKind::Competitor,
        ] {
            let ddl = staging_ddl(kind, "t");
            let columns = ddl.split('(').nth(1).unwrap().split(',').count();
            assert_eq!(columns, kind.staging_columns().len() + 1, "{kind:?}: {ddl}");
        }
    }
}
