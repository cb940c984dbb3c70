"""A seeded prospect simulator: lead sources, contact attempts, conversion and first-year value with
known effects; and existing customers' product holdings in acquisition order (next product to buy).

Prospects come from five sources (customer referral, staff referral, branch walk-in, mass mailing,
digital). Referred prospects have higher incomes (the mix differs by source), so their raw conversion
advantage overstates the referral effect; the true effect on the log-odds of converting is known.
Each prospect is called up to ``max_attempts`` times in random time bands until reached; reach depends
on the band (evenings best) and the day (weekends better). A reached prospect converts with

    logit P = b0 + b_source + b_income log(income / 45) + b_age (age - 45) / 10 + b_urban urban,

and a converted prospect brings a first-year value (USD) whose median rises with income and is higher
for referrals. Holdings: customers acquire products one after another; the next product depends on the
last one held (a known affinity matrix) and on age.

Referrals: every converted prospect from a customer referral was brought in by a customer who converted before
(a lower ``prospect_id``; customers join in id order, so links never run in a circle), drawn with weight
``(income / 45) ** referral_income_effect`` times a gamma(0.5) advocacy draw (a few customers refer many; with
the default -1 lower incomes refer more). A share ``referral_anyway_share`` of the referred would have joined
anyway (a known flag per link), and ``month`` (0 to 11) is the month of the referral. These draws come from a
random stream of their own (``SeedSequence(seed, spawn_key=(1,))``): every other table is the same with or
without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["PRODUCTS", "SOURCES", "Prospects", "simulate_prospects"]

SOURCES = ("mass_mailing", "referral_customer", "referral_staff", "walk_in", "digital")
BANDS = ("morning", "midday", "afternoon", "evening")
PRODUCTS = ("current_account", "savings", "credit_card", "personal_loan", "mortgage", "investment_fund",
            "insurance")


@dataclass
class Prospects:
    """Tables of the prospect simulator and the truth that generated them.

    Attributes
    ----------
    prospects : DataFrame
        One row per prospect: source, income (USD thousand a year), age, urban, outcome and first-year value.
    contacts : DataFrame
        One row per contact attempt: prospect_id, attempt, band, weekend, reached.
    holdings : DataFrame
        Customers' products in acquisition order.
    truth : dict of str to object
        The true log-odds effects and settings; ``referral_anyway`` (Series of 0/1 by ``referred_id``: would
        have joined anyway), ``referral_anyway_share`` and ``referral_weight`` (each customer's true
        propensity to refer, by ``prospect_id``).
    referrals : DataFrame
        One row per referred customer: ``referrer_id`` and ``referred_id`` (``prospect_id`` of converted
        prospects), ``month`` (0 to 11).

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_prospects(n_prospects=100, n_customers=20, seed=0)
    >>> list(sim.contacts.columns)
    ['prospect_id', 'attempt', 'band', 'weekend', 'reached']
    """

    prospects: pd.DataFrame  # prospect_id, source, age, income_k, urban, attempts, reached, converted, value
    contacts: pd.DataFrame  # prospect_id, attempt, band, weekend, reached
    holdings: pd.DataFrame  # customer_id, age, income_k, order, product
    truth: dict[str, Any] = field(default_factory=dict)
    referrals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["referrer_id", "referred_id",
                                                                                  "month"]))


def simulate_prospects(n_prospects: int = 20_000, n_customers: int = 10_000, seed: int = 0, max_attempts: int = 3,
                       source_shares: tuple[float, ...] = (0.50, 0.10, 0.08, 0.12, 0.20),
                       source_effects: tuple[float, ...] = (0.0, 0.9, 0.6, 0.7, 0.2), intercept: float = -1.4,
                       income_effect: float = 0.6, age_effect: float = 0.15, urban_effect: float = 0.2,
                       reach_by_band: tuple[float, ...] = (0.25, 0.30, 0.35, 0.55), weekend_reach: float = 0.10,
                       median_value: float = 300.0, referral_anyway_share: float = 0.3,
                       referral_income_effect: float = -1.0) -> Prospects:
    """Simulate prospects, their contact attempts and outcomes, and customers' product holdings.
    ``source_effects`` are the true log-odds effects of each source in :data:`SOURCES` order (mass
    mailing the reference); see the module docstring for the model.

    Parameters
    ----------
    n_prospects : int, default 20000
        Prospects drawn.
    n_customers : int, default 10000
        Existing customers with product holdings.
    seed : int, default 0
        Random seed; the same seed gives identical tables.
    max_attempts : int, default 3
        Contact attempts per prospect before giving up.
    source_shares : tuple of float, default (0.5, 0.1, 0.08, 0.12, 0.2)
        Share of prospects per source, in ``SOURCES`` order (sums to 1).
    source_effects : tuple of float, default (0.0, 0.9, 0.6, 0.7, 0.2)
        True log-odds effect of each source on conversion, in ``SOURCES`` order (mass mailing = 0).
    intercept : float, default -1.4
        Log-odds of converting for the reference prospect (b0).
    income_effect : float, default 0.6
        Log-odds per unit of log(income / 45).
    age_effect : float, default 0.15
        Log-odds per 10 years of age above 45.
    urban_effect : float, default 0.2
        Log-odds of an urban prospect.
    reach_by_band : tuple of float, default (0.25, 0.3, 0.35, 0.55)
        Probability of reaching the prospect per call, for the morning, midday, afternoon and evening bands.
    weekend_reach : float, default 0.1
        Added reach probability on a weekend.
    median_value : float, default 300.0
        Median first-year value of a converted prospect (USD).
    referral_anyway_share : float, default 0.3
        Probability that a referred customer would have joined without the referral.
    referral_income_effect : float, default -1.0
        Elasticity of a customer's propensity to refer with income (negative: lower incomes refer more).

    Returns
    -------
    Prospects
        The prospects, contacts, holdings and referrals tables and the truth.

    Examples
    --------
    >>> from crmresearch import data
    >>> sim = data.simulate_prospects(n_prospects=1_000, n_customers=100, seed=0)
    >>> sim.truth['source_effects']
    {'mass_mailing': 0.0, 'referral_customer': 0.9, 'referral_staff': 0.6, 'walk_in': 0.7, 'digital': 0.2}
    """
    for name, v in (("n_prospects", n_prospects), ("n_customers", n_customers), ("max_attempts", max_attempts)):
        if not isinstance(v, int | np.integer) or v < 1:
            raise ValidationError(f"simulate_prospects: {name} must be a whole number >= 1; got {v!r}")
    if not 0 <= referral_anyway_share <= 1:
        raise ValidationError(f"simulate_prospects: referral_anyway_share must lie in [0, 1]; got "
                              f"{referral_anyway_share!r}")
    if len(source_shares) != len(SOURCES) or abs(sum(source_shares) - 1) > 1e-9 or min(source_shares) <= 0:
        raise ValidationError(f"simulate_prospects: source_shares needs {len(SOURCES)} shares > 0 adding up to 1")
    rng = np.random.default_rng(seed)
    n = n_prospects
    src = rng.choice(len(SOURCES), size=n, p=np.asarray(source_shares))
    lift = np.array([0.0, 0.25, 0.15, 0.10, 0.05])[src]  # referred prospects earn more: the mix differs
    income = np.exp(rng.normal(np.log(45) + lift, 0.5))
    age = rng.uniform(22, 70, n)
    urban = rng.random(n) < 0.65
    # contact attempts until reached
    rows, reached_at = [], np.zeros(n, dtype=int)
    pending = np.arange(n)
    for attempt in range(1, max_attempts + 1):
        band = rng.integers(0, len(BANDS), pending.size)
        weekend = rng.random(pending.size) < 2 / 7
        p = np.asarray(reach_by_band)[band] + weekend_reach * weekend
        ok = rng.random(pending.size) < p
        rows.append(pd.DataFrame({"prospect_id": pending + 1, "attempt": attempt, "band": np.asarray(BANDS)[band],
                                  "weekend": weekend, "reached": ok}))
        reached_at[pending[ok]] = attempt
        pending = pending[~ok]
    contacts = pd.concat(rows, ignore_index=True).sort_values(["prospect_id", "attempt"], ignore_index=True)
    eta = (intercept + np.asarray(source_effects)[src] + income_effect * np.log(income / 45)
           + age_effect * (age - 45) / 10 + urban_effect * urban)
    p_convert = 1 / (1 + np.exp(-eta))
    converted = (reached_at > 0) & (rng.random(n) < p_convert)
    value_median = median_value * (income / 45) ** 0.8 * np.where(np.isin(src, (1, 2)), 1.2, 1.0)
    value = np.where(converted, value_median * np.exp(rng.normal(0, 0.6, n)), 0.0)
    prospects = pd.DataFrame({"prospect_id": np.arange(1, n + 1), "source": np.asarray(SOURCES)[src],
                              "age": np.round(age, 1), "income_k": np.round(income, 2), "urban": urban,
                              "attempts": np.where(reached_at > 0, reached_at, max_attempts),
                              "reached": reached_at > 0, "converted": converted, "value": np.round(value, 2)})
    holdings, affinity = _holdings(rng, n_customers)
    r_mean = float(np.mean(reach_by_band)) + weekend_reach * 2 / 7
    truth = {"source_effects": dict(zip(SOURCES, source_effects, strict=True)), "intercept": intercept,
             "income_effect": income_effect, "age_effect": age_effect, "urban_effect": urban_effect,
             "reach_by_band": dict(zip(BANDS, reach_by_band, strict=True)), "weekend_reach": weekend_reach,
             "p_convert_if_reached": pd.Series(p_convert, index=prospects["prospect_id"]),
             # reached within max_attempts (independent attempts, mean reach r) x converts x mean value
             "p_reached": 1 - (1 - r_mean) ** max_attempts,
             "expected_value": pd.Series((1 - (1 - r_mean) ** max_attempts) * p_convert * value_median
                                         * np.exp(0.6 ** 2 / 2), index=prospects["prospect_id"]),
             "affinity": affinity}
    referrals, anyway, weight = _referrals(np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))),
                                           prospects, referral_anyway_share, referral_income_effect)
    truth.update(referral_anyway=anyway, referral_anyway_share=referral_anyway_share, referral_weight=weight,
                 referral_income_effect=referral_income_effect)
    return Prospects(prospects, contacts, holdings, truth, referrals)


def _referrals(rng: np.random.Generator, prospects: pd.DataFrame, anyway_share: float,
               income_effect: float) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Who referred each converted customer-referral prospect: a customer converted before, drawn with weight
    (income / 45) ** income_effect x gamma(0.5); the would-have-joined-anyway flags and each customer's weight."""
    customers = prospects[prospects["converted"]]
    ids = customers["prospect_id"].to_numpy()
    weight = (customers["income_k"].to_numpy() / 45) ** income_effect * rng.gamma(0.5, 2.0, len(ids))
    referred = customers.loc[customers["source"] == "referral_customer", "prospect_id"].to_numpy()
    earlier = np.searchsorted(ids, referred)  # customers converted before each referred one
    cum = np.cumsum(weight)
    has = earlier > 0
    draw = rng.random(len(referred)) * np.where(has, cum[np.maximum(earlier - 1, 0)], 0.0)
    pick = np.minimum(np.searchsorted(cum, draw, side="right"), np.maximum(earlier - 1, 0))
    month = rng.integers(0, 12, len(referred))
    flag = (rng.random(len(referred)) < anyway_share).astype(int)
    links = pd.DataFrame({"referrer_id": ids[pick], "referred_id": referred, "month": month})[has]
    links = links.reset_index(drop=True)
    anyway = pd.Series(flag[has], index=pd.Index(links["referred_id"], name="referred_id"), name="anyway")
    return links, anyway, pd.Series(weight, index=pd.Index(ids, name="prospect_id"), name="referral_weight")


def _holdings(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Products in acquisition order: the first is a current account (90 %) or savings; each next
    product is drawn from those not held with weights affinity[last, next] x an age factor."""
    k = len(PRODUCTS)
    base = np.array([
        # cur  sav  card loan mort fund ins     <- next; rows: last product held
        [0.0, 3.0, 4.0, 1.5, 0.8, 0.7, 1.0],  # current_account
        [2.0, 0.0, 1.5, 0.5, 0.7, 3.0, 1.2],  # savings
        [1.5, 1.0, 0.0, 3.0, 0.6, 0.4, 0.8],  # credit_card
        [1.0, 0.6, 2.0, 0.0, 1.5, 0.3, 2.5],  # personal_loan
        [0.8, 1.2, 0.8, 0.6, 0.0, 1.0, 4.0],  # mortgage
        [0.6, 2.0, 0.5, 0.3, 0.8, 0.0, 2.0],  # investment_fund
        [0.8, 1.0, 0.8, 0.8, 1.5, 2.0, 0.0],  # insurance
    ])
    affinity = pd.DataFrame(base, index=list(PRODUCTS), columns=list(PRODUCTS))
    age = rng.uniform(20, 75, n)
    income = np.exp(rng.normal(np.log(50), 0.5, n))
    older = (age - 45) / 15  # older customers lean to savings, funds, insurance; younger to cards and loans
    tilt = np.array([0.0, 0.4, -0.5, -0.4, 0.1, 0.6, 0.3])
    n_products = np.minimum(1 + rng.geometric(0.45, n), k)
    rows = []
    for i in range(n):
        held = [0 if rng.random() < 0.9 else 1]
        for _ in range(n_products[i] - 1):
            w = base[held[-1]] * np.exp(tilt * older[i])
            w[held] = 0.0
            held.append(int(rng.choice(k, p=w / w.sum())))
        rows.extend((i + 1, j + 1, PRODUCTS[p]) for j, p in enumerate(held))
    hold = pd.DataFrame(rows, columns=["customer_id", "order", "product"])
    traits = pd.DataFrame({"customer_id": np.arange(1, n + 1), "age": np.round(age, 1),
                           "income_k": np.round(income, 2)})
    return traits.merge(hold, on="customer_id"), affinity
