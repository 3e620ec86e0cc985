"""Per-token prices from genai-prices, as a small lookup that SQL reads to price calls in bulk.

Within one input-token tier, genai-prices' price of a call is linear in its token counts:
    base + input_tokens * a + cached_input_tokens * c + output_tokens * b
(cached tokens are part of input_tokens, so c is the cache discount, usually negative). The
coefficients are read off genai-prices itself by evaluating it at a few token counts per model and
tier, so the result equals genai-prices' own price for every call, to the last digit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from genai_prices import Usage, data_snapshot, types

_NO_UPPER_BOUND = 2**62
BUCKET = timedelta(minutes=30)  # genai-prices' prices can change on the half hour (DeepSeek's off-peak windows)
_PROBE = 10  # tokens above a tier's threshold at which its rates are read


@dataclass(frozen=True)
class PriceRate:
    """Linear price of a call in one input-token tier: applies when above < input_tokens <= up_to."""

    input_tokens_above: int
    input_tokens_up_to: int
    base_usd: Decimal
    input_usd_per_token: Decimal
    cached_delta_usd_per_token: Decimal
    output_usd_per_token: Decimal


def rates_rows(keys: list[tuple[str | None, str, datetime]]) -> list[dict]:
    """Returns the linear rates for the (provider, model, bucket_start) keys genai-prices can price,
    as the struct values sql/ingest_price_rates.sql takes: one row per provider, model, stretch of
    adjacent 30-minute buckets that share their rates, and input-token tier (few rows, never one per
    call). A row applies to calls with valid_from <= started_at < valid_to.

    Keys it cannot price (unknown provider or model) are left out: their calls stay unpriced.
    """
    stretches: list[list] = []  # [provider, model, valid_from, valid_to, rates]
    for provider, model, bucket_start in sorted(set(keys), key=lambda k: (k[0] is not None, k[0] or "", k[1], k[2])):
        rates = rates_for(provider, model, bucket_start)
        if not rates:
            continue
        last = stretches[-1] if stretches else None
        if last and (last[0], last[1], last[3]) == (provider, model, bucket_start) and last[4] == rates:
            last[3] = bucket_start + BUCKET
        else:
            stretches.append([provider, model, bucket_start, bucket_start + BUCKET, rates])
    return [
        {"provider": provider, "model": model, "valid_from": valid_from, "valid_to": valid_to,
         "input_tokens_above": rate.input_tokens_above, "input_tokens_up_to": rate.input_tokens_up_to,
         "base_usd": rate.base_usd, "input_usd_per_token": rate.input_usd_per_token,
         "cached_delta_usd_per_token": rate.cached_delta_usd_per_token,
         "output_usd_per_token": rate.output_usd_per_token}
        for provider, model, valid_from, valid_to, rates in stretches
        for rate in rates
    ]


def rates_for(provider: str | None, model: str, at: datetime) -> list[PriceRate]:
    """Returns the tiers' linear rates of (provider, model) at time `at`; [] when genai-prices has no price."""
    try:
        _, model_info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    except LookupError:
        return []
    model_price = model_info.get_prices(at)
    # ModelPrice is unhashable but long-lived in genai-prices' snapshot: memoise by identity.
    cached = _RATES_BY_PRICE.get(id(model_price))
    if cached is None or cached[0] is not model_price:
        cached = _RATES_BY_PRICE[id(model_price)] = (model_price, _rates_of(model_price))
    return cached[1]


_RATES_BY_PRICE: dict[int, tuple[types.ModelPrice, list[PriceRate]]] = {}


def _rates_of(model_price: types.ModelPrice) -> list[PriceRate]:
    thresholds = sorted(
        {tier.start for value in vars(model_price).values() if isinstance(value, types.TieredPrices) for tier in value.tiers}
    )
    lower_bounds = [-1, *thresholds]
    upper_bounds = [*thresholds, _NO_UPPER_BOUND]
    rates = []
    for above, up_to in zip(lower_bounds, upper_bounds):
        at = max(above, 0) + _PROBE  # a point inside the tier with room for one cached token
        total = _total(model_price, at, 0, 0)
        per_input = _total(model_price, at + 1, 0, 0) - total
        rates.append(
            PriceRate(
                input_tokens_above=above,
                input_tokens_up_to=up_to,
                base_usd=total - per_input * at,
                input_usd_per_token=per_input,
                cached_delta_usd_per_token=_total(model_price, at, 1, 0) - total,
                output_usd_per_token=_total(model_price, at, 0, 1) - total,
            )
        )
    return rates


def _total(model_price: types.ModelPrice, input_tokens: int, cached: int, output_tokens: int) -> Decimal:
    usage = Usage(input_tokens=input_tokens, cache_read_tokens=cached, output_tokens=output_tokens)
    return model_price.calc_price(usage)["total_price"]
