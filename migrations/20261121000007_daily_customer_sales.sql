-- Per local day × identified customer × source × channel × country: orders with a sales line,
-- gross revenue and net revenue (sales − returns). Every per-customer figure of a range (customer
-- counts, top customers, concentration, RFM, clusters) sums these rows instead of reading the
-- order lines; only a category filter (a line-level dimension) needs the lines.
create table daily_customer_sales (
    day         date not null,
    customer_id bigint not null references customer on delete cascade,
    source_id   bigint not null references source on delete cascade,
    channel     text not null,
    country     text not null,
    orders      bigint not null,
    gross       numeric not null,
    net         numeric not null,
    primary key (day, customer_id, source_id, channel, country)
);
