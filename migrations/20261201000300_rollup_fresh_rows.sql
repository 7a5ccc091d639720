-- A refresh computes its days' rows of each daily rollup here first, then writes only the rows
-- that differ from those held (`app::rollup::write_fresh`; a one-order refresh at 10M order
-- lines: a few rows instead of every row of its day — ~5,400 customer rows alone — and their
-- index entries). Rows live only inside the refreshing transaction. Each table has exactly its
-- rollup's columns, in its order (rows are compared and copied whole): a migration that changes
-- a rollup's columns recreates its scratch table. These replace the copy of the customer rows
-- as they were (`rollup_gone_customer_day`).
drop table rollup_gone_customer_day;
create unlogged table rollup_fresh_daily_sales (like daily_sales);
create unlogged table rollup_fresh_daily_product_sales (like daily_product_sales);
create unlogged table rollup_fresh_daily_product_buyers (like daily_product_buyers);
create unlogged table rollup_fresh_daily_customer_sales (like daily_customer_sales);
