-- Ingestion bookkeeping: progress of a running ingest, notes for the run summary, the rejected
-- rows (for the downloadable error report), and uploaded files kept for a retry.

alter table ingest_run
    add column bytes_total bigint,
    add column bytes_read  bigint not null default 0,
    add column notes       jsonb not null default '[]',   -- ["encoding: ISO-8859-1", …]
    add column upload_path text,                           -- stored upload, kept until it succeeds
    add column error       text;                           -- why a failed run failed, in words

create table ingest_rejection (
    ingest_run_id bigint not null references ingest_run on delete cascade,
    file_name     text not null,
    line          bigint not null,
    column_name   text,
    reason        text not null,
    raw           text not null,
    primary key (ingest_run_id, file_name, line)
);

-- Online Retail's `A` invoices (bad-debt write-offs) are adjustments as a whole: one of them
-- carries a positive price, which would otherwise count as a sale.
alter table sales_order drop constraint sales_order_status_check;
alter table sales_order add constraint sales_order_status_check
    check (status in ('completed', 'pending', 'cancelled', 'adjustment'));

create or replace view line_fact as
select l.order_line_id,
       l.sales_order_id,
       o.source_id,
       o.customer_id,
       o.ordered_at,
       o.channel,
       o.country,
       l.product_id,
       l.quantity,
       l.unit_price,
       case
           when l.unit_price < 0 or o.status = 'adjustment' then 'adjustment'
           when l.quantity < 0 or o.status = 'cancelled' then 'return'
           when l.quantity > 0 then 'sale'
           else 'none'
       end as line_kind,
       l.quantity * l.unit_price as line_value
from order_line l
join sales_order o using (sales_order_id);
