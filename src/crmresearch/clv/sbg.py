"""Shifted-beta-geometric (sBG) model of contract retention (Fader & Hardie 2007)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from ..errors import ValidationError
from ..schemas.checks import as_binary, as_numbers
from ._base import BaseFitter
from .bgnbd import mean_limit, shape_limit

__all__ = ["ShiftedBetaGeometric", "check_retention_data"]


def check_retention_data(survivors=None, periods=None, churned=None, caller: str = "check_retention_data"
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The contractual models' input (sBG, beta-discrete-Weibull) as weighted churn and survival terms.

    Either a cohort's survivor counts (customers active at the start of periods 0, 1, 2, ...) or
    individual data (periods observed per customer, renewals + 1 for churners, and whether they left).

    Parameters
    ----------
    survivors : array-like, optional
        Customers active at the start of periods 0, 1, 2, ... of one cohort (count, never rising).
    periods : array-like, optional
        Periods observed per customer (whole numbers >= 0; >= 1 for churners).
    churned : array-like, optional
        Whether each customer left (0/1 or bool, with ``periods``).
    caller : str, default 'check_retention_data'
        The public function, for messages.

    Returns
    -------
    tuple
        ``t_churn, w_churn``: periods in which customers left and how many left in each;
        ``t_cens, w_cens``: periods survived by those still active and how many; ``n``: customers.

    Raises
    ------
    ValidationError
        Neither or both inputs, counts that are not numbers or rise, periods < 1 for churners.

    Examples
    --------
    >>> from crmresearch.clv.sbg import check_retention_data
    >>> t, w, tc, wc, n = check_retention_data(survivors=[100, 60, 45])
    >>> t.tolist(), w.tolist(), tc.tolist(), wc.tolist(), n
    ([1, 2], [40.0, 15.0], [2.0], [45.0], 100)
    """
    if survivors is not None:
        s = as_numbers(survivors, "survivors (customers still active at period 0, 1, ...)", caller)
        if s.ndim == 1 and not np.isfinite(s).all():
            raise ValidationError(f"{caller}: {int((~np.isfinite(s)).sum())} of {s.size} "
                                  "survivor counts are missing or infinite")
        if s.ndim == 1 and s.size and s[0] <= 0:
            raise ValidationError(f"{caller}: the cohort is empty (survivors at period 0 must be > 0)")
        if s.ndim != 1 or s.size < 2:
            raise ValidationError(f"{caller}: survivors needs at least two counts (period 0, 1, ...)")
        if (np.diff(s) > 0).any() or (s < 0).any():
            n_bad = int((np.diff(s) > 0).sum() + (s < 0).sum())
            raise ValidationError(f"{caller}: survivor counts must be >= 0 and never increase ({n_bad} of {s.size} "
                                  "counts break that rule)")
        return (np.arange(1, s.size), -np.diff(s), np.array([s.size - 1.0]), np.array([s[-1]]),
                round(float(s[0])))
    if periods is not None and churned is not None:
        t = as_numbers(periods, "periods", caller)
        if t.ndim != 1 or t.size == 0 or not np.isfinite(t).all():
            raise ValidationError(f"{caller}: periods must be a non-empty list of finite whole numbers >= 0")
        c = as_binary(churned, "churned", caller, unit="customers").astype(bool)
        if t.shape != c.shape:
            raise ValidationError(f"{caller}: periods ({t.size}) and churned ({c.size}) must have equal length")
        bad = (t < 1) & c
        if bad.any():
            raise ValidationError(f"{caller}: {int(bad.sum())} of {t.size} churned customers have periods < 1; "
                                  "a churner leaves in period 1 at the earliest")
        bad = (t < 0) | (t != np.round(t))
        if bad.any():
            raise ValidationError(f"{caller}: periods must be whole numbers >= 0; {int(bad.sum())} of {t.size} "
                                  "customers are not")
        ut, inv = np.unique(np.column_stack([t, c]), axis=0, return_inverse=True)
        cnt = np.bincount(inv.ravel())
        ch = ut[:, 1] == 1
        return ut[ch, 0], cnt[ch].astype(float), ut[~ch, 0], cnt[~ch].astype(float), int(t.size)
    raise ValidationError(f"{caller}: give survivors=... or periods=... and churned=...")


class RetentionCurve:
    """What every contractual retention model derives from its ``survival``, ``retention_rate`` and ``derl``:
    the residual value of a customer and the projected curve (shared by the sBG and the beta-discrete-Weibull)."""

    def clv(self, margin: float, discount_rate: float, renewals: int | np.ndarray = 0,
            include_current: bool = True) -> np.ndarray:
        """Expected residual value: ``margin`` x (1 if ``include_current`` + DERL); currency units.

        Parameters
        ----------
        margin : float
            Margin per period (currency units).
        discount_rate : float
            Discount rate per period.
        renewals : int or ndarray, default 0
            Renewals the customer has made so far.
        include_current : bool, default True
            Count the payment of the current period.

        Returns
        -------
        ndarray
            Expected residual value (currency units).
        """
        return margin * ((1.0 if include_current else 0.0) + self.derl(discount_rate, renewals))

    def projection(self, periods: int) -> pd.DataFrame:
        """Survival and retention rate for periods 0..periods.

        Parameters
        ----------
        periods : int
            Last period.

        Returns
        -------
        DataFrame
            ``period``, ``survival`` and ``retention_rate``.
        """
        t = np.arange(periods + 1)
        return pd.DataFrame({"period": t, "survival": self.survival(t),
                             "retention_rate": np.r_[np.nan, self.retention_rate(t[1:])]})



class ShiftedBetaGeometric(RetentionCurve, BaseFitter):
    """Each customer renews every period with a constant probability 1 - theta; theta ~ Beta(alpha, beta).

    Fit either from a cohort's survivor counts, ``fit(survivors=[1000, 869, 743, ...])``
    (customers active at the start of periods 0, 1, 2, ...), or from individual data,
    ``fit(periods=..., churned=...)``: the number of periods each customer has been observed
    (renewals + 1 for churners: the period in which they left) and whether they left.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary`` (1 - alpha coverage).
    tol : float, default 1e-10
        Convergence tolerance of the optimiser (on the gradient).
    max_iter : int, default 2000
        Most optimiser iterations; more raise :class:`~crmresearch.errors.ConvergenceError`.

    Attributes
    ----------
    params_ : Series with "alpha", "beta" (index ``parameter``)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, cohort members (survivor counts) or customers in the fit
    AIC_, BIC_ : deprecated aliases of ``aic_`` and ``bic_`` (removed in the next release)

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. Journal of Interactive
    Marketing 21(1), 76-90: eq. (1) P(T = t), (2) S(t), (5) the retention rate.
    Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the
    perils of ignoring heterogeneity. Marketing Science 29(1), 85-93: DERL, eq. (6).

    Examples
    --------
    >>> from crmresearch import clv
    >>> m = clv.ShiftedBetaGeometric().fit(survivors=[1000, 631, 468, 382, 326, 289, 262, 241])
    >>> {k: round(v, 3) for k, v in m.params_.items()}   # Fader & Hardie (2007), regular customers
    {'alpha': 0.704, 'beta': 1.182}
    """

    _param_names = ("alpha", "beta")
    # fit coordinates at the edges: log alpha/beta (odds-like mean churn), log beta (the beta's concentration)
    _coordinates = ({"alpha": 1.0, "beta": -1.0}, {"beta": 1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        0: mean_limit(lambda p: "no churn in these data: every customer renews, S(t) = 1 (alpha/beta is held at "
                      "1e-30; beta is not identified)", (1,)),
        1: shape_limit(lambda p: "no heterogeneity in churn: every customer leaves with the same probability, "
                       f"{p['alpha'] / (p['alpha'] + p['beta']):.4g} a period (the sBG reduces to the geometric; "
                       "alpha and beta are held at that limit)"),
    }

    def fit(self, survivors=None, periods=None, churned=None) -> ShiftedBetaGeometric:
        """Maximum-likelihood fit from a cohort's survivor counts or from individual customers.

        Parameters
        ----------
        survivors : array-like, optional
            Customers active at the start of periods 0, 1, 2, ... of one cohort.
        periods : array-like, optional
            Periods observed per customer (renewals + 1 for churners).
        churned : array-like, optional
            Whether each customer left (with ``periods``).

        Returns
        -------
        ShiftedBetaGeometric
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Neither or both inputs, survivor counts that rise, or periods < 1 for churners.
        """
        (self._t_churn, self._w_churn, self._t_cens, self._w_cens,
         n) = check_retention_data(survivors, periods, churned, "ShiftedBetaGeometric.fit")
        self._optimise(n_obs=n)
        del self._t_churn, self._w_churn, self._t_cens, self._w_cens
        return self

    def _start(self) -> np.ndarray:
        return np.log([1.0, 1.0])

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(over="ignore", invalid="ignore"):  # a trial step far out: an infinite value, refused
            return self._negloglik_at(log_params)

    def _negloglik_at(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = np.exp(log_params)
        t, wc = self._t_churn, self._w_churn
        tc, ws = self._t_cens, self._w_cens
        # churn in period t: B(a + 1, b + t - 1) / B(a, b); survive t periods: B(a, b + t) / B(a, b)
        ll = wc @ (betaln(a + 1, b + t - 1) - betaln(a, b)) + ws @ (betaln(a, b + tc) - betaln(a, b))
        dab = digamma(a + b)
        da = wc @ (digamma(a + 1) - digamma(a + b + t) - digamma(a) + dab) \
            + ws @ (digamma(a) - digamma(a + b + tc) - digamma(a) + dab)
        db = wc @ (digamma(b + t - 1) - digamma(a + b + t) - digamma(b) + dab) \
            + ws @ (digamma(b + tc) - digamma(a + b + tc) - digamma(b) + dab)
        return -float(ll), -np.array([da * a, db * b])

    def _ab(self) -> tuple[float, float]:
        self._check_fitted("predict")
        return self.params_["alpha"], self.params_["beta"]

    def survival(self, t) -> np.ndarray:
        """S(t): share of a new cohort still active after t periods (t = 0 -> 1).

        Parameters
        ----------
        t : int or array-like
            Periods (0, 1, ...).

        Returns
        -------
        ndarray
            Share surviving (0-1).
        """
        a, b = self._ab()
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def retention_rate(self, t) -> np.ndarray:
        """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1: rises with t.

        Parameters
        ----------
        t : int or array-like
            Periods (>= 1).

        Returns
        -------
        ndarray
            Retention rate per period (0-1).
        """
        a, b = self._ab()
        t = np.asarray(t, dtype=float)
        return (b + t - 1) / (a + b + t - 1)

    def derl(self, discount_rate: float, renewals: int | np.ndarray = 0) -> np.ndarray:
        """Discounted expected residual lifetime: expected number of *future* renewals (payments)
        of an active customer who has made ``renewals`` renewals, each discounted by
        (1 + d) per period ahead:

            DERL = sum_{k>=1} S(m + k) / S(m) / (1 + d)^k = 2F1(1, beta + m; alpha + beta + m; 1/(1 + d)) - 1

        with m = ``renewals`` (the closed form follows from B(alpha, beta + m + k) / B(alpha, beta + m)
        being a ratio of rising factorials; it equals Fader & Hardie (2010) eq. (6) discounted by one
        more period, since theirs is evaluated just before the next renewal decision).

        Parameters
        ----------
        discount_rate : float
            Discount rate per period (0.1 = 10 %).
        renewals : int or ndarray, default 0
            Renewals the customer has made so far.

        Returns
        -------
        ndarray
            Discounted expected residual lifetime, in periods.
        """
        a, b = self._ab()
        m = np.asarray(renewals, dtype=float)
        d = float(discount_rate)
        if d <= 0:
            raise ValidationError(f"derl: discount_rate must be > 0 (per period); got {d}")
        return hyp2f1(1, b + m, a + b + m, 1 / (1 + d)) - 1

