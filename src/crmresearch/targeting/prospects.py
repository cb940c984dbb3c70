"""Prospects: whom to approach, through which channel, and the next product to offer a customer.

- :func:`grades`: prospect grades A/B/C/D by expected value = P(convert) x value, cut at top shares;
- :func:`grade_table`: what each grade holds (prospects, predicted and observed conversion and value);
- :func:`approach_profit`: profit of approaching the top k % by expected value against mailing all;
- :func:`source_effects`: conversion by lead source, raw and adjusted for the prospect mix;
- :class:`NextProductModel`: next product to buy from the products held in acquisition order
  (multinomial logistic regression), against the "most popular product not held" baseline, with hit
  rates at 1 and 3 (:func:`hit_rates`) and the profit of targeted vs untargeted offers.

References
----------
Knott, A., Hayes, A. and Neslin, S. A. (2002). Next-product-to-buy models for cross-selling
applications. Journal of Interactive Marketing 16(3), 59-75. Schmitt, P., Skiera, B. and Van den
Bulte, C. (2011). Referral programs and customer value. Journal of Marketing 75(1), 46-59.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schemas
from .._extras import require
from ..core.base import Estimator, parameter_table
from ..errors import ValidationError

__all__ = ["GRADES", "ConversionValue", "NextProductModel", "approach_profit", "grade_table", "grades", "hit_rates",
           "next_product_pairs", "offer_profit", "prospect_table", "source_effects"]

GRADES = ("A", "B", "C", "D")


def grades(expected_value: pd.Series | np.ndarray, shares: Sequence[float] = (0.10, 0.20, 0.30)) -> pd.Series:
    """Grade A for the top ``shares[0]`` of prospects by expected value, B for the next ``shares[1]``,
    C for the next ``shares[2]``, D for the rest (ties broken by order; the shares are the bank's
    documented cut-offs, e.g. 10 / 20 / 30 %).

    Parameters
    ----------
    expected_value : Series or ndarray
        Expected value per prospect.
    shares : sequence of float, default (0.1, 0.2, 0.3)
        Shares of prospects graded A, B and C; the rest are D.

    Returns
    -------
    Series
        Grade per prospect, a categorical A-D on the input's index.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.targeting import prospects
    >>> prospects.grades(pd.Series(range(10, 0, -1)), (0.1, 0.2, 0.3)).tolist()
    ['A', 'B', 'B', 'C', 'C', 'C', 'D', 'D', 'D', 'D']
    """
    ev = pd.Series(expected_value) if not isinstance(expected_value, pd.Series) else expected_value
    ev = pd.Series(schemas.as_numbers(ev, "expected_value", "grades"), index=ev.index)
    if ev.isna().any() or not np.isfinite(ev.to_numpy(float)).all():
        raise ValidationError(f"grades: {int((~np.isfinite(ev.to_numpy(float))).sum())} expected values are missing "
                              "or infinite")
    if len(shares) != 3 or min(shares) <= 0 or sum(shares) >= 1:
        raise ValidationError(f"grades: shares are three top shares > 0 adding up to less than 1; got {tuple(shares)}")
    rank = ev.rank(ascending=False, method="first").to_numpy() / len(ev)
    cuts = np.cumsum(shares)
    labels = np.select([rank <= cuts[0], rank <= cuts[1], rank <= cuts[2]], list(GRADES[:3]), GRADES[3])
    return pd.Series(pd.Categorical(labels, categories=list(GRADES), ordered=True), index=ev.index, name="grade")


def grade_table(grade: pd.Series, p_convert: pd.Series, expected_value: pd.Series, converted: pd.Series,
                value: pd.Series) -> pd.DataFrame:
    """Per grade: prospects, mean predicted conversion and expected value, observed conversion and value
    per prospect, and the lift of value per prospect over all prospects.

    Parameters
    ----------
    grade : Series
        Grade per prospect (A-D).
    p_convert : Series
        Predicted conversion probability.
    expected_value : Series
        Predicted expected value (currency units).
    converted : Series
        Observed conversion (0/1).
    value : Series
        Observed value (currency units).

    Returns
    -------
    DataFrame
        One row per grade: prospects, predicted and observed conversion, expected and observed value, value_lift
        (1 = average) and share_of_value.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.targeting import prospects
    >>> ev = pd.Series([9.0, 5.0, 3.0, 1.0]); g = prospects.grades(ev, (0.25, 0.25, 0.25))
    >>> table = prospects.grade_table(g, [0.9, 0.5, 0.3, 0.1], ev, [1, 1, 0, 0], [10.0, 4.0, 0.0, 0.0])
    >>> table[['grade', 'share_of_value']].values.tolist()
    [['A', 0.7142857142857143], ['B', 0.2857142857142857], ['C', 0.0], ['D', 0.0]]
    """
    df = pd.DataFrame({"grade": grade.to_numpy(), "p": np.asarray(p_convert, float), "ev": np.asarray(expected_value,
                       float), "y": np.asarray(converted, float), "v": np.asarray(value, float)})
    t = df.groupby("grade", observed=True).agg(prospects=("y", "size"), predicted_conversion=("p", "mean"),
                                               observed_conversion=("y", "mean"), expected_value=("ev", "mean"),
                                               observed_value=("v", "mean")).reset_index()
    t["value_lift"] = t["observed_value"] / df["v"].mean()
    t["share_of_value"] = df.groupby("grade", observed=True)["v"].sum().to_numpy() / df["v"].sum()
    return t


def approach_profit(expected_value: np.ndarray, converted: np.ndarray, value: np.ndarray, contact_cost: float,
                    mail_cost: float, mail_response_ratio: float,
                    depths: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)) -> pd.DataFrame:
    """Profit (currency units) of approaching the top share of prospects by expected value, from the
    outcomes observed when they were approached: value of those who converted minus ``contact_cost``
    per prospect approached; against mailing everyone, which costs ``mail_cost`` a prospect and
    converts ``mail_response_ratio`` of what a personal approach converts (a documented assumption).

    Parameters
    ----------
    expected_value : ndarray
        Expected value per prospect (the ranking; currency units).
    converted : ndarray
        Observed conversion per prospect (0/1).
    value : ndarray
        Observed first-year value per prospect (currency units; 0 if not converted).
    contact_cost : float
        Cost of one personal approach (currency units).
    mail_cost : float
        Cost of mailing one prospect (currency units).
    mail_response_ratio : float
        Conversions by mail as a share of those by personal approach (assumption).
    depths : sequence of float, default (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
        Shares of prospects approached, from the top of the ranking.

    Returns
    -------
    DataFrame
        One row per plan (each depth, and mailing everyone): prospects_contacted, conversions, value, cost,
        profit and profit_per_contact (currency units).

    Examples
    --------
    >>> from crmresearch.targeting import prospects
    >>> t = prospects.approach_profit([3, 2, 1, 0.5], [1, 0, 1, 0], [100.0, 0, 40.0, 0], contact_cost=10, mail_cost=1,
    ...                               mail_response_ratio=0.5, depths=(0.5, 1.0))
    >>> t[["plan", "profit"]].values.tolist()
    [['approach top 50 %', 80.0], ['approach top 100 %', 100.0], ['mail everyone', 66.0]]
    """
    ev, y, v = (np.asarray(a, dtype=float) for a in (expected_value, converted, value))
    if not (ev.shape == y.shape == v.shape) or ev.size == 0:
        raise ValidationError("approach_profit: expected_value, converted and value need equal, non-zero lengths")
    if min(contact_cost, mail_cost) < 0 or not 0 <= mail_response_ratio <= 1:
        raise ValidationError("approach_profit: costs >= 0 and mail_response_ratio in [0, 1]")
    order = np.argsort(-ev, kind="stable")
    got = np.concatenate([[0.0], np.cumsum((v * y)[order])])
    conv = np.concatenate([[0.0], np.cumsum(y[order])])
    rows = []
    for d in depths:
        k = int(np.floor(d * ev.size + 0.5))
        rows.append({"plan": f"approach top {100 * d:g} %", "prospects_contacted": k, "conversions": conv[k],
                     "value": got[k], "cost": k * contact_cost, "profit": got[k] - k * contact_cost})
    rows.append({"plan": "mail everyone", "prospects_contacted": ev.size, "conversions": mail_response_ratio * y.sum(),
                 "value": mail_response_ratio * (v * y).sum(), "cost": ev.size * mail_cost,
                 "profit": mail_response_ratio * (v * y).sum() - ev.size * mail_cost})
    out = pd.DataFrame(rows)
    out["profit_per_contact"] = out["profit"] / out["prospects_contacted"].clip(lower=1)
    return out


def source_effects(df: pd.DataFrame, source: str, outcome: str, mix: Sequence[str], reference: str,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Effect of each lead source on the log-odds of converting against ``reference``: raw (source
    alone) and adjusted for the prospect ``mix`` columns (logistic regression), with intervals.

    Parameters
    ----------
    df : DataFrame
        One row per prospect.
    source : str
        Lead-source column.
    outcome : str
        Conversion column (0/1).
    mix : sequence of str
        Prospect traits to adjust for.
    reference : str
        Source the others are compared with.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    DataFrame
        One row per source other than ``reference``: raw_estimate and adjusted_estimate (log odds), std_error,
        ci_lower, ci_upper and p_value of the adjusted one.

    Examples
    --------
    >>> from crmresearch import data
    >>> from crmresearch.targeting import prospects
    >>> p = data.simulate_prospects(n_prospects=5_000, n_customers=10, seed=0).prospects
    >>> prospects.source_effects(p, 'source', 'converted', ['income_k'], 'mass_mailing')['source'].tolist()
    ['digital', 'referral_customer', 'referral_staff', 'walk_in']
    """
    require("statsmodels", by="targeting.source_effects")
    from ..experiments import odds_ratios

    if source not in df.columns or reference not in set(df[source]):
        raise ValidationError(f"source_effects: column '{source}' has no level {reference!r}")
    levels = [reference, *sorted(set(df[source]) - {reference})]
    frame = df.assign(**{source: pd.Categorical(df[source], categories=levels)})
    raw = odds_ratios(frame, outcome, [source], alpha)
    adj = odds_ratios(frame, outcome, [source, *mix], alpha)
    adj = adj[adj["covariate"].str.startswith(f"{source}_")]
    out = raw[["covariate", "estimate"]].rename(columns={"estimate": "raw_estimate"}).merge(
        adj[["covariate", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"]], on="covariate")
    out.insert(0, source, out.pop("covariate").str.removeprefix(f"{source}_"))
    return out.rename(columns={"estimate": "adjusted_estimate"})


# ------------------------------------------------------------------------------- next product
def next_product_pairs(holdings: pd.DataFrame, products: Sequence[str], traits: Sequence[str] = ()) -> pd.DataFrame:
    """One row per acquisition after the first: the products held before it (0/1 per product), the
    last product held, the ``traits`` and the product acquired next (``next_product``). ``holdings``:
    customer_id, order (1, 2, ...), product, and the trait columns.

    Parameters
    ----------
    holdings : DataFrame
        ``customer_id``, ``order``, ``product`` and the trait columns.
    products : sequence of str
        All products, in column order.
    traits : sequence of str, default ()
        Customer trait columns to carry along.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.targeting import prospects
    >>> holdings = pd.DataFrame({'customer_id': [1, 1, 1], 'order': [1, 2, 3], 'product': ['current', 'card', 'loan']})
    >>> pairs = prospects.next_product_pairs(holdings, ['current', 'card', 'loan'])
    >>> pairs[['last_product', 'held_card', 'next_product']].values.tolist()
    [['current', 0, 'card'], ['card', 1, 'loan']]
    """
    need = ["customer_id", "order", "product", *traits]
    absent = [c for c in need if c not in holdings.columns]
    if absent:
        raise ValidationError(f"next_product_pairs: the holdings have no column(s) {absent}")
    unknown = set(holdings["product"]) - set(products)
    if unknown:
        raise ValidationError(f"next_product_pairs: {len(unknown)} products are not in the product list: "
                              f"{sorted(unknown)[:5]}")
    h = holdings.sort_values(["customer_id", "order"]).reset_index(drop=True)
    dup = h.duplicated(["customer_id", "product"])
    if dup.any():
        raise ValidationError(f"next_product_pairs: {int(dup.sum())} rows repeat a product the customer already holds")
    onehot = pd.get_dummies(h["product"]).reindex(columns=list(products), fill_value=False).astype(int)
    held_before = onehot.groupby(h["customer_id"]).cumsum() - onehot
    out = held_before.add_prefix("held_")
    out.insert(0, "customer_id", h["customer_id"])
    out["last_product"] = h.groupby("customer_id")["product"].shift()
    for t in traits:
        out[t] = h[t]
    out["next_product"] = h["product"]
    out["step"] = h["order"]
    return out[out["last_product"].notna()].reset_index(drop=True)


class NextProductModel(Estimator):
    """Next product to buy: multinomial logistic regression of the product acquired next on the products
    held, the last product held and customer traits; products already held are never recommended.

    Parameters
    ----------
    C : float, default 1.0
        Inverse L2 regularisation strength of the logistic regression.
    max_iter : int, default 2000
        Most solver iterations.

    Attributes
    ----------
    products_ : the products; popularity_ : share of each product among next acquisitions (the
    baseline); classes_ ; pipeline_ : the fitted scikit-learn pipeline
    params_ : Series of the multinomial log-odds coefficients, index ``"<product>:intercept"`` and
        ``"<product>:<feature>"`` (``last_product_<p>`` one-hot, ``held_<p>`` 0/1, traits per standard
        deviation); with two products only, the second product's against the first
    summary : DataFrame indexed by ``parameter`` (as ``params_``): estimate. The regression is
        L2-penalised (``C``), so there are no standard errors.
    n_obs_ : int, acquisitions (rows of the pairs table) in the fit

    Examples
    --------
    >>> from crmresearch import data
    >>> from crmresearch.targeting import prospects
    >>> sim = data.simulate_prospects(n_prospects=100, n_customers=800, seed=0)
    >>> pairs = prospects.next_product_pairs(sim.holdings, data.PRODUCTS)
    >>> m = prospects.NextProductModel().fit(pairs)
    >>> bool((m.predict_proba(pairs.head(5)).sum(axis=1).round(6) == 1).all())
    True
    """

    def __init__(self, C: float = 1.0, max_iter: int = 2000) -> None:
        self.C = C
        self.max_iter = max_iter

    def fit(self, pairs: pd.DataFrame) -> NextProductModel:
        """Fit on :func:`next_product_pairs` rows.

        Parameters
        ----------
        pairs : DataFrame
            Output of :func:`next_product_pairs`.

        Returns
        -------
        NextProductModel
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Missing columns or values, or fewer than two different next products.
        """
        require("sklearn", by="prospects.NextProductModel")
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        held = [c for c in pairs.columns if c.startswith("held_")]
        missing = [c for c in ("last_product", "next_product") if c not in pairs.columns] + ([] if held else ["held_*"])
        if missing:
            raise ValidationError(f"NextProductModel.fit: the table lacks column(s) {missing}; pass the output of "
                                  "next_product_pairs")
        na = pairs.isna().any(axis=1)
        if na.any():
            raise ValidationError(f"NextProductModel.fit: {int(na.sum())} of {len(pairs)} rows have missing values "
                                  f"({[c for c in pairs.columns if pairs[c].isna().any()]}); fill or drop them first")
        if pairs["next_product"].nunique() < 2:
            raise ValidationError(f"NextProductModel.fit: need at least two different next products; got "
                                  f"{pairs['next_product'].nunique()} in {len(pairs)} rows")
        traits = [c for c in pairs.columns if c not in (*held, "customer_id", "last_product", "next_product", "step")]
        pre = ColumnTransformer([("last", OneHotEncoder(handle_unknown="ignore"), ["last_product"]),
                                 ("held", "passthrough", held), ("traits", StandardScaler(), traits)])
        self.pipeline_ = Pipeline([("pre", pre), ("model", LogisticRegression(C=self.C, max_iter=self.max_iter))])
        self.pipeline_.fit(pairs[["last_product", *held, *traits]], pairs["next_product"])
        self.features_ = ["last_product", *held, *traits]
        self.products_ = [c.removeprefix("held_") for c in held]
        self.classes_ = list(self.pipeline_.classes_)
        counts = pairs["next_product"].value_counts()
        self.popularity_ = (counts / counts.sum()).reindex(self.products_, fill_value=0.0)
        self.n_obs_ = len(pairs)
        lr = self.pipeline_.named_steps["model"]
        encoded = self.pipeline_.named_steps["pre"].get_feature_names_out()
        features = ["intercept", *(n.split("__", 1)[1] for n in encoded)]
        rows = self.classes_[1:] if lr.coef_.shape[0] == 1 else self.classes_
        values = np.column_stack([lr.intercept_, lr.coef_])
        self.params_ = pd.Series(values.ravel(), index=pd.Index([f"{c}:{f}" for c in rows for f in features],
                                                                name="parameter"), name="estimate")
        return self

    def predict_proba(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Probability of each product being next, zero for products already held, rows summing to 1.

        Parameters
        ----------
        pairs : DataFrame
            Rows of :func:`next_product_pairs` (the next product may be absent).

        Returns
        -------
        DataFrame
            Probability per row (customer) and product.
        """
        self._check_fitted("predict_proba", "pipeline_")
        missing = [c for c in self.features_ if c not in pairs.columns]
        if missing:
            raise ValidationError(f"NextProductModel.predict_proba: the table lacks column(s) {missing}")
        p = pd.DataFrame(self.pipeline_.predict_proba(pairs[self.features_]), index=pairs.index, columns=self.classes_)
        p = p.reindex(columns=self.products_, fill_value=0.0)
        held = pairs[[f"held_{c}" for c in self.products_]].to_numpy() > 0
        p = p.mask(held, 0.0)
        return p.div(p.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)

    def baseline_proba(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """The "most popular product not held" baseline as probabilities (popularity among not held).

        Parameters
        ----------
        pairs : DataFrame
            Rows of :func:`next_product_pairs`.

        Returns
        -------
        DataFrame
            Probability per row and product.
        """
        self._check_fitted("baseline_proba", "popularity_")
        base = np.tile(self.popularity_.to_numpy(), (len(pairs), 1))
        held = pairs[[f"held_{c}" for c in self.products_]].to_numpy() > 0
        base[held] = 0.0
        base = base / base.sum(axis=1, keepdims=True)
        return pd.DataFrame(base, index=pairs.index, columns=self.products_)

    def _summary(self) -> pd.DataFrame:
        return parameter_table(self.params_)


def hit_rates(proba: pd.DataFrame, actual: pd.Series, ks: Sequence[int] = (1, 3)) -> dict[str, float]:
    """Share of rows whose actual next product is among the ``k`` most probable, for each k.

    Parameters
    ----------
    proba : DataFrame
        Probability per row (customer) and column (product).
    actual : Series
        Product actually acquired next, per row.
    ks : sequence of int, default (1, 3)
        List lengths to evaluate.

    Returns
    -------
    dict of str to float
        ``'hit_at_<k>'`` -> share of rows (0-1).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.targeting import prospects
    >>> proba = pd.DataFrame({"card": [0.6, 0.1], "loan": [0.3, 0.2], "fund": [0.1, 0.7]})
    >>> prospects.hit_rates(proba, pd.Series(["loan", "fund"]), ks=(1, 2))
    {'hit_at_1': 0.5, 'hit_at_2': 1.0}
    """
    ranks = np.argsort(-proba.to_numpy(), axis=1, kind="stable")
    cols = np.asarray(proba.columns)
    truth = np.asarray(actual)
    return {f"hit_at_{k}": float(np.mean([t in cols[r[:k]] for t, r in zip(truth, ranks, strict=True)])) for k in ks}


def offer_profit(hit_rate: float, customers: int, acceptance: float, margin: float, offer_cost: float) -> float:
    """Profit of offering each of ``customers`` one product: an offer of the product the customer would
    buy next is accepted with probability ``acceptance`` and earns ``margin``; every offer costs
    ``offer_cost``. (Offers of other products are assumed declined.)

    Parameters
    ----------
    hit_rate : float
        Share of customers offered the product they would buy next.
    customers : int
        Customers receiving an offer.
    acceptance : float
        Probability that a right offer is accepted.
    margin : float
        Margin of an accepted offer (currency units).
    offer_cost : float
        Cost of one offer (currency units).

    Returns
    -------
    float
        Expected profit (currency units).

    Examples
    --------
    >>> from crmresearch.targeting import prospects
    >>> prospects.offer_profit(hit_rate=0.5, customers=1000, acceptance=0.3, margin=150, offer_cost=5)
    17500.0
    """
    return customers * (hit_rate * acceptance * margin - offer_cost)


class ConversionValue(Estimator):
    """Expected value of approaching a prospect = P(convert) x E[first-year value | converted].

    P(convert): :class:`crmresearch.classify.CalibratedClassifier` (``model``, ``calibration``) on the
    ``features``; value: a log-linear regression of the value of converted prospects on the same
    features, back-transformed with the normal smearing factor exp(s^2 / 2) (Duan 1983 for normal
    errors).

    Parameters
    ----------
    features : sequence of str, default ()
        Feature columns of the prospect file (numeric, bool or categorical).
    model : str, default 'logistic'
        ``'logistic'`` or ``'gradient_boosting'`` for P(convert).
    calibration : str, default 'isotonic'
        ``'isotonic'`` or ``'sigmoid'``.
    cv : int, default 5
        Folds for calibration and the cross-validated AUC.
    seed : int, default 0
        Random state.
    alpha : float, default 0.05
        Significance level of the intervals of the value model in ``summary`` (1 - alpha coverage).
    C, max_iter, learning_rate, max_leaf_nodes, boosting_max_iter : float or int
        Settings of the conversion classifier, as in :class:`crmresearch.targeting.CalibratedClassifier`
        (defaults 1.0, 2000, 0.05, 15, 200).

    Attributes
    ----------
    classifier_ : fitted CalibratedClassifier (its own ``params_`` and ``summary`` for P(convert));
    value_coefficients_ : DataFrame (term, estimate, std_error); value_sigma_ : residual SD of log value;
    value_r2_ : R^2 of the value model; categories_ : levels of categorical features
    params_ : Series of the log-value regression's coefficients, index ``"value:intercept"``,
        ``"value:<design column>"``
    summary : DataFrame indexed by ``parameter`` (as ``params_``): estimate, std_error, ci_lower,
        ci_upper, z, p_value of the value model (normal reference; OLS standard errors)
    performance : the classifier's ``performance`` row with the value model's R^2 and residual SD
    n_obs_ : int, prospects in the fit (the value model uses the converted ones)

    Examples
    --------
    >>> from crmresearch import data
    >>> from crmresearch.targeting import prospects
    >>> p = data.simulate_prospects(n_prospects=2_000, n_customers=10, seed=0).prospects
    >>> m = prospects.ConversionValue(['source', 'income_k'], cv=3).fit(p, p['converted'], p['value'])
    >>> m.predict(p.head(2)).columns.tolist()
    ['p_convert', 'value_if_converted', 'expected_value']
    """

    def __init__(self, features: Sequence[str] = (), model: str = "logistic", calibration: str = "isotonic",
                 cv: int = 5, seed: int = 0, alpha: float = 0.05, C: float = 1.0, max_iter: int = 2000,
                 learning_rate: float = 0.05, max_leaf_nodes: int = 15, boosting_max_iter: int = 200) -> None:
        self.features = features
        self.model = model
        self.calibration = calibration
        self.cv = cv
        self.seed = seed
        self.alpha = alpha
        self.C = C
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.boosting_max_iter = boosting_max_iter

    def _design(self, X: pd.DataFrame) -> pd.DataFrame:
        from ..core.design import design_matrix

        frame = X[list(self.features)].copy()
        for c, cats in self.categories_.items():
            frame[c] = pd.Categorical(frame[c].astype(str), categories=cats)
        D = design_matrix(frame, list(self.features), "conversion_value", check=False)
        return D.reindex(columns=self.design_columns_, fill_value=0.0)

    def fit(self, X: pd.DataFrame, converted: pd.Series, value: pd.Series) -> ConversionValue:
        """Fit on prospects ``X`` (the ``features``), 0/1 ``converted`` and ``value`` (> 0 where converted).

        Parameters
        ----------
        X : DataFrame
            Prospects with the ``features`` columns.
        converted : Series
            0/1 conversion per prospect.
        value : Series
            First-year value per prospect (currency units; > 0 where converted).

        Returns
        -------
        ConversionValue
            ``self``, fitted.
        """
        from ..core.design import design_matrix
        from .classifier import CalibratedClassifier

        y = np.asarray(converted).astype(bool)
        v = np.asarray(value, dtype=float)
        bad = y & ~(v > 0)
        if bad.any():
            raise ValidationError(f"conversion_value: {int(bad.sum())} converted prospects have no value > 0")
        self.categories_ = {c: sorted(X[c].astype(str).unique()) for c in self.features
                            if X[c].dtype == object or isinstance(X[c].dtype, pd.CategoricalDtype)}
        self.classifier_ = CalibratedClassifier(
            model=self.model, cv=self.cv, seed=self.seed, calibration=self.calibration, C=self.C,
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            boosting_max_iter=self.boosting_max_iter).fit(X[list(self.features)], y.astype(int))
        conv = X.loc[y, list(self.features)].copy()
        for c, cats in self.categories_.items():
            conv[c] = pd.Categorical(conv[c].astype(str), categories=cats)
        D = design_matrix(conv, list(self.features), "conversion_value")
        self.design_columns_ = list(D.columns)
        A = np.column_stack([np.ones(len(D)), D.to_numpy(float)])
        ly = np.log(v[y])
        beta, *_ = np.linalg.lstsq(A, ly, rcond=None)
        resid = ly - A @ beta
        dof = max(len(ly) - A.shape[1], 1)
        s2 = float(resid @ resid / dof)
        cov = s2 * np.linalg.inv(A.T @ A)
        self.value_coefficients_ = pd.DataFrame({"term": ["intercept", *D.columns], "estimate": beta,
                                                 "std_error": np.sqrt(np.diag(cov))})
        self.value_sigma_ = float(np.sqrt(s2))
        self.value_r2_ = float(1 - resid.var() / ly.var())
        self.params_ = pd.Series(beta, index=pd.Index([f"value:{t}" for t in self.value_coefficients_["term"]],
                                                      name="parameter"), name="estimate")
        self.n_obs_ = len(X)
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per prospect (indexed like ``X``): p_convert, value_if_converted, expected_value.

        Parameters
        ----------
        X : DataFrame
            Prospects with the ``features`` columns.
        """
        self._check_fitted("predict", "classifier_")
        p = self.classifier_.predict_proba(X[list(self.features)]).to_numpy()
        A = np.column_stack([np.ones(len(X)), self._design(X).to_numpy(float)])
        v = np.exp(A @ self.value_coefficients_["estimate"].to_numpy() + self.value_sigma_ ** 2 / 2)
        return pd.DataFrame({"p_convert": p, "value_if_converted": v, "expected_value": p * v}, index=X.index)

    @property
    def performance(self) -> pd.DataFrame:
        """One row: the classifier's ``performance`` with ``value_r2`` and ``value_log_sd`` of the value model."""
        self._check_fitted("performance", "classifier_")
        return self.classifier_.performance.assign(value_r2=self.value_r2_, value_log_sd=self.value_sigma_)

    def _summary(self) -> pd.DataFrame:
        return parameter_table(self.params_, self.value_coefficients_["std_error"], self.alpha)


def prospect_table(df: pd.DataFrame, value: str = "value") -> pd.DataFrame:
    """A prospect file, checked: one row per ``prospect_id``, ``converted`` 0/1 with both outcomes,
    ``value`` (first-year value, currency units) >= 0 and > 0 for every converted prospect; missing
    values in these columns are an error naming the column and the count. Returns a copy with
    ``converted`` boolean.

    Parameters
    ----------
    df : DataFrame
        One row per prospect with ``prospect_id``, ``converted`` and ``value``.
    value : str, default 'value'
        Value column (currency units).

    Raises
    ------
    ValidationError
        The prospects contract (:data:`crmresearch.schemas.CONTRACTS`) broken: duplicate ids, missing values,
        outcomes other than 0/1, one outcome only, or negative values; the message counts the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.targeting import prospects
    >>> df = pd.DataFrame({'prospect_id': [1, 2], 'converted': [1, 0], 'value': [120.0, 0.0]})
    >>> prospects.prospect_table(df)['converted'].tolist()
    [True, False]
    """
    df = schemas.validate(df, "prospects", value=value, caller="prospect_table")
    return df.assign(converted=df["converted"].astype(bool))
