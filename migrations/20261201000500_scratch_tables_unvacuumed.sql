-- The rollup refresh's scratch tables are emptied with TRUNCATE at the end of each refresh (so
-- they never hold dead rows) and analysed by the refresh itself; autovacuum stays off them. It
-- used to vacuum them between refreshes, which recorded them as empty (the planner then took a
-- day's fresh rows for one row), and a refresh's ANALYZE waited for its lock until it gave way
-- (1 s, `deadlock_timeout`).
alter table rollup_fresh_daily_sales set (autovacuum_enabled = false);
alter table rollup_fresh_daily_product_sales set (autovacuum_enabled = false);
alter table rollup_fresh_daily_product_buyers set (autovacuum_enabled = false);
alter table rollup_fresh_daily_customer_sales set (autovacuum_enabled = false);
alter table rollup_touched_customer set (autovacuum_enabled = false);
