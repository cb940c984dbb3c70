"""Brand choice: the conditional logit with Guadagni & Little's brand loyalty.

A choice table has one row per purchase occasion (``household``, ``occasion``, ``choice``: the brand
bought) and, per alternative j and variable v, a column ``{v}_{j}`` (``price_dannon``, ``feature_dannon``).
The conditional (multinomial) logit of McFadden (1974) gives alternative j at occasion n the utility
``V_nj = asc_j + sum_v beta_v x_nvj`` and the probability ``exp(V_nj) / sum_k exp(V_nk)``; the first
alternative's constant is 0.

Guadagni & Little's (1983) loyalty of household h to brand j is exponentially smoothed past choice,

    loyalty_hj(t) = a loyalty_hj(t - 1) + (1 - a) 1{h bought j at t - 1}

with smoothing constant ``a`` in (0, 1); at a household's first occasion it is ``a`` for the brand bought
then and (1 - a) / (J - 1) for the others (their initialisation), so the first occasion only starts the
series and is left out of the fit. :class:`LoyaltyLogit` chooses ``a`` by maximum likelihood (a profile
over ``a`` of the conditional logit).

References
----------
Guadagni, P. M. and Little, J. D. C. (1983). A logit model of brand choice calibrated on scanner data.
Marketing Science 2(3), 203-238.
McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior. In Zarembka (ed.),
Frontiers in Econometrics, 105-142.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.base import Estimator, parameter_table
from ..core.mle import invert, minimise
from ..errors import ValidationError
from ..schemas.checks import check_columns

__all__ = ["ChoiceSet", "ConditionalLogit", "LoyaltyLogit", "brand_loyalty", "choice_set", "price_elasticities"]


def _first(values: Any, n: int = 5) -> str:
    items = list(values)
    return ", ".join(repr(v) for v in items[:n]) + (", ..." if len(items) > n else "")


def _alternatives(choices: pd.DataFrame, choice: str, alternatives: Sequence[str] | None) -> list[str]:
    return sorted(pd.unique(choices[choice].dropna()).tolist()) if alternatives is None else list(alternatives)


@dataclass(frozen=True)
class ChoiceSet:
    """A choice table as arrays: attributes occasions x alternatives x variables and the chosen index.

    Attributes
    ----------
    X : ndarray, shape (n, J, K)
        Variables of each alternative (constants first, then ``variables``).
    y : ndarray, shape (n,)
        Position of the chosen alternative.
    household : ndarray, shape (n,)
        Household of each occasion.
    alternatives : list of str
        The J alternatives.
    names : list of str
        The K parameter names (``asc:<alt>`` then the variables).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> t = pd.DataFrame({"household": [1, 1], "choice": ["a", "b"], "price_a": [1.0, 2.0], "price_b": [2.0, 1.0]})
    >>> choice.choice_set(t, ["price"]).names
    ['asc:b', 'price']
    """

    X: np.ndarray
    y: np.ndarray
    household: np.ndarray
    alternatives: list[str]
    names: list[str]


def choice_set(choices: pd.DataFrame, variables: Sequence[str], alternatives: Sequence[str] | None = None,
               constants: bool = True, household: str = "household", choice: str = "choice",
               caller: str = "choice_set") -> ChoiceSet:
    """Arrays of a wide choice table for the logit models (columns ``{variable}_{alternative}``).

    Parameters
    ----------
    choices : DataFrame
        One row per occasion: ``household``, ``choice`` and ``{v}_{j}`` for every variable v and alternative j.
    variables : sequence of str
        Variables with a generic coefficient (``'price'``, ``'feature'``, ``'loyalty'``).
    alternatives : sequence of str or None, optional
        The alternatives, the first the reference of the constants; None: the brands chosen, sorted.
    constants : bool, default True
        Alternative-specific constants (J - 1 of them).
    household, choice : str
        Column names.
    caller : str, default 'choice_set'
        Name in messages.

    Returns
    -------
    ChoiceSet
        The arrays.

    Raises
    ------
    ValidationError
        For missing columns (named), a chosen brand that is not an alternative, or attributes that are
        missing or not numbers (column and row count named).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> t = pd.DataFrame({"household": [1, 2], "choice": ["a", "b"], "price_a": [1.0, 2.0], "price_b": [2.0, 1.0]})
    >>> choice.choice_set(t, ["price"]).X.shape
    (2, 2, 2)
    """
    check_columns(choices, [household, choice], caller)
    alts = _alternatives(choices, choice, alternatives)
    if len(alts) < 2:
        raise ValidationError(f"{caller}: column '{choice}' holds {len(alts)} alternative; a choice needs at least 2")
    needed = [f"{v}_{a}" for v in variables for a in alts]
    check_columns(choices, needed, caller)
    position = {a: i for i, a in enumerate(alts)}
    y = choices[choice].map(position)
    if y.isna().any():
        bad = choices.loc[y.isna(), choice]
        raise ValidationError(f"{caller}: column '{choice}': {len(bad)} of {len(choices)} rows choose no listed "
                              f"alternative (first: {_first(bad.unique())}); alternatives are {_first(alts, 10)}")
    blocks = []
    names = []
    n, J = len(choices), len(alts)
    if constants:
        eye = np.eye(J)[:, 1:]
        blocks.append(np.broadcast_to(eye, (n, J, J - 1)))
        names += [f"asc:{a}" for a in alts[1:]]
    for v in variables:
        cols = [f"{v}_{a}" for a in alts]
        vals = choices[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(vals)
        if bad.any():
            col = cols[int(np.flatnonzero(bad.any(axis=0))[0])]
            raise ValidationError(f"{caller}: column '{col}': {int(bad.any(axis=1).sum())} of {n} rows have "
                                  f"attributes that are missing or not numbers; fill or drop them first")
        blocks.append(vals[:, :, None])
        names.append(v)
    X = np.concatenate(blocks, axis=2) if blocks else np.zeros((n, J, 0))
    return ChoiceSet(np.ascontiguousarray(X), y.to_numpy(dtype=int), choices[household].to_numpy(), alts, names)


def _logsumexp(a: np.ndarray, axis: int | None = None) -> Any:
    """``scipy.special.logsumexp(a, axis)`` of a real array, step for step as SciPy computes it (the largest
    element per slice taken out of the sum: log1p(sum exp(a - max) / m) + log(m) + max, m = how many
    elements equal the max), the same doubles without its array-API dispatch, which costs more than the
    sums on the small arrays of the choice models' likelihoods (called thousands of times per fit).

    Parameters
    ----------
    a : ndarray
        Real values (e.g. utilities), any shape.
    axis : int or None, default None
        Axis summed over; None: all elements.

    Returns
    -------
    ndarray or float
        log(sum(exp(a))) over ``axis`` (a NumPy scalar when every axis is summed).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.choice.logit import _logsumexp
    >>> float(_logsumexp(np.log([1.0, 2.0, 3.0])))
    1.791759469228055
    """
    a = np.atleast_1d(np.asarray(a, dtype=np.result_type(a, 1.0)))
    axis = tuple(range(a.ndim)) if axis is None else axis
    if a.size == 0:
        out = np.squeeze(np.full(np.sum(a, axis=axis, keepdims=True).shape, -np.inf), axis=axis)
        return out[()] if out.ndim == 0 else out
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        direct = np.log(np.sum(np.exp(a), axis=axis, keepdims=True))  # where the result is not finite
        a_max = np.max(a, axis=axis, keepdims=True)
        top = a == a_max
        rest = a.copy()
        rest[top] = -np.inf
        m = np.sum(top.astype(a.dtype), axis=axis, keepdims=True, dtype=a.dtype)
        s = np.sum(np.exp(rest - a_max), axis=axis, keepdims=True, dtype=a.dtype)
        s = np.where(s == 0, s, s / m)
        sign = np.sign(s + 1) * np.sign(m)
        s = np.where(s < -1, -s - 2, s)
        out = np.log1p(s) + np.log(np.abs(m)) + a_max
    out[sign < 0] = np.nan
    out = np.squeeze(np.where(np.isfinite(out), out, direct), axis=axis)
    return out[()] if out.ndim == 0 else out


def _loglik(beta: np.ndarray, X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
            ) -> tuple[float, np.ndarray, np.ndarray]:
    """Per-occasion log-likelihoods, the weighted total's gradient, and the probabilities."""
    V = X @ beta
    lse = _logsumexp(V, axis=1)
    P = np.exp(V - lse[:, None])
    ll = V[np.arange(len(y)), y] - lse
    resid = X[np.arange(len(y)), y] - np.einsum("nj,njk->nk", P, X)
    g = resid.sum(axis=0) if w is None else w @ resid
    return ll, g, P


def _information(beta: np.ndarray, X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Observed information of the (weighted) conditional logit: sum_n w_n sum_j P_nj (x_nj - xbar_n)(...)'."""
    V = X @ beta
    P = np.exp(V - _logsumexp(V, axis=1)[:, None])
    D = X - np.einsum("nj,njk->nk", P, X)[:, None, :]
    Pw = P if w is None else P * w[:, None]
    return np.einsum("nj,njk,njl->kl", Pw, D, D)


def _fit_logit(X: np.ndarray, y: np.ndarray, w: np.ndarray | None, x0: np.ndarray, caller: str) -> np.ndarray:
    """Newton's method with step halving (the log-likelihood is concave); L-BFGS where it stalls."""
    def total(b: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g, _ = _loglik(b, X, y, w)
        return float(ll.sum() if w is None else w @ ll), g

    beta = np.asarray(x0, dtype=float).copy()
    f, g = total(beta)
    for _ in range(100):
        try:
            step = np.linalg.solve(_information(beta, X, w), g)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-10:
            f_new, g_new = total(beta + t * step)
            if f_new >= f - 1e-12 * max(1.0, abs(f)):
                break
            t /= 2
        else:
            break
        beta, f, g = beta + t * step, f_new, g_new
        if np.max(np.abs(t * step)) < 1e-11:
            return beta
    if np.max(np.abs(g)) < 1e-6 * max(1.0, abs(f)) ** 0.5:
        return beta
    return minimise(lambda b: tuple(-v for v in total(b)), beta, caller=caller, gtol=1e-9).x  # type: ignore[arg-type,return-value]


def brand_loyalty(choices: pd.DataFrame, smoothing: float = 0.8, alternatives: Sequence[str] | None = None,
                  household: str = "household", occasion: str | None = "occasion",
                  choice: str = "choice") -> pd.DataFrame:
    """Guadagni & Little's loyalty of each household to each brand, before each occasion.

    Parameters
    ----------
    choices : DataFrame
        One row per occasion with ``household``, ``choice`` and (optional) ``occasion``.
    smoothing : float, default 0.8
        The smoothing constant ``a`` in (0, 1): weight of the loyalty so far (G & L estimated 0.875 for
        coffee).
    alternatives : sequence of str or None, optional
        The brands; None: the brands chosen, sorted.
    household, occasion, choice : str
        Column names; ``occasion`` None (or absent): the rows are in purchase order within a household.

    Returns
    -------
    DataFrame
        ``choices`` sorted by household and occasion with ``loyalty_{brand}`` columns (each row sums to 1)
        and ``first_occasion`` (bool: the occasion that only starts the series).

    Raises
    ------
    ValidationError
        For a smoothing constant outside (0, 1) or missing columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> t = pd.DataFrame({"household": [1, 1, 1], "occasion": [1, 2, 3], "choice": ["a", "b", "b"]})
    >>> choice.brand_loyalty(t, smoothing=0.5)[["loyalty_a", "loyalty_b"]].to_numpy().tolist()
    [[0.5, 0.5], [0.75, 0.25], [0.375, 0.625]]
    """
    caller = "brand_loyalty"
    if not 0 < smoothing < 1:
        raise ValidationError(f"{caller}: smoothing must lie in (0, 1); got {smoothing!r}")
    check_columns(choices, [household, choice], caller)
    alts = _alternatives(choices, choice, alternatives)
    order = [household] + ([occasion] if occasion and occasion in choices else [])
    df = choices.sort_values(order, kind="stable").reset_index(drop=True)
    J = len(alts)
    chosen = np.zeros((len(df), J))
    pos = df[choice].map({a: i for i, a in enumerate(alts)})
    if pos.isna().any():
        raise ValidationError(f"{caller}: column '{choice}': {int(pos.isna().sum())} of {len(df)} rows choose no "
                              f"listed brand")
    chosen[np.arange(len(df)), pos.to_numpy(dtype=int)] = 1.0
    hh = df[household].to_numpy()
    first = np.r_[True, hh[1:] != hh[:-1]]
    L = np.empty_like(chosen)
    a = float(smoothing)
    for n in range(len(df)):
        if first[n]:
            L[n] = np.where(chosen[n] > 0, a, (1 - a) / (J - 1))
        else:
            L[n] = a * L[n - 1] + (1 - a) * chosen[n - 1]
    out = df.copy()
    for j, alt in enumerate(alts):
        out[f"loyalty_{alt}"] = L[:, j]
    out["first_occasion"] = first
    return out


class ConditionalLogit(Estimator):
    """McFadden's conditional logit of brand choice (alternative-specific constants, generic coefficients).

    Parameters
    ----------
    variables : sequence of str, default ('price',)
        Variables with one coefficient across alternatives, read from columns ``{variable}_{alternative}``.
    alternatives : sequence of str or None, optional
        The alternatives (the first is the reference of the constants); None: the brands chosen, sorted.
    constants : bool, default True
        Alternative-specific constants.
    household, choice : str
        Column names of the choice table.
    alpha : float, default 0.05
        Significance level of the intervals.

    Attributes
    ----------
    params_ : Series of coefficients, index ``parameter`` (``asc:<alt>``, then the variables)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper, z, p_value
    cov_ : DataFrame, covariance from the observed information
    log_likelihood_ : float; aic_, bic_ : float (BIC with the occasions as sample size)
    n_obs_ : int, occasions; alternatives_ : list of str
    probabilities_ : DataFrame, fitted choice probabilities per occasion and alternative

    References
    ----------
    McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> t = pd.DataFrame({"household": range(6), "choice": ["a", "a", "b", "a", "b", "b"],
    ...                   "price_a": [1.0, 1.0, 2.0, 1.5, 1.0, 2.0], "price_b": [2.0, 1.0, 1.0, 2.0, 1.5, 1.0]})
    >>> m = choice.ConditionalLogit().fit(t)
    >>> round(float(m.params_["price"]), 3) < 0
    True
    """

    def __init__(self, variables: Sequence[str] = ("price",), alternatives: Sequence[str] | None = None,
                 constants: bool = True, household: str = "household", choice: str = "choice",
                 alpha: float = 0.05) -> None:
        self.variables = variables
        self.alternatives = alternatives
        self.constants = constants
        self.household = household
        self.choice = choice
        self.alpha = alpha

    def _set(self, choices: pd.DataFrame, caller: str) -> ChoiceSet:
        return choice_set(choices, list(self.variables), self.alternatives, self.constants, self.household,
                          self.choice, caller)

    def fit(self, choices: pd.DataFrame) -> ConditionalLogit:
        """Fit by maximum likelihood.

        Parameters
        ----------
        choices : DataFrame
            The wide choice table (see :func:`choice_set`).

        Returns
        -------
        ConditionalLogit
            ``self``, fitted.

        Raises
        ------
        ValidationError
            For the table errors of :func:`choice_set`.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import choice
        >>> t = pd.DataFrame({"household": [1, 2, 3], "choice": ["a", "b", "a"], "price_a": [1.0, 2.0, 1.0],
        ...                   "price_b": [2.0, 1.0, 1.0]})
        >>> choice.ConditionalLogit(constants=False).fit(t).n_obs_
        3
        """
        cs = self._set(choices, "ConditionalLogit.fit")
        beta = _fit_logit(cs.X, cs.y, None, np.zeros(len(cs.names)), "ConditionalLogit.fit")
        H = _information(beta, cs.X)
        ll, _, P = _loglik(beta, cs.X, cs.y)
        self.params_ = pd.Series(beta, index=pd.Index(cs.names, name="parameter"), name="estimate")
        self.cov_ = pd.DataFrame(invert(H), index=self.params_.index, columns=self.params_.index)
        self.log_likelihood_ = float(ll.sum())
        self.n_obs_ = len(cs.y)
        self.aic_ = float(-2 * self.log_likelihood_ + 2 * len(beta))
        self.bic_ = float(-2 * self.log_likelihood_ + len(beta) * np.log(self.n_obs_))
        self.alternatives_ = cs.alternatives
        self.probabilities_ = pd.DataFrame(P, columns=pd.Index(cs.alternatives, name="alternative"))
        return self

    def _summary(self) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(self.cov_.to_numpy()), 0, None))
        return parameter_table(self.params_, std_error=se, alpha=self.alpha)

    def predict_proba(self, choices: pd.DataFrame) -> pd.DataFrame:
        """Choice probabilities of each alternative at each occasion of ``choices``.

        Parameters
        ----------
        choices : DataFrame
            A choice table with the fitted variables.

        Returns
        -------
        DataFrame
            Occasions x alternatives, rows summing to 1.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import choice
        >>> t = pd.DataFrame({"household": [1, 2], "choice": ["a", "b"], "price_a": [1.0, 2.0],
        ...                   "price_b": [2.0, 1.0]})
        >>> m = choice.ConditionalLogit(constants=False).fit(t)
        >>> m.predict_proba(t).sum(axis=1).round(6).tolist()
        [1.0, 1.0]
        """
        self._check_fitted("predict_proba")
        cs = choice_set(choices, list(self.variables), self.alternatives_, self.constants, self.household,
                        self.choice, "ConditionalLogit.predict_proba")
        _, _, P = _loglik(self.params_.to_numpy(), cs.X, cs.y)
        return pd.DataFrame(P, index=choices.index, columns=pd.Index(cs.alternatives, name="alternative"))


class LoyaltyLogit(Estimator):
    """Guadagni & Little's brand-choice logit: the conditional logit with smoothed brand loyalty.

    The smoothing constant is estimated by maximising the profile log-likelihood over ``a`` in
    ``bounds`` (bounded scalar search; each step a :class:`ConditionalLogit` fit), unless ``smoothing``
    fixes it. Each household's first occasion only starts its loyalty series and is not fitted.

    Parameters
    ----------
    variables : sequence of str, default ('price',)
        Marketing variables besides ``loyalty``.
    smoothing : float or None, default None
        Fixed smoothing constant; None: estimated.
    bounds : tuple of float, default (0.05, 0.99)
        Range searched for the smoothing constant.
    alternatives : sequence of str or None, optional
        The brands; None: the brands chosen, sorted.
    household, occasion, choice : str
        Column names (``occasion``: order of purchases within a household).
    alpha : float, default 0.05
        Significance level of the intervals.

    Attributes
    ----------
    params_ : Series: the logit's coefficients and ``smoothing``, index ``parameter``
    summary : DataFrame per parameter (the smoothing constant without a standard error)
    smoothing_ : float; logit_ : ConditionalLogit, the fit at the chosen constant
    log_likelihood_ : float; aic_, bic_ : float (the smoothing constant counted when estimated)
    n_obs_ : int (occasions fitted); row_account_ : dict

    References
    ----------
    Guadagni, P. M. and Little, J. D. C. (1983). A logit model of brand choice calibrated on scanner data.
    Marketing Science 2(3), 203-238.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> t = pd.DataFrame({"household": [1] * 4 + [2] * 4, "occasion": [1, 2, 3, 4] * 2,
    ...                   "choice": ["a", "a", "b", "a", "b", "b", "a", "b"],
    ...                   "price_a": [1.0, 1.2, 1.4, 1.0, 1.1, 1.3, 0.9, 1.0],
    ...                   "price_b": [1.2, 1.0, 1.0, 1.3, 1.0, 1.0, 1.4, 1.1]})
    >>> m = choice.LoyaltyLogit(smoothing=0.5).fit(t)
    >>> list(m.params_.index), m.n_obs_
    (['asc:b', 'price', 'loyalty', 'smoothing'], 6)
    """

    def __init__(self, variables: Sequence[str] = ("price",), smoothing: float | None = None,
                 bounds: tuple[float, float] = (0.05, 0.99), alternatives: Sequence[str] | None = None,
                 household: str = "household", occasion: str = "occasion", choice: str = "choice",
                 alpha: float = 0.05) -> None:
        self.variables = variables
        self.smoothing = smoothing
        self.bounds = bounds
        self.alternatives = alternatives
        self.household = household
        self.occasion = occasion
        self.choice = choice
        self.alpha = alpha

    def _at(self, choices: pd.DataFrame, a: float, alts: list[str]) -> ConditionalLogit:
        table = brand_loyalty(choices, a, alts, self.household, self.occasion, self.choice)
        table = table[~table["first_occasion"]]
        return ConditionalLogit([*self.variables, "loyalty"], alts, True, self.household, self.choice,
                                self.alpha).fit(table)

    def fit(self, choices: pd.DataFrame) -> LoyaltyLogit:
        """Estimate the smoothing constant (unless fixed) and the logit.

        Parameters
        ----------
        choices : DataFrame
            The wide choice table with ``household``, ``occasion``, ``choice`` and the variables' columns.

        Returns
        -------
        LoyaltyLogit
            ``self``, fitted.

        Examples
        --------
        >>> import pandas as pd
        >>> from crmresearch import choice
        >>> t = pd.DataFrame({"household": [1, 1, 1, 2, 2, 2], "occasion": [1, 2, 3] * 2,
        ...                   "choice": ["a", "a", "b", "b", "a", "b"], "price_a": [1.0, 1.2, 1.4, 1.1, 0.9, 1.2],
        ...                   "price_b": [1.2, 1.0, 1.0, 1.0, 1.3, 1.0]})
        >>> choice.LoyaltyLogit(smoothing=0.6).fit(t).smoothing_
        0.6
        """
        alts = _alternatives(choices, self.choice, self.alternatives)
        if self.smoothing is None:
            lo, hi = self.bounds
            res = optimize.minimize_scalar(lambda a: -self._at(choices, a, alts).log_likelihood_, bounds=(lo, hi),
                                           method="bounded", options={"xatol": 1e-4})
            a = float(res.x)
        else:
            a = float(self.smoothing)
        logit = self._at(choices, a, alts)
        self.smoothing_ = a
        self.logit_ = logit
        self.params_ = pd.concat([logit.params_, pd.Series({"smoothing": a})]).rename("estimate")
        self.params_.index.name = "parameter"
        self.log_likelihood_ = logit.log_likelihood_
        self.n_obs_ = logit.n_obs_
        k = len(logit.params_) + (self.smoothing is None)
        self.aic_ = float(-2 * self.log_likelihood_ + 2 * k)
        self.bic_ = float(-2 * self.log_likelihood_ + k * np.log(self.n_obs_))
        households = choices[self.household].nunique()
        self.row_account_ = {"occasions_in": len(choices), "first_occasions_not_fitted": int(households),
                             "occasions_fitted": logit.n_obs_}
        return self

    def _summary(self) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(self.logit_.cov_.to_numpy()), 0, None))
        return parameter_table(self.params_, std_error=np.r_[se, np.nan], alpha=self.alpha)


def price_elasticities(probabilities: pd.DataFrame, prices: pd.DataFrame, price_coefficient: float,
                       weights: np.ndarray | None = None) -> pd.Series:
    """Own-price elasticity of each alternative's choice probability in a logit, averaged over occasions.

    ``e_j = beta_price x p_nj x (1 - P_nj)`` at each occasion n (the logit's point elasticity: the % change
    in the probability of j for a 1 % change in its price), averaged with ``weights``.

    Parameters
    ----------
    probabilities : DataFrame
        Occasions x alternatives: choice probabilities.
    prices : DataFrame
        Occasions x alternatives (same order): prices (any currency unit).
    price_coefficient : float
        The logit's price coefficient (per currency unit).
    weights : ndarray or None, optional
        Weight of each occasion (e.g. a class's posterior share); None: equal.

    Returns
    -------
    Series
        Elasticity per alternative (unitless).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> P = pd.DataFrame({"a": [0.5], "b": [0.5]})
    >>> choice.price_elasticities(P, pd.DataFrame({"a": [2.0], "b": [4.0]}), -1.0).tolist()
    [-1.0, -2.0]
    """
    P = probabilities.to_numpy(dtype=float)
    p = prices.to_numpy(dtype=float)
    e = price_coefficient * p * (1 - P)
    w = np.ones(len(P)) if weights is None else np.asarray(weights, dtype=float)
    return pd.Series(w @ e / w.sum(), index=probabilities.columns, name="elasticity")
