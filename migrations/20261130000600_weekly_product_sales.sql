-- Per product and local week (weeks start on Monday): gross revenue and units sold, summed over
-- sources, channels and countries from `daily_product_sales`. The pricing history (104 weeks of
-- every product: elasticity, recommendations, signals) reads ~30k rows here instead of millions
-- of daily rows. Rebuilt by `app::rollup::refresh_days` for the weeks it touches.
create table weekly_product_sales (
    week          date not null,
    product_id    bigint not null references product on delete cascade,
    gross_revenue numeric not null,
    units         bigint not null,
    primary key (week, product_id)
);
create index weekly_product_sales_by_product on weekly_product_sales (product_id, week);

insert into weekly_product_sales (week, product_id, gross_revenue, units)
select date_trunc('week', day)::date, product_id, sum(gross_revenue), sum(units)
from daily_product_sales
group by 1, 2;
