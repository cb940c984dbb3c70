"""Campaign experiments: two-proportion tests, sample size and power, A/B analysis with balance,
and uplift models (two-model, class transformation) with Qini curves and targeting profit.

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions.
Statistics in Medicine 17, 873-890 (method 10, Wilson score based).
Radcliffe, N. J. (2007). Using control groups to target on predicted lift. Direct Marketing
Analytics Journal 1, 14-21 (Qini).
Jaskowski, M. and Jaroszewicz, S. (2012). Uplift modeling for clinical trial data. ICML workshop
(class transformation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._extras import require
from .core.base import Estimator
from .errors import ValidationError
from .schemas.checks import as_binary
from .schemas.validate import validate

__all__ = [
    "TwoProportions",
    "UpliftModel",
    "analyze_ab",
    "campaign_table",
    "compare_means",
    "control_risk",
    "odds_ratios",
    "power_curve",
    "qini",
    "rates_by",
    "sample_size",
    "two_proportions",
    "uplift_by_decile",
    "uplift_model",
    "uplift_targeting_profit",
    "wilson_interval",
]


def _probability(value: object, name: str, caller: str, open_low: bool = True) -> float:
    """A number strictly inside (0, 1) (or [0, 1) with ``open_low=False``), else a clear error."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{caller}: {name} must be a number in (0, 1); got {value!r}") from None
    if not (0 < v < 1 if open_low else 0 <= v < 1):
        raise ValidationError(f"{caller}: {name} must be in ({'0' if open_low else '[0'}, 1); got {value!r}")
    return v


def wilson_interval(successes: float, total: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion.

    Parameters
    ----------
    successes : float
        Count of events.
    total : float
        Count of trials (> 0).
    alpha : float, default 0.05
        Significance level: intervals cover 1 - alpha (0.05 gives 95 % intervals).

    Returns
    -------
    tuple (float, float)
        (lower, upper) of the Wilson score interval, as shares.

    Examples
    --------
    >>> from crmresearch import experiments
    >>> [round(float(x), 4) for x in experiments.wilson_interval(1, 2)]
    [0.0945, 0.9055]
    """
    alpha = _probability(alpha, "alpha", "wilson_interval")
    try:
        successes, total = float(successes), float(total)
    except (TypeError, ValueError):
        raise ValidationError(f"wilson_interval: successes and total must be numbers; got {successes!r}, "
                              f"{total!r}") from None
    if not (np.isfinite(successes) and np.isfinite(total)) or total <= 0 or not 0 <= successes <= total:
        raise ValidationError(f"wilson_interval: need 0 <= successes <= total and total > 0; got {successes}/{total}")
    z = stats.norm.ppf(1 - alpha / 2)
    p = successes / total
    denom = 1 + z**2 / total
    centre = (p + z**2 / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denom
    return centre - half, centre + half


@dataclass(frozen=True)
class TwoProportions:
    """Treatment (2) minus control (1): rates, difference with Newcombe interval, relative lift, z-test.

    Parameters
    ----------
    p1 : float
        Outcome rate of the control arm (share, 0-1).
    p2 : float
        Outcome rate of the treatment arm (share, 0-1).
    difference : float
        p2 - p1, in rate points (share).
    ci_lower : float
        Lower end of Newcombe's hybrid Wilson interval of the difference.
    ci_upper : float
        Upper end of that interval.
    relative_lift : float
        p2 / p1 - 1 (0.2 = +20 %); NaN when p1 is 0.
    z : float
        Pooled two-sided z statistic.
    p_value : float
        Two-sided p-value of the z-test.

    Examples
    --------
    >>> from crmresearch import experiments
    >>> r = experiments.two_proportions([30, 45], [500, 500])
    >>> type(r).__name__, round(float(r.ci_lower), 3) < 0.03 < round(float(r.ci_upper), 3)
    ('TwoProportions', True)
    """

    p1: float
    p2: float
    difference: float
    ci_lower: float
    ci_upper: float
    relative_lift: float
    z: float
    p_value: float


def _two_arms(successes: Sequence[float], totals: Sequence[float]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Check two arms of counts: whole numbers, totals > 0, 0 <= successes <= totals."""
    try:
        xs, ns = np.asarray(successes, dtype=float), np.asarray(totals, dtype=float)
    except (TypeError, ValueError):
        raise ValidationError(f"two_proportions: successes and totals must be numbers; got {successes!r}, "
                              f"{totals!r}") from None
    if xs.shape != (2,) or ns.shape != (2,):
        raise ValidationError(f"two_proportions: compares exactly two arms (control, treatment); got "
                              f"{xs.size} successes and {ns.size} totals — for more arms use a chi-square test "
                              "or compare pairs")
    for name, v in (("successes", xs), ("totals", ns)):
        if not np.isfinite(v).all() or (v != np.round(v)).any():
            raise ValidationError(f"two_proportions: {name} must be whole counts; got {v.tolist()}")
    if (ns <= 0).any():
        raise ValidationError(f"two_proportions: totals must be > 0 in both arms; got {ns.astype(int).tolist()}")
    if ((xs < 0) | (xs > ns)).any():
        raise ValidationError(f"two_proportions: need 0 <= successes <= totals in each arm; got "
                              f"{xs.astype(int).tolist()} of {ns.astype(int).tolist()}")
    return (int(xs[0]), int(xs[1])), (int(ns[0]), int(ns[1]))


def two_proportions(successes: Sequence[float], totals: Sequence[float], alpha: float = 0.05) -> TwoProportions:
    """Compare two proportions: ``successes = (x_control, x_treatment)``, ``totals = (n_control, n_treatment)``.

    Difference p2 - p1 with Newcombe's hybrid Wilson score interval (method 10), relative lift
    p2 / p1 - 1 and the pooled two-sided z-test. Counts must be whole numbers with
    0 <= successes <= totals and totals > 0, for exactly two arms.

    Parameters
    ----------
    successes : sequence of float
        Outcome counts ``(x_control, x_treatment)``.
    totals : sequence of float
        Arm sizes ``(n_control, n_treatment)``.
    alpha : float, default 0.05
        Significance level: intervals cover 1 - alpha (0.05 gives 95 % intervals).

    Returns
    -------
    TwoProportions
        Rates, difference with its interval, relative lift, z and p-value.

    Raises
    ------
    ValidationError
        If the counts are not whole, negative, above their totals, or not two arms.

    Examples
    --------
    >>> from crmresearch import experiments
    >>> r = experiments.two_proportions([30, 45], [500, 500])
    >>> round(float(r.difference), 3), round(float(r.p_value), 3)   # second minus first
    (0.03, 0.072)
    """
    (x1, x2), (n1, n2) = _two_arms(successes, totals)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, alpha)
    l2, u2 = wilson_interval(x2, n2, alpha)
    d = p2 - p1
    lower = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = d / se if se > 0 else 0.0
    return TwoProportions(p1, p2, d, lower, upper, p2 / p1 - 1 if p1 > 0 else float("nan"), z,
                          2 * stats.norm.sf(abs(z)))


def sample_size(p_control: float, lift: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0,
                relative: bool = True) -> int:
    """Customers per control arm to detect a change of ``lift`` (relative by default: 0.2 = +20 %)
    with a two-sided z-test (normal approximation, unpooled variance under the alternative and pooled
    under the null). Treatment arm = ``ratio`` x control.

    Parameters
    ----------
    p_control : float
        Outcome rate expected in the control arm (share, 0-1).
    lift : float
        Smallest change worth detecting: relative (0.2 = +20 %) or in rate points, see ``relative``.
    alpha : float, default 0.05
        Significance level of the two-sided test.
    power : float, default 0.8
        Probability of detecting the change if it is there.
    ratio : float, default 1.0
        Treatment arm size / control arm size.
    relative : bool, default True
        True when ``lift`` is relative to ``p_control``.

    Returns
    -------
    int
        Customers needed in the control arm (rounded up); the treatment arm needs ``ratio`` times as many.

    Examples
    --------
    >>> from crmresearch import experiments
    >>> experiments.sample_size(0.10, 0.20)   # 10 % churn, detect a 20 % relative reduction, 80 % power
    3841
    """
    p_control = _probability(p_control, "p_control", "sample_size")
    alpha, power = _probability(alpha, "alpha", "sample_size"), _probability(power, "power", "sample_size")
    try:
        lift, ratio = float(lift), float(ratio)
    except (TypeError, ValueError):
        raise ValidationError(f"sample_size: lift and ratio must be numbers; got {lift!r}, {ratio!r}") from None
    if not (np.isfinite(lift) and np.isfinite(ratio) and ratio > 0):
        raise ValidationError(f"sample_size: lift must be finite and ratio > 0; got {lift!r}, {ratio!r}")
    p2 = p_control * (1 + lift) if relative else p_control + lift
    if not (0 < p_control < 1 and 0 < p2 < 1) or p2 == p_control:
        raise ValidationError(f"sample_size: rates must be in (0, 1) and differ; got {p_control} and {p2}")
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    pbar = (p_control + ratio * p2) / (1 + ratio)
    num = (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
           + zb * math.sqrt(p_control * (1 - p_control) + p2 * (1 - p2) / ratio)) ** 2
    return math.ceil(num / (p2 - p_control) ** 2)


def power_curve(p_control: float, lifts: Sequence[float], n_per_arm: int, alpha: float = 0.05,
                relative: bool = True) -> pd.DataFrame:
    """Power of the two-sided z-test at ``n_per_arm`` per arm for each lift.

    Parameters
    ----------
    p_control : float
        Outcome rate of the control arm (share, 0-1).
    lifts : sequence of float
        Changes to evaluate: relative (0.1 = +10 %) or absolute rate points, see ``relative``.
    n_per_arm : int
        Customers in each arm.
    alpha : float, default 0.05
        Significance level of the two-sided test.
    relative : bool, default True
        True when ``lifts`` are relative to ``p_control``.

    Returns
    -------
    DataFrame
        One row per lift: ``lift``, ``p_treatment`` and ``power`` (0-1).

    Examples
    --------
    >>> from crmresearch import experiments
    >>> curve = experiments.power_curve(0.10, [0.1, 0.2, 0.3], n_per_arm=3841)
    >>> [round(float(p), 2) for p in curve["power"]]
    [0.3, 0.8, 0.98]
    """
    p_control = _probability(p_control, "p_control", "power_curve")
    alpha = _probability(alpha, "alpha", "power_curve")
    try:
        n_ok = float(n_per_arm) >= 1 and float(n_per_arm) == int(n_per_arm)
    except (TypeError, ValueError, OverflowError):
        n_ok = False
    if not n_ok:
        raise ValidationError(f"power_curve: n_per_arm must be a whole number >= 1; got {n_per_arm!r}")
    za = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for lift in lifts:
        try:
            lift = float(lift)
        except (TypeError, ValueError):
            raise ValidationError(f"power_curve: lifts must be numbers; got {lift!r}") from None
        p2 = p_control * (1 + lift) if relative else p_control + lift
        if not 0 < p2 < 1:
            raise ValidationError(f"power_curve: the treatment rate {p2!r} for lift {lift!r} is outside (0, 1)")
        pbar = (p_control + p2) / 2
        se0 = math.sqrt(2 * pbar * (1 - pbar) / n_per_arm)
        se1 = math.sqrt((p_control * (1 - p_control) + p2 * (1 - p2)) / n_per_arm)
        d = abs(p2 - p_control)
        power = stats.norm.cdf((d - za * se0) / se1) + stats.norm.cdf((-d - za * se0) / se1)
        rows.append({"lift": lift, "p_treatment": p2, "n_per_arm": n_per_arm, "power": float(power)})
    return pd.DataFrame(rows)


def analyze_ab(df: pd.DataFrame, arm: str, outcome: str, covariates: Sequence[str] = (),
               strata: str | None = None, control: object = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A/B analysis of a binary outcome: overall effect (and per stratum) with Newcombe intervals, and
    a covariate balance table (means by arm, standardised mean difference; |SMD| < 0.1 is balanced).

    Returns ``(effects, balance)``.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    arm : str
        Column holding the arm of each customer.
    outcome : str
        Binary outcome column (0/1 or bool).
    covariates : sequence of str, default ()
        Columns to check for balance between the arms (numeric or categorical).
    strata : str or None, optional
        Column whose values get an effect row each (e.g. segment); None for the overall effect only.
    control : object, default False
        Value of ``arm`` that marks the control group.

    Returns
    -------
    effects : DataFrame
        One row overall and per stratum: customers and rates per arm, difference with its Newcombe interval,
        relative lift and p-value.
    balance : DataFrame
        One row per numeric covariate and per level of a categorical one (its share of customers): mean per
        arm, standardised mean difference (SMD) and ``balanced`` (|SMD| < 0.1).

    Raises
    ------
    ValidationError
        A missing column, missing values in ``arm``, ``outcome`` or a covariate, an outcome other than 0/1,
        or an ``arm`` without exactly two values; the message counts the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import experiments
    >>> df = pd.DataFrame({'arm': [True] * 100 + [False] * 100, 'churn': [1] * 10 + [0] * 90 + [1] * 20 + [0] * 80})
    >>> effects, balance = experiments.analyze_ab(df, 'arm', 'churn')
    >>> round(float(effects['difference'].iloc[0]), 2)
    -0.1
    """
    for c in (arm, outcome, *covariates, *([strata] if strata else [])):
        if c not in df.columns:
            raise ValidationError(f"analyze_ab: missing column '{c}'")
    for c in (arm, outcome, *covariates):
        n_missing = int(df[c].isna().sum())
        if n_missing:
            raise ValidationError(f"analyze_ab: column '{c}' has {n_missing} missing values of {len(df)} rows; "
                                  "fill or drop them first (nothing is dropped here)")
    if df[arm].nunique() != 2:
        raise ValidationError(f"analyze_ab: column '{arm}' must have exactly two arms, "
                              f"found {df[arm].nunique()} distinct values")
    y_all = pd.Series(as_binary(df[outcome], f"column '{outcome}'", "analyze_ab"), index=df.index)
    treated = df[arm] != control
    groups = [("all", df, treated)]
    if strata:
        groups += [(str(k), g, treated.loc[g.index]) for k, g in df.groupby(strata, observed=True)]
    rows = []
    for name, g, t in groups:
        y = y_all.loc[g.index].astype(float)
        res = two_proportions((y[~t].sum(), y[t].sum()), ((~t).sum(), t.sum()))
        rows.append({"group": name, "n_control": int((~t).sum()), "n_treatment": int(t.sum()),
                     "rate_control": res.p1, "rate_treatment": res.p2, "difference": res.difference,
                     "ci_lower": res.ci_lower, "ci_upper": res.ci_upper, "relative_lift": res.relative_lift,
                     "p_value": res.p_value})
    bal = []
    for c in covariates:
        col = df[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):  # a bool: its share of True
            parts = [(c, col.astype(float))]
        else:  # a category: one row per level, the share of customers at that level (Austin 2009)
            levels = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else sorted(col.unique(), key=str)
            parts = [(f"{c}={lev}", (col == lev).astype(float)) for lev in levels]
        for label, x in parts:
            m0, m1 = x[~treated].mean(), x[treated].mean()
            sd = math.sqrt((x[~treated].var() + x[treated].var()) / 2)
            bal.append({"covariate": label, "mean_control": m0, "mean_treatment": m1,
                        "smd": (m1 - m0) / sd if sd > 0 else 0.0})
    balance = pd.DataFrame(bal, columns=["covariate", "mean_control", "mean_treatment", "smd"])
    balance["balanced"] = balance["smd"].abs() < 0.1
    return pd.DataFrame(rows), balance


def campaign_table(df: pd.DataFrame, treated: str = "treated", outcome: str = "outcome",
                   customer: str = "customer_id") -> pd.DataFrame:
    """A randomised campaign's table, checked: one row per customer, ``treated`` a 0/1 or boolean arm
    with both arms present, ``outcome`` 0/1 (1 = the event the campaign tries to prevent, e.g. churn).
    Returns a copy with ``treated`` boolean and ``outcome`` integer; missing values are an error.

    Parameters
    ----------
    df : DataFrame
        The campaign's rows, one per customer.
    treated : str, default 'treated'
        Arm column: 0/1 or bool, 1/True = received the campaign.
    outcome : str, default 'outcome'
        Outcome column: 0/1, 1 = the event the campaign tries to prevent.
    customer : str, default 'customer_id'
        Customer id column; must be unique.

    Returns
    -------
    DataFrame
        A copy with ``treated`` as bool and ``outcome`` as int.

    Raises
    ------
    ValidationError
        The campaign contract (:data:`crmresearch.schemas.CONTRACTS`) broken: duplicate ids, missing values,
        values other than 0/1, or an empty arm; the message names the column and counts the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import experiments
    >>> df = pd.DataFrame({'customer_id': [1, 2], 'treated': [1, 0], 'outcome': [0, 1]})
    >>> experiments.campaign_table(df)['treated'].tolist()
    [True, False]
    """
    df = validate(df, "campaign", customer=customer, treated=treated, outcome=outcome, caller="campaign_table")
    return df.assign(**{treated: df[treated].astype(bool), outcome: df[outcome].astype(int)})


class UpliftModel(Estimator):
    """Uplift model: the change in the probability of the outcome caused by treatment, per customer.

    ``method``: ``"two_model"`` (separate classifiers for the treated and the control arm; uplift =
    difference of their probabilities) or ``"class_transformation"`` (Jaskowski & Jaroszewicz 2012;
    needs a 50/50 randomisation: uplift = 2 P(z = 1) - 1 with z = 1 for treated outcomes and
    untreated non-outcomes). Each classifier is scikit-learn's HistGradientBoosting behind one-hot
    encoding of categorical/bool columns and scaling of numeric ones.

    ``fit(X, y, treatment)`` as in scikit-uplift, so the model is a pipeline's last step:
    ``make_pipeline(prep, UpliftModel()).fit(X, y, upliftmodel__treatment=t)``.

    Parameters
    ----------
    method : str, default 'two_model'
        ``'two_model'`` or ``'class_transformation'`` (needs a 50/50 randomisation).
    seed : int, default 0
        Random state of the gradient-boosting classifiers.
    max_iter : int, default 150
        Boosting iterations of each classifier.
    learning_rate : float, default 0.05
        Shrinkage of each boosting step.
    max_leaf_nodes : int, default 8
        Leaves per tree.
    min_samples_leaf : int, default 100
        Fewest customers in a leaf (guards against fitting noise in small arms).

    Attributes
    ----------
    models_ : dict arm -> fitted scikit-learn pipeline ("treated", "control"; or "transformed")
    arms_ : DataFrame per arm: customers, outcome_rate (the observed rates)
    n_obs_ : int, customers in the fit (both arms)
    summary : per arm observed outcome rate, plus the observed average uplift (treated - control).
        Boosted trees have no parameter vector, so there is no ``params_`` and the summary is this arm
        table rather than a parameter table.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import experiments
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'x': rng.normal(size=600)}); t = rng.integers(0, 2, 600)
    >>> y = (rng.random(600) < 0.3 - 0.2 * t * (X['x'] > 0)).astype(int)
    >>> m = experiments.UpliftModel(max_iter=50).fit(X, y, t)
    >>> m.predict(X.head(3)).shape
    (3,)
    """

    def __init__(self, method: str = "two_model", seed: int = 0, max_iter: int = 150, learning_rate: float = 0.05,
                 max_leaf_nodes: int = 8, min_samples_leaf: int = 100) -> None:
        self.method = method
        self.seed = seed
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf

    def _classifier(self, X: pd.DataFrame | np.ndarray):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        from .core.design import preprocessor

        model = HistGradientBoostingClassifier(max_iter=self.max_iter, learning_rate=self.learning_rate,
                                               max_leaf_nodes=self.max_leaf_nodes,
                                               min_samples_leaf=self.min_samples_leaf, random_state=self.seed)
        if not isinstance(X, pd.DataFrame):
            return Pipeline([("pre", StandardScaler()), ("model", model)])
        return Pipeline([("pre", preprocessor(X, dense=True)), ("model", model)])  # the booster needs dense input

    def fit(self, X: pd.DataFrame | np.ndarray, y: np.ndarray, treatment: np.ndarray) -> UpliftModel:
        """Fit on features ``X``, 0/1 outcomes ``y`` and 0/1 (or bool) ``treatment``.

        Parameters
        ----------
        X : DataFrame or ndarray
            Features, one row per customer.
        y : ndarray
            Outcome per customer (0/1).
        treatment : ndarray
            Arm per customer (0/1 or bool).

        Returns
        -------
        UpliftModel
            ``self``, fitted.
        """
        require("sklearn", by="experiments.UpliftModel")
        t = np.asarray(treatment).astype(bool)
        y = np.asarray(y)
        if not (len(X) == len(y) == len(t)):
            raise ValidationError(f"UpliftModel.fit: X has {len(X)} rows, y {len(y)}, treatment {len(t)}; they must "
                                  "be equal")
        y = as_binary(y, "y", "UpliftModel.fit")
        if t.all() or not t.any():
            raise ValidationError("UpliftModel.fit: treatment has one arm only; uplift needs treated and control "
                                  "customers")
        Xf = X if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=float)
        if self.method == "two_model":
            self.models_ = {"treated": self._classifier(Xf).fit(Xf[t], y[t]),
                            "control": self._classifier(Xf).fit(Xf[~t], y[~t])}
        elif self.method == "class_transformation":
            share = t.mean()
            if abs(share - 0.5) > 0.05:
                raise ValidationError(f"uplift_model: class transformation needs ~50 % treated; got {share:.1%}")
            z = (t & (y == 1)) | (~t & (y == 0))
            self.models_ = {"transformed": self._classifier(Xf).fit(Xf, z.astype(int))}
        else:
            raise ValidationError(f"uplift_model: method must be 'two_model' or 'class_transformation'; "
                                  f"got {self.method!r}")
        self.arms_ = pd.DataFrame({"arm": ["treated", "control"], "customers": [int(t.sum()), int((~t).sum())],
                                   "outcome_rate": [float(y[t].mean()), float(y[~t].mean())]})
        self.n_obs_ = len(y)
        return self

    def predict(self, X: pd.DataFrame | np.ndarray) -> pd.Series | np.ndarray:
        """Predicted uplift (treated minus control probability of the outcome) per customer; a
        DataFrame gives a Series on its index.

        Parameters
        ----------
        X : DataFrame or ndarray
            Features, one row per customer (the columns used in ``fit``).

        Returns
        -------
        Series or ndarray
            Predicted uplift per customer (probability difference).
        """
        self._check_fitted("predict", "models_")
        Xf = X if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=float)
        if "transformed" in self.models_:
            u = 2 * self.models_["transformed"].predict_proba(Xf)[:, 1] - 1
        else:
            u = self.models_["treated"].predict_proba(Xf)[:, 1] - self.models_["control"].predict_proba(Xf)[:, 1]
        return pd.Series(u, index=X.index, name="uplift") if isinstance(X, pd.DataFrame) else u

    def _summary(self) -> pd.DataFrame:
        out = self.arms_.copy()
        diff = out["outcome_rate"].iloc[0] - out["outcome_rate"].iloc[1]
        return pd.concat([out, pd.DataFrame([{"arm": "treated - control", "customers": int(out["customers"].sum()),
                                              "outcome_rate": diff}])], ignore_index=True)


def uplift_model(X: pd.DataFrame, treated: np.ndarray, y: np.ndarray, method: str = "two_model",
                 seed: int = 0) -> UpliftModel:
    """:class:`UpliftModel` fitted on ``X``, outcomes ``y`` and ``treated`` (see there); call
    ``.predict(X)`` for the uplift per customer.

    Parameters
    ----------
    X : DataFrame
        Features, one row per customer.
    treated : ndarray
        Arm per customer (bool or 0/1).
    y : ndarray
        Outcome per customer (0/1).
    method : str, default 'two_model'
        ``'two_model'`` or ``'class_transformation'``, see :class:`UpliftModel`.
    seed : int, default 0
        Random state of the classifiers.

    Returns
    -------
    UpliftModel
        The fitted model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import experiments
    >>> rng = np.random.default_rng(0); X = pd.DataFrame({'x': rng.normal(size=400)}); t = rng.integers(0, 2, 400)
    >>> y = (rng.random(400) < 0.3).astype(int)
    >>> type(experiments.uplift_model(X, t, y)).__name__
    'UpliftModel'
    """
    return UpliftModel(method=method, seed=seed).fit(X, y, treated)


def _qini_points(score: np.ndarray, t: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """Q(k) for k = 0..n customers targeted in decreasing ``score`` order (ties kept in input order)."""
    order = np.argsort(-score, kind="stable")
    t, yy = t[order], yy[order]
    nt, nc = np.cumsum(t), np.cumsum(~t)
    yt, yc = np.cumsum(yy * t), np.cumsum(yy * ~t)
    q = yt - yc * np.divide(nt, nc, out=np.zeros_like(nt, dtype=float), where=nc > 0)
    return np.concatenate([[0.0], q])


def qini(uplift: np.ndarray, treated: np.ndarray, y: np.ndarray, n_points: int = 101) -> tuple[pd.DataFrame, float]:
    """Qini curve (Radcliffe 2007) and the normalised Qini coefficient.

    The curve counts incremental outcomes when targeting the top share by predicted uplift,
    Q(k) = Y_t(k) - Y_c(k) N_t(k) / N_c(k). The coefficient is the area between the curve and the
    random-targeting line divided by the same area of the perfect ranking (treated responders first,
    control responders last), as in Radcliffe (2007) and scikit-uplift's ``qini_auc_score``: 1 is a
    perfect ranking, 0 no better than random, below 0 worse than random.

    Returns
    -------
    (curve, coefficient): ``curve`` has ``share_targeted``, ``incremental`` (outcomes) and ``random``
    at ``n_points`` depths; ``curve.attrs`` holds the areas (``area_model``, ``area_perfect``, in
    outcomes x share targeted, net of random).

    Parameters
    ----------
    uplift : ndarray
        Predicted uplift per customer, shape (n,).
    treated : ndarray
        Arm per customer (bool or 0/1), shape (n,).
    y : ndarray
        Observed outcome per customer (0/1), shape (n,).
    n_points : int, default 101
        Depths at which the curve is evaluated, from 0 to all customers.

    Examples
    --------
    >>> from crmresearch import experiments
    >>> uplift, treated, bought = [0.9, 0.8, 0.2, 0.1], [1, 0, 1, 0], [1, 0, 0, 0]
    >>> curve, q = experiments.qini(uplift, treated, bought)
    >>> round(q, 3)   # the ranking puts the one treated responder first: as good as a perfect ranking
    1.0
    """
    u, t, yy = (np.asarray(a) for a in (uplift, treated, y))
    if not (u.ndim == t.ndim == yy.ndim == 1 and u.size == t.size == yy.size and u.size > 0):
        raise ValidationError(f"qini: uplift, treated and y must be 1-d, non-empty and of equal length; got "
                              f"{u.shape}, {t.shape}, {yy.shape}")
    yy = as_binary(yy, "y", "qini", unit="values")
    t = t.astype(bool)
    if t.all() or (~t).all():
        raise ValidationError("qini: both treated and control customers are needed")
    yy = yy.astype(float)
    n = u.size
    x = np.arange(n + 1) / n
    q = _qini_points(np.asarray(u, dtype=float), t, yy)
    q_perfect = _qini_points(yy * t - yy * ~t, t, yy)

    def area(curve: np.ndarray) -> float:
        return float(np.trapezoid(curve - curve[-1] * x, x))

    a_model, a_perfect = area(q), area(q_perfect)
    coef = a_model / a_perfect if a_perfect > 0 else float("nan")
    k = np.floor(np.linspace(0, 1, n_points) * n + 0.5).astype(int)
    out = pd.DataFrame({"share_targeted": k / n, "incremental": q[k], "random": q[-1] * k / n})
    out.attrs.update(area_model=a_model, area_perfect=a_perfect)
    return out, coef


def uplift_by_decile(uplift: np.ndarray, treated: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed uplift (treated rate - control rate) in deciles of predicted uplift, highest first.

    Parameters
    ----------
    uplift : ndarray
        Predicted uplift per customer, shape (n,).
    treated : ndarray
        Arm per customer (bool or 0/1), shape (n,).
    y : ndarray
        Observed outcome per customer (0/1), shape (n,).
    bins : int, default 10
        Number of equal-size groups (10 = deciles).

    Returns
    -------
    DataFrame
        One row per group, highest predicted uplift first: customers per arm, observed rates, observed and
        predicted uplift.

    Examples
    --------
    >>> from crmresearch import experiments
    >>> t = experiments.uplift_by_decile([0.9, 0.8, 0.2, 0.1], [1, 0, 1, 0], [1, 0, 0, 0], bins=2)
    >>> t.columns.tolist()[:4]
    ['bin', 'customers', 'predicted_uplift', 'rate_treated']
    """
    u, t, yy = (np.asarray(a) for a in (uplift, treated, y))
    t = t.astype(bool)
    order = np.argsort(-u, kind="stable")
    b = np.empty(len(u), dtype=int)
    b[order] = np.floor(np.arange(len(u)) * bins / len(u)).astype(int) + 1
    f = pd.DataFrame({"bin": b, "t": t, "y": yy, "u": u})
    rows = []
    for k, g in f.groupby("bin"):
        rt, rc = g.loc[g["t"], "y"].mean(), g.loc[~g["t"], "y"].mean()
        rows.append({"bin": k, "customers": len(g), "predicted_uplift": g["u"].mean(), "rate_treated": rt,
                     "rate_control": rc, "observed_uplift": rt - rc})
    return pd.DataFrame(rows)


def compare_means(df: pd.DataFrame, arm: str, value: str, alpha: float = 0.05) -> dict[str, float]:
    """Mean of ``value`` in the control (``arm`` False) and treatment (True) arms, the relative
    change treatment / control - 1, and the large-sample (Welch) z test of equal means:
    z = (mean_t - mean_c) / sqrt(var_t / n_t + var_c / n_c), with its (1 - alpha) interval of the difference.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    arm : str
        Boolean arm column (True = treatment).
    value : str
        Numeric column to compare (e.g. revenue in currency units).
    alpha : float, default 0.05
        Significance level: intervals cover 1 - alpha (0.05 gives 95 % intervals).

    Returns
    -------
    dict of str to float
        ``mean_control``, ``mean_treatment``, ``relative_change``, ``difference``, ``ci_lower``, ``ci_upper``,
        ``z`` and ``p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import experiments
    >>> df = pd.DataFrame({'arm': [0, 0, 0, 1, 1, 1], 'spend': [10.0, 12, 11, 15, 14, 16]})
    >>> result = experiments.compare_means(df, 'arm', 'spend')
    >>> {k: round(float(v), 3) for k, v in result.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'mean_control': 11.0, 'mean_treatment': 15.0, 'difference': 4.0, 'ci_lower': 2.4, 'ci_upper': 5.6,
     'relative_change': 0.364, 'z': 4.899, 'p_value': 0.0}
    """
    for c in (arm, value):
        if c not in df.columns:
            raise ValidationError(f"compare_means: missing column '{c}'")
    values = pd.to_numeric(df[value], errors="coerce") if not pd.api.types.is_bool_dtype(df[value]) else None
    if values is None or (values.isna() & df[value].notna()).any():
        bad = len(df) if values is None else int((values.isna() & df[value].notna()).sum())
        raise ValidationError(f"compare_means: column '{value}' must be numeric; {bad} of {len(df)} rows are not "
                              "numbers")
    if values.isna().any():
        raise ValidationError(f"compare_means: column '{value}' has {int(values.isna().sum())} missing values of "
                              f"{len(df)} rows; fill or drop them first (nothing is dropped here)")
    df = df.assign(**{value: values})
    g = df.groupby(df[arm].astype(bool))[value].agg(["mean", "count", "var"])
    if set(g.index) != {False, True} or (g["count"] < 2).any():
        raise ValidationError(f"compare_means: column '{arm}' needs at least 2 customers in each arm; got "
                              f"{g['count'].to_dict()}")
    se = float(np.sqrt((g["var"] / g["count"]).sum()))
    diff = float(g.loc[True, "mean"] - g.loc[False, "mean"])
    z = diff / se
    half = stats.norm.ppf(1 - alpha / 2) * se
    return {"mean_control": float(g.loc[False, "mean"]), "mean_treatment": float(g.loc[True, "mean"]),
            "difference": diff, "ci_lower": diff - half, "ci_upper": diff + half,
            "relative_change": float(g.loc[True, "mean"] / g.loc[False, "mean"] - 1), "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z)))}


def control_risk(train: pd.DataFrame, score: pd.DataFrame, features: Sequence[str], outcome: str = "churn_90d",
                 treated: str = "treated", seed: int = 0) -> pd.Series:
    """Risk of the outcome without treatment: a gradient-boosting classifier (scikit-learn
    HistGradientBoosting on one-hot features) fitted on the control customers of ``train`` and
    applied to ``score``; the "target the riskiest" ranking that uplift targeting is compared with.
    Returns the probability per row of ``score``, on its index.

    Parameters
    ----------
    train : DataFrame
        Campaign customers with features, ``outcome`` and ``treated``; only the control rows are used.
    score : DataFrame
        Customers to score, with the same ``features``.
    features : sequence of str
        Feature columns (numeric, categorical or bool).
    outcome : str, default 'churn_90d'
        Binary outcome column of ``train``.
    treated : str, default 'treated'
        Boolean arm column of ``train``.
    seed : int, default 0
        Random state of the classifier.

    Returns
    -------
    Series
        Probability of the outcome without treatment (0-1), indexed like ``score``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import experiments
    >>> rng = np.random.default_rng(0)
    >>> camp = pd.DataFrame({'tenure': rng.integers(1, 60, 400), 'treated': rng.integers(0, 2, 400).astype(bool)})
    >>> camp['churn_90d'] = (rng.random(400) < np.where(camp['tenure'] < 12, 0.4, 0.1)).astype(int)
    >>> risk = experiments.control_risk(camp, camp, ['tenure'])
    >>> bool(risk[camp['tenure'] < 12].mean() > risk[camp['tenure'] >= 12].mean())   # new customers are riskier
    True
    """
    require("sklearn", by="experiments.control_risk")
    from sklearn.ensemble import HistGradientBoostingClassifier

    missing = [c for c in (*features, outcome, treated) if c not in train.columns]
    if missing:
        raise ValidationError(f"control_risk: missing column(s) {missing} in the training table")
    ctrl = train[~train[treated].astype(bool)]
    if ctrl[outcome].nunique() < 2:
        raise ValidationError(f"control_risk: column '{outcome}' has one value among the {len(ctrl)} control "
                              "customers; a risk model needs both outcomes")
    Xc = pd.get_dummies(ctrl[list(features)], dtype=float)
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, random_state=seed)
    model.fit(Xc, ctrl[outcome])
    Xs = pd.get_dummies(score[list(features)], dtype=float).reindex(columns=Xc.columns, fill_value=0.0)
    return pd.Series(model.predict_proba(Xs)[:, 1], index=score.index, name="risk")


def uplift_targeting_profit(uplift: np.ndarray, risk: np.ndarray, value: np.ndarray, cost: float,
                            depths: Sequence[float] = tuple(np.linspace(0, 1, 21)),
                            true_uplift: np.ndarray | None = None) -> pd.DataFrame:
    """Profit of treating the top share of customers ranked by predicted uplift vs by churn risk
    (depth 1 = everyone). ``uplift`` is the predicted *reduction* in churn probability, ``value`` the
    value of a customer kept, ``cost`` the cost per treated customer: profit = sum(uplift x value - cost).
    With ``true_uplift`` (known in a simulation) a ``profit_true`` column evaluates the same rankings
    with the true effects, so the comparison is not flattered by the model's own estimates.

    Parameters
    ----------
    uplift : ndarray
        Predicted reduction in churn probability per customer (share, 0-1).
    risk : ndarray
        Predicted churn risk without treatment per customer, used for the risk ranking.
    value : ndarray
        Value of keeping each customer (currency units).
    cost : float
        Cost of treating one customer (currency units).
    depths : sequence of float, default 0, 0.05, ..., 1
        Shares of customers treated, from the top of each ranking (0 to 1).
    true_uplift : ndarray or None, optional
        True uplift per customer when known (simulation); adds ``profit_true``.

    Returns
    -------
    DataFrame
        One row per ranking and depth: customers treated and profit (currency units).

    Examples
    --------
    >>> from crmresearch import experiments
    >>> t = experiments.uplift_targeting_profit([0.2, 0.05, 0.0], [0.5, 0.3, 0.1], [600.0] * 3, cost=10,
    ...                                         depths=(0.0, 1 / 3, 1.0))
    >>> t.columns.tolist()[:3]
    ['ranking', 'depth', 'customers']
    """
    u, r, v = (np.asarray(a, dtype=float) for a in (uplift, risk, value))
    gains = {"profit": u * v - cost}
    if true_uplift is not None:
        gains["profit_true"] = np.asarray(true_uplift, dtype=float) * v - cost
    n = len(u)
    rows = []
    for name, score in (("uplift", u), ("churn risk", r)):
        order = np.argsort(-score, kind="stable")
        cums = {k: np.concatenate([[0.0], np.cumsum(g[order])]) for k, g in gains.items()}
        for d in depths:
            k = int(np.floor(d * n + 0.5))
            rows.append({"ranking": name, "depth": d, "customers": k, **{c: float(cum[k]) for c, cum in cums.items()}})
    return pd.DataFrame(rows)


def rates_by(df: pd.DataFrame, by: str, outcome: str, alpha: float = 0.05) -> pd.DataFrame:
    """Share of rows with ``outcome`` (0/1 or bool) per value of ``by`` (in sorted order, categories in
    their order), with Wilson intervals: ``by``, units, events, rate, ci_lower, ci_upper.

    Parameters
    ----------
    df : DataFrame
        One row per unit.
    by : str
        Grouping column.
    outcome : str
        Binary outcome column (0/1 or bool).
    alpha : float, default 0.05
        Significance level: intervals cover 1 - alpha (0.05 gives 95 % intervals).

    Returns
    -------
    DataFrame
        One row per value of ``by``: units, events, rate and its Wilson interval.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import experiments
    >>> df = pd.DataFrame({"channel": ["web", "web", "branch"], "bought": [1, 0, 1]})
    >>> experiments.rates_by(df, "channel", "bought")[["channel", "units", "rate"]]
      channel  units  rate
    0  branch      1   1.0
    1     web      2   0.5
    """
    for col in (by, outcome):
        if col not in df.columns:
            raise ValidationError(f"rates_by: no column '{col}'; the table has {list(df.columns)}")
    if df.empty:
        raise ValidationError("rates_by: the table has no rows")
    y = pd.Series(as_binary(df[outcome], f"column '{outcome}'", "rates_by"), index=df.index)
    if df[by].isna().any():
        raise ValidationError(f"rates_by: column '{by}' has {int(df[by].isna().sum())} missing values")
    g = pd.DataFrame({"level": df[by], "y": y.astype(int)}).groupby("level", observed=True).agg(
        units=("y", "size"), events=("y", "sum"))
    rows = []
    for level, r in g.iterrows():
        lo, hi = wilson_interval(r["events"], r["units"], alpha)
        rows.append({by: level, "units": int(r["units"]), "events": int(r["events"]),
                     "rate": r["events"] / r["units"], "ci_lower": lo, "ci_upper": hi})
    return pd.DataFrame(rows)


def odds_ratios(df: pd.DataFrame, outcome: str, covariates: Sequence[str], alpha: float = 0.05) -> pd.DataFrame:
    """Logistic regression of ``outcome`` on ``covariates`` (statsmodels; categories as treatment
    dummies): covariate, estimate (log odds ratio), std_error, ci_lower, ci_upper, z, p_value,
    odds_ratio, or_lower, or_upper.

    Parameters
    ----------
    df : DataFrame
        One row per unit.
    outcome : str
        Binary outcome column (0/1 or bool).
    covariates : sequence of str
        Regressors; non-numeric columns become treatment dummies against their first level.
    alpha : float, default 0.05
        Significance level: intervals cover 1 - alpha (0.05 gives 95 % intervals).

    Returns
    -------
    DataFrame
        One row per coefficient; ``estimate`` on the log-odds scale and ``odds_ratio`` = exp(estimate).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import experiments
    >>> df = pd.DataFrame({"plan": [1, 1, 1, 0, 0, 0, 1, 0] * 10, "churn": [1, 1, 0, 0, 0, 1, 1, 0] * 10})
    >>> round(float(experiments.odds_ratios(df, "churn", ["plan"])["odds_ratio"].iloc[0]), 2)
    9.0
    """
    require("statsmodels", by="experiments.odds_ratios")
    import statsmodels.api as sm

    from .core.design import design_matrix

    if outcome not in df.columns:
        raise ValidationError(f"odds_ratios: no column '{outcome}'; the table has {list(df.columns)}")
    y = as_binary(df[outcome], f"column '{outcome}'", "odds_ratios")
    if len(np.unique(y)) < 2:
        raise ValidationError(f"odds_ratios: column '{outcome}' has one value only; a logistic regression needs both")
    X = design_matrix(df, list(covariates), "odds_ratios")
    fit = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=0)
    ci = fit.conf_int(alpha)
    out = pd.DataFrame({"covariate": fit.params.index, "estimate": fit.params.to_numpy(),
                        "std_error": fit.bse.to_numpy(), "ci_lower": ci[0].to_numpy(), "ci_upper": ci[1].to_numpy(),
                        "z": fit.tvalues.to_numpy(), "p_value": fit.pvalues.to_numpy()})
    out = out[out["covariate"] != "const"].reset_index(drop=True)
    out["odds_ratio"] = np.exp(out["estimate"])
    out["or_lower"] = np.exp(out["ci_lower"])
    out["or_upper"] = np.exp(out["ci_upper"])
    return out
