"""Customer-base models and lifetime value (own scipy implementations, validated against the papers).

- ``ShiftedBetaGeometric``: contractual retention (Fader & Hardie 2007); ``SBGRegression``: the same
  with alpha and beta log-linear in covariates, LR test against the pooled model; ``BetaDiscreteWeibull``:
  retention with duration dependence (Fader, Hardie, Liu, Davin & Steenburgh 2018), nests the sBG at c = 1
- ``BetaGeoNBD``: non-contractual repeat buying (Fader, Hardie & Lee 2005); ``ModifiedBetaGeoNBD``: MBG/NBD
  (Batislam et al. 2007); ``ParetoNBD``: Pareto/NBD (Schmittlein et al. 1987; Fader, Hardie & Lee 2005);
  ``BetaGeoBetaBinom``: BG/BB at discrete opportunities (Fader, Hardie & Shang 2010) on ``bgbb_table``
- ``GammaGamma``: spend per transaction (Fader, Hardie & Lee 2005)
- ``fit_cohorts``, ``compare_retention_models`` (the sBG beside the BdW, LR test and projection errors)
- ``activity_status``, ``funnel``, ``rule_accuracy``: activity rules and the activity funnel beside P(alive)
- ``summary_from_transactions``: the calibration / holdout table; ``clv``: per-customer value;
  ``customer_value``: the BG/NBD -> Gamma-Gamma -> CLV chain in one call
"""

from .activity import (
    REVENUE_DAYS,
    STATUSES,
    activity_status,
    funnel,
    revenue_per_customer,
    rule_accuracy,
    rule_agreement,
)
from .bdw import BetaDiscreteWeibull
from .bgbb import BetaGeoBetaBinom, bgbb_table
from .bgnbd import BetaGeoNBD, bgnbd_recovery, simulate_bgnbd
from .cohorts import (
    cohort_curves,
    compare_retention_models,
    constant_retention,
    discrete_survival,
    fit_cohorts,
    projection_errors,
)
from .gamma_gamma import GammaGamma
from .mbgnbd import ModifiedBetaGeoNBD
from .paretonbd import ParetoNBD
from .sbg import ShiftedBetaGeometric
from .sbg_regression import SBGRegression
from .utils import conditional_expectations, contract_periods, repeat_tracking, summary_from_transactions
from .value import (
    ANNUAL_DISCOUNT_RATE,
    DAYS_PER_YEAR,
    HORIZON_WEEKS,
    WEEKS_PER_YEAR,
    CustomerValue,
    clv,
    clv_intervals,
    customer_value,
    margin_annuity,
    model_check,
    period_discount_rate,
    rank_auc,
    value_summary,
    weekly_rate,
)

__all__ = [
    "ANNUAL_DISCOUNT_RATE",
    "DAYS_PER_YEAR",
    "HORIZON_WEEKS",
    "REVENUE_DAYS",
    "STATUSES",
    "WEEKS_PER_YEAR",
    "BetaDiscreteWeibull",
    "BetaGeoBetaBinom",
    "BetaGeoNBD",
    "CustomerValue",
    "GammaGamma",
    "ModifiedBetaGeoNBD",
    "ParetoNBD",
    "SBGRegression",
    "ShiftedBetaGeometric",
    "activity_status",
    "bgbb_table",
    "bgnbd_recovery",
    "clv",
    "clv_intervals",
    "cohort_curves",
    "compare_retention_models",
    "conditional_expectations",
    "constant_retention",
    "contract_periods",
    "customer_value",
    "discrete_survival",
    "fit_cohorts",
    "funnel",
    "margin_annuity",
    "model_check",
    "period_discount_rate",
    "projection_errors",
    "rank_auc",
    "repeat_tracking",
    "revenue_per_customer",
    "rule_accuracy",
    "rule_agreement",
    "simulate_bgnbd",
    "summary_from_transactions",
    "value_summary",
    "weekly_rate",
]
