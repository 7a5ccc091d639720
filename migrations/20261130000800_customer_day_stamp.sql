-- Which local days of `daily_customer_sales` and which `customer_summary` rows changed at which
-- data version, so that the in-memory copy of the per-customer-day rollup
-- (`app::dashboard::customer_days`) reloads only those; `customer_days_reset` is the data version
-- at which every row may have changed (a source removed, the time zone changed): a full reload.
create table customer_day_stamp (
    day     date primary key,
    version bigint not null
);
create index customer_day_stamp_version on customer_day_stamp (version);
alter table customer_summary add column version bigint not null default 0;
create index customer_summary_version on customer_summary (version);
alter table rollup_state add column customer_days_reset bigint not null default 0;
