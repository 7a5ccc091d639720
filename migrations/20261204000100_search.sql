-- Global search (the top bar, GET /api/v1/search): customers are found by any part of their
-- name, email or id through a trigram index on one lower-cased expression (the query in
-- app/src/features/search/queries.rs repeats it exactly). Products are few and scanned; orders
-- are found by their exact number through (source_id, external_id).
create extension if not exists pg_trgm;
create index customer_search_idx on customer
    using gin ((lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || external_id)) gin_trgm_ops);
