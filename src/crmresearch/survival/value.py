"""Expected remaining lifetime and survival-based customer lifetime value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["survival_clv"]


def survival_clv(result, frame: pd.DataFrame, margin: np.ndarray | pd.Series | float, discount_rate: float,
                 horizon: int = 60) -> pd.DataFrame:
    """Expected remaining lifetime and discounted margin of each (active) customer.

    For a customer with current tenure t0 and covariates x, the probability of still being a
    customer k periods ahead is S(t0 + k | x) / S(t0 | x) from the fitted model; the expected
    remaining lifetime over the horizon is the sum of those probabilities (periods), and the CLV
    discounts ``margin`` per period at ``discount_rate`` per period.

    Parameters
    ----------
    result : a fitted :func:`cox` or :func:`aft` result
    frame : survival frame of the customers to value (``duration`` = current tenure)
    margin : margin per period, one value or one per customer (currency)
    discount_rate : per period
    horizon : periods ahead

    Returns
    -------
    DataFrame (same index): ``expected_lifetime`` (periods, within the horizon) and ``clv`` (currency).
    """
    from .evaluate import _source_covariates
    from .models import _strata, design_matrix

    if discount_rate < 0 or horizon < 1:
        raise ValidationError("survival_clv: discount_rate must be >= 0 and horizon >= 1")
    X = design_matrix(frame, _source_covariates(result, frame), "survival_clv")
    for c in result.covariates_:
        if c not in X.columns:
            X[c] = 0.0
    X = X[result.covariates_]
    for c in _strata(result.model_):
        X[c] = frame[c].astype(str).to_numpy()
    t0 = frame["duration"].to_numpy(dtype=float)
    grid = np.arange(0, horizon + 1, dtype=float)
    # survival on a fine common grid of absolute times, then interpolated at t0 + k
    t_max = float(t0.max() + horizon)
    abs_grid = np.linspace(0, t_max, int(np.ceil(t_max)) * 2 + 1)
    X.index = pd.RangeIndex(len(X))
    S = result.model_.predict_survival_function(X, times=abs_grid)[X.index].to_numpy().T  # (n, grid)
    cond = np.empty((len(frame), grid.size))
    for i in range(len(frame)):
        s_at = np.interp(t0[i] + grid, abs_grid, S[i])
        cond[i] = s_at / max(s_at[0], 1e-12)
    disc = (1 + discount_rate) ** -grid[1:]
    m = np.broadcast_to(np.asarray(margin, dtype=float), (len(frame),))
    return pd.DataFrame({"expected_lifetime": cond[:, 1:].sum(axis=1),
                         "clv": m * (cond[:, 1:] @ disc)}, index=frame.index)
