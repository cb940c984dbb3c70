"""Churn survival and targeting: survival frames, Kaplan-Meier and log-rank, Cox PH with assumption
checks, AFT models, holdout evaluation, survival-based CLV, churn classifiers and targeting profit.

Wraps lifelines and scikit-learn (we do not re-implement what they do well) and adds input checks,
tidy tables, plain-language PH verdicts and the CRM quantities (CLV, profit)."""

# ruff: noqa: E402 - the extra is checked before the modules that need it are imported
from .._extras import require

require("lifelines", by="crmresearch.survival")

from .evaluate import brier_score, evaluate_holdout, time_dependent_auc
from .frames import latest_date, spell_covariates, spell_groups, survival_frame
from .models import (
    AFT,
    CoxPH,
    KaplanMeier,
    aft,
    compare_aft,
    compare_with_truth,
    cox,
    design_matrix,
    km,
    logrank,
    strata_for_ph,
)
from .targeting import (
    ChurnClassifier,
    calibration_table,
    churn_classifier,
    churn_snapshot,
    churn_table,
    depth_grid,
    lift_table,
    targeting_profit,
)
from .timevarying import TimeVaryingCox, panel
from .value import calibration_at, survival_clv, survival_clv_intervals

__all__ = [
    "AFT",
    "ChurnClassifier",
    "CoxPH",
    "KaplanMeier",
    "TimeVaryingCox",
    "aft",
    "brier_score",
    "calibration_at",
    "calibration_table",
    "churn_classifier",
    "churn_snapshot",
    "churn_table",
    "compare_aft",
    "compare_with_truth",
    "cox",
    "depth_grid",
    "design_matrix",
    "evaluate_holdout",
    "km",
    "latest_date",
    "lift_table",
    "logrank",
    "panel",
    "spell_covariates",
    "spell_groups",
    "strata_for_ph",
    "survival_clv",
    "survival_clv_intervals",
    "survival_frame",
    "targeting_profit",
    "time_dependent_auc",
]
