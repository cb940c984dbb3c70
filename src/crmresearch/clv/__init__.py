"""Customer-base models and lifetime value (own scipy implementations, validated against the papers).

- ``ShiftedBetaGeometric``: contractual retention (Fader & Hardie 2007); ``SBGRegression``: the same
  with alpha and beta log-linear in covariates, LR test against the pooled model; ``BetaDiscreteWeibull``:
  retention with duration dependence (Fader, Hardie, Liu, Davin & Steenburgh 2018), nests the sBG at c = 1
- ``BetaGeoNBD``: non-contractual repeat buying (Fader, Hardie & Lee 2005); ``ModifiedBetaGeoNBD``: MBG/NBD
  (Batislam et al. 2007); ``ParetoNBD``: Pareto/NBD (Schmittlein et al. 1987; Fader, Hardie & Lee 2005);
  ``ParetoNBDCovariates``, ``BetaGeoNBDCovariates``: the same with time-invariant covariates on the purchase
  and dropout rates (Fader & Hardie 2007), LR test against the models without them;
  ``BetaGeoBetaBinom``: BG/BB at discrete opportunities (Fader, Hardie & Shang 2010) on ``bgbb_table``;
  ``GammaGompertzNBD``: Gamma-Gompertz/NBD, a dropout hazard that changes with age (Bemmaor & Glady 2012)
- ``GammaGamma``: spend per transaction (Fader, Hardie & Lee 2005)
- ``fit_cohorts``, ``compare_retention_models`` (the sBG beside the BdW, LR test and projection errors),
  ``compare_cohort_models`` (the same on per-customer contract spells, per cohort)
- ``activity_status``, ``funnel``, ``rule_accuracy``: activity rules and the activity funnel beside P(alive)
- ``MarkovChainValue``, ``chain_value``, ``recency_chain``, ``state_moves``, ``reactivation_break_even``,
  ``recency_migration`` (recency-state counts from a transaction log):
  Markov-chain customer value over states (Pfeifer & Carraway 2000), the value of moving up one state and
  the break-even spend on a reactivation offer
- ``new_customer_purchases``, ``new_customer_value``: forecasts for customers not yet acquired (cohorts joining
  at given times; CLV at acquisition), with delta-method intervals, for every purchase model
- ``compare_models``: every customer-base model on the same customers, judged on the holdout;
  ``compare_covariate_models``: each with and without covariates (LR test, holdout); ``new_customer_values``:
  a new customer's value under each model
- ``referral_value``, ``referral_deciles``, ``referral_links``: customer referral value (Kumar, Petersen & Leone
  2010), the customers a customer brings in who would not have joined otherwise, against lifetime value
- ``summary_from_transactions``: the calibration / holdout table (``opportunity_summary``: the same at discrete
  opportunities, for the BG/BB); ``customer_tables``: it, customer totals and
  RFM from one read of a large table; ``clv``: per-customer value;
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
    compare_cohort_models,
    compare_retention_models,
    constant_retention,
    discrete_survival,
    fit_cohorts,
    projection_errors,
)
from .comparison import ModelComparison, compare_covariate_models, compare_models
from .covariates import BetaGeoNBDCovariates, ParetoNBDCovariates
from .gamma_gamma import GammaGamma
from .ggnbd import GammaGompertzNBD, simulate_ggnbd
from .markov import (
    MarkovChainValue,
    chain_value,
    reactivation_break_even,
    recency_chain,
    recency_migration,
    state_moves,
)
from .mbgnbd import ModifiedBetaGeoNBD
from .new_customers import new_customer_purchases, new_customer_value, new_customer_values
from .paretonbd import ParetoNBD
from .referral import referral_deciles, referral_links, referral_value
from .sbg import ShiftedBetaGeometric
from .sbg_regression import SBGRegression
from .utils import (
    conditional_expectations,
    contract_periods,
    customer_tables,
    first_purchase_amounts,
    opportunity_summary,
    repeat_tracking,
    summary_from_transactions,
)
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
    "BetaGeoNBDCovariates",
    "CustomerValue",
    "GammaGamma",
    "GammaGompertzNBD",
    "MarkovChainValue",
    "ModelComparison",
    "ModifiedBetaGeoNBD",
    "ParetoNBD",
    "ParetoNBDCovariates",
    "SBGRegression",
    "ShiftedBetaGeometric",
    "activity_status",
    "bgbb_table",
    "bgnbd_recovery",
    "chain_value",
    "clv",
    "clv_intervals",
    "cohort_curves",
    "compare_cohort_models",
    "compare_covariate_models",
    "compare_models",
    "compare_retention_models",
    "conditional_expectations",
    "constant_retention",
    "contract_periods",
    "customer_tables",
    "customer_value",
    "discrete_survival",
    "first_purchase_amounts",
    "fit_cohorts",
    "funnel",
    "margin_annuity",
    "model_check",
    "new_customer_purchases",
    "new_customer_value",
    "new_customer_values",
    "opportunity_summary",
    "period_discount_rate",
    "projection_errors",
    "rank_auc",
    "reactivation_break_even",
    "recency_chain",
    "recency_migration",
    "referral_deciles",
    "referral_links",
    "referral_value",
    "repeat_tracking",
    "revenue_per_customer",
    "rule_accuracy",
    "rule_agreement",
    "simulate_bgnbd",
    "simulate_ggnbd",
    "state_moves",
    "summary_from_transactions",
    "value_summary",
    "weekly_rate",
]
