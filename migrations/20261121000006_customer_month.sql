-- Per identified customer and local month: orders with a sales line and net revenue (sales −
-- returns). Acquisition (first order ever per customer) and cohorts read it; it is rebuilt with
-- daily_sales for the months an ingest touches.
create table customer_month (
    customer_id bigint not null references customer on delete cascade,
    month       date not null,
    orders      bigint not null,
    net_revenue numeric not null,
    primary key (customer_id, month)
);
create index customer_month_month_idx on customer_month (month) include (customer_id, orders, net_revenue);
