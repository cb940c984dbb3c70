"""Customer lifetime value from a BG/NBD and a Gamma-Gamma model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import ValidationError
from .bgnbd import BetaGeoNBD
from .gamma_gamma import GammaGamma

__all__ = ["clv", "margin_annuity", "value_summary"]


def clv(bgnbd: BetaGeoNBD, gammagamma: GammaGamma, summary: pd.DataFrame, horizon: float = 52.0,
        discount_rate: float = 0.0, margin: float = 1.0, steps: int | None = None) -> pd.DataFrame:
    """Expected margin per customer over the next ``horizon`` time units, discounted.

    The horizon is cut into ``steps`` equal periods (default: one per time unit); the expected
    purchases of each period (difference of the BG/NBD conditional expectation) are multiplied
    by the Gamma-Gamma expected spend and ``margin`` and discounted at ``discount_rate`` per period
    (continuous compounding inside a period is ignored: payment at the period's end).

    Parameters
    ----------
    summary : DataFrame with frequency, recency, T, monetary_value (one row per customer)
    horizon : float, in the models' time unit (e.g. 52 weeks)
    discount_rate : float, per period (e.g. 0.0015 per week ~ 8 % a year)
    margin : float, share of spend kept as profit (0..1)

    Returns
    -------
    DataFrame (same index): ``expected_purchases``, ``expected_spend`` (currency per purchase),
    ``probability_alive``, ``clv`` (currency).
    """
    need = {"frequency", "recency", "T", "monetary_value"}
    if not need <= set(summary.columns):
        raise ValidationError(f"clv: summary lacks column(s) {sorted(need - set(summary.columns))}")
    if horizon <= 0 or not 0 <= margin <= 1 or discount_rate < 0:
        raise ValidationError("clv: horizon must be > 0, margin in [0, 1], discount_rate >= 0")
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    n = int(steps or max(1, round(horizon)))
    edges = np.linspace(0, horizon, n + 1)
    cum = np.column_stack([bgnbd.expected_purchases(t, x, tx, T) if t > 0 else np.zeros(len(x))
                           for t in edges])
    per = np.diff(cum, axis=1)
    disc = 1 / (1 + discount_rate) ** np.arange(1, n + 1)
    spend = gammagamma.expected_spend(x, summary["monetary_value"])
    value = margin * spend * (per @ disc)
    return pd.DataFrame({"expected_purchases": cum[:, -1], "expected_spend": spend,
                         "probability_alive": bgnbd.probability_alive(x, tx, T), "clv": value},
                        index=summary.index)


def value_summary(values: pd.Series, probability_alive: pd.Series | None = None) -> dict[str, float]:
    """Headline figures of a CLV distribution: customers, total, mean, median, top-decile share
    (share of total value held by the 10 % most valuable), and the share with P(alive) < 0.5."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    if v.size == 0:
        raise ValidationError("value_summary: no customers")
    k = max(1, int(np.floor(0.1 * v.size + 0.5)))
    out = {"customers": float(v.size), "total_clv": float(v.sum()), "mean_clv": float(v.mean()),
           "median_clv": float(np.median(v)), "top_decile_share": float(v[:k].sum() / v.sum())}
    if probability_alive is not None:
        out["share_p_alive_below_half"] = float(np.mean(np.asarray(probability_alive) < 0.5))
    return out


def margin_annuity(annual_margin: ArrayLike, years: int = 3, annual_discount_rate: float = 0.10) -> np.ndarray:
    """Value of a customer who keeps earning ``annual_margin`` (currency per year) for ``years``
    more years, each discounted at the end of its year: margin x sum_{k=1..years} (1 + d)^-k.
    The simple bank CLV of retention practice when no transaction model is fitted."""
    if not (isinstance(years, int | np.integer) and years >= 1):
        raise ValidationError(f"margin_annuity: years must be a whole number >= 1; got {years!r}")
    if not annual_discount_rate > -1:
        raise ValidationError(f"margin_annuity: annual_discount_rate must be > -1; got {annual_discount_rate!r}")
    factor = sum((1 + annual_discount_rate) ** -k for k in range(1, years + 1))
    return np.asarray(annual_margin, dtype=float) * factor
