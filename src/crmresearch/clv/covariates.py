"""Pareto/NBD and BG/NBD with time-invariant covariates on the purchase and dropout rates (Fader &
Hardie 2007, "Incorporating time-invariant covariates into the Pareto/NBD and BG/NBD models").

Customer i's covariates z_i scale the gamma and beta mixing distributions: the purchase rate's gamma
scale ``alpha_i = alpha0 exp(-gamma_purchase' z_i)`` in both models (a positive coefficient raises the
mean rate r / alpha_i); the Pareto/NBD's dropout rate scale ``beta_i = beta0 exp(-gamma_dropout' z_i)``
(a positive coefficient raises the mean dropout rate s / beta_i); the BG/NBD's dropout probability
``a_i = a0 exp(gamma_a' z_i)``, ``b_i = b0 exp(gamma_b' z_i)`` (the note's form; CLVTools ties
gamma_b = gamma_a). Each customer's likelihood is the model's own with its alpha_i, beta_i (a_i, b_i);
the fit runs on the distinct (x, t_x, T, z) rows with weights, on the one maximum-likelihood core
(:func:`crmresearch.core.mle.minimise`), and is tested by the likelihood ratio against the model
without covariates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.special import betaln, chdtrc, gammaln, hyp2f1, ndtri

from ..core.base import Estimator, parameter_table
from ..core.design import design_matrix
from ..core.mle import hessian, invert, minimise
from ..errors import DataWarning, ValidationError
from ._base import per_customer
from .bgnbd import BetaGeoNBD, check_frequency_recency_age, check_identifiable
from .paretonbd import ParetoNBD, log_hyp2f1_c_a1

__all__ = ["BetaGeoNBDCovariates", "ParetoNBDCovariates"]

#: Step of the per-customer central differences in the log of each customer's four parameters.
_STEP = 1e-5


def _pnbd_log_a0(r, alpha, s, beta, x, tx, T) -> np.ndarray:
    """ln A0 of Fader, Hardie & Lee (2005, note 009) eqs. (19)-(20) with alpha and beta per customer."""
    r, alpha, s, beta, x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                                        for v in (r, alpha, s, beta, x, tx, T)))
    out = np.empty(x.shape)
    rsx = r + s + x
    # beta >> T (the way to no dropout): (beta + y)^-(s+1) is constant on (t_x, T]; A0 in closed form
    flat = (s + 1) * (T - tx) < 1e-5 * (beta + tx)
    if flat.any():
        k = (r + x)[flat]
        span = np.log(alpha[flat] + T[flat]) - np.log(alpha[flat] + tx[flat])
        with np.errstate(divide="ignore", invalid="ignore"):
            part = np.where(np.abs(k - 1) < 1e-12, np.log(span), np.log(-np.expm1((1 - k) * span) / (k - 1)))
        out[flat] = (-(s[flat] + 1) * np.log(beta[flat] + (tx[flat] + T[flat]) / 2)
                     + (1 - k) * np.log(alpha[flat] + tx[flat]) + part)
    rest = ~flat
    if rest.any():
        a_, b_, s_, q, c = alpha[rest], beta[rest], s[rest], rsx[rest], (r + x)[rest]
        big = np.maximum(a_, b_)
        b2 = np.where(a_ >= b_, s_ + 1.0, c)
        diff = np.abs(a_ - b_)
        l1 = log_hyp2f1_c_a1(q, b2, diff / (big + tx[rest])) - q * np.log(big + tx[rest])
        l2 = log_hyp2f1_c_a1(q, b2, diff / (big + T[rest])) - q * np.log(big + T[rest])
        with np.errstate(divide="ignore", invalid="ignore"):
            out[rest] = l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))
    return out


def _pnbd_rows(p: tuple, x, tx, T) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer Pareto/NBD log-likelihood (FHL 2005 note eq. 18) and its 'alive at T' part."""
    r, alpha, s, beta = p
    front = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = front - (r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = front + np.log(s) - np.log(r + s + x) + _pnbd_log_a0(r, alpha, s, beta, x, tx, T)
    return np.logaddexp(alive, dead), alive


def _bgnbd_rows(p: tuple, x, tx, T) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer BG/NBD log-likelihood (FHL 2005 eq. 6, in logs) and its 'alive at T' part."""
    r, alpha, a, b = p
    alive = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
             - (r + x) * np.log(alpha + T))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(x > 0, np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0))
                     + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)), -np.inf)
    return alive + np.logaddexp(0.0, d), alive


class _CovariateModel(Estimator):
    """Shared fit, standard errors, summary and LR test of the covariate models.

    A subclass names its four population parameters (``_names``), which of them covariates move
    (``_moved``: parameter -> (coefficient block, sign of the exponent)), the per-customer likelihood
    (``_rows``) and the model without covariates (``_plain``)."""

    _names: tuple[str, str, str, str] = ("", "", "", "")
    _moved: dict[str, tuple[str, float]] = {}  # noqa: RUF012 - a class-level table, never mutated
    _blocks: dict[str, str] = {}  # noqa: RUF012 - coefficient block -> "purchase" or "dropout" covariates
    _rows: Callable = staticmethod(_pnbd_rows)
    _plain: type = ParetoNBD

    def __init__(self, purchase: Sequence[str] | None = None, dropout: Sequence[str] | None = None,
                 alpha: float = 0.05, max_iter: int = 2000) -> None:
        self.purchase = purchase
        self.dropout = dropout
        self.alpha = alpha
        self.max_iter = max_iter

    # design ------------------------------------------------------------------------------
    def _columns(self, X: pd.DataFrame, which: str) -> list[str]:
        cols = self.purchase if which == "purchase" else self.dropout
        return list(X.columns) if cols is None else list(cols)

    def _design(self, X: pd.DataFrame, caller: str) -> dict[str, pd.DataFrame]:
        """The encoded covariates of each process (:func:`crmresearch.core.design_matrix`, no intercept:
        alpha0, beta0 are the baseline); collinear columns refused, constant ones returned (held at 0)."""
        if not isinstance(X, pd.DataFrame):
            raise ValidationError(f"{caller}: X must be a DataFrame of covariates; got {type(X).__name__}")
        out = {}
        for which in ("purchase", "dropout"):
            cols = self._columns(X, which)
            if not cols:
                out[which] = pd.DataFrame(index=X.index)
                continue
            D = design_matrix(X, cols, caller, check=False)
            varying = [c for c in D.columns if D[c].nunique() > 1]
            if varying:  # refuses perfectly collinear varying columns
                design_matrix(D[varying], varying, caller, check=True)
            out[which] = D
        return out

    def _design_like(self, X: pd.DataFrame, caller: str) -> dict[str, np.ndarray]:
        """The fitted design's columns for new rows (a category unseen in fit is an error)."""
        self._check_fitted(caller, "params_")
        if not isinstance(X, pd.DataFrame):
            raise ValidationError(f"{caller}: X must be a DataFrame of covariates; got {type(X).__name__}")
        out = {}
        for which, names in self.covariates_.items():
            parts = []
            for col in names:
                if col in X.columns:
                    parts.append(X[col].astype(float).to_numpy())
                    continue
                source = next((c for c in X.columns if col.startswith(f"{c}_")), None)
                if source is None:
                    raise ValidationError(f"{caller}: covariate '{col}' ({which}) not in X; X needs the columns "
                                          "the model was fitted on")
                parts.append((X[source].astype(str) == col[len(source) + 1:]).astype(float).to_numpy())
            out[which] = np.column_stack(parts) if parts else np.zeros((len(X), 0))
        return out

    # the likelihood ------------------------------------------------------------------------
    def _individual(self, free: np.ndarray, Z: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Log of each customer's four parameters from the free vector (log base parameters, then the
        coefficients block by block)."""
        logs = [np.full(Z["purchase"].shape[0], free[j]) for j in range(4)]
        for j, name in enumerate(self._names):
            if name in self._moved:
                block, sign = self._moved[name]
                idx = self._slices[block]
                Zb = Z[self._blocks[block]][:, self._free_cols[block]]
                logs[j] = logs[j] + sign * (Zb @ free[idx])
        return logs

    def _negloglik(self, free: np.ndarray) -> tuple[float, np.ndarray]:
        x, tx, T, w, Z = self._data
        logs = self._individual(free, Z)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll = type(self)._rows(tuple(np.exp(v) for v in logs), x, tx, T)[0]
            total = float(w @ ll)
            if not np.isfinite(total):
                return np.inf, np.zeros_like(free)
            # per customer: d ll_i / d log(theta_ij) by central differences, then the chain rule to the free vector
            d = []
            for j in range(4):
                up, dn = list(logs), list(logs)
                up[j] = logs[j] + _STEP
                dn[j] = logs[j] - _STEP
                lu = type(self)._rows(tuple(np.exp(v) for v in up), x, tx, T)[0]
                ld = type(self)._rows(tuple(np.exp(v) for v in dn), x, tx, T)[0]
                d.append(w * (lu - ld) / (2 * _STEP))
        g = np.zeros_like(free)
        for j, name in enumerate(self._names):
            g[j] = d[j].sum()
            if name in self._moved:
                block, sign = self._moved[name]
                Zb = Z[self._blocks[block]][:, self._free_cols[block]]
                g[self._slices[block]] = sign * (Zb.T @ d[j])
        if not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(free)
        return -total, -g

    # fit -----------------------------------------------------------------------------------
    def _fit(self, frequency, recency, T, X: pd.DataFrame, weights=None) -> _CovariateModel:
        """Maximum-likelihood fit with the covariates of ``X`` (one row per customer) (the subclasses' ``fit``).

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            Repeat purchases x, time of the last one t_x and age T (one time unit).
        X : DataFrame, shape (n_customers, n_covariates)
            Time-invariant covariates per customer (numbers, booleans, categories: treatment dummies, first
            level the reference); ``purchase`` and ``dropout`` name the columns of each process.
        weights : array-like, optional
            Customers each row stands for; None: 1 each.

        Returns
        -------
        self
            Fitted.

        Raises
        ------
        ValidationError
            Rows that break the (x, t_x, T) rules, X of another length, missing covariates, collinear covariates.
        """
        caller = f"{type(self).__name__}.fit"
        x, tx, T_, w = check_frequency_recency_age(frequency, recency, T, caller, weights)
        check_identifiable(x, T_, w, caller)
        if not isinstance(X, pd.DataFrame) or len(X) != x.size:
            raise ValidationError(f"{caller}: X must be a DataFrame with one row per customer ({x.size}); got "
                                  f"{len(X) if isinstance(X, pd.DataFrame) else type(X).__name__}")
        design = self._design(X.reset_index(drop=True), caller)
        self.covariates_ = {k: list(v.columns) for k, v in design.items()}
        Zp, Zd = design["purchase"].to_numpy(), design["dropout"].to_numpy()
        # the distinct (x, t_x, T, z) rows with summed weights: the likelihood is a sum over customers
        rows = np.column_stack([x, tx, T_, Zp, Zd])
        uniq, inv = np.unique(rows, axis=0, return_inverse=True)
        w = np.bincount(inv.ravel(), weights=w, minlength=len(uniq))
        kp = Zp.shape[1]
        Z = {"purchase": uniq[:, 3:3 + kp], "dropout": uniq[:, 3 + kp:]}
        self._data = (uniq[:, 0], uniq[:, 1], uniq[:, 2], w, Z)
        # coefficients of constant covariates are not identified apart from the baseline: held at 0, said once
        names, held, self._slices, self._free_cols = list(self._names), [], {}, {}
        pos = 4
        for block, which in self._blocks.items():
            cols = self.covariates_[which]
            varying = [j for j, _ in enumerate(cols) if np.ptp(Z[which][:, j]) > 0] if cols else []
            self._free_cols[block] = np.array(varying, dtype=int)
            self._slices[block] = np.arange(pos, pos + len(varying))
            pos += len(varying)
            names += [f"{block}:{c}" for c in cols]
            held += [f"{block}:{c}" for j, c in enumerate(cols) if j not in varying]
        if held:
            warnings.warn(f"{caller}: covariate(s) constant in these data, their coefficient(s) held at 0 (not "
                          f"identified apart from the baseline; standard error NaN): {', '.join(held)}",
                          DataWarning, stacklevel=2)
        n_obs = round(float(w.sum()))
        try:
            plain = self._fit_plain(x, tx, T_, weights)
            x0 = np.r_[np.log(plain.params_.to_numpy(dtype=float)), np.zeros(pos - 4)]
            opt = minimise(self._negloglik, x0, caller=caller, max_iter=self.max_iter, ftol=1e-12,
                           gtol=1e-6 * np.sqrt(max(n_obs, 1)), maxcor=20)
            H = hessian(lambda v: self._negloglik(v)[1], opt.x, 1e-4)
        finally:
            self.__dict__.pop("_data", None)
        free_names = list(self._names) + [f"{b}:{self.covariates_[self._blocks[b]][j]}"
                                          for b in self._blocks for j in self._free_cols[b]]
        est = pd.Series(0.0, index=pd.Index(names, name="parameter"), name="estimate")
        natural = np.r_[np.exp(opt.x[:4]), opt.x[4:]]
        est[free_names] = natural
        self.params_ = est
        cov_free = invert(H)
        J = np.r_[np.exp(opt.x[:4]), np.ones(opt.x.size - 4)]  # d natural / d free
        V = pd.DataFrame(np.nan, index=names, columns=names)
        V.loc[free_names, free_names] = cov_free * np.outer(J, J)
        self.variance_matrix_ = V
        self.log_likelihood_ = float(-opt.fun)
        self.n_obs_ = int(n_obs)
        k = len(free_names)
        self.aic_ = float(2 * k - 2 * self.log_likelihood_)
        self.bic_ = float(k * np.log(max(n_obs, 1)) - 2 * self.log_likelihood_)
        self.n_iter_ = int(opt.n_iter)
        stat = max(0.0, 2 * (self.log_likelihood_ - plain.log_likelihood_))
        df = k - 4
        self.lr_test_ = {"statistic": float(stat), "df": int(df), "p_value": float(chdtrc(df, stat)) if df else 1.0,
                         "restricted_log_likelihood": float(plain.log_likelihood_)}
        return self

    def _fit_plain(self, x, tx, T, weights):
        """The model without covariates on the same customers: the start and the LR test's restricted fit."""
        return self._plain().fit(x, tx, T, weights=weights)

    def _summary(self) -> pd.DataFrame:
        """Estimate, standard error, interval, z and p per parameter: log-scale intervals for the four
        positive parameters (never below 0), Wald intervals for the coefficients."""
        est = self.params_.to_numpy(dtype=float)
        se = np.sqrt(np.clip(np.diag(self.variance_matrix_.to_numpy()), 0, None))
        z = ndtri(1 - self.alpha / 2)
        lo, hi = est - z * se, est + z * se
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.exp(z * se[:4] / est[:4])
        lo[:4], hi[:4] = est[:4] / spread, est[:4] * spread
        return parameter_table(self.params_, se, self.alpha, ci_lower=lo, ci_upper=hi)

    # predictions ---------------------------------------------------------------------------
    def individual_parameters(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each customer's four parameters given its covariates (e.g. ``alpha`` = alpha0 exp(-gamma' z)).

        Parameters
        ----------
        X : DataFrame
            Covariates per customer, the columns of ``fit``.

        Returns
        -------
        DataFrame
            One column per parameter of the model without covariates, on ``X``'s index.
        """
        Z = self._design_like(X, "individual_parameters")
        p = self.params_
        out = {}
        for name in self._names:
            v = np.full(len(X), np.log(p[name]))
            if name in self._moved:
                block, sign = self._moved[name]
                g = p[[f"{block}:{c}" for c in self.covariates_[self._blocks[block]]]].to_numpy(dtype=float)
                v = v + sign * (Z[self._blocks[block]] @ g)
            out[name] = np.exp(v)
        return pd.DataFrame(out, index=X.index)

    def _per(self, X, n: int, caller: str) -> tuple[np.ndarray, ...]:
        if not isinstance(X, pd.DataFrame) or len(X) != n:
            raise ValidationError(f"{type(self).__name__}.{caller}: X must be a DataFrame with one row per customer "
                                  f"({n})")
        P = self.individual_parameters(X)
        return tuple(P[name].to_numpy() for name in self._names)

    def _history(self, frequency, recency, T, caller: str) -> tuple[np.ndarray, ...]:
        return check_frequency_recency_age(frequency, recency, T, f"{type(self).__name__}.{caller}")[:3]

    def log_likelihood(self, frequency, recency, T, X: pd.DataFrame) -> float:
        """Log-likelihood of customers with covariates ``X`` at the fitted parameters.

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T as in :meth:`fit`.
        X : DataFrame
            Their covariates.

        Returns
        -------
        float
            Total log-likelihood.
        """
        x, tx, T = self._history(frequency, recency, T, "log_likelihood")
        return float(type(self)._rows(self._per(X, x.size, "log_likelihood"), x, tx, T)[0].sum())

    def probability_alive(self, frequency, recency, T, X: pd.DataFrame) -> pd.Series | np.ndarray:
        """P(alive at T | x, t_x, T, z) per customer, with each customer's own parameters.

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).
        X : DataFrame
            Covariates per customer.

        Returns
        -------
        Series or ndarray
            P(alive) per customer (0-1), on the customers' index when ``frequency`` is a Series.
        """
        x, tx, T = self._history(frequency, recency, T, "probability_alive")
        ll, alive = type(self)._rows(self._per(X, x.size, "probability_alive"), x, tx, T)
        return per_customer(np.exp(alive - ll), frequency, "probability_alive")


class ParetoNBDCovariates(_CovariateModel):
    """Pareto/NBD with time-invariant covariates: ``alpha_i = alpha0 exp(-gamma_p' z_i)`` (purchase),
    ``beta_i = beta0 exp(-gamma_d' z_i)`` (dropout); Fader & Hardie (2007).

    A positive purchase coefficient raises the customer's mean purchase rate r / alpha_i by the factor
    exp(gamma_p) per unit of the covariate; a positive dropout coefficient raises the mean dropout rate
    s / beta_i likewise. The gradient is by central differences per customer in the log of alpha_i, beta_i,
    r and s (8 likelihood evaluations for any number of covariates); standard errors from the observed
    information; ``lr_test_`` against :class:`~crmresearch.clv.ParetoNBD` on the same customers.

    Parameters
    ----------
    purchase : sequence of str or None, optional
        Columns of ``X`` on the purchase rate; None: every column; [] none.
    dropout : sequence of str or None, optional
        Columns of ``X`` on the dropout rate; None: every column; [] none.
    alpha : float, default 0.05
        Significance level of the intervals in ``summary``.
    max_iter : int, default 2000
        Most optimiser iterations.

    Attributes
    ----------
    params_ : Series: "r", "alpha" (alpha0), "s", "beta" (beta0), "purchase:<covariate>", "dropout:<covariate>"
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value
    variance_matrix_ : DataFrame; log_likelihood_, aic_, bic_ : float; n_obs_, n_iter_ : int
    covariates_ : dict, the encoded columns of each process
    lr_test_ : dict, likelihood-ratio test against the Pareto/NBD without covariates: statistic, df, p_value,
        restricted_log_likelihood

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD
    and BG/NBD models. http://brucehardie.com/notes/019/.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import clv
    >>> rng = np.random.default_rng(1); z = rng.integers(0, 2, 600).astype(float)
    >>> lam = rng.gamma(0.8, 1 / (8.0 * np.exp(-0.7 * z))); tau = rng.exponential(1 / rng.gamma(0.6, 1 / 10.0, 600))
    >>> T = np.full(600, 52.0); n = rng.poisson(lam * np.minimum(tau, T))
    >>> tx = np.where(n > 0, np.minimum(tau, T) * rng.beta(np.maximum(n, 1), 1), 0.0)
    >>> m = clv.ParetoNBDCovariates(dropout=[]).fit(n, tx, T, pd.DataFrame({'z': z}))
    >>> m.params_.index.tolist(), m.lr_test_['df']
    (['r', 'alpha', 's', 'beta', 'purchase:z'], 1)
    """

    _names = ("r", "alpha", "s", "beta")
    _moved = {"alpha": ("purchase", -1.0), "beta": ("dropout", -1.0)}  # noqa: RUF012
    _blocks = {"purchase": "purchase", "dropout": "dropout"}  # noqa: RUF012
    _rows = staticmethod(_pnbd_rows)
    _plain = ParetoNBD

    def fit(self, frequency, recency, T, X: pd.DataFrame, weights=None) -> ParetoNBDCovariates:
        """Maximum-likelihood fit with the covariates of ``X`` (one row per customer).

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            Repeat purchases x, time of the last one t_x and age T (one time unit).
        X : DataFrame, shape (n_customers, n_covariates)
            Time-invariant covariates per customer.
        weights : array-like, optional
            Customers each row stands for; None: 1 each.

        Returns
        -------
        ParetoNBDCovariates
            ``self``, fitted.
        """
        return self._fit(frequency, recency, T, X, weights)

    def expected_purchases(self, t, frequency, recency, T, X: pd.DataFrame) -> pd.Series | np.ndarray:
        """Expected repeat purchases in (T, T + t] given the history and the covariates; FHL (2005 note)
        eq. (41) with alpha_i, beta_i.

        Parameters
        ----------
        t : float or array-like, shape (n_customers,)
            Horizon (time units).
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).
        X : DataFrame
            Covariates per customer.

        Returns
        -------
        Series or ndarray
            Expected repeat purchases per customer (count).
        """
        x, tx, T = self._history(frequency, recency, T, "expected_purchases")
        r, alpha, s, beta = self._per(X, x.size, "expected_purchases")
        t = _horizon(t, x.size, "ParetoNBDCovariates.expected_purchases")
        ll, alive = _pnbd_rows((r, alpha, s, beta), x, tx, T)
        q = np.log(beta + T) - np.log(beta + T + t)
        tail = -q if abs(s[0] - 1) < 1e-12 else -np.expm1((s - 1) * q) / (s - 1)
        out = np.exp(alive - ll) * (r + x) * (beta + T) / (alpha + T) * tail
        return per_customer(out, frequency, "expected_purchases")

    def expected_purchases_new(self, t, X: pd.DataFrame) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer just acquired with covariates ``X``; FHL (2005
        note) eq. (27) with alpha_i, beta_i.

        Parameters
        ----------
        t : float or array-like
            Horizon (time units), broadcast against the rows of ``X``.
        X : DataFrame
            Covariates of the new customers.

        Returns
        -------
        ndarray
            Expected repeat purchases per row of ``X`` (count).
        """
        r, alpha, s, beta = self._per(X, len(X), "expected_purchases_new")
        t = np.asarray(t, dtype=float)
        q = np.log(beta) - np.log(beta + t)
        tail = -q if abs(s[0] - 1) < 1e-12 else -np.expm1((s - 1) * q) / (s - 1)
        return r * beta / alpha * tail


class BetaGeoNBDCovariates(_CovariateModel):
    """BG/NBD with time-invariant covariates: ``alpha_i = alpha0 exp(-gamma_p' z_i)`` (purchase),
    ``a_i = a0 exp(gamma_a' z_i)`` and ``b_i = b0 exp(gamma_b' z_i)`` (dropout after a purchase, p ~
    Beta(a_i, b_i)); Fader & Hardie (2007).

    The dropout covariates enter a and b with their own coefficients (the note's form); the mean dropout
    probability a_i / (a_i + b_i) rises with gamma_a - gamma_b. CLVTools' ``bgnbd`` ties gamma_b = gamma_a.
    Gradient, standard errors and ``lr_test_`` (against :class:`~crmresearch.clv.BetaGeoNBD`) as
    :class:`ParetoNBDCovariates`.

    Parameters
    ----------
    purchase : sequence of str or None, optional
        Columns of ``X`` on the purchase rate; None: every column; [] none.
    dropout : sequence of str or None, optional
        Columns of ``X`` on the dropout probability (both a and b); None: every column; [] none.
    alpha : float, default 0.05
        Significance level of the intervals in ``summary``.
    max_iter : int, default 2000
        Most optimiser iterations.

    Attributes
    ----------
    params_ : Series: "r", "alpha" (alpha0), "a" (a0), "b" (b0), "purchase:<covariate>", "dropout_a:<covariate>",
        "dropout_b:<covariate>"
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value
    variance_matrix_ : DataFrame; log_likelihood_, aic_, bic_ : float; n_obs_, n_iter_ : int
    covariates_ : dict, the encoded columns of each process
    lr_test_ : dict, likelihood-ratio test against the BG/NBD without covariates

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD
    and BG/NBD models. http://brucehardie.com/notes/019/.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import clv
    >>> sim = clv.simulate_bgnbd(800, r=0.5, alpha=6.0, a=0.8, b=3.0, T=52.0, seed=1)
    >>> X = pd.DataFrame({'web': np.arange(800) % 2 == 0})
    >>> m = clv.BetaGeoNBDCovariates(dropout=[]).fit(sim['frequency'], sim['recency'], sim['T'], X)
    >>> m.params_.index.tolist()
    ['r', 'alpha', 'a', 'b', 'purchase:web']
    """

    _names = ("r", "alpha", "a", "b")
    _moved = {"alpha": ("purchase", -1.0), "a": ("dropout_a", 1.0), "b": ("dropout_b", 1.0)}  # noqa: RUF012
    _blocks = {"purchase": "purchase", "dropout_a": "dropout", "dropout_b": "dropout"}  # noqa: RUF012
    _rows = staticmethod(_bgnbd_rows)
    _plain = BetaGeoNBD

    def fit(self, frequency, recency, T, X: pd.DataFrame, weights=None) -> BetaGeoNBDCovariates:
        """Maximum-likelihood fit with the covariates of ``X`` (one row per customer).

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            Repeat purchases x, time of the last one t_x and age T (one time unit).
        X : DataFrame, shape (n_customers, n_covariates)
            Time-invariant covariates per customer.
        weights : array-like, optional
            Customers each row stands for; None: 1 each.

        Returns
        -------
        BetaGeoNBDCovariates
            ``self``, fitted.
        """
        return self._fit(frequency, recency, T, X, weights)

    def expected_purchases(self, t, frequency, recency, T, X: pd.DataFrame) -> pd.Series | np.ndarray:
        """Expected repeat purchases in (T, T + t] given the history and the covariates; FHL (2005) eq. (10)
        with alpha_i, a_i, b_i.

        Parameters
        ----------
        t : float or array-like, shape (n_customers,)
            Horizon (time units).
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).
        X : DataFrame
            Covariates per customer.

        Returns
        -------
        Series or ndarray
            Expected repeat purchases per customer (count).
        """
        x, tx, T = self._history(frequency, recency, T, "expected_purchases")
        r, alpha, a, b = self._per(X, x.size, "expected_purchases")
        t = _horizon(t, x.size, "BetaGeoNBDCovariates.expected_purchases")
        ll, alive = _bgnbd_rows((r, alpha, a, b), x, tx, T)
        num = (a + b + x - 1) / (a - 1) * (
            1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        return per_customer(num * np.exp(alive - ll), frequency, "expected_purchases")

    def expected_purchases_new(self, t, X: pd.DataFrame) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer just acquired with covariates ``X``; FHL (2005)
        eq. (9) with alpha_i, a_i, b_i.

        Parameters
        ----------
        t : float or array-like
            Horizon (time units), broadcast against the rows of ``X``.
        X : DataFrame
            Covariates of the new customers.

        Returns
        -------
        ndarray
            Expected repeat purchases per row of ``X`` (count).
        """
        r, alpha, a, b = self._per(X, len(X), "expected_purchases_new")
        t = np.asarray(t, dtype=float)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def _horizon(t, n: int, caller: str) -> np.ndarray:
    """A horizon: one number or one per customer, finite and >= 0."""
    t = np.asarray(t, dtype=float)
    if t.ndim > 1 or (t.ndim == 1 and t.shape != (n,)):
        raise ValidationError(f"{caller}: the horizon t must be one number or one per customer ({n}); "
                              f"got shape {t.shape}")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise ValidationError(f"{caller}: {int(bad.sum())} of {t.size} horizons are negative or not finite; "
                              "t is a time ahead, in the fitted time unit, >= 0")
    return t

