-- Inventory & Pricing: decisions carry the analyst's note and whether they followed a
-- recommendation; signals carry a fingerprint so that recomputing them never repeats one; the
-- product rollup gets an index by product for "last sale" and per-product histories.
alter table pricing_decision
    add column kind text not null default 'recommendation' check (kind in ('recommendation', 'manual')),
    add column note text not null default '';
create index on pricing_decision (product_id, decided_at desc);

alter table market_signal add column fingerprint text not null default '';
create unique index market_signal_once on market_signal (kind, coalesce(product_id, 0), fingerprint);
create index market_signal_open on market_signal (created_at desc) where acknowledged_at is null;

create index daily_product_sales_by_product on daily_product_sales (product_id, day);
