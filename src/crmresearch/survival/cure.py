"""Mixture cure models: a share of customers never leaves. The population survival is
S(t | x, z) = 1 - pi(z) + pi(z) S_u(t | x), with the incidence pi(z) = P(will ever leave) a logistic regression
and the latency S_u (when those who leave do so) a Weibull accelerated-failure-time model; covariates on both
parts, fitted jointly by maximum likelihood on :mod:`crmresearch.core.mle`, standard errors from the observed
information.

A cure fraction is only identified when follow-up is long enough for the Kaplan-Meier curve to level off
(Maller & Zhou 1996): :func:`followup_test` computes their statistic q_n, and :class:`MixtureCure` warns (or
refuses) when the test does not show sufficient follow-up.

References: Farewell (1982), The use of mixture models for the analysis of survival data with long-term
survivors, Biometrics 38; Peng & Dear (2000), A nonparametric mixture model for cure rate estimation,
Biometrics 56; Maller & Zhou (1996), Survival Analysis with Long-Term Survivors, Wiley, ch. 4.
R's ``smcure`` and ``flexsurvcure`` are not packaged in Debian; the tests check the model against simulated
truth and, without a cure fraction, against the plain Weibull AFT of lifelines.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, log_expit

from ..core import mle
from ..core.base import Estimator, check_is_fitted, parameter_table
from ..core.design import design_matrix
from ..errors import DataWarning, FollowUpWarning, ParameterError, ValidationError
from ..schemas.checks import as_binary, as_codes, as_durations, check_columns

__all__ = ["CoxMixtureCure", "FollowUpTest", "MixtureCure", "cox_mixture_cure", "followup_test", "mixture_cure"]


# ------------------------------------------------------------------------------------------ follow-up
@dataclass(frozen=True)
class FollowUpTest:
    """Maller & Zhou's check that follow-up is long enough to identify a cure fraction.

    Attributes
    ----------
    q_n : float
        N_n / n: the share of customers whose exit lies in (2 t*_(n) - t_(n), t*_(n)], with t*_(n) the last
        exit and t_(n) the last time observed (exit or censoring).
    n_tail : int
        N_n, the exits in that interval.
    n : int
        Customers.
    p_value : float
        (1 - q_n)^n, Maller & Zhou's approximation of the probability of so many late exits when follow-up is
        too short (small: follow-up is sufficient).
    last_exit, last_time : float
        t*_(n) and t_(n) (frame units).
    plateau : float
        Kaplan-Meier survival after the last exit: the cure fraction, if follow-up is sufficient.
    alpha : float
        Level of the test.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(0); cured = rng.random(500) < 0.4
    >>> t = np.where(cured, np.inf, rng.weibull(1.5, 500) * 10); c = 60.0
    >>> f = pd.DataFrame({'duration': np.minimum(t, c), 'event': (t <= c).astype(int)})
    >>> test = survival.followup_test(f)
    >>> test.sufficient, round(test.plateau, 2)   # truth 0.4 (the share drawn: 0.36)
    (True, 0.36)
    """

    q_n: float
    n_tail: int
    n: int
    p_value: float
    last_exit: float
    last_time: float
    plateau: float
    alpha: float = 0.05

    @property
    def sufficient(self) -> bool:
        """True when the test rejects insufficient follow-up at ``alpha``."""
        return bool(self.p_value < self.alpha)

    @property
    def message(self) -> str:
        """One sentence on the verdict, with the numbers."""
        verdict = "sufficient" if self.sufficient else "too short to identify a cure fraction"
        return (f"follow-up is {verdict} (Maller-Zhou q_n {self.q_n:.4f}: {self.n_tail} of {self.n} exits between "
                f"{max(2 * self.last_exit - self.last_time, 0):.4g} and the last exit at {self.last_exit:.4g}, "
                f"last time observed {self.last_time:.4g}; p {self.p_value:.3g}, level {self.alpha:g}); "
                f"Kaplan-Meier plateau {self.plateau:.4f}")


def _events(frame: pd.DataFrame, caller: str) -> tuple[np.ndarray, np.ndarray]:
    check_columns(frame, ["duration", "event"], caller)
    t = as_durations(frame["duration"].to_numpy(), "column 'duration'", caller)
    e = as_binary(frame["event"].to_numpy(), "column 'event'", caller)
    if e.sum() == 0:
        raise ValidationError(f"{caller}: column 'event': none of {len(frame)} rows has an exit (event 1); "
                              "nothing to fit")
    return t, e.astype(int)


def _km_plateau(t: np.ndarray, e: np.ndarray) -> float:
    times, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=e, minlength=times.size)
    n = np.bincount(inv, minlength=times.size)
    at_risk = t.size - np.concatenate([[0], np.cumsum(n)[:-1]])
    return float(np.prod(1 - d[d > 0] / at_risk[d > 0]))


def followup_test(frame: pd.DataFrame, alpha: float = 0.05) -> FollowUpTest:
    """Maller & Zhou's (1996, sec. 4.3) test that follow-up is sufficient to identify a cure fraction.

    H0: follow-up is too short (exits of the uncured would still occur after the last time observed).
    q_n = N_n / n counts the exits in (2 t*_(n) - t_(n), t*_(n)]: many exits just before the last one while
    the curve still has a long flat stretch after it speak for a plateau. The p-value is their approximation
    (1 - q_n)^n; the Kaplan-Meier plateau is reported with it.

    Parameters
    ----------
    frame : DataFrame
        ``duration`` and ``event`` (1 = left, 0 = censored), one row per customer.
    alpha : float, default 0.05
        Level: follow-up counts as sufficient when the p-value is below it.

    Returns
    -------
    FollowUpTest
        q_n, N_n, n, p-value, last exit, last time, plateau, ``sufficient`` and ``message``.

    Raises
    ------
    ValidationError
        For missing columns, negative or missing durations, events other than 0/1, or no exit at all.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(1); t = rng.exponential(10, 400)   # no one is cured, follow-up 15
    >>> f = pd.DataFrame({'duration': np.minimum(t, 15), 'event': (t <= 15).astype(int)})
    >>> survival.followup_test(f).sufficient
    False
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"followup_test: alpha must be in (0, 1), got {alpha!r}")
    t, e = _events(frame, "followup_test")
    last_exit, last_time = float(t[e == 1].max()), float(t.max())
    low = 2 * last_exit - last_time
    n_tail = int(((e == 1) & (t > low) & (t <= last_exit)).sum())
    q = n_tail / t.size
    p = float((1 - q) ** t.size)
    return FollowUpTest(q_n=float(q), n_tail=n_tail, n=int(t.size), p_value=p, last_exit=last_exit,
                        last_time=last_time, plateau=_km_plateau(t, e), alpha=float(alpha))


def _check_followup(frame: pd.DataFrame, alpha: float, followup: str, caller: str, rests_on: str
                    ) -> FollowUpTest:
    """Maller-Zhou before any cure fraction: warn, refuse or go on as ``followup`` says."""
    if followup not in ("warn", "raise", "ignore"):
        raise ParameterError(f"{caller}: followup must be 'warn', 'raise' or 'ignore', got {followup!r}")
    test = followup_test(frame, alpha)
    if not test.sufficient:
        text = (f"{caller}: {test.message}; the cure fraction is not identified, the split between 'never "
                f"leaves' and 'leaves later' rests on {rests_on}")
        if followup == "raise":
            raise ValidationError(text + " (followup='warn' fits anyway)")
        if followup == "warn":
            warnings.warn(text, FollowUpWarning, stacklevel=3)
    return test


# -------------------------------------------------------------------------------------------- model
class _Design:
    """Covariates -> design columns with an intercept, remembering categorical levels for prediction."""

    def __init__(self, frame: pd.DataFrame, columns: list[str], caller: str) -> None:
        check_columns(frame, columns, caller)
        self.columns = columns
        self.levels = {c: list(pd.Series(frame[c]).astype("category").cat.categories) for c in columns
                       if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))}
        X = design_matrix(frame, columns, caller) if columns else pd.DataFrame(index=frame.index)
        self.names = ["intercept", *X.columns]
        self.matrix = np.column_stack([np.ones(len(frame)), X.to_numpy(dtype=float)])

    def apply(self, profiles: pd.DataFrame, caller: str) -> np.ndarray:
        if not self.columns:
            return np.ones((len(profiles), 1))
        check_columns(profiles, self.columns, caller)
        p = profiles.copy()
        for c, levels in self.levels.items():
            as_codes(p[c], levels, f"column '{c}'", caller, meaning="levels of the fit")
            p[c] = pd.Categorical(p[c], categories=levels)
        X = design_matrix(p, self.columns, caller, check=False).reindex(columns=self.names[1:], fill_value=0.0)
        return np.column_stack([np.ones(len(profiles)), X.to_numpy(dtype=float)])


def _negloglik(theta: np.ndarray, Z: np.ndarray, X: np.ndarray, logt: np.ndarray, e: np.ndarray
               ) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of the Weibull mixture cure model and its gradient in (g, b, log rho)."""
    kz, kx = Z.shape[1], X.shape[1]
    g, b, log_rho = theta[:kz], theta[kz:kz + kx], theta[-1]
    rho = np.exp(log_rho)
    eta = Z @ g
    log_u = rho * (logt - X @ b)  # u = (t / lambda)^rho, log lambda = x'b
    u = np.exp(np.minimum(log_u, 700.0))
    pi = expit(eta)
    ev, ce = e == 1, e == 0
    # exits: log pi + log rho - log t + log u - u
    ll_ev = log_expit(eta[ev]) + log_rho - logt[ev] + log_u[ev] - u[ev]
    # censored: log(1 - pi + pi exp(-u))
    log_s = -u[ce]
    log_d = np.logaddexp(log_expit(-eta[ce]), log_expit(eta[ce]) + log_s)
    ll = float(ll_ev.sum() + log_d.sum())
    w = np.exp(log_expit(eta[ce]) + log_s - log_d)  # P(uncured | survived to t): pi S / D
    d_eta = np.zeros(e.size)
    d_eta[ev] = 1 - pi[ev]
    d_eta[ce] = w - pi[ce]  # d log D / d eta = pi (1 - pi)(S - 1) / D
    d_lin = np.zeros(e.size)  # d ll / d(x'b)
    d_lin[ev] = rho * (u[ev] - 1)
    d_lin[ce] = w * rho * u[ce]
    d_lr = np.zeros(e.size)  # d ll / d log rho
    d_lr[ev] = 1 + log_u[ev] * (1 - u[ev])
    d_lr[ce] = -w * u[ce] * log_u[ce]
    grad = np.concatenate([Z.T @ d_eta, X.T @ d_lin, [d_lr.sum()]])
    return -ll, -grad


class _CurePredictions:
    """What both mixture cure models predict from their incidence pi(z) and latency S_u(t | x): each model
    gives ``_parts`` (pi and its latency's linear predictor) and ``_latency``."""

    def predict_cure_probability(self, profiles: pd.DataFrame, survived_to: float | None = None) -> pd.Series:
        """P(never leaves) per profile: 1 - pi(z), or, for customers still there at ``survived_to``, the
        conditional (1 - pi) / (1 - pi + pi S_u(t)) (with the Cox latency, 1 after the sample's last exit).

        Parameters
        ----------
        profiles : DataFrame
            One row per profile with the covariate columns of both parts.
        survived_to : float or None, optional
            Time already survived (frame units); None: at the start.

        Returns
        -------
        Series
            Indexed as ``profiles``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from crmresearch import survival
        >>> rng = np.random.default_rng(4); cured = rng.random(800) < 0.3
        >>> t = np.where(cured, np.inf, rng.weibull(1.5, 800) * 5)
        >>> f = pd.DataFrame({'duration': np.minimum(t, 40), 'event': (t <= 40).astype(int)})
        >>> fit = survival.MixtureCure().fit(f)
        >>> p = fit.predict_cure_probability(f.head(1)); p6 = fit.predict_cure_probability(f.head(1), 6.0)
        >>> bool(p.iloc[0] < p6.iloc[0])   # still there after 6: more likely one who never leaves
        True
        """
        pi, lin = self._parts(profiles, "predict_cure_probability")
        if survived_to is None:
            out = 1 - pi
        else:
            su = self._latency(np.array([float(survived_to)]), lin)[0]
            out = (1 - pi) / (1 - pi + pi * su)
        return pd.Series(out, index=profiles.index, name="cure_probability")

    def predict_survival(self, profiles: pd.DataFrame, times: Sequence[float], uncured: bool = False
                         ) -> pd.DataFrame:
        """Survival per profile: the population 1 - pi + pi S_u(t), or the latency S_u(t) of those who leave.

        Parameters
        ----------
        profiles : DataFrame
            One row per profile with the covariate columns of both parts.
        times : sequence of float
            Times (frame units).
        uncured : bool, default False
            Return S_u(t), the survival of the customers who will leave (conditional on not being cured).

        Returns
        -------
        DataFrame
            One row per time (index ``time``), one column per profile (the profiles' index).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from crmresearch import survival
        >>> rng = np.random.default_rng(5); cured = rng.random(800) < 0.3
        >>> t = np.where(cured, np.inf, rng.weibull(1.5, 800) * 5)
        >>> f = pd.DataFrame({'duration': np.minimum(t, 40), 'event': (t <= 40).astype(int)})
        >>> s = survival.MixtureCure().fit(f).predict_survival(f.head(1), [1000.0])
        >>> round(float(s.iloc[0, 0]), 2)   # levels off at the cure fraction (truth 0.3)
        0.31
        """
        pi, lin = self._parts(profiles, "predict_survival")
        at = np.asarray(list(times), dtype=float)
        su = self._latency(at, lin)
        out = su if uncured else 1 - pi[None, :] + pi[None, :] * su
        return pd.DataFrame(out, index=pd.Index(at, name="time"), columns=profiles.index)

    def _summary(self) -> pd.DataFrame:
        return self._table.copy()


class MixtureCure(_CurePredictions, Estimator):
    """Weibull mixture cure model (Farewell 1982): a logistic incidence part, P(will ever leave | z), and a
    Weibull accelerated-failure-time latency part, S_u(t | x) = exp(-(t / exp(x'b))^rho), for those who leave;
    the population survival is 1 - pi(z) + pi(z) S_u(t | x). Fitted by maximum likelihood; standard errors
    from the observed information. Before a cure fraction is reported, Maller & Zhou's test checks that
    follow-up is long enough (:func:`followup_test`).

    Parameters
    ----------
    covariates : sequence of str, default ()
        Latency covariates (when those who leave do so).
    incidence : sequence of str or None, optional
        Incidence covariates (who will ever leave); None: the same as ``covariates``.
    followup : {"warn", "raise", "ignore"}, default "warn"
        What to do when the follow-up test does not show sufficient follow-up: warn (:class:`FollowUpWarning`),
        refuse (:class:`~crmresearch.errors.ValidationError`) or go on silently.
    alpha : float, default 0.05
        Significance level of the intervals and of the follow-up test.
    max_iter : int, default 2000
        Optimiser iterations at most.

    Attributes
    ----------
    params_ : Series indexed by ``parameter``: ``incidence:<column>`` (log odds of ever leaving),
        ``latency:<column>`` (log time ratios; the intercept is log lambda) and ``latency:log_shape`` (log rho)
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value, part
    vcov_ : DataFrame, inverse observed information; shape_ : float, rho
    cure_fraction_ : float, mean estimated P(never leaves) over the customers; cure_fraction_ci_ : (lower, upper)
        delta-method interval
    followup_ : FollowUpTest; log_likelihood_, aic_, bic_ : float; n_obs_, n_events_ : int
    covariates_, incidence_covariates_ : design columns of each part (with the intercept)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(3); n = 2000; x = rng.integers(0, 2, n)
    >>> cured = rng.random(n) < 1 - 1 / (1 + np.exp(-(0.5 - 1.0 * x)))
    >>> t = np.where(cured, np.inf, 12 * np.exp(0.4 * x) * rng.weibull(1.3, n))
    >>> f = pd.DataFrame({'duration': np.minimum(t, 120), 'event': (t <= 120).astype(int), 'x': x})
    >>> fit = survival.MixtureCure(['x']).fit(f)
    >>> fit.params_.round(1).tolist()   # truth 0.5, -1.0, log 12 = 2.5, 0.4, log 1.3 = 0.3
    [0.4, -0.9, 2.5, 0.3, 0.2]
    >>> round(fit.cure_fraction_, 2), fit.followup_.sufficient
    (0.51, True)
    """

    def __init__(self, covariates: Sequence[str] = (), incidence: Sequence[str] | None = None,
                 followup: str = "warn", alpha: float = 0.05, max_iter: int = 2000) -> None:
        self.covariates = covariates
        self.incidence = incidence
        self.followup = followup
        self.alpha = alpha
        self.max_iter = max_iter

    def fit(self, frame: pd.DataFrame) -> MixtureCure:
        """Fit on a survival frame.

        Parameters
        ----------
        frame : DataFrame
            One row per customer: ``duration`` (above 0), ``event`` (1 = left, 0 = censored), the covariates.

        Returns
        -------
        MixtureCure
            ``self``, fitted.
        """
        caller = "MixtureCure.fit"
        if self.followup not in ("warn", "raise", "ignore"):
            raise ParameterError(f"{caller}: followup must be 'warn', 'raise' or 'ignore', got {self.followup!r}")
        t, e = _events(frame, caller)
        zero = t <= 0
        if zero.any():
            raise ValidationError(f"{caller}: column 'duration': {int(zero.sum())} of {t.size} rows are 0; the "
                                  "Weibull latency needs durations above 0 (give same-day exits a small duration "
                                  "explicitly, e.g. half a day)")
        test = _check_followup(frame, self.alpha, self.followup, caller, "the Weibull tail alone")
        lat = _Design(frame, list(self.covariates), caller)
        inc = _Design(frame, list(self.covariates if self.incidence is None else self.incidence), caller)
        Z, X, logt = inc.matrix, lat.matrix, np.log(t)
        # start: incidence at the share that leaves (from the plateau), latency from log times of the exits
        share = min(max(1 - test.plateau, 0.05), 0.95)
        g0 = np.zeros(Z.shape[1])
        g0[0] = np.log(share / (1 - share))
        b0 = np.zeros(X.shape[1])
        b0[0] = float(logt[e == 1].mean()) + 0.5772
        x0 = np.concatenate([g0, b0, [0.0]])

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return _negloglik(theta, Z, X, logt, e)

        opt = mle.minimise(nll, x0, caller=caller, max_iter=int(self.max_iter))
        steps = 1e-5 * np.maximum(1.0, np.abs(opt.x))
        vcov = mle.invert(mle.hessian(lambda th: nll(th)[1], opt.x, steps))
        names = ([f"incidence:{c}" for c in inc.names] + [f"latency:{c}" for c in lat.names]
                 + ["latency:log_shape"])
        se = np.sqrt(np.where(np.diag(vcov) >= 0, np.diag(vcov), np.nan))
        table = parameter_table(pd.Series(opt.x, index=names), se, self.alpha)
        table["part"] = ["incidence"] * Z.shape[1] + ["latency"] * (X.shape[1] + 1)
        kz = Z.shape[1]
        cure = 1 - expit(Z @ opt.x[:kz])
        grad = -(Z * (cure * (1 - cure))[:, None]).mean(axis=0)  # d mean cure / d g
        sd = float(np.sqrt(max(grad @ vcov[:kz, :kz] @ grad, 0.0)))
        z = stats.norm.ppf(1 - self.alpha / 2)
        self._inc, self._lat, self._table = inc, lat, table
        self.params_ = table["estimate"].copy()
        self.vcov_ = pd.DataFrame(vcov, index=names, columns=names)
        self.shape_ = float(np.exp(opt.x[-1]))
        self.cure_fraction_ = float(cure.mean())
        self.cure_fraction_ci_ = (max(self.cure_fraction_ - z * sd, 0.0), min(self.cure_fraction_ + z * sd, 1.0))
        self.followup_ = test
        self.log_likelihood_ = float(-opt.fun)
        k = opt.x.size
        self.aic_ = float(2 * opt.fun + 2 * k)
        self.bic_ = float(2 * opt.fun + k * np.log(t.size))
        self.n_obs_ = int(t.size)
        self.n_events_ = int(e.sum())
        self.covariates_ = lat.names
        self.incidence_covariates_ = inc.names
        return self

    def _parts(self, profiles: pd.DataFrame, caller: str) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "params_", caller)
        theta = self.params_.to_numpy()
        kz = len(self.incidence_covariates_)
        eta = self._inc.apply(profiles, f"MixtureCure.{caller}") @ theta[:kz]
        log_lam = self._lat.apply(profiles, f"MixtureCure.{caller}") @ theta[kz:-1]
        return expit(eta), log_lam

    def _latency(self, times: np.ndarray, log_lam: np.ndarray) -> np.ndarray:
        """S_u(t | x) at ``times`` (rows) per profile (columns): Weibull with scale exp(log_lam)."""
        return np.exp(-np.exp(self.shape_ * (np.log(np.maximum(times, 1e-300))[:, None] - log_lam[None, :])))


def mixture_cure(frame: pd.DataFrame, covariates: Sequence[str] = (), incidence: Sequence[str] | None = None,
                 followup: str = "warn", alpha: float = 0.05) -> MixtureCure:
    """Fit a Weibull mixture cure model (:class:`MixtureCure`) in one call.

    Parameters
    ----------
    frame : DataFrame
        ``duration`` (above 0), ``event`` (1 = left, 0 = censored), the covariates.
    covariates : sequence of str, default ()
        Latency covariates.
    incidence : sequence of str or None, optional
        Incidence covariates; None: the same as ``covariates``.
    followup : {"warn", "raise", "ignore"}, default "warn"
        What to do when follow-up is too short to identify the cure fraction.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    MixtureCure
        The fitted model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(6); cured = rng.random(1000) < 0.25
    >>> t = np.where(cured, np.inf, rng.weibull(1.2, 1000) * 8)
    >>> f = pd.DataFrame({'duration': np.minimum(t, 80), 'event': (t <= 80).astype(int)})
    >>> round(survival.mixture_cure(f).cure_fraction_, 2)   # truth 0.25
    0.24
    """
    return MixtureCure(covariates, incidence, followup, alpha).fit(frame)


# ------------------------------------------------------------------------- semi-parametric (Cox latency)
class _CoxData:
    """A sample sorted by time, with the tie groups and event counts of the Breslow partial likelihood."""

    def __init__(self, t: np.ndarray, e: np.ndarray, Z: np.ndarray, X: np.ndarray) -> None:
        order = np.argsort(t, kind="stable")
        self.order = order
        self.t, self.e, self.Z, self.X = t[order], e[order], Z[order], X[order]
        times, first, inv = np.unique(self.t, return_index=True, return_inverse=True)
        d = np.bincount(inv, weights=self.e, minlength=times.size)
        keep = d > 0
        self.event_times, self.first, self.d = times[keep], first[keep], d[keep]
        self.x_events = self.X[self.e == 1].sum(axis=0)
        self.last_event = float(self.event_times[-1])
        # index of the last event time at or before each observed time (-1: before the first)
        self.step = np.searchsorted(self.event_times, self.t, side="right") - 1


def _revcumsum(a: np.ndarray) -> np.ndarray:
    return np.cumsum(a[::-1], axis=0)[::-1]


def _cox_step(data: _CoxData, w: np.ndarray, b: np.ndarray, tol: float = 1e-10, max_iter: int = 50
              ) -> np.ndarray:
    """Maximise the Breslow partial likelihood with offset log w (rows of weight 0 leave the risk sets)."""
    if b.size == 0:
        return b
    for _ in range(max_iter):
        r = w * np.exp(np.minimum(data.X @ b, 700.0))
        s0 = _revcumsum(r)[data.first]
        s1 = _revcumsum(r[:, None] * data.X)[data.first]
        s2 = _revcumsum(r[:, None, None] * data.X[:, :, None] * data.X[:, None, :])[data.first]
        m = s1 / s0[:, None]
        grad = data.x_events - data.d @ m
        info = np.einsum("k,kij->ij", data.d, s2 / s0[:, None, None]) - (data.d[:, None] * m).T @ m
        step = np.linalg.lstsq(info, grad, rcond=None)[0]
        b = b + step
        if np.max(np.abs(step)) < tol:
            break
    return b


def _logit_step(Z: np.ndarray, w: np.ndarray, g: np.ndarray, tol: float = 1e-10, max_iter: int = 50
                ) -> np.ndarray:
    """Maximise sum w log pi + (1 - w) log(1 - pi): the logistic regression on the E-step's weights."""
    for _ in range(max_iter):
        pi = expit(Z @ g)
        info = (Z * (pi * (1 - pi))[:, None]).T @ Z
        step = np.linalg.lstsq(info, Z.T @ (w - pi), rcond=None)[0]
        g = g + step
        if np.max(np.abs(step)) < tol:
            break
    return g


def _baseline(data: _CoxData, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Breslow's cumulative baseline hazard of the uncured at each event time, weights w."""
    r = w * np.exp(np.minimum(data.X @ b, 700.0)) if b.size else w
    return np.cumsum(data.d / _revcumsum(r)[data.first])


def _latency_survival(data: _CoxData, H0: np.ndarray, b: np.ndarray) -> np.ndarray:
    """S_u(t_i | x_i) on the sample, 0 after the last exit (Peng & Dear's zero-tail constraint)."""
    H = np.where(data.step >= 0, H0[np.maximum(data.step, 0)], 0.0)
    s = np.exp(-H * (np.exp(data.X @ b) if b.size else 1.0))
    return np.where(data.t > data.last_event, 0.0, s)


def _em(data: _CoxData, g: np.ndarray, b: np.ndarray, tol: float, max_iter: int
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """EM of the semi-parametric mixture cure model (Peng & Dear 2000; Sy & Taylor 2000, as R's smcure):
    returns g, b, the baseline cumulative hazard at the event times, the weights, iterations, converged."""
    w = data.e.astype(float)
    H0 = _baseline(data, np.maximum(w, 1e-300) * (w > 0), b)
    s = _latency_survival(data, H0, b)
    for it in range(1, max_iter + 1):
        pi = expit(data.Z @ g)
        w = data.e + (1 - data.e) * pi * s / np.maximum(1 - pi + pi * s, 1e-300)
        g_new = _logit_step(data.Z, w, g)
        b_new = _cox_step(data, w, b)
        H0 = _baseline(data, w, b_new)
        s_new = _latency_survival(data, H0, b_new)
        change = float(np.sum((g_new - g) ** 2) + np.sum((b_new - b) ** 2) + np.sum((s_new - s) ** 2))
        g, b, s = g_new, b_new, s_new
        if change < tol:
            return g, b, H0, w, it, True
    return g, b, H0, w, max_iter, False


class CoxMixtureCure(_CurePredictions, Estimator):
    """Semi-parametric mixture cure model (Peng & Dear 2000; Sy & Taylor 2000): a logistic incidence part,
    pi(z) = P(will ever leave | z), and a Cox proportional-hazards latency part with an unspecified
    (Breslow) baseline, S_u(t | x) = S_0(t)^exp(x'b), for those who leave; the population survival is
    1 - pi(z) + pi(z) S_u(t | x). Fitted by EM with Breslow ties and S_u = 0 after the last exit, as R's
    ``smcure`` (Cai et al. 2012); standard errors from a seeded bootstrap (``smcure``'s; by default it
    resamples customers, not exits and censored customers separately). Before a cure fraction is reported,
    Maller & Zhou's test checks that follow-up is long enough (:func:`followup_test`).

    Parameters
    ----------
    covariates : sequence of str, default ()
        Latency covariates (what makes those who leave leave sooner; no intercept: the baseline absorbs it).
    incidence : sequence of str or None, optional
        Incidence covariates (who will ever leave); None: the same as ``covariates``.
    n_boot : int, default 100
        Bootstrap resamples of the standard errors (``smcure``'s ``nboot``); 0: estimates only (NaN errors).
    seed : int, default 0
        Seed of the bootstrap.
    resample : {"customers", "by_status"}, default "customers"
        What the bootstrap draws: customers with replacement, or, as ``smcure``, exits and censored customers
        separately; the latter keeps the number of exits fixed, so it understates the incidence intercept's
        error (in the tests 0.061 against 0.079 from the Weibull model's information).
    followup : {"warn", "raise", "ignore"}, default "warn"
        What to do when the follow-up test does not show sufficient follow-up: warn (:class:`FollowUpWarning`),
        refuse (:class:`~crmresearch.errors.ValidationError`) or go on silently.
    alpha : float, default 0.05
        Significance level of the intervals and of the follow-up test.
    tol : float, default 1e-8
        EM stops when the squared changes of the coefficients and of S_u on the sample sum to less than this.
    max_iter : int, default 500
        EM iterations at most.

    Attributes
    ----------
    params_ : Series indexed by ``parameter``: ``incidence:<column>`` (log odds of ever leaving) and
        ``latency:<column>`` (log hazard ratios among those who leave)
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value, part
        (bootstrap standard errors, Wald intervals as ``smcure`` prints them)
    vcov_ : DataFrame, covariance of the bootstrap estimates; bootstrap_ : DataFrame, one row per resample
    baseline_cumulative_hazard_ : Series, Breslow's H_0 of the uncured at each exit time (index ``time``)
    weights_ : Series, the last E-step's P(uncured | data) per customer (1 for exits)
    cure_fraction_ : float, mean estimated P(never leaves); cure_fraction_ci_ : (lower, upper) from the
        bootstrap standard error
    followup_ : FollowUpTest; n_iter_ : int; converged_ : bool; n_obs_, n_events_ : int
    covariates_, incidence_covariates_ : design columns of each part (the incidence with its intercept)

    References
    ----------
    Peng & Dear (2000), A nonparametric mixture model for cure rate estimation, Biometrics 56, 237-243;
    Sy & Taylor (2000), Estimation in a Cox proportional hazards cure model, Biometrics 56, 227-236;
    Cai, Zou, Peng & Zhang (2012), smcure: an R-package for estimating semiparametric mixture cure models,
    Computer Methods and Programs in Biomedicine 108, 1255-1260.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(3); n = 2000; x = rng.integers(0, 2, n)
    >>> cured = rng.random(n) < 1 - 1 / (1 + np.exp(-(0.5 - 1.0 * x)))
    >>> t = np.where(cured, np.inf, 12 * rng.weibull(1.3, n) * np.exp(-0.5 * x / 1.3))   # log HR 0.5
    >>> f = pd.DataFrame({'duration': np.minimum(t, 120), 'event': (t <= 120).astype(int), 'x': x})
    >>> fit = survival.CoxMixtureCure(['x'], n_boot=20).fit(f)
    >>> fit.params_.round(1).tolist()   # truth 0.5, -1.0, 0.5 (bootstrap error of the last: 0.06)
    [0.4, -0.9, 0.6]
    >>> round(fit.cure_fraction_, 2), fit.followup_.sufficient
    (0.51, True)
    """

    def __init__(self, covariates: Sequence[str] = (), incidence: Sequence[str] | None = None,
                 n_boot: int = 100, seed: int = 0, resample: str = "customers", followup: str = "warn",
                 alpha: float = 0.05, tol: float = 1e-8, max_iter: int = 500) -> None:
        self.covariates = covariates
        self.incidence = incidence
        self.n_boot = n_boot
        self.seed = seed
        self.resample = resample
        self.followup = followup
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, frame: pd.DataFrame) -> CoxMixtureCure:
        """Fit by EM, then bootstrap the standard errors.

        Parameters
        ----------
        frame : DataFrame
            One row per customer: ``duration`` (0 or more), ``event`` (1 = left, 0 = censored), the covariates.

        Returns
        -------
        CoxMixtureCure
            ``self``, fitted.
        """
        caller = "CoxMixtureCure.fit"
        if isinstance(self.n_boot, bool) or not isinstance(self.n_boot, (int, np.integer)) or self.n_boot < 0 \
                or self.n_boot == 1:
            raise ParameterError(f"{caller}: n_boot must be 0 (no standard errors) or an integer of 2 or more, "
                                 f"got {self.n_boot!r}")
        if self.resample not in ("customers", "by_status"):
            raise ParameterError(f"{caller}: resample must be 'customers' or 'by_status', got {self.resample!r}")
        if not (self.tol > 0 and int(self.max_iter) >= 1):
            raise ParameterError(f"{caller}: tol must be above 0 and max_iter at least 1, got {self.tol!r}, "
                                 f"{self.max_iter!r}")
        t, e = _events(frame, caller)
        if e.all():
            raise ValidationError(f"{caller}: column 'event': all {e.size} rows are exits (event 1); with no one "
                                  "censored nobody can be cured, so there is no cure fraction to estimate")
        test = _check_followup(frame, self.alpha, self.followup, caller,
                               "the zero-tail constraint of the baseline (S_u = 0 after the last exit)")
        lat = _Design(frame, list(self.covariates), caller)
        inc = _Design(frame, list(self.covariates if self.incidence is None else self.incidence), caller)
        Z, X = inc.matrix, lat.matrix[:, 1:]
        data = _CoxData(t, e, Z, X)
        g0 = _logit_step(Z, e.astype(float), np.zeros(Z.shape[1]))  # smcure's start: the exits as the uncured
        b0 = _cox_step(data, data.e.astype(float), np.zeros(X.shape[1]))
        g, b, H0, w, n_iter, ok = _em(data, g0, b0, float(self.tol), int(self.max_iter))
        if not ok:
            warnings.warn(f"{caller}: EM did not converge in {int(self.max_iter)} iterations (tol {self.tol:g}); "
                          "raise max_iter", DataWarning, stacklevel=2)
        names = [f"incidence:{c}" for c in inc.names] + [f"latency:{c}" for c in lat.names[1:]]
        estimate = np.concatenate([g, b])
        boot = self._bootstrap(t, e, Z, X, g, b)
        if boot.shape[0]:
            vcov = np.atleast_2d(np.cov(boot[:, :-1], rowvar=False))
            se = np.sqrt(np.diag(vcov))
            cure_se = float(np.std(boot[:, -1], ddof=1))
        else:
            vcov = np.full((estimate.size, estimate.size), np.nan)
            se = np.full(estimate.size, np.nan)
            cure_se = np.nan
        table = parameter_table(pd.Series(estimate, index=names), se, self.alpha)
        table["part"] = ["incidence"] * Z.shape[1] + ["latency"] * X.shape[1]
        z = stats.norm.ppf(1 - self.alpha / 2)
        cure = float((1 - expit(Z @ g)).mean())
        self._inc, self._lat, self._table = inc, lat, table
        self.params_ = table["estimate"].copy()
        self.vcov_ = pd.DataFrame(vcov, index=names, columns=names)
        self.bootstrap_ = pd.DataFrame(boot, columns=[*names, "cure_fraction"]).rename_axis("resample")
        self.baseline_cumulative_hazard_ = pd.Series(H0, index=pd.Index(data.event_times, name="time"),
                                                     name="baseline_cumulative_hazard")
        weights = np.empty(t.size)
        weights[data.order] = w
        self.weights_ = pd.Series(weights, index=frame.index, name="uncured_weight")
        self.cure_fraction_ = cure
        self.cure_fraction_ci_ = (max(cure - z * cure_se, 0.0), min(cure + z * cure_se, 1.0))
        self.followup_ = test
        self.n_iter_ = int(n_iter)
        self.converged_ = bool(ok)
        self.n_obs_ = int(t.size)
        self.n_events_ = int(e.sum())
        self.covariates_ = lat.names[1:]
        self.incidence_covariates_ = inc.names
        return self

    def _bootstrap(self, t: np.ndarray, e: np.ndarray, Z: np.ndarray, X: np.ndarray, g: np.ndarray,
                   b: np.ndarray) -> np.ndarray:
        """Estimates and cure fraction per resample, each EM started at the estimates."""
        rng = np.random.default_rng(self.seed)
        strata = [np.flatnonzero(e == 1), np.flatnonzero(e == 0)] if self.resample == "by_status" \
            else [np.arange(e.size)]
        rows = []
        for _ in range(int(self.n_boot)):
            i = np.concatenate([rng.choice(s, s.size) for s in strata])
            data = _CoxData(t[i], e[i], Z[i], X[i])
            gb, bb, *_ = _em(data, g, b, float(self.tol), int(self.max_iter))
            rows.append(np.concatenate([gb, bb, [float((1 - expit(Z[i] @ gb)).mean())]]))
        return np.array(rows).reshape(len(rows), g.size + b.size + 1)

    def _parts(self, profiles: pd.DataFrame, caller: str) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "params_", caller)
        theta = self.params_.to_numpy()
        kz = len(self.incidence_covariates_)
        pi = expit(self._inc.apply(profiles, f"CoxMixtureCure.{caller}") @ theta[:kz])
        lin = self._lat.apply(profiles, f"CoxMixtureCure.{caller}")[:, 1:] @ theta[kz:]
        return pi, lin

    def _latency(self, times: np.ndarray, lin: np.ndarray) -> np.ndarray:
        """S_u(t | x) at ``times`` (rows) per profile (columns): a step function, 0 after the last exit."""
        H = self.baseline_cumulative_hazard_
        k = np.searchsorted(H.index.to_numpy(), times, side="right") - 1
        h = np.where(k >= 0, H.to_numpy()[np.maximum(k, 0)], 0.0)
        s = np.exp(-h[:, None] * np.exp(lin)[None, :])
        return np.where((times > H.index[-1])[:, None], 0.0, s)



def cox_mixture_cure(frame: pd.DataFrame, covariates: Sequence[str] = (), incidence: Sequence[str] | None = None,
                     n_boot: int = 100, seed: int = 0, followup: str = "warn", alpha: float = 0.05
                     ) -> CoxMixtureCure:
    """Fit a semi-parametric (Cox latency) mixture cure model (:class:`CoxMixtureCure`) in one call.

    Parameters
    ----------
    frame : DataFrame
        ``duration`` (0 or more), ``event`` (1 = left, 0 = censored), the covariates.
    covariates : sequence of str, default ()
        Latency covariates.
    incidence : sequence of str or None, optional
        Incidence covariates; None: the same as ``covariates``.
    n_boot : int, default 100
        Bootstrap resamples of the standard errors; 0: none.
    seed : int, default 0
        Seed of the bootstrap.
    followup : {"warn", "raise", "ignore"}, default "warn"
        What to do when follow-up is too short to identify the cure fraction.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    CoxMixtureCure
        The fitted model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import survival
    >>> rng = np.random.default_rng(6); cured = rng.random(1000) < 0.25
    >>> t = np.where(cured, np.inf, rng.weibull(1.2, 1000) * 8)
    >>> f = pd.DataFrame({'duration': np.minimum(t, 80), 'event': (t <= 80).astype(int)})
    >>> round(survival.cox_mixture_cure(f, n_boot=0).cure_fraction_, 2)   # truth 0.25
    0.24
    """
    return CoxMixtureCure(covariates, incidence, n_boot, seed, followup=followup, alpha=alpha).fit(frame)
