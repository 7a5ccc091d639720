-- Weekly product rows also keep the returns and the orders, so that top products over a range
-- without a channel, source or country slice read whole weeks here and only the range's partial
-- weeks from `daily_product_sales` (a 90-day default view: ~13 weeks × products instead of
-- ~90 days × products × sources × channels × countries). An order lies in exactly one day, so
-- the days' per-product order counts add up to the week's.
alter table weekly_product_sales
    add column returns_value numeric not null default 0,
    add column orders bigint not null default 0;

update weekly_product_sales w
set returns_value = d.returns_value, orders = d.orders
from (
    select date_trunc('week', day)::date as week, product_id,
           sum(returns_value) as returns_value, sum(orders) as orders
    from daily_product_sales
    group by 1, 2
) d
where d.week = w.week and d.product_id = w.product_id;

alter table weekly_product_sales
    alter column returns_value drop default,
    alter column orders drop default;
