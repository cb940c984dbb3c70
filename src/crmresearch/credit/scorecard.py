"""A logistic scorecard on WoE characteristics, scaled to points, and how well a score separates and calibrates.

Scaling (Siddiqi 2017, ch. 10): ``score = offset + factor ln(odds)`` with odds = goods : bads,
``factor = pdo / ln 2`` and ``offset = base_score - factor ln(base_odds)``: ``base_score`` points at
``base_odds`` and ``pdo`` more points for each doubling of the odds (defaults 600 points at 50:1, 20 pdo).
The logistic regression models ``ln(bads / goods) = b_0 + sum_j b_j WoE_j``; the points of bin ``i`` of
characteristic ``j`` among ``m`` are ``-(b_j WoE_ij + b_0 / m) factor + offset / m``, so an applicant's points
add up to the score.

References
----------
Siddiqi, N. (2017). *Intelligent Credit Scoring*, 2nd ed. Wiley.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from ..clv.value import rank_auc
from ..core.base import Estimator, parameter_table
from ..core.mle import invert, minimise
from ..errors import DataWarning, ParameterError, ValidationError
from ..schemas.checks import as_binary, as_numbers
from .binning import WoEBinning, _checked

__all__ = ["PointsScaling", "Scorecard", "discrimination", "ks_curve", "points_scaling", "score_bands"]


@dataclass(frozen=True)
class PointsScaling:
    """The linear map from ln(odds) (goods : bads) to points.

    Attributes
    ----------
    factor : float
        Points per unit of ln(odds): ``pdo / ln 2``.
    offset : float
        Points at odds 1:1: ``base_score - factor ln(base_odds)``.

    Examples
    --------
    >>> from crmresearch import credit
    >>> s = credit.points_scaling()
    >>> round(s.factor, 4), round(s.offset, 4), round(float(s.points(50.0)), 6)
    (28.8539, 487.1229, 600.0)
    """

    factor: float
    offset: float

    def points(self, odds: Any) -> Any:
        """Score at odds (goods per bad).

        Parameters
        ----------
        odds : float or array-like
            Good : bad odds.

        Returns
        -------
        float or ndarray
            Points.
        """
        return self.offset + self.factor * np.log(odds)


def points_scaling(pdo: float = 20.0, base_score: float = 600.0, base_odds: float = 50.0) -> PointsScaling:
    """Factor and offset of a scorecard scale (Siddiqi 2017, ch. 10).

    Parameters
    ----------
    pdo : float, default 20
        Points to double the odds.
    base_score : float, default 600
        Score at ``base_odds``.
    base_odds : float, default 50
        Good : bad odds at ``base_score``.

    Returns
    -------
    PointsScaling
        ``factor = pdo / ln 2`` and ``offset = base_score - factor ln(base_odds)``.

    Examples
    --------
    >>> from crmresearch import credit
    >>> round(float(credit.points_scaling(pdo=20, base_score=600, base_odds=50).points(100.0)), 6)
    620.0
    """
    for name, value in (("pdo", pdo), ("base_odds", base_odds)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise ParameterError(f"points_scaling: {name} must be a positive number; got {value!r}")
    if not (isinstance(base_score, int | float) and math.isfinite(base_score)):
        raise ParameterError(f"points_scaling: base_score must be a number; got {base_score!r}")
    factor = pdo / math.log(2)
    return PointsScaling(factor, base_score - factor * math.log(base_odds))


def _logistic_fit(Z: np.ndarray, y: np.ndarray, caller: str, max_iter: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Unpenalised logistic regression with intercept: coefficients, covariance, log-likelihood (core.mle)."""
    D = np.column_stack([np.ones(len(Z)), Z])

    def negloglik(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = D @ beta
        ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        return -ll, -(D.T @ (y - expit(eta)))

    start = np.zeros(D.shape[1])
    start[0] = math.log(y.mean() / (1 - y.mean()))
    opt = minimise(negloglik, start, caller=caller, max_iter=max_iter)
    p = expit(D @ opt.x)
    information = (D * (p * (1 - p))[:, None]).T @ D
    return opt.x, invert(information), -opt.fun


class Scorecard(Estimator):
    """Application scorecard: monotone WoE bins, a logistic regression on the WoE values, points per bin.

    Parameters
    ----------
    binning : WoEBinning or None, optional
        The binning settings (cloned, then fitted); None: ``WoEBinning()`` with its defaults.
    pdo : float, default 20
        Points to double the odds.
    base_score : float, default 600
        Score at ``base_odds``.
    base_odds : float, default 50
        Good : bad odds at ``base_score``.
    max_iter : int, default 1000
        Most optimiser iterations of the logistic regression.

    Attributes
    ----------
    binning_ : WoEBinning
        The fitted binning.
    params_ : Series
        Intercept and WoE coefficients on ln(bads / goods) (index ``parameter``).
    scaling_ : PointsScaling
        Factor and offset of the points.
    log_likelihood_, aic_, bic_ : float
        Of the logistic regression.
    n_obs_ : int
        Applicants fitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(2)
    >>> X = pd.DataFrame({"income": rng.gamma(4, 500, 3000), "age": rng.integers(18, 70, 3000)})
    >>> y = rng.random(3000) < 1 / (1 + np.exp(X["income"] / 1000 + X["age"] / 40 - 2))
    >>> card = credit.Scorecard(credit.WoEBinning(max_bins=5)).fit(X, y)
    >>> card.params_.round(2).tolist()
    [-0.8, -1.03, -1.17]
    >>> points = card.points_table()
    >>> points.loc[points["characteristic"] == "income", ["bin", "points"]].round(1).values.tolist()[:2]
    [['(-inf, 1238.8)', 227.2], ['[1238.8, 1683.84)', 242.9]]
    """

    def __init__(self, binning: WoEBinning | None = None, pdo: float = 20.0, base_score: float = 600.0,
                 base_odds: float = 50.0, max_iter: int = 1000) -> None:
        self.binning = binning
        self.pdo = pdo
        self.base_score = base_score
        self.base_odds = base_odds
        self.max_iter = max_iter

    def fit(self, X: pd.DataFrame, y: Any) -> Scorecard:
        """Bin the characteristics, fit the logistic regression on their WoE and scale it to points.

        Parameters
        ----------
        X : DataFrame
            Characteristics, one row per applicant.
        y : array-like, shape (n,)
            Outcome, 1 = bad, 0 = good.

        Returns
        -------
        Scorecard
            ``self``, fitted.
        """
        caller = f"{type(self).__name__}.fit"
        _checked(X, y, None if self.binning is None else self.binning.columns, caller)
        self.scaling_ = points_scaling(self.pdo, self.base_score, self.base_odds)
        binning = copy.deepcopy(self.binning) if self.binning is not None else WoEBinning()
        for k in [k for k in vars(binning) if k.endswith("_")]:
            delattr(binning, k)  # a fitted binning given as a setting is refitted on these data
        woe = binning.fit_transform(X, y)
        flat = [c for c in woe.columns if np.ptp(woe[c].to_numpy()) == 0]
        if flat:  # one WoE for every row: no information, and a column the intercept already spans
            warnings.warn(f"{caller}: {flat} have one bin and no missing values (one WoE for all {len(woe)} rows); "
                          "they are left out of the model (0 points)", DataWarning, stacklevel=2)
            if len(flat) == woe.shape[1]:
                raise ValidationError(f"{caller}: no characteristic has more than one bin; nothing to score")
            woe = woe.drop(columns=flat)
        yy = as_binary(y.to_numpy() if isinstance(y, pd.Series) else y, "the outcome", caller)  # checked above
        beta, cov, ll = _logistic_fit(woe.to_numpy(dtype=float), yy.astype(float), caller, self.max_iter)
        self.binning_ = binning
        self.params_ = pd.Series(beta, index=pd.Index(["intercept", *woe.columns], name="parameter"),
                                 name="estimate")
        self._cov = cov
        self.log_likelihood_ = float(ll)
        k = len(beta)
        self.aic_ = float(2 * k - 2 * ll)
        self.bic_ = float(k * math.log(len(yy)) - 2 * ll)
        self.n_obs_ = len(yy)
        return self

    def _summary(self) -> pd.DataFrame:
        iv = self.binning_.iv_.reindex(self.params_.index)
        return parameter_table(self.params_, std_error=np.sqrt(np.diag(self._cov)), extra={"iv": iv.to_numpy()})

    def points_table(self) -> pd.DataFrame:
        """Points of every bin of every characteristic (they add up to the score).

        Returns
        -------
        DataFrame
            One row per characteristic of the model and bin: the binning table's columns, the coefficient and
        ``points``.
        """
        self._check_fitted("points_table")
        s, b0 = self.scaling_, float(self.params_["intercept"])
        names = list(self.params_.index[1:])
        m = len(names)
        parts = []
        for c in names:
            t = self.binning_.bins_[c].table.copy()
            t["coefficient"] = float(self.params_[c])
            t["points"] = -(t["coefficient"] * t["woe"] + b0 / m) * s.factor + s.offset / m
            parts.append(t)
        return pd.concat(parts, ignore_index=True)

    def _log_odds_bad(self, X: pd.DataFrame) -> np.ndarray:
        woe = self.binning_.transform(X)[list(self.params_.index[1:])]
        return self.params_["intercept"] + woe.to_numpy(dtype=float) @ self.params_.iloc[1:].to_numpy()

    def predict_proba(self, X: pd.DataFrame) -> pd.Series:
        """Probability of a bad per applicant.

        Parameters
        ----------
        X : DataFrame
            Characteristics of the applicants.

        Returns
        -------
        Series
            P(bad), indexed as ``X``.
        """
        self._check_fitted("predict_proba")
        return pd.Series(expit(self._log_odds_bad(X)), index=X.index, name="p_bad")

    def score(self, X: pd.DataFrame) -> pd.Series:
        """Score (points) per applicant: the sum of its bins' points, ``offset + factor ln(goods / bads)``.

        Parameters
        ----------
        X : DataFrame
            Characteristics of the applicants.

        Returns
        -------
        Series
            Points, indexed as ``X``; higher is safer.
        """
        self._check_fitted("score")
        s = self.scaling_
        return pd.Series(s.offset - s.factor * self._log_odds_bad(X), index=X.index, name="score")


def discrimination(y: Any, score: Any, higher: str = "good") -> pd.Series:
    """How well a score separates bads from goods: AUC, Gini (accuracy ratio) and the Kolmogorov-Smirnov statistic.

    Parameters
    ----------
    y : array-like, shape (n,)
        Outcome, 1 = bad, 0 = good.
    score : array-like, shape (n,)
        Score per applicant.
    higher : {'good', 'bad'}, default 'good'
        What a higher score means: safer (points) or riskier (a probability of bad).

    Returns
    -------
    Series
        ``auc`` (probability that a random bad ranks riskier than a random good, ties half), ``gini`` = 2 AUC - 1,
        ``ks`` (largest gap between the score distributions of bads and goods, as ``scipy.stats.ks_2samp``) and
        ``ks_score`` (the score where it occurs), ``n``, ``bads``.

    Examples
    --------
    >>> from crmresearch import credit
    >>> credit.discrimination([1, 1, 0, 0, 0], [500, 560, 550, 610, 640]).round(3).tolist()
    [0.833, 0.667, 0.667, 560.0, 5.0, 2.0]
    """
    if higher not in ("good", "bad"):
        raise ParameterError(f"discrimination: higher must be 'good' or 'bad'; got {higher!r}")
    yy = as_binary(y, "y", "discrimination")
    s = as_numbers(score, "score", "discrimination")
    if s.shape != yy.shape or not np.all(np.isfinite(s)):
        raise ValidationError(f"discrimination: score must be finite numbers, one per outcome; got {s.size} scores "
                              f"for {yy.size} outcomes ({int((~np.isfinite(s)).sum())} not finite)")
    risk = s if higher == "bad" else -s
    auc = rank_auc(risk, yy)
    values, inverse = np.unique(s, return_inverse=True)
    bads = np.cumsum(np.bincount(inverse, weights=yy, minlength=len(values))) / yy.sum()
    goods = np.cumsum(np.bincount(inverse, weights=1 - yy, minlength=len(values))) / (1 - yy).sum()
    gap = np.abs(bads - goods)
    j = int(np.argmax(gap))
    return pd.Series({"auc": auc, "gini": 2 * auc - 1, "ks": float(gap[j]), "ks_score": float(values[j]),
                      "n": float(yy.size), "bads": float(yy.sum())})


def score_bands(y: Any, score: Any, p_bad: Any, width: float = 20.0, origin: float = 0.0) -> pd.DataFrame:
    """Calibration by score band: applicants, observed and predicted bad rates and odds per band of points.

    Parameters
    ----------
    y : array-like, shape (n,)
        Outcome, 1 = bad, 0 = good.
    score : array-like, shape (n,)
        Points per applicant.
    p_bad : array-like, shape (n,)
        Predicted probability of a bad per applicant (the scorecard's).
    width : float, default 20
        Band width in points (one pdo by default).
    origin : float, default 0
        A band edge; bands are ``[origin + k width, origin + (k + 1) width)``.

    Returns
    -------
    DataFrame
        One row per band that has applicants: ``lower``, ``upper`` (points), ``n``, ``bads``, ``bad_rate``,
        ``predicted_bad_rate`` (mean P(bad)), ``observed_odds`` and ``predicted_odds`` (goods per bad) and ``z``
        (observed minus predicted bads over the binomial standard deviation).

    Examples
    --------
    >>> from crmresearch import credit
    >>> t = credit.score_bands([1, 0, 0, 0], [505, 515, 530, 555], [0.3, 0.2, 0.1, 0.05])
    >>> t[["lower", "n", "bads", "predicted_bad_rate"]].values.tolist()
    [[500.0, 2.0, 1.0, 0.25], [520.0, 1.0, 0.0, 0.1], [540.0, 1.0, 0.0, 0.05]]
    """
    yy = as_binary(y, "y", "score_bands")
    s = as_numbers(score, "score", "score_bands")
    p = as_numbers(p_bad, "p_bad", "score_bands")
    if not (s.shape == yy.shape == p.shape) or not (np.all(np.isfinite(s)) and np.all((p >= 0) & (p <= 1))):
        raise ValidationError("score_bands: y, score and p_bad must be one per applicant, scores finite and "
                              "p_bad in [0, 1]")
    if not (isinstance(width, int | float) and width > 0):
        raise ParameterError(f"score_bands: width must be positive points; got {width!r}")
    band = np.floor((s - origin) / width)
    t = (pd.DataFrame({"band": band, "y": yy, "p": p}).groupby("band")
         .agg(n=("y", "size"), bads=("y", "sum"), bad_rate=("y", "mean"), predicted_bad_rate=("p", "mean"),
              variance=("p", lambda v: float(np.sum(v * (1 - v))))))
    lower = origin + t.index.to_numpy() * width
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({"lower": lower, "upper": lower + width, "n": t["n"].to_numpy(dtype=float),
                            "bads": t["bads"].to_numpy(dtype=float), "bad_rate": t["bad_rate"].to_numpy(),
                            "predicted_bad_rate": t["predicted_bad_rate"].to_numpy(),
                            "observed_odds": ((1 - t["bad_rate"]) / t["bad_rate"]).to_numpy(),
                            "predicted_odds": ((1 - t["predicted_bad_rate"]) / t["predicted_bad_rate"]).to_numpy(),
                            "z": ((t["bads"] - t["n"] * t["predicted_bad_rate"]) / np.sqrt(t["variance"])).to_numpy()})
    return out


def ks_curve(y: Any, score: Any, points: int = 101) -> pd.DataFrame:
    """Cumulative shares of bads and goods at or below each score (the Kolmogorov-Smirnov chart).

    Parameters
    ----------
    y : array-like, shape (n,)
        Outcome, 1 = bad, 0 = good.
    score : array-like, shape (n,)
        Points per applicant (higher is safer).
    points : int, default 101
        Scores at which the shares are given: evenly spaced quantiles of the score.

    Returns
    -------
    DataFrame
        ``score``, ``bads_below`` and ``goods_below`` (shares of all bads / goods with a score at or below it)
        and ``gap`` (their difference; its largest value is the KS of :func:`discrimination`).

    Examples
    --------
    >>> from crmresearch import credit
    >>> credit.ks_curve([1, 1, 0, 0, 0], [500, 560, 550, 610, 640], points=3)["gap"].round(3).tolist()
    [0.5, 0.667, 0.0]
    """
    yy = as_binary(y, "y", "ks_curve")
    s = as_numbers(score, "score", "ks_curve")
    if s.shape != yy.shape or not np.all(np.isfinite(s)):
        raise ValidationError("ks_curve: score must be finite numbers, one per outcome")
    if not (isinstance(points, int) and points >= 2):
        raise ParameterError(f"ks_curve: points must be an integer >= 2; got {points!r}")
    grid = np.quantile(s, np.linspace(0, 1, points))
    order = np.sort(s[yy == 1]), np.sort(s[yy == 0])
    bads = np.searchsorted(order[0], grid, side="right") / max(order[0].size, 1)
    goods = np.searchsorted(order[1], grid, side="right") / max(order[1].size, 1)
    return pd.DataFrame({"score": grid, "bads_below": bads, "goods_below": goods, "gap": bads - goods})
