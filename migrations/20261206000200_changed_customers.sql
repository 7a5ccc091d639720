-- A customer's summary (`customer_summary`: first order day, country) follows their row. A file
-- of customers alone (a star schema's customers.csv) changes a country without touching a day
-- with orders, so no rollup day is rebuilt: the trigger notes the customer, and the ingest run
-- that changed them rebuilds their summary in the same transaction (as `rollup_dirty_product`
-- does for a product's category).
create table rollup_dirty_customer (
    customer_id bigint primary key
);

create function note_changed_customer() returns trigger language plpgsql as $$
begin
    insert into rollup_dirty_customer (customer_id) values (new.customer_id) on conflict do nothing;
    return null;
end $$;

create trigger customer_summary_fields_changed after update of country, first_seen_at on customer
    for each row when (old.country is distinct from new.country
                       or old.first_seen_at is distinct from new.first_seen_at)
    execute function note_changed_customer();
