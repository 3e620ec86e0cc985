"""Exact tail probabilities for count-based checks, and control of false alarms across many tests."""

import math


def binomial_sf(k: int, n: int, p: float) -> float:
    """Returns P(X >= k) for X ~ Binomial(n, p): the chance of k or more events if the true rate is p."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    return _regularized_beta(p, k, n - k + 1)  # P(X >= k) = I_p(k, n - k + 1)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """Returns P(X <= k) for X ~ Binomial(n, p)."""
    return 1.0 - binomial_sf(k + 1, n, p)


def holm(p_values: list[float], alpha: float) -> list[bool]:
    """Returns which hypotheses Holm's step-down procedure rejects at family-wise error rate alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected


def _regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b) by Lentz's continued fraction (Numerical Recipes' betacf), accurate to ~1e-14."""
    if x > (a + 1.0) / (a + b + 2.0):  # strict: after one swap the condition cannot hold again
        return 1.0 - _regularized_beta(1.0 - x, b, a)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 10_000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return math.exp(log_front) * fraction / a
