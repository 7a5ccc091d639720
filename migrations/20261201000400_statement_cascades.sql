-- Orders, customers, products and the rollup tables lose their row-by-row foreign-key checks, as
-- order lines did (20261121000003). Their rows are only written by merges that join them to the
-- rows they refer to (and by the demo generator and `rollup::refresh_days` from rows that exist),
-- and each inserted row paid a lookup per key: measured, 9.5 of the 21.8 s that inserting the
-- 1.25M orders of a 5M-line file took, and 1.3 of the 2.7 s that writing Online Retail's 310,014
-- product-day rollup rows took. Deleting a source, customer or product still deletes everything
-- that refers to it, now once per statement.
alter table sales_order drop constraint sales_order_source_id_fkey;
alter table sales_order drop constraint sales_order_customer_id_fkey;
alter table customer drop constraint customer_source_id_fkey;
alter table product drop constraint product_source_id_fkey;
alter table daily_sales drop constraint daily_sales_source_id_fkey;
alter table daily_product_sales drop constraint daily_product_sales_source_id_fkey;
alter table daily_customer_sales drop constraint daily_customer_sales_source_id_fkey;
alter table daily_customer_sales drop constraint daily_customer_sales_customer_id_fkey;
alter table customer_month drop constraint customer_month_customer_id_fkey;
alter table customer_summary drop constraint customer_summary_customer_id_fkey;
alter table weekly_product_sales drop constraint weekly_product_sales_product_id_fkey;
alter table daily_product_buyers drop constraint daily_product_buyers_product_id_fkey;

-- A source's orders go first (their lines with them), then its customers and products.
create function delete_rows_of_deleted_sources() returns trigger language plpgsql as $$
begin
    delete from sales_order o using gone where o.source_id = gone.source_id;
    delete from customer c using gone where c.source_id = gone.source_id;
    delete from product p using gone where p.source_id = gone.source_id;
    delete from daily_sales d using gone where d.source_id = gone.source_id;
    delete from daily_product_sales d using gone where d.source_id = gone.source_id;
    delete from daily_customer_sales d using gone where d.source_id = gone.source_id;
    return null;
end $$;

create function delete_rows_of_deleted_customers() returns trigger language plpgsql as $$
begin
    delete from sales_order o using gone where o.customer_id = gone.customer_id;
    delete from daily_customer_sales d using gone where d.customer_id = gone.customer_id;
    delete from customer_month m using gone where m.customer_id = gone.customer_id;
    delete from customer_summary s using gone where s.customer_id = gone.customer_id;
    return null;
end $$;

create function delete_rollups_of_deleted_products() returns trigger language plpgsql as $$
begin
    delete from weekly_product_sales w using gone where w.product_id = gone.product_id;
    delete from daily_product_buyers b using gone where b.product_id = gone.product_id;
    return null;
end $$;

create trigger source_rows_cascade after delete on source
    referencing old table as gone for each statement execute function delete_rows_of_deleted_sources();
create trigger customer_rows_cascade after delete on customer
    referencing old table as gone for each statement execute function delete_rows_of_deleted_customers();
create trigger product_rollups_cascade after delete on product
    referencing old table as gone for each statement execute function delete_rollups_of_deleted_products();
