-- Per identified customer, what the per-customer figures need from all of the data, so that a
-- range's customer pass reads this narrow table instead of probing `customer` and `sales_order`
-- once per customer: the local day of the first order ever (any status: the New customers card),
-- the local month of the first order with a sales line (acquisition and cohorts) and the country.
-- Kept by `app::rollup::refresh_days` for every customer with an order on a day it rebuilds.
create table customer_summary (
    customer_id      bigint primary key references customer on delete cascade,
    first_order_day  date not null,
    first_sale_month date,
    country          text
);
create index customer_summary_first_sale_month on customer_summary (first_sale_month)
    where first_sale_month is not null;

-- Existing data: every customer with an order (the store time zone of the rollups).
insert into customer_summary (customer_id, first_order_day, first_sale_month, country)
select cu.customer_id,
       (coalesce(cu.first_seen_at, fo.first_at) at time zone s.timezone)::date,
       fs.first_month,
       cu.country
from (select customer_id, min(ordered_at) as first_at
      from sales_order where customer_id is not null group by 1) fo
join customer cu using (customer_id)
cross join rollup_state s
left join (select customer_id, min(month) as first_month
           from customer_month where orders > 0 group by 1) fs using (customer_id);
