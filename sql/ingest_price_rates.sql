-- ingest_price_rates.sql: the variables price_book_keys and price_book_rates, genai-prices' linear
-- per-token rates for one file's calls that log no cost: for each (provider, model) key (a list of
-- keys), the list of its rows at the same position, one per stretch of adjacent 30-minute buckets
-- that share their rates and per input-token tier (built by llm_vitals/pricing.py; few rows, never
-- one per call). sql/ingest_parse.sql looks a call's rate up within its projection: a join there
-- would lose the file order that line numbers rest on, and a list lookup costs a tenth of a map's.
-- Parameters: $rates (a list of those rows).
create or replace temp table price_rates as
select unnest($rates::struct(
    provider varchar,
    model varchar,
    valid_from timestamptz,
    valid_to timestamptz,
    input_tokens_above bigint,
    input_tokens_up_to bigint,
    base_usd decimal(38, 18),
    input_usd_per_token decimal(38, 18),
    cached_delta_usd_per_token decimal(38, 18),
    output_usd_per_token decimal(38, 18)
)[]) as rate;

create or replace temp table price_book as
select
    price_book_key(rate.provider, rate.model) as book_key,
    list(rate order by rate.valid_from, rate.input_tokens_above) as rates,
from price_rates
group by book_key;

set variable price_book_keys = (select coalesce(list(book_key order by book_key), []) from price_book);

set variable price_book_rates = (select coalesce(list(rates order by book_key), []) from price_book);
