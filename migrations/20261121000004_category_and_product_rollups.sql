-- The Sales filters and breakdowns need the product category and the product itself, which are
-- line-level dimensions, next to the order-level ones (source, channel, country).
--
-- daily_sales gains the category: one row per (day, source, channel, country, category).
-- Revenue, returns, units and unidentified revenue add up across categories. Orders do not (an
-- order can hold lines of two categories), so each cell keeps two counts:
--   orders          each order with a sales line counted once, in the cell of the first (by name)
--                   category among its sales lines: sums over any set of cells without a category
--                   filter give exact distinct orders;
--   category_orders orders with at least one sales line in this category (a category's own count).
drop table daily_sales;
create table daily_sales (
    day                  date not null,
    source_id            bigint not null references source on delete cascade,
    channel              text not null,
    country              text not null,
    category             text not null,
    gross_revenue        numeric not null,
    returns_value        numeric not null,
    adjustments_value    numeric not null,
    units                bigint not null,
    orders               bigint not null,
    category_orders      bigint not null,
    unidentified_revenue numeric not null,  -- gross revenue of orders without a customer
    primary key (day, source_id, channel, country, category)
);

-- One row per (day, product, source, channel, country): top products and most-returned products
-- under any filter.
create table daily_product_sales (
    day            date not null,
    product_id     bigint not null,
    source_id      bigint not null references source on delete cascade,
    channel        text not null,
    country        text not null,
    gross_revenue  numeric not null,
    returns_value  numeric not null,
    units          bigint not null,
    returned_units bigint not null,
    orders         bigint not null,   -- orders with a sales line of this product
    primary key (day, product_id, source_id, channel, country)
);

-- The rows are rebuilt by the application (refresh_daily_sales) on its next ingest or start;
-- forcing it here keeps an upgraded database's dashboards from showing nothing meanwhile.
update rollup_state set data_version = data_version + 1, updated_at = now();
