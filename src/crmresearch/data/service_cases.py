"""A seeded service-recovery simulator: complaint cases, relationship managers, churn with known effects.

Customers are followed for ``months`` months from day 0. Complaints arrive as a Poisson process;
the first agent keeps (owns) a case with probability ``owner_kept_share``, otherwise it is
transferred; resolution takes an exponential time whose mean depends on ownership; some
resolutions come with compensation. Each customer has a relationship manager; managers leave at
exponential times. Churn follows a Cox model with piecewise-constant hazard,

    h(t) = h0 exp(b_rural rural + b_open open_complaint(t) + b_slow slow_resolution(t)
                  + b_comp compensated(t) + b_mgr manager_left(t)),

drawn exactly by inverting the cumulative hazard over the customer's own covariate path. Each exit then gets a
cause (voluntary closure, credit closure, moved away) from its own random stream, drawn after everything else,
so that the cause-specific hazards are known (Prentice et al. 1978):

    h_voluntary(t) = s_v h(t)                          (the same log hazard ratios as churn),
    h_credit(t)    = s_c h0                            (no covariate moves it: a good recovery does not),
    h_moved(t)     = h(t) - h_voluntary(t) - h_credit(t)  (the rest; not proportional in the covariates),

with ``s_v = voluntary_share`` and ``s_c = credit_share``; an exit at T is voluntary with probability s_v and a
credit closure with probability s_c h0 / h(T). The total hazard, and so every other table, is the one without
causes. The path is written here from its definition, not with the estimators it is used to check; the tests
compare it with :func:`crmresearch.recovery.case_covariates` + :func:`crmresearch.survival.panel`. The true
log hazard ratios (of churn, and of voluntary and credit closure) are returned in ``truth``.

References: Prentice, Kalbfleisch, Peterson, Flournoy, Farewell & Breslow (1978), The analysis of failure times
in the presence of competing risks, Biometrics 34, 541-554.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ._truth import covariate_path
from .simulate import EXIT_CAUSES, _draw_causes

__all__ = ["ServiceCases", "simulate_service_cases"]

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class ServiceCases:
    """Tables of the service-recovery simulator and the truth that generated them.

    Attributes
    ----------
    customers : DataFrame
        Customer_id, rural, manager_id, duration_days, churned.
    cases : DataFrame
        Case_id, customer_id, opened_day, resolved_day, owner_kept, compensated.
    managers : DataFrame
        Manager_id, left_day.
    truth : dict of str to object
        The true log hazard ratios and settings.
    exits : DataFrame
        One row per churned customer: customer_id, duration_days and the cause of the exit (``EXIT_CAUSES``).

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_service_cases(n_customers=200, n_managers=5, seed=0)
    >>> list(sim.cases.columns)
    ['case_id', 'customer_id', 'opened_day', 'resolved_day', 'owner_kept', 'compensated']
    """

    customers: pd.DataFrame  # customer_id, rural, manager_id, duration_days, churned
    cases: pd.DataFrame  # case_id, customer_id, opened_day, resolved_day, owner_kept, compensated
    managers: pd.DataFrame  # manager_id, left_day
    truth: dict[str, Any] = field(default_factory=dict)
    exits: pd.DataFrame = field(default_factory=pd.DataFrame)

    def with_causes(self) -> pd.DataFrame:
        """``customers`` with the ``cause`` of each exit (None for customers still there).

        Returns
        -------
        DataFrame
            The customers and a ``cause`` column.

        Examples
        --------
        >>> from crmresearch import data
        >>> sim = data.simulate_service_cases(n_customers=300, n_managers=5, seed=0)
        >>> spells = sim.with_causes()
        >>> bool(spells['cause'].notna().eq(spells['churned']).all())
        True
        """
        cause = self.exits.set_index("customer_id")["cause"] if len(self.exits) else pd.Series(dtype=object)
        return self.customers.assign(cause=self.customers["customer_id"].map(cause).astype(object)
                                     .where(self.customers["churned"], None))


def simulate_service_cases(n_customers: int = 20_000, n_managers: int = 200, months: int = 36, seed: int = 0,
                           monthly_churn: float = 0.010, complaints_per_year: float = 0.30,
                           owner_kept_share: float = 0.60, owner_mean_days: float = 3.0,
                           transfer_mean_days: float = 8.0, compensation_share: float = 0.35,
                           manager_tenure_years: float = 4.0, slow_days: float = 7.0,
                           effect_rural: float = 0.25, effect_open: float = 0.90, effect_slow: float = 0.50,
                           effect_compensation: float = -0.40, effect_manager_left: float = 0.70,
                           voluntary_share: float = 0.70, credit_share: float = 0.15) -> ServiceCases:
    """Simulate customers, complaint cases and managers with known effects on churn (log hazard
    ratios ``effect_*``; see the module docstring). Days count from the start of observation.

    Parameters
    ----------
    n_customers : int, default 20000
        Customers followed.
    n_managers : int, default 200
        Relationship managers.
    months : int, default 36
        Observation window in months (30.44 days).
    seed : int, default 0
        Random seed; the same seed gives identical tables.
    monthly_churn : float, default 0.01
        Baseline churn probability per month (all covariates 0).
    complaints_per_year : float, default 0.3
        Complaints per customer and year (Poisson rate).
    owner_kept_share : float, default 0.6
        Share of cases the first agent keeps (owns) to resolution.
    owner_mean_days : float, default 3.0
        Mean days to resolve an owned case (exponential).
    transfer_mean_days : float, default 8.0
        Mean days to resolve a transferred case (exponential).
    compensation_share : float, default 0.35
        Share of resolutions that come with compensation.
    manager_tenure_years : float, default 4.0
        Mean years until a manager leaves (exponential).
    slow_days : float, default 7.0
        A resolution slower than this many days counts as slow.
    effect_rural : float, default 0.25
        True log hazard ratio of a rural customer.
    effect_open : float, default 0.9
        True log hazard ratio while a complaint is open.
    effect_slow : float, default 0.5
        True log hazard ratio after a slow resolution.
    effect_compensation : float, default -0.4
        True log hazard ratio after a compensated resolution.
    effect_manager_left : float, default 0.7
        True log hazard ratio after the customer's manager left.
    voluntary_share : float, default 0.7
        Voluntary closure's share of the churn hazard at every covariate value (its log hazard ratios are
        those of churn).
    credit_share : float, default 0.15
        Credit closure's hazard as a share of the baseline churn hazard h0, the same for every customer (no
        effect of recovery); ``credit_share * exp(-min lp) <= 1 - voluntary_share`` must hold, where ``min lp``
        is the sum of the negative ``effect_*``, so that moving away keeps a hazard of at least 0.

    Returns
    -------
    ServiceCases
        The customers, cases and managers tables and the truth.

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_service_cases(n_customers=500, n_managers=10, seed=0)
    >>> sorted(sim.truth['log_hazard_ratios'])
    ['compensated', 'manager_left', 'open_complaint', 'rural', 'slow_resolution']
    """
    for name, v in (("n_customers", n_customers), ("n_managers", n_managers), ("months", months)):
        if not isinstance(v, int | np.integer) or v < 1:
            raise ValidationError(f"simulate_service_cases: {name} must be a whole number >= 1; got {v!r}")
    for name, v in (("owner_kept_share", owner_kept_share), ("compensation_share", compensation_share)):
        if not 0 <= v <= 1:
            raise ValidationError(f"simulate_service_cases: {name} must be in [0, 1]; got {v}")
    lowest = sum(min(0.0, v) for v in (effect_rural, effect_open, effect_slow, effect_compensation,
                                       effect_manager_left))
    if not (0 <= voluntary_share <= 1 and credit_share >= 0
            and credit_share * np.exp(-lowest) <= 1 - voluntary_share + 1e-12):
        raise ValidationError(f"simulate_service_cases: voluntary_share {voluntary_share} and credit_share "
                              f"{credit_share} leave moving away a negative hazard: need credit_share * "
                              f"exp({-lowest:g}) <= 1 - voluntary_share")
    if not np.isfinite(slow_days) or slow_days <= 0:
        raise ValidationError(f"simulate_service_cases: slow_days must be > 0; got {slow_days}")
    rng = np.random.default_rng(seed)
    end = months * DAYS_PER_MONTH
    ids = np.arange(1, n_customers + 1)
    customers = pd.DataFrame({"customer_id": ids, "rural": rng.random(n_customers) < 0.35,
                              "manager_id": rng.integers(1, n_managers + 1, n_customers)})
    left = rng.exponential(manager_tenure_years * 365.25, n_managers)
    managers = pd.DataFrame({"manager_id": np.arange(1, n_managers + 1),
                             "left_day": np.where(left < end, left, np.nan)})

    n_cases = rng.poisson(complaints_per_year * end / 365.25, n_customers)
    owner = np.repeat(ids, n_cases)
    opened = rng.uniform(0, end, len(owner))
    kept = rng.random(len(owner)) < owner_kept_share
    days = rng.exponential(np.where(kept, owner_mean_days, transfer_mean_days))
    comp = rng.random(len(owner)) < compensation_share
    cases = pd.DataFrame({"customer_id": owner, "opened_day": opened, "resolved_day": opened + days,
                          "owner_kept": kept, "compensated": comp}).sort_values(["customer_id", "opened_day"])

    # each customer's covariate path over the whole window, then the churn time along it
    path = covariate_path(cases, customers, managers, slow_days, end)
    beta = {"rural": effect_rural, "open_complaint": effect_open, "slow_resolution": effect_slow,
            "compensated": effect_compensation, "manager_left": effect_manager_left}
    h0 = -np.log1p(-monthly_churn) / DAYS_PER_MONTH  # per day
    lp = sum(b * path[c].astype(float).to_numpy() for c, b in beta.items())
    h = h0 * np.exp(lp)
    width = (path["stop"] - path["start"]).to_numpy()
    cum = pd.Series(h * width).groupby(path["customer_id"].to_numpy()).cumsum().to_numpy()
    before = cum - h * width
    e = pd.Series(rng.exponential(1.0, n_customers), index=ids)
    target = e.reindex(path["customer_id"]).to_numpy()
    hit = (cum >= target) & (before < target)
    churn_at = pd.Series(path["start"].to_numpy()[hit] + (target[hit] - before[hit]) / h[hit],
                         index=path["customer_id"].to_numpy()[hit])
    customers["churned"] = customers["customer_id"].isin(churn_at.index)
    customers["duration_days"] = customers["customer_id"].map(churn_at).fillna(end).to_numpy()
    # cases exist only while the customer does: none after churn
    stay = cases["opened_day"].to_numpy() < customers.set_index("customer_id").loc[cases["customer_id"],
                                                                                  "duration_days"].to_numpy()
    cases = cases[stay].reset_index(drop=True)
    cases.insert(0, "case_id", np.arange(1, len(cases) + 1))
    cases.loc[cases["resolved_day"] > end, "resolved_day"] = np.nan  # still open at the end of observation
    truth = {"log_hazard_ratios": beta, "baseline_monthly_churn": monthly_churn, "end_day": end,
             "slow_days": slow_days, "mean_resolution_days": {"owner kept": owner_mean_days,
                                                              "transferred": transfer_mean_days}}
    customers = customers[["customer_id", "rural", "manager_id", "duration_days", "churned"]]
    # the cause of each exit, from the covariates at the exit, on its own stream after everything else
    state = path[hit].set_index("customer_id")
    lp_exit = sum(b * state[c].astype(float).to_numpy() for c, b in beta.items())
    p_credit = credit_share * np.exp(-lp_exit)  # h_credit / h = s_c h0 / (h0 exp(lp))
    p = np.column_stack([np.full(len(state), voluntary_share), p_credit,
                         np.clip(1 - voluntary_share - p_credit, 0.0, None)])
    stream = np.random.default_rng([int(seed), 2])
    drawn = _draw_causes(stream, p / p.sum(axis=1, keepdims=True), np.ones(len(state), dtype=bool))
    exits = pd.DataFrame({"customer_id": state.index.to_numpy(), "duration_days": churn_at.to_numpy(),
                          "cause": drawn}).sort_values("customer_id", ignore_index=True)
    truth["causes"] = {
        "model": "cause-specific hazards: voluntary closure s_v h(t | x) (the churn log hazard ratios), credit "
                 "closure s_c h0 (no covariate effect), moved away the rest h - h_v - h_c (not proportional)",
        "labels": list(EXIT_CAUSES), "voluntary_share": voluntary_share, "credit_share": credit_share,
        "log_hazard_ratios": {"voluntary_closure": dict(beta), "credit_closure": dict.fromkeys(beta, 0.0)}}
    return ServiceCases(customers, cases, managers, truth, exits)
