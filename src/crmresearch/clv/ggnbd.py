"""Gamma-Gompertz/NBD model of repeat purchasing with a dropout hazard that changes with age (Bemmaor &
Glady 2012)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from ..core.mle import blas_threads
from ._base import BaseFitter, Limit, per_customer
from .bgnbd import (
    MEAN_BOUND,
    MEAN_LIMIT,
    MEAN_SUSPECT,
    check_frequency_recency_age,
    check_identifiable,
    compress_rows,
    mean_limit,
    same_rate,
    shape_limit,
)
from .paretonbd import _horizon

__all__ = ["GammaGompertzNBD", "simulate_ggnbd"]

#: Gauss-Legendre nodes of the integrals over the lifetime (exact for polynomials of degree 127; the
#: integrands are smooth after the substitution of :func:`_nodes`, and the tests hold them to 1e-10).
NODES = 64
_GL_X, _GL_W = np.polynomial.legendre.leggauss(NODES)


def _log_gompertz(b: float, beta: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L = ln(beta + e^(b t) - 1) without overflow (b t large) or cancellation (b t small), with
    e^(b t - L) and e^-L (the derivatives of L in b / t and in beta)."""
    bt = b * np.asarray(t, dtype=float)
    em = np.expm1(np.minimum(bt, 700.0))
    G = beta + em
    L, inv = np.log(G), 1.0 / G
    ebt = (1.0 + em) * inv
    big = bt > 700.0
    if big.any():  # e^(b t) overflows: L = b t + ln(1 + (beta - 1) e^-(b t))
        L = np.where(big, bt + np.log1p((beta - 1.0) * np.exp(-np.minimum(bt, 1e300))), L)
        inv = np.where(big, np.exp(-L), inv)
        ebt = np.where(big, np.exp(bt - L), ebt)
    return L, ebt, inv


def _nodes(r: float, alpha: float, x: np.ndarray, tx: np.ndarray,
           T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quadrature nodes tau (n, NODES) on (t_x, T), the log of their weights for int (alpha + tau)^-(r+x) h(tau)
    and ln(alpha + tau) there.

    In v = ln(alpha + tau) the power is e^((1 - k) v) (k = r + x) and the weight absorbs it; where it decays by
    more than e^-80 across (t_x, T) (many purchases) the interval ends there (the rest weighs < e^-80 of the
    integral; h varies by far less), so the 64 nodes see an exponential over at most 80 of its scale lengths,
    which Gauss-Legendre integrates to ~1e-40."""
    k = (r + x)[:, None]
    lo, hi = np.log(alpha + tx)[:, None], np.log(alpha + T)[:, None]
    with np.errstate(divide="ignore"):
        hi = np.minimum(hi, lo + 80.0 / np.maximum(k - 1.0, 0.0))
        lv = lo + (hi - lo) * (_GL_X[None, :] + 1) / 2
        lw = np.log(_GL_W / 2)[None, :] + np.log(hi - lo) + (1 - k) * lv
    tau = np.minimum(np.maximum(np.exp(lv) - alpha, tx[:, None]), T[:, None])
    return tau, lw, lv


def _log_lik(p: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
             grad: bool = False) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Per-customer log-likelihood, Bemmaor & Glady (2012) eq. (5), with the lifetime integral
    int_tx^T (alpha + tau)^-(r+x) b e^(b tau) (beta + e^(b tau) - 1)^-(s+1) dtau by quadrature in log space;
    optionally its gradient in (r, alpha, b, s, beta), shape (n, 5). Also returns the 'alive at T' term."""
    r, alpha, b, s, beta = p
    const = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    LT, ebT, invT = _log_gompertz(b, beta, T)
    alive = -(r + x) * np.log(alpha + T) + s * (np.log(beta) - LT)
    tau, lw, la = _nodes(r, alpha, x, tx, T)
    Ltau, ebt, inv = _log_gompertz(b, beta, tau)
    terms = lw + b * tau - (s + 1) * Ltau
    top = terms.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(terms - top)
    tot = e.sum(axis=1)
    with np.errstate(divide="ignore"):
        lint = np.where(T > tx, top[:, 0] + np.log(tot), -np.inf)
    dead = np.log(b) + np.log(s) + s * np.log(beta) + lint
    mix = np.logaddexp(alive, dead)
    ll = const + mix
    if not grad:
        return ll, None, alive
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where((T > tx)[:, None], e / tot[:, None], 0.0)  # the quadrature's weights on the nodes
    g_dead = np.column_stack([
        -(q * la).sum(1), -(r + x) * (q / (alpha + tau)).sum(1),
        1 / b + (q * tau * (1 - (s + 1) * ebt)).sum(1),
        1 / s + np.log(beta) - (q * Ltau).sum(1), s / beta - (s + 1) * (q * inv).sum(1)])
    g_alive = np.column_stack([-np.log(alpha + T), -(r + x) / (alpha + T), -s * T * ebT,
                               np.log(beta) - LT, s / beta - s * invT])
    g_const = np.column_stack([digamma(r + x) - digamma(r) + np.log(alpha), np.full(x.size, r / alpha),
                               np.zeros(x.size), np.zeros(x.size), np.zeros(x.size)])
    w_alive = np.exp(alive - mix)
    w_dead = np.where(np.isfinite(dead), np.exp(dead - mix), 0.0)
    g_dead = np.where(w_dead[:, None] > 0, g_dead, 0.0)
    return ll, g_const + w_alive[:, None] * g_alive + w_dead[:, None] * g_dead, alive


def _survival_integral(b: float, s: float, beta: float, start: np.ndarray, t: np.ndarray) -> np.ndarray:
    """int_0^t P(alive at start + u | alive at start) du = int_0^t exp(s (L(start) - L(start + u))) du, with
    L(y) = ln(beta + e^(b y) - 1) (the gamma-mixed Gompertz survival past ``start``), by Gauss-Legendre."""
    start, t = np.broadcast_arrays(np.asarray(start, dtype=float), np.asarray(t, dtype=float))
    u = t[..., None] * (_GL_X + 1) / 2
    y = start[..., None] + u
    f = np.exp(s * (_log_gompertz(b, beta, start)[0][..., None] - _log_gompertz(b, beta, y)[0]))
    return (f * _GL_W).sum(-1) * t / 2


def _b_to_zero(p: pd.Series) -> str:
    return ("the dropout hazard does not change with age: the Gompertz lifetime reduces to the exponential and "
            f"GG/NBD to the Pareto/NBD with s = {p['s']:.4g} and beta = {p['beta'] / p['b']:.4g} (b is held at "
            "1e-30 and beta at b times that; b and beta are not identified apart)")


#: Where the likelihood is evaluated: shapes r and s up to VALID_SHAPE (the shape limits hold them at 1e6) and a
#: Gompertz growth b with b T up to VALID_GROWTH (the hazard rising e^500-fold over the window); beyond, +inf.
VALID_SHAPE, VALID_GROWTH = 1e9, 500.0


class GammaGompertzNBD(BaseFitter):
    """Gamma-Gompertz/NBD: while alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
    the lifetime is Gompertz, P(tau > t | eta) = exp(-eta (e^(b t) - 1)), with eta ~ Gamma(s, beta), so the
    dropout hazard eta b e^(b t) changes with age (b > 0: it rises); independent of lambda.

    As b -> 0 with beta / b fixed the model is the Pareto/NBD (:class:`ParetoNBD`) with its beta = beta / b.
    ``fit(frequency, recency, T)`` on the distinct (x, t_x, T) rows with weights; the integral over the
    lifetime has no closed form and is taken by 64-node Gauss-Legendre quadrature in ln(alpha + tau), in log
    space (customers with hundreds of purchases stay finite);
    the gradient differentiates under the integral with the same nodes.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary``.
    tol : float, default 1e-10
        Convergence tolerance of the optimiser.
    max_iter : int, default 2000
        Most optimiser iterations.

    Attributes
    ----------
    params_ : Series with "r", "alpha", "b", "s", "beta" (index ``parameter``; CLVTools' names and order)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, customers in the fit; variance_matrix_ : DataFrame; n_iter_ : int
    limits_ : tuple of str, the limits of the model the estimate is at (empty inside)

    References
    ----------
    Bemmaor, A. C. and Glady, N. (2012). Modeling purchasing behavior with sudden "death": a flexible
    customer lifetime model. Management Science 58(5), 1012-1021. Eqs. (5) likelihood, (7) P(alive),
    Table 2 (CDNOW).
    Adler, J. (2022). Comment on "Modeling purchasing behavior with sudden 'death'". Management Science 69(3),
    1929-1930 (the conditional expectation).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import clv
    >>> s = clv.simulate_ggnbd(800, 0.8, 8.0, 0.05, 1.0, 5.0, T=np.linspace(30, 80, 800), seed=1)
    >>> m = clv.GammaGompertzNBD().fit(s["frequency"], s["recency"], s["T"])
    >>> list(m.params_.index), m.limits_
    (['r', 'alpha', 'b', 's', 'beta'], ())
    >>> bool(0 < m.probability_alive(3, 40.0, 52.0) < 1)
    True
    """

    _param_names = ("r", "alpha", "b", "s", "beta")
    # fit coordinates at the edges: log r, log r/alpha (mean purchase rate), log s b/beta (mean dropout hazard
    # at acquisition), log s, log b (change of the hazard with age)
    _coordinates = ({"r": 1.0}, {"r": 1.0, "alpha": -1.0}, {"s": 1.0, "b": 1.0, "beta": -1.0}, {"s": 1.0},
                    {"b": 1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        0: shape_limit(same_rate),
        2: mean_limit(lambda p: "no dropout in these data: GG/NBD reduces to the NBD, P(alive) = 1 for everyone "
                      "(s b/beta is held at 1e-30; s and b are not identified)", (3, 4)),
        3: shape_limit(lambda p: "no heterogeneity in dropout: every customer has the same Gompertz hazard, "
                       f"{p['s'] / p['beta'] * p['b']:.4g} e^({p['b']:.4g} t) per time unit (the gamma mixing "
                       "distribution reduces to a point; s and beta are held at that limit)"),
        4: Limit(-1, MEAN_LIMIT, MEAN_BOUND, _b_to_zero, suspect=MEAN_SUSPECT),
    }

    def fit(self, frequency, recency, T, weights=None) -> GammaGompertzNBD:
        """Maximum-likelihood fit on the distinct (x, t_x, T) rows.

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        recency : array-like, shape (n_customers,)
            Time of the last repeat purchase t_x (time units; 0 without repeat purchases).
        T : array-like, shape (n_customers,)
            Age: time since the first purchase (time units).
        weights : array-like, optional
            Customers each row stands for; None: 1 each.

        Returns
        -------
        GammaGompertzNBD
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Rows that break the (x, t_x, T) rules, fewer than 20 customers, or no repeat purchase at all.
        """
        x, tx, T, w = check_frequency_recency_age(frequency, recency, T, "GammaGompertzNBD.fit", weights)
        check_identifiable(x, T, w, "GammaGompertzNBD.fit")
        self._rows = compress_rows(x, tx, T, w)
        try:
            with blas_threads(1):  # small BLAS calls: threads cost more than they give (core.mle.blas_threads)
                self._optimise(n_obs=round(float(w.sum())))
        finally:
            self.__dict__.pop("_rows", None)
        return self

    def _start(self) -> np.ndarray:
        x, _, T, w = self._rows
        mean_T = np.average(T, weights=w)
        rate = np.average(x, weights=w) / mean_T
        b = 1.0 / mean_T
        return np.log([1.0, 1.0 / max(rate, 1e-6), b, 1.0, b * mean_T])

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        x, tx, T, w = self._rows
        p = np.exp(log_params)
        if p[0] > VALID_SHAPE or p[3] > VALID_SHAPE or p[2] * T.max() > VALID_GROWTH:
            # outside the arithmetic's range: r ln(alpha) - (r + x) ln(alpha + T) cancels to 0 in floats beyond
            # r ~ 1e12 (a log-likelihood of 0 the optimiser took for the best), e^(b T) overflows; the shape limits
            # hold r and s at 1e6, so no estimate is lost
            return np.inf, np.zeros(5)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll, g, _ = _log_lik(p, x, tx, T, grad=True)
            total = float(w @ ll)
            grad = -(w @ g) * p
        if not (np.isfinite(total) and np.isfinite(grad).all()):
            return np.inf, np.zeros(5)
        return -total, grad

    def log_likelihood(self, frequency, recency, T, params: dict | None = None) -> float:
        """Log-likelihood of customers at ``params`` (default: the fitted ones).

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T as in :meth:`fit`.
        params : dict or None, optional
            ``{'r', 'alpha', 'b', 's', 'beta'}``; None: the fitted parameters.

        Returns
        -------
        float
            Total log-likelihood.
        """
        x, tx, T, _ = check_frequency_recency_age(frequency, recency, T, "GammaGompertzNBD.log_likelihood")
        p = params if params is not None else self._p_dict()
        return float(_log_lik(np.array([p[k] for k in self._param_names]), x, tx, T)[0].sum())

    # predictions ----------------------------------------------------------------------
    def _p_dict(self) -> dict:
        self._check_fitted("predict")
        return dict(self.params_)

    def _p(self) -> np.ndarray:
        p = self._p_dict()
        return np.array([p[k] for k in self._param_names])

    def _history(self, frequency, recency, T, caller: str) -> tuple[np.ndarray, ...]:
        def vector(v):  # one customer as numbers; a Series stays one (its index names bad rows)
            return np.atleast_1d(v) if np.ndim(v) == 0 else v

        x, tx, T, _ = check_frequency_recency_age(vector(frequency), vector(recency), vector(T),
                                                  f"GammaGompertzNBD.{caller}")
        return x, tx, T

    def probability_alive(self, frequency, recency, T) -> pd.Series | np.ndarray:
        """P(alive at T | x, t_x, T); Bemmaor & Glady (2012) eq. (7): the 'alive' term of the likelihood over
        the likelihood, in log space.

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            P(alive) per customer (0-1), on the customers' index when ``frequency`` is a Series.
        """
        p = self._p()
        x, tx, T = self._history(frequency, recency, T, "probability_alive")
        ll, _, alive = _log_lik(p, x, tx, T)
        const = gammaln(p[0] + x) - gammaln(p[0]) + p[0] * np.log(p[1])
        return per_customer(np.exp(alive + const - ll), frequency, "probability_alive")

    def expected_purchases(self, t, frequency, recency, T) -> pd.Series | np.ndarray:
        """Expected repeat purchases in (T, T + t] given the history (Adler 2022's correction of Bemmaor &
        Glady 2012): P(alive) (r + x) / (alpha + T) int_0^t P(alive at T + u | alive at T) du, where given
        alive at T, eta ~ Gamma(s, beta + e^(b T) - 1).

        Parameters
        ----------
        t : float or array-like, shape (n_customers,)
            Horizon (time units), one for all or one per customer.
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            Expected repeat purchases per customer (count).
        """
        r, alpha, b, s, beta = self._p()
        x, tx, T = self._history(frequency, recency, T, "expected_purchases")
        t = _horizon(t, x.size, "GammaGompertzNBD.expected_purchases")
        alive = np.asarray(self.probability_alive(x, tx, T))
        out = alive * (r + x) / (alpha + T) * _survival_integral(b, s, beta, T, t)
        return per_customer(out, frequency, "expected_purchases")

    def expected_purchases_path(self, times, frequency, recency, T) -> np.ndarray:
        """:meth:`expected_purchases` at several horizons at once: P(alive) once, and the survival integral once
        per distinct age T and horizon (a cohort's customers share a few dozen ages), not per customer.

        Parameters
        ----------
        times : array-like, shape (n_times,)
            Horizons (time units), each > 0.
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        ndarray, shape (n_customers, n_times)
            Expected repeat purchases in (T, T + t] for each horizon t (count); the same numbers as
            :meth:`expected_purchases` at each horizon.
        """
        r, alpha, b, s, beta = self._p()
        x, tx, T = self._history(frequency, recency, T, "expected_purchases_path")
        t = np.asarray(times, dtype=float).ravel()
        alive = np.asarray(self.probability_alive(x, tx, T))
        ages, at = np.unique(T, return_inverse=True)
        integral = np.column_stack([_survival_integral(b, s, beta, ages, np.full(ages.size, h)) for h in t])
        return (alive * (r + x) / (alpha + T))[:, None] * integral[at.ravel()]

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer just acquired: (r / alpha) int_0^t S(u) du with
        S(u) = (beta / (beta + e^(b u) - 1))^s (Bemmaor & Glady 2012, eq. 8 integrated by parts).

        Parameters
        ----------
        t : float or array-like
            Horizon (time units).

        Returns
        -------
        ndarray
            Expected repeat purchases (count).
        """
        r, alpha, b, s, beta = self._p()
        t = np.asarray(t, dtype=float)
        return r / alpha * _survival_integral(b, s, beta, np.zeros_like(t), t)

    def sample(self, n: int, T, seed: int = 0) -> pd.DataFrame:
        """Simulate n customers' (frequency, recency, T) from the fitted parameters (:func:`simulate_ggnbd`).

        Parameters
        ----------
        n : int
            Customers to draw.
        T : float or array-like
            Age of every customer, or one per customer.
        seed : int, default 0
            Random seed.

        Returns
        -------
        DataFrame
            ``frequency``, ``recency`` and ``T`` per customer.
        """
        return simulate_ggnbd(n, *self._p(), T=T, seed=seed)


def simulate_ggnbd(n: int, r: float, alpha: float, b: float, s: float, beta: float, T, seed: int = 0) -> pd.DataFrame:
    """Draw (frequency, recency, T) of n customers from the Gamma-Gompertz/NBD process.

    lambda ~ Gamma(r, rate alpha), eta ~ Gamma(s, rate beta); the lifetime solves eta (e^(b tau) - 1) = E with
    E ~ Exp(1) (Gompertz by inversion); purchases are a Poisson process of rate lambda on (0, min(tau, T)],
    so x ~ Poisson(lambda min(tau, T)) and t_x is the largest of x uniform times on that span.

    Parameters
    ----------
    n : int
        Customers.
    r, alpha, b, s, beta : float
        Model parameters (rates per time unit).
    T : float or array-like
        Age of every customer (time units), or one per customer.
    seed : int, default 0
        Random seed.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` and the simulator's truth ``alive`` (alive at T) per customer.

    Examples
    --------
    >>> from crmresearch.clv import simulate_ggnbd
    >>> s = simulate_ggnbd(1_000, 0.8, 8.0, 0.05, 1.0, 5.0, T=52.0, seed=0)
    >>> list(s.columns), bool((s["recency"] <= s["T"]).all())
    (['frequency', 'recency', 'T', 'alive'], True)
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    eta = rng.gamma(s, 1 / beta, n)
    tau = np.log1p(rng.exponential(1.0, n) / eta) / b
    end = np.minimum(tau, T)
    x = rng.poisson(lam * end)
    tx = np.where(x > 0, end * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "alive": tau > T})
