-- Scratch rows of a rollup refresh: the customers whose per-day rows it rebuilt (before and
-- after), so that `customer_month` and `customer_summary` are rebuilt for those customers only
-- instead of for every customer of the touched months. Rows live only inside the refreshing
-- transaction (it deletes them before it ends); refreshes are serialised by an advisory lock.
create unlogged table rollup_touched_customer (
    customer_id bigint primary key
);
