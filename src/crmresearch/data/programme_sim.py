"""A seeded reward programme: staggered, self-selected enrolment with known effects on spend and churn.

Each customer has a loyalty score ``u ~ N(0, 1)``. Without the programme, spend in month t is
``(m_i + lambda_t) x e_it`` with level ``m_i = base_spend x exp(loyalty_spend x u_i)``, a month effect
``lambda_t`` common to all (seasonality) and a mean-one Gamma noise ``e_it``: trends are parallel
across customers, as a difference in differences needs, while levels differ. Loyal customers enrol
earlier: in each month of the enrolment window a customer not yet enrolled joins with probability
``enrol_rate x exp(loyalty_enrol x u_i)``; the rest never join. From the enrolment month on, a member
spends ``spend_effect + spend_growth x e`` more per month at e months since joining (same noise).
After the panel each customer may churn within ``followup_months`` with a monthly hazard
``churn_hazard x exp(-loyalty_churn x u_i)``, times ``churn_ratio`` for members.

Both potential outcomes are drawn with the same random numbers, so the truth is the realised effect
on the members: ``truth['att']`` is the mean of Y(1) - Y(0) over member-months from enrolment on (the
cell-size weighting of Callaway & Sant'Anna's overall effect), ``truth['event_study']`` the same per
month since enrolment and ``truth['churn_att']`` the members' churn with minus without the programme.
The naive member vs non-member gap mixes this with loyalty (Leenheer et al. 2007; Liu 2007).

This module imports no model module: an oracle must not share code with what it checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["Programme", "simulate_programme"]


@dataclass
class Programme:
    """Tables of the reward-programme simulator and the truth that generated them.

    Attributes
    ----------
    customers : DataFrame
        ``customer_id``, ``enrolled`` (enrolment date; NaT: never), ``churned`` (bool, within the
        follow-up after the panel), ``churn_date``.
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount``: one row per customer and month with spend (the month's
        total, currency units).
    truth : dict of str to object
        ``att`` (spend per member-month), ``event_study`` (Series by months since enrolment),
        ``churn_att`` (members' churn share with minus without, in share points of 1), ``loyalty`` (Series
        by customer), ``start``, ``end`` (the panel window) and the settings.

    Examples
    --------
    >>> from crmresearch import data
    >>> prog = data.simulate_programme(n_customers=300, seed=0)
    >>> list(prog.customers.columns)
    ['customer_id', 'enrolled', 'churned', 'churn_date']
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)


def simulate_programme(n_customers: int = 4_000, months: int = 24, seed: int = 0, enrol_from: int = 7,
                       enrol_to: int = 18, enrol_rate: float = 0.06, loyalty_enrol: float = 1.0,
                       base_spend: float = 40.0, loyalty_spend: float = 0.5, spend_effect: float = 3.0,
                       spend_growth: float = 0.25, noise_shape: float = 4.0, churn_hazard: float = 0.02,
                       loyalty_churn: float = 0.8, churn_ratio: float = 0.8, followup_months: int = 12,
                       start: str = "2024-01-01") -> Programme:
    """Simulate a reward programme with staggered, self-selected enrolment (see the module docstring).

    Parameters
    ----------
    n_customers : int, default 4000
        Customers.
    months : int, default 24
        Months of the panel.
    seed : int, default 0
        Random seed; the same seed gives identical tables.
    enrol_from, enrol_to : int, default 7, 18
        First and last month (1-based) in which customers may enrol.
    enrol_rate : float, default 0.06
        Monthly enrolment probability of an average customer (loyalty 0).
    loyalty_enrol : float, default 1.0
        Log-ratio of the enrolment probability per standard deviation of loyalty (> 0: the loyal earlier).
    base_spend : float, default 40.0
        Monthly spend level of an average customer (currency units).
    loyalty_spend : float, default 0.5
        Log-ratio of the spend level per standard deviation of loyalty.
    spend_effect, spend_growth : float, default 3.0, 0.25
        The programme's effect on monthly spend in the enrolment month, and its growth per month since
        (currency units).
    noise_shape : float, default 4.0
        Gamma shape of the month-to-month noise (mean 1).
    churn_hazard : float, default 0.02
        Monthly churn hazard of an average non-member after the panel.
    loyalty_churn : float, default 0.8
        Log-ratio by which a standard deviation of loyalty lowers the hazard.
    churn_ratio : float, default 0.8
        Hazard ratio of members (the programme's effect on churn).
    followup_months : int, default 12
        Months after the panel in which churn is observed.
    start : str, default '2024-01-01'
        First day of the panel (ISO date).

    Returns
    -------
    Programme
        The customers and transactions tables and the truth.

    Raises
    ------
    ValidationError
        For sizes that are not whole numbers >= 1, an enrolment window outside the panel, or rates
        outside their range.

    Examples
    --------
    >>> from crmresearch import data
    >>> prog = data.simulate_programme(n_customers=500, seed=1)
    >>> round(prog.truth['att'], 1) > prog.truth['settings']['spend_effect']
    True
    """
    caller = "simulate_programme"
    for name, v in (("n_customers", n_customers), ("months", months), ("followup_months", followup_months)):
        if not isinstance(v, int | np.integer) or v < 1:
            raise ValidationError(f"{caller}: {name} must be a whole number >= 1; got {v!r}")
    if not 2 <= enrol_from <= enrol_to <= months:
        raise ValidationError(f"{caller}: the enrolment window must satisfy 2 <= enrol_from <= enrol_to <= months; "
                              f"got {enrol_from}..{enrol_to} of {months}")
    if not 0 < enrol_rate < 1 or not 0 < churn_hazard < 1 or churn_ratio <= 0 or noise_shape <= 0:
        raise ValidationError(f"{caller}: enrol_rate and churn_hazard must lie in (0, 1), churn_ratio and "
                              f"noise_shape above 0")
    settings = dict(n_customers=n_customers, months=months, seed=seed, enrol_from=enrol_from, enrol_to=enrol_to,
                    enrol_rate=enrol_rate, loyalty_enrol=loyalty_enrol, base_spend=base_spend,
                    loyalty_spend=loyalty_spend, spend_effect=spend_effect, spend_growth=spend_growth,
                    noise_shape=noise_shape, churn_hazard=churn_hazard, loyalty_churn=loyalty_churn,
                    churn_ratio=churn_ratio, followup_months=followup_months)
    rng = np.random.default_rng(seed)
    n, T = int(n_customers), int(months)
    u = rng.standard_normal(n)
    level = base_spend * np.exp(loyalty_spend * u)
    month = np.arange(1, T + 1)
    season = 0.1 * base_spend * np.sin(2 * np.pi * (month - 1) / 12)  # lambda_t, common to all
    noise = rng.gamma(noise_shape, 1 / noise_shape, (n, T))
    # enrolment: a discrete-time hazard over the window, higher for the loyal
    p_join = np.clip(enrol_rate * np.exp(loyalty_enrol * u), 0, 0.95)
    draws = rng.random((n, enrol_to - enrol_from + 1))
    joins = draws < p_join[:, None]
    first = np.where(joins.any(axis=1), enrol_from + joins.argmax(axis=1), 0)  # 0: never
    event = month[None, :] - first[:, None]
    member_month = (first[:, None] > 0) & (event >= 0)
    y0 = (level[:, None] + season[None, :]) * noise
    lift = np.where(member_month, spend_effect + spend_growth * np.maximum(event, 0), 0.0)
    y1 = y0 + lift * noise
    spend = np.where(member_month, y1, y0)
    # churn after the panel: the same uniform for both potential outcomes
    h0 = np.clip(churn_hazard * np.exp(-loyalty_churn * u), 0, 1)
    h1 = np.clip(h0 * churn_ratio, 0, 1)
    e = rng.exponential(1.0, n)  # churn when the cumulative hazard -log(1 - h) x months passes e
    t0_churn = e / -np.log1p(-h0)
    t1_churn = e / -np.log1p(-h1)
    member = first > 0
    t_churn = np.where(member, t1_churn, t0_churn)
    churned = t_churn < followup_months
    t_start = pd.Timestamp(start)
    month_start = pd.date_range(t_start, periods=T, freq="MS")
    end = month_start[-1] + pd.offsets.MonthEnd(0)
    enrolled = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    join_day = rng.integers(0, 28, n)
    enrolled[member] = month_start[first[member] - 1] + pd.to_timedelta(join_day[member], unit="D")
    churn_date = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    churn_date[churned] = end + pd.to_timedelta(np.floor(t_churn[churned] * 30.4375), unit="D") + pd.Timedelta(days=1)
    customers = pd.DataFrame({"customer_id": np.arange(1, n + 1), "enrolled": enrolled.to_numpy(),
                              "churned": churned, "churn_date": churn_date.to_numpy()})
    ci, ti = np.nonzero(spend > 0)
    tx = pd.DataFrame({"customer_id": ci + 1, "date": month_start[ti] + pd.Timedelta(days=14),
                       "amount": np.round(spend[ci, ti], 2)})
    effect = (y1 - y0)[member_month]
    ev = pd.Series(effect).groupby(event[member_month]).mean()
    ev.index.name = "event_time"
    churn_att = float(((t1_churn < followup_months) & member).sum() - ((t0_churn < followup_months) & member).sum())
    truth = {"att": float(effect.mean()) if effect.size else float("nan"), "event_study": ev.rename("effect"),
             "churn_att": churn_att / max(int(member.sum()), 1),
             "loyalty": pd.Series(u, index=pd.Index(np.arange(1, n + 1), name="customer_id"), name="loyalty"),
             "first_month": pd.Series(first, index=pd.Index(np.arange(1, n + 1), name="customer_id")),
             "start": t_start, "end": end, "settings": settings}
    return Programme(customers, tx, truth)
