//! SQL of the search. Customers are matched on any part of their name, email or id through the
//! trigram index `customer_search_idx` (migration 20261204000100; the `like` expression below
//! must stay the indexed one); products are few and scanned; orders are found by their exact
//! number through each source's `(source_id, external_id)` key. Patterns arrive lower-cased and
//! escaped (`service::like_escape`).
use sqlx::PgExecutor;

pub struct ProductHit {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
}

/// Products whose SKU or name contains `text` (`contains` = `%text%`): exact matches first, then
/// those starting with it (`prefix` = `text%`), then by name.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn products(
    db: impl PgExecutor<'_>,
    text: &str,
    contains: &str,
    prefix: &str,
    limit: i64,
) -> sqlx::Result<Vec<ProductHit>> {
    sqlx::query_as!(
        ProductHit,
        r#"select product_id, sku, name, category
           from product
           where lower(sku) like $2 escape '\' or lower(name) like $2 escape '\'
           order by (lower(sku) = $1 or lower(name) = $1) desc,
                    (lower(sku) like $3 escape '\' or lower(name) like $3 escape '\') desc,
                    name, product_id
           limit $4"#,
        text,
        contains,
        prefix,
        limit
    )
    .fetch_all(db)
    .await
}

pub struct CustomerHit {
    pub customer_id: i64,
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
}

/// Customers whose name, email or id contains `text`: exact matches first, then names or emails
/// starting with it, then by name.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customers(
    db: impl PgExecutor<'_>,
    text: &str,
    contains: &str,
    prefix: &str,
    limit: i64,
) -> sqlx::Result<Vec<CustomerHit>> {
    sqlx::query_as!(
        CustomerHit,
        r#"select customer_id, external_id, name, email, country
           from customer
           where lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || external_id) like $2 escape '\'
           order by (lower(external_id) = $1 or lower(email) = $1 or lower(name) = $1) is true desc,
                    (lower(name) like $3 escape '\' or lower(email) like $3 escape '\') is true desc,
                    name nulls last, customer_id
           limit $4"#,
        text,
        contains,
        prefix,
        limit
    )
    .fetch_all(db)
    .await
}

/// Customers whose id is exactly `id` (as typed, or upper-cased) in any source: what a query too
/// short for the trigram index can still find.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn customers_by_id(
    db: impl PgExecutor<'_>,
    id: &str,
    limit: i64,
) -> sqlx::Result<Vec<CustomerHit>> {
    sqlx::query_as!(
        CustomerHit,
        r#"select c.customer_id, c.external_id, c.name, c.email, c.country
           from customer c
           where (c.source_id, c.external_id) in
                 (select s.source_id, v from source s, unnest(array[$1, upper($1)]) v)
           order by c.customer_id
           limit $2"#,
        id,
        limit
    )
    .fetch_all(db)
    .await
}

pub struct OrderHit {
    pub order_id: i64,
    pub number: String,
    pub day: chrono::NaiveDate,
    pub customer: Option<String>,
}

/// Orders whose number is exactly `number` (as typed, or upper-cased: `C536379`) in any source.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn orders(
    db: impl PgExecutor<'_>,
    number: &str,
    limit: i64,
) -> sqlx::Result<Vec<OrderHit>> {
    sqlx::query_as!(
        OrderHit,
        r#"select o.sales_order_id as order_id, o.external_id as number,
                  (o.ordered_at at time zone r.timezone)::date as "day!: chrono::NaiveDate",
                  coalesce(c.name, c.external_id) as customer
           from sales_order o
           cross join rollup_state r
           left join customer c on c.customer_id = o.customer_id
           where (o.source_id, o.external_id) in
                 (select s.source_id, v from source s, unnest(array[$1, upper($1)]) v)
           order by o.ordered_at desc, o.sales_order_id
           limit $2"#,
        number,
        limit
    )
    .fetch_all(db)
    .await
}
