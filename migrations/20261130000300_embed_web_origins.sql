-- Embeds are framed by web origins only (http, https): drop origins of any other scheme saved
-- before that rule (`javascript://x`, `data://x`, app schemes). An embed left with none can no
-- longer be framed until an admin names a web origin.
update embed
set allowed_origins = array(
    select origin from unnest(allowed_origins) as origin where origin ~ '^https?://'
)
where exists (
    select 1 from unnest(allowed_origins) as origin where origin !~ '^https?://'
);
