"""A calibrated binary classifier for any yes/no outcome of a customer: churn, conversion, response.

Wraps scikit-learn (one-hot encoding, scaling, logistic regression or histogram gradient
boosting, cross-fitted isotonic or sigmoid calibration) behind the package's estimator protocol.
``targeting.ChurnClassifier`` and the prospect conversion model are this class under their own names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._extras import require
from ..core.base import Estimator, deprecated_alias, parameter_table
from ..core.design import preprocessor
from ..errors import ValidationError
from ..schemas.checks import as_binary

__all__ = ["CalibratedClassifier"]


class CalibratedClassifier(Estimator):
    """Calibrated binary classifier: one-hot encoding of categorical/bool columns (any number of levels; a
    level unseen in the fit scores with every indicator 0), scaling of numeric ones, a ``"logistic"``
    regression or ``"gradient_boosting"`` (scikit-learn HistGradientBoosting, on a dense encoding),
    probabilities calibrated by ``calibration`` ("isotonic" or "sigmoid", cross-fitted over ``cv``
    stratified folds) and the cross-validated AUC of the uncalibrated model.

    Parameters
    ----------
    model : str, default 'logistic'
        ``'logistic'`` (regression) or ``'gradient_boosting'`` (HistGradientBoosting).
    cv : int, default 5
        Stratified folds for calibration and for the cross-validated AUC.
    seed : int, default 0
        Random state of the folds and of the boosting model.
    calibration : str, default 'isotonic'
        ``'isotonic'`` or ``'sigmoid'`` (Platt) calibration of the probabilities.
    C : float, default 1.0
        Inverse L2 regularisation strength of the logistic regression.
    max_iter : int, default 2000
        Most solver iterations of the logistic regression.
    learning_rate : float, default 0.05
        Shrinkage of each boosting step (``gradient_boosting``).
    max_leaf_nodes : int, default 15
        Leaves per tree (``gradient_boosting``).
    boosting_max_iter : int, default 200
        Boosting iterations (``gradient_boosting``; scikit-learn's ``max_iter`` of
        HistGradientBoostingClassifier).

    Attributes
    ----------
    pipeline_ : fitted scikit-learn CalibratedClassifierCV around preprocessing + model
    cv_auc_, cv_auc_sd_ : mean and SD of the fold AUCs; churn_rate_ (share of 1s)
    n_obs_ : int, customers (rows) in the fit
    params_ : Series, ``model='logistic'`` only: log-odds coefficients (``intercept`` and one per
        encoded feature: a one-hot level, or a numeric feature per standard deviation), averaged over the
        ``cv`` fold models whose calibrated probabilities the classifier averages (a level absent from a
        fold's training rows is averaged over the folds that have it). Boosted trees have no coefficients,
        so ``gradient_boosting`` has no ``params_``. The regression is L2-penalised (``C``), so there are
        no standard errors.
    summary : ``model='logistic'``: DataFrame indexed by ``parameter``: estimate (as ``params_``) and
        fold_sd (SD of the coefficient over the folds); ``gradient_boosting``: ``performance``
    performance : one row: model, calibration, customers, positive_rate (churn_rate for churn), cv_auc, cv_auc_sd
    n_customers_ : deprecated alias of ``n_obs_`` (removed in the next release)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import targeting
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'x': rng.normal(size=400)})
    >>> y = (rng.random(400) < 1 / (1 + np.exp(-2 * X['x']))).astype(int)
    >>> m = targeting.CalibratedClassifier(cv=3).fit(X, y)
    >>> round(m.cv_auc_, 2), m.predict_proba(X.head(2)).name
    (0.87, 'probability')
    """

    _caller = "calibrated_classifier"
    _probability = "probability"
    _rate = "positive_rate"

    n_customers_ = deprecated_alias("n_obs_")

    def __init__(self, model: str = "logistic", cv: int = 5, seed: int = 0, calibration: str = "isotonic",
                 C: float = 1.0, max_iter: int = 2000, learning_rate: float = 0.05, max_leaf_nodes: int = 15,
                 boosting_max_iter: int = 200) -> None:
        self.model = model
        self.cv = cv
        self.seed = seed
        self.calibration = calibration
        self.C = C
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.boosting_max_iter = boosting_max_iter

    def fit(self, X: pd.DataFrame, y: pd.Series | np.ndarray) -> CalibratedClassifier:
        """Fit on features ``X`` (one row per customer) and 0/1 labels ``y``.

        Parameters
        ----------
        X : DataFrame
            Features, one row per customer; categorical and bool columns are one-hot encoded.
        y : Series or ndarray
            Labels, 0/1 or bool.

        Returns
        -------
        CalibratedClassifier
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Labels other than 0/1, too few rows of a class for the folds, or missing features.
        """
        require("sklearn", by=self._caller)
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score
        from sklearn.pipeline import Pipeline

        y = as_binary(y, "y", self._caller, unit="labels")
        if len(X) != len(y):
            raise ValidationError(f"{self._caller}: X has {len(X)} rows but y has {len(y)}")
        if not (isinstance(self.cv, int | np.integer) and self.cv >= 2):
            raise ValidationError(f"{self._caller}: cv must be a whole number >= 2; got {self.cv!r}")
        if self.calibration not in ("isotonic", "sigmoid"):
            raise ValidationError(f"{self._caller}: calibration must be 'isotonic' or 'sigmoid'; "
                                  f"got {self.calibration!r}")
        counts = np.bincount(y, minlength=2)
        if counts.min() < self.cv:
            raise ValidationError(f"{self._caller}: y has {counts[0]} zeros and {counts[1]} ones; each class needs at "
                                  f"least cv = {self.cv} rows for the stratified folds")
        na = X.isna().any(axis=1)
        if na.any():
            raise ValidationError(f"{self._caller}: {int(na.sum())} of {len(X)} rows have missing features "
                                  f"({[c for c in X.columns if X[c].isna().any()]}); impute or drop them explicitly")
        # the booster refuses the sparse matrix a many-level category gives (a 51-level state): dense for it
        pre = preprocessor(X, drop="if_binary", dense=self.model == "gradient_boosting")
        if self.model == "logistic":
            est = LogisticRegression(max_iter=self.max_iter, C=self.C)
        elif self.model == "gradient_boosting":
            est = HistGradientBoostingClassifier(max_iter=self.boosting_max_iter, learning_rate=self.learning_rate,
                                                 max_leaf_nodes=self.max_leaf_nodes, random_state=self.seed)
        else:
            raise ValidationError(f"{self._caller}: model must be 'logistic' or 'gradient_boosting'; "
                                  f"got {self.model!r}")
        base = Pipeline([("pre", pre), ("model", est)])
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.seed)
        aucs = cross_val_score(base, X, y, cv=folds, scoring="roc_auc")
        self.pipeline_ = CalibratedClassifierCV(base, method=self.calibration, cv=folds).fit(X, y)
        self.cv_auc_ = float(aucs.mean())
        self.cv_auc_sd_ = float(aucs.std(ddof=1))
        self.n_obs_ = len(y)
        self.churn_rate_ = float(y.mean())
        self.feature_names_in_ = list(X.columns)
        if self.model == "logistic":
            folds_coef = pd.concat([_coefficients(c.estimator) for c in self.pipeline_.calibrated_classifiers_], axis=1)
            self.params_ = folds_coef.mean(axis=1).rename("estimate").rename_axis("parameter")
            self._fold_sd = folds_coef.std(axis=1, ddof=1).to_numpy()
        return self

    def predict_proba(self, X: pd.DataFrame) -> pd.Series:
        """Calibrated probability of a 1 per row, indexed like ``X``.

        Parameters
        ----------
        X : DataFrame
            Features, one row per customer (the columns used in ``fit``).

        Returns
        -------
        Series
            Calibrated probability of a 1 per row (0-1).
        """
        self._check_fitted("predict_proba", "pipeline_")
        missing = [c for c in getattr(self, "feature_names_in_", []) if c not in X.columns]
        if missing:
            raise ValidationError(f"{self._caller}.predict_proba: X lacks the feature column(s) {missing} the model "
                                  "was fitted on")
        features = X[self.feature_names_in_] if hasattr(self, "feature_names_in_") else X
        na = features.isna().any(axis=1)
        if na.any():
            raise ValidationError(f"{self._caller}.predict_proba: {int(na.sum())} of {len(X)} rows have missing "
                                  "features; impute or drop them explicitly")
        return pd.Series(self.pipeline_.predict_proba(features)[:, 1], index=X.index, name=self._probability)

    @property
    def performance(self) -> pd.DataFrame:
        """One row: model, calibration, customers, positive rate (``churn_rate`` for churn), cv_auc, cv_auc_sd."""
        self._check_fitted("performance", "pipeline_")
        return pd.DataFrame([{"model": self.model, "calibration": self.calibration, "customers": self.n_obs_,
                              self._rate: self.churn_rate_, "cv_auc": self.cv_auc_, "cv_auc_sd": self.cv_auc_sd_}])

    def _summary(self) -> pd.DataFrame:
        if not hasattr(self, "params_"):  # boosted trees: no coefficients
            return self.performance
        return parameter_table(self.params_, extra={"fold_sd": self._fold_sd})


def _coefficients(pipeline) -> pd.Series:
    """Intercept and coefficients of a fitted preprocessing + logistic regression pipeline, by encoded feature
    (``region_urban``, ``n_products``: the encoder's names without the transformer prefix)."""
    model = pipeline.named_steps["model"]
    names = [n.split("__", 1)[1] for n in pipeline.named_steps["pre"].get_feature_names_out()]
    return pd.Series(np.r_[model.intercept_[0], model.coef_[0]], index=["intercept", *names])
