-- The customers whose orders a change inserts, updates or deletes are noted as it happens, beside
-- those whose country or first-seen time changed (`rollup_dirty_customer`, migration
-- 20261206000200). A refresh of a few days then rebuilds the summaries of exactly the noted
-- customers and of those whose day rows changed (app/src/rollup.rs), instead of every customer
-- whose first order falls on the days (~1,950 a day at 10M order lines, for a one-order ingest).
-- Statement-level: one insert per statement, not a call per order.
create function note_customers_of_added_orders() returns trigger language plpgsql as $$
begin
    insert into rollup_dirty_customer (customer_id)
    select distinct customer_id from added where customer_id is not null
    on conflict do nothing;
    return null;
end $$;

create function note_customers_of_changed_orders() returns trigger language plpgsql as $$
begin
    insert into rollup_dirty_customer (customer_id)
    select customer_id from gone where customer_id is not null
    union
    select customer_id from added where customer_id is not null
    on conflict do nothing;
    return null;
end $$;

create function note_customers_of_removed_orders() returns trigger language plpgsql as $$
begin
    insert into rollup_dirty_customer (customer_id)
    select distinct customer_id from gone where customer_id is not null
    on conflict do nothing;
    return null;
end $$;

create trigger sales_order_added_customers after insert on sales_order
    referencing new table as added for each statement execute function note_customers_of_added_orders();
create trigger sales_order_changed_customers after update on sales_order
    referencing old table as gone new table as added for each statement execute function note_customers_of_changed_orders();
create trigger sales_order_removed_customers after delete on sales_order
    referencing old table as gone for each statement execute function note_customers_of_removed_orders();
