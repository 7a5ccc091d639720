-- A refresh of a few days rebuilds `customer_month` only for the customers whose per-day rows
-- changed, not for every customer of those days (a one-order refresh of a day at 10M order
-- lines: ~5,400 customers on the day, one changed). `customer_summary` is still rebuilt for
-- every customer with an order on the days (its inputs are the orders and the customer).
alter table rollup_touched_customer add column changed boolean not null default true;

-- Scratch rows of such a refresh: the refreshed days' `daily_customer_sales` rows as they were
-- before it, money as written (so that a value written differently counts as a change). Rows
-- live only inside the refreshing transaction.
create unlogged table rollup_gone_customer_day (
    day         date not null,
    customer_id bigint not null,
    source_id   bigint not null,
    channel     text not null,
    country     text not null,
    orders      bigint not null,
    gross       text not null,
    net         text not null
);
