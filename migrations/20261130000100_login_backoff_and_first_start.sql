-- Login throttling as progressive delays instead of lockouts. Keys: 'pair:<email> <address>'
-- (one account from one address: doubling waits), 'ip:<address>' (the per-address cap) and
-- 'account:<email>' (counted across addresses; it only shortens the free tries, never locks).
-- A key may not try again before `wait_until`; its failures are forgotten after a quiet window.
-- The rows are short-lived counters, so the old table is simply replaced.
drop table login_throttle;
create table login_throttle (
    throttle_key    text primary key,
    failures        integer not null,
    last_failure_at timestamptz not null,
    wait_until      timestamptz
);
create index login_throttle_last_failure on login_throttle (last_failure_at);

-- Written by the first start of the app on this database: the demo shop and its logins are made
-- only then, never on a database that ever held anything. A database upgraded from an earlier
-- version that already has users or data counts as started.
create table first_start (
    singleton  boolean primary key default true check (singleton),
    started_at timestamptz not null default now()
);
insert into first_start (singleton)
select true
where exists (select 1 from app_user) or exists (select 1 from source)
   or exists (select 1 from ingest_run);
