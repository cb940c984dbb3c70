"""Population stability of a score and characteristic stability of a scorecard between application cohorts.

The population stability index of a score between a development cohort (expected shares ``e_i`` per band) and
a recent one (actual shares ``a_i``) is ``PSI = sum_i (a_i - e_i) ln(a_i / e_i)`` (Siddiqi 2017, ch. 14); the
usual reading is < 0.1 stable, 0.1-0.25 a shift to watch, > 0.25 a shift that calls for redevelopment (Yurdakul
2018 on its sampling distribution). A characteristic's stability is the same index on its scorecard bins and,
in points, ``sum_i (a_i - e_i) points_i``: how far the shift in that characteristic alone moves the mean score.

References
----------
Siddiqi, N. (2017). *Intelligent Credit Scoring*, 2nd ed. Wiley.
Yurdakul, B. (2018). Statistical properties of population stability index. PhD thesis, Western Michigan Univ.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, ValidationError
from ..schemas.checks import as_numbers
from .scorecard import Scorecard

__all__ = ["characteristic_stability", "population_stability", "psi_reading"]

#: Empty bands get this share in the index (so ln(a / e) stays finite), as is usual.
_FLOOR = 1e-4


def psi_reading(psi: float) -> str:
    """The conventional reading of a population stability index (Siddiqi 2017, ch. 14).

    Parameters
    ----------
    psi : float
        The index.

    Returns
    -------
    str
        ``'stable'`` (< 0.1), ``'watch'`` (0.1 to 0.25) or ``'shifted'`` (> 0.25).

    Examples
    --------
    >>> from crmresearch import credit
    >>> credit.psi_reading(0.03), credit.psi_reading(0.3)
    ('stable', 'shifted')
    """
    return "stable" if psi < 0.1 else "watch" if psi <= 0.25 else "shifted"


def _index(e: np.ndarray, a: np.ndarray) -> np.ndarray:
    e, a = np.maximum(e, _FLOOR), np.maximum(a, _FLOOR)
    return (a - e) * np.log(a / e)


def population_stability(expected: Any, actual: Any, bins: int | Any = 10) -> pd.DataFrame:
    """Population stability index of a score between a development cohort and a recent one.

    Parameters
    ----------
    expected : array-like
        Scores of the development (reference) cohort.
    actual : array-like
        Scores of the recent cohort.
    bins : int or array-like, default 10
        Number of bands, cut at the deciles (quantiles) of ``expected``; or the inner band edges themselves.

    Returns
    -------
    DataFrame
        One row per band: ``band`` (interval text), ``expected_share``, ``actual_share``, ``psi`` (the band's
        contribution); ``attrs['psi']`` holds the total.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import credit
    >>> t = credit.population_stability([1, 2, 3, 4], [3, 4, 4, 4], bins=[2.5])
    >>> t[["expected_share", "actual_share"]].values.tolist(), round(t.attrs["psi"], 4)
    ([[0.5, 0.0], [0.5, 1.0]], 4.6043)
    """
    caller = "population_stability"
    e = as_numbers(expected, "expected", caller)
    a = as_numbers(actual, "actual", caller)
    for name, v in (("expected", e), ("actual", a)):
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValidationError(f"{caller}: {name} must be finite scores; {int((~np.isfinite(v)).sum())} of "
                                  f"{v.size} rows are not")
    if isinstance(bins, int | np.integer):
        if bins < 2:
            raise ParameterError(f"{caller}: bins must be at least 2; got {bins}")
        edges = np.unique(np.quantile(e, np.linspace(0, 1, int(bins) + 1)[1:-1]))
    else:
        edges = np.unique(as_numbers(bins, "bins", caller))
    idx_e, idx_a = np.searchsorted(edges, e, side="right"), np.searchsorted(edges, a, side="right")
    k = len(edges) + 1
    es = np.bincount(idx_e, minlength=k) / e.size
    as_ = np.bincount(idx_a, minlength=k) / a.size
    lo = np.concatenate([[-np.inf], edges])
    hi = np.concatenate([edges, [np.inf]])
    out = pd.DataFrame({"band": [f"[{x:g}, {y:g})" for x, y in zip(lo, hi, strict=True)], "expected_share": es,
                        "actual_share": as_, "psi": _index(es, as_)})
    out.attrs["psi"] = float(out["psi"].sum())
    return out


def characteristic_stability(scorecard: Scorecard, expected: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Stability of each characteristic of a fitted scorecard between two cohorts of applicants.

    Parameters
    ----------
    scorecard : Scorecard
        A fitted scorecard (its bins and points).
    expected : DataFrame
        Characteristics of the development cohort.
    actual : DataFrame
        Characteristics of the recent cohort.

    Returns
    -------
    DataFrame
        One row per characteristic of the model: ``csi`` (the stability index on its bins), ``points_shift``
        (``sum (actual share - expected share) x points``: the change of the mean score due to it alone),
        ``reading`` and ``bins``. Categories not seen in the fit count in the missing bin, as they score.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import credit
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"income": rng.gamma(4, 500, 2000)})
    >>> y = rng.random(2000) < 1 / (1 + np.exp(X["income"] / 1000 - 1))
    >>> card = credit.Scorecard(credit.WoEBinning(max_bins=4)).fit(X, y)
    >>> later = X.assign(income=X["income"] * 0.8)
    >>> t = credit.characteristic_stability(card, X, later)
    >>> t["reading"].tolist(), bool(t["points_shift"].iloc[0] < 0)
    (['watch'], True)
    """
    scorecard._check_fitted("characteristic_stability")
    points = scorecard.points_table()
    rows = []
    for c in scorecard.params_.index[1:]:
        binning = scorecard.binning_.bins_[c]
        pts = points.loc[points["characteristic"] == c, "points"].to_numpy()
        k = len(pts)
        ie, ia = (np.where(i < 0, k - 1, i) for i in (binning.bin_index(expected[c].to_numpy()),
                                                         binning.bin_index(actual[c].to_numpy())))
        es, as_ = np.bincount(ie, minlength=k) / len(expected), np.bincount(ia, minlength=k) / len(actual)
        csi = float(_index(es, as_).sum())
        rows.append({"characteristic": c, "csi": csi, "points_shift": float(((as_ - es) * pts).sum()),
                     "reading": psi_reading(csi), "bins": k})
    return pd.DataFrame(rows)
