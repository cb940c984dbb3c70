"""A seeded synthetic bank with known ground truth: ``simulate_bank()``.

Real customer data of a bank cannot be shipped, yet every study needs a bank-like customer
base and every model needs a case where the right answer is known. ``simulate_bank`` builds
related tables from documented generating processes and returns them with ``.truth``, every
parameter that generated them. The generating process is described in ``data/README.md``.

Everything is vectorised (no Python loop per customer): a million customers over 36 months
build in about a minute on two cores (``benchmarks/simulate.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._truth import rank_tiers

__all__ = ["CAUSE_LOG_ODDS", "CONTRACT_COLUMNS", "EXIT_CAUSES", "SEGMENTS", "BankData", "BankSettings", "simulate_bank"]

#: Latent segments, in order of their integer code.
SEGMENTS: tuple[str, ...] = ("affluent", "mass_urban", "rural_traditional", "young_digital")
CHANNELS: tuple[str, ...] = ("branch", "atm", "pos", "online", "mobile", "phone")
PRODUCTS: tuple[str, ...] = ("current_account", "card", "savings", "loan", "investment")
ACQUISITION: tuple[str, ...] = ("branch", "online", "referral", "partner")
INCOME_BANDS: tuple[str, ...] = ("<2k", "2k-4k", "4k-8k", ">=8k")
TIERS: tuple[str, ...] = ("platinum", "gold", "iron", "lead")
ACSI_PATHS: dict[str, dict[str, float]] = {  # target <- {source: standardised path}
    "EXPE": {"IMAG": 0.50},
    "QUAL": {"EXPE": 0.55},
    "VAL": {"EXPE": 0.15, "QUAL": 0.60},
    "SAT": {"IMAG": 0.20, "EXPE": 0.05, "QUAL": 0.45, "VAL": 0.20},
    "COMP": {"SAT": 0.55},
    "LOY": {"IMAG": 0.20, "SAT": 0.50, "COMP": 0.10},
}
ACSI_ITEMS: dict[str, int] = {"IMAG": 5, "EXPE": 3, "QUAL": 7, "VAL": 2, "SAT": 3, "COMP": 2,
                              "LOY": 3}
SERVQUAL: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
#: Columns of ``simulate_bank(...).contracts``, in order: what a parameter naming contract columns
#: (e.g. ``retention_covariates``) may name on the synthetic bank, known without building one.
CONTRACT_COLUMNS: tuple[str, ...] = ("customer_id", "start", "end", "churned", "observed_from", "region",
                                     "digital_user", "distance_km", "fee_increase", "unresolved_complaint",
                                     "n_products", "value_tier", "segment")
#: Why a relationship ended: every exit of the synthetic bank and of the service-recovery simulator has one.
EXIT_CAUSES: tuple[str, ...] = ("voluntary_closure", "credit_closure", "moved_away")
#: The bank's cause split: log odds of each cause against voluntary closure, intercept and per covariate
#: (credit score per 100 points above 650, age per 10 years above 40). Fee increases and unresolved complaints
#: make a closure more likely to be the customer's own; a low credit score, a credit closure; the young move.
CAUSE_LOG_ODDS: dict[str, dict[str, float]] = {
    "credit_closure": {"intercept": -1.5, "credit_score_100": -1.2, "fee_increase": -0.7,
                       "unresolved_complaint": -0.5},
    "moved_away": {"intercept": -1.4, "age_10": -0.4, "distance_10km": 0.1, "fee_increase": -0.7,
                   "unresolved_complaint": -0.5},
}


@dataclass(frozen=True)
class BankSettings:
    """Every setting of the synthetic bank, with its default and meaning.

    Per-segment tuples follow the order of :data:`SEGMENTS`
    (affluent, mass_urban, rural_traditional, young_digital). Months are 30.4375 days.

    Parameters
    ----------
    segment_shares : tuple of float, default (0.15, 0.4, 0.25, 0.2)
        Share of customers per segment.
    segment_noise : float, default 1.0
        Scales within-segment spread of age, income, distance.
    age_mean : tuple of float, default (52.0, 38.0, 58.0, 25.0)
        Mean age per segment, years.
    age_sd : float, default 5.0
        SD of age within a segment, years (times ``segment_noise``).
    income_median : tuple of float, default (9000.0, 4000.0, 2400.0, 2000.0)
        Median income per segment, USD per month (lognormal).
    income_log_sd : float, default 0.22
        Log-scale SD of income within a segment (times ``segment_noise``).
    distance_median : tuple of float, default (4.0, 2.0, 22.0, 3.0)
        Median distance to the nearest branch per segment, km (lognormal).
    distance_log_sd : float, default 0.35
        Log-scale SD of that distance (times ``segment_noise``).
    products_mean : tuple of float, default (4.2, 2.6, 1.6, 1.3)
        Mean products held per segment (each customer holds >= 1).
    urban_share : tuple of float, default (0.85, 0.95, 0.05, 0.85)
        P(urban region).
    digital_share : tuple of float, default (0.75, 0.85, 0.25, 0.97)
        P(uses mobile/online banking).
    pre_existing_share : float, default 0.6
        Customers already with the bank at the window start.
    max_prior_years : float, default 10.0
        Pre-existing customers joined up to this many years before.
    rate_shape : tuple of float, default (2.0, 2.0, 1.5, 2.0)
        Gamma shape r_k of the purchase rate, lambda ~ Gamma(r_k, 1/alpha_k).
    rate_mean : tuple of float, default (3.0, 1.5, 0.8, 2.0)
        Mean purchase rate per segment, E[lambda], transactions per month.
    spend_p : tuple of float, default (6.0, 6.0, 5.0, 4.0)
        Gamma-Gamma p per segment: shape of each amount.
    spend_q : tuple of float, default (4.0, 4.0, 4.0, 4.0)
        Gamma-Gamma q per segment: shape of the heterogeneity in mean spend.
    spend_mean : tuple of float, default (400.0, 120.0, 90.0, 60.0)
        Mean amount per transaction per segment, USD.
    weibull_shape : float, default 0.8
        Weibull shape k of the churn hazard; k < 1: hazard falls with tenure.
    weibull_scale_months : float, default 70.0
        Weibull scale sigma, months: baseline hazard (k/sigma)(t/sigma)^(k-1).
    beta_rural : float, default 0.2
        Log-hazard ratio of churn for a rural customer (documented truth).
    beta_digital : float, default -0.3
        Log-hazard ratio of churn for a digital-banking user.
    beta_rural_no_digital : float, default 0.7
        Log-hazard ratio of the interaction: rural AND not digital.
    beta_distance_10km : float, default 0.15
        Log-hazard ratio per 10 km to the nearest branch.
    beta_fee_increase : float, default 0.5
        Log-hazard ratio of an account hit by the fee increase.
    beta_unresolved_complaint : float, default 0.8
        Log-hazard ratio of an unresolved complaint in the last 90 days.
    beta_products : float, default -0.35
        Log-hazard ratio per product held (relationship bonds).
    beta_tier : tuple of float, default (-0.5, -0.4, -0.2, 0.0)
        Log-hazard ratio per value tier: platinum, gold, iron, lead (reference).
    fee_increase_share : float, default 0.3
        P(account hit by the fee increase).
    complaint_share : float, default 0.08
        P(unresolved complaint in the last 90 days).
    tier_cuts : tuple of float, default (0.01, 0.05, 0.2)
        Top shares of the value pyramid (platinum, gold, iron) on expected value.
    referral_mean : tuple of float, default (0.8, 0.4, 0.2, 0.6)
        Customers referred per customer (Poisson).
    credit_score_sd : float, default 60.0
        SD of the credit score, points (300..850 scale; the mean rises with income and age).
    n_survey : int, default 1000
        Respondents drawn from active customers.
    likert_scale : tuple (int, int), default (1, 10)
        (lowest, highest) answer of the survey items.
    item_loading : float, default 0.88
        Standardised loading of every ACSI/ECSI item.
    item_mean : float, default 7.2
        Mean answer on the 1..10 scale (intervention study).
    construct_means : tuple of float, default (7.6, 8.0, 7.2, 6.3, 7.2, 6.6, 7.0)
        Item means of the constructs IMAG, EXPE, QUAL, VAL, SAT, COMP, LOY, on the 1..10 scale.
    item_sd : float, default 1.6
        Answer SD on the 1..10 scale.
    image_shift : tuple (float, float), default (0.15, -0.45)
        Shift of the image construct for (urban, rural) customers, SD units.
    satisfaction_shift : tuple of float, default (0.5, 0.3, 0.0, -0.2)
        Shift of the satisfaction disturbance per tier, platinum..lead, SD units.
    servqual_expectation : tuple of float, default (7.0, 8.6, 8.2, 8.0, 7.6)
        SERVQUAL expectation per dimension (tangibles, reliability, responsiveness, assurance, empathy), 1..10.
    servqual_gap : tuple of float, default (0.2, -0.9, -0.7, -0.2, -0.5)
        SERVQUAL gap per dimension, perception - expectation, scale points.
    n_arm : int, default 60
        Respondents per arm of the two-arm intervention study.
    intervention_effect : float, default 0.8
        Scale points added to post satisfaction, treated arm.
    tickets_per_customer_month : float, default 0.02
        Service tickets raised per customer and month (Poisson rate).
    respond_median_h : tuple (float, float), default (0.9, 1.5)
        Median hours to first response, (urban, rural); lognormal.
    on_site_median_h : tuple (float, float), default (10.0, 20.0)
        Median hours to an on-site visit, (urban, rural); lognormal.
    resolve_median_h : tuple (float, float), default (20.0, 34.0)
        Median hours to resolution after the response (or visit), (urban, rural); lognormal.
    time_log_sd : float, default 0.8
        Log-scale SD of the lognormal ticket times.
    on_site_share : float, default 0.35
        P(ticket needs an on-site visit).
    fcr_share : float, default 0.65
        P(first-contact resolution) for tickets without a visit.
    calls_per_customer_month : float, default 0.5
        Calls offered per customer and month.
    aht_seconds : float, default 300.0
        Mean handle time of a call, seconds.
    ivr_containment : float, default 0.3
        Share of calls fully served by IVR self-service.
    campaign_month : int, default 24
        Month of the retention campaign, after the window start.
    campaign_treated_share : float, default 0.5
        Share of customers randomised to the campaign.
    campaign_horizon_days : int, default 90
        Outcome window after the campaign, days.
    campaign_churn_rr : tuple of float, default (0.8, 0.7, 0.4, 1.3)
        True relative risk of churn when treated, per segment.
    campaign_calls_per_90d : float, default 0.6
        Inbound contacts per customer in the window (control).
    campaign_call_reduction : float, default 0.15
        Relative reduction of inbound contacts if treated.

    Examples
    --------
    >>> from crmresearch import data
    >>> data.BankSettings().aht_seconds
    300.0
    """

    # --- customers ---------------------------------------------------------------------
    segment_shares: tuple[float, ...] = (0.15, 0.40, 0.25, 0.20)  # share of customers per segment
    segment_noise: float = 1.0  # scales within-segment spread of age, income, distance
    age_mean: tuple[float, ...] = (52.0, 38.0, 58.0, 25.0)  # years
    age_sd: float = 5.0  # years, times segment_noise
    income_median: tuple[float, ...] = (9000.0, 4000.0, 2400.0, 2000.0)  # USD per month
    income_log_sd: float = 0.22  # log scale, times segment_noise
    distance_median: tuple[float, ...] = (4.0, 2.0, 22.0, 3.0)  # km to the nearest branch
    distance_log_sd: float = 0.35  # log scale, times segment_noise
    products_mean: tuple[float, ...] = (4.2, 2.6, 1.6, 1.3)  # products held (>= 1)
    urban_share: tuple[float, ...] = (0.85, 0.95, 0.05, 0.85)  # P(urban region)
    digital_share: tuple[float, ...] = (0.75, 0.85, 0.25, 0.97)  # P(uses mobile/online banking)
    pre_existing_share: float = 0.6  # customers already with the bank at the window start
    max_prior_years: float = 10.0  # pre-existing customers joined up to this many years before
    # --- transactions: Poisson purchasing while active, gamma heterogeneity ---------------
    rate_shape: tuple[float, ...] = (2.0, 2.0, 1.5, 2.0)  # r_k of lambda ~ Gamma(r_k, 1/alpha_k)
    rate_mean: tuple[float, ...] = (3.0, 1.5, 0.8, 2.0)  # E[lambda], transactions per month
    spend_p: tuple[float, ...] = (6.0, 6.0, 5.0, 4.0)  # gamma-gamma p: shape of each amount
    spend_q: tuple[float, ...] = (4.0, 4.0, 4.0, 4.0)  # gamma-gamma q
    spend_mean: tuple[float, ...] = (400.0, 120.0, 90.0, 60.0)  # E[amount] in USD, per segment
    # --- churn: Weibull proportional hazards in relationship time ----------------------
    weibull_shape: float = 0.8  # k < 1: hazard falls with tenure
    weibull_scale_months: float = 70.0  # sigma: baseline hazard (k/sigma)(t/sigma)^(k-1)
    beta_rural: float = 0.20  # log-hazard ratios (documented truth)
    beta_digital: float = -0.30
    beta_rural_no_digital: float = 0.70  # interaction: rural AND not digital
    beta_distance_10km: float = 0.15  # per 10 km to the nearest branch
    beta_fee_increase: float = 0.50  # account hit by the fee increase
    beta_unresolved_complaint: float = 0.80  # unresolved complaint in the last 90 days
    beta_products: float = -0.35  # per product held (relationship bonds)
    beta_tier: tuple[float, ...] = (-0.50, -0.40, -0.20, 0.0)  # platinum, gold, iron, lead (ref.)
    fee_increase_share: float = 0.30  # P(account hit by the fee increase)
    complaint_share: float = 0.08  # P(unresolved complaint in the last 90 days)
    tier_cuts: tuple[float, ...] = (0.01, 0.05, 0.20)  # pyramid cuts on expected value
    referral_mean: tuple[float, ...] = (0.8, 0.4, 0.2, 0.6)  # customers referred per customer (Poisson)
    credit_score_sd: float = 60.0  # points; mean rises with income and age (300..850 scale)
    # --- survey -------------------------------------------------------------------------
    n_survey: int = 1000  # respondents drawn from active customers
    likert_scale: tuple[int, int] = (1, 10)
    item_loading: float = 0.88  # standardised loading of every ACSI/ECSI item
    item_mean: float = 7.2  # mean answer on the 1..10 scale (intervention study)
    construct_means: tuple[float, ...] = (7.6, 8.0, 7.2, 6.3, 7.2, 6.6, 7.0)  # IMAG..LOY item means on 1..10
    item_sd: float = 1.6  # answer SD on the 1..10 scale
    image_shift: tuple[float, float] = (0.15, -0.45)  # urban, rural: shift of the image construct (SD units)
    satisfaction_shift: tuple[float, ...] = (0.5, 0.3, 0.0, -0.2)  # platinum..lead: shift of the SAT disturbance
    servqual_expectation: tuple[float, ...] = (7.0, 8.6, 8.2, 8.0, 7.6)  # per dimension
    servqual_gap: tuple[float, ...] = (0.2, -0.9, -0.7, -0.2, -0.5)  # perception - expectation
    n_arm: int = 60  # respondents per arm of the two-arm intervention study
    intervention_effect: float = 0.8  # scale points added to post satisfaction, treated arm
    # --- tickets ------------------------------------------------------------------------
    tickets_per_customer_month: float = 0.02
    respond_median_h: tuple[float, float] = (0.9, 1.5)  # urban, rural; lognormal medians
    on_site_median_h: tuple[float, float] = (10.0, 20.0)
    resolve_median_h: tuple[float, float] = (20.0, 34.0)  # after response (or visit)
    time_log_sd: float = 0.8
    on_site_share: float = 0.35  # P(ticket needs an on-site visit)
    fcr_share: float = 0.65  # P(first-contact resolution) for tickets without a visit
    # --- calls --------------------------------------------------------------------------
    calls_per_customer_month: float = 0.5  # offered calls
    aht_seconds: float = 300.0  # mean handle time
    ivr_containment: float = 0.30  # share of calls fully served by IVR self-service
    # --- campaign -----------------------------------------------------------------------
    campaign_month: int = 24  # months after the window start
    campaign_treated_share: float = 0.5  # randomised
    campaign_horizon_days: int = 90  # outcome window
    campaign_churn_rr: tuple[float, ...] = (0.8, 0.7, 0.4, 1.3)  # true relative risk per segment
    campaign_calls_per_90d: float = 0.6  # inbound contacts per customer in the window (control)
    campaign_call_reduction: float = 0.15  # relative reduction of inbound contacts if treated


@dataclass
class BankData:
    """Related tables of the synthetic bank and the truth that generated them.

    Attributes
    ----------
    customers : DataFrame
        One row per customer: segment, demographics, tier, spells and the true churn covariates.
    transactions : DataFrame
        One row per transaction: customer_id, date, amount (USD), channel.
    contracts : DataFrame
        One row per contract spell: customer_id, start, end (missing while active).
    survey : DataFrame
        ACSI/ECSI and SERVQUAL answers of the sampled respondents (1..10 scale).
    intervention : DataFrame
        Pre/post satisfaction of the two-arm intervention study.
    tickets : DataFrame
        Service tickets with response, visit and resolution times (hours).
    calls : DataFrame
        Offered calls per interval of the contact centre.
    campaign : DataFrame
        The randomised retention campaign: arm, outcome and contacts per customer.
    truth : dict of str to object
        The generating values (hazard ratios, segment parameters, effects) for validation.
    settings : BankSettings
        The settings used.
    exits : DataFrame
        One row per contract spell that ended: customer_id, end and the cause of the exit (``EXIT_CAUSES``);
        join it to ``contracts`` for a spells table with a ``cause`` column (``with_causes``).

    Examples
    --------
    >>> from crmresearch import data
    >>> bank = data.simulate_bank(n_customers=300, seed=1)
    >>> [name for name in ('customers', 'transactions', 'contracts', 'tickets', 'calls') if len(getattr(bank, name))]
    ['customers', 'transactions', 'contracts', 'tickets', 'calls']
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    contracts: pd.DataFrame
    survey: pd.DataFrame
    intervention: pd.DataFrame
    tickets: pd.DataFrame
    calls: pd.DataFrame
    campaign: pd.DataFrame
    truth: dict[str, Any]
    settings: BankSettings = field(repr=False, default_factory=BankSettings)
    exits: pd.DataFrame = field(default_factory=pd.DataFrame)

    def with_causes(self) -> pd.DataFrame:
        """``contracts`` with the ``cause`` of each exit (None while the contract runs).

        Returns
        -------
        DataFrame
            The contracts and a ``cause`` column.

        Examples
        --------
        >>> from crmresearch import data
        >>> bank = data.simulate_bank(n_customers=300, seed=1)
        >>> spells = bank.with_causes()
        >>> bool(spells['cause'].notna().eq(spells['churned']).all())
        True
        """
        cause = self.exits.set_index("customer_id")["cause"] if len(self.exits) else pd.Series(dtype=object)
        return self.contracts.assign(cause=self.contracts["customer_id"].map(cause).astype(object)
                                     .where(self.contracts["churned"], None))

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), pd.DataFrame)}

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={len(v):,}" for k, v in self.tables().items())
        return f"BankData({rows})"


MONTH = pd.Timedelta(days=30.4375)
_MONTH_NS = MONTH.value


def _whole(value: Any, name: str) -> int:
    """A whole number given as int (or an integral float / numpy integer); anything else is an error."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
            or float(value) != int(value):
        raise ParameterError(f"simulate_bank: {name} must be a whole number; got {value!r}")
    return int(value)


def _check(settings: BankSettings, n_customers: int, months: int) -> None:
    if n_customers < 100:
        raise ParameterError(f"simulate_bank: n_customers must be >= 100; got {n_customers}")
    if not 1 <= months <= 240:
        raise ParameterError(f"simulate_bank: months must be in [1, 240]; got {months}")
    k = len(SEGMENTS)
    for f in fields(settings):
        v = getattr(settings, f.name)
        if isinstance(v, tuple) and f.name.startswith(("segment_shares", "age_mean", "income_median",
                                                       "distance_median", "products_mean",
                                                       "urban_share", "digital_share", "rate_",
                                                       "spend_", "campaign_churn_rr")):
            if len(v) != k:
                raise ParameterError(f"simulate_bank: setting '{f.name}' needs {k} values "
                                     f"(one per segment {SEGMENTS}); got {len(v)}")
    if abs(sum(settings.segment_shares) - 1) > 1e-9:
        raise ParameterError("simulate_bank: 'segment_shares' must sum to 1; "
                             f"got {sum(settings.segment_shares):g}")
    cuts = np.asarray(settings.tier_cuts, dtype=float)
    if cuts.shape != (len(TIERS) - 1,) or not (np.all(cuts > 0) and np.all(cuts < 1) and np.all(np.diff(cuts) > 0)):
        raise ParameterError(f"simulate_bank: 'tier_cuts' needs {len(TIERS) - 1} cumulative top shares, strictly "
                             f"increasing in (0, 1), one closing each tier of {TIERS[:-1]}; got {settings.tier_cuts}")
    if not 0 < settings.item_loading < 1:
        raise ParameterError("simulate_bank: 'item_loading' must be in (0, 1)")
    sizes = {"image_shift": 2, "satisfaction_shift": len(TIERS), "construct_means": len(ACSI_ITEMS)}
    for name, size in sizes.items():
        if len(getattr(settings, name)) != size:
            raise ParameterError(f"simulate_bank: setting '{name}' needs {size} values; got "
                                 f"{len(getattr(settings, name))}")


def _hazard_design(cust: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The covariates of the churn model, one column per documented log-hazard ratio."""
    rural = (cust["region"] == "rural").to_numpy()
    digital = cust["digital_user"].to_numpy()
    tier = cust["value_tier"].cat.codes.to_numpy()
    cols = {
        "rural": rural.astype(float),
        "digital_user": digital.astype(float),
        "rural_no_digital": (rural & ~digital).astype(float),
        "distance_10km": cust["distance_km"].to_numpy() / 10.0,
        "fee_increase": cust["fee_increase"].to_numpy().astype(float),
        "unresolved_complaint": cust["unresolved_complaint"].to_numpy().astype(float),
        "n_products": cust["n_products"].to_numpy().astype(float),
        "tier_platinum": (tier == 0).astype(float),
        "tier_gold": (tier == 1).astype(float),
        "tier_iron": (tier == 2).astype(float),
    }
    return np.column_stack(list(cols.values())), list(cols)


def _true_betas(s: BankSettings) -> dict[str, float]:
    return {
        "rural": s.beta_rural, "digital_user": s.beta_digital,
        "rural_no_digital": s.beta_rural_no_digital, "distance_10km": s.beta_distance_10km,
        "fee_increase": s.beta_fee_increase, "unresolved_complaint": s.beta_unresolved_complaint,
        "n_products": s.beta_products, "tier_platinum": s.beta_tier[0],
        "tier_gold": s.beta_tier[1], "tier_iron": s.beta_tier[2],
    }


def simulate_bank(
    n_customers: int = 20_000,
    seed: int = 0,
    months: int = 36,
    start: str = "2023-01-01",
    **settings: Any,
) -> BankData:
    """Build the synthetic bank.

    Parameters
    ----------
    n_customers : int, default 20,000
        Customers in the book over the window (pre-existing and newly acquired).
    seed : int, default 0
        Same seed (and settings) -> identical tables.
    months : int, default 36
        Length of the observation window, from ``start``.
    start : str, default "2023-01-01"
        First day of the observation window.
    **settings
        Any field of :class:`BankSettings` (e.g. ``weibull_shape=1.0``).

    Returns
    -------
    BankData
        ``customers``, ``transactions``, ``contracts``, ``survey``, ``intervention``,
        ``tickets``, ``calls``, ``campaign`` and ``truth``.

    Examples
    --------
    >>> from crmresearch import data
    >>> bank = data.simulate_bank(n_customers=500, seed=0)
    >>> len(bank.customers), len(bank.transactions) > 0, "end" in bank.truth
    (500, True, True)
    """
    unknown = set(settings) - {f.name for f in fields(BankSettings)}
    if unknown:
        raise ParameterError(f"simulate_bank: unknown setting(s) {sorted(unknown)}; see BankSettings")
    n_customers, months, seed = (_whole(v, k) for v, k in ((n_customers, "n_customers"), (months, "months"),
                                                              (seed, "seed")))
    if seed < 0:
        raise ParameterError(f"simulate_bank: seed must be >= 0; got {seed}")
    s = replace(BankSettings(), **settings)
    _check(s, n_customers, months)
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    t_end = t0 + pd.DateOffset(months=months)
    window_days = (t_end - t0) / pd.Timedelta(days=1)

    cust, lam, nu = _customers(rng, s, n_customers, t0, window_days)
    X, names = _hazard_design(cust)
    betas = _true_betas(s)
    eta = X @ np.array([betas[n] for n in names])
    end_rel_m = _lifetimes(rng, s, cust, eta, t0)
    campaign, end_rel_m = _campaign(rng, s, cust, eta, end_rel_m, t0, t_end)
    contracts = _spells(cust, end_rel_m, t0, t_end)
    transactions = _transactions(rng, s, cust, lam, nu, contracts, t0, t_end)
    survey, intervention, survey_truth = _survey(rng, s, cust, contracts, t_end)
    tickets = _tickets(rng, s, cust, contracts, t0, t_end)
    calls = _calls(rng, s, n_customers, t0, t_end)
    ended = contracts["churned"].to_numpy()
    exits = pd.DataFrame({"customer_id": contracts["customer_id"].to_numpy()[ended],
                          "end": contracts["end"].to_numpy()[ended],
                          "cause": _exit_causes(rng, cust, ended)[ended]})
    truth = {
        "seed": seed, "n_customers": n_customers, "months": months, "start": str(t0.date()),
        "end": str(t_end.date()), "segments": list(SEGMENTS),
        "segment_shares": dict(zip(SEGMENTS, s.segment_shares, strict=True)),
        "hazard": {"model": "Weibull proportional hazards in relationship time (months)",
                   "shape": s.weibull_shape, "scale_months": s.weibull_scale_months,
                   "log_hazard_ratios": betas},
        "transactions": {
            "model": "Poisson purchasing while active; lambda ~ Gamma(r, scale=mean/r) per month",
            "r": dict(zip(SEGMENTS, s.rate_shape, strict=True)),
            "mean_rate_per_month": dict(zip(SEGMENTS, s.rate_mean, strict=True)),
        },
        "spend": {
            "model": "gamma-gamma: amount ~ Gamma(p, rate=nu), nu ~ Gamma(q, rate=gamma)",
            "p": dict(zip(SEGMENTS, s.spend_p, strict=True)),
            "q": dict(zip(SEGMENTS, s.spend_q, strict=True)),
            "gamma": {k: g for k, g in zip(SEGMENTS, _spend_gamma(s), strict=True)},
            "mean_amount": dict(zip(SEGMENTS, s.spend_mean, strict=True)),
        },
        "segment_centres": {
            k: {"age": s.age_mean[i], "monthly_income": s.income_median[i],
                "distance_km": s.distance_median[i], "n_products": s.products_mean[i],
                "urban_share": s.urban_share[i], "digital_share": s.digital_share[i]}
            for i, k in enumerate(SEGMENTS)
        },
        "causes": {"model": "each exit's cause is drawn with multinomial-logit probabilities p_k(x) (voluntary "
                              "closure the reference), independent of the exit time: the cause-specific hazard is "
                              "h_k(t | x) = p_k(x) h(t | x), and the cumulative incidence of cause k for a customer "
                              "observed from relationship age 0 is p_k(x) (1 - S(t | x))",
                   "labels": list(EXIT_CAUSES), "log_odds": CAUSE_LOG_ODDS},
        "survey": survey_truth,
        "campaign": campaign.attrs.pop("truth"),
        "tickets": {"respond_median_h": dict(zip(("urban", "rural"), s.respond_median_h, strict=True)),
                    "on_site_median_h": dict(zip(("urban", "rural"), s.on_site_median_h, strict=True)),
                    "resolve_median_h": dict(zip(("urban", "rural"), s.resolve_median_h, strict=True)),
                    "time_log_sd": s.time_log_sd, "on_site_share": s.on_site_share},
        "calls": {"per_customer_month": s.calls_per_customer_month, "aht_seconds": s.aht_seconds,
                  "ivr_containment": s.ivr_containment},
        "settings": asdict(s),
    }
    return BankData(cust, transactions, contracts, survey, intervention, tickets, calls, campaign,
                    truth, s, exits)


def _cause_design(cust: pd.DataFrame) -> dict[str, np.ndarray]:
    """The covariates of the cause split (:data:`CAUSE_LOG_ODDS`), from the customers table."""
    return {"intercept": np.ones(len(cust)),
            "credit_score_100": (cust["credit_score"].to_numpy(dtype=float) - 650) / 100,
            "age_10": (cust["age"].to_numpy(dtype=float) - 40) / 10,
            "distance_10km": cust["distance_km"].to_numpy(dtype=float) / 10,
            "fee_increase": cust["fee_increase"].to_numpy(dtype=float),
            "unresolved_complaint": cust["unresolved_complaint"].to_numpy(dtype=float)}


def _cause_probabilities(design: dict[str, np.ndarray], log_odds: dict[str, dict[str, float]]) -> np.ndarray:
    """P(cause k | an exit) per row, one column per cause of :data:`EXIT_CAUSES` (softmax, voluntary = 0)."""
    n = len(next(iter(design.values())))
    eta = np.column_stack([np.zeros(n)] + [sum(b * design[c] for c, b in log_odds[k].items())
                                           for k in EXIT_CAUSES[1:]])
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def _draw_causes(stream: np.random.Generator, p: np.ndarray, ended: np.ndarray) -> np.ndarray:
    """A cause label per row with probabilities ``p`` (drawn for every row, so the stream does not depend on who
    ended); None where the spell has not ended."""
    u = stream.random(p.shape[0])
    k = np.minimum((u[:, None] > np.cumsum(p, axis=1)).sum(axis=1), p.shape[1] - 1)
    return np.where(ended, np.array(EXIT_CAUSES, dtype=object)[k], None)


def _exit_causes(rng: np.random.Generator, cust: pd.DataFrame, ended: np.ndarray) -> np.ndarray:
    """Each spell's cause (None where it has not ended), from its own stream drawn after every other table, so
    adding causes changed none."""
    stream = np.random.default_rng([int(rng.bit_generator.seed_seq.entropy), 2])
    return _draw_causes(stream, _cause_probabilities(_cause_design(cust), CAUSE_LOG_ODDS), ended)


# ----------------------------------------------------------------------------- customers
def _spend_gamma(s: BankSettings) -> np.ndarray:
    # E[amount] = p * gamma / (q - 1)  =>  gamma = mean * (q - 1) / p
    return np.array(s.spend_mean) * (np.array(s.spend_q) - 1) / np.array(s.spend_p)


def _customers(rng: np.random.Generator, s: BankSettings, n: int, t0: pd.Timestamp,
               window_days: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    seg = rng.choice(len(SEGMENTS), size=n, p=np.array(s.segment_shares))
    noise = s.segment_noise
    age = np.clip(rng.normal(np.array(s.age_mean)[seg], s.age_sd * noise), 18, 95).round()
    income = np.exp(rng.normal(np.log(np.array(s.income_median)[seg]), s.income_log_sd * noise))
    distance = np.exp(rng.normal(np.log(np.array(s.distance_median)[seg]), s.distance_log_sd * noise))
    products = 1 + rng.poisson(np.array(s.products_mean)[seg] - 1)
    urban = rng.random(n) < np.array(s.urban_share)[seg]
    digital = rng.random(n) < np.array(s.digital_share)[seg]
    acq_p = np.array([[0.50, 0.15, 0.30, 0.05],   # affluent
                      [0.35, 0.40, 0.15, 0.10],   # mass_urban
                      [0.75, 0.05, 0.15, 0.05],   # rural_traditional
                      [0.10, 0.65, 0.10, 0.15]])  # young_digital
    u = rng.random(n)[:, None]
    acq = (u > np.cumsum(acq_p[seg], axis=1)).sum(axis=1)
    pre = rng.random(n) < s.pre_existing_share
    join_days = np.where(pre, -rng.random(n) * s.max_prior_years * 365.25, rng.random(n) * window_days)
    join = t0 + pd.to_timedelta(np.floor(join_days), unit="D")
    # transaction rate (per month) and spend scale per customer
    r = np.array(s.rate_shape)[seg]
    lam = rng.gamma(r, np.array(s.rate_mean)[seg] / r)
    q = np.array(s.spend_q)[seg]
    nu = rng.gamma(q, 1.0 / _spend_gamma(s)[seg])  # rate of each amount's gamma
    expected_value = lam * np.array(s.spend_p)[seg] / nu  # USD per month
    tier = rank_tiers(expected_value, s.tier_cuts)  # the value pyramid: top shares of expected value
    band = np.searchsorted([2000, 4000, 8000], income, side="right")
    cust = pd.DataFrame({
        "customer_id": np.arange(1, n + 1, dtype=np.int64),
        "region": pd.Categorical.from_codes(np.where(urban, 0, 1), ["urban", "rural"]),
        "age": age.astype(np.int64),
        "monthly_income": income.round(2),
        "income_band": pd.Categorical.from_codes(band, list(INCOME_BANDS), ordered=True),
        "acquisition_channel": pd.Categorical.from_codes(acq, list(ACQUISITION)),
        "join_date": join,
        "digital_user": digital,
        "distance_km": distance.round(2),
        "n_products": products.astype(np.int64),
        "fee_increase": rng.random(n) < s.fee_increase_share,
        "unresolved_complaint": rng.random(n) < s.complaint_share,
        "segment": pd.Categorical.from_codes(seg, list(SEGMENTS)),
        "value_tier": pd.Categorical.from_codes(tier, list(TIERS), ordered=True),
    })
    # value dimensions drawn from their own stream, so adding them changed no other table
    extra = np.random.default_rng([int(rng.bit_generator.seed_seq.entropy), 1])
    credit = (560 + 60 * np.log(income / 2000) + 1.5 * (age - 40)
              + extra.normal(0, s.credit_score_sd, n))
    cust["credit_score"] = np.clip(np.rint(credit), 300, 850).astype(np.int64)
    cust["referrals"] = extra.poisson(np.array(s.referral_mean)[seg]).astype(np.int64)
    return cust, lam, nu


# ----------------------------------------------------------------------------- churn
def _weibull_time(rng: np.random.Generator, s: BankSettings, eta: np.ndarray,
                  survived_to: np.ndarray) -> np.ndarray:
    """Relationship age at churn (months), conditional on surviving to ``survived_to``.

    Cumulative hazard H(t) = (t / sigma)^k exp(eta); given T > t0, H(T) = H(t0) + E, E ~ Exp(1).
    """
    k, sigma = s.weibull_shape, s.weibull_scale_months
    h0 = (np.maximum(survived_to, 0) / sigma) ** k * np.exp(eta)
    e = rng.exponential(size=eta.size)
    return sigma * ((h0 + e) / np.exp(eta)) ** (1 / k)


def _lifetimes(rng, s, cust, eta, t0):
    """Relationship age at churn (months); pre-existing customers survived to the window start."""
    join_m = ((cust["join_date"] - t0) / MONTH).to_numpy()  # negative for pre-existing customers
    entry_m = np.maximum(-join_m, 0.0)  # relationship age when observation starts
    return _weibull_time(rng, s, eta, entry_m)


def _spells(cust, end_rel_m, t0, t_end):
    join = cust["join_date"]
    horizon_m = ((t_end - join) / MONTH).to_numpy() + 1.0  # lifetimes past the window are censored
    end_abs = join + pd.to_timedelta(np.floor(np.minimum(end_rel_m, horizon_m) * 30.4375), unit="D")
    churned = (end_abs < t_end).to_numpy()
    out = pd.DataFrame({
        "customer_id": cust["customer_id"].to_numpy(),
        "start": join.to_numpy(),
        "end": end_abs.where(churned, pd.NaT).to_numpy(),
        "churned": churned,
        "observed_from": np.maximum(join.to_numpy(), np.datetime64(t0)),
    })
    for col in ("region", "digital_user", "distance_km", "fee_increase", "unresolved_complaint",
                "n_products", "value_tier", "segment"):
        out[col] = cust[col].values
    return out


def _campaign(rng, s, cust, eta, end_rel_m, t0, t_end):
    """Randomised retention SMS at ``campaign_month``; churn in the next 90 days is changed by
    a true relative risk per segment, applied to the simulated lifetimes (so contracts and
    transactions reflect it)."""
    k, sigma = s.weibull_shape, s.weibull_scale_months
    tc = t0 + pd.DateOffset(months=s.campaign_month)
    horizon_m = s.campaign_horizon_days / 30.4375
    age_c = ((tc - cust["join_date"]) / MONTH).to_numpy()
    eligible = (age_c > 0) & (end_rel_m > age_c)
    idx = np.flatnonzero(eligible)
    seg = cust["segment"].cat.codes.to_numpy()[idx]
    treated = rng.random(idx.size) < s.campaign_treated_share
    a, e = age_c[idx], eta[idx]
    p0 = 1 - np.exp(-((a + horizon_m) / sigma) ** k * np.exp(e) + (a / sigma) ** k * np.exp(e))
    rr = np.array(s.campaign_churn_rr)[seg]
    p1 = np.clip(p0 * rr, 0, 1)
    life = end_rel_m[idx].copy()
    y0 = life <= a + horizon_m
    u = rng.random(idx.size)
    # helped (rr < 1): a treated would-be churner is saved with prob 1 - rr; saved -> lifetime
    # redrawn beyond the horizon. Harmed (rr > 1): a treated stayer churns with prob
    # (p1 - p0) / (1 - p0), uniformly inside the horizon.
    saved = treated & y0 & (rr < 1) & (u < 1 - rr)
    if saved.any():
        life[saved] = _weibull_time(rng, s, e[saved], a[saved] + horizon_m)
    pushed_p = np.where(rr > 1, (p1 - p0) / np.maximum(1 - p0, 1e-12), 0)
    pushed = treated & ~y0 & (rr > 1) & (u < pushed_p)
    life[pushed] = a[pushed] + rng.random(int(pushed.sum())) * horizon_m
    end_rel_m = end_rel_m.copy()
    end_rel_m[idx] = life
    churn_90 = life <= a + horizon_m
    mu = s.campaign_calls_per_90d * np.where(treated, 1 - s.campaign_call_reduction, 1.0)
    calls = rng.poisson(mu)
    camp = pd.DataFrame({
        "customer_id": cust["customer_id"].to_numpy()[idx],
        "segment": pd.Categorical.from_codes(seg, list(SEGMENTS)),
        "treated": treated,
        "churn_90d": churn_90,
        "inbound_contacts_90d": calls.astype(np.int64),
        "region": cust["region"].to_numpy()[idx],
        "digital_user": cust["digital_user"].to_numpy()[idx],
        "n_products": cust["n_products"].to_numpy()[idx],
        "tenure_months": np.floor(a).astype(np.int64),
    })
    ate = {}
    for i, name in enumerate(SEGMENTS):
        m = seg == i
        ate[name] = float(np.mean(p1[m] - p0[m])) if m.any() else float("nan")
    camp.attrs["truth"] = {
        "date": str(tc.date()), "horizon_days": s.campaign_horizon_days,
        "treated_share": s.campaign_treated_share,
        "churn_relative_risk": dict(zip(SEGMENTS, s.campaign_churn_rr, strict=True)),
        "churn_ate": ate,  # expected change in 90-day churn probability, treated - control
        "churn_ate_overall": float(np.mean(p1 - p0)),
        # each customer's own expected change in 90-day churn probability (treated - control)
        "churn_change_by_customer": pd.Series(p1 - p0, index=pd.Index(camp["customer_id"], name="customer_id"),
                                              name="true_churn_change"),
        "inbound_contacts_relative_reduction": s.campaign_call_reduction,
        "baseline_churn_90d": float(np.mean(p0)),
    }
    return camp, end_rel_m


# ----------------------------------------------------------------------------- transactions
def _transactions(rng, s, cust, lam, nu, contracts, t0, t_end):
    t0_ns, tend_ns = t0.value, t_end.value
    a = np.maximum(contracts["start"].to_numpy().astype("datetime64[ns]").astype(np.int64), t0_ns)
    end = contracts["end"].to_numpy().astype("datetime64[ns]")
    b = np.where(np.isnat(end), tend_ns, end.astype(np.int64))
    b = np.minimum(b, tend_ns)
    active_m = np.maximum(b - a, 0) / _MONTH_NS
    counts = rng.poisson(lam * active_m)
    owner = np.repeat(np.arange(len(cust), dtype=np.int64), counts)
    span = (b - a).astype(np.float64)
    ts = a[owner] + (rng.random(owner.size) * span[owner]).astype(np.int64)
    ts -= ts % 10**9  # whole seconds
    seg = cust["segment"].cat.codes.to_numpy()
    p = np.array(s.spend_p)[seg]
    amount = rng.gamma(p[owner], 1.0 / nu[owner])
    digital = cust["digital_user"].to_numpy()
    rural = (cust["region"] == "rural").to_numpy()
    # channel mix: digital users favour online/mobile; rural non-digital favour branch/ATM
    mix = np.array([[0.05, 0.10, 0.35, 0.20, 0.28, 0.02],   # digital
                    [0.25, 0.30, 0.35, 0.02, 0.03, 0.05],   # non-digital urban
                    [0.40, 0.30, 0.22, 0.01, 0.02, 0.05]])  # non-digital rural
    group = np.where(digital, 0, np.where(rural, 2, 1))[owner]
    chan = (rng.random(owner.size)[:, None] > np.cumsum(mix, axis=1)[group]).sum(axis=1)
    prod_p = np.array([0.45, 0.40, 0.08, 0.05, 0.02])
    prod = np.searchsorted(np.cumsum(prod_p), rng.random(owner.size), side="right")
    prod = np.minimum(prod, len(PRODUCTS) - 1)
    order = np.lexsort((ts, owner))
    tx = pd.DataFrame({
        "customer_id": cust["customer_id"].to_numpy()[owner[order]],
        "timestamp": ts[order].astype("datetime64[ns]"),
        "channel": pd.Categorical.from_codes(chan[order].astype(np.int8), list(CHANNELS)),
        "product": pd.Categorical.from_codes(prod[order].astype(np.int8), list(PRODUCTS)),
        "amount": np.round(amount[order], 2),
    })
    return tx


# ----------------------------------------------------------------------------- survey
def _implied_latent_cov(paths: dict[str, dict[str, float]], order: list[str]) -> np.ndarray:
    """Covariance of standardised latent variables implied by the recursive path model."""
    idx = {v: i for i, v in enumerate(order)}
    cov = np.eye(len(order))
    for v in order:
        parents = paths.get(v, {})
        if not parents:
            continue
        j = idx[v]
        pi = [idx[p] for p in parents]
        b = np.array(list(parents.values()))
        for w in order[: j]:  # covariance with every earlier variable
            cov[j, idx[w]] = cov[idx[w], j] = float(b @ cov[pi, idx[w]])
    return cov


def _group_means(expected: np.ndarray, order: list[str], groups) -> dict[str, dict[str, float]]:
    """True mean of each standardised latent variable per group (SD units): construct -> group -> mean."""
    frame = pd.DataFrame(expected, columns=order).groupby(np.asarray(groups)).mean()
    return {v: {str(g): float(frame.loc[g, v]) for g in frame.index} for v in order}


def _survey(rng, s, cust, contracts, t_end):
    order = ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY"]
    cov = _implied_latent_cov(ACSI_PATHS, order)
    active = np.flatnonzero(~contracts["churned"].to_numpy())
    n = min(s.n_survey, active.size)
    pick = np.sort(rng.choice(active, size=n, replace=False))
    idx = {v: i for i, v in enumerate(order)}
    lat = np.zeros((n, len(order)))
    r2 = {}
    # group differences: rural customers see the bank's image lower (exogenous IMAG) and higher tiers
    # are more satisfied than their drivers predict (SAT disturbance). Each shifted variable is
    # re-standardised over the sample, so the latent covariance and the true paths are unchanged.
    region = (cust["region"].to_numpy()[pick] == "rural").astype(int)
    tier = cust["value_tier"].cat.codes.to_numpy()[pick]
    shift = {"IMAG": np.asarray(s.image_shift, dtype=float)[region],
             "SAT": np.asarray(s.satisfaction_shift, dtype=float)[tier]}
    expected = np.zeros((n, len(order)))  # E[latent | region, tier]
    for v in order:
        parents = ACSI_PATHS.get(v, {})
        mu = shift.get(v, np.zeros(n))
        mu = mu - mu.mean()
        spread = np.sqrt(1 + mu.var())
        if not parents:
            lat[:, idx[v]] = (rng.standard_normal(n) + mu) / spread
            expected[:, idx[v]] = mu / spread
            continue
        pi = [idx[p] for p in parents]
        b = np.array(list(parents.values()))
        explained = float(b @ cov[np.ix_(pi, pi)] @ b)
        if explained >= 1:
            raise ParameterError(f"simulate_bank: structural paths into {v} explain {explained:.2f} >= 1")
        r2[v] = explained
        noise = (rng.standard_normal(n) + mu) / spread * np.sqrt(1 - explained)
        lat[:, idx[v]] = lat[:, pi] @ b + noise
        expected[:, idx[v]] = expected[:, pi] @ b + mu / spread * np.sqrt(1 - explained)
    lo, hi = s.likert_scale
    scale_factor = s.item_sd * (hi - lo) / 9.0
    centre = lo + (s.item_mean - 1) * (hi - lo) / 9.0
    lam = s.item_loading
    cols: dict[str, Any] = {"respondent_id": np.arange(1, n + 1, dtype=np.int64),
                            "customer_id": cust["customer_id"].to_numpy()[pick],
                            "region": cust["region"].values[pick],
                            "value_tier": cust["value_tier"].values[pick],
                            "segment": cust["segment"].values[pick]}
    for v in order:
        mean_v = lo + (s.construct_means[idx[v]] - 1) * (hi - lo) / 9.0
        for j in range(1, ACSI_ITEMS[v] + 1):
            x = lam * lat[:, idx[v]] + np.sqrt(1 - lam**2) * rng.standard_normal(n)
            cols[f"{v.lower()}{j}"] = np.clip(np.rint(mean_v + scale_factor * x), lo, hi).astype(np.int64)
    # SERVQUAL expectations / perceptions (two items per dimension)
    for d, dim in enumerate(SERVQUAL):
        base_e = s.servqual_expectation[d]
        base_p = base_e + s.servqual_gap[d]
        person = rng.normal(0, 0.6, n)
        for j in (1, 2):
            e = base_e + person + rng.normal(0, 0.9, n)
            p = base_p + 0.5 * person + rng.normal(0, 1.1, n)
            cols[f"exp_{dim[:3]}{j}"] = np.clip(np.rint(e), lo, hi).astype(np.int64)
            cols[f"per_{dim[:3]}{j}"] = np.clip(np.rint(p), lo, hi).astype(np.int64)
    survey = pd.DataFrame(cols)
    # two-arm intervention (pre/post)
    m = s.n_arm
    base = rng.normal(0, 1, 2 * m)
    arm = np.repeat(["control", "treatment"], m)
    rows = []
    for period, shift in (("pre", 0.0), ("post", 0.3)):
        eff = np.where(arm == "treatment", s.intervention_effect, 0.0) if period == "post" else 0.0
        lat_sat = base * scale_factor + shift + eff
        for j in (1, 2, 3):
            x = np.clip(np.rint(centre - 0.8 + lat_sat + rng.normal(0, 0.9, 2 * m)), lo, hi)
            rows.append(pd.DataFrame({"respondent_id": np.arange(1, 2 * m + 1), "arm": arm,
                                      "period": period, "item": f"sat{j}",
                                      "score": x.astype(np.int64)}))
    long = pd.concat(rows, ignore_index=True)
    intervention = (long.pivot_table(index=["respondent_id", "arm", "period"], columns="item",
                                     values="score").reset_index())
    intervention.columns.name = None
    intervention["period"] = pd.Categorical(intervention["period"], ["pre", "post"], ordered=True)
    intervention = intervention.sort_values(["respondent_id", "period"], ignore_index=True)
    for c in ("sat1", "sat2", "sat3"):
        intervention[c] = intervention[c].astype(np.int64)
    truth = {
        "model": "ECSI: standardised latent variables, recursive paths, items = loading * LV + noise, "
                 "rounded to the Likert scale",
        "paths": ACSI_PATHS, "r2": r2, "loading": lam,
        "items": {v: [f"{v.lower()}{j}" for j in range(1, ACSI_ITEMS[v] + 1)] for v in order},
        "likert_scale": [lo, hi],
        "construct_means": dict(zip(order, s.construct_means, strict=True)),
        "servqual_gap": dict(zip(SERVQUAL, s.servqual_gap, strict=True)),
        "intervention_effect": s.intervention_effect,
        "n_per_arm": m,
        "latent_mean_by_region": _group_means(expected, order, cust["region"].values[pick]),
        "latent_mean_by_tier": _group_means(expected, order, cust["value_tier"].values[pick]),
        "image_shift": dict(zip(["urban", "rural"], s.image_shift, strict=True)),
        "satisfaction_shift": dict(zip(TIERS, s.satisfaction_shift, strict=True)),
    }
    return survey, intervention, truth


# ----------------------------------------------------------------------------- tickets
def _tickets(rng, s, cust, contracts, t0, t_end):
    a = np.maximum(contracts["start"].to_numpy().astype("datetime64[ns]").astype(np.int64), t0.value)
    end = contracts["end"].to_numpy().astype("datetime64[ns]")
    b = np.minimum(np.where(np.isnat(end), t_end.value, end.astype(np.int64)), t_end.value)
    active_m = np.maximum(b - a, 0) / _MONTH_NS
    counts = rng.poisson(s.tickets_per_customer_month * active_m)
    owner = np.repeat(np.arange(len(cust)), counts)
    created = a[owner] + (rng.random(owner.size) * (b - a)[owner]).astype(np.int64)
    created -= created % 10**9
    order = np.argsort(created, kind="stable")
    owner, created = owner[order], created[order]
    n = owner.size
    rural = (cust["region"] == "rural").to_numpy()[owner]
    r = rural.astype(int)
    hour = 3_600 * 10**9

    def lognormal(medians):
        return np.exp(rng.normal(np.log(np.array(medians)[r]), s.time_log_sd)) * hour

    respond = created + lognormal(s.respond_median_h).astype(np.int64)
    visit = rng.random(n) < s.on_site_share
    on_site = respond + lognormal(s.on_site_median_h).astype(np.int64)
    fcr = ~visit & (rng.random(n) < s.fcr_share)
    resolve_after = np.where(visit, on_site, respond)
    resolved = np.where(fcr, respond, resolve_after + lognormal(s.resolve_median_h).astype(np.int64))
    cutoff = t_end.value

    def censor(x, mask=None):
        out = x.astype("datetime64[ns]")
        bad = x > cutoff
        if mask is not None:
            bad = bad | ~mask
        out[bad] = np.datetime64("NaT")
        return out

    kind = np.where(visit, "fault", np.where(rng.random(n) < 0.35, "complaint", "request"))
    chan = np.array(["phone", "branch", "online", "mobile"])[
        (rng.random(n)[:, None] > np.cumsum([0.45, 0.25, 0.15, 0.15])).sum(axis=1)]
    return pd.DataFrame({
        "ticket_id": np.arange(1, n + 1, dtype=np.int64),
        "customer_id": cust["customer_id"].to_numpy()[owner],
        "created": created.astype("datetime64[ns]"),
        "responded": censor(respond),
        "on_site": censor(on_site, visit),
        "resolved": censor(resolved),
        "channel": pd.Categorical(chan, ["phone", "branch", "online", "mobile"]),
        "type": pd.Categorical(kind, ["request", "complaint", "fault"]),
        "region": pd.Categorical.from_codes(r, ["urban", "rural"]),
        "first_contact_resolution": fcr,
    })


# ----------------------------------------------------------------------------- calls
def _calls(rng, s, n_customers, t0, t_end):
    idx = pd.date_range(t0, t_end, freq="5min", inclusive="left")
    hours = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    # daily profile: quiet at night, peaks late morning and early evening
    daily = (0.15 + np.exp(-((hours - 11) ** 2) / 8) + 0.7 * np.exp(-((hours - 18) ** 2) / 6))
    weekly = np.array([1.15, 1.05, 1.0, 1.0, 1.05, 0.7, 0.5])[idx.dayofweek.to_numpy()]
    profile = daily * weekly
    per_month = s.calls_per_customer_month * n_customers
    slots_per_month = 30.4375 * 288
    mean = profile / profile.mean() * per_month / slots_per_month
    calls = rng.poisson(mean)
    contained = rng.binomial(calls, s.ivr_containment)
    aht = np.where(calls - contained > 0,
                   rng.gamma(20.0, s.aht_seconds / 20.0, calls.size), np.nan)
    return pd.DataFrame({
        "interval_start": idx,
        "calls": calls.astype(np.int64),
        "ivr_contained": contained.astype(np.int64),
        "agent_calls": (calls - contained).astype(np.int64),
        "aht_seconds": np.round(aht, 1),
    })
