-- The distinct identified customers who bought each product on each local day (sales lines), so
-- that "bought by how many of the range's customers" (premium products) is a count over the
-- range's arrays instead of a pass over the order lines (5–7 s over 90 days at 10M lines).
-- Kept by `app::rollup::refresh_days` with the other rollups.
create table daily_product_buyers (
    day        date not null,
    product_id bigint not null references product on delete cascade,
    customers  bigint[] not null,
    primary key (day, product_id)
);
create index daily_product_buyers_product on daily_product_buyers (product_id);

-- Existing data, in the store time zone of the other rollups.
insert into daily_product_buyers (day, product_id, customers)
select (f.ordered_at at time zone s.timezone)::date, f.product_id,
       array_agg(distinct f.customer_id order by f.customer_id)
from line_fact f
cross join rollup_state s
where f.line_kind = 'sale' and f.customer_id is not null
group by 1, 2;
