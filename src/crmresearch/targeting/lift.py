"""Scores to decisions: lift and gain, calibration by bin, the profit of targeting the top of
a score against a mass offer, and the best depth over offer cost x acceptance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["calibration_table", "depth_grid", "lift_table", "targeting_profit"]


def _scores_and_labels(scores: Any, y: Any, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """Finite scores and 0/1 labels of equal, non-zero length (labels such as 0.7 are refused, not truncated)."""
    from ..schemas.checks import as_binary, as_numbers

    s, yy = as_numbers(scores, "scores", caller), as_binary(y, "y", caller, unit="labels")
    if s.shape != yy.shape or s.size == 0:
        raise ValidationError(f"{caller}: scores and y must be non-empty and of equal length; got {s.size} and "
                              f"{yy.size}")
    if not np.all(np.isfinite(s)):
        raise ValidationError(f"{caller}: {int((~np.isfinite(s)).sum())} of {s.size} scores are missing or infinite")
    return s, yy


def lift_table(scores: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Deciles (or ``bins``) of customers by score, highest first: customers, churners, churn rate,
    lift (rate / overall rate), cumulative share of churners captured (gain).

    Parameters
    ----------
    scores : ndarray
        Churn score per customer.
    y : ndarray
        Churn (0/1).
    bins : int, default 10
        Groups (10 = deciles).

    Examples
    --------
    >>> from crmresearch import survival, targeting
    >>> targeting.lift_table([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], bins=2)[['bin', 'churn_rate', 'lift']].values.tolist()
    [[1.0, 1.0, 2.0], [2.0, 0.0, 0.0]]
    """
    s, y = _scores_and_labels(scores, y, "lift_table")
    order = np.argsort(-s, kind="stable")
    groups = np.floor(np.arange(s.size) * bins / s.size).astype(int)
    frame = pd.DataFrame({"bin": groups + 1, "y": y[order], "score": s[order]})
    t = frame.groupby("bin").agg(customers=("y", "size"), churners=("y", "sum"), mean_score=("score", "mean"))
    t["churn_rate"] = t["churners"] / t["customers"]
    t["lift"] = t["churn_rate"] / y.mean()
    t["cumulative_customers_share"] = t["customers"].cumsum() / s.size
    t["gain"] = t["churners"].cumsum() / max(y.sum(), 1)
    t["cumulative_lift"] = t["gain"] / t["cumulative_customers_share"]
    return t.reset_index()


def targeting_profit(scores: np.ndarray, clv: np.ndarray, offer_cost: float, acceptance_rate: float,
                     contact_cost: float = 0.0, depths: Sequence[float] | None = None) -> tuple[pd.DataFrame, dict]:
    """Expected profit of a retention offer to the top share of customers by churn score.

    A contacted customer costs ``contact_cost``. A would-be churner (probability = calibrated score
    p) accepts with ``acceptance_rate`` and is retained, bringing ``clv`` minus ``offer_cost``; a
    customer who would have stayed takes the offer anyway (cost ``offer_cost``), as in Neslin et al.
    (2006). Expected profit of contacting i: p γ (CLV - c) - (1 - p) c - contact_cost.

    Returns
    -------
    curve : DataFrame by depth (share of customers contacted, highest scores first): customers,
        expected_profit.
    best : dict with the profit-maximising depth and profit, and the mass (everyone) profit.

    Parameters
    ----------
    scores : ndarray
        Calibrated churn probability per customer.
    clv : ndarray
        Value of keeping each customer (currency units).
    offer_cost : float
        Cost of the offer (currency units).
    acceptance_rate : float
        Share of would-be churners who accept and stay.
    contact_cost : float, default 0.0
        Cost per contact (currency units).
    depths : sequence of float or None, optional
        Shares contacted; None: 0, 0.01, ..., 1.

    Examples
    --------
    >>> from crmresearch import survival, targeting
    >>> curve, best = targeting.targeting_profit([0.8, 0.1], [500.0, 500.0], offer_cost=20, acceptance_rate=0.5)
    >>> round(best['best_profit'], 1), best['best_customers']   # 0.8 x 0.5 x 480 - 0.2 x 20: contact the first only
    (194.0, 2)
    """
    p, v = np.asarray(scores, dtype=float), np.asarray(clv, dtype=float)
    if p.shape != v.shape:
        raise ValidationError("targeting_profit: scores and clv must have equal length")
    if not (0 <= acceptance_rate <= 1) or offer_cost < 0 or contact_cost < 0:
        raise ValidationError("targeting_profit: acceptance_rate in [0, 1], costs >= 0")
    if ((p < 0) | (p > 1)).any():
        raise ValidationError("targeting_profit: scores must be calibrated probabilities in [0, 1]")
    gain = p * acceptance_rate * (v - offer_cost) - (1 - p) * offer_cost - contact_cost
    order = np.argsort(-p, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(gain[order])])
    n = p.size
    if depths is None:
        depths = np.linspace(0, 1, 101)
    k = np.floor(np.asarray(depths) * n + 0.5).astype(int)
    curve = pd.DataFrame({"depth": depths, "customers": k, "expected_profit": cum[k]})
    best_k = int(np.argmax(cum))
    best = {"best_depth": best_k / n, "best_customers": best_k, "best_profit": float(cum[best_k]),
            "mass_profit": float(cum[-1]), "no_offer_profit": 0.0}
    return curve, best


def calibration_table(scores: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability table: customers in equal-count bins of predicted probability, mean predicted
    vs observed churn rate (a calibrated model has them equal).

    Parameters
    ----------
    scores : ndarray
        Predicted probabilities.
    y : ndarray
        Observed outcomes (0/1).
    bins : int, default 10
        Equal-count bins.

    Returns
    -------
    DataFrame
        One row per bin: customers, mean predicted and observed rate.

    Examples
    --------
    >>> from crmresearch import survival, targeting
    >>> targeting.calibration_table([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], bins=2).round(2).values.tolist()
    [[1.0, 2.0, 0.15, 0.0], [2.0, 2.0, 0.85, 1.0]]
    """
    s, y = _scores_and_labels(scores, y, "calibration_table")
    order = np.argsort(s, kind="stable")
    groups = np.empty(s.size, dtype=int)
    groups[order] = np.floor(np.arange(s.size) * bins / s.size).astype(int)
    t = pd.DataFrame({"bin": groups + 1, "p": s, "y": y}).groupby("bin").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean"))
    return t.reset_index()


def depth_grid(scores: np.ndarray, clv: np.ndarray, offer_costs: Sequence[float], acceptance_rates: Sequence[float],
               contact_cost: float = 0.0) -> pd.DataFrame:
    """Profit-maximising targeting depth and its profit vs the mass offer over a grid of offer
    costs and acceptance rates (long table).

    Parameters
    ----------
    scores : ndarray
        Calibrated churn probability per customer.
    clv : ndarray
        Value of keeping each customer (currency units).
    offer_costs : sequence of float
        Offer costs to try (currency units).
    acceptance_rates : sequence of float
        Acceptance rates to try (shares).
    contact_cost : float, default 0.0
        Cost per contact (currency units).

    Returns
    -------
    DataFrame
        One row per offer cost and acceptance rate: best depth and customers, its profit, the mass-offer and
        no-offer profits.

    Examples
    --------
    >>> from crmresearch import survival, targeting
    >>> grid = targeting.depth_grid([0.8, 0.5, 0.1], [500.0] * 3, offer_costs=[20, 50], acceptance_rates=[0.3])
    >>> grid.columns.tolist()
    ['offer_cost', 'acceptance_rate', 'best_depth', 'best_customers', 'best_profit', 'mass_profit', 'no_offer_profit']
    """
    rows = []
    for c in offer_costs:
        for a in acceptance_rates:
            _, best = targeting_profit(scores, clv, offer_cost=c, acceptance_rate=a, contact_cost=contact_cost)
            rows.append({"offer_cost": c, "acceptance_rate": a, **best})
    return pd.DataFrame(rows)
