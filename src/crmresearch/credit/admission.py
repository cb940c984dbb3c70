"""Admission rules: approval rate, bad rate and profit of a score cut-off, with and without a stricter rule for
applicants with many recent inquiries or open accounts elsewhere (multi-lender exposure).

An applicant is approved when its score is at least the cut-off and, under the stricter policy, the rule does
not decline it. On approved loans a good earns ``margin`` and a bad loses ``lgd`` per unit lent, so with amounts
``A`` the profit is ``sum_good margin A - sum_bad lgd A``; the break-even odds of a marginal applicant are
``lgd / margin`` goods per bad (Thomas, Crook & Edelman 2017, ch. 3).

References
----------
Thomas, L. C., Crook, J. & Edelman, D. (2017). *Credit Scoring and its Applications*, 2nd ed. SIAM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, ValidationError
from ..schemas.checks import as_binary, as_numbers

__all__ = ["admission_tradeoff"]


def admission_tradeoff(score: Any, bad: Any, cutoffs: Sequence[float], rule: Any = None, amount: Any = None,
                       margin: float = 0.05, lgd: float = 0.6, rule_name: str = "stricter rule") -> pd.DataFrame:
    """Approval rate, bad rate and profit of each score cut-off, alone and with a stricter decline rule.

    Parameters
    ----------
    score : array-like, shape (n,)
        Points per applicant (higher is safer).
    bad : array-like, shape (n,)
        Outcome, 1 = bad, 0 = good.
    cutoffs : sequence of float
        Score cut-offs: an applicant is approved at a score of at least the cut-off.
    rule : array-like of bool, shape (n,), or None, optional
        True where the stricter rule declines the applicant (e.g. more than 2 inquiries in 6 months); None: the
        score alone.
    amount : array-like, shape (n,), or None, optional
        Amount lent per applicant (currency units); None: 1 each (profit per loan in units of the amount).
    margin : float, default 0.05
        Net earnings on a good loan over its life per unit lent (interest after funding and servicing costs).
    lgd : float, default 0.6
        Loss given default: the share of a bad loan's amount lost.
    rule_name : str, default 'stricter rule'
        Name of the policy with the rule, in the ``policy`` column.

    Returns
    -------
    DataFrame
        One row per cut-off and policy (``'score only'``, then ``rule_name``): ``cutoff``, ``policy``,
        ``approved``, ``approval_rate``, ``bads``, ``bad_rate`` (of the approved), ``amount``, ``profit`` and
        ``profit_per_applicant`` (over every applicant), ``declined_by_rule`` (approved by the score, declined
        by the rule).

    Examples
    --------
    >>> from crmresearch import credit
    >>> t = credit.admission_tradeoff([500, 550, 600, 650], [1, 0, 1, 0], [550], rule=[False, False, True, False])
    >>> t[["policy", "approved", "bad_rate", "profit"]].values.tolist()
    [['score only', 3, 0.3333333333333333, -0.5], ['stricter rule', 2, 0.0, 0.1]]
    """
    caller = "admission_tradeoff"
    s = as_numbers(score, "score", caller)
    y = as_binary(bad, "bad", caller)
    if s.shape != y.shape or not np.all(np.isfinite(s)):
        raise ValidationError(f"{caller}: score must be finite numbers, one per outcome; got {s.size} scores for "
                              f"{y.size} outcomes ({int((~np.isfinite(s)).sum())} not finite)")
    a = np.ones_like(s) if amount is None else as_numbers(amount, "amount", caller)
    if a.shape != s.shape or not np.all(np.isfinite(a) & (a >= 0)):
        raise ValidationError(f"{caller}: amount must be one finite amount >= 0 per applicant; "
                              f"{int((~(np.isfinite(a) & (a >= 0))).sum())} of {a.size} rows are not")
    declined = np.zeros(s.size, dtype=bool) if rule is None else as_binary(rule, "rule", caller).astype(bool)
    if declined.shape != s.shape:
        raise ValidationError(f"{caller}: rule must be one flag per applicant; got {declined.size} for {s.size}")
    for name, value in (("margin", margin), ("lgd", lgd)):
        if not (isinstance(value, int | float) and 0 <= value <= 1):
            raise ParameterError(f"{caller}: {name} must be in [0, 1] per unit lent; got {value!r}")
    cuts = [float(c) for c in cutoffs]
    if not cuts or not all(np.isfinite(cuts)):
        raise ParameterError(f"{caller}: cutoffs must be one or more finite scores; got {list(cutoffs)!r}")
    policies = [("score only", np.zeros(s.size, dtype=bool))] + ([] if rule is None else [(rule_name, declined)])
    rows = []
    for c in cuts:
        by_score = s >= c
        for policy, out in policies:
            ok = by_score & ~out
            n_ok, bads = int(ok.sum()), int(y[ok].sum())
            profit = float(margin * a[ok & (y == 0)].sum() - lgd * a[ok & (y == 1)].sum())
            rows.append({"cutoff": c, "policy": policy, "approved": n_ok, "approval_rate": n_ok / s.size,
                         "bads": bads, "bad_rate": bads / n_ok if n_ok else np.nan, "amount": float(a[ok].sum()),
                         "profit": profit, "profit_per_applicant": profit / s.size,
                         "declined_by_rule": int((by_score & out).sum())})
    return pd.DataFrame(rows)
