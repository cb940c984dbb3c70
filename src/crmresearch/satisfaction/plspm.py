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
from scipy import stats

from ..core import progress as progress_
from ..core.base import Estimator, parameter_table
from ..errors import ConvergenceError, ValidationError
from ..schemas.validate import RowAccount
from .survey import _dg_rho, _items, listwise

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
                 scale: tuple[float, float] | None = None) -> None:
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

    def _data(self, df: pd.DataFrame, mvs: list[str], P: np.ndarray) -> np.ndarray:
        # absent, non-numeric, missing or out-of-scale answers: a clear error
        X = _items(df, mvs, "PLSPM.fit", self.scale)
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
    @staticmethod
    def _inner(Y: np.ndarray, P: np.ndarray, scheme: str) -> np.ndarray:
        adj = P + P.T
        if scheme == "centroid":
            return np.sign(np.corrcoef(Y, rowvar=False) * adj)
        if scheme == "factorial":
            return np.cov(Y, rowvar=False) * adj
        E = P.copy()
        C = np.corrcoef(Y, rowvar=False)
        for i in range(P.shape[0]):
            follow = P[i] == 1  # the sources of construct i: regression weights
            if follow.any():
                E[follow, i] = np.linalg.lstsq(Y[:, follow], Y[:, i], rcond=None)[0]
            predec = P[:, i] == 1  # the constructs i points to: correlations
            if predec.any():
                E[predec, i] = C[predec, i]
        return E

    @staticmethod
    def _estimate(X: np.ndarray, P: np.ndarray, odm: np.ndarray, is_b: np.ndarray, block_cols: list[np.ndarray],
                  scheme: str, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
        n = X.shape[0]
        corr = np.sqrt(n / (n - 1))
        W = odm * (corr / (X @ odm).std(axis=0, ddof=1))
        w_old = W.sum(axis=1)
        it, delta = 0, np.inf
        while it < max_iter and delta >= tol:
            it += 1
            Y = X @ W
            Y = (Y - Y.mean(axis=0)) / Y.std(axis=0, ddof=1) / corr
            Z = Y @ PLSPM._inner(Y, P, scheme)
            for j, cols in enumerate(block_cols):
                if is_b[j]:
                    W[cols, j] = np.linalg.lstsq(X[:, cols], Z[:, j], rcond=None)[0]
                else:
                    W[cols, j] = X[:, cols].T @ Z[:, j] / n
            w_new = W.sum(axis=1)
            delta = float(((np.abs(w_old) - np.abs(w_new)) ** 2).sum())
            w_old = w_new
        if delta >= tol:
            raise ConvergenceError(f"PLSPM.fit did not converge in {max_iter} iterations (change {delta:.2e} > "
                                   f"tol {tol:g}); raise max_iter or check the blocks")
        W = W / ((X @ W).std(axis=0, ddof=1) / corr)
        return W, it

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
        self.reliability_ = self._reliability(X, lvs, modes, block_cols, comm)
        self.ave_ = self.reliability_["ave"]
        multi = [j for j, cols in enumerate(block_cols) if len(cols) > 1]
        sizes = np.array([len(block_cols[j]) for j in multi])
        mean_comm = sum(comm[block_cols[j]].mean() * len(block_cols[j]) for j in multi) / sizes.sum()
        endo = P.sum(axis=1) > 0
        self.gof_ = float(np.sqrt(mean_comm * r2[endo].mean())) if endo.any() else float("nan")
        self._X, self._P, self._odm, self._modes, self._block_cols = X, P, odm, modes, block_cols
        self._raw = df[mvs].to_numpy(dtype=float)

    @staticmethod
    def _reliability(X, lvs, modes, block_cols, comm) -> pd.DataFrame:
        rows = []
        for j, lv in enumerate(lvs):
            cols = block_cols[j]
            p = len(cols)
            if p == 1:
                rows.append({"construct": lv, "mode": modes[lv], "items": 1, "cronbach_alpha": np.nan,
                             "dillon_goldstein_rho": np.nan, "eig_1st": 1.0, "eig_2nd": np.nan, "ave": np.nan})
                continue
            R = np.corrcoef(X[:, cols], rowvar=False)
            rho, _, eig1, eig2 = _dg_rho(R)
            row = {"construct": lv, "mode": modes[lv], "items": p, "cronbach_alpha": np.nan,
                   "dillon_goldstein_rho": np.nan, "eig_1st": eig1, "eig_2nd": eig2, "ave": np.nan}
            if modes[lv] == "A":
                row["cronbach_alpha"] = max(0.0, p / (p - 1) * (1 - p / R.sum()))  # standardised alpha
                row["dillon_goldstein_rho"] = rho
                row["ave"] = comm[cols].mean()
            rows.append(row)
        return pd.DataFrame(rows).set_index("construct")

    def bootstrap(self, n: int = 5000, seed: int = 0, n_jobs: int = 2, alpha: float = 0.05,
                  progress: bool | Callable[[int, int], Any] | None = None) -> pd.DataFrame:
        """Bootstrap the model: percentile intervals, standard errors and t values of outer weights,
        loadings, path coefficients and total effects.

        Resample indices come from one seeded generator in this process, so results do not depend
        on ``n_jobs``; resamples are split over ``n_jobs`` worker processes and each refit uses plain
        numpy (no pandas per resample). Indicators are re-centred / re-standardised in every resample.

        Returns
        -------
        DataFrame: ``kind`` (weight, loading, path, total_effect), ``name``, ``source`` and ``target``
        (indicator -> construct for weights and loadings), ``estimate`` (full sample), ``boot_mean``,
        ``std_error``, ``z`` (estimate / bootstrap SE, the "t value" of SmartPLS), ``p_value`` (two-sided,
        normal reference), ``ci_lower``, ``ci_upper`` (percentile), ``resamples`` (converged resamples).
        Failed resamples (a constant indicator, or no convergence) are counted in
        ``attrs["failed_resamples"]`` and reported by a :class:`~crmresearch.errors.DataWarning`, never
        dropped silently.

        Parameters
        ----------
        n : int, default 5000
            Bootstrap resamples.
        seed : int, default 0
            Random seed of the resample indices.
        n_jobs : int, default 2
            Worker processes (results do not depend on it).
        alpha : float, default 0.05
            Significance level of the percentile intervals.
        progress : bool or callable or None, optional
            A progress bar of the resamples (:mod:`crmresearch.core.progress`); None: shown in an interactive
            JupyterLab run, silent in batch runs; a callable gets ``(done, total)``. Results do not depend on it.
        """
        self._check("bootstrap")
        if n < 10:
            raise ValidationError("PLSPM.bootstrap: n must be >= 10 resamples")
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, self.n_obs_, size=(n, self.n_obs_))
        spec = (self._raw, self._P, self._odm, np.array([self._modes[lv] == "B" for lv in self.lvs_]),
                self._block_cols, self.scheme, self.scaled, self.tol, self.max_iter, self.consistent)
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
        failed = {k: sum(p[1][k] for p in parts) for k in ("constant", "not converged")}
        if sum(failed.values()):
            import warnings

            from ..errors import DataWarning

            warnings.warn(f"PLSPM.bootstrap: {sum(failed.values())} of {n} resamples failed and are left out of the "
                          f"intervals ({failed['constant']} with a constant indicator, {failed['not converged']} not "
                          f"converged in {self.max_iter} iterations); the table's 'resamples' column counts the rest",
                          DataWarning, stacklevel=2)
        names, kinds, est = self._stat_labels()
        lo, hi = np.nanpercentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
        se = np.nanstd(draws, axis=0, ddof=1)
        z = est / np.where(se > 0, se, np.nan)
        construct = dict(zip(self.mvs_, self.outer_["construct"], strict=True))
        source = [n.split(" -> ")[0] if " -> " in n else n for n in names]
        target = [n.split(" -> ")[1] if " -> " in n else construct[n] for n in names]
        out = pd.DataFrame({"kind": kinds, "name": names, "source": source, "target": target, "estimate": est,
                            "boot_mean": np.nanmean(draws, axis=0), "std_error": se,
                            "z": z, "p_value": 2 * stats.norm.sf(np.abs(z)), "ci_lower": lo, "ci_upper": hi,
                            "resamples": int(np.isfinite(draws[:, 0]).sum())})
        out.attrs["failed_resamples"] = failed
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
        the mean within-block correlations. Values above 0.85-0.90 signal weak discriminant validity."""
        self._check("htmt")
        R = np.corrcoef(self._X, rowvar=False)
        lvs = self.lvs_
        out = pd.DataFrame(np.nan, index=lvs, columns=lvs)
        mono = {}
        for j, cols in enumerate(self._block_cols):
            if len(cols) > 1:
                sub = R[np.ix_(cols, cols)]
                mono[j] = sub[np.triu_indices(len(cols), 1)].mean()
        for i in mono:
            for j in mono:
                if i < j:
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

    def ipma(self, target: str, scale: tuple[float, float] | None = None) -> pd.DataFrame:
        """Importance-performance map for ``target`` (Ringle & Sarstedt 2016).

        Performance: mean construct score on 0-100, from indicators rescaled to 0-100 over ``scale`` and
        unstandardised outer weights normalised to sum 1 per block. Importance: the total effect of
        each construct on the target in those 0-100 units (standardised total effect x SD ratio).

        Parameters
        ----------
        target : str
            Target construct.
        scale : tuple (float, float) or None, optional
            Answer scale (low, high); None: the model's scale.

        Returns
        -------
        DataFrame
            One row per construct with an effect on ``target``: ``construct``, ``importance`` (total effect per
            0-100 point), ``importance_standardised`` and ``performance`` (0-100); ``attrs['target_performance']``.
        """
        self._check("ipma")
        if target not in self.lvs_:
            raise ValidationError(f"PLSPM.ipma: unknown construct {target!r}; constructs: {self.lvs_}")
        scores = self.index_scores(scale).to_numpy()
        total = _total_effects(self.path_coefs_.to_numpy())
        t = self.lvs_.index(target)
        rows = []
        for s_, lv in enumerate(self.lvs_):
            if total[t, s_] != 0:
                rows.append({"construct": lv, "importance": total[t, s_] * scores[:, t].std() / scores[:, s_].std(),
                             "importance_standardised": total[t, s_], "performance": scores[:, s_].mean()})
        out = pd.DataFrame(rows)
        out.attrs["target_performance"] = float(scores[:, t].mean())
        return out

    def index_scores(self, scale: tuple[float, float] | None = None) -> pd.DataFrame:
        """Latent scores on the 0-100 scale of satisfaction indices (Fornell et al. 1996): indicators
        rescaled to 0-100 over the answer ``scale`` and combined with the unstandardised outer weights,
        normalised to sum 1 per block. One row per respondent, one column per construct. ``scale``
        defaults to the model's declared ``scale``, else (1, 10).

        Parameters
        ----------
        scale : tuple (float, float) or None, optional
            Answer scale (low, high); None: the model's scale, else (1, 10).
        """
        self._check("index_scores")
        scale = scale if scale is not None else (self.scale or (1.0, 10.0))
        lo, hi = scale
        raw = self._raw
        if not lo < hi:
            raise ValidationError(f"PLSPM.index_scores: scale must be (low, high) with low < high; got {scale}")
        _items(pd.DataFrame(raw, columns=self.mvs_), self.mvs_, "PLSPM.index_scores", (lo, hi))
        resc = (raw - lo) / (hi - lo) * 100
        sd = raw.std(axis=0)
        scores = np.zeros((raw.shape[0], len(self.lvs_)))
        for j, cols in enumerate(self._block_cols):
            w = self.weights_.to_numpy()[cols] / (sd[cols] if self.scaled else 1.0)
            scores[:, j] = resc[:, cols] @ (w / w.sum())
        return pd.DataFrame(scores, index=self.scores_.index, columns=self.lvs_)

    def _check(self, caller: str) -> None:
        self._check_fitted(caller, "path_coefs_")

    def _summary(self) -> pd.DataFrame:
        """Structural paths by ``"<source> -> <target>"``: estimate (standardised path coefficient), source,
        target, R² of the target. Standard errors need resampling: see :meth:`bootstrap`."""
        pairs = self._path_pairs
        return parameter_table(self.params_, extra={"source": [s for s, _ in pairs], "target": [t for _, t in pairs],
                                                    "r2_target": [self.r2_[t] for _, t in pairs]})


def _solve(X: np.ndarray, P: np.ndarray, odm: np.ndarray, is_b: np.ndarray, block_cols: list[np.ndarray],
           scheme: str, tol: float, max_iter: int, consistent: bool) -> dict:
    """The whole PLS-PM estimate on prepared (centred or standardised) indicators, shared by
    ``fit`` and every bootstrap resample: outer weights, sign fix, scores, cross-loadings, inner
    paths by OLS (or by disattenuated correlations with PLSc), R² and rho_A."""
    W, it = PLSPM._estimate(X, P, odm, is_b, block_cols, scheme, tol, max_iter)
    Y = X @ W
    # sign: each construct correlates positively with the majority of its indicators
    C = np.corrcoef(np.column_stack([X, Y]), rowvar=False)[: X.shape[1], X.shape[1]:]
    for j, cols in enumerate(block_cols):
        if np.sign(np.sign(C[cols, j]).sum()) < 0:
            W[:, j] *= -1
            Y[:, j] *= -1
            C[:, j] *= -1
    n, k = Y.shape
    rho = _rho_a(X, W, block_cols, is_b)
    if consistent:
        R = np.corrcoef(Y, rowvar=False) / np.sqrt(np.outer(rho, rho))
        np.fill_diagonal(R, 1.0)
        B, r2 = _paths_from_corr(R, P)
    else:  # inner model: OLS with intercept of each endogenous construct on its sources
        B, r2 = np.zeros_like(P), np.zeros(k)
        for i in range(k):
            src = P[i] == 1
            if src.any():
                A = np.column_stack([np.ones(n), Y[:, src]])
                coef = np.linalg.lstsq(A, Y[:, i], rcond=None)[0]
                B[i, src] = coef[1:]
                resid = Y[:, i] - A @ coef
                r2[i] = 1 - resid.var() / Y[:, i].var()
    return {"W": W, "Y": Y, "C": C, "B": B, "r2": r2, "rho_a": rho, "n_iter": it}


def _rho_a(X: np.ndarray, W: np.ndarray, block_cols: list[np.ndarray], is_b: np.ndarray) -> np.ndarray:
    """Dijkstra-Henseler rho_A per block (1 for Mode B and single-item blocks)."""
    out = np.ones(len(block_cols))
    for j, cols in enumerate(block_cols):
        if is_b[j] or len(cols) < 2:
            continue
        S = np.corrcoef(X[:, cols], rowvar=False)
        w = W[cols, j] * X[:, cols].std(axis=0)  # weights on standardised indicators
        w = w / np.sqrt(w @ S @ w)  # composite of unit variance
        ww = np.outer(w, w)
        num = w @ (S - np.diag(np.diag(S))) @ w
        den = w @ (ww - np.diag(np.diag(ww))) @ w
        out[j] = float((w @ w) ** 2 * num / den)
    return out


def _paths_from_corr(R: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised path coefficients and R² of each endogenous construct from a construct correlation matrix."""
    B = np.zeros_like(P)
    r2 = np.zeros(P.shape[0])
    for i in range(P.shape[0]):
        src = P[i] == 1
        if src.any():
            b = np.linalg.solve(R[np.ix_(src, src)], R[src, i])
            B[i, src] = b
            r2[i] = float(b @ R[src, i])
    return B, r2


def _total_effects(B: np.ndarray) -> np.ndarray:
    total = np.zeros_like(B)
    power = B.copy()
    for _ in range(B.shape[0]):
        total += power
        power = power @ B
    return total


def prepare_indicators(raw: np.ndarray, scaled: bool) -> np.ndarray | None:
    """Indicators centred (and, if ``scaled``, divided by their population SD) for one estimation;
    None when an indicator is constant (a resample that cannot be estimated)."""
    sd = raw.std(axis=0)
    if (sd == 0).any():
        return None
    X = raw - raw.mean(axis=0)
    return X / sd if scaled else X


def _boot_chunk(args) -> np.ndarray:
    """Refit the model on each resample of a chunk; one row of statistics per resample (NaN if a
    resample fails to converge or has a constant indicator)."""
    (raw, P, odm, is_b, block_cols, scheme, scaled, tol, max_iter, consistent), idx = args
    pairs = np.argwhere(P == 1)
    n_mv = raw.shape[1]
    rows = []
    total_pattern = None
    for r in idx:
        X = prepare_indicators(raw[r], scaled)
        if X is None:
            rows.append("constant")
            continue
        try:
            core = _solve(X, P, odm, is_b, block_cols, scheme, tol, max_iter, consistent)
        except ConvergenceError:
            rows.append("not converged")
            continue
        W, C, B = core["W"], core["C"], core["B"]
        total = _total_effects(B)
        if total_pattern is None:
            total_pattern = total != 0
        rows.append(np.concatenate([(W * odm).sum(axis=1), (C * odm).sum(axis=1), B[pairs[:, 0], pairs[:, 1]],
                                    total[total_pattern]]))
    width = next((len(x) for x in rows if not isinstance(x, str)), 2 * n_mv + len(pairs))
    failed = {"constant": sum(isinstance(x, str) and x == "constant" for x in rows),
              "not converged": sum(isinstance(x, str) and x == "not converged" for x in rows)}
    return np.array([np.full(width, np.nan) if isinstance(x, str) else x for x in rows]), failed
