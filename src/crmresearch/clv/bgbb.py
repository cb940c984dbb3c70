"""BG/BB model of repeat transactions at discrete opportunities (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln, hyp2f1

from ..core.mle import blas_threads
from ..errors import ValidationError
from ._base import BaseFitter, per_customer
from .bgnbd import (
    MIN_CUSTOMERS,
    check_frequency_recency_age,
    mean_limit,
    shape_limit,
)

__all__ = ["BetaGeoBetaBinom", "bgbb_table"]


def bgbb_table(frequency, recency, n_periods, weights=None, caller: str = "bgbb_table") -> pd.DataFrame:
    """The BG/BB sufficient statistics: one row per distinct (x, t_x, n) with the customers it stands for.

    Parameters
    ----------
    frequency : array-like, shape (n_customers,)
        Transactions x in the n opportunities after the first (count).
    recency : array-like, shape (n_customers,)
        Opportunity t_x of the last transaction (1..n; 0 without transactions).
    n_periods : array-like, shape (n_customers,)
        Opportunities observed n (whole number >= 1).
    weights : array-like, optional
        Customers each row stands for; None: 1 each.
    caller : str
        Name for error messages.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``n_periods``, ``weights``, sorted.

    Raises
    ------
    ValidationError
        Non-whole numbers, x > t_x, t_x > n, recency without transactions or transactions without recency.

    Examples
    --------
    >>> from crmresearch.clv import bgbb_table
    >>> bgbb_table([0, 1, 1, 0], [0, 2, 2, 0], [6, 6, 6, 6])["weights"].tolist()
    [2.0, 2.0]
    """
    x, tx, n, w = _distinct_rows(frequency, recency, n_periods, weights, caller)
    return pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n, "weights": w})


#: Most cells of the (x, t_x, n) grid :func:`_distinct_rows` counts in one ``bincount`` (8 bytes each).
GRID_CELLS = 4_000_000


def _distinct_rows(frequency, recency, n_periods, weights, caller: str) -> tuple[np.ndarray, ...]:
    """:func:`bgbb_table` as arrays (x, t_x, n, weights), sorted by x, t_x, n.

    Whole numbers on a small grid (the usual case: a few dozen opportunities) are counted with one
    ``bincount`` over the cell number (x (R + 1) + t_x) (N + 1) + n and the table's rules checked on the
    distinct rows (1,000,000 customers in ~15 ms instead of ~0.3 s with a pandas group-by); any other input,
    and any row that breaks a rule, goes the way of :func:`_checked_rows`, whose errors count the customers."""
    x, tx, n = (np.asarray(v, dtype=float) for v in (frequency, recency, n_periods))
    w = None if weights is None else np.asarray(weights, dtype=float)
    fast = x.ndim == 1 and x.size > 0 and x.shape == tx.shape == n.shape and (w is None or w.shape == x.shape)
    if fast:
        hi = [float(a.max()) for a in (x, tx, n)]
        lo = [float(a.min()) for a in (x, tx, n)]
        fast = all(np.isfinite(hi + lo)) and min(lo) >= 0 and (hi[0] + 1) * (hi[1] + 1) * (hi[2] + 1) <= GRID_CELLS
        if fast and w is not None:
            fast = bool(w.min() >= 0) and bool(np.isfinite(w.max()))
    if fast:
        small = max(hi) < 2**15  # int16 copies: a quarter of the memory traffic
        ints = [a.astype(np.int16 if small else np.int64) for a in (x, tx, n)]
        fast = all(bool((i == a).all()) for i, a in zip(ints, (x, tx, n), strict=True))
    if fast:
        R, N = int(hi[1]) + 1, int(hi[2]) + 1
        cell = ints[0].astype(np.intp) * R
        cell += ints[1]
        cell *= N
        cell += ints[2]
        counts = np.bincount(cell, minlength=(int(hi[0]) + 1) * R * N)
        seen = np.flatnonzero(counts)
        ux, rest = np.divmod(seen, R * N)
        ut, un = np.divmod(rest, N)
        ux, ut, un = (v.astype(float) for v in (ux, ut, un))
        broken = (ux > ut) | (ut > un) | (un <= 0) | ((ux == 0) & (ut != 0)) | ((ux > 0) & (ut <= 0))
        if not broken.any():
            uw = counts[seen].astype(float) if w is None else np.bincount(cell, weights=w, minlength=counts.size)[seen]
            return ux, ut, un, uw
    x, tx, n, w = _checked_rows(frequency, recency, n_periods, weights, caller)
    rows = pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n, "weights": w})
    t = rows.groupby(["frequency", "recency", "n_periods"], as_index=False)["weights"].sum()
    return tuple(t[c].to_numpy(float) for c in ("frequency", "recency", "n_periods", "weights"))


def _checked_rows(frequency, recency, n_periods, weights, caller: str) -> tuple[np.ndarray, ...]:
    """x, t_x, n, weights per customer after the table's rules (errors count the customers that break one)."""
    x, tx, n, w = check_frequency_recency_age(frequency, recency, n_periods, caller, weights)
    for arr, name in ((tx, "recency"), (n, "n_periods")):
        bad = arr != np.round(arr)
        if bad.any():
            raise ValidationError(f"{caller}: {int(bad.sum())} of {x.size} customers have a non-integer {name}; "
                                  "BG/BB counts discrete transaction opportunities (whole numbers)")
    bad = x > tx
    if bad.any():
        raise ValidationError(f"{caller}: {int(bad.sum())} of {x.size} customers have frequency > recency; at most "
                              "one transaction per opportunity, so x <= t_x")
    return x, tx, n, w


class BetaGeoBetaBinom(BaseFitter):
    """BG/BB: at each of n discrete opportunities an alive customer transacts with probability
    p ~ Beta(alpha, beta) and then drops out with probability theta ~ Beta(gamma, delta) before the next.

    ``fit(frequency, recency, n_periods)`` with x transactions, t_x the opportunity of the last one and n
    the opportunities observed (after the first purchase); the likelihood runs on :func:`bgbb_table`
    (distinct (x, t_x, n) rows with weights), in log space with analytic gradient.

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
    params_ : Series with "alpha", "beta", "gamma", "delta" (index ``parameter``)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, customers; variance_matrix_ : DataFrame; n_iter_ : int
    limits_ : tuple of str, the limits of the model the estimate is at (empty inside)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a discrete-time
    noncontractual setting. Marketing Science 29(6), 1086-1108. Eqs. (5) likelihood, (8) E[X(n)],
    (11) P(alive), (13) conditional expectation, (14) DERT.

    Examples
    --------
    >>> from crmresearch import clv
    >>> import lifetimes.datasets as ld   # doctest: +SKIP
    >>> d = ld.load_donations()           # doctest: +SKIP
    >>> m = clv.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])  # doctest: +SKIP
    >>> m.params_.round(3).tolist()       # FHS (2010): 1.204, 0.750, 0.657, 2.783   # doctest: +SKIP
    [1.204, 0.75, 0.657, 2.783]
    """

    #: transactions at discrete opportunities: its likelihood is a probability, not a density in t_x
    discrete_time = True
    _param_names = ("alpha", "beta", "gamma", "delta")
    # fit coordinates at the edges: log alpha/beta, log beta, log gamma/delta (dropout odds-like), log delta
    _coordinates = ({"alpha": 1.0, "beta": -1.0}, {"beta": 1.0}, {"gamma": 1.0, "delta": -1.0}, {"delta": 1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        1: shape_limit(lambda p: "no heterogeneity in transaction probabilities: every "
                 f"alive customer transacts with the same probability, {p['alpha'] / (p['alpha'] + p['beta']):.4g} "
                 "per opportunity (alpha and beta are held at that limit)"),
        2: mean_limit(lambda p: "no dropout in these data: BG/BB reduces to the beta-binomial, "
                 "P(alive) = 1 for everyone (gamma/delta is held at 1e-30; delta is not identified)", (3,)),
        3: shape_limit(lambda p: "no heterogeneity in dropout: every customer drops out with "
                 f"the same probability, {p['gamma'] / (p['gamma'] + p['delta']):.4g} per opportunity (gamma and "
                 "delta are held at that limit)"),
    }

    def fit(self, frequency, recency, n_periods, weights=None) -> BetaGeoBetaBinom:
        """Maximum-likelihood fit on the distinct (x, t_x, n) rows.

        Parameters
        ----------
        frequency, recency, n_periods : array-like, shape (n_rows,)
            x, t_x and n as in :func:`bgbb_table`.
        weights : array-like, optional
            Customers each row stands for (e.g. the counts of a published table); None: 1 each.

        Returns
        -------
        BetaGeoBetaBinom
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Rows that break the table's rules, fewer than 20 customers, or no transaction at all.
        """
        x, tx, n, w = _distinct_rows(frequency, recency, n_periods, weights, "BetaGeoBetaBinom.fit")
        n_cust = float(w.sum())
        if n_cust < MIN_CUSTOMERS:
            raise ValidationError(f"BetaGeoBetaBinom.fit: {n_cust:g} customers; the model has 4 parameters and needs "
                                  f"at least {MIN_CUSTOMERS} customers (crmresearch.clv.bgnbd.MIN_CUSTOMERS)")
        if w[x > 0].sum() == 0:
            raise ValidationError(f"BetaGeoBetaBinom.fit: none of the {n_cust:g} customers transacted (all frequency "
                                  "0); transaction and dropout probabilities cannot be estimated")
        self._terms = _terms(x, tx, n)
        self._w = w
        try:
            with blas_threads(1):  # small BLAS calls: threads cost more than they give (core.mle.blas_threads)
                self._optimise(n_obs=round(n_cust))
        finally:
            self.__dict__.pop("_terms", None)
            self.__dict__.pop("_w", None)
        return self

    def _start(self) -> np.ndarray:
        return np.zeros(4)

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _loglik(np.exp(log_params), self._terms, self._w, gradient=True)
        return -ll, -grad * np.exp(log_params)

    def log_likelihood(self, frequency, recency, n_periods, weights=None, params: dict | None = None) -> float:
        """Log-likelihood of customers at ``params`` (default: the fitted ones).

        Parameters
        ----------
        frequency, recency, n_periods : array-like, shape (n_rows,)
            x, t_x and n.
        weights : array-like, optional
            Customers per row.
        params : dict or None, optional
            ``{'alpha', 'beta', 'gamma', 'delta'}``; None: the fitted parameters.

        Returns
        -------
        float
            Total log-likelihood.
        """
        x, tx, n, w = _distinct_rows(frequency, recency, n_periods, weights, "BetaGeoBetaBinom.log_likelihood")
        p = params if params is not None else self._p_dict()
        return float(_loglik(np.array([p[k] for k in self._param_names]), _terms(x, tx, n), w)[0])

    # predictions ----------------------------------------------------------------------
    def _p_dict(self) -> dict:
        self._check_fitted("predict")
        return dict(self.params_)

    def _rows(self, frequency, recency, n_periods, caller: str) -> tuple[np.ndarray, ...]:
        x, tx, n, _ = check_frequency_recency_age(frequency, recency, n_periods, f"BetaGeoBetaBinom.{caller}")
        if (x > tx).any():
            raise ValidationError(f"BetaGeoBetaBinom.{caller}: {int((x > tx).sum())} of {x.size} customers have "
                                  "frequency > recency (x <= t_x)")
        return x, tx, n

    def _customer_loglik(self, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> np.ndarray:
        p = np.array([self._p_dict()[k] for k in self._param_names])
        return _loglik(p, _terms(x, tx, n), None)[0]

    def probability_alive(self, frequency, recency, n_periods, periods_ahead: int = 1) -> pd.Series | np.ndarray:
        """P(alive at opportunity n + ``periods_ahead`` | x, t_x, n); FHS (2010) eq. (11) (periods_ahead 1).

        Parameters
        ----------
        frequency, recency, n_periods : array-like, shape (n_customers,)
            x, t_x and n.
        periods_ahead : int, default 1
            0: alive at opportunity n; 1: still alive at the next one (FHS's P(alive)).

        Returns
        -------
        Series or ndarray
            P(alive) per customer (0-1).
        """
        a, b, g, d = (self._p_dict()[k] for k in self._param_names)
        x, tx, n = self._rows(frequency, recency, n_periods, "probability_alive")
        log_num = betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n + periods_ahead) - betaln(g, d)
        # a ratio of a likelihood's part to the whole: at most 1 (rounding put it at 1 + 2e-12 at the no-dropout limit)
        return per_customer(np.minimum(np.exp(log_num - self._customer_loglik(x, tx, n)), 1.0), frequency,
                            "probability_alive")

    def expected_purchases(self, periods, frequency, recency, n_periods) -> pd.Series | np.ndarray:
        """Expected transactions in the next ``periods`` opportunities given (x, t_x, n); FHS (2010) eq. (13).

        Parameters
        ----------
        periods : int or array-like
            Opportunities ahead n*.
        frequency, recency, n_periods : array-like, shape (n_customers,)
            x, t_x and n.

        Returns
        -------
        Series or ndarray
            Expected transactions per customer (count).
        """
        a, b, g, d = (self._p_dict()[k] for k in self._param_names)
        x, tx, n = self._rows(frequency, recency, n_periods, "expected_purchases")
        m = np.asarray(periods, dtype=float)
        # the Gamma ratios of eq. (13) paired in log space, ln prod_(i<k) (1 + d + i) / (g + d + i): separately they
        # overflow where gamma and delta are large (no heterogeneity in dropout; inf * 0 gave NaN there)
        def log_stay(k):
            return gammaln(g + d) - gammaln(1 + d) + gammaln(1 + d + k) - gammaln(g + d + k)

        now = log_stay(n)
        log_front = betaln(a + x + 1, b + n - x) - betaln(a, b) - self._customer_loglik(x, tx, n) + now
        tail = -np.expm1(log_stay(n + m) - now)
        return per_customer(d / (g - 1) * np.exp(log_front) * tail, frequency, "expected_purchases")

    def expected_purchases_new(self, periods) -> np.ndarray:
        """Expected transactions in the first ``periods`` opportunities of a new customer; FHS (2010) eq. (8).

        Parameters
        ----------
        periods : int or array-like
            Opportunities n.

        Returns
        -------
        ndarray
            Expected transactions (count).
        """
        a, b, g, d = (self._p_dict()[k] for k in self._param_names)
        n = np.asarray(periods, dtype=float)
        return a / (a + b) * d / (g - 1) * (1 - np.exp(gammaln(g + d) - gammaln(g + d + n)
                                                       + gammaln(1 + d + n) - gammaln(1 + d)))

    def dert(self, discount_rate: float, frequency, recency, n_periods) -> pd.Series | np.ndarray:
        """Discounted expected residual transactions; FHS (2010) eq. (14): transactions at opportunities
        n + 1, n + 2, ... each discounted by (1 + d) per opportunity ahead.

        Parameters
        ----------
        discount_rate : float
            Discount rate per opportunity, d > 0.
        frequency, recency, n_periods : array-like, shape (n_customers,)
            x, t_x and n.

        Returns
        -------
        Series or ndarray
            DERT per customer (discounted transactions).
        """
        a, b, g, d = (self._p_dict()[k] for k in self._param_names)
        rate = float(discount_rate)
        if not (np.isfinite(rate) and rate > 0):
            raise ValidationError(f"BetaGeoBetaBinom.dert: discount_rate must be > 0 (per opportunity); got {rate}")
        x, tx, n = self._rows(frequency, recency, n_periods, "dert")
        log_v = (betaln(a + x + 1, b + n - x) - betaln(a, b) + betaln(g, d + n + 1) - betaln(g, d)
                 - np.log1p(rate) + np.log(hyp2f1(1, d + n + 1, g + d + n + 1, 1 / (1 + rate)))
                 - self._customer_loglik(x, tx, n))
        return per_customer(np.exp(log_v), frequency, "dert")


def _terms(x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> dict:
    """Index arrays of the likelihood's terms per row: column 0 is 'alive at n', columns 1.. the
    dropout after opportunity t_x + i, i = 0 .. n - t_x - 1 (masked beyond). Each term is
    ln B(alpha + x, beta + m1) - ln B(alpha, beta) + ln B(gamma + g, delta + m2) - ln B(gamma, delta) with whole
    numbers x, m1, g, m2, so the log-gamma and digamma values are computed once per offset 0, 1, ... and
    looked up (``x``, ``m1``, ``xm1`` = x + m1, ``g``, ``m2``, ``gm2`` = g + m2: flat integer indices)."""
    width = int(np.max(n - tx)) + 1 if x.size else 1
    i = np.arange(width - 1, dtype=float)[None, :]
    m1 = np.column_stack([n - x, tx[:, None] - x[:, None] + i])  # beta + m1
    g = np.column_stack([np.zeros_like(x), np.ones((x.size, width - 1))])  # gamma + g
    m2 = np.column_stack([n, tx[:, None] + i])  # delta + m2
    mask = np.column_stack([np.ones(x.size, dtype=bool), i < (n - tx)[:, None]])
    xx = np.broadcast_to(x[:, None], m1.shape)
    idx = {k: np.where(mask, v, 0).astype(np.intp).ravel()
           for k, v in (("x", xx), ("m1", m1), ("xm1", xx + m1), ("g", g), ("m2", m2), ("gm2", g + m2))}
    return {**idx, "shape": m1.shape, "mask": mask, "size": int(max(v.max(initial=0) for v in idx.values())) + 1}


def _loglik(p: np.ndarray, t: dict, w: np.ndarray | None, gradient: bool = False):
    """Sum (w given) or per-row (w None) log-likelihood, FHS (2010) eq. (5) in log space; with the
    gradient in natural parameters (softmax-weighted digamma terms). Log-gamma and digamma are evaluated
    at alpha + k, beta + k, ... for the offsets k = 0, 1, ... only (:func:`_terms`)."""
    a, b, g, d = p
    k = np.arange(t["size"], dtype=float)
    with np.errstate(invalid="ignore"):
        la, lb, lab = gammaln(a + k), gammaln(b + k), gammaln(a + b + k)
        lg, ld, lgd = gammaln(g + k), gammaln(d + k), gammaln(g + d + k)
        const = la[0] + lb[0] - lab[0] + lg[0] + ld[0] - lgd[0]
        flat = (la[t["x"]] + lb[t["m1"]] - lab[t["xm1"]] + lg[t["g"]] + ld[t["m2"]] - lgd[t["gm2"]]) - const
    terms = np.where(t["mask"], flat.reshape(t["shape"]), -np.inf)
    top = terms.max(axis=1)
    e = np.exp(terms - top[:, None])
    tot = e.sum(axis=1)
    row = top + np.log(tot)
    if w is None:
        return row, None
    ll = float(w @ row)
    if not gradient:
        return ll, None
    soft = (e * (w / tot)[:, None]).ravel()  # masked cells are exp(-inf) = 0
    size, W = t["size"], float(w.sum())

    def by(key: str) -> np.ndarray:
        return np.bincount(t[key], weights=soft, minlength=size)

    pa, pb, pab = digamma(a + k), digamma(b + k), digamma(a + b + k)
    pg, pd_, pgd = digamma(g + k), digamma(d + k), digamma(g + d + k)
    s_xm1, s_gm2 = by("xm1"), by("gm2")
    da = by("x") @ pa - s_xm1 @ pab - W * (pa[0] - pab[0])
    db = by("m1") @ pb - s_xm1 @ pab - W * (pb[0] - pab[0])
    dg = by("g") @ pg - s_gm2 @ pgd - W * (pg[0] - pgd[0])
    dd = by("m2") @ pd_ - s_gm2 @ pgd - W * (pd_[0] - pgd[0])
    return ll, np.array([da, db, dg, dd])
