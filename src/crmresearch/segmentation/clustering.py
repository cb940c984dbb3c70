"""Data-driven segments: k-means or Gaussian mixtures with model selection and bootstrap
stability; segment profiles with small-cell suppression; migration between periods."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._extras import require
from ..core.base import Estimator
from ..errors import ValidationError

__all__ = ["SegmentClustering", "cluster", "migration", "profile", "segment_change"]


class SegmentClustering(Estimator):
    """Cluster customers, choosing the number of segments from a range of ``k``.

    Features are standardised (z-scores) before clustering. k-means chooses the ``k`` with the
    highest silhouette (computed on at most ``silhouette_sample`` customers); a Gaussian
    mixture (full covariance) chooses the lowest BIC. Stability is the mean adjusted Rand index
    between the chosen model's labels and those of models refitted on ``n_bootstrap`` bootstrap
    resamples (each predicting every customer); 1 = identical partitions.

    Parameters
    ----------
    k : iterable of int, default range(2, 9)
    method : {"kmeans", "gmm"}
    seed : int
    n_init : int
        Restarts per fit (k-means; a Gaussian mixture uses max(1, n_init // 3), each restart being costlier).
    n_bootstrap : int
        Resamples for the stability score (0 = skip).
    silhouette_sample : int

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_customers,), 0..k_-1 ordered by segment size (largest first)
    k_ : int
    selection_ : DataFrame, one row per k: ``k``, ``silhouette``, ``inertia`` or ``bic``, ``chosen``
    stability_ : float
    centres_ : DataFrame, segment centres in the original feature units
    model_ : the fitted scikit-learn estimator
    n_obs_ : int, customers in the fit
    summary : the model-selection table ``selection_`` (one row per k). A partition is not a
        parameter vector with standard errors, so there is no ``params_``; the segments are described
        by ``centres_`` and ``labels_``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import segmentation
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (50, 2)), rng.normal(6, 1, (50, 2))], columns=['x', 'y'])
    >>> m = segmentation.SegmentClustering(k=range(2, 4), n_bootstrap=2).fit(X)
    >>> m.k_, np.bincount(m.labels_).tolist()
    (2, [50, 50])
    """

    def __init__(self, k: Iterable[int] = range(2, 9), method: str = "kmeans", seed: int = 0,
                 n_init: int = 10, n_bootstrap: int = 20, silhouette_sample: int = 5000) -> None:
        self.k = k
        self.method = method
        self.seed = seed
        self.n_init = n_init
        self.n_bootstrap = n_bootstrap
        self.silhouette_sample = silhouette_sample

    def _model(self, k: int, seed: int) -> Any:
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            return KMeans(n_clusters=k, n_init=self.n_init, random_state=seed)
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(n_components=k, n_init=max(1, self.n_init // 3), random_state=seed)

    def fit(self, features: pd.DataFrame) -> SegmentClustering:
        """Standardise the features, fit every k and keep the one with the highest silhouette.

        Parameters
        ----------
        features : DataFrame
            Numeric features, one row per customer.

        Returns
        -------
        SegmentClustering
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Missing or non-numeric features, or fewer customers than the largest k.
        """
        require("sklearn", by="segmentation.SegmentClustering")
        from sklearn.metrics import adjusted_rand_score, silhouette_score

        if self.method not in ("kmeans", "gmm"):
            raise ValidationError(f"cluster: method must be 'kmeans' or 'gmm'; got {self.method!r}")
        ks = sorted(set(int(k) for k in self.k))
        if not ks or ks[0] < 2:
            raise ValidationError(f"cluster: every k must be >= 2; got {ks}")
        X = features.to_numpy(dtype=float) if isinstance(features, pd.DataFrame) else np.asarray(features, float)
        names = list(features.columns) if isinstance(features, pd.DataFrame) else [f"x{i}" for i in range(X.shape[1])]
        bad = ~np.isfinite(X).all(axis=1)
        if bad.any():
            raise ValidationError(f"cluster: {int(bad.sum())} of {len(X)} customers have missing or infinite "
                                  "features; impute or drop them explicitly first")
        if len(X) <= ks[-1]:
            raise ValidationError(f"cluster: {len(X)} customers are too few for k up to {ks[-1]}")
        sd = X.std(axis=0)
        if (sd == 0).any():
            const = [n for n, s in zip(names, sd, strict=True) if s == 0]
            raise ValidationError(f"cluster: constant feature(s) {const} cannot separate segments")
        mu = X.mean(axis=0)
        Z = (X - mu) / sd
        rng = np.random.default_rng(self.seed)
        sample = rng.choice(len(Z), size=min(self.silhouette_sample, len(Z)), replace=False)
        rows, models = [], {}
        for k in ks:
            m = self._model(k, self.seed).fit(Z)
            lab = m.predict(Z)
            sil = float(silhouette_score(Z[sample], lab[sample])) if len(set(lab[sample])) > 1 else np.nan
            row = {"k": k, "silhouette": sil}
            if self.method == "kmeans":
                row["inertia"] = float(m.inertia_)
            else:
                row["bic"] = float(m.bic(Z))
            rows.append(row)
            models[k] = m
        sel = pd.DataFrame(rows)
        best = int(sel.loc[sel["silhouette"].idxmax(), "k"]) if self.method == "kmeans" \
            else int(sel.loc[sel["bic"].idxmin(), "k"])
        sel["chosen"] = sel["k"] == best
        model = models[best]
        raw = model.predict(Z)
        # relabel: 0 = largest segment (ties by lowest original label) for stable reading
        counts = np.bincount(raw, minlength=best)
        order = np.lexsort((np.arange(best), -counts))
        relabel = np.empty(best, dtype=int)
        relabel[order] = np.arange(best)
        labels = relabel[raw]
        aris = []
        for b in range(self.n_bootstrap):
            idx = rng.integers(0, len(Z), len(Z))
            mb = self._model(best, self.seed + 1 + b).fit(Z[idx])
            aris.append(adjusted_rand_score(labels, mb.predict(Z)))
        centres_z = np.array([Z[labels == j].mean(axis=0) for j in range(best)])
        self.k_ = best
        self.labels_ = labels
        self.selection_ = sel
        self.stability_ = float(np.mean(aris)) if aris else float("nan")
        self.bootstrap_ari_ = np.array(aris)
        self.centres_ = pd.DataFrame(centres_z * sd + mu, columns=names).rename_axis("segment")
        self.model_ = model
        self.scaling_ = (mu, sd)
        self.feature_names_ = names
        self.n_obs_ = len(X)
        return self

    def predict(self, features: pd.DataFrame) -> pd.Series | np.ndarray:
        """Segment of new customers (same features, original units): the nearest segment centre in
        standardised units. A DataFrame gives a Series on its index (e.g. customer ids).

        Parameters
        ----------
        features : DataFrame
            The features of ``fit``, one row per customer (original units).
        """
        self._check_fitted("predict", "centres_")
        mu, sd = self.scaling_
        X = (np.asarray(features, dtype=float) - mu) / sd
        d = ((X[:, None, :] - ((self.centres_.to_numpy() - mu) / sd)[None]) ** 2).sum(axis=2)
        out = d.argmin(axis=1)
        return pd.Series(out, index=features.index, name="segment") if isinstance(features, pd.DataFrame) else out

    def _summary(self) -> pd.DataFrame:
        """The model-selection table (one row per k)."""
        return self.selection_.copy()


def cluster(features: pd.DataFrame, k: Iterable[int] = range(2, 9), method: str = "kmeans", seed: int = 0,
            **kwargs: Any) -> SegmentClustering:
    """Fit :class:`SegmentClustering` (see there) and return it: ``.labels_``, ``.k_``, ``.selection_``.

    Parameters
    ----------
    features : DataFrame
        One row per customer, numeric features (scaled inside).
    k : iterable of int, default range(2, 9)
        Numbers of segments to try; the silhouette picks one.
    method : str, default 'kmeans'
        ``'kmeans'`` or ``'gmm'``.
    seed : int, default 0
        Random state.
    **kwargs : object
        Other settings of :class:`SegmentClustering`.

    Returns
    -------
    SegmentClustering
        The fitted clustering.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import segmentation
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (60, 2)), rng.normal(8, 1, (60, 2))], columns=["x", "y"])
    >>> segmentation.cluster(X, k=range(2, 5), n_bootstrap=2).k_
    2
    """
    return SegmentClustering(k=k, method=method, seed=seed, **kwargs).fit(features)


def profile(df: pd.DataFrame, segment: str, min_cell: int = 10,
            columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Size and mean of every numeric / boolean column per segment (a share for booleans and
    one share column per category of categorical columns).

    Segments with fewer than ``min_cell`` customers keep their count but every other cell is
    suppressed (NaN) and ``suppressed`` is True, so no small group can be singled out.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    segment : str
        Segment column.
    min_cell : int, default 10
        Smallest segment shown in full.
    columns : iterable of str or None, optional
        Columns to profile; None: every column but ``segment``.

    Returns
    -------
    DataFrame
        One row per segment: ``customers``, ``suppressed`` and a mean or share per column.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> df = pd.DataFrame({'segment': ['a'] * 12 + ['b'] * 3, 'spend': list(range(15))})
    >>> segmentation.profile(df, 'segment', min_cell=10)['segment'].tolist()   # b is too small to publish
    ['a', 'b']
    """
    if segment not in df.columns:
        raise ValidationError(f"profile: missing segment column '{segment}'")
    if min_cell < 1:
        raise ValidationError("profile: min_cell must be >= 1")
    cols = [c for c in (columns or df.columns) if c != segment]
    parts = []
    for c in cols:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
            d = pd.get_dummies(s, prefix=c, dtype=float)
            parts.append(d)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).rename(c))
    wide = pd.concat(parts, axis=1)
    g = wide.groupby(df[segment].to_numpy(), observed=True, sort=True)
    out = g.mean()
    out.insert(0, "customers", g.size())
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    small = out["customers"] < min_cell
    out.loc[small, out.columns[2:]] = np.nan
    out["suppressed"] = small
    out.index.name = segment
    return out.reset_index()


def migration(before: pd.Series, after: pd.Series, normalize: bool = True) -> pd.DataFrame:
    """Transition matrix of segments between two periods (rows: before, columns: after).

    Customers present in one period only are counted in a ``(new)`` row or a ``(gone)``
    column, never dropped. ``normalize`` gives row shares (each row sums to 1); otherwise counts.

    Parameters
    ----------
    before : Series
        Segment per customer in the first period.
    after : Series
        Segment per customer in the second period.
    normalize : bool, default True
        Row shares instead of counts.

    Returns
    -------
    DataFrame
        Rows: segments before (and ``(new)``); columns: segments after (and ``(gone)``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> before = pd.Series(['a', 'a', 'b', 'b'], index=[1, 2, 3, 4])
    >>> after = pd.Series(['a', 'b', 'b', 'b'], index=[1, 2, 3, 4])
    >>> segmentation.migration(before, after).values.tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    b = before.astype(object)
    a = after.astype(object)
    idx = b.index.union(a.index)
    b = b.reindex(idx).fillna("(new)")
    a = a.reindex(idx).fillna("(gone)")
    order_b = [c for c in _categories(before)] + (["(new)"] if (b == "(new)").any() else [])
    order_a = [c for c in _categories(after)] + (["(gone)"] if (a == "(gone)").any() else [])
    tab = pd.crosstab(b, a).reindex(index=order_b, columns=order_a, fill_value=0)
    tab.index.name, tab.columns.name = "before", "after"
    if normalize:
        tab = tab.div(tab.sum(axis=1).replace(0, np.nan), axis=0)
    return tab


def _categories(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    values = list(pd.unique(s.dropna()))
    try:
        return sorted(values)
    except TypeError:  # labels of mixed types (numbers and text): ordered by their text
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def segment_change(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Segment sizes in two periods: ``customers_before``, ``customers_after``, shares,
    ``change`` (count) and ``change_pct`` (% of the before size).

    ``trend`` compares *shares*, so a growing customer book does not make every segment "grow":
    grew / decayed when the share moved by 5 % of itself or more, else stable; ``new`` for a
    segment empty before, ``empty`` for one empty in both periods.

    Parameters
    ----------
    before : Series
        Segment per customer in the first period.
    after : Series
        Segment per customer in the second period.

    Returns
    -------
    DataFrame
        One row per segment, with ``trend``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import segmentation
    >>> before = pd.Series(['a', 'a', 'b'], index=[1, 2, 3]); after = pd.Series(['a', 'b', 'b'], index=[1, 2, 3])
    >>> segmentation.segment_change(before, after).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['a', 2, 1, 0.6666666666666666, 0.3333333333333333, -1, -50.0, 'decayed'],
     ['b', 1, 2, 0.3333333333333333, 0.6666666666666666, 1, 100.0, 'grew']]
    """
    cats = list(dict.fromkeys(_categories(before) + _categories(after)))
    b = before.value_counts().reindex(cats, fill_value=0)
    a = after.value_counts().reindex(cats, fill_value=0)
    out = pd.DataFrame({"segment": [str(c) for c in cats], "customers_before": b.to_numpy(),
                        "customers_after": a.to_numpy()})
    out["share_before"] = out["customers_before"] / out["customers_before"].sum()
    out["share_after"] = out["customers_after"] / out["customers_after"].sum()
    out["change"] = out["customers_after"] - out["customers_before"]
    out["change_pct"] = 100 * out["change"] / out["customers_before"].replace(0, np.nan)
    rel = (out["share_after"] - out["share_before"]) / out["share_before"].replace(0, np.nan)
    trend = np.where(rel > 0.05, "grew", np.where(rel < -0.05, "decayed", "stable"))
    trend = np.where(out["customers_before"] == 0, np.where(out["customers_after"] > 0, "new", "empty"), trend)
    out["trend"] = trend
    return out
