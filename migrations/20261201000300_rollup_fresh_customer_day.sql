-- A refresh computes its days' `daily_customer_sales` rows here first, then writes only the
-- rows that differ from those held (a one-order refresh at 10M order lines: one row instead of
-- the ~5,400 rows of its day and their index entries). Rows live only inside the refreshing
-- transaction. It replaces the copy of the rows as they were (`rollup_gone_customer_day`).
drop table rollup_gone_customer_day;
create unlogged table rollup_fresh_customer_day (like daily_customer_sales);
