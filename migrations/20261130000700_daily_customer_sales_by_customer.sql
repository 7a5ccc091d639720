-- A customer's day rows in order: rebuilding one customer's months after a one-order change reads
-- their rows instead of every customer's rows of those months.
create index daily_customer_sales_by_customer on daily_customer_sales (customer_id, day);
