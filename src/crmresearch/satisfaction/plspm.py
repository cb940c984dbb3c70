"""Partial least squares path modelling (PLS-PM) for satisfaction models (ACSI / ECSI).

The standard iterative algorithm of Wold and Lohmöller: outer estimation Mode A (reflective) or
Mode B (formative); inner weighting by the centroid, factorial or path-weighting scheme; scaled
(standardised) or raw (centred) indicators. Numpy throughout, so a fit takes milliseconds.

References
----------
Lohmöller, J.-B. (1989). Latent Variable Path Modeling with Partial Least Squares. Physica.
Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. and Lauro, C. (2005). PLS path modeling.
Computational Statistics & Data Analysis 48(1), 159-205.
Sanchez, G. (2013). PLS Path Modeling with R. Trowchez Editions (the R package plspm).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..core import progress as progress_
from ..core.base import Estimator, parameter_table
from ..errors import ConvergenceError, ValidationError
from ..schemas.validate import RowAccount
from .survey import _dg_rho, _items, cronbach_alpha, listwise, reverse_keyed, warn_reverse_keyed

__all__ = ["PLSPM", "check_structure"]

SCHEMES = ("centroid", "factorial", "path")


def _topological(paths: Mapping[str, Sequence[str]], lvs: list[str]) -> None:
    """Raise if the inner model has a cycle."""
    state: dict[str, int] = {}

    def visit(v: str, trail: list[str]) -> None:
        if state.get(v) == 1:
            cycle = " -> ".join([*trail[trail.index(v):], v])
            raise ValidationError(f"PLSPM: the inner model has a cycle ({cycle}); PLS path models must be recursive")
        if state.get(v) == 2:
            return
        state[v] = 1
        for src in paths.get(v, ()):
            visit(src, [*trail, v])
        state[v] = 2

    for v in lvs:
        visit(v, [])


def check_structure(paths: Mapping[str, Sequence[str]], lvs: Sequence[str], modes: Mapping[str, str] | None,
                    caller: str = "PLSPM") -> None:
    """Raise :class:`ValidationError` unless the inner model is a valid recursive path model over ``lvs``:
    every construct in a path has a block, every construct takes part in a path, no cycle, modes A or B."""
    lvs = list(lvs)
    if not paths:
        raise ValidationError(f"{caller}: the model has no paths; give at least one target: [sources]")
    undefined = sorted({v for t, s in paths.items() for v in [t, *s]} - set(lvs))
    if undefined:
        raise ValidationError(f"{caller}: path(s) use construct(s) {undefined} that have no block of indicators; "
                              f"defined: {lvs}")
    empty = [t for t, s in paths.items() if not list(s)]
    if empty:
        raise ValidationError(f"{caller}: target(s) {empty} have no sources; list at least one source per target")
    in_paths = {v for t, s in paths.items() for v in [t, *s]}
    isolated = [lv for lv in lvs if lv not in in_paths]
    if isolated:
        raise ValidationError(f"{caller}: construct(s) {isolated} take part in no path; a construct must point to "
                              "or be pointed at by another (remove its block or add a path)")
    bad = {k: v for k, v in dict(modes or {}).items() if v not in ("A", "B")}
    if bad:
        raise ValidationError(f"{caller}: modes must be 'A' or 'B'; got {bad}")
    unknown = sorted(set(dict(modes or {})) - set(lvs))
    if unknown:
        raise ValidationError(f"{caller}: modes given for unknown construct(s) {unknown}; constructs: {lvs}")
    _topological(paths, lvs)


class PLSPM(Estimator):
    """PLS path model (the package's estimator protocol: ``summary`` is a property, ``clone`` and
    ``pickle`` work).

    Parameters
    ----------
    paths : mapping target -> list of sources, e.g. ``{"EXPE": ["IMAG"], "SAT": ["IMAG", "EXPE"]}``
    blocks : mapping construct -> list of indicator columns, e.g. ``{"IMAG": ["imag1", "imag2"]}``
    modes : mapping construct -> "A" (reflective) or "B" (formative); default "A" for every block
    scheme : {"centroid", "factorial", "path"}
    scaled : bool
        True: each indicator is standardised (mean 0, population SD 1); False: only centred.
    tol, max_iter : convergence criterion (sum of squared changes of the outer weights) and budget.
    scale : (low, high), optional
        The declared answer scale: answers outside it are an error at ``fit``, and it is the default
        scale of :meth:`ipma` and :meth:`index_scores`.
    missing : {"error", "listwise"}
        Missing answers raise an error with counts per indicator (default), or ``"listwise"`` drops
        incomplete respondents and records the step in ``row_account_``.
    sign_change : {"construct", "individual", "none"}
        Sign-change correction of :meth:`bootstrap` (Tenenhaus et al. 2005, section 2.4): a construct's sign is
        arbitrary, so a resample can reverse one (typically a block with a negatively keyed item) and
        inflate every interval it touches. ``"construct"`` (default, as SmartPLS and cSEM offer it) reverses a
        resample's construct whose loadings are closer to minus the full-sample ones, with its paths;
        ``"individual"`` gives every statistic of a resample the sign of its full-sample estimate; ``"none"``.
    consistent : bool
        Consistent PLS (PLSc, Dijkstra & Henseler 2015): correlations between reflective constructs
        are disattenuated by the reliability rho_A of each block before the path coefficients and R²
        are estimated, so paths estimate the latent-variable model without measurement-error bias.

    Attributes
    ----------
    weights_ : Series, outer weight per indicator
    outer_ : DataFrame per indicator: construct, weight, loading, communality, redundancy
    crossloadings_ : DataFrame indicators x constructs (correlations)
    path_coefs_ : DataFrame, rows = target, columns = source
    params_ : Series of the structural path coefficients, index ``"<source> -> <target>"`` in the order
        of ``paths`` (the same values as ``path_coefs_``)
    summary : DataFrame indexed by ``parameter`` (as ``params_``): estimate (standardised path
        coefficient), source, target, r2_target. PLS has no analytic standard errors: the
        ``std_error``, intervals, ``z`` and ``p_value`` of every path come from :meth:`bootstrap`.
    n_obs_ : int, respondents in the fit (after listwise deletion)
    r2_ : Series per construct (0 for exogenous ones)
    scores_ : DataFrame of latent variable scores (standardised)
    effects_ : DataFrame of direct, indirect and total effects
    reliability_ : DataFrame per construct: mode, items, cronbach_alpha, dillon_goldstein_rho, eig_1st, eig_2nd, ave
    ave_ : Series; gof_ : float; n_iter_ : int
    row_account_ : RowAccount, respondents in and out (listwise deletion)

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, satisfaction
    >>> survey = data.simulate_bank(n_customers=3_000, seed=0).survey
    >>> model = satisfaction.load_model('ECSI').model(survey.columns, scheme='path').fit(survey)
    >>> model.path_coefs_.loc['SAT', 'VAL'].round(2) > 0, round(float(model.r2_['SAT']), 2) > 0.3
    (np.True_, True)
    """

    def __init__(self, paths: Mapping[str, Sequence[str]], blocks: Mapping[str, Sequence[str]],
                 modes: Mapping[str, str] | None = None, scheme: str = "centroid", scaled: bool = True,
                 tol: float = 1e-6, max_iter: int = 300, consistent: bool = False, missing: str = "error",
                 scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
                 sign_change: str = "construct") -> None:
        self.sign_change = sign_change
        self.scale = scale
        self.consistent = consistent
        self.missing = missing
        self.paths = paths
        self.blocks = blocks
        self.modes = modes
        self.scheme = scheme
        self.scaled = scaled
        self.tol = tol
        self.max_iter = max_iter

    # ------------------------------------------------------------------ specification
    def _spec(self) -> tuple[list[str], np.ndarray, list[str], np.ndarray, dict[str, str]]:
        lvs = list(self.blocks)
        if self.scheme not in SCHEMES:
            raise ValidationError(f"PLSPM: scheme must be one of {SCHEMES}; got {self.scheme!r}")
        check_structure(self.paths, lvs, self.modes)
        modes = {lv: "A" for lv in lvs} | dict(self.modes or {})
        empty = [lv for lv in lvs if isinstance(self.blocks[lv], str) or not list(self.blocks[lv])]
        if empty:
            raise ValidationError(f"PLSPM: block(s) {empty} must be non-empty lists of indicator columns")
        # a single-item block (Mode A or B) is its standardised item: weight and loading 1
        P = np.zeros((len(lvs), len(lvs)))
        for t, sources in self.paths.items():
            for s in sources:
                P[lvs.index(t), lvs.index(s)] = 1.0
        mvs = [mv for lv in lvs for mv in self.blocks[lv]]
        if len(set(mvs)) != len(mvs):
            raise ValidationError("PLSPM: an indicator belongs to more than one block")
        odm = np.zeros((len(mvs), len(lvs)))
        k = 0
        for j, lv in enumerate(lvs):
            for _ in self.blocks[lv]:
                odm[k, j] = 1.0
                k += 1
        return lvs, P, mvs, odm, modes

    def _scales(self, scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None
                ) -> dict[str, tuple[float, float] | None]:
        """The answer scale of each block: one (low, high) for all, or a mapping construct -> (low, high)."""
        scale = self.scale if scale is None else scale
        if isinstance(scale, Mapping):
            missing = [lv for lv in self.blocks if lv not in scale]
            if missing:
                raise ValidationError(f"PLSPM: scale is given per block but not for {missing}; give every construct "
                                      "its (low, high) scale")
            out = {lv: (float(scale[lv][0]), float(scale[lv][1])) for lv in self.blocks}
        else:
            out = {lv: None if scale is None else (float(scale[0]), float(scale[1])) for lv in self.blocks}
        bad = {lv: v for lv, v in out.items() if v is not None and not v[0] < v[1]}
        if bad:
            raise ValidationError(f"PLSPM: scale must be (low, high) with low < high; got {bad}")
        return out

    def _data(self, df: pd.DataFrame, mvs: list[str], P: np.ndarray) -> np.ndarray:
        # absent, non-numeric, missing or out-of-scale answers: a clear error
        X = _items(df, mvs, "PLSPM.fit")
        for lv, sc in self._scales().items():
            if sc is not None:
                _items(df, list(self.blocks[lv]), f"PLSPM.fit (block {lv})", sc)
        largest_b = max([len(self.blocks[lv]) for lv in self.blocks if (self.modes or {}).get(lv) == "B"] or [0])
        need = max(10, int(P.sum(axis=1).max()) + 2, largest_b + 2)
        if X.shape[0] < need:
            raise ValidationError(f"PLSPM.fit: {X.shape[0]} respondents; this model needs at least {need} (at least "
                                  "10, and more than the largest number of predictors of any regression it runs)")
        sd = X.std(axis=0)
        const = [m for m, s in zip(mvs, sd, strict=True) if s == 0]
        if const:
            raise ValidationError(f"PLSPM.fit: indicator(s) {const} are constant; they carry no information")
        X = X - X.mean(axis=0)
        return X / sd if self.scaled else X

    # ------------------------------------------------------------------ estimation
    def fit(self, df: pd.DataFrame) -> PLSPM:
        """Estimate the model on ``df`` (one row per respondent); returns self.

        Parameters
        ----------
        df : DataFrame
            Survey table with every indicator column.

        Returns
        -------
        PLSPM
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Missing or non-numeric indicators, missing answers (with ``missing='error'``), or a constant indicator.
        """
        if not isinstance(df, pd.DataFrame):
            raise ValidationError(f"PLSPM.fit: expected a pandas DataFrame of answers, got {type(df).__name__}")
        lvs, P, mvs, odm, modes = self._spec()
        if self.missing not in ("error", "listwise"):
            raise ValidationError(f"PLSPM: missing must be 'error' or 'listwise'; got {self.missing!r}")
        self.row_account_ = RowAccount("survey", len(df))
        if self.missing == "listwise":
            df = listwise(df, mvs, self.row_account_)
        X = self._data(df, mvs, P)
        is_b = np.array([modes[lv] == "B" for lv in lvs])
        block_cols = [np.flatnonzero(odm[:, j]) for j in range(len(lvs))]
        core = _solve(X, P, odm, is_b, block_cols, self.scheme, self.tol, self.max_iter, self.consistent)
        _refuse_inadmissible(core, lvs, block_cols, X.shape[0], "PLSPM.fit")
        self._store(df, X, core, P, lvs, mvs, odm, modes, block_cols)
        return self

    def _store(self, df, X, core, P, lvs, mvs, odm, modes, block_cols) -> None:
        W, Y, C, B, r2 = core["W"], core["Y"], core["C"], core["B"], core["r2"]
        self.lvs_, self.mvs_ = lvs, mvs
        self.n_obs_ = int(X.shape[0])
        self.n_iter_ = core["n_iter"]
        self.scores_ = pd.DataFrame(Y, index=df.index, columns=lvs)
        self.crossloadings_ = pd.DataFrame(C, index=mvs, columns=lvs)
        weights = (W * odm).sum(axis=1)
        loadings = (C * odm).sum(axis=1)
        self.weights_ = pd.Series(weights, index=mvs, name="weight")
        self.rho_a_ = pd.Series(core["rho_a"], index=lvs, name="rho_a")
        self.path_coefs_ = pd.DataFrame(B, index=lvs, columns=lvs)
        pairs = [(s, t) for t, sources in self.paths.items() for s in sources]
        self._path_pairs = pairs
        self.params_ = pd.Series([self.path_coefs_.loc[t, s] for s, t in pairs],
                                 index=pd.Index([f"{s} -> {t}" for s, t in pairs], name="parameter"), name="estimate")
        self.r2_ = pd.Series(r2, index=lvs, name="r2")
        lv_of = odm @ np.arange(len(lvs))
        comm = loadings**2
        self.outer_ = pd.DataFrame({"construct": [lvs[int(k)] for k in lv_of], "weight": weights, "loading": loadings,
                                    "communality": comm, "redundancy": comm * r2[lv_of.astype(int)]}, index=mvs)
        self.outer_.index.name = "indicator"
        # effects: total = sum of powers of B
        total = _total_effects(B)
        rows = []
        for t in range(len(lvs)):
            for s in range(len(lvs)):
                if total[t, s] != 0:
                    rows.append({"source": lvs[s], "target": lvs[t], "direct": B[t, s],
                                 "indirect": total[t, s] - B[t, s], "total": total[t, s]})
        self.effects_ = pd.DataFrame(rows)
        self.reliability_ = self._reliability(X, lvs, modes, block_cols, comm, loadings, mvs)
        self.ave_ = self.reliability_["ave"]
        multi = [j for j, cols in enumerate(block_cols) if len(cols) > 1]
        sizes = np.array([len(block_cols[j]) for j in multi])
        mean_comm = sum(comm[block_cols[j]].mean() * len(block_cols[j]) for j in multi) / sizes.sum()
        endo = P.sum(axis=1) > 0
        self.gof_ = float(np.sqrt(mean_comm * r2[endo].mean())) if endo.any() else float("nan")
        self._X, self._P, self._odm, self._modes, self._block_cols = X, P, odm, modes, block_cols
        self._raw = df[mvs].to_numpy(dtype=float)

    @staticmethod
    def _reliability(X, lvs, modes, block_cols, comm, loadings, mvs) -> pd.DataFrame:
        """Per block: Cronbach's alpha of the standardised indicators (:func:`cronbach_alpha`, the one alpha of
        the package: ``reliability(..., standardised=True)`` gives the same), Dillon-Goldstein rho, eigenvalues,
        AVE and ``reverse_items``, the indicators loading against the rest of the block (each also named in a
        DataWarning: alpha, rho and HTMT assume one direction of keying)."""
        rows = []
        for j, lv in enumerate(lvs):
            cols = block_cols[j]
            p = len(cols)
            if p == 1:
                rows.append({"construct": lv, "mode": modes[lv], "items": 1, "cronbach_alpha": np.nan,
                             "dillon_goldstein_rho": np.nan, "eig_1st": 1.0, "eig_2nd": np.nan, "ave": np.nan,
                             "reverse_items": ""})
                continue
            R = np.corrcoef(X[:, cols], rowvar=False)
            rho, _, eig1, eig2 = _dg_rho(R)
            reverse = [mvs[c] for c, r in zip(cols, reverse_keyed(R, loadings[cols]), strict=True) if r]
            row = {"construct": lv, "mode": modes[lv], "items": p, "cronbach_alpha": np.nan,
                   "dillon_goldstein_rho": np.nan, "eig_1st": eig1, "eig_2nd": eig2, "ave": np.nan,
                   "reverse_items": ", ".join(reverse)}
            if modes[lv] == "A":
                Z = X[:, cols] / X[:, cols].std(axis=0)
                row["cronbach_alpha"] = cronbach_alpha(Z)  # standardised alpha
                row["dillon_goldstein_rho"] = rho
                row["ave"] = comm[cols].mean()
                if reverse:
                    warn_reverse_keyed("PLSPM.fit", lv, reverse, [loadings[mvs.index(c)] for c in reverse])
            rows.append(row)
        return pd.DataFrame(rows).set_index("construct")

    def bootstrap(self, n: int = 5000, seed: int = 0, n_jobs: int = 1, alpha: float = 0.05,
                  progress: bool | Callable[[int, int], Any] | None = None) -> pd.DataFrame:
        """Bootstrap the model: percentile intervals, standard errors and t values of outer weights,
        loadings, path coefficients and total effects, with the model's ``sign_change`` correction.

        Resample indices come from one seeded generator in this process, so results do not depend
        on ``n_jobs``. Resamples go through the estimation core in batches (vectorised over resamples,
        the same numbers as one fit per resample); indicators are re-centred / re-standardised in every
        resample. A construct's sign is arbitrary in PLS: with a negatively keyed indicator a resample
        can come out reversed, which the correction undoes before the intervals are taken (see ``sign_change``).

        Returns
        -------
        DataFrame: ``kind`` (weight, loading, path, total_effect), ``name``, ``source`` and ``target``
        (indicator -> construct for weights and loadings), ``estimate`` (full sample), ``boot_mean``,
        ``std_error``, ``z`` (estimate / bootstrap SE, the "t value" of SmartPLS), ``p_value`` (two-sided,
        normal reference), ``ci_lower``, ``ci_upper`` (percentile), ``resamples`` (converged resamples),
        ``sign_change`` (the correction used). ``attrs["sign_changes"]`` counts the resamples it changed.
        Failed resamples (a constant indicator, no convergence, or with ``consistent`` one PLSc cannot correct) are
        counted in
        ``attrs["failed_resamples"]`` and reported by a :class:`~crmresearch.errors.DataWarning`, never
        dropped silently.

        Parameters
        ----------
        n : int, default 5000
            Bootstrap resamples.
        seed : int, default 0
            Random seed of the resample indices.
        n_jobs : int, default 1
            Worker processes, each taking a share of the resamples (results do not depend on it; the batched
            core makes one process the fastest choice up to tens of thousands of respondents).
        alpha : float, default 0.05
            Significance level of the percentile intervals.
        progress : bool or callable or None, optional
            A progress bar of the resamples (:mod:`crmresearch.core.progress`); None: shown in an interactive
            JupyterLab run, silent in batch runs; a callable gets ``(done, total)``. Results do not depend on it.

        References
        ----------
        Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. and Lauro, C. (2005), section 2.4 (sign changes).
        """
        self._check("bootstrap")
        if n < 10:
            raise ValidationError("PLSPM.bootstrap: n must be >= 10 resamples")
        if self.sign_change not in SIGN_CHANGES:
            raise ValidationError(f"PLSPM: sign_change must be one of {SIGN_CHANGES}; got {self.sign_change!r}")
        names, kinds, est = self._stat_labels()
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, self.n_obs_, size=(n, self.n_obs_))
        spec = (self._raw, self._P, self._odm, np.array([self._modes[lv] == "B" for lv in self.lvs_]),
                self._block_cols, self.scheme, self.scaled, self.tol, self.max_iter, self.consistent,
                self._total_pattern)
        show = progress_.enabled(progress)
        # with a progress bar, smaller chunks report as they finish (the same resamples in the same order)
        chunks = np.array_split(idx, max(1, n_jobs) * (max(1, min(20, n // 100)) if show else 1))
        parts = []
        with progress_.tracker(n, "PLS bootstrap", "resamples", progress) as bar:
            if n_jobs > 1:
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(max_workers=n_jobs) as pool:  # platform default (fork on Linux)
                    for chunk, part in zip(chunks, pool.map(_boot_chunk, [(spec, c) for c in chunks]), strict=True):
                        parts.append(part)
                        bar.update(len(chunk))
            else:
                for chunk in chunks:
                    parts.append(_boot_chunk((spec, chunk)))
                    bar.update(len(chunk))
        draws = np.concatenate([p[0] for p in parts], axis=0)  # (n, n_stats)
        failed = {k: sum(p[1][k] for p in parts) for k in ("constant", "not converged", "inadmissible")}
        if sum(failed.values()):
            import warnings

            from ..errors import DataWarning

            warnings.warn(f"PLSPM.bootstrap: {sum(failed.values())} of {n} resamples failed and are left out of the "
                          f"intervals ({failed['constant']} with a constant indicator, {failed['not converged']} not "
                          f"converged in {self.max_iter} iterations, {failed['inadmissible']} that PLSc cannot "
                          "correct: a reliability <= 0 or a corrected correlation beyond +-1); the table's "
                          "'resamples' column counts the rest",
                          DataWarning, stacklevel=2)
        lv_of = (self._odm @ np.arange(len(self.lvs_))).astype(int)
        draws, changed = _sign_correct(draws, est, self.sign_change, lv_of, len(self.lvs_), np.argwhere(self._P == 1),
                                       np.argwhere(self._total_pattern))
        lo, hi = np.nanpercentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
        se = np.nanstd(draws, axis=0, ddof=1)
        z = est / np.where(se > 0, se, np.nan)
        construct = dict(zip(self.mvs_, self.outer_["construct"], strict=True))
        source = [n.split(" -> ")[0] if " -> " in n else n for n in names]
        target = [n.split(" -> ")[1] if " -> " in n else construct[n] for n in names]
        out = pd.DataFrame({"kind": kinds, "name": names, "source": source, "target": target, "estimate": est,
                            "boot_mean": np.nanmean(draws, axis=0), "std_error": se,
                            "z": z, "p_value": 2 * special.ndtr(-np.abs(z)), "ci_lower": lo, "ci_upper": hi,
                            "resamples": int(np.isfinite(draws[:, 0]).sum()), "sign_change": self.sign_change})
        out.attrs["failed_resamples"] = failed
        out.attrs["sign_changes"] = changed
        return out

    def _stat_labels(self) -> tuple[list[str], list[str], np.ndarray]:
        names, kinds, est = [], [], []
        for mv in self.mvs_:
            names.append(mv)
            kinds.append("weight")
            est.append(self.weights_[mv])
        for mv in self.mvs_:
            names.append(mv)
            kinds.append("loading")
            est.append(self.outer_.loc[mv, "loading"])
        src_t = np.argwhere(self._P == 1)
        for t, s_ in src_t:
            names.append(f"{self.lvs_[s_]} -> {self.lvs_[t]}")
            kinds.append("path")
            est.append(self.path_coefs_.iat[t, s_])
        total = _total_effects(self.path_coefs_.to_numpy())
        for t, s_ in np.argwhere(total != 0):
            names.append(f"{self.lvs_[s_]} -> {self.lvs_[t]}")
            kinds.append("total_effect")
            est.append(total[t, s_])
        self._total_pattern = total != 0
        return names, kinds, np.array(est, dtype=float)

    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratio of correlations (Henseler, Ringle & Sarstedt 2015) between every
        pair of multi-item constructs: mean between-block item correlation over the geometric mean of
        the mean within-block correlations. Values above 0.85-0.90 signal weak discriminant validity.

        The correlations are taken in absolute value (as cSEM does by default), so a negatively keyed item
        (see ``reliability_['reverse_items']``) does not cancel its block's monotrait correlations; a block
        whose items are uncorrelated (mean monotrait correlation 0) gets NaN."""
        self._check("htmt")
        R = np.abs(np.corrcoef(self._X, rowvar=False))
        lvs = self.lvs_
        out = pd.DataFrame(np.nan, index=lvs, columns=lvs)
        mono = {}
        for j, cols in enumerate(self._block_cols):
            if len(cols) > 1:
                sub = R[np.ix_(cols, cols)]
                mono[j] = sub[np.triu_indices(len(cols), 1)].mean()
        for i in mono:
            for j in mono:
                if i < j and mono[i] > 0 and mono[j] > 0:
                    ht = R[np.ix_(self._block_cols[i], self._block_cols[j])].mean()
                    out.iat[i, j] = out.iat[j, i] = ht / np.sqrt(mono[i] * mono[j])
        return out

    def fornell_larcker(self) -> pd.DataFrame:
        """Construct correlations with the square root of each construct's AVE on the diagonal
        (Fornell & Larcker 1981): discriminant validity holds when the diagonal exceeds its row and column."""
        self._check("fornell_larcker")
        out = self.scores_.corr()
        for lv in self.lvs_:
            out.loc[lv, lv] = np.sqrt(self.ave_[lv]) if np.isfinite(self.ave_[lv]) else np.nan
        return out

    def ipma(self, target: str, scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None
             ) -> pd.DataFrame:
        """Importance-performance map for ``target`` (Ringle & Sarstedt 2016).

        Performance: mean construct score on 0-100 (:meth:`index_scores`: indicators rescaled to 0-100 over
        their block's scale, unstandardised outer weights normalised to sum 1 per block). Importance: the
        total effect of each construct on the target in those 0-100 units (standardised total effect x SD ratio).

        Parameters
        ----------
        target : str
            Target construct.
        scale : tuple (float, float), mapping of construct to (float, float), or None, optional
            Answer scale (low, high), for all blocks or per block; None: the model's scale.

        Returns
        -------
        DataFrame
            One row per construct with an effect on ``target``: ``construct``, ``importance`` (total effect per
            0-100 point), ``importance_standardised`` and ``performance`` (0-100); ``attrs['target_performance']``
            and ``attrs['reversed_items']`` (see :meth:`index_scores`).
        """
        self._check("ipma")
        if target not in self.lvs_:
            raise ValidationError(f"PLSPM.ipma: unknown construct {target!r}; constructs: {self.lvs_}")
        index = self.index_scores(scale)
        scores = index.to_numpy()
        total = _total_effects(self.path_coefs_.to_numpy())
        t = self.lvs_.index(target)
        rows = []
        for s_, lv in enumerate(self.lvs_):
            if total[t, s_] != 0:
                rows.append({"construct": lv, "importance": total[t, s_] * scores[:, t].std() / scores[:, s_].std(),
                             "importance_standardised": total[t, s_], "performance": scores[:, s_].mean()})
        out = pd.DataFrame(rows)
        out.attrs["target_performance"] = float(scores[:, t].mean())
        out.attrs["reversed_items"] = index.attrs["reversed_items"]
        return out

    def index_scores(self, scale: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None
                     ) -> pd.DataFrame:
        """Latent scores on the 0-100 scale of satisfaction indices (Fornell et al. 1996): each indicator
        rescaled to 0-100 over its block's answer scale, (x - low) / (high - low) x 100, and combined with the
        unstandardised outer weights normalised to sum 1 per block, so every index lies in 0..100. One row per
        respondent, one column per construct. ``scale`` defaults to the model's declared ``scale`` (one for all
        blocks or one per block), else (1, 10).

        An indicator with a negative outer weight (a negatively keyed item) is reversed, low + high - x,
        and enters with the absolute weight: the index then runs in the construct's direction and stays in
        0..100, where normalising signed weights could leave it (e.g. at -4). The reversed items are listed in
        ``attrs['reversed_items']`` (construct -> items) and named in a DataWarning.

        Parameters
        ----------
        scale : tuple (float, float), mapping of construct to (float, float), or None, optional
            Answer scale (low, high), for all blocks or per block; None: the model's scale, else (1, 10).
        """
        self._check("index_scores")
        if scale is None and self.scale is None:
            scale = (1.0, 10.0)
        scales = self._scales(scale)
        raw = self._raw
        sd = raw.std(axis=0)
        weights = self.weights_.to_numpy()
        scores = np.zeros((raw.shape[0], len(self.lvs_)))
        reversed_items: dict[str, list[str]] = {}
        for j, (lv, cols) in enumerate(zip(self.lvs_, self._block_cols, strict=True)):
            lo, hi = scales[lv]
            names = [self.mvs_[c] for c in cols]
            _items(pd.DataFrame(raw[:, cols], columns=names), names, f"PLSPM.index_scores (block {lv})", (lo, hi))
            w = weights[cols] / (sd[cols] if self.scaled else 1.0)
            x = raw[:, cols].copy()
            negative = w < 0
            if negative.any():
                reversed_items[lv] = [n for n, neg in zip(names, negative, strict=True) if neg]
                x[:, negative] = lo + hi - x[:, negative]
                w = np.abs(w)
            scores[:, j] = (x - lo) / (hi - lo) * 100 @ (w / w.sum())
        if reversed_items:
            import warnings

            from ..errors import DataWarning

            warnings.warn(f"PLSPM.index_scores: item(s) with a negative outer weight are reversed (low + high - "
                          f"answer) in the 0-100 index: {reversed_items}", DataWarning, stacklevel=2)
        out = pd.DataFrame(scores, index=self.scores_.index, columns=self.lvs_)
        out.attrs["reversed_items"] = reversed_items
        return out

    def _check(self, caller: str) -> None:
        self._check_fitted(caller, "path_coefs_")

    def _summary(self) -> pd.DataFrame:
        """Structural paths by ``"<source> -> <target>"``: estimate (standardised path coefficient), source,
        target, R² of the target. Standard errors need resampling: see :meth:`bootstrap`."""
        pairs = self._path_pairs
        return parameter_table(self.params_, extra={"source": [s for s, _ in pairs], "target": [t for _, t in pairs],
                                                    "r2_target": [self.r2_[t] for _, t in pairs]})


def _moments(X: np.ndarray) -> np.ndarray:
    """Second moments X'X / n of prepared (centred) indicators: their population covariance, the
    correlation matrix when they are standardised; X of shape (n, p) or stacked (r, n, p)."""
    return np.swapaxes(X, -1, -2) @ X / X.shape[-2]


def _inner_batch(RY: np.ndarray, P: np.ndarray, scheme: str, n: int) -> np.ndarray:
    """Inner weights (r, k, k) from construct correlations RY (r, k, k): centroid (signs of the
    correlations of adjacent constructs), factorial (their covariances, n - 1 denominator) or path
    (regression weights on the sources, correlations with the targets). As in R's plspm, the inner
    proxies are built from composites with standard deviation (n - 1) / n (the sample SD divided once
    more by sqrt(n / (n - 1))), which scales the factorial weights and the convergence criterion."""
    adj = P + P.T
    if scheme == "centroid":
        return np.sign(RY * adj)
    if scheme == "factorial":
        return RY * ((n - 1) / n) * adj  # covariances (n - 1 denominator) of those composites
    E = np.zeros_like(RY)
    for i in range(P.shape[0]):
        follow = np.flatnonzero(P[i] == 1)  # the sources of construct i: regression weights
        if follow.size:
            E[:, follow, i] = np.linalg.solve(RY[:, follow[:, None], follow], RY[:, follow, i][..., None])[..., 0]
        predec = np.flatnonzero(P[:, i] == 1)  # the constructs i points to: correlations
        if predec.size:
            E[:, predec, i] = RY[:, predec, i]
    return E


def _composite_var(W: np.ndarray, SW: np.ndarray) -> np.ndarray:
    """diag(W'SW) per resample: the variance of each composite."""
    return np.einsum("rpk,rpk->rk", W, SW)


def _solve_batch(S: np.ndarray, n: int, P: np.ndarray, odm: np.ndarray, is_b: np.ndarray,
                 block_cols: list[np.ndarray], scheme: str, tol: float, max_iter: int, consistent: bool) -> dict:
    """The PLS-PM estimate for a stack of indicator moment matrices ``S`` (r, p, p), one per data set
    (the sample, or each bootstrap resample), vectorised over the stack.

    Every step of the Wold-Lohmöller algorithm needs the data only through S = X'X / n of the prepared
    indicators: composites XW have covariances W'SW, Mode A weights are X'Z / n = c S W D^-1 E (c = (n-1)/n,
    see :func:`_inner_batch`) and Mode B weights solve S_bb w = (c S W D^-1 E)_b. Each data set stops
    iterating when its own change falls below ``tol`` (as a fit of that data set alone would);
    ``converged`` marks those that did within ``max_iter``.

    Returns arrays stacked over the r data sets: ``W`` outer weights (r, p, k) scaled to unit-variance
    composites and signed so that each construct agrees with most of its indicators (ties: with the sum of
    their loadings), ``C`` indicator-construct correlations (r, p, k), ``B`` paths (r, k, k), ``r2`` (r, k),
    ``rho_a`` (r, k), ``n_iter`` and ``converged`` (r,).
    """
    r, p, _ = S.shape
    k = P.shape[0]
    W = np.broadcast_to(odm, (r, p, k)).copy()
    W /= np.sqrt(_composite_var(W, S @ W))[:, None, :]
    inv_b = {j: np.linalg.inv(S[:, cols[:, None], cols]) for j, cols in enumerate(block_cols) if is_b[j]}
    w_old = W.sum(axis=2)
    delta = np.full(r, np.inf)
    n_iter = np.zeros(r, dtype=int)
    active = np.arange(r)
    for it in range(1, max_iter + 1):
        Sa, Wa = S[active], W[active]
        SW = Sa @ Wa
        d = 1 / np.sqrt(_composite_var(Wa, SW))
        RY = (np.swapaxes(Wa, 1, 2) @ SW) * d[:, :, None] * d[:, None, :]
        G = (SW * (d * ((n - 1) / n))[:, None, :]) @ _inner_batch(RY, P, scheme, n)  # X'Z / n
        Wn = np.zeros_like(Wa)
        for j, cols in enumerate(block_cols):
            Wn[:, cols, j] = (inv_b[j][active] @ G[:, cols, j][..., None])[..., 0] if is_b[j] else G[:, cols, j]
        w_new = Wn.sum(axis=2)
        change = ((np.abs(w_old[active]) - np.abs(w_new)) ** 2).sum(axis=1)
        W[active], w_old[active], delta[active], n_iter[active] = Wn, w_new, change, it
        active = active[change >= tol]
        if not active.size:
            break
    SW = S @ W
    W /= np.sqrt(_composite_var(W, SW))[:, None, :]
    SW = S @ W
    sd = np.sqrt(np.einsum("rpp->rp", S))
    C = SW / sd[:, :, None] / np.sqrt(_composite_var(W, SW))[:, None, :]
    # sign: each construct correlates positively with the majority of its indicators (a tie: with their sum)
    flip = np.zeros((r, k), dtype=bool)
    for j, cols in enumerate(block_cols):
        votes = np.sign(C[:, cols, j]).sum(axis=1)
        flip[:, j] = (votes < 0) | ((votes == 0) & (C[:, cols, j].sum(axis=1) < 0))
    sign = np.where(flip, -1.0, 1.0)
    W *= sign[:, None, :]
    C *= sign[:, None, :]
    SW *= sign[:, None, :]
    RY = np.swapaxes(W, 1, 2) @ SW
    dy = np.sqrt(np.einsum("rkk->rk", RY))
    RY = RY / dy[:, :, None] / dy[:, None, :]
    rho = _rho_a_batch(S, W, block_cols, is_b)
    inadmissible = np.zeros(r, dtype=bool)
    corrected = RY
    if consistent:
        # PLSc divides by sqrt(rho_A): a reliability <= 0 (items that hardly correlate) cannot be corrected, and a
        # corrected correlation beyond +-1 (a reliability far too low for the observed correlation) is no answer
        usable = np.isfinite(rho) & (rho > 0)
        both = usable[:, :, None] & usable[:, None, :]
        RY = RY / np.sqrt(np.where(both, rho[:, :, None] * rho[:, None, :], np.nan))
        RY[:, np.arange(k), np.arange(k)] = 1.0
        inadmissible = ~usable.all(axis=1) | (np.abs(np.nan_to_num(RY)) > 1 + 1e-12).any(axis=(1, 2))
        corrected = RY.copy()
        RY[inadmissible] = np.eye(k)  # no regression on them: their rows are refused or left out, not NaN
    B, r2 = _paths_from_corr(RY, P)  # OLS of standardised scores = regression on their correlations
    B[inadmissible], r2[inadmissible] = np.nan, np.nan
    return {"W": W, "C": C, "B": B, "r2": r2, "rho_a": rho, "n_iter": n_iter, "converged": delta < tol,
            "delta": delta, "inadmissible": inadmissible, "RY": corrected}


def _solve(X: np.ndarray, P: np.ndarray, odm: np.ndarray, is_b: np.ndarray, block_cols: list[np.ndarray],
           scheme: str, tol: float, max_iter: int, consistent: bool) -> dict:
    """The whole PLS-PM estimate on prepared (centred or standardised) indicators ``X`` (n, p): the
    batched core (:func:`_solve_batch`) on this one data set, plus the construct scores ``Y``. Shared by
    ``fit``, the assessment refits and, through the core, every bootstrap resample."""
    core = _solve_batch(_moments(X)[None], X.shape[0], P, odm, is_b, block_cols, scheme, tol, max_iter, consistent)
    if not core["converged"][0]:
        raise ConvergenceError(f"PLSPM.fit did not converge in {max_iter} iterations (change "
                               f"{core['delta'][0]:.2e} > tol {tol:g}); raise max_iter or check the blocks")
    out = {key: core[key][0] for key in ("W", "C", "B", "r2", "rho_a", "RY")}
    out["Y"] = X @ out["W"]
    out["n_iter"] = int(core["n_iter"][0])
    out["inadmissible"] = bool(core["inadmissible"][0])
    return out


def _refuse_inadmissible(core: dict, lvs: list[str], block_cols: list[np.ndarray], n: int, caller: str) -> None:
    """Raise :class:`ValidationError` naming the construct when consistent PLS cannot correct the estimate: a
    reliability rho_A <= 0 (or not defined), or a correlation beyond +-1 once corrected for reliability."""
    if not core["inadmissible"]:
        return
    rho, RY = core["rho_a"], core["RY"]

    def block(j: int) -> str:
        p = len(block_cols[j])
        return f"{p} items" + (f" for {n} respondents" if p >= n else "")

    low = [j for j in range(len(lvs)) if not (np.isfinite(rho[j]) and rho[j] > 0)]
    if low:
        j = low[0]
        raise ValidationError(f"{caller}: consistent=True: construct '{lvs[j]}' has reliability rho_A {rho[j]:.3g} "
                              f"({block(j)}); PLSc divides by its square root and cannot correct a reliability <= 0 "
                              "(its items hardly correlate): review the block, or fit with consistent=False")
    off = np.abs(RY) - np.eye(len(lvs))
    i, j = np.unravel_index(int(np.nanargmax(off)), off.shape)
    weak = i if rho[i] <= rho[j] else j
    raise ValidationError(f"{caller}: consistent=True: corrected for reliability, the correlation of constructs "
                          f"'{lvs[i]}' and '{lvs[j]}' is {RY[i, j]:.3g}, beyond +-1: the reliability of '{lvs[weak]}' "
                          f"(rho_A {rho[weak]:.3g}, {block(weak)}) is below what PLSc can correct; review the block, "
                          "or fit with consistent=False")


def _rho_a_batch(S: np.ndarray, W: np.ndarray, block_cols: list[np.ndarray], is_b: np.ndarray) -> np.ndarray:
    """Dijkstra-Henseler rho_A per block (1 for Mode B and single-item blocks), stacked (r, k)."""
    out = np.ones((S.shape[0], len(block_cols)))
    for j, cols in enumerate(block_cols):
        if is_b[j] or len(cols) < 2:
            continue
        Sc = S[:, cols[:, None], cols]
        sd = np.sqrt(np.einsum("rpp->rp", Sc))
        R = Sc / sd[:, :, None] / sd[:, None, :]
        w = W[:, cols, j] * sd  # weights on standardised indicators
        w = w / np.sqrt(np.einsum("rp,rpq,rq->r", w, R, w))[:, None]  # composite of unit variance
        w2 = (w * w).sum(axis=1)
        num = np.einsum("rp,rpq,rq->r", w, R, w) - (w * w * np.einsum("rpp->rp", R)).sum(axis=1)
        den = w2**2 - (w**4).sum(axis=1)
        out[:, j] = w2**2 * num / den
    return out


def _paths_from_corr(R: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised path coefficients and R² of each endogenous construct from construct correlation
    matrices R (r, k, k): the regression of each target on its sources."""
    B = np.zeros_like(R)
    r2 = np.zeros(R.shape[:2])
    for i in range(P.shape[0]):
        src = np.flatnonzero(P[i] == 1)
        if src.size:
            b = np.linalg.solve(R[:, src[:, None], src], R[:, src, i][..., None])[..., 0]
            B[:, i, src] = b
            r2[:, i] = (b * R[:, src, i]).sum(axis=1)
    return B, r2


def _total_effects(B: np.ndarray) -> np.ndarray:
    """Total effects: the sum of the powers of the path matrix B (k, k), or of a stack (r, k, k)."""
    total = np.zeros_like(B)
    power = B.copy()
    for _ in range(B.shape[-1]):
        total += power
        power = power @ B
    return total


def prepare_indicators(raw: np.ndarray, scaled: bool) -> np.ndarray | None:
    """Indicators centred (and, if ``scaled``, divided by their population SD) for one estimation;
    None when an indicator is constant (a resample that cannot be estimated)."""
    if (np.ptp(raw, axis=0) == 0).any():
        return None
    X = raw - raw.mean(axis=0)
    return X / raw.std(axis=0) if scaled else X


def _resample_moments(raw: np.ndarray, scaled: bool) -> tuple[np.ndarray, np.ndarray]:
    """Moments S of the prepared indicators of a stack of resamples ``raw`` (r, n, p), as
    ``_moments(prepare_indicators(...))`` of each (the covariance, divided by the SDs when ``scaled``),
    and a mask of the resamples with a constant indicator."""
    X = raw - raw.mean(axis=1, keepdims=True)
    S = _moments(X)
    if scaled:
        sd = np.sqrt(np.einsum("rpp->rp", S))
        S = S / sd[:, :, None] / sd[:, None, :]
    return S, (np.ptp(raw, axis=1) == 0).any(axis=1)


#: Bootstrap resamples are gathered in chunks of about this many answers (memory ~ 8 bytes each).
_CHUNK_ANSWERS = 2_000_000


def _boot_chunk(args) -> tuple[np.ndarray, dict[str, int]]:
    """Estimate the model on every resample of a chunk through the batched core; one row of statistics
    per resample (weights, loadings, paths, total effects; NaN if a resample fails to converge or has a
    constant indicator) and the count of each kind of failure."""
    (raw, P, odm, is_b, block_cols, scheme, scaled, tol, max_iter, consistent, total_pattern), idx = args
    n, p = raw.shape
    pairs = np.argwhere(P == 1)
    width = 2 * p + len(pairs) + int(total_pattern.sum())
    out = np.full((len(idx), width), np.nan)
    failed = {"constant": 0, "not converged": 0, "inadmissible": 0}
    step = max(1, _CHUNK_ANSWERS // (n * p))
    for start in range(0, len(idx), step):
        rows = np.arange(start, min(start + step, len(idx)))
        S, constant = _resample_moments(raw[idx[rows]], scaled)
        usable = ~constant
        failed["constant"] += int(constant.sum())
        if not usable.any():
            continue
        core = _solve_batch(S[usable], n, P, odm, is_b, block_cols, scheme, tol, max_iter, consistent)
        ok = core["converged"] & ~core["inadmissible"]
        failed["not converged"] += int((~core["converged"]).sum())
        failed["inadmissible"] += int((core["converged"] & core["inadmissible"]).sum())
        W, C, B = core["W"][ok], core["C"][ok], core["B"][ok]
        total = _total_effects(B)
        out[rows[usable][ok]] = np.concatenate([(W * odm).sum(axis=2), (C * odm).sum(axis=2),
                                                B[:, pairs[:, 0], pairs[:, 1]], total[:, total_pattern]], axis=1)
    return out, failed


SIGN_CHANGES = ("construct", "individual", "none")


def _sign_correct(draws: np.ndarray, est: np.ndarray, how: str, lv_of: np.ndarray, n_lv: int,
                  pairs: np.ndarray, total_pairs: np.ndarray) -> tuple[np.ndarray, int]:
    """Align the signs of bootstrap draws (resamples x statistics laid out as weights, loadings, paths,
    total effects) with the full-sample estimates ``est``; returns the draws and the number of resamples
    changed.

    ``"construct"`` (Tenenhaus et al. 2005, construct-level changes): a resample's construct is reversed
    when its loadings l are closer to minus the original ones l0 than to l0 itself, ||l - l0|| > ||l + l0||,
    that is when l . l0 < 0; its weights and loadings change sign, and so do the paths and total effects
    that start or end at it (the regression of a reversed standardised score). Distances rather than the
    sums |sum(l - l0)| > |sum(l + l0)| of the original formulation (and of cSEM): a block whose loadings
    sum to about zero, one of two items negatively keyed, could not be told apart by the sums.
    ``"individual"``: each statistic takes the sign of its original estimate.
    ``"none"``: the draws as estimated.
    """
    p = lv_of.size
    out = draws.copy()
    if how == "none":
        return out, 0
    if how == "individual":
        wrong = (np.sign(out) != np.sign(est)) & (est != 0) & np.isfinite(out)
        out[wrong] *= -1
        return out, int(wrong.any(axis=1).sum())
    l0, lb = est[p:2 * p], out[:, p:2 * p]
    d = np.ones((len(out), n_lv))
    for j in range(n_lv):
        cols = lv_of == j
        d[lb[:, cols] @ l0[cols] < 0, j] = -1.0
    factor = np.concatenate([d[:, lv_of], d[:, lv_of], d[:, pairs[:, 0]] * d[:, pairs[:, 1]],
                             d[:, total_pairs[:, 0]] * d[:, total_pairs[:, 1]]], axis=1)
    return out * factor, int((d < 0).any(axis=1).sum())
