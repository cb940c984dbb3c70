"""Beta-discrete-Weibull (BdW) model of contract retention with duration dependence (Fader, Hardie, Liu,
Davin & Steenburgh 2018); it nests the shifted-beta-geometric at c = 1."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import betaln, chdtrc, digamma, polygamma

from ..core.mle import Optimum, minimise
from ..errors import ConvergenceError, DataWarning, ValidationError
from ._base import BaseFitter, Limit
from .bgnbd import mean_limit, shape_limit
from .sbg import RetentionCurve, check_retention_data

__all__ = ["BetaDiscreteWeibull"]


def _no_churn(p: pd.Series) -> str:
    return ("no churn in these data: every customer stays, S(t) = 1 for every t (alpha/beta is held at 1e-30; "
            "beta and c are not identified)")


def _same_theta(p: pd.Series) -> str:
    theta = p["alpha"] / (p["alpha"] + p["beta"])
    return (f"no heterogeneity in churn: every customer has the same churn probability theta = {theta:.4g}, and "
            f"S(t) = (1 - theta)^(t^c) with c = {p['c']:.4g}, the discrete Weibull (alpha and beta are held at "
            "that limit)")


def _first_period_only(p: pd.Series) -> str:
    return (f"no churn after the first period: the {p['alpha'] / (p['alpha'] + p['beta']):.4g} who leave do so in "
            "period 1 and the others stay, S(t) = beta/(alpha + beta) for every t >= 1 (c is held at 1e-30; "
            "alpha and beta are identified only through that ratio)")


def _step(p: pd.Series) -> str:
    return ("churn jumps at one tenure instead of changing gradually: c runs to infinity and is held at 100 (a "
            "fixed term ending, or a one-off event, looks like this; the BdW and the sBG describe gradual change, "
            "so read the projection as a limit)")


#: Where a fit reads c as running to infinity (c > 50; 2^50 ~ 1e15: churn steps at one tenure), and holds it (100).
C_LIMIT, C_BOUND = np.log(50.0), np.log(100.0)
#: Largest log t^c used (t^c ~ 1e304 stays finite: S(t) is then 0 to double precision).
_LOG_TC_MAX = 700.0


def _dpsi(z: np.ndarray, a: float) -> np.ndarray:
    """psi(z + a) - psi(z) without the cancellation of the plain difference (a > 0): the asymptotic series
    of psi for z > 1e3, its Taylor series in a for a < 1e-3 z; both relative errors below 1e-12."""
    z = np.asarray(z, dtype=float)
    out = digamma(z + a) - digamma(z)
    big = z > 1e3
    if big.any():
        x = z[big]
        y = x + a
        out[big] = (np.log1p(a / x) + a / (2 * x * y) + a * (2 * x + a) / (12 * x ** 2 * y ** 2)
                    + (1 / y ** 4 - 1 / x ** 4) / 120)
    small = ~big & (a < 1e-3 * z)
    if small.any():
        x = z[small]
        out[small] = a * polygamma(1, x) + a ** 2 / 2 * polygamma(2, x) + a ** 3 / 6 * polygamma(3, x)
    return out


class BetaDiscreteWeibull(RetentionCurve, BaseFitter):
    """Contract retention with duration dependence: a customer with churn parameter theta is still
    active after t periods with probability (1 - theta)^(t^c) (the discrete Weibull), and
    theta ~ Beta(alpha, beta) across customers. The cohort survives as

        S(t) = B(alpha, beta + t^c) / B(alpha, beta)

    c < 1: an individual's churn probability falls with tenure; c > 1: it rises; c = 1 is the
    shifted-beta-geometric (:class:`ShiftedBetaGeometric`), against which ``fit`` runs the
    likelihood-ratio test (``lr_test_``). Fit from a cohort's survivor counts or from individual data,
    as the sBG. Maximum likelihood with the analytic gradient on the package's one core
    (:mod:`crmresearch.core.mle`); standard errors from the observed information. At the edges (no churn
    at all; no heterogeneity, the discrete Weibull; no churn after the first period, c -> 0; a step in churn
    at one tenure, c -> infinity) the estimate is reported at the limit with one
    :class:`~crmresearch.errors.DataWarning` naming it (``limits_``). ``lr_test_`` is NaN where the sBG
    itself cannot be fitted.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary`` (1 - alpha coverage).
    tol : float, default 1e-10
        Convergence tolerance of the optimiser.
    max_iter : int, default 2000
        Most optimiser iterations.

    Attributes
    ----------
    params_ : Series with "alpha", "beta", "c" (index ``parameter``)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, cohort members (survivor counts) or customers in the fit
    lr_test_ : dict, likelihood-ratio test of c = 1 (the sBG) against the BdW: statistic, df (1), p_value,
        sbg_log_likelihood
    limits_ : tuple of str, the limits of the model the fit reached, in words (empty inside)

    References
    ----------
    Fader, P. S., Hardie, B. G. S., Liu, Y., Davin, J. and Steenburgh, T. (2018). "How to project customer
    retention" revisited: the role of duration dependence. Journal of Interactive Marketing 43, 1-16:
    the BdW survivor function S(t) and P(T = t) = S(t - 1) - S(t).
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. Journal of Interactive
    Marketing 21(1), 76-90 (the sBG, c = 1, and the regular / high-end data).

    Examples
    --------
    >>> from crmresearch import clv
    >>> m = clv.BetaDiscreteWeibull().fit(survivors=[1000, 631, 468, 382, 326])   # FH 2007 regular, 4 years
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'alpha': 0.523, 'beta': 0.894, 'c': 1.196}
    >>> round(m.lr_test_['p_value'], 2)   # c = 1 (the sBG) is not rejected on these data
    0.55
    """

    _param_names = ("alpha", "beta", "c")
    # fit coordinates at the edges: log alpha/beta (churn odds-like), log beta (precision), log c
    _coordinates = ({"alpha": 1.0, "beta": -1.0}, {"beta": 1.0}, {"c": 1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        0: mean_limit(_no_churn, (1, 2)),
        1: shape_limit(_same_theta),
        2: Limit(+1, C_LIMIT, C_BOUND, _step),
    }

    def fit(self, survivors=None, periods=None, churned=None) -> BetaDiscreteWeibull:
        """Maximum-likelihood fit from a cohort's survivor counts or from individual customers.

        Parameters
        ----------
        survivors : array-like, optional
            Customers active at the start of periods 0, 1, 2, ... of one cohort (at least four counts).
        periods : array-like, optional
            Periods observed per customer (renewals + 1 for churners).
        churned : array-like, optional
            Whether each customer left (with ``periods``).

        Returns
        -------
        BetaDiscreteWeibull
            ``self``, fitted.

        Raises
        ------
        ValidationError
            The inputs :class:`ShiftedBetaGeometric` refuses; fewer than three periods observed (three
            parameters need three period-to-period transitions); every customer still active after period
            1 leaving in period 2 (then c runs to infinity and nothing else is identified).
        """
        caller = "BetaDiscreteWeibull.fit"
        t, w, tc, wc, n = check_retention_data(survivors, periods, churned, caller)
        lost = {k: float(w[t == k].sum()) for k in (1, 2)}
        later = float(w[t >= 3].sum())
        if not (w[t >= 2].sum() + wc[tc >= 1].sum()) > 0:
            raise ValidationError(f"{caller}: all {lost[1]:.0f} customers left in period 1, so retention is zero "
                                  "from the start and no model of its change with tenure can be estimated")
        if lost[2] > 0 and later == 0 and not (wc[tc >= 2] > 0).any():
            raise ValidationError(f"{caller}: all {lost[2]:.0f} customers still active after period 1 left in "
                                  "period 2, so retention from period 2 on is zero: the BdW puts that at c -> "
                                  "infinity, where alpha and beta are not identified; report the two observed shares "
                                  "instead")
        last = max(float(t[w > 0].max()) if (w > 0).any() else 0.0, float(tc[wc > 0].max()) if (wc > 0).any() else 0)
        if last < 3:
            raise ValidationError(f"{caller}: the data end after period {last:.0f}; the BdW's three parameters "
                                  "need at least three periods observed (four survivor counts); fit "
                                  "ShiftedBetaGeometric, which needs two")
        self._t_churn, self._w_churn, self._t_cens, self._w_cens = t, w, tc, wc
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            sbg = self._sbg_fit(n)
        self._x0 = self._best_start(sbg.x if sbg is not None else np.zeros(2))
        ll0 = -sbg.fun if sbg is not None else np.nan
        try:
            with np.errstate(divide="ignore", over="ignore", under="ignore"):
                if lost[1] > 0 and lost[2] == 0 and later == 0:
                    # churn in period 1 only: the likelihood rises to S(t) = const for t >= 1 along c -> 0 (and
                    # along alpha, beta -> 0 together), where only alpha/beta is identified: its closed form
                    x = np.log([lost[1], w.sum() + wc.sum() - lost[1], 1e-30])
                    with warnings.catch_warnings():  # one warning, the limit's (c = 1e-30 is no edge estimate)
                        warnings.simplefilter("ignore", DataWarning)
                        self._finish(x, self._negloglik(x)[0], self._negloglik(x)[1], n, 0, covariance=False)
                    self.variance_matrix_ = pd.DataFrame(np.nan, index=self._param_names, columns=self._param_names)
                    self.limits_ = (_first_period_only(self.params_),)
                    warnings.warn(f"{caller}: the likelihood is highest at a limit of the model, and the estimates "
                                  f"are reported there: {self.limits_[0]} (limits_; the standard errors of the "
                                  "parameters held at the limit are NaN)", DataWarning, stacklevel=3)
                    if not np.isfinite(ll0):  # the sBG reaches the same S(t) along alpha, beta -> 0
                        ll0 = self.log_likelihood_
                else:
                    self._fit_with_step_check(n)
        finally:
            del self._t_churn, self._w_churn, self._t_cens, self._w_cens, self._x0
        stat = max(0.0, 2 * (self.log_likelihood_ - ll0)) if np.isfinite(ll0) else np.nan
        self.lr_test_ = {"statistic": float(stat), "df": 1, "p_value": float(chdtrc(1, stat)),
                         "sbg_log_likelihood": float(ll0)}
        return self

    def _start(self) -> np.ndarray:
        return self._x0.copy()

    def _best_start(self, log_ab: np.ndarray) -> np.ndarray:
        """The likelihood can have more than one maximum (a step in churn against a steady rise): start at
        the sBG's optimum or at alpha = beta = 1, with c = 1, 0.5, 2, 5 or 20: whichever is most likely."""
        starts = [np.r_[ab, np.log(c)] for ab in (log_ab, np.zeros(2)) for c in (1.0, 0.5, 2.0, 5.0, 20.0)]
        with np.errstate(all="ignore"):
            values = [self._negloglik(x)[0] for x in starts]
        values = [v if np.isfinite(v) else np.inf for v in values]
        return starts[int(np.argmin(values))]

    def _sbg_fit(self, n_obs: int) -> Optimum | None:
        """The null model of ``lr_test_``: the sBG, i.e. this likelihood with c = 1, maximised over log alpha,
        log beta on the same numerics (from the best of a few starts); None where it has no finite maximum."""
        def f(v: np.ndarray) -> tuple[float, np.ndarray]:
            val, g = self._negloglik(np.r_[v, 0.0])
            return val, g[:2]

        starts = [np.zeros(2), np.log([0.5, 2.0]), np.log([2.0, 0.5])]
        best = None
        for x0 in starts:
            try:
                opt = minimise(f, x0, caller=f"{type(self).__name__}.fit (the sBG, c = 1)", max_iter=self.max_iter,
                               ftol=self.tol * 1e-2, gtol=1e-6 * np.sqrt(max(n_obs, 1)), maxcor=20)
            except ConvergenceError:
                continue
            if best is None or opt.fun < best.fun - 1e-9 * abs(best.fun):
                best = opt
        return best

    def _fit_with_step_check(self, n_obs: int) -> None:
        """The base's fit, compared with the fit at c -> infinity (held at its bound): the likelihood can have
        a second maximum there (a step in churn), which a start near c = 1 does not reach; the higher one is
        kept, with the warnings of that fit only."""
        try:
            step = self._fit_at_limits(self._start(), n_obs, (2,))
        except ConvergenceError:
            step = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            try:
                self._optimise(n_obs=n_obs)
            except ConvergenceError:
                self._optimise_held(n_obs)
        if step is not None and -step[3] > self.log_likelihood_ + 1e-6 * max(1.0, abs(self.log_likelihood_)):
            self._finish_at_limits(*step, n_obs, True)
            return
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=3)

    def _optimise_held(self, n_obs: int) -> None:
        """When the optimiser stalls on the way to several limits at once (a cohort that empties at a cliff:
        no heterogeneity and c -> infinity together), fit with each combination of the shape and c limits
        held from the start and keep the highest likelihood; the base warns with the limits reached."""
        best = None
        for hold in ((1,), (2,), (1, 2)):
            try:
                fit = self._fit_at_limits(self._start(), n_obs, hold)
            except ConvergenceError:
                continue
            if best is None or fit[3] < best[3]:
                best = fit
        if best is None:
            raise ConvergenceError(f"{type(self).__name__}.fit: no maximum of the likelihood found inside the model "
                                   "or at its limits; check the survivor counts")
        self._finish_at_limits(*best, n_obs, True)

    @staticmethod
    def _log_survival(a: float, b: float, c: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log S(t) and its gradient in (log a, log b, log c), one row per t."""
        log_t = np.log(np.where(t > 0, t, 1.0))
        tc = np.where(t > 0, np.exp(np.minimum(c * log_t, _LOG_TC_MAX)), 0.0)
        x = b + tc
        ls = betaln(a, x) - betaln(a, b)
        dx, db = _dpsi(x, a), _dpsi(np.atleast_1d(b), a)[0]  # psi(x + a) - psi(x), psi(b + a) - psi(b)
        ga = digamma(a + b) - digamma(a + x)
        gb = db - dx
        gc = -dx * np.where(t > 0, tc * log_t, 0.0)
        return ls, np.column_stack([ga * a, gb * b, gc * c])

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, c = np.exp(log_params)
        t, w = self._t_churn, self._w_churn
        l1, g1 = self._log_survival(a, b, c, t - 1)
        l2, g2 = self._log_survival(a, b, c, t)
        # churn in period t: P(T = t) = S(t - 1) - S(t) = S(t - 1) (1 - r), r = S(t) / S(t - 1)
        d = np.minimum(l2 - l1, 0.0)
        one_minus_r = np.maximum(-np.expm1(d), 1e-300)
        r = np.exp(d)
        ll = w @ (l1 + np.log(one_minus_r))
        grad = w @ ((g1 - r[:, None] * g2) / one_minus_r[:, None])
        ls, gs = self._log_survival(a, b, c, self._t_cens)
        ll += self._w_cens @ ls
        grad = grad + self._w_cens @ gs
        return -float(ll), -np.asarray(grad, dtype=float)

    def _abc(self) -> tuple[float, float, float]:
        self._check_fitted("predict")
        return self.params_["alpha"], self.params_["beta"], self.params_["c"]

    def survival(self, t) -> np.ndarray:
        """S(t) = B(alpha, beta + t^c) / B(alpha, beta): share of a new cohort still active after t periods.

        Parameters
        ----------
        t : int or array-like
            Periods (0, 1, ...); S(0) = 1.

        Returns
        -------
        ndarray
            Share surviving (0-1).
        """
        a, b, c = self._abc()
        t = np.asarray(t, dtype=float)
        return np.exp(self._log_survival(a, b, c, np.atleast_1d(t))[0]).reshape(t.shape)

    def retention_rate(self, t) -> np.ndarray:
        """r(t) = S(t) / S(t - 1), t >= 1: the share of those active in period t - 1 who renew.

        Parameters
        ----------
        t : int or array-like
            Periods (>= 1).

        Returns
        -------
        ndarray
            Retention rate per period (0-1).
        """
        a, b, c = self._abc()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        shape = np.shape(np.asarray(t))
        out = np.exp(self._log_survival(a, b, c, t)[0] - self._log_survival(a, b, c, t - 1)[0])
        return out.reshape(shape)

    def derl(self, discount_rate: float, renewals: int | np.ndarray = 0) -> np.ndarray:
        """Discounted expected residual lifetime: expected *future* renewals of a customer active after
        ``renewals`` renewals, each discounted by (1 + d) per period ahead,

            DERL = sum_{k>=1} S(m + k) / S(m) / (1 + d)^k,   m = renewals,

        summed until the discount factor is below 1e-16 (no closed form for c != 1; at c = 1 it equals
        :meth:`ShiftedBetaGeometric.derl`).

        Parameters
        ----------
        discount_rate : float
            Discount rate per period (0.1 = 10 %), > 0.
        renewals : int or ndarray, default 0
            Renewals the customer has made so far.

        Returns
        -------
        ndarray
            Discounted expected residual lifetime, in periods.
        """
        a, b, c = self._abc()
        d = float(discount_rate)
        if not d > 0:
            raise ValidationError(f"derl: discount_rate must be > 0 (per period); got {d}")
        m = np.asarray(renewals, dtype=float)
        n_terms = int(min(np.ceil(np.log(1e16) / np.log1p(d)), 2_000_000))
        k = np.arange(1, n_terms + 1, dtype=float)
        log_disc = -k * np.log1p(d)
        out = np.empty(m.size)
        for i, mi in enumerate(m.ravel()):
            ls = self._log_survival(a, b, c, np.r_[mi, mi + k])[0]
            out[i] = np.exp(ls[1:] - ls[0] + log_disc).sum()
        return out.reshape(m.shape)

