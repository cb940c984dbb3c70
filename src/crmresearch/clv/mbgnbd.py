"""MBG/NBD: the BG/NBD in which a customer can also drop out right after the first purchase
(Batislam, Denizel & Filiztekin 2007)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, hyp2f1

from ._base import per_customer
from .bgnbd import BetaGeoNBD, mean_limit, same_rate, shape_limit
from .bgnbd import check_frequency_recency_age as _check
from .paretonbd import _horizon

__all__ = ["ModifiedBetaGeoNBD"]


class ModifiedBetaGeoNBD(BetaGeoNBD):
    """MBG/NBD: while alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); at
    every purchase, the first included, the customer drops out with probability p ~ Beta(a, b). A customer
    without repeat purchases can therefore have left at time 0, and P(alive) < 1 for x = 0 as well.

    The same fitter as :class:`BetaGeoNBD` (distinct x summed once, threads, limits): the likelihood is
    BG/NBD's with b + x -> b + x + 1 and the dropout term for every customer,

        L = B(a, b+x+1)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
            + B(a+1, b+x)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)).

    Its fitted attributes are those of :class:`BetaGeoNBD`.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary`` (1 - alpha coverage).
    tol : float, default 1e-10
        Convergence tolerance of the optimiser (on the gradient).
    max_iter : int, default 2000
        Most optimiser iterations.
    n_jobs : int, default 2
        Threads that evaluate the log-likelihood in chunks during the fit (1 = none).
    time_unit : {'W', 'D', 'M'}, default 'W'
        Unit of recency and T, as ``freq`` of :func:`~crmresearch.clv.summary_from_transactions`.

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison of models
    for customer base analysis. International Journal of Research in Marketing 24(3), 201-209.
    Hoppe, D. and Wagner, U. (2007). Customer base analysis: the case for a central variant of the
    Betageometric/NBD model. Marketing - Journal of Research and Management 3(2), 75-90.

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load_cdnow_transactions(sample=True), "1997-09-30")
    >>> m = clv.ModifiedBetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    """

    _shift = 1
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        0: shape_limit(same_rate),
        2: mean_limit(lambda p: "no dropout in these data: MBG/NBD reduces to the NBD, "
                 "P(alive) = 1 for everyone (a/b is held at 1e-30; b is not identified)", (3,)),
        3: shape_limit(lambda p: "no heterogeneity in dropout: every customer drops out "
                 f"with the same probability, {p['a'] / (p['a'] + p['b']):.4g} at each purchase (the beta mixing "
                 "distribution reduces to a point; a and b are held at that limit)"),
    }

    def probability_alive(self, frequency, recency, T) -> pd.Series | np.ndarray:
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)), in log space.

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            P(alive) per customer (0-1).
        """
        r, alpha, a, b = self._p()
        x, tx, T, _ = _check(frequency, recency, T, "ModifiedBetaGeoNBD.probability_alive")
        log_odds_dead = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return per_customer(expit(-log_odds_dead), frequency, "probability_alive")

    def expected_purchases(self, t, frequency, recency, T) -> pd.Series | np.ndarray:
        """Expected repeat purchases in (T, T + t] given the history (Batislam et al. 2007):

            (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] P(alive).

        Parameters
        ----------
        t : float or array-like, shape (n_customers,)
            Horizon (time units).
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            Expected repeat purchases per customer (count).
        """
        r, alpha, a, b = self._p()
        x, tx, T, _ = _check(frequency, recency, T, "ModifiedBetaGeoNBD.expected_purchases")
        t = _horizon(t, x.size, "ModifiedBetaGeoNBD.expected_purchases")
        num = (a + b + x) / (a - 1) * (
            1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
            * hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t)))
        return per_customer(num * self.probability_alive(x, tx, T), frequency, "expected_purchases")

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer just acquired:
        b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))].

        Parameters
        ----------
        t : float or array-like
            Horizon (time units).

        Returns
        -------
        ndarray
            Expected repeat purchases (count).
        """
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
