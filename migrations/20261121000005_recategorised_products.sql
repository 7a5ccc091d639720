-- The daily_sales rollup is split by product category. When an upload changes a product's
-- category, the days that product sold on must be rebuilt: the trigger notes the product, and the
-- ingest run that changed it takes the note and rebuilds those days in the same transaction.
create table rollup_dirty_product (
    product_id bigint primary key
);

create function note_recategorised_product() returns trigger language plpgsql as $$
begin
    insert into rollup_dirty_product (product_id) values (new.product_id) on conflict do nothing;
    return null;
end $$;

create trigger product_category_changed after update of category on product
    for each row when (old.category is distinct from new.category)
    execute function note_recategorised_product();
