-- A shop connection is a source of kind shopify, woocommerce or magento with what it takes to
-- reach the shop. The credentials are sealed (AES-256-GCM) under a key kept outside the
-- database; the sync position is the source's `sync_cursor`, written in the same transaction as
-- the data it covers.
create table shop_connection (
    source_id          bigint primary key references source on delete cascade,
    platform           text not null check (platform in ('shopify', 'woocommerce', 'magento')),
    shop_url           text not null,
    credentials        bytea not null,
    -- What the last connection test found: the shop's name, currency, time zone and the
    -- access scopes the credentials carry.
    shop_name          text,
    shop_currency      text,
    shop_timezone      text,
    scopes             text[] not null default '{}',
    sync_every_minutes int not null default 15 check (sync_every_minutes between 5 and 1440),
    -- Why the last sync stopped early, in words (cleared by a sync that finishes).
    last_error         text,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);
