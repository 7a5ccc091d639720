-- The days a product ended out of stock (on hand ≤ 0): the pricing history's stock-out weeks and
-- the daily demand's empty days (app/src/features/inventory/queries.rs) ask for only these rows.
-- Without it they were found among every snapshot of the window: at 10M order lines the pricing
-- history read 107,700 snapshot rows of two years to keep 342 (82 ms of its 131; 0.5 ms with it).
create index inventory_snapshot_out_of_stock on inventory_snapshot (product_id, day) where on_hand <= 0;
