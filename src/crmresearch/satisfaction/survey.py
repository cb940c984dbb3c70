"""Survey tools: scale reliability, top-box shares, expectation-perception gaps and two-arm comparisons.

All functions take tidy respondent-level tables (one row per respondent, one column per item) and
return tidy DataFrames, one row per block, item, dimension or measure. Missing answers are an error
naming each item and its count; nothing is dropped silently.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika 16, 297-334.
Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability coefficient twenty.
Psychometrika 30, 357-370 (confidence interval of alpha).
Parasuraman, A., Zeithaml, V. A. and Berry, L. L. (1988). SERVQUAL. Journal of Retailing 64(1), 12-40.
Wilson, E. B. (1927). Probable inference. JASA 22, 209-212.
Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions.
Statistics in Medicine 17, 873-890.
Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed. (d, h).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ValidationError
from ..experiments import two_proportions, wilson_interval
from ..schemas.validate import RowAccount

__all__ = ["compare_arms", "cronbach_alpha", "feldt_interval", "gaps", "group_means", "listwise", "reliability",
           "reverse_keyed", "servqual_items", "top_box", "warn_reverse_keyed"]


def _items(df: pd.DataFrame, items: Sequence[str], caller: str, scale: tuple[float, float] | None = None
           ) -> np.ndarray:
    """The item columns as a float matrix; clear errors for absent, non-numeric, missing or out-of-scale answers."""
    items = list(items)
    absent = [c for c in items if c not in df.columns]
    if absent:
        raise ValidationError(f"{caller}: item column(s) {absent} not in the table; it has {list(df.columns)[:12]}")
    nonnum = [c for c in items if pd.api.types.is_bool_dtype(df[c]) or not pd.api.types.is_numeric_dtype(df[c])]
    if nonnum:
        raise ValidationError(f"{caller}: item column(s) {nonnum} are not numeric")
    na = {c: int(df[c].isna().sum()) for c in items if df[c].isna().any()}
    if na:
        raise ValidationError(f"{caller}: missing answers per item {na} of {len(df)} respondents; impute them or "
                              "drop incomplete respondents with missing='listwise' (PLSPM, load_survey) or "
                              "satisfaction.listwise, which records the step")
    X = df[items].to_numpy(dtype=float)
    if scale is not None:
        lo, hi = scale
        out = {c: int(((X[:, j] < lo) | (X[:, j] > hi)).sum()) for j, c in enumerate(items)
               if ((X[:, j] < lo) | (X[:, j] > hi)).any()}
        if out:
            raise ValidationError(f"{caller}: answers outside the scale {lo:g}..{hi:g} per item {out} "
                                  f"of {len(df)} respondents")
        top = float(X.max()) if X.size else hi
        if X.size and top <= lo + (hi - lo) / 2:
            raise ValidationError(f"{caller}: every answer of the {len(items)} item(s) is at most {top:g}, in the "
                                  f"lower half of the declared scale {lo:g}..{hi:g}; the survey seems to use a "
                                  f"shorter scale: pass its real scale, e.g. scale=({lo:g}, {top:g})")
    return X


def listwise(df: pd.DataFrame, items: Sequence[str], account: RowAccount | None = None) -> pd.DataFrame:
    """Drop respondents with any missing answer among ``items`` and record it in ``account``
    (a :class:`RowAccount`); the step names the items with missing answers and their counts.

    Parameters
    ----------
    df : DataFrame
        Survey table.
    items : sequence of str
        Item columns.
    account : RowAccount or None, optional
        Row account to record the step in; None: not recorded.

    Returns
    -------
    DataFrame
        The complete respondents.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import satisfaction
    >>> df = pd.DataFrame({'q1': [5, None, 4], 'q2': [3, 2, None]})
    >>> len(satisfaction.listwise(df, ['q1', 'q2']))   # respondents with every answer
    1
    """
    absent = [c for c in items if c not in df.columns]
    if absent:
        raise ValidationError(f"listwise: item column(s) {absent} not in the table")
    na = df[list(items)].isna()
    counts = {c: int(n) for c, n in na.sum().items() if n}
    detail = ", ".join(f"{c}: {n}" for c, n in counts.items()) or "none"
    account = account if account is not None else RowAccount("survey", len(df))
    return account.drop(df, na.any(axis=1).to_numpy(), f"listwise deletion: missing answers ({detail})")


def servqual_items(columns: Sequence[str], expectation: str = "exp_", perception: str = "per_"
                   ) -> dict[str, list[str]]:
    """SERVQUAL item pairs found by name: ``exp_<dimension><n>`` with its ``per_<dimension><n>``.

    Returns ``{dimension: [expectation items]}`` (the perception item of each is the same name with the
    perception prefix), dimensions in order of first appearance. An expectation item without its
    perception twin (or the reverse) is an error that names it.

    Parameters
    ----------
    columns : sequence of str
        Column names of the survey.
    expectation : str, default 'exp_'
        Prefix of expectation items.
    perception : str, default 'per_'
        Prefix of perception items.

    Examples
    --------
    >>> from crmresearch import satisfaction
    >>> satisfaction.servqual_items(['exp_tan1', 'per_tan1', 'exp_rel1', 'per_rel1'])
    {'tan': ['exp_tan1'], 'rel': ['exp_rel1']}
    """
    import re

    cols = [str(c) for c in columns]
    pat = re.compile(rf"^{re.escape(expectation)}(.+?)[_\-. ]?(\d+)$")
    out: dict[str, list[str]] = {}
    for c in cols:
        m = pat.match(c)
        if m:
            out.setdefault(m.group(1), []).append(c)
    if not out:
        raise ValidationError(f"servqual_items: no expectation item named like '{expectation}<dimension><n>' "
                              f"(e.g. {expectation}rel1); columns: {cols[:15]}")
    missing = [c.replace(expectation, perception, 1) for items in out.values() for c in items
               if c.replace(expectation, perception, 1) not in cols]
    orphans = [c for c in cols if c.startswith(perception) and c.replace(perception, expectation, 1) not in cols]
    if missing or orphans:
        raise ValidationError(f"servqual_items: expectation and perception items must come in pairs; without a "
                              f"twin: {missing + orphans}")
    return out


def cronbach_alpha(X: np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``X`` (respondents x items): k/(k-1) (1 - sum var_i / var_total).

    Parameters
    ----------
    X : ndarray
        Answers, shape (n_respondents, n_items), no missing values.

    Returns
    -------
    float
        Cronbach's alpha (at most 1).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch import satisfaction
    >>> X = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5], [5, 5, 5]], dtype=float)
    >>> round(satisfaction.cronbach_alpha(X), 3)
    0.98
    """
    k = X.shape[1]
    if k < 2:
        return float("nan")
    item_var = X.var(axis=0, ddof=1).sum()
    total_var = X.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var / total_var))


def feldt_interval(a: float, n: int, k: int, alpha: float = 0.05) -> tuple[float, float]:
    """Feldt (1965) interval of Cronbach's alpha ``a`` of ``k`` items and ``n`` respondents, level 1 - ``alpha``."""
    f_lo, f_hi = stats.f.ppf([1 - alpha / 2, alpha / 2], n - 1, (n - 1) * (k - 1))
    return 1 - (1 - a) * f_lo, 1 - (1 - a) * f_hi


def reverse_keyed(R: np.ndarray, loadings: np.ndarray | None = None) -> np.ndarray:
    """Which items of a block load against the rest: the sign of each item's loading (on the block's first
    principal component of the correlations ``R``, or the given ``loadings``) differs from the sign of most
    (ties: of the sum of the loadings). Such items are negatively keyed; reverse-code them (low + high - answer)
    before reading alpha, composite reliability or HTMT, which assume items keyed one way."""
    if loadings is None:
        vals, vecs = np.linalg.eigh(R)
        loadings = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
    sign = np.sign(np.sign(loadings).sum()) or np.sign(loadings.sum()) or 1.0
    return np.sign(loadings) == -sign


def _dg_rho(R: np.ndarray) -> tuple[float, float, float, float]:
    """Dillon-Goldstein rho, AVE (from first-principal-component loadings), first and second eigenvalue."""
    vals, vecs = np.linalg.eigh(R)
    lam = np.abs(vecs[:, -1]) * np.sqrt(vals[-1])
    s = lam.sum()
    rho = s**2 / (s**2 + (len(lam) - (lam**2).sum()))
    return float(rho), float((lam**2).mean()), float(vals[-1]), float(vals[-2])


def reliability(df: pd.DataFrame, blocks: Mapping[str, Sequence[str]], alpha: float = 0.05,
                standardised: bool = False) -> pd.DataFrame:
    """Internal consistency of each block of items.

    Returns one row per block: ``items``, ``n``, ``cronbach_alpha`` with its Feldt (1965) interval
    ``alpha_ci_lower``/``alpha_ci_upper`` at level 1 - ``alpha``, ``dillon_goldstein_rho`` (composite
    reliability of the first principal component), ``ave`` (mean squared first-component loading),
    ``eig_1st``, ``eig_2nd`` (unidimensionality: the second should be below 1), ``mean_inter_item_r``
    ``alpha_if_deleted_max`` (the highest alpha after dropping one item; above ``cronbach_alpha``
    flags a weak item) and ``reverse_items`` (items that load against the rest of their block, comma-separated;
    each is also named in a :class:`~crmresearch.errors.DataWarning`: reverse-code it, as alpha of a block
    with a negatively keyed item is meaningless, often below 0). Conventional thresholds: alpha and rho >= 0.7,
    AVE >= 0.5.

    Parameters
    ----------
    df : DataFrame
        Survey table.
    blocks : mapping of str to sequence of str
        Block name -> its item columns.
    alpha : float, default 0.05
        Significance level of the Feldt interval.
    standardised : bool, default False
        Items standardised first: alpha of the correlation matrix ("alpha based on standardised items"),
        the alpha of a PLS model with standardised indicators (``PLSPM(scaled=True).reliability_``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import satisfaction
    >>> rng = np.random.default_rng(0); f = rng.normal(size=200)
    >>> df = pd.DataFrame({f'sat{i}': np.clip(np.round(6 + 2 * f + rng.normal(size=200)), 1, 10) for i in (1, 2, 3)})
    >>> round(float(satisfaction.reliability(df, {'SAT': ['sat1', 'sat2', 'sat3']})['cronbach_alpha'].iloc[0]), 2)
    0.91
    """
    rows = []
    for block, items in blocks.items():
        X = _items(df, items, "reliability")
        n, k = X.shape
        row = {"block": block, "items": k, "n": n}
        if k < 2:
            rows.append(row | {"cronbach_alpha": np.nan, "reverse_items": ""})
            continue
        if (X.std(axis=0) == 0).any():
            const = [c for c, s in zip(items, X.std(axis=0), strict=True) if s == 0]
            raise ValidationError(f"reliability: item(s) {const} of block '{block}' are constant")
        if standardised:
            X = (X - X.mean(axis=0)) / X.std(axis=0)
        a = cronbach_alpha(X)
        lo, hi = feldt_interval(a, n, k, alpha)
        R = np.corrcoef(X, rowvar=False)
        rho, ave, e1, e2 = _dg_rho(R)
        deleted = [cronbach_alpha(np.delete(X, j, axis=1)) for j in range(k)] if k > 2 else [np.nan]
        reverse = [c for c, r in zip(items, reverse_keyed(R), strict=True) if r]
        if reverse:
            warn_reverse_keyed("reliability", block, reverse)
        rows.append(row | {"cronbach_alpha": a, "alpha_ci_lower": lo, "alpha_ci_upper": hi,
                           "dillon_goldstein_rho": rho, "ave": ave, "eig_1st": e1, "eig_2nd": e2,
                           "mean_inter_item_r": R[np.triu_indices(k, 1)].mean(), "alpha_if_deleted_max": max(deleted),
                           "reverse_items": ", ".join(reverse)})
    return pd.DataFrame(rows)


def warn_reverse_keyed(caller: str, block: str, items: Sequence[str], loadings: Sequence[float] | None = None) -> None:
    """A :class:`~crmresearch.errors.DataWarning` naming the negatively keyed items of a block and the remedy."""
    import warnings

    from ..errors import DataWarning

    named = ", ".join(f"{c} ({v:+.2f})" for c, v in zip(items, loadings, strict=True)) if loadings is not None \
        else ", ".join(items)
    warnings.warn(f"{caller}: block '{block}': item(s) {named} load against the rest of the block (negatively "
                  "keyed); reverse-code them (low + high - answer) before reading alpha, composite reliability, "
                  "HTMT or a 0-100 index of the block", DataWarning, stacklevel=3)


def top_box(df: pd.DataFrame, items: Sequence[str], top: int = 2, scale: tuple[int, int] = (1, 5),
            by: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Share of respondents answering in the top ``top`` categories of each item, with Wilson intervals.

    On a 1-5 scale ``top=2`` counts 4 and 5 ("top-2-box"); on 1-10 it counts 9 and 10. Optional
    ``by`` splits every item by a grouping column. Returns ``item`` (and the group), ``n``,
    ``top_box_count``, ``top_box_share``, ``ci_lower``, ``ci_upper``, ``mean``.

    Parameters
    ----------
    df : DataFrame
        Survey table.
    items : sequence of str
        Item columns.
    top : int, default 2
        Categories counted as top box.
    scale : tuple (int, int), default (1, 5)
        Answer scale (low, high).
    by : str or None, optional
        Grouping column; None: all respondents.
    alpha : float, default 0.05
        Significance level of the Wilson intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import satisfaction
    >>> answers = pd.DataFrame({'q1': [5, 4, 3, 5, 2], 'q2': [1, 2, 5, 4, 4]})
    >>> satisfaction.top_box(answers, ['q1', 'q2'], top=2, scale=(1, 5))[['item', 'top_box_share']].values.tolist()
    [['q1', 0.6], ['q2', 0.6]]
    """
    lo, hi = scale
    if not 1 <= top <= hi - lo:
        raise ValidationError(f"top_box: top must be between 1 and {hi - lo} categories for the scale {lo}..{hi}; "
                              f"got {top}")
    X = _items(df, items, "top_box", scale)
    cut = hi - top + 1
    groups = [(None, np.ones(len(df), dtype=bool))]
    if by is not None:
        if by not in df.columns:
            raise ValidationError(f"top_box: grouping column '{by}' not in the table")
        if df[by].isna().any():
            raise ValidationError(f"top_box: grouping column '{by}' has {int(df[by].isna().sum())} missing values")
        keys = df[by].astype("category").cat.remove_unused_categories()
        groups = [(g, (keys == g).to_numpy()) for g in keys.cat.categories]
    rows = []
    for j, item in enumerate(items):
        for g, mask in groups:
            x = X[mask, j]
            k = int((x >= cut).sum())
            low, high = wilson_interval(k, len(x), alpha)
            row = {"item": item} | ({by: g} if by is not None else {})
            rows.append(row | {"n": len(x), "top_box_count": k, "top_box_share": k / len(x), "ci_lower": low,
                               "ci_upper": high, "mean": x.mean()})
    return pd.DataFrame(rows)


def _t_interval(x: np.ndarray, alpha: float) -> tuple[float, float, float, float, float]:
    """Mean, SD, t interval and two-sided p-value (H0: mean 0) of a sample."""
    n = len(x)
    m, sd = x.mean(), x.std(ddof=1)
    se = sd / math.sqrt(n)
    q = stats.t.ppf(1 - alpha / 2, n - 1)
    p = 2 * stats.t.sf(abs(m / se), n - 1) if se > 0 else (1.0 if m == 0 else 0.0)
    return m, sd, m - q * se, m + q * se, p


def gaps(expectations: pd.DataFrame, perceptions: pd.DataFrame,
         dimensions: Mapping[str, Sequence[str]] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """SERVQUAL gaps: perception minus expectation per dimension, with paired tests and intervals.

    ``expectations`` and ``perceptions`` hold the same respondents (same index) and pair their
    columns by position (the i-th expectation item with the i-th perception item). ``dimensions``
    maps a dimension name to its expectation columns; default: each item pair is its own dimension.
    A respondent's dimension score is the mean of its items. A final row ``overall`` averages the
    dimensions (the unweighted SERVQUAL score).

    Returns per dimension: ``n``, ``expectation``, ``perception``, ``gap`` (P - E, scale points),
    ``gap_sd``, ``ci_lower``, ``ci_upper`` (paired t), ``t``, ``p_value`` (paired t),
    ``wilcoxon_p`` (signed-rank, no normality assumption), ``effect_dz`` (mean gap / SD of gaps)
    and ``share_negative`` (respondents whose perception falls short).

    Parameters
    ----------
    expectations : DataFrame
        Expectation items, one row per respondent.
    perceptions : DataFrame
        Perception items, same respondents and order of items.
    dimensions : mapping of str to sequence of str or None, optional
        Dimension -> its expectation columns; None: one dimension per item pair.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import satisfaction
    >>> exp = pd.DataFrame({'tan1': [8, 9, 8], 'rel1': [9, 9, 10]})
    >>> per = pd.DataFrame({'tan1': [7, 8, 7], 'rel1': [8, 9, 9]})
    >>> satisfaction.gaps(exp, per)[['dimension', 'gap']].round(2).values.tolist()
    [['tan1', -1.0], ['rel1', -0.67], ['overall', -0.83]]
    """
    if expectations.shape[1] != perceptions.shape[1]:
        raise ValidationError(f"gaps: {expectations.shape[1]} expectation items but {perceptions.shape[1]} "
                              "perception items; they are paired by position")
    if not expectations.index.equals(perceptions.index):
        raise ValidationError("gaps: expectations and perceptions must have the same respondents (index)")
    E = _items(expectations, list(expectations.columns), "gaps")
    P = _items(perceptions, list(perceptions.columns), "gaps")
    pos = {c: j for j, c in enumerate(expectations.columns)}
    if dimensions is None:
        dimensions = {str(c): [c] for c in expectations.columns}
    unknown = [c for cols in dimensions.values() for c in cols if c not in pos]
    if unknown:
        raise ValidationError(f"gaps: dimension item(s) {unknown} are not expectation columns")
    dims = {d: [pos[c] for c in cols] for d, cols in dimensions.items()}
    scores_e = {d: E[:, j].mean(axis=1) for d, j in dims.items()}
    scores_p = {d: P[:, j].mean(axis=1) for d, j in dims.items()}
    scores_e["overall"] = np.mean(list(scores_e.values()), axis=0)
    scores_p["overall"] = np.mean(list(scores_p.values()), axis=0)
    rows = []
    for d in scores_e:
        g = scores_p[d] - scores_e[d]
        m, sd, low, high, p = _t_interval(g, alpha)
        wil = stats.wilcoxon(g, zero_method="wilcox").pvalue if np.any(g != 0) else 1.0
        rows.append({"dimension": d, "n": len(g), "expectation": scores_e[d].mean(),
                     "perception": scores_p[d].mean(), "gap": m, "gap_sd": sd, "ci_lower": low, "ci_upper": high,
                     "t": m / (sd / math.sqrt(len(g))) if sd > 0 else np.nan, "p_value": p,
                     "wilcoxon_p": float(wil), "effect_dz": m / sd if sd > 0 else np.nan,
                     "share_negative": float((g < 0).mean())})
    return pd.DataFrame(rows)


def group_means(values: pd.Series, by: pd.Series | pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Mean of ``values`` per group with a t interval; a first row ``all``.

    ``by`` is one grouping Series (output column ``group``) or a DataFrame of grouping columns (one
    output column each; e.g. arm and period). Groups follow categorical order, else sorted order.
    Returns the group column(s), ``n``, ``mean``, ``sd``, ``ci_lower``, ``ci_upper``. Used for
    satisfaction indices (0-100) by region or tier and for the cells of a two-arm study.

    Parameters
    ----------
    values : Series
        Values per respondent (e.g. a 0-100 index).
    by : Series or DataFrame
        Grouping column(s), aligned with ``values``.
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import satisfaction
    >>> index = pd.Series([70.0, 80.0, 60.0, 90.0])
    >>> t = satisfaction.group_means(index, pd.Series(['urban', 'urban', 'rural', 'rural']))
    >>> t.columns.tolist()[:3]
    ['group', 'n', 'mean']
    """
    frame = by.to_frame("group") if isinstance(by, pd.Series) else by
    if len(values) != len(frame):
        raise ValidationError(f"group_means: {len(values)} values but {len(frame)} group labels")
    for col in frame.columns:
        if frame[col].isna().any():
            raise ValidationError(f"group_means: {int(frame[col].isna().sum())} rows have no group ('{col}')")
    keys = list(frame.columns)
    values = pd.Series(values.to_numpy(dtype=float))
    parts = [frame[c].reset_index(drop=True) for c in keys]
    groups = [({k: "all" for k in keys}, values.to_numpy())]
    for key, x in values.groupby(parts, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        groups.append(({k: str(v) for k, v in zip(keys, key, strict=True)}, x.to_numpy()))
    rows = []
    for label, x in groups:
        if len(x) < 2:
            rows.append(label | {"n": len(x), "mean": x.mean()})
            continue
        m, sd, low, high, _ = _t_interval(x, alpha)
        rows.append(label | {"n": len(x), "mean": m, "sd": sd, "ci_lower": low, "ci_upper": high})
    return pd.DataFrame(rows, columns=[*keys, "n", "mean", "sd", "ci_lower", "ci_upper"])


def compare_arms(df: pd.DataFrame, arm: str, period: str, items: Sequence[str], respondent: str | None = None,
                 control: str = "control", treatment: str = "treatment", pre: str = "pre", post: str = "post",
                 top: int = 2, scale: tuple[int, int] = (1, 10), alpha: float = 0.05) -> pd.DataFrame:
    """Two-arm pre/post comparison of survey items (an intervention study).

    For every item and for the ``composite`` (a respondent's mean over ``items``), two metrics:

    * ``mean``: post-period difference treatment - control (Welch t interval and test, Hedges' g),
      and the difference-in-differences (post - pre change of treatment minus that of control);
    * ``top_box``: share in the top ``top`` categories; post difference with Newcombe's interval,
      chi-square test or Fisher's exact test when an expected count is below 5, Cohen's h; and the
      difference-in-differences of shares. The composite is in the top box when its mean
      reaches the lowest top category.

    With ``respondent`` (a panel: the same people answer pre and post) the DiD is a Welch test on each
    respondent's change; without it the four cells are independent samples and the DiD standard error
    is the root sum of the four squared standard errors.

    Parameters
    ----------
    df : DataFrame
        Long survey table: one row per respondent and period.
    arm : str
        Arm column.
    period : str
        Period column.
    items : sequence of str
        Item columns on the answer scale.
    respondent : str or None, optional
        Respondent id column for a panel; None: independent samples.
    control : str, default 'control'
        Value of ``arm`` for the control arm.
    treatment : str, default 'treatment'
        Value of ``arm`` for the treatment arm.
    pre : str, default 'pre'
        Value of ``period`` before the intervention.
    post : str, default 'post'
        Value of ``period`` after it.
    top : int, default 2
        Categories counted as top box.
    scale : tuple (int, int), default (1, 10)
        Answer scale (low, high).
    alpha : float, default 0.05
        Significance level of the intervals (1 - alpha coverage).

    Returns
    -------
    DataFrame
        One row per item (and the composite) and metric: the post difference with its interval, test and effect
        size, and the difference-in-differences with its interval and test.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import satisfaction
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({'arm': np.repeat(['control', 'treatment'], 80),
    ...                    'period': np.tile(np.repeat(['pre', 'post'], 40), 2),
    ...                    'sat': np.clip(np.round(rng.normal(7, 1.5, 160)), 1, 10)})
    >>> df.loc[(df.arm == 'treatment') & (df.period == 'post'), 'sat'] += 1
    >>> t = satisfaction.compare_arms(df, 'arm', 'period', ['sat'])
    >>> t[['measure', 'metric']].values.tolist()
    [['sat', 'mean'], ['sat', 'top_box']]
    """
    for col in (arm, period) + ((respondent,) if respondent else ()):
        if col not in df.columns:
            raise ValidationError(f"compare_arms: column '{col}' not in the table")
    labels = {arm: (control, treatment), period: (pre, post)}
    for col, allowed in labels.items():
        other = df.loc[~df[col].isin(allowed), col]
        if len(other):
            raise ValidationError(f"compare_arms: column '{col}' has {len(other)} rows with values "
                                  f"{sorted(map(str, other.unique()))[:5]} outside {list(allowed)}")
        for a in allowed:
            if not (df[col] == a).any():
                raise ValidationError(f"compare_arms: no rows with {col} == {a!r}")
    X = _items(df, items, "compare_arms", scale)
    cut = scale[1] - top + 1
    measures = {c: X[:, j] for j, c in enumerate(items)}
    if len(items) > 1:
        measures["composite"] = X.mean(axis=1)
    cell = {(a, p): ((df[arm] == a) & (df[period] == p)).to_numpy() for a in (control, treatment) for p in (pre, post)}
    if respondent:
        dup = df.duplicated([respondent, period])
        if dup.any():
            raise ValidationError(f"compare_arms: {int(dup.sum())} rows repeat a ({respondent}, {period}) pair")
    rows = []
    for name, v in measures.items():
        for metric in ("mean", "top_box"):
            y = v if metric == "mean" else (v >= cut).astype(float)
            means = {k: y[m].mean() for k, m in cell.items()}
            row = {"measure": name, "metric": metric,
                   **{f"{a}_{p}": means[(a, p)] for a in (control, treatment) for p in (pre, post)},
                   "n_control": int(cell[(control, post)].sum()), "n_treatment": int(cell[(treatment, post)].sum())}
            yc, yt = y[cell[(control, post)]], y[cell[(treatment, post)]]
            row |= _post_mean(yc, yt, alpha) if metric == "mean" else _post_share(yc, yt, alpha)
            row |= _did(df, y, cell, arm, period, respondent, control, treatment, pre, post, alpha)
            rows.append(row)
    return pd.DataFrame(rows)


def _post_mean(yc: np.ndarray, yt: np.ndarray, alpha: float) -> dict:
    res = stats.ttest_ind(yt, yc, equal_var=False)
    ci = res.confidence_interval(1 - alpha)
    n1, n2 = len(yc), len(yt)
    pooled = math.sqrt(((n1 - 1) * yc.var(ddof=1) + (n2 - 1) * yt.var(ddof=1)) / (n1 + n2 - 2))
    g = (yt.mean() - yc.mean()) / pooled * (1 - 3 / (4 * (n1 + n2) - 9)) if pooled > 0 else np.nan
    return {"post_difference": yt.mean() - yc.mean(), "post_ci_lower": ci.low, "post_ci_upper": ci.high,
            "post_test": "welch_t", "post_p_value": float(res.pvalue), "effect_size": g, "effect_size_kind": "hedges_g"}


def _post_share(yc: np.ndarray, yt: np.ndarray, alpha: float) -> dict:
    xc, xt = int(yc.sum()), int(yt.sum())
    nc, nt = len(yc), len(yt)
    tp = two_proportions((xc, xt), (nc, nt), alpha)
    table = np.array([[xt, nt - xt], [xc, nc - xc]])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if (expected < 5).any():
        test, p = "fisher_exact", float(stats.fisher_exact(table).pvalue)
    else:
        test, p = "chi_square", float(stats.chi2_contingency(table, correction=False).pvalue)
    h = 2 * math.asin(math.sqrt(tp.p2)) - 2 * math.asin(math.sqrt(tp.p1))
    return {"post_difference": tp.difference, "post_ci_lower": tp.ci_lower, "post_ci_upper": tp.ci_upper,
            "post_test": test, "post_p_value": p, "effect_size": h, "effect_size_kind": "cohens_h"}


def _did(df, y, cell, arm, period, respondent, control, treatment, pre, post, alpha) -> dict:
    if respondent:
        frame = pd.DataFrame({"id": df[respondent].to_numpy(), "arm": df[arm].to_numpy(),
                              "period": df[period].astype(str).to_numpy(), "y": y})
        wide = frame.pivot_table(index=["id", "arm"], columns="period", values="y", observed=True)
        missing = wide[[pre, post]].isna().any(axis=1)
        if missing.any():
            raise ValidationError(f"compare_arms: {int(missing.sum())} respondents lack a {pre!r} or a {post!r} row; "
                                  "a panel DiD needs both")
        change = (wide[post] - wide[pre]).reset_index()
        ct = change.loc[change["arm"] == treatment, 0].to_numpy()
        cc = change.loc[change["arm"] == control, 0].to_numpy()
        res = stats.ttest_ind(ct, cc, equal_var=False)
        ci = res.confidence_interval(1 - alpha)
        return {"did": ct.mean() - cc.mean(), "did_ci_lower": ci.low, "did_ci_upper": ci.high,
                "did_p_value": float(res.pvalue)}
    est = (y[cell[(treatment, post)]].mean() - y[cell[(treatment, pre)]].mean()
           - y[cell[(control, post)]].mean() + y[cell[(control, pre)]].mean())
    se = math.sqrt(sum(y[m].var(ddof=1) / m.sum() for m in cell.values()))
    z = stats.norm.ppf(1 - alpha / 2)
    p = 2 * stats.norm.sf(abs(est / se)) if se > 0 else float("nan")
    return {"did": est, "did_ci_lower": est - z * se, "did_ci_upper": est + z * se, "did_p_value": p}
