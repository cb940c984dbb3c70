"""What SmartPLS and seminr users check after a PLS-PM fit: collinearity (VIF), out-of-sample
prediction (PLSpredict), blindfolding Q² and multigroup analysis (permutation and Henseler's MGA).

Every function takes a fitted :class:`PLSPM` and reuses its settings; refits use the same
estimation core as ``fit`` and ``bootstrap`` (:func:`crmresearch.satisfaction.plspm._solve`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..core import progress as progress_
from ..errors import ConvergenceError, ValidationError
from .plspm import PLSPM, _moments, _solve, _solve_batch, _total_effects, prepare_indicators

__all__ = ["blindfolding", "mga", "plspredict", "vif"]


def _core(model: PLSPM, X: np.ndarray) -> dict:
    is_b = np.array([model._modes[lv] == "B" for lv in model.lvs_])
    return _solve(X, model._P, model._odm, is_b, model._block_cols, model.scheme, model.tol, model.max_iter,
                  model.consistent)


def _vif_columns(M: np.ndarray) -> np.ndarray:
    """VIF of each column: the diagonal of the inverse correlation matrix."""
    if M.shape[1] < 2:
        return np.ones(M.shape[1])
    R = np.corrcoef(M, rowvar=False)
    try:
        return np.diag(np.linalg.inv(R))
    except np.linalg.LinAlgError:
        return np.full(M.shape[1], np.inf)


def vif(model: PLSPM) -> pd.DataFrame:
    """Variance inflation factors: of the indicators of each formative (Mode B) block, whose weights
    are regression coefficients, and of the predictors of each endogenous construct in the inner
    model. Values above 3 to 5 signal collinearity (Hair et al. 2019).

    Returns ``kind`` (outer / inner), ``block`` (the formative construct or the endogenous target),
    ``variable`` and ``vif``.

    Parameters
    ----------
    model : PLSPM
        A fitted :class:`PLSPM`.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, satisfaction
    >>> survey = data.simulate_bank(n_customers=3_000, seed=0).survey
    >>> model = satisfaction.load_model('ECSI').model(survey.columns, scheme='path').fit(survey)
    >>> satisfaction.vif(model).columns.tolist()
    ['kind', 'block', 'variable', 'vif']
    """
    model._check("vif")
    rows = []
    for j, lv in enumerate(model.lvs_):
        if model._modes[lv] == "B":
            cols = model._block_cols[j]
            for name, v in zip([model.mvs_[c] for c in cols], _vif_columns(model._X[:, cols]), strict=True):
                rows.append({"kind": "outer", "block": lv, "variable": name, "vif": float(v)})
    Y = model.scores_.to_numpy()
    for t, lv in enumerate(model.lvs_):
        src = np.flatnonzero(model._P[t] == 1)
        if src.size:
            for s, v in zip(src, _vif_columns(Y[:, src]), strict=True):
                rows.append({"kind": "inner", "block": lv, "variable": model.lvs_[s], "vif": float(v)})
    return pd.DataFrame(rows, columns=["kind", "block", "variable", "vif"])


def plspredict(model: PLSPM, df: pd.DataFrame, k: int = 10, seed: int = 0) -> pd.DataFrame:
    """PLSpredict (Shmueli et al. 2016, 2019): k-fold out-of-sample prediction of the indicators of
    every endogenous construct from the exogenous indicators only.

    In each fold the model is refitted on the training rows; test rows get exogenous scores from the
    training weights (indicators standardised with the training means and SDs), endogenous scores
    from the training total effects, and indicator predictions from the training loadings, mapped
    back to answer units. The benchmark is a linear regression of each indicator on all exogenous
    indicators (the "LM" of SmartPLS). ``q2_predict`` = 1 - SSE(PLS) / SSE(training mean): above 0
    the model beats the naive mean; ``rmse_pls`` below ``rmse_lm`` means it beats the regression.

    Returns one row per endogenous indicator: ``construct``, ``indicator``, ``q2_predict``,
    ``rmse_pls``, ``rmse_lm``, ``mae_pls``, ``mae_lm``.

    Parameters
    ----------
    model : PLSPM
        A fitted :class:`PLSPM`.
    df : DataFrame
        The survey the model was fitted on.
    k : int, default 10
        Folds.
    seed : int, default 0
        Random seed of the fold assignment.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, satisfaction
    >>> survey = data.simulate_bank(n_customers=3_000, seed=0).survey
    >>> model = satisfaction.load_model('ECSI').model(survey.columns, scheme='path').fit(survey)
    >>> satisfaction.plspredict(model, survey, k=3).columns.tolist()[:4]
    ['construct', 'indicator', 'q2_predict', 'rmse_pls']
    """
    model._check("plspredict")
    if not 2 <= k <= model.n_obs_ // 5:
        raise ValidationError(f"plspredict: k must be between 2 and n / 5 = {model.n_obs_ // 5}; got {k}")
    raw = df[model.mvs_].to_numpy(dtype=float) if len(df) == model.n_obs_ else None
    if raw is None or not np.array_equal(raw, model._raw, equal_nan=True):
        raise ValidationError("plspredict: pass the same data the model was fitted on")
    n = raw.shape[0]
    endo = np.flatnonzero(model._P.sum(axis=1) > 0)
    exo = np.flatnonzero(model._P.sum(axis=1) == 0)
    exo_cols = np.concatenate([model._block_cols[j] for j in exo])
    targets = np.concatenate([model._block_cols[j] for j in endo])
    folds = np.random.default_rng(seed).permutation(n) % k
    pred_pls = np.full((n, targets.size), np.nan)
    pred_lm = np.full((n, targets.size), np.nan)
    naive = np.full((n, targets.size), np.nan)
    for f in range(k):
        test, train = folds == f, folds != f
        tr = raw[train]
        mu, sd = tr.mean(axis=0), tr.std(axis=0)
        if (sd == 0).any():
            raise ValidationError(f"plspredict: an indicator is constant in training fold {f + 1}; use fewer folds")
        X = (tr - mu) / sd if model.scaled else tr - mu
        core = _core(model, X)
        W, B = core["W"], core["B"]
        Xt = (raw[test] - mu) / sd if model.scaled else raw[test] - mu
        # scores as in fit: composites of the training weights, standardised with the training scores' SD
        Ytr = X @ W
        scale = Ytr.std(axis=0)
        Yt = (Xt @ W) / scale
        total = _total_effects(B)
        Yhat = Yt[:, exo] @ total[np.ix_(endo, exo)].T  # endogenous scores from exogenous ones
        load = core["C"]  # loadings (indicator-construct correlations) of the training fit
        for pos, col in enumerate(targets):
            j = next(i for i, lv in enumerate(endo) if col in model._block_cols[lv])
            z = load[col, endo[j]] * Yhat[:, j]
            pred_pls[test, pos] = z * (sd[col] if model.scaled else 1.0) + mu[col]
        A = np.column_stack([np.ones(train.sum()), tr[:, exo_cols]])
        coef = np.linalg.lstsq(A, tr[:, targets], rcond=None)[0]
        pred_lm[test] = np.column_stack([np.ones(test.sum()), raw[test][:, exo_cols]]) @ coef
        naive[test] = tr[:, targets].mean(axis=0)
    actual = raw[:, targets]
    construct = dict(zip(model.mvs_, model.outer_["construct"], strict=True))
    rows = []
    for pos, col in enumerate(targets):
        e_pls, e_lm = actual[:, pos] - pred_pls[:, pos], actual[:, pos] - pred_lm[:, pos]
        e_0 = actual[:, pos] - naive[:, pos]
        rows.append({"construct": construct[model.mvs_[col]], "indicator": model.mvs_[col],
                     "q2_predict": float(1 - (e_pls ** 2).sum() / (e_0 ** 2).sum()),
                     "rmse_pls": float(np.sqrt(np.mean(e_pls ** 2))), "rmse_lm": float(np.sqrt(np.mean(e_lm ** 2))),
                     "mae_pls": float(np.mean(np.abs(e_pls))), "mae_lm": float(np.mean(np.abs(e_lm)))})
    return pd.DataFrame(rows)


def blindfolding(model: PLSPM, distance: int = 7) -> pd.DataFrame:
    """Stone-Geisser Q² by blindfolding (construct cross-validated redundancy; Hair et al. 2017,
    ch. 6): every ``distance``-th data point of the endogenous blocks is omitted in turn (replaced
    by the indicator's mean), the model is re-estimated, and the omitted standardised values are
    predicted from the loadings and the construct's predecessors. Q² = 1 - SSE / SSO per endogenous
    construct; above 0 means predictive relevance. ``distance`` should not divide the sample size.

    Parameters
    ----------
    model : PLSPM
        A fitted :class:`PLSPM`.
    distance : int, default 7
        Omission distance D (5-10; must not divide the sample size).

    Returns
    -------
    DataFrame
        One row per endogenous construct: ``construct``, ``sse``, ``sso`` and ``q2``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, satisfaction
    >>> survey = data.simulate_bank(n_customers=3_000, seed=0).survey
    >>> model = satisfaction.load_model('ECSI').model(survey.columns, scheme='path').fit(survey)
    >>> table = satisfaction.blindfolding(model)
    >>> bool((table['q2'] > 0).all())   # Q2 > 0: predictive relevance
    True
    """
    model._check("blindfolding")
    if distance < 2:
        raise ValidationError(f"blindfolding: distance must be >= 2; got {distance}")
    if model.n_obs_ % distance == 0:
        raise ValidationError(f"blindfolding: distance {distance} divides the {model.n_obs_} respondents; pick "
                              "another (e.g. 7 or 9) so that every data point is omitted once")
    raw = model._raw
    Z = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    endo = np.flatnonzero(model._P.sum(axis=1) > 0)
    sse = {j: 0.0 for j in endo}
    sso = {j: 0.0 for j in endo}
    for d in range(distance):
        data = raw.copy()
        masks = {}
        for j in endo:
            cols = model._block_cols[j]
            # data points numbered down the columns (i + j n), so that no column is omitted whole when
            # the distance does not divide n
            cell = (np.arange(raw.shape[0])[:, None] + raw.shape[0] * np.arange(len(cols))[None, :]) % distance == d
            masks[j] = cell
            block = data[:, cols]
            block[cell] = np.broadcast_to(raw[:, cols].mean(axis=0), block.shape)[cell]
            data[:, cols] = block
        X = prepare_indicators(data, model.scaled)
        if X is None:
            raise ValidationError("blindfolding: omitting data points made an indicator constant; use a larger "
                                  "distance")
        try:
            core = _core(model, X)
        except ConvergenceError as exc:
            raise ValidationError(f"blindfolding: round {d + 1} did not converge ({exc})") from None
        Y = core["Y"] / core["Y"].std(axis=0)
        for j in endo:
            cols = model._block_cols[j]
            pred_score = Y @ core["B"][j]  # redundancy: the construct from its predecessors
            pred = pred_score[:, None] * core["C"][cols, j][None, :]
            cell = masks[j]
            sse[j] += float(((Z[:, cols] - pred)[cell] ** 2).sum())
            sso[j] += float((Z[:, cols][cell] ** 2).sum())
    return pd.DataFrame({"construct": [model.lvs_[j] for j in endo], "sse": [sse[j] for j in endo],
                         "sso": [sso[j] for j in endo],
                         "q2": [1 - sse[j] / sso[j] for j in endo]})


def _paths(model: PLSPM, raw: np.ndarray) -> np.ndarray | None:
    X = prepare_indicators(raw, model.scaled)
    if X is None:
        return None
    try:
        B = _core(model, X)["B"]
    except ConvergenceError:
        return None
    pairs = np.argwhere(model._P == 1)
    return B[pairs[:, 0], pairs[:, 1]]


#: Refits of the multigroup analysis solved together (their moment matrices stacked).
_MGA_BATCH = 250


def _paths_batch(model: PLSPM, raws: list[np.ndarray]) -> list[np.ndarray | None]:
    """:func:`_paths` of many data sets at once: each one's moments as ``fit`` prepares them, then one
    call of the batched core on the stack (each data set iterates until its own change is below tol,
    as alone). The same paths to the bit as one refit at a time; None where ``_paths`` gives None."""
    out: list[np.ndarray | None] = [None] * len(raws)
    moments, where, sizes = [], [], []
    for i, raw in enumerate(raws):
        X = prepare_indicators(raw, model.scaled)
        if X is not None:
            moments.append(_moments(X))
            where.append(i)
            sizes.append(X.shape[0])
    pairs = np.argwhere(model._P == 1)
    is_b = np.array([model._modes[lv] == "B" for lv in model.lvs_])
    sizes_arr = np.asarray(sizes)
    for n in np.unique(sizes_arr):  # the core's n (its (n - 1) / n factors) is one per stack
        take = np.flatnonzero(sizes_arr == n)
        core = _solve_batch(np.stack([moments[t] for t in take]), int(n), model._P, model._odm, is_b,
                            model._block_cols, model.scheme, model.tol, model.max_iter, model.consistent)
        B = core["B"][:, pairs[:, 0], pairs[:, 1]]
        for row, t in enumerate(take):
            if core["converged"][row]:
                out[where[t]] = B[row]
    return out


def mga(model: PLSPM, groups: pd.Series | np.ndarray, n_permutations: int = 1000, n_bootstrap: int = 1000,
        seed: int = 0, progress: bool | Callable[[int, int], Any] | None = None) -> pd.DataFrame:
    """Multigroup analysis of the structural paths between two groups of respondents (e.g. urban vs
    rural), with the model's settings re-estimated in each group.

    - Permutation test (Chin & Dibbern 2010): group labels are shuffled ``n_permutations`` times; the
      p-value is the share of permuted absolute path differences at least as large as the observed one.
    - Henseler's PLS-MGA (Henseler, Ringle & Sinkovics 2009): each group is bootstrapped
      ``n_bootstrap`` times; p = the share of bootstrap pairs whose bias-corrected difference has
      the opposite sign of the observed one (one-sided), doubled for a two-sided p-value.

    Failed refits (a constant indicator in a resample, no convergence) are counted in
    ``attrs["failed"]``. Returns one row per path: ``source``, ``target``, ``estimate_<g1>``,
    ``estimate_<g2>``, ``difference`` (g1 - g2), ``p_permutation``, ``p_henseler`` and
    ``p_permutation_holm`` (Holm-adjusted over the paths).

    Parameters
    ----------
    model : PLSPM
        A fitted :class:`PLSPM` on both groups' respondents.
    groups : Series or ndarray
        Group label per respondent (exactly two labels).
    n_permutations : int, default 1000
        Permutations of the group labels.
    n_bootstrap : int, default 1000
        Bootstrap samples per group.
    seed : int, default 0
        Random seed.
    progress : bool or callable or None, optional
        A progress bar of the refits (:mod:`crmresearch.core.progress`); None: shown in an interactive
        JupyterLab run, silent in batch runs.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, satisfaction
    >>> survey = data.simulate_bank(n_customers=3_000, seed=0).survey
    >>> model = satisfaction.load_model('ECSI').model(survey.columns, scheme='path').fit(survey)
    >>> groups = survey['region']
    >>> satisfaction.mga(model, groups, n_permutations=20, n_bootstrap=20).columns.tolist()[:3]
    ['source', 'target', 'estimate_rural']
    """
    model._check("mga")
    g = pd.Series(np.asarray(groups)).astype(str)
    if len(g) != model.n_obs_:
        raise ValidationError(f"mga: groups has {len(g)} labels for {model.n_obs_} respondents")
    levels = sorted(g.unique())
    if len(levels) != 2:
        raise ValidationError(f"mga: groups must have exactly two values; got {levels[:10]}")
    raw = model._raw
    m1 = (g == levels[0]).to_numpy()
    small = min(m1.sum(), (~m1).sum())
    if small < 30:
        raise ValidationError(f"mga: the smaller group has {small} respondents; at least 30 are needed")
    p1, p2 = _paths(model, raw[m1]), _paths(model, raw[~m1])
    if p1 is None or p2 is None:
        raise ValidationError("mga: the model cannot be estimated in one of the groups (a constant indicator)")
    diff = p1 - p2
    rng = np.random.default_rng(seed)
    failed = {"permutation": 0, "bootstrap": 0}
    perm = []
    boot = {}
    with progress_.tracker(n_permutations + 2 * n_bootstrap, "multigroup analysis", "refits", progress) as bar:
        # the draws in the order of one refit at a time; the refits in batches through the core
        labels = [rng.permutation(m1) for _ in range(n_permutations)]
        for start in range(0, n_permutations, _MGA_BATCH):
            chunk = labels[start:start + _MGA_BATCH]
            est = _paths_batch(model, [raw[lab] for lab in chunk] + [raw[~lab] for lab in chunk])
            for a, b in zip(est[:len(chunk)], est[len(chunk):], strict=True):
                if a is None or b is None:
                    failed["permutation"] += 1
                else:
                    perm.append(a - b)
            bar.update(len(chunk))
        for key, rows in (("1", raw[m1]), ("2", raw[~m1])):
            draws = []
            picks = [rng.integers(0, len(rows), len(rows)) for _ in range(n_bootstrap)]
            for start in range(0, n_bootstrap, _MGA_BATCH):
                chunk = picks[start:start + _MGA_BATCH]
                for est in _paths_batch(model, [rows[pick] for pick in chunk]):
                    if est is None:
                        failed["bootstrap"] += 1
                    else:
                        draws.append(est)
                bar.update(len(chunk))
            boot[key] = np.array(draws)
    perm = np.array(perm)
    b1 = boot["1"] - boot["1"].mean(axis=0) + p1  # centred on the estimates (bias correction)
    b2 = boot["2"] - boot["2"].mean(axis=0) + p2
    p_hens = []
    for i in range(diff.size):
        d = b1[:, i][:, None] - b2[:, i][None, :]
        one_sided = float(np.mean(d <= 0)) if diff[i] > 0 else float(np.mean(d >= 0))
        p_hens.append(min(1.0, 2 * one_sided))
    pairs = np.argwhere(model._P == 1)
    out = pd.DataFrame({"source": [model.lvs_[s] for s in pairs[:, 1]], "target": [model.lvs_[t] for t in pairs[:, 0]],
                        f"estimate_{levels[0]}": p1, f"estimate_{levels[1]}": p2, "difference": diff,
                        "p_permutation": (np.abs(perm) >= np.abs(diff) - 1e-12).mean(axis=0) if len(perm)
                        else np.nan, "p_henseler": p_hens})
    # Holm's step-down adjustment over the paths (the permutation tests are run on every path at once)
    pv = out["p_permutation"].to_numpy(dtype=float)
    order = np.argsort(pv)
    adj = np.maximum.accumulate(np.minimum((len(pv) - np.arange(len(pv))) * pv[order], 1.0))
    out["p_permutation_holm"] = np.empty(len(pv))
    out.loc[order, "p_permutation_holm"] = adj
    out.attrs["failed"] = failed
    out.attrs["groups"] = {levels[0]: int(m1.sum()), levels[1]: int((~m1).sum())}
    return out
