"""Design matrices from tidy columns: numbers as they are, booleans as 0/1, categories as treatment
dummies; the one encoding shared by the Cox, AFT and logistic models of the package."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._extras import require
from ..errors import ValidationError

__all__ = ["design_matrix", "feature_kinds", "preprocessor", "screen_features"]

#: Names that look like an outcome or an id rather than a feature (case-insensitive, whole name).
SUSPECT_NAME = re.compile(r"id|.+_id|id_.+|.*churn.*|cancel.*|attrit.*|terminat.*|rownames|unnamed.*", re.IGNORECASE)
#: A single column that separates the outcome this well (AUC or 1 - AUC) is a leak, not a predictor.
LEAK_AUC = 0.99


def design_matrix(frame: pd.DataFrame, covariates: Sequence[str], caller: str = "cox",
                  check: bool = True) -> pd.DataFrame:
    """Numeric covariates as they are, booleans as 0/1, categoricals as treatment dummies (first
    level = reference). Constant or perfectly collinear columns are a clear error (they would
    give NaN or infinite estimates); ``check=False`` (scoring rows with a fitted model) skips it.

    Parameters
    ----------
    frame : DataFrame
        One row per unit.
    covariates : sequence of str
        Columns to encode, in order.
    caller : str, default 'cox'
        Name of the public function, used in error messages.
    check : bool, default True
        Refuse constant or perfectly collinear columns (False when scoring new rows with a fitted model).

    Returns
    -------
    DataFrame
        Numeric design matrix on ``frame``'s index; dummy columns are named ``column_level``.

    Raises
    ------
    ValidationError
        A missing column, missing values, or a constant or collinear column (with ``check``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.core import design_matrix
    >>> df = pd.DataFrame({"plan": ["basic", "gold", "basic", "gold"], "age": [30, 40, 50, 45],
    ...                    "urban": [True, False, False, True]})
    >>> design_matrix(df, ["plan", "age", "urban"]).columns.tolist()
    ['plan_gold', 'age', 'urban']
    """
    missing = [c for c in covariates if c not in frame.columns]
    if missing:
        raise ValidationError(f"{caller}: covariate column(s) {missing} not in the frame")
    parts = []
    for c in covariates:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
            d = pd.get_dummies(s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category"), prefix=c,
                               drop_first=True, dtype=float)
            if s.isna().any():
                d.loc[s.isna().to_numpy()] = np.nan
            parts.append(d)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).rename(c))
        else:
            raise ValidationError(f"{caller}: covariate '{c}' has dtype {s.dtype}; covariates must be numbers, "
                                  "booleans or categories (convert dates to durations first)")
    X = pd.concat(parts, axis=1)
    na = X.isna().any(axis=1)
    if na.any():
        cols = [c for c in X.columns if X[c].isna().any()]
        raise ValidationError(f"{caller}: {int(na.sum())} of {len(X)} rows have missing covariates ({cols}); "
                              "impute them or drop the rows explicitly")
    if not check:  # scoring new rows: constant columns are fine there
        return X
    const = [c for c in X.columns if X[c].nunique() <= 1]
    if const:
        raise ValidationError(f"{caller}: covariate(s) {const} are constant; a constant has no estimable effect")
    rank = np.linalg.matrix_rank(np.column_stack([np.ones(len(X)), X.to_numpy()]))
    if rank < X.shape[1] + 1:
        raise ValidationError(f"{caller}: the covariates are perfectly collinear (rank {rank - 1} of {X.shape[1]} "
                              f"columns: {list(X.columns)}); drop one of the dependent columns")
    return X


def feature_kinds(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Split a feature table into categorical columns (categories, text, booleans) and numeric ones.

    Parameters
    ----------
    X : DataFrame
        Features, one row per unit.

    Returns
    -------
    tuple of (list of str, list of str)
        The categorical and the numeric column names, in the table's order.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.core.design import feature_kinds
    >>> feature_kinds(pd.DataFrame({"plan": ["a", "b"], "age": [30, 40], "urban": [True, False]}))
    (['plan', 'urban'], ['age'])
    """
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype) or X[c].dtype == object
           or pd.api.types.is_bool_dtype(X[c])]
    return cat, [c for c in X.columns if c not in cat]


def screen_features(frame: pd.DataFrame, outcome: str, columns: Sequence[str]) -> dict[str, str]:
    """Candidate features that look like an outcome or an id rather than a predictor, with the reason.

    Three signs: a name like ``churn*``, ``cancel*``, ``*_id`` or ``id`` (:data:`SUSPECT_NAME`); a text or
    whole-number column with a different value on every row of 50 or more (an identifier); a column that on its own
    separates ``outcome`` almost perfectly (AUC >= :data:`LEAK_AUC`; a category scored by the outcome rate of
    its level, levels of fewer than 10 rows by the overall rate, missing values as a value of their own), as a
    column recorded after the outcome does.

    Parameters
    ----------
    frame : DataFrame
        One row per unit, with ``outcome`` (0/1) and ``columns``.
    outcome : str
        The 0/1 outcome column.
    columns : sequence of str
        The candidate features.

    Returns
    -------
    dict of str to str
        Column -> why it looks like a leak or an id; empty when none does.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.core.design import screen_features
    >>> df = pd.DataFrame({"left": [1, 0, 1, 0, 0, 1], "plan": list("abbaab"), "account_id": range(6),
    ...                    "days_to_cancel": [3.0, None, 9.0, None, None, 1.0]})
    >>> sorted(screen_features(df, "left", ["plan", "account_id", "days_to_cancel"]))
    ['account_id', 'days_to_cancel']
    """
    y = frame[outcome].astype(int).to_numpy()
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    out: dict[str, str] = {}
    for c in columns:
        s = frame[c]
        if SUSPECT_NAME.fullmatch(str(c)):
            out[c] = "its name looks like an outcome or an id"
            continue
        categorical = not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                           or pd.api.types.is_datetime64_any_dtype(s))
        if (categorical or pd.api.types.is_integer_dtype(s)) and len(s) >= 50 and s.nunique(dropna=False) == len(s):
            out[c] = "every row has its own value (an identifier)"
            continue
        if not (n1 and n0):
            continue
        if categorical:
            key = s.astype(object).where(s.notna(), "\0missing")
            g = pd.DataFrame({"k": key.to_numpy(), "y": y}).groupby("k")["y"]
            rate, size = g.transform("mean").to_numpy(), g.transform("size").to_numpy()
            score = np.where(size >= 10, rate, y.mean())  # rare levels: no evidence of their own
        else:
            v = (s.astype("int64") if pd.api.types.is_datetime64_any_dtype(s) else s).astype(float)
            score = v.fillna(v.min() - 1 if v.notna().any() else 0.0).to_numpy()
        ranks = pd.Series(score).rank().to_numpy()
        auc = (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
        if max(auc, 1 - auc) >= LEAK_AUC:
            out[c] = f"on its own it separates '{outcome}' almost perfectly (AUC {max(auc, 1 - auc):.3f})"
    return out


def preprocessor(X: pd.DataFrame, drop: str | None = None, dense: bool = False):
    """The one scikit-learn preprocessing of a feature table: categories one-hot encoded (unseen levels
    ignored), numbers standardised. Used by every classifier of the package (churn, uplift).

    Parameters
    ----------
    X : DataFrame
        Features, one row per unit (their kinds decide the encoding, see :func:`feature_kinds`).
    drop : str or None, optional
        ``OneHotEncoder``'s ``drop`` (``'if_binary'``: one column for a two-level feature); None keeps all.
    dense : bool, default False
        Always return a dense array (the models that refuse sparse input: histogram gradient boosting). By
        default scikit-learn returns a sparse matrix once the encoded table is mostly zeros (many-level
        categories, e.g. a 51-level state); where it is dense anyway the values are the same either way.

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Unfitted.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.core.design import preprocessor
    >>> X = pd.DataFrame({"plan": ["a", "b", "a"], "age": [30.0, 40.0, 50.0]})
    >>> preprocessor(X).fit_transform(X).shape
    (3, 3)
    >>> from scipy import sparse
    >>> many = pd.DataFrame({"state": [f"s{i}" for i in range(60)], "age": range(60)})
    >>> [sparse.issparse(preprocessor(many, dense=d).fit_transform(many)) for d in (False, True)]
    [True, False]
    """
    require("sklearn", by="crmresearch.core.design.preprocessor")
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cat, num = feature_kinds(X)
    onehot = OneHotEncoder(handle_unknown="ignore", drop=drop, sparse_output=not dense)
    return ColumnTransformer([("cat", onehot, cat), ("num", StandardScaler(), num)],
                             sparse_threshold=0.0 if dense else 0.3)
