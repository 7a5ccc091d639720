-- Embedding and administration: embeds get the filters a viewer may change, a secret version
-- (rotation keeps the previous one for a grace period) and a checked theme; API tokens keep a
-- short prefix to recognise them by.
alter table embed
    add column editable_filters text[] not null default '{}',
    add column secret_version integer not null default 1,
    add column previous_secret_until timestamptz,
    add column updated_at timestamptz not null default now(),
    add constraint embed_theme check (theme in ('light', 'dark', 'transparent'));

alter table api_token add column prefix text not null default '';

-- Sessions remember the epoch they were started in; a password reset bumps it, ending them all.
alter table app_user add column session_epoch integer not null default 0;
