-- Webhooks of shop connections: the secret they are signed with (sealed like the credentials),
-- when they were registered, every delivery handled (deduplicated by the platform's delivery
-- id), and the version (`updated_at`) of each order loaded, so that a delivery of an older
-- version arriving late changes nothing.
alter table shop_connection
    add column webhook_secret bytea,
    add column webhooks_registered_at timestamptz;

create table webhook_delivery (
    source_id     bigint not null references shop_connection on delete cascade,
    delivery_id   text not null,
    topic         text not null,
    received_at   timestamptz not null default now(),
    -- What was done, in words: loaded (run n), stale, ignored (why).
    outcome       text not null,
    ingest_run_id bigint references ingest_run on delete set null,
    primary key (source_id, delivery_id)
);
create index webhook_delivery_age on webhook_delivery (received_at);

create table shop_order_version (
    source_id  bigint not null references shop_connection on delete cascade,
    order_id   text not null,
    updated_at timestamptz not null,
    primary key (source_id, order_id)
);
