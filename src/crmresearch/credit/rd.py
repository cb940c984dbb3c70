"""Sharp regression discontinuity at a score cut-off: local linear estimate with a triangular kernel, the
Imbens-Kalyanaraman bandwidth, McCrary's density test and placebo cut-offs.

The effect at the cut-off ``c`` is ``tau = lim_{x↓c} E[y | x] - lim_{x↑c} E[y | x]``, estimated by weighted
least squares of ``y`` on ``1, D, x - c, D (x - c)`` (``D = 1[x >= c]``) with weights ``(1 - |x - c| / h)_+``;
its standard error is the heteroskedasticity-robust (HC1) sandwich of that regression. The bandwidth ``h`` is
Imbens & Kalyanaraman's (2012) MSE-optimal rule for the triangular kernel, as R's ``rdd::IKbandwidth``
computes it. McCrary's (2008) test compares the log density of the running variable just above and below
the cut-off (a manipulated score piles up on the favoured side). Design for credit limits: Agarwal,
Chomsisengphet, Mahoney & Stroebel (2018).

References
----------
Imbens, G. & Kalyanaraman, K. (2012). Optimal bandwidth choice for the regression discontinuity estimator.
*Review of Economic Studies* 79(3), 933-959.
McCrary, J. (2008). Manipulation of the running variable in the regression discontinuity design: a density
test. *Journal of Econometrics* 142(2), 698-714.
Agarwal, S., Chomsisengphet, S., Mahoney, N. & Stroebel, J. (2018). Do banks pass through credit expansions
to consumers who want to borrow? *Quarterly Journal of Economics* 133(1), 129-190.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.base import Estimator, parameter_table
from ..errors import ParameterError, ValidationError
from ..schemas.checks import as_numbers

__all__ = ["RegressionDiscontinuity", "binned_means", "density_test", "ik_bandwidth", "placebo_cutoffs"]

_C_TRIANGULAR = 3.4375  # the IK constant of the triangular kernel


def _xy(x: Any, y: Any, caller: str) -> tuple[np.ndarray, np.ndarray]:
    xx = as_numbers(x, "the running variable", caller)
    yy = as_numbers(y, "the outcome", caller)
    if xx.shape != yy.shape:
        raise ValidationError(f"{caller}: the running variable has {xx.size} rows and the outcome {yy.size}")
    bad = ~(np.isfinite(xx) & np.isfinite(yy))
    if bad.any():
        raise ValidationError(f"{caller}: {int(bad.sum())} of {xx.size} rows have a missing or infinite running "
                              "variable or outcome")
    return xx, yy


def _sides(x: np.ndarray, cutoff: float, caller: str, least: int = 10) -> None:
    left, right = int((x < cutoff).sum()), int((x >= cutoff).sum())
    if left < least or right < least:
        raise ValidationError(f"{caller}: {left} rows below and {right} at or above the cut-off {cutoff:g}; at "
                              f"least {least} on each side are needed")


def ik_bandwidth(x: Any, y: Any, cutoff: float = 0.0) -> float:
    """Imbens & Kalyanaraman's (2012) MSE-optimal bandwidth of the local linear RD estimator (triangular kernel).

    Parameters
    ----------
    x : array-like
        Running variable (the score).
    y : array-like
        Outcome.
    cutoff : float, default 0
        The cut-off (treated at or above).

    Returns
    -------
    float
        The bandwidth, in units of ``x``: ``3.4375 [2 sigma^2(c) / (f(c) ((m2+ - m2-)^2 + r+ + r-))]^(1/5)
        n^(-1/5)`` with the pilot density, variance, second derivatives and regularisation of IK's algorithm.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-1, 1, 2000)
    >>> y = 0.5 * (x >= 0) + x + 3 * x ** 2 * (x >= 0) + rng.normal(0, 0.3, 2000)
    >>> round(credit.ik_bandwidth(x, y), 3)
    0.348
    """
    caller = "ik_bandwidth"
    xx, yy = _xy(x, y, caller)
    _sides(xx, cutoff, caller)
    n = xx.size
    d = xx - cutoff
    right = d >= 0
    h1 = 1.84 * np.std(xx, ddof=1) * n ** (-0.2)  # step 1: pilot density and variance at the cut-off
    in_l, in_r = (d < 0) & (d >= -h1), right & (d <= h1)
    n_l, n_r = int(in_l.sum()), int(in_r.sum())
    if n_l < 2 or n_r < 2:
        raise ValidationError(f"{caller}: too few rows near the cut-off ({n_l} below, {n_r} above within {h1:g})")
    f = (n_l + n_r) / (2 * n * h1)
    s2 = (((yy[in_l] - yy[in_l].mean()) ** 2).sum() + ((yy[in_r] - yy[in_r].mean()) ** 2).sum()) / (n_l + n_r)
    # step 2: a global cubic with a jump for the third derivative, then local quadratics for the second ones
    G = np.column_stack([np.ones(n), right, d, d ** 2, d ** 3])
    m3 = 6 * np.linalg.lstsq(G, yy, rcond=None)[0][4]
    m3 = m3 if abs(m3) > 1e-12 else 1e-12
    nl_all, nr_all = int((~right).sum()), int(right.sum())
    h2_l = 3.56 * (s2 / (f * m3 ** 2)) ** (1 / 7) * nl_all ** (-1 / 7)
    h2_r = 3.56 * (s2 / (f * m3 ** 2)) ** (1 / 7) * nr_all ** (-1 / 7)

    def curvature(mask: np.ndarray) -> tuple[float, int]:
        dd = d[mask]
        if dd.size < 3:
            return 0.0, max(dd.size, 1)
        return 2 * np.linalg.lstsq(np.column_stack([np.ones(dd.size), dd, dd ** 2]), yy[mask], rcond=None)[0][2], \
            dd.size

    m2_l, k_l = curvature((d < 0) & (d >= -h2_l))
    m2_r, k_r = curvature(right & (d <= h2_r))
    r_l, r_r = 2160 * s2 / (k_l * h2_l ** 4), 2160 * s2 / (k_r * h2_r ** 4)  # step 3: regularised
    return float(_C_TRIANGULAR * (2 * s2 / (f * ((m2_r - m2_l) ** 2 + r_l + r_r))) ** 0.2 * n ** (-0.2))


def _local_linear(x: np.ndarray, y: np.ndarray, cutoff: float, h: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """WLS of y on 1, D, x-c, D(x-c) with triangular weights: coefficients, HC1 covariance, rows left / right."""
    d = x - cutoff
    w = np.maximum(1 - np.abs(d) / h, 0.0)
    use = w > 0
    d, yy, w = d[use], y[use], w[use]
    D = (d >= 0).astype(float)
    X = np.column_stack([np.ones(d.size), D, d, D * d])
    XtW = X.T * w
    bread = np.linalg.pinv(XtW @ X)
    beta = bread @ (XtW @ yy)
    e = yy - X @ beta
    meat = (X * (w * e)[:, None]).T @ (X * (w * e)[:, None])
    k = X.shape[1]
    cov = bread @ meat @ bread * d.size / max(d.size - k, 1)
    return beta, cov, int((D == 0).sum()), int((D == 1).sum())


class RegressionDiscontinuity(Estimator):
    """Sharp regression discontinuity: the jump of an outcome at a score cut-off, by local linear regression.

    Parameters
    ----------
    cutoff : float, default 0
        The cut-off of the running variable; treatment at or above it.
    bandwidth : float or 'ik', default 'ik'
        Half-width of the window, in units of the running variable; ``'ik'``: :func:`ik_bandwidth`.
    alpha : float, default 0.05
        1 - confidence level of the interval.

    Attributes
    ----------
    params_ : Series
        ``effect`` (the jump), ``intercept`` (the left limit at the cut-off), ``slope_left``, ``slope_right``.
    effect_, std_error_, ci_lower_, ci_upper_ : float
        The effect, its robust standard error and normal interval.
    bandwidth_ : float
        The bandwidth used.
    n_left_, n_right_, n_obs_ : int
        Rows inside the window below and at or above the cut-off, and in all.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(-1, 1, 4000)
    >>> y = 2.0 * (x >= 0) + 3 * x + rng.normal(0, 1, 4000)
    >>> rd = credit.RegressionDiscontinuity(cutoff=0.0).fit(x, y)
    >>> bool(rd.ci_lower_ < 2.0 < rd.ci_upper_), round(rd.effect_, 2)
    (True, 2.01)
    """

    def __init__(self, cutoff: float = 0.0, bandwidth: float | str = "ik", alpha: float = 0.05) -> None:
        self.cutoff = cutoff
        self.bandwidth = bandwidth
        self.alpha = alpha

    def fit(self, x: Any, y: Any) -> RegressionDiscontinuity:
        """Estimate the jump of ``y`` at the cut-off of ``x``.

        Parameters
        ----------
        x : array-like, shape (n,)
            Running variable (the score).
        y : array-like, shape (n,)
            Outcome (a number or a 0/1 event).

        Returns
        -------
        RegressionDiscontinuity
            ``self``, fitted.
        """
        caller = f"{type(self).__name__}.fit"
        if not (self.bandwidth == "ik" or (isinstance(self.bandwidth, int | float) and self.bandwidth > 0)):
            raise ParameterError(f"{caller}: bandwidth must be 'ik' or a positive number; got {self.bandwidth!r}")
        if not (isinstance(self.alpha, float) and 0 < self.alpha < 1):
            raise ParameterError(f"{caller}: alpha must be in (0, 1); got {self.alpha!r}")
        xx, yy = _xy(x, y, caller)
        _sides(xx, self.cutoff, caller)
        h = ik_bandwidth(xx, yy, self.cutoff) if self.bandwidth == "ik" else float(self.bandwidth)
        beta, cov, n_l, n_r = _local_linear(xx, yy, self.cutoff, h)
        if n_l < 3 or n_r < 3:
            raise ValidationError(f"{caller}: {n_l} rows below and {n_r} above the cut-off within the bandwidth "
                                  f"{h:g}; at least 3 on each side are needed")
        se = np.sqrt(np.diag(cov))
        self.bandwidth_ = h
        self.params_ = pd.Series([beta[1], beta[0], beta[2], beta[2] + beta[3]],
                                 index=pd.Index(["effect", "intercept", "slope_left", "slope_right"],
                                                name="parameter"), name="estimate")
        self._se = np.array([se[1], se[0], se[2], math.sqrt(max(cov[2, 2] + cov[3, 3] + 2 * cov[2, 3], 0.0))])
        z = stats.norm.ppf(1 - self.alpha / 2)
        self.effect_, self.std_error_ = float(beta[1]), float(se[1])
        self.ci_lower_, self.ci_upper_ = self.effect_ - z * self.std_error_, self.effect_ + z * self.std_error_
        self.n_left_, self.n_right_ = n_l, n_r
        self.n_obs_ = n_l + n_r
        return self

    def _summary(self) -> pd.DataFrame:
        return parameter_table(self.params_, std_error=self._se, alpha=self.alpha)


def density_test(x: Any, cutoff: float = 0.0, bin_size: float | None = None,
                 bandwidth: float | None = None) -> pd.Series:
    """McCrary's (2008) test of a jump in the density of the running variable at the cut-off.

    Parameters
    ----------
    x : array-like
        Running variable.
    cutoff : float, default 0
        The cut-off.
    bin_size : float or None, optional
        Histogram bin width; None: McCrary's ``2 sd(x) n^(-1/2)``, rounded up to whole steps of a running variable
        on a grid (a score in whole points).
    bandwidth : float or None, optional
        Local linear bandwidth over the bins; None: McCrary's rule (a quartic fitted on each side, averaged).

    Returns
    -------
    Series
        ``log_difference`` (``ln f+ - ln f-``), ``std_error``, ``z``, ``p_value`` (two-sided), ``density_left``,
        ``density_right``, ``bin_size``, ``bandwidth``.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> x = np.random.default_rng(0).normal(0, 1, 5000)
    >>> bool(credit.density_test(x, 0.0)["p_value"] > 0.05)
    True
    """
    caller = "density_test"
    xx = as_numbers(x, "the running variable", caller)
    if not np.all(np.isfinite(xx)):
        raise ValidationError(f"{caller}: {int((~np.isfinite(xx)).sum())} of {xx.size} values are missing")
    _sides(xx, cutoff, caller)
    n = xx.size
    b = float(bin_size) if bin_size is not None else 2 * np.std(xx, ddof=1) / math.sqrt(n)
    gaps = np.diff(np.unique(xx))
    step = float(gaps.min()) if gaps.size else b
    if bin_size is None and np.allclose(gaps / step, np.round(gaps / step)):  # a score on a grid (whole points):
        b = step * math.ceil(b / step)  # bins of whole grid steps, or some hold no possible value
    lo = cutoff - b * math.ceil((cutoff - xx.min()) / b)
    k = math.ceil((xx.max() - lo) / b) + 1
    counts = np.bincount(((xx - lo) // b).astype(int), minlength=k)
    mid = lo + (np.arange(k) + 0.5) * b
    dens = counts / (n * b)
    left = mid < cutoff
    if bandwidth is None:
        hs = []
        for side in (left, ~left):
            r = mid[side] - cutoff
            G = np.column_stack([r ** p for p in range(5)])
            coef, *_ = np.linalg.lstsq(G, dens[side], rcond=None)
            resid = dens[side] - G @ coef
            s2 = float(resid @ resid) / max(side.sum() - 5, 1)
            f2 = 2 * coef[2] + 6 * coef[3] * r + 12 * coef[4] * r ** 2
            span = float(np.ptp(mid[side])) + b
            hs.append(3.348 * (s2 * span / max(float(np.sum(f2 ** 2)), 1e-300)) ** 0.2)
        h = float(np.mean(hs))
    else:
        h = float(bandwidth)
    fits = []
    for side in (left, ~left):
        r = mid[side] - cutoff
        w = np.maximum(1 - np.abs(r) / h, 0.0)
        use = w > 0
        if use.sum() < 3:
            raise ValidationError(f"{caller}: fewer than 3 bins within the bandwidth {h:g} on one side")
        X = np.column_stack([np.ones(use.sum()), r[use]])
        beta = np.linalg.lstsq(X * np.sqrt(w[use])[:, None], dens[side][use] * np.sqrt(w[use]), rcond=None)[0]
        fits.append(max(float(beta[0]), 1e-300))
    f_l, f_r = fits
    theta = math.log(f_r) - math.log(f_l)
    se = math.sqrt(24 / (5 * n * h) * (1 / f_r + 1 / f_l))
    z = theta / se
    return pd.Series({"log_difference": theta, "std_error": se, "z": z, "p_value": float(2 * stats.norm.sf(abs(z))),
                      "density_left": f_l, "density_right": f_r, "bin_size": b, "bandwidth": h})


def placebo_cutoffs(x: Any, y: Any, cutoff: float, placebos: Sequence[float], bandwidth: float | str = "ik",
                    alpha: float = 0.05) -> pd.DataFrame:
    """RD estimates at cut-offs where nothing happens: each placebo uses only the rows on its side of the true one.

    Parameters
    ----------
    x, y : array-like, shape (n,)
        Running variable and outcome.
    cutoff : float
        The true cut-off.
    placebos : sequence of float
        Placebo cut-offs (none equal to ``cutoff``).
    bandwidth : float or 'ik', default 'ik'
        As :class:`RegressionDiscontinuity`.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    DataFrame
        One row per placebo: ``cutoff``, ``effect``, ``std_error``, ``ci_lower``, ``ci_upper``, ``p_value``,
        ``bandwidth``, ``n_obs``.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(2)
    >>> x = rng.uniform(-1, 1, 6000)
    >>> y = 1.0 * (x >= 0) + x + rng.normal(0, 0.5, 6000)
    >>> t = credit.placebo_cutoffs(x, y, 0.0, [-0.5, 0.5])
    >>> bool((t["p_value"] > 0.01).all())
    True
    """
    caller = "placebo_cutoffs"
    xx, yy = _xy(x, y, caller)
    rows = []
    for p in placebos:
        if p == cutoff:
            raise ParameterError(f"{caller}: a placebo cut-off equals the true one ({cutoff:g})")
        side = xx < cutoff if p < cutoff else xx >= cutoff
        rd = RegressionDiscontinuity(float(p), bandwidth, alpha).fit(xx[side], yy[side])
        rows.append({"cutoff": float(p), "effect": rd.effect_, "std_error": rd.std_error_, "ci_lower": rd.ci_lower_,
                     "ci_upper": rd.ci_upper_,
                     "p_value": float(2 * stats.norm.sf(abs(rd.effect_ / rd.std_error_))),
                     "bandwidth": rd.bandwidth_, "n_obs": rd.n_obs_})
    return pd.DataFrame(rows)


def binned_means(x: Any, y: Any, fit: RegressionDiscontinuity, width: float) -> pd.DataFrame:
    """Mean outcome per bin of the running variable within a fit's bandwidth, beside the fit's local lines.

    Parameters
    ----------
    x, y : array-like, shape (n,)
        Running variable and outcome (as fitted).
    fit : RegressionDiscontinuity
        The fitted estimate.
    width : float
        Bin width in units of ``x``; bins start at the cut-off (none straddles it).

    Returns
    -------
    DataFrame
        One row per bin with rows: ``side`` (``'below'`` or ``'at or above'`` the cut-off), ``x`` (bin middle),
        ``observed`` (mean outcome), ``fitted`` (the local linear line at ``x``), ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> x = np.arange(-50.0, 50.0)
    >>> rd = credit.RegressionDiscontinuity(bandwidth=20.0).fit(x, 2.0 * (x >= 0) + 0.1 * x)
    >>> credit.binned_means(x, 2.0 * (x >= 0) + 0.1 * x, rd, 10.0)[["side", "x", "fitted"]].round(2).values.tolist()
    [['below', -15.0, -1.5], ['below', -5.0, -0.5], ['at or above', 5.0, 2.5], ['at or above', 15.0, 3.5]]
    """
    fit._check_fitted("binned_means")
    xx, yy = _xy(x, y, "binned_means")
    if not (isinstance(width, int | float) and width > 0):
        raise ParameterError(f"binned_means: width must be positive; got {width!r}")
    c, h = fit.cutoff, fit.bandwidth_
    keep = np.abs(xx - c) < h
    k = np.floor((xx[keep] - c) / width)
    t = pd.DataFrame({"k": k, "y": yy[keep]}).groupby("k")["y"].agg(["mean", "size"]).reset_index()
    mid = c + (t["k"].to_numpy() + 0.5) * width
    right = mid >= c
    p = fit.params_
    fitted = np.where(right, p["intercept"] + p["effect"] + p["slope_right"] * (mid - c),
                      p["intercept"] + p["slope_left"] * (mid - c))
    return pd.DataFrame({"side": np.where(right, "at or above", "below"), "x": mid, "observed": t["mean"].to_numpy(),
                         "fitted": fitted, "n": t["size"].to_numpy()})
