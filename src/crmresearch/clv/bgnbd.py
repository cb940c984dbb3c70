"""BG/NBD model of repeat purchasing with dropout (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, polygamma

from ..core import progress as progress_
from ..core.mle import blas_threads, invert
from ..errors import ValidationError
from ._base import BaseFitter, Limit, per_customer

__all__ = ["BetaGeoNBD", "bgnbd_recovery", "check_frequency_recency_age", "check_identifiable", "compress_rows",
           "simulate_bgnbd"]

#: Where a fit is read as being at a limit (log scale): a gamma or beta shape above 1e5 (a coefficient of
#: variation below 0.3 %), a mean dropout probability or rate below 1e-6; the fit holds it at 1e6 / 1e-30.
#: Beyond a shape of 100 or a mean of 1e-3 the fit at the limit is computed and kept when the likelihood-ratio
#: test does not reject it (see crmresearch.clv._base.Limit).
SHAPE_LIMIT, SHAPE_BOUND, SHAPE_SUSPECT = np.log(1e5), np.log(1e6), np.log(1e2)
MEAN_LIMIT, MEAN_BOUND, MEAN_SUSPECT = np.log(1e-6), np.log(1e-30), np.log(1e-3)


def shape_limit(words) -> Limit:
    """The limit of a gamma or beta mixing distribution at a point (no heterogeneity): its shape -> infinity."""
    return Limit(+1, SHAPE_LIMIT, SHAPE_BOUND, words, suspect=SHAPE_SUSPECT)


def mean_limit(words, unidentified: tuple[int, ...] = ()) -> Limit:
    """The limit of a dropout probability or rate at 0 (no dropout): its mean -> 0."""
    return Limit(-1, MEAN_LIMIT, MEAN_BOUND, words, unidentified, MEAN_SUSPECT)


def same_rate(p: pd.Series) -> str:
    """Words for the gamma purchase-rate mixing at its point-mass limit (r, alpha -> infinity)."""
    return (f"no heterogeneity in purchase rates: every customer buys at the same rate, {p['r'] / p['alpha']:.4g} "
            "per time unit while alive (the gamma mixing distribution reduces to a point; r and alpha are held at "
            "that limit)")


def check_frequency_recency_age(frequency, recency, T, caller: str,
                                weights=None) -> tuple[np.ndarray, ...]:
    """Arrays of x, t_x, T (and weights) after the model's input rules: finite, x integer >= 0,
    0 <= t_x <= T, t_x = 0 when x = 0 and t_x > 0 when x > 0, T > 0."""
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    if not (x.shape == tx.shape == T.shape) or x.ndim != 1:
        raise ValidationError(f"{caller}: frequency, recency and T must be 1-d and of equal length; "
                              f"got shapes {x.shape}, {tx.shape}, {T.shape}")
    if x.size == 0:
        raise ValidationError(f"{caller}: no customers (0 rows)")
    ids = frequency.index if isinstance(frequency, pd.Series) else pd.RangeIndex(x.size)

    def fail(mask: np.ndarray, rule: str) -> ValidationError:
        return ValidationError(f"{caller}: {int(mask.sum())} of {x.size} customers {rule} "
                               f"(first ids: {', '.join(map(str, ids[mask][:5]))})")

    for arr, name in ((x, "frequency"), (tx, "recency"), (T, "T")):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise fail(bad, f"have a missing or infinite {name}")
    if (x < 0).any():
        raise fail(x < 0, "have negative frequency; frequency counts repeat purchases (>= 0)")
    if (x != np.round(x)).any():
        raise fail(x != np.round(x), "have a non-integer frequency")
    if (tx < 0).any():
        raise fail(tx < 0, "have negative recency")
    if (tx > T * (1 + 1e-12)).any():
        raise fail(tx > T * (1 + 1e-12), "have recency > T. Both must use one unit with 0 <= recency <= T; "
                   "rebuild with crmresearch.clv.summary_from_transactions(...)")
    if (T <= 0).any():
        raise fail(T <= 0, "have T <= 0 (age must be positive)")
    if ((x == 0) & (tx != 0)).any():
        raise fail((x == 0) & (tx != 0), "have recency > 0 but no repeat purchase (frequency 0 needs recency 0)")
    if ((x > 0) & (tx <= 0)).any():
        raise fail((x > 0) & (tx <= 0), "have repeat purchases but recency 0 (a repeat purchase comes after the "
                   "first, so frequency > 0 needs recency > 0); rebuild with "
                   "crmresearch.clv.summary_from_transactions(...) or check the recency column")
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != x.shape or (w < 0).any() or not np.isfinite(w).all():
            raise ValidationError(f"{caller}: weights must be finite, >= 0 and one per customer")
    return x, np.minimum(tx, T), T, w


def compress_rows(x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct (x, t_x, T) rows with summed weights, when that shrinks the data (the likelihood is a
    sum over customers, so the fit is exact); otherwise the rows unchanged."""
    m = min(x.size, 20_000)
    sample = np.column_stack([x[:m], tx[:m], T[:m]])
    if len(np.unique(sample, axis=0)) < 0.8 * len(sample):  # worth it only with many ties
        uniq, inv = np.unique(np.column_stack([x, tx, T]), axis=0, return_inverse=True)
        w = np.bincount(inv.ravel(), weights=w, minlength=len(uniq))
        x, tx, T = uniq[:, 0], uniq[:, 1], uniq[:, 2]
    return x, tx, T, w


#: Above WARM_ROWS distinct (x, t_x, T) rows the fit starts from the optimum of a 5 % subsample (at least 50,000
#: rows) and takes Newton steps on all rows, and the Hessian (warm start, standard errors) is analytic.
WARM_ROWS = 200_000

#: Fewest customers (weighted) BG/NBD is fitted on: 4 parameters need a customer base, not a handful.
MIN_CUSTOMERS = 20


def check_identifiable(x: np.ndarray, T: np.ndarray, w: np.ndarray, caller: str = "BetaGeoNBD.fit",
                       time_unit: str = "W") -> None:
    """Refuse data from which a customer-base model with 4 parameters cannot be estimated (fewer than
    :data:`MIN_CUSTOMERS` customers, or no repeat purchase at all); warn when the data contradict the
    declared unit.

    ``frequency`` counts repeat purchase *days* (:func:`~crmresearch.clv.summary_from_transactions`), so
    a customer can have more repeat purchases than weeks of age (a bank customer buying several times a
    week) but never more than days of age: ages are compared in days, ``T`` times the days of one
    ``time_unit``.
    """
    import warnings

    from ..errors import DataWarning
    from .utils import _UNITS

    n = float(w.sum())
    if n < MIN_CUSTOMERS:
        raise ValidationError(f"{caller}: {n:g} customers; the model has 4 parameters and needs at least "
                              f"{MIN_CUSTOMERS} customers (crmresearch.clv.bgnbd.MIN_CUSTOMERS)")
    repeaters = float(w[x > 0].sum())
    if repeaters == 0:
        raise ValidationError(f"{caller}: none of the {n:g} customers made a repeat purchase (all frequency "
                              "0); purchase rates and dropout cannot be estimated: use a longer calibration period")
    days = T * _UNITS[time_unit]
    many = x > days * (1 + 1e-9) + 1e-9  # more repeat purchase days than days of age: impossible in this unit
    if many.any():
        warnings.warn(f"{caller}: {int(w[many].sum())} of {n:g} customers have more repeat purchases than days "
                      f"of age (frequency > T x {_UNITS[time_unit]:g} days, T in time_unit={time_unit!r}); frequency "
                      "should count repeat purchase days (crmresearch.clv.summary_from_transactions) and recency and "
                      "T be in the declared time_unit (e.g. weeks, not years)", DataWarning, stacklevel=3)


def _distinct_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` for whole numbers x >= 0 (checked by the caller), by ``bincount``
    when the largest is below 10^7 (no sort: 1,000,000 customers in ~10 ms instead of ~0.2 s)."""
    top = float(x.max(initial=0.0))
    if top >= 1e7:
        ux, xi = np.unique(x, return_inverse=True)
        return ux, xi.ravel()
    xs = x.astype(np.intp)
    present = np.bincount(xs, minlength=int(top) + 1) > 0
    ux = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return ux.astype(float), rank[xs]


def _prepare(x, tx, T, w, shift: int = 0) -> SimpleNamespace:
    """What every likelihood evaluation needs: customers with x > 0 first, distinct x, weights per
    distinct x, and chunk bounds for the threads (two halves of each group). ``shift`` 1 is the
    MBG/NBD, where every customer (x = 0 too) can have dropped out after a purchase."""
    order = np.concatenate([np.flatnonzero(x > 0), np.flatnonzero(x == 0)])  # x > 0 first, order kept
    x, tx, T, w = x[order], tx[order], T[order], w[order]
    ux, xi = _distinct_counts(x)
    n, npos = x.size, (x.size if shift else int((x > 0).sum()))
    return SimpleNamespace(
        shift=shift, x=x, T=T, w=w, wx=w * x, ux=ux, W_u=np.bincount(xi, weights=w, minlength=ux.size),
        pos_xi=xi[:npos], pos_tx=tx[:npos],
        chunks=[(0, npos // 2, True), (npos // 2, npos, True), (npos, npos + (n - npos) // 2, False),
                (npos + (n - npos) // 2, n, False)])


def _negloglik(d: SimpleNamespace, log_params: np.ndarray, map_=map) -> tuple[float, np.ndarray]:
    """-LL and its gradient in log parameters.

    LL_i = A1 + A2 + log(1 + exp(D)) with D = A3 - A2 for x > 0 (FHL 2005 eq. 6 in logs):
    A1 = ln G(r+x) - ln G(r) + r ln alpha, A2 = ln B(a, b+x) - ln B(a, b) - (r+x) ln(alpha+T),
    A3 = ln B(a+1, b+x-1) - ln B(a, b) - (r+x) ln(alpha+t_x). Terms in x alone are summed per
    distinct x; only ln(alpha+T), ln(alpha+t_x) and the softplus run per customer.
    """
    r, alpha, a, b = np.exp(log_params)
    ux, W_u, k = d.ux, d.W_u, d.shift  # k = 1: MBG/NBD (Batislam et al. 2007), b + x -> b + x + 1
    # per distinct x
    A1u = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    A2u = betaln(a, b + ux + k) - betaln(a, b)
    xpos = (ux > 0) | (k > 0)
    bx1 = np.where(xpos, b + ux - 1 + k, 1.0)
    Du = np.where(xpos, betaln(a + 1, bx1) - betaln(a, b + ux + k), 0.0)  # (A3 - A2) without the time part
    psi_abx = digamma(a + b + ux + k)
    dA1_dr_u = digamma(r + ux) - digamma(r) + np.log(alpha)
    dA2_da_u = digamma(a + b) - psi_abx
    dA2_db_u = digamma(b + ux + k) - psi_abx - digamma(b) + digamma(a + b)
    dD_da_u = np.where(xpos, digamma(a + 1) - digamma(a), 0.0)  # d(A3 - A2)/da
    dD_db_u = np.where(xpos, digamma(bx1) - digamma(b + ux + k), 0.0)
    parts = list(map_(_partial, [(d, c, r, alpha, Du) for c in d.chunks]))
    sum_w_rx_lT, sum_w_rx_invT, sum_w_lT, sum_soft, sum_dr, sum_dalpha = np.sum([p[0] for p in parts], axis=0)
    W3_u = sum(p[1] for p in parts)
    ll = W_u @ (A1u + A2u) - sum_w_rx_lT + sum_soft
    # gradient (natural parameters)
    d_r = W_u @ dA1_dr_u - sum_w_lT - sum_dr
    d_alpha = r / alpha * W_u.sum() - sum_w_rx_invT - sum_dalpha
    d_a = W_u @ dA2_da_u + W3_u @ dD_da_u
    d_b = W_u @ dA2_db_u + W3_u @ dD_db_u
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -float(ll), -grad


def _partial(args: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer sums of one chunk (numpy releases the GIL: two chunks run in parallel)."""
    d, (lo, hi, positive), r, alpha, Du = args
    zeros = np.zeros(d.ux.size)
    if hi <= lo:
        return np.zeros(6), zeros
    w, wx = d.w[lo:hi], d.wx[lo:hi]
    lT = np.log(alpha + d.T[lo:hi])
    invT = 1.0 / (alpha + d.T[lo:hi])
    wl = w @ lT
    sums = [r * wl + wx @ lT, r * (w @ invT) + wx @ invT, wl, 0.0, 0.0, 0.0]
    if positive:
        x, tx, xi = d.x[lo:hi], d.pos_tx[lo:hi], d.pos_xi[lo:hi]
        rx = r + x
        ltx = np.log(alpha + tx)
        diff = ltx - lT
        D = Du[xi] - rx * diff
        e = np.exp(-np.abs(D))
        soft = np.maximum(D, 0.0) + np.log1p(e)
        w3 = np.where(D >= 0, 1.0, e) / (1.0 + e)  # sigmoid(D): weight of the A3 branch
        pw3 = w * w3
        sums[3] = w @ soft
        sums[4] = pw3 @ diff
        sums[5] = pw3 @ (rx * (1.0 / (alpha + tx) - invT))
        zeros = np.bincount(xi, weights=pw3, minlength=d.ux.size)
    return np.array(sums), zeros


def _hessian(d: SimpleNamespace, log_params: np.ndarray) -> np.ndarray:
    """Analytic Hessian of -LL in natural parameters (r, alpha, a, b), the terms of :func:`_negloglik`
    differentiated twice: trigamma per distinct x for A1 and A2, and for the softplus of
    D = ln a - ln(b + x - 1 + k) - (r + x) (ln(alpha + t_x) - ln(alpha + T)),
    sigma(D) (1 - sigma(D)) grad D grad D' + sigma(D) Hess D. One pass over the customers (about one
    evaluation of the likelihood, instead of the 8 of central differences)."""
    r, alpha, a, b = np.exp(log_params)
    ux, W_u, k = d.ux, d.W_u, d.shift
    npos = d.pos_xi.size
    H = np.zeros((4, 4))
    # A1 = ln G(r+x) - ln G(r) + r ln alpha; A2 = ln G(b+x+k) - ln G(a+b+x+k) - ln G(b) + ln G(a+b)
    H[0, 0] = W_u @ (polygamma(1, r + ux) - polygamma(1, r))
    H[0, 1] = W_u.sum() / alpha
    H[1, 1] = -r * W_u.sum() / alpha ** 2
    t_abx = polygamma(1, a + b + ux + k)
    t_ab = float(polygamma(1, a + b))
    H[2, 2] = W_u @ (t_ab - t_abx)
    H[2, 3] = H[2, 2]
    H[3, 3] = W_u @ (polygamma(1, b + ux + k) - t_abx - polygamma(1, b) + t_ab)
    # -(r + x) ln(alpha + T), every customer
    invT = 1.0 / (alpha + d.T)
    H[0, 1] -= d.w @ invT
    H[1, 1] += (r * d.w + d.wx) @ invT ** 2
    # softplus(D), customers who can have dropped out (x > 0; everyone for the MBG/NBD)
    if npos:
        w, x, tx, xi = d.w[:npos], d.x[:npos], d.pos_tx, d.pos_xi
        xpos = (ux > 0) | (k > 0)
        bx1 = np.where(xpos, b + ux - 1 + k, 1.0)
        dDa_u = np.where(xpos, 1.0 / a, 0.0)
        dDb_u = np.where(xpos, -1.0 / bx1, 0.0)
        rx = r + x
        inv_tx, inv_T = 1.0 / (alpha + tx), invT[:npos]
        diff = np.log(alpha + tx) - np.log(alpha + d.T[:npos])
        D = (np.log(a) - np.log(bx1))[xi] - rx * diff
        sig = expit(D)
        u = w * sig
        s2 = u * (1.0 - sig)
        q = inv_tx - inv_T
        g_r, g_alpha = -diff, -rx * q  # d D / d r, d D / d alpha
        s2_r, s2_alpha = s2 * g_r, s2 * g_alpha
        H[0, 0] += s2_r @ g_r
        H[0, 1] += s2_r @ g_alpha - u @ q
        H[1, 1] += s2_alpha @ g_alpha + u @ (rx * (inv_tx ** 2 - inv_T ** 2))
        S2_r = np.bincount(xi, weights=s2_r, minlength=ux.size)
        S2_alpha = np.bincount(xi, weights=s2_alpha, minlength=ux.size)
        S2 = np.bincount(xi, weights=s2, minlength=ux.size)
        U = np.bincount(xi, weights=u, minlength=ux.size)
        H[0, 2], H[0, 3] = S2_r @ dDa_u, S2_r @ dDb_u
        H[1, 2], H[1, 3] = S2_alpha @ dDa_u, S2_alpha @ dDb_u
        H[2, 2] += S2 @ dDa_u ** 2 - U @ np.where(xpos, 1.0 / a ** 2, 0.0)
        H[2, 3] += S2 @ (dDa_u * dDb_u)
        H[3, 3] += S2 @ dDb_u ** 2 + U @ np.where(xpos, 1.0 / bx1 ** 2, 0.0)
    H = np.triu(H) + np.triu(H, 1).T
    return -H


class BetaGeoNBD(BaseFitter):
    """BG/NBD: while alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each purchase the customer drops out with probability p ~ Beta(a, b).

    ``fit(frequency, recency, T)`` with x repeat purchases, t_x the time of the last repeat
    purchase and T the customer's age, all measured from the first purchase in one time unit.
    The log-likelihood is computed in log space (``gammaln``, ``betaln``, ``logaddexp``), so large
    x and T never overflow; terms that depend on x only are evaluated once per distinct x.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary`` (1 - alpha coverage).
    tol : float, default 1e-10
        Convergence tolerance of the optimiser (on the gradient).
    max_iter : int, default 2000
        Most optimiser iterations; more raise :class:`~crmresearch.errors.ConvergenceError`.
    n_jobs : int, default 2
        Threads that evaluate the log-likelihood in chunks during the fit (1 = none).
    time_unit : {'W', 'D', 'M'}, default 'W'
        Unit of recency and T (weeks, days, months of 30.4375 days), as ``freq`` of
        :func:`~crmresearch.clv.summary_from_transactions`; the fit warns only when the data contradict it
        (more repeat purchase days than days of age).

    Attributes
    ----------
    params_ : Series with "r", "alpha", "a", "b" (index ``parameter``)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, customers in the fit; variance_matrix_ : DataFrame; n_iter_ : int
    AIC_, BIC_ : deprecated aliases of ``aic_`` and ``bic_`` (removed in the next release)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
    alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284. Equations (6), (9), (10), (11).

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load_cdnow_transactions(sample=True), "1997-09-30")
    >>> m = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    >>> {k: round(v, 3) for k, v in m.params_.items()}   # Fader, Hardie & Lee (2005): 0.243, 4.414, 0.793, 2.426
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    _param_names = ("r", "alpha", "a", "b")
    _shift = 0  # 1: MBG/NBD
    # fit coordinates at the edges: log r (shape), log r/alpha (mean rate), log a/b (dropout odds-like), log b
    _coordinates = ({"r": 1.0}, {"r": 1.0, "alpha": -1.0}, {"a": 1.0, "b": -1.0}, {"b": 1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        0: shape_limit(same_rate),
        2: mean_limit(lambda p: "no dropout in these data: BG/NBD reduces to the NBD, "
                 "P(alive) = 1 for everyone (a/b is held at 1e-30; b is not identified)", (3,)),
        3: shape_limit(lambda p: "no heterogeneity in dropout: every customer drops out "
                 f"with the same probability, {p['a'] / (p['a'] + p['b']):.4g} after each repeat purchase (the beta "
                 "mixing distribution reduces to a point; a and b are held at that limit)"),
    }

    def __init__(self, alpha: float = 0.05, tol: float = 1e-10, max_iter: int = 2000, n_jobs: int = 2,
                 time_unit: str = "W") -> None:
        super().__init__(alpha=alpha, tol=tol, max_iter=max_iter)
        self.n_jobs = n_jobs
        self.time_unit = time_unit

    def fit(self, frequency, recency, T, weights=None, compress: bool = True) -> BetaGeoNBD:
        """Maximum-likelihood fit. ``weights`` counts identical customers; ``compress`` merges
        identical (x, t_x, T) rows into weights when that shrinks the data (exact: the
        likelihood is a sum over customers).

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        recency : array-like, shape (n_customers,)
            Time of the last repeat purchase t_x, in the model's time unit.
        T : array-like, shape (n_customers,)
            Age T: time since the first purchase, in the model's time unit.
        weights : array-like, optional
            Number of identical customers each row stands for; None: 1 each.
        compress : bool, default True
            Merge identical rows into weights when that shrinks the data.

        Returns
        -------
        BetaGeoNBD
            ``self``, fitted.

        Raises
        ------
        ValidationError
            recency > T, recency 0 with repeat purchases, negative values, or non-whole frequencies; counted.
        ConvergenceError
            When the optimiser does not converge within ``max_iter``.
        """
        from .utils import _UNITS

        if self.time_unit not in _UNITS:
            raise ValueError(f"BetaGeoNBD: time_unit must be one of {list(_UNITS)}; got {self.time_unit!r}")
        caller = f"{type(self).__name__}.fit"
        x, tx, T, w = check_frequency_recency_age(frequency, recency, T, caller, weights)
        check_identifiable(x, T, w, caller, self.time_unit)
        if compress:
            x, tx, T, w = compress_rows(x, tx, T, w)
        if not (isinstance(self.n_jobs, int | np.integer) and self.n_jobs >= 1):
            raise ValueError(f"{type(self).__name__}: n_jobs must be a whole number >= 1; got {self.n_jobs!r}")
        self._warm = self._warm_hessian = None
        # the threads live only while fitting: a fitted model holds no pool and no data (it pickles small)
        # one BLAS thread: the likelihood's dot products are small and run in this fitter's own threads; OpenBLAS
        # waking its threads for each costs more than the work (20x on 50,000 customers on 2 busy cores)
        with ThreadPoolExecutor(max_workers=self.n_jobs) as pool, blas_threads(1):
            self._map = pool.map
            try:
                self._analytic = x.size > WARM_ROWS
                if self._analytic:
                    # Warm start: fit a 5 % subsample, then Newton steps on all customers with the
                    # subsample's Hessian scaled up (a few evaluations: the two Hessians nearly agree).
                    pick = np.random.default_rng(0).choice(x.size, size=max(50_000, x.size // 20), replace=False)
                    self._d = _prepare(x[pick], tx[pick], T[pick], w[pick], self._shift)
                    self._optimise(n_obs=pick.size, covariance=False)
                    self._warm = self._log_params
                    self._warm_hessian = self._hessian_log(self._warm) * (w.sum() / w[pick].sum())
                self._d = _prepare(x, tx, T, w, self._shift)
                self._optimise(n_obs=round(float(w.sum())))
            finally:
                for name in ("_map", "_d", "_warm", "_warm_hessian", "_newton_result", "_analytic"):
                    self.__dict__.pop(name, None)
        return self

    def log_likelihood(self, frequency, recency, T, params: dict | None = None) -> float:
        """Log-likelihood of customers at ``params`` (default: the fitted ones).

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        recency : array-like, shape (n_customers,)
            Time of the last repeat purchase t_x, in the model's time unit.
        T : array-like, shape (n_customers,)
            Age T: time since the first purchase, in the model's time unit.
        params : dict or None, optional
            ``{'r', 'alpha', 'a', 'b'}``; None: the fitted parameters.

        Returns
        -------
        float
            Total log-likelihood.
        """
        x, tx, T, w = check_frequency_recency_age(frequency, recency, T, f"{type(self).__name__}.log_likelihood")
        p = params if params is not None else self.params_
        log_p = np.log([p["r"], p["alpha"], p["a"], p["b"]])
        return -_negloglik(_prepare(x, tx, T, w, self._shift), log_p, map)[0]

    def _start(self) -> np.ndarray:
        if getattr(self, "_warm", None) is not None:
            return self._warm
        d = self._d
        mean_rate = np.average(d.x, weights=d.w) / max(np.average(d.T, weights=d.w), 1e-9)
        return np.log([1.0, 1.0 / max(mean_rate, 1e-6), 1.0, 1.0])

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        return _negloglik(self._d, log_params, self._map)

    def _hessian_log(self, log_params: np.ndarray) -> np.ndarray:
        """Hessian of -LL in log parameters: analytic (:func:`_hessian`) on large bases, else the base's
        central differences of the gradient."""
        if not getattr(self, "_analytic", False):
            return super()._hessian_log(log_params)
        theta = np.exp(log_params)
        g_log = self._negloglik(log_params)[1]
        return theta[:, None] * _hessian(self._d, log_params) * theta[None, :] + np.diag(g_log)

    def _covariance(self, values: np.ndarray, grad_at_optimum: np.ndarray) -> pd.DataFrame:
        """Inverse observed information. Above :data:`WARM_ROWS` distinct rows from the analytic Hessian
        (:func:`_hessian`, one pass over the customers); below, the base's central differences of the
        analytic gradient (8 passes; the values in the studies' tables). The two agree to ~3e-8 relative
        (the truncation error of the differences)."""
        if not getattr(self, "_analytic", False):
            return super()._covariance(values, grad_at_optimum)
        cov = invert(_hessian(self._d, np.log(values)))
        return pd.DataFrame(cov, index=self._param_names, columns=self._param_names)


    # predictions ----------------------------------------------------------------------
    def _p(self) -> tuple[float, float, float, float]:
        self._check_fitted("predict")
        return self.params_["r"], self.params_["alpha"], self.params_["a"], self.params_["b"]

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer just acquired; FHL (2005) eq. (9).

        Parameters
        ----------
        t : float or array-like
            Horizon, in the model's time unit.

        Returns
        -------
        ndarray
            Expected repeat purchases (count).
        """
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def probability_alive(self, frequency, recency, T) -> pd.Series | np.ndarray:
        """P(alive at T | x, t_x, T); FHL (2005) eq. (11), in log space. A Series ``frequency`` gives a
        Series on its index (customer ids).

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        recency : array-like, shape (n_customers,)
            Time of the last repeat purchase t_x, in the model's time unit.
        T : array-like, shape (n_customers,)
            Age T: time since the first purchase, in the model's time unit.

        Returns
        -------
        Series or ndarray
            P(alive) per customer (0-1).
        """
        r, alpha, a, b = self._p()
        x, tx, T, _ = check_frequency_recency_age(frequency, recency, T, "BetaGeoNBD.probability_alive")
        with np.errstate(divide="ignore"):
            log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (
                np.log(alpha + T) - np.log(alpha + tx))
        return per_customer(np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0), frequency, "probability_alive")

    def expected_purchases(self, t, frequency, recency, T) -> pd.Series | np.ndarray:
        """Expected repeat purchases per customer in (T, T + t] given the history; FHL (2005) eq. (10).
        A Series ``frequency`` gives a Series on its index (customer ids).

        Parameters
        ----------
        t : float or array-like, shape (n_customers,)
            Horizon, in the fitted time unit: one for every customer, or one per customer (e.g. the
            time each has left to a common end date), broadcast against ``frequency``.
        frequency, recency, T : array-like, shape (n_customers,)

        Returns
        -------
        Series or ndarray
            Expected repeat purchases per customer (count).

        Raises
        ------
        ValidationError
            A horizon array of another length than the customers, or a horizon that is negative or not finite.

        Examples
        --------
        >>> from crmresearch import clv, data
        >>> s = clv.summary_from_transactions(data.load('cdnow_sample'), '1997-09-30')
        >>> m = clv.BetaGeoNBD().fit(s['frequency'], s['recency'], s['T'])
        >>> left = 78.0 - s['T']   # weeks each customer has left to the end of week 78
        >>> per = m.expected_purchases(left, s['frequency'], s['recency'], s['T'])
        >>> one = m.expected_purchases(left.iloc[0], s['frequency'], s['recency'], s['T'])   # that customer's t
        >>> bool(abs(per.iloc[0] - one.iloc[0]) < 1e-12)
        True
        """
        r, alpha, a, b = self._p()
        x, tx, T, _ = check_frequency_recency_age(frequency, recency, T, "BetaGeoNBD.expected_purchases")
        t = np.asarray(t, dtype=float)
        if t.ndim > 1 or (t.ndim == 1 and t.shape != x.shape):
            raise ValidationError(f"BetaGeoNBD.expected_purchases: the horizon t must be one number or one per "
                                  f"customer ({x.size}); got shape {t.shape}")
        bad = ~np.isfinite(t) | (t < 0)
        if bad.any():
            raise ValidationError(f"BetaGeoNBD.expected_purchases: {int(bad.sum())} of {t.size} horizons are "
                                  "negative or not finite; t is a time ahead, in the fitted time unit, >= 0")
        num = (a + b + x - 1) / (a - 1) * (
            1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        return per_customer(num * self.probability_alive(x, tx, T), frequency, "expected_purchases")

    def cumulative_expected_purchases(self, ages_at_start: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Expected cumulative repeat purchases of a cohort observed on a common calendar clock.

        ``ages_at_start`` gives each customer's first-purchase time on that clock; returns, for each
        time in ``times``, the sum over customers of E[X(times - start)] (0 before a customer starts).

        Parameters
        ----------
        ages_at_start : ndarray
            First-purchase time of each customer on the common clock.
        times : ndarray
            Times on that clock at which to sum the expectations.

        Returns
        -------
        ndarray
            Expected cumulative repeat purchases at each time.
        """
        starts = np.asarray(ages_at_start, dtype=float)
        out = []
        for tm in np.asarray(times, dtype=float):
            age = tm - starts
            out.append(float(self.expected_purchases_new(np.clip(age, 0, None)).sum()))
        return np.array(out)

    def sample(self, n: int, T, seed: int = 0) -> pd.DataFrame:
        """Simulate n customers' (frequency, recency, T) from the fitted (or set) parameters (the model's own
        process: BG/NBD, or MBG/NBD for :class:`ModifiedBetaGeoNBD`).

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
        r, alpha, a, b = self._p()
        return simulate_bgnbd(n, r, alpha, a, b, T, seed, modified=bool(self._shift))


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T, seed: int = 0,
                   modified: bool = False) -> pd.DataFrame:
    """Draw (frequency, recency, T) of n customers from the BG/NBD process (vectorised).

    Inter-purchase times are exponential with rate lambda ~ Gamma(r, rate alpha); after each
    purchase the customer drops out with probability p ~ Beta(a, b) (the number of purchases
    until dropout is geometric). ``T`` is one age or an array of n ages (continuous).

    Parameters
    ----------
    n : int
        Customers to draw.
    r : float
        Gamma shape of the purchase rate.
    alpha : float
        Gamma rate of the purchase rate (time units).
    a : float
        Beta shape a of the dropout probability.
    b : float
        Beta shape b of the dropout probability.
    T : float or array-like
        Age of every customer, or one age per customer (time units).
    seed : int, default 0
        Random seed.
    modified : bool, default False
        The MBG/NBD process (Batislam et al. 2007): the customer can also drop out right after the
        first purchase, at time 0.

    Returns
    -------
    DataFrame
        One row per customer: ``frequency`` (repeat purchases), ``recency`` and ``T`` (time units).

    Examples
    --------
    >>> from crmresearch import clv
    >>> sim = clv.simulate_bgnbd(2_000, r=0.5, alpha=6.0, a=0.8, b=3.0, T=52.0, seed=1)
    >>> m = clv.BetaGeoNBD().fit(sim['frequency'], sim['recency'], sim['T'])
    >>> {k: round(v, 1) for k, v in m.params_.items()}   # truth: 0.5, 6, 0.8, 3
    {'r': 0.5, 'alpha': 5.8, 'a': 0.8, 'b': 2.8}
    """
    bad = {k: v for k, v in {"r": r, "alpha": alpha, "a": a, "b": b}.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ValidationError(f"simulate_bgnbd: parameters must be finite and > 0; got {bad}")
    if not (isinstance(n, int | np.integer) and n >= 0):
        raise ValidationError(f"simulate_bgnbd: n must be a whole number >= 0; got {n!r}")
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    bad_ages = ~np.isfinite(T) | (T < 0)
    if bad_ages.any():
        raise ValidationError(f"simulate_bgnbd: ages T must be finite and >= 0; {int(bad_ages.sum())} of {n} are not")
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    # dropout can follow any repeat purchase (not the first purchase at time 0): J ~ Geometric(p) on 1, 2, ...
    never = p <= 0  # a draw of p that underflows to 0 (a fit at the no-dropout limit, a/b = 1e-30): never drops out
    n_alive = rng.geometric(np.where(never, 1.0, p)) - int(modified)  # drops out right after the J-th repeat purchase
    n_alive = np.where(never, np.iinfo(np.int64).max, n_alive)
    # count of Poisson events in (0, T]: at most n_alive are "allowed"
    counts_T = rng.poisson(lam * T)
    x = np.minimum(counts_T, n_alive)
    # recency: the x-th event time of a Poisson process given N(T) = counts_T is the x-th order
    # statistic of counts_T uniforms on (0, T); Beta(x, counts_T - x + 1) * T
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(counts_T - x, 0) + 1), 0.0)
    return pd.DataFrame({"frequency": x.astype(np.int64), "recency": tx, "T": T})


def bgnbd_recovery(params: dict, n_customers: int = 20_000, age_range: tuple[float, float] = (26.0, 39.0),
                   replications: int = 20, seed: int = 0, alpha: float = 0.05,
                   progress: bool | Callable[[int, int], Any] | None = None) -> pd.DataFrame:
    """Monte-Carlo check of the fitter: draw ``replications`` customer bases from the BG/NBD with known
    ``params`` (ages uniform on ``age_range``), fit each, and report per parameter the truth, mean
    estimate, bias, mean standard error, empirical SD of the estimates and the coverage of the
    (1 - alpha) intervals (should be close to 1 - alpha).

    Parameters
    ----------
    params : dict
        True BG/NBD parameters ``{'r', 'alpha', 'a', 'b'}`` (time unit of the ages).
    n_customers : int, default 20000
        Customers per simulated base.
    age_range : tuple (float, float), default (26.0, 39.0)
        Ages T are uniform on (low, high), in the time unit of ``params``.
    replications : int, default 20
        Simulated bases.
    seed : int, default 0
        Random seed; the same seed gives the same table.
    alpha : float, default 0.05
        Significance level of the intervals whose coverage is reported.
    progress : bool or callable or None, optional
        A progress bar of the replications (:mod:`crmresearch.core.progress`); None: shown in an interactive
        JupyterLab run, silent in batch runs.

    Returns
    -------
    DataFrame
        One row per parameter: truth, mean_estimate, bias, mean_std_error, empirical_sd, coverage (share of
        replications whose interval holds the truth) and replications.

    Examples
    --------
    >>> from crmresearch import clv
    >>> check = clv.bgnbd_recovery({'r': 0.25, 'alpha': 4.0, 'a': 0.8, 'b': 2.5}, n_customers=3000, replications=3)
    >>> check['parameter'].tolist()
    ['r', 'alpha', 'a', 'b']
    >>> bool((check['bias'].abs() < 3 * check['mean_std_error']).all())
    True
    """
    rng = np.random.default_rng(seed)
    est, lo, hi, se = [], [], [], []
    with progress_.tracker(replications, "BG/NBD recovery", "simulated bases", progress) as bar:
        for _ in range(replications):
            T = rng.uniform(age_range[0], age_range[1], n_customers)
            sim = simulate_bgnbd(n_customers, T=T, seed=int(rng.integers(2**31)), **params)
            s = BetaGeoNBD(alpha=alpha).fit(sim["frequency"], sim["recency"], sim["T"]).summary
            est.append(s["estimate"])
            se.append(s["std_error"])
            lo.append(s["ci_lower"])
            hi.append(s["ci_upper"])
            bar.update()
    est, se, lo, hi = (pd.concat(v, axis=1) for v in (est, se, lo, hi))
    truth = pd.Series(params)[est.index]
    return pd.DataFrame({
        "truth": truth, "mean_estimate": est.mean(axis=1), "bias": est.mean(axis=1) - truth,
        "mean_std_error": se.mean(axis=1), "empirical_sd": est.std(axis=1, ddof=1),
        "coverage": ((lo.to_numpy() <= truth.to_numpy()[:, None])
                     & (hi.to_numpy() >= truth.to_numpy()[:, None])).mean(axis=1),
        "replications": replications,
    }).rename_axis("parameter").reset_index()
