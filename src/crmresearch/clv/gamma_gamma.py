"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV")."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from ..errors import DataWarning, ValidationError
from ._base import BaseFitter, per_customer
from .bgnbd import shape_limit

__all__ = ["GammaGamma"]


class GammaGamma(BaseFitter):
    """Spend per transaction z ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across customers.

    ``fit(frequency, monetary)`` uses customers with frequency x > 0 repeat purchases and their
    mean spend per repeat transaction m (currency). The model assumes spend is independent of
    purchase frequency; ``fit`` warns (``DataWarning``) when |corr(x, m)| > ``corr_warn``.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary`` (1 - alpha coverage).
    tol : float, default 1e-10
        Convergence tolerance of the optimiser (on the gradient).
    max_iter : int, default 2000
        Most optimiser iterations; more raise :class:`~crmresearch.errors.ConvergenceError`.
    corr_warn : float, default 0.3
        Warn when |corr(frequency, monetary)| exceeds this (the model assumes independence).

    Attributes
    ----------
    params_ : Series with "p", "q", "v" (v is the scale gamma of the paper; index ``parameter``)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, customers with repeat purchases in the fit; n_excluded_, n_dropped_nonpositive_ : int
    spend_frequency_corr_ : float
    AIC_, BIC_ : deprecated aliases of ``aic_`` and ``bic_`` (removed in the next release)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for
    customer base analysis. Journal of Marketing Research 42(4), 415-430. Fader & Hardie (2013),
    "The Gamma-Gamma model of monetary value", eq. (4) and (5).

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load_cdnow_transactions(sample=True), "1997-09-30")
    >>> s = s[s["frequency"] > 0]
    >>> m = clv.GammaGamma().fit(s["frequency"], s["monetary_value"])
    >>> {k: round(v, 2) for k, v in m.params_.items()}   # Fader, Hardie & Lee (2005b): 6.25, 3.74, 15.44
    {'p': 6.25, 'q': 3.74, 'v': 15.44}
    """

    _param_names = ("p", "q", "v")
    # fit coordinates at the edges: log p, log q (shape of the spend rate's gamma), log p v / q (the mean spend
    # per transaction at the limit: nearly orthogonal to the others there)
    _coordinates = ({"p": 1.0}, {"q": 1.0}, {"p": 1.0, "v": 1.0, "q": -1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        1: shape_limit(lambda p: "no heterogeneity in spend: every customer has the same mean spend per "
                       f"transaction, {p['p'] * p['v'] / (p['q'] - 1):.4g} (the gamma mixing distribution of the "
                       "spend rate reduces to a point; q and v are held at that limit)"),
    }

    def __init__(self, alpha: float = 0.05, tol: float = 1e-10, max_iter: int = 2000,
                 corr_warn: float = 0.3) -> None:
        super().__init__(alpha=alpha, tol=tol, max_iter=max_iter)
        self.corr_warn = corr_warn

    def fit(self, frequency, monetary, weights=None, nonpositive: str = "error") -> GammaGamma:
        """Fit on customers with x > 0. ``nonpositive="drop"`` leaves out customers whose mean
        spend is 0 or missing (counted in ``n_dropped_nonpositive_``); the default raises.

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        monetary : array-like, shape (n_customers,)
            Mean spend per repeat transaction (currency).
        weights : array-like, optional
            Number of identical customers each row stands for; None: 1 each.
        nonpositive : str, default 'error'
            ``'error'`` or ``'drop'`` for customers whose mean spend is 0 or missing.

        Returns
        -------
        GammaGamma
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Mean spend <= 0 or missing with ``nonpositive='error'``; counted.
        """
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary, dtype=float)
        if x.shape != m.shape or x.ndim != 1:
            raise ValidationError("GammaGamma.fit: frequency and monetary must be 1-d and of equal length")
        keep = x > 0
        if not keep.any():
            raise ValidationError("GammaGamma.fit: no customer has a repeat purchase (frequency > 0)")
        x, m = x[keep], m[keep]
        bad = ~np.isfinite(m) | (m <= 0)
        if nonpositive not in ("error", "drop"):
            raise ValidationError("GammaGamma.fit: nonpositive must be 'error' or 'drop'")
        self.n_dropped_nonpositive_ = int(bad.sum()) if nonpositive == "drop" else 0
        if bad.any() and nonpositive == "drop":
            if weights is not None:
                weights = np.asarray(weights, dtype=float)[keep][~bad]
                keep_w = True
            else:
                keep_w = False
            x, m = x[~bad], m[~bad]
            bad = np.zeros(x.size, dtype=bool)
        else:
            keep_w = False
        if bad.any():
            raise ValidationError(f"GammaGamma.fit: {int(bad.sum())} of {m.size} customers with repeat purchases "
                                  "have a missing or non-positive mean spend; the model needs spend > 0")
        if weights is None:
            w = np.ones_like(x)
        else:
            w = np.asarray(weights, dtype=float) if keep_w else np.asarray(weights, dtype=float)[keep]
        self.n_excluded_ = int((~keep).sum())  # customers without a repeat purchase
        self.spend_frequency_corr_ = float(np.corrcoef(x, m)[0, 1]) if x.size > 2 else float("nan")
        if abs(self.spend_frequency_corr_) > self.corr_warn:
            warnings.warn(f"GammaGamma.fit: frequency and mean spend correlate ({self.spend_frequency_corr_:.2f}); "
                          "the model assumes they are independent", DataWarning, stacklevel=2)
        self._x, self._m, self._w = x, m, w
        self._optimise(n_obs=round(float(w.sum())))
        del self._x, self._m, self._w
        return self

    def _start(self) -> np.ndarray:
        return np.log([1.0, 1.0, float(np.average(self._m, weights=self._w))])

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = np.exp(log_params)
        x, m, w = self._x, self._m, self._w
        px = p * x
        s = v + m * x
        if q <= 1e4:
            ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
                  + px * np.log(x) - (px + q) * np.log(s))
            d_q = digamma(px + q) - digamma(q) + np.log(v) - np.log(s)
            d_v = q / v - (px + q) / s
        else:
            # on the way to no heterogeneity (q, v -> infinity) the terms above cancel to ~1e-10 of the
            # likelihood and the optimiser stalls; the same likelihood without cancellation:
            # ln G(px+q) - ln G(q) = px ln q + R(q, px) (Stirling, R -> 0), q ln v - (px+q) ln s =
            # -px ln v - (px+q) ln(1 + m x / v)
            l1p = np.log1p(m * x / v)
            ll = (-gammaln(px) + _log_gamma_ratio_rest(q, px) + px * np.log(q / v) - (px + q) * l1p
                  + (px - 1) * np.log(m) + px * np.log(x))
            d_q = digamma(px + q) - digamma(q) - l1p
            d_v = x * (q * m - p * v) / (v * s)  # = q / v - (px + q) / s
        d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(s))
        grad = np.array([w @ d_p * p, w @ d_q * q, w @ d_v * v])
        return -float(w @ ll), -grad

    def expected_spend(self, frequency, monetary) -> pd.Series | np.ndarray:
        """E[spend per transaction | x, m] (currency); eq. (5): a weighted average of the population
        mean p v / (q - 1) and the customer's observed mean. Customers with x = 0 get the population mean.

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        monetary : array-like, shape (n_customers,)
            Observed mean spend per repeat transaction (currency).

        Returns
        -------
        Series or ndarray
            Expected spend per transaction (currency).
        """
        self._check_fitted("expected_spend")
        p, q, v = (self.params_[k] for k in ("p", "q", "v"))
        x = np.asarray(frequency, dtype=float)
        m = np.nan_to_num(np.asarray(monetary, dtype=float))
        return per_customer((p * (v + x * m)) / (p * x + q - 1), frequency, "expected_spend")


def _log_gamma_ratio_rest(q: float, a: np.ndarray) -> np.ndarray:
    """ln G(q + a) - ln G(q) - a ln q for q >= 1e4 (Stirling's series to 1/q^3: error below 1e-17), without
    the cancellation of the direct difference."""
    qa = q + a
    return ((qa - 0.5) * np.log1p(a / q) - a + (1 / qa - 1 / q) / 12 - (1 / qa ** 3 - 1 / q ** 3) / 360)
