"""Churn survival: survival frames, Kaplan-Meier and log-rank, Cox PH with assumption checks, AFT
models, competing risks (cumulative incidence by cause, Gray's test, cause-specific Cox with fixed or start/stop
covariates, Fine-Gray), mixture cure models (Weibull or Cox latency) with Maller-Zhou's follow-up test, time-varying
Cox and the complaint/recovery covariate paths (``recovery``), evaluation that accounts for censoring (Uno's C,
time-dependent AUC, Brier scores, calibration at a horizon, and their cause-specific versions with competing
causes) and survival-based CLV.
Churn classifiers, lift and targeting profit live in :mod:`crmresearch.targeting`.

Wraps lifelines and scikit-learn (we do not re-implement what they do well) and adds input checks,
tidy tables, plain-language PH verdicts and the CRM quantities (CLV, profit)."""

# ruff: noqa: E402 - the extra is checked before the modules that need it are imported
from .._extras import require

require("lifelines", by="crmresearch.survival")

from . import recovery
from .competing import CauseSpecificCox, CumulativeIncidence, FineGray, cause_table, cuminc, fine_gray, gray_test
from .cure import CoxMixtureCure, FollowUpTest, MixtureCure, cox_mixture_cure, followup_test, mixture_cure
from .evaluate import (
    HorizonCalibration,
    brier_score,
    cause_specific_auc,
    cause_specific_brier_score,
    cause_specific_calibration,
    cause_specific_integrated_brier_score,
    cif_pseudo_values,
    competing_concordance,
    cumulative_dynamic_auc,
    evaluate_holdout,
    evaluate_model,
    harrell_concordance,
    horizon_calibration,
    integrated_brier_score,
    km_pseudo_values,
    survival_scores,
    time_dependent_auc,
    uno_concordance,
)
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
from .timevarying import TimeVaryingCox, panel
from .value import calibration_at, survival_clv, survival_clv_intervals

__all__ = [
    "AFT",
    "CauseSpecificCox",
    "CoxMixtureCure",
    "CoxPH",
    "CumulativeIncidence",
    "FineGray",
    "FollowUpTest",
    "HorizonCalibration",
    "KaplanMeier",
    "MixtureCure",
    "TimeVaryingCox",
    "aft",
    "brier_score",
    "calibration_at",
    "cause_specific_auc",
    "cause_specific_brier_score",
    "cause_specific_calibration",
    "cause_specific_integrated_brier_score",
    "cause_table",
    "cif_pseudo_values",
    "compare_aft",
    "compare_with_truth",
    "competing_concordance",
    "cox",
    "cox_mixture_cure",
    "cuminc",
    "cumulative_dynamic_auc",
    "design_matrix",
    "evaluate_holdout",
    "evaluate_model",
    "fine_gray",
    "followup_test",
    "gray_test",
    "harrell_concordance",
    "horizon_calibration",
    "integrated_brier_score",
    "km",
    "km_pseudo_values",
    "latest_date",
    "logrank",
    "mixture_cure",
    "panel",
    "recovery",
    "spell_covariates",
    "spell_groups",
    "strata_for_ph",
    "survival_clv",
    "survival_clv_intervals",
    "survival_frame",
    "survival_scores",
    "time_dependent_auc",
    "uno_concordance",
]


_MOVED_TO_TARGETING = ("ChurnClassifier", "calibration_table", "churn_classifier", "churn_snapshot", "churn_table",
                       "depth_grid", "lift_table", "targeting_profit")


def __getattr__(name: str):  # the targeting names, for one release (see CHANGELOG.md)
    if name in _MOVED_TO_TARGETING:
        import warnings

        from .. import targeting

        warnings.warn(f"crmresearch.survival.{name} has moved to crmresearch.targeting.{name}; the old path goes "
                      "in the next release", DeprecationWarning, stacklevel=2)
        return getattr(targeting, name)
    raise AttributeError(f"module 'crmresearch.survival' has no attribute {name!r}")
