"""The product ladder: a latent-trait (two-parameter logistic item-response) model of product ownership
(Kamakura, Ramaswami & Srivastava 1991).

Customer i has a latent "financial maturity" theta_i ~ N(0, 1); product j is owned with probability

    P(y_ij = 1 | theta_i) = 1 / (1 + exp(-a_j (theta_i - b_j))),

where b_j, the product's *difficulty*, is its rung on the ladder (the maturity at which half of the customers
own it) and a_j, its *discrimination*, says how sharply ownership rises with maturity (a product whose a_j is
near 0 or below it is not on the ladder: its ownership does not rise with the others'). The fit is by marginal
maximum likelihood in slope-intercept form (eta = a_j theta + c_j, b_j = -c_j / a_j): theta is integrated out
with Gauss-Hermite quadrature (identical ownership patterns are pooled), the analytic gradient goes to
:func:`crmresearch.core.mle.minimise`, standard errors come from the observed information (the gradient
differentiated by central differences) and the delta method. The trait's sign is set so that the
discriminations sum to a positive number. ``discrimination=
'common'`` holds one a for every product: the Rasch model with a N(0, a^2) trait. A customer's position is
the posterior mean of theta given the products owned (EAP); the *next rung* is the product not yet owned
with the highest posterior-predictive probability of ownership.

References
----------
Kamakura, W. A., Ramaswami, S. N. and Srivastava, R. K. (1991). Applying latent trait analysis in the
evaluation of prospects for cross-selling of financial services. International Journal of Research in
Marketing 8(4), 329-349.
Bock, R. D. and Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters: application of
an EM algorithm. Psychometrika 46(4), 443-459.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ..core.base import Estimator, parameter_table
from ..core.mle import blas_threads, hessian, invert, minimise
from ..errors import ParameterError, ValidationError
from ..schemas.checks import as_numbers, check_varies

__all__ = ["ProductLadder", "ownership"]


def ownership(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Products owned (1) or not (0) from counts of policies or accounts per customer.

    Parameters
    ----------
    table : DataFrame
        One row per customer.
    columns : sequence of str
        The count (or 0/1) columns, one per product; a count above 0 means owned.

    Returns
    -------
    DataFrame
        ``columns`` as 0/1 integers, the index of ``table``.

    Raises
    ------
    ValidationError
        For a missing column, or counts that are missing, not numbers or negative (column and rows named).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import choice
    >>> choice.ownership(pd.DataFrame({"car": [0, 2], "fire": [1, 0]}), ["car", "fire"]).values.tolist()
    [[0, 1], [1, 0]]
    """
    caller = "ownership"
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValidationError(f"{caller}: the table has no column(s) {missing}")
    out = {}
    for c in columns:
        v = as_numbers(table[c].to_numpy(), f"column '{c}'", caller)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise ValidationError(f"{caller}: column '{c}': {int(bad.sum())} of {len(v)} rows are missing or "
                                  f"negative (first rows: {table.index[bad][:5].tolist()}); a count of products "
                                  "owned is 0, 1, 2, ...")
        out[c] = (v > 0).astype(int)
    return pd.DataFrame(out, index=table.index)


class ProductLadder(Estimator):
    """Latent-trait product ladder (two-parameter logistic) by marginal maximum likelihood.

    Parameters
    ----------
    discrimination : {'free', 'common'}, default 'free'
        One discrimination a_j per product, or one for all (the Rasch model).
    nodes : int, default 41
        Gauss-Hermite quadrature nodes for the N(0, 1) trait.
    max_discrimination : float, default 10.0
        Bound on |a_j|: a product that ownership of the others all but determines would run a_j to infinity
        (a Heywood case); it stops at the bound, and its parameters then have no standard error.
    alpha : float, default 0.05
        Level of the Wald intervals (1 - alpha coverage).
    max_iter : int, default 2000
        Most optimiser iterations.

    Attributes
    ----------
    params_ : Series indexed by ``parameter``: ``difficulty:<product>`` then ``discrimination:<product>`` (or
        one ``discrimination``)
    summary : DataFrame indexed by ``parameter``: estimate, std_error, ci_lower, ci_upper, z, p_value (Wald,
        against 0)
    ladder_ : DataFrame indexed by ``product``: first the products on the ladder (``on_ladder``: the lower
        bound of the discrimination's interval is above 0) from the lowest rung up, then the others (those with
        a discrimination above 0 by difficulty first): rung, difficulty, difficulty_se,
        discrimination, discrimination_se, on_ladder, owned_share
    products_ : list of str; log_likelihood_, aic_, bic_ : float; n_obs_ : int, customers; n_patterns_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import choice
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.normal(size=2000)
    >>> b = np.array([-1.0, 0.0, 1.0, 2.0])
    >>> owned = pd.DataFrame((rng.random((2000, 4)) < 1 / (1 + np.exp(-1.5 * (theta[:, None] - b)))).astype(int),
    ...                      columns=["current", "card", "loan", "fund"])
    >>> m = choice.ProductLadder().fit(owned)
    >>> m.ladder_.index.tolist()
    ['current', 'card', 'loan', 'fund']
    >>> m.next_rung(pd.DataFrame({"current": [1], "card": [0], "loan": [0], "fund": [0]})).tolist()
    ['card']
    """

    def __init__(self, discrimination: str = "free", nodes: int = 41, max_discrimination: float = 10.0,
                 alpha: float = 0.05, max_iter: int = 2000) -> None:
        self.discrimination = discrimination
        self.nodes = nodes
        self.max_discrimination = max_discrimination
        self.alpha = alpha
        self.max_iter = max_iter

    # ------------------------------------------------------------------ likelihood
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        x, w = np.polynomial.hermite_e.hermegauss(int(self.nodes))
        return x, np.log(w / w.sum())

    def _split(self, theta: np.ndarray, J: int) -> tuple[np.ndarray, np.ndarray]:
        """Intercepts c and slopes a (one for all with a common discrimination) from the fit's coordinates."""
        c = theta[:J]
        a = np.full(J, theta[J]) if self.discrimination == "common" else theta[J:]
        return c, a

    def _posterior(self, c: np.ndarray, a: np.ndarray, Y: np.ndarray, M: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-pattern log marginal likelihood, posterior node weights (P x Q) and P(own) at the nodes (Q x J)."""
        x, logw = self._grid()
        eta = x[:, None] * a[None, :] + c[None, :]
        logp, log1mp = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
        ll = (Y * M) @ logp.T + ((1 - Y) * M) @ log1mp.T + logw[None, :]
        lf = special.logsumexp(ll, axis=1)
        return lf, np.exp(ll - lf[:, None]), special.expit(eta)

    def _negloglik(self, theta: np.ndarray, Y: np.ndarray, M: np.ndarray, n: np.ndarray
                   ) -> tuple[float, np.ndarray]:
        """-LL and its gradient in (intercepts, slopes): the fit is in slope-intercept form, eta = a theta + c."""
        J = Y.shape[1]
        c, a = self._split(theta, J)
        lf, h, p = self._posterior(c, a, Y, M)
        x, _ = self._grid()
        nh = h * n[:, None]
        resid = nh.T @ (Y * M) - (nh.T @ M) * p  # d LL / d eta, Q x J
        gc = resid.sum(axis=0)
        ga = (resid * x[:, None]).sum(axis=0)
        grad = np.concatenate([gc, [ga.sum()] if self.discrimination == "common" else ga])
        return -float(n @ lf), -grad

    def _responses(self, owned: pd.DataFrame, caller: str, allow_missing: bool) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(owned, pd.DataFrame):
            raise ValidationError(f"{caller}: pass a DataFrame with one 0/1 column per product")
        if hasattr(self, "products_"):
            absent = [p for p in self.products_ if p not in owned.columns]
            if absent:
                raise ValidationError(f"{caller}: the table has no column(s) {absent} (products of the fit)")
            owned = owned[self.products_]
        Y = np.empty(owned.shape)
        for k, c in enumerate(owned.columns):
            v = as_numbers(owned[c].to_numpy(), f"column '{c}'", caller)
            bad = ~(np.isin(v, (0.0, 1.0)) | (np.isnan(v) if allow_missing else False))
            if bad.any():
                what = "not 0/1 (missing means not observed)" if allow_missing else "missing or not 0/1"
                raise ValidationError(f"{caller}: column '{c}': {int(bad.sum())} of {len(v)} rows are {what} "
                                      f"(first rows: {owned.index[bad][:5].tolist()}); ownership is 0 or 1 — "
                                      "see choice.ownership for counts")
            Y[:, k] = v
        M = np.isfinite(Y).astype(float)
        return np.nan_to_num(Y), M

    # ------------------------------------------------------------------ fit
    def fit(self, owned: pd.DataFrame) -> ProductLadder:
        """Fit the ladder to customers' product ownership.

        Parameters
        ----------
        owned : DataFrame
            One row per customer, one 0/1 column per product (at least two products; each owned by some
            customers and not by all).

        Returns
        -------
        ProductLadder
            ``self``, fitted.

        Raises
        ------
        ParameterError
            For an unknown ``discrimination`` or fewer than 5 nodes.
        ValidationError
            For values other than 0/1, fewer than two products, or a product owned by every customer or by
            none (its rung is at infinity).
        """
        caller = "ProductLadder.fit"
        if self.discrimination not in ("free", "common"):
            raise ParameterError(f"{caller}: discrimination must be 'free' or 'common', not {self.discrimination!r}")
        if int(self.nodes) < 5:
            raise ParameterError(f"{caller}: nodes must be at least 5, not {self.nodes}")
        for attr in ("products_",):
            self.__dict__.pop(attr, None)
        if owned.shape[1] < 2:
            raise ValidationError(f"{caller}: a ladder needs at least two products; got {owned.shape[1]}")
        Y, _ = self._responses(owned, caller, allow_missing=False)
        check_varies(owned, list(owned.columns), caller)
        patterns, counts = np.unique(Y, axis=0, return_counts=True)
        M = np.ones_like(patterns)
        n = counts.astype(float)
        J = Y.shape[1]
        share = Y.mean(axis=0)
        k_a = 1 if self.discrimination == "common" else J
        x0 = np.concatenate([special.logit(share) * 1.2, np.ones(k_a)])
        top = float(self.max_discrimination)
        bounds = [(None, None)] * J + [(0.0 if self.discrimination == "common" else -top, top)] * k_a
        with blas_threads(1):
            opt = minimise(lambda t: self._negloglik(t, patterns, M, n), x0, caller=caller, max_iter=self.max_iter,
                           gtol=1e-6 * np.sqrt(len(Y)), bounds=bounds)
            theta = opt.x.copy()
            if theta[J:].sum() < 0:  # theta and -theta fit alike: orient the trait so that ownership rises with it
                theta[J:] = -theta[J:]
            at_bound = np.abs(theta[J:]) >= top * (1 - 1e-6)
            cov_ca = invert(hessian(lambda t: self._negloglik(t, patterns, M, n)[1], theta,
                                    1e-5 * np.maximum(1.0, np.abs(theta))))
        c, a = self._split(theta, J)
        # delta method to the difficulty b = -c / a: d b / d c = -1 / a, d b / d a = c / a^2
        D = np.zeros((J + k_a, J + k_a))
        D[np.arange(J), np.arange(J)] = -1.0 / a
        D[np.arange(J), J + (np.zeros(J, dtype=int) if k_a == 1 else np.arange(J))] = c / a**2
        D[J:, J:] = np.eye(k_a)
        cov = D @ cov_ca @ D.T
        if at_bound.any():  # a slope held at its bound has no standard error, nor has a rung that uses it
            rows = np.concatenate([at_bound if k_a == J else np.repeat(at_bound, J), at_bound])
            cov[rows, :] = np.nan
            cov[:, rows] = np.nan
        b = -c / a
        products = [str(col) for col in owned.columns]
        names = [f"difficulty:{p}" for p in products]
        names += ["discrimination"] if self.discrimination == "common" else [f"discrimination:{p}" for p in products]
        self.products_ = products
        self._coef = theta
        self.params_ = pd.Series(np.concatenate([b, theta[J:]]), index=pd.Index(names, name="parameter"),
                                 name="estimate")
        self.covariance_ = pd.DataFrame(cov, index=self.params_.index, columns=self.params_.index)
        self.log_likelihood_ = float(-opt.fun)
        self.n_obs_ = len(Y)
        self.n_patterns_ = len(patterns)
        self.aic_ = float(2 * opt.fun + 2 * theta.size)
        self.bic_ = float(2 * opt.fun + theta.size * np.log(len(Y)))
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        se_a = np.full(J, se[J]) if k_a == 1 else se[J:]
        from scipy import stats

        on = np.where(np.isnan(se_a), a > 0, a - stats.norm.ppf(1 - self.alpha / 2) * se_a > 0)
        order = np.lexsort((np.where(a > 0, b, np.inf), ~on))
        self.ladder_ = pd.DataFrame({"rung": np.arange(1, J + 1), "difficulty": b[order],
                                     "difficulty_se": se[:J][order], "discrimination": a[order],
                                     "discrimination_se": se_a[order], "on_ladder": on[order],
                                     "owned_share": share[order]},
                                    index=pd.Index([products[k] for k in order], name="product"))
        return self

    def _summary(self) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(self.covariance_.to_numpy()), 0, None))
        se[np.isnan(np.diag(self.covariance_.to_numpy()))] = np.nan
        return parameter_table(self.params_, se, self.alpha)

    # ------------------------------------------------------------------ customers
    def _fitted(self, caller: str) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted(caller, "params_")
        return self._split(self._coef, len(self.products_))

    def positions(self, owned: pd.DataFrame) -> pd.DataFrame:
        """Each customer's latent position given the products owned: posterior mean (EAP) and SD.

        Parameters
        ----------
        owned : DataFrame
            One row per customer with the 0/1 columns of the fitted products; a missing value means the
            product is not observed (e.g. a held-out product) and does not enter the posterior.

        Returns
        -------
        DataFrame
            ``position`` (EAP of theta, N(0, 1) units) and ``position_sd``, the index of ``owned``.
        """
        c, a = self._fitted("ProductLadder.positions")
        Y, M = self._responses(owned, "ProductLadder.positions", allow_missing=True)
        _, h, _ = self._posterior(c, a, Y, M)
        x, _ = self._grid()
        mean = h @ x
        sd = np.sqrt(np.clip(h @ x**2 - mean**2, 0, None))
        return pd.DataFrame({"position": mean, "position_sd": sd}, index=owned.index)

    def ownership_proba(self, owned: pd.DataFrame) -> pd.DataFrame:
        """Posterior-predictive probability that each customer owns each product, given the products observed.

        Parameters
        ----------
        owned : DataFrame
            As for :meth:`positions` (missing = not observed).

        Returns
        -------
        DataFrame
            One column per fitted product: E[P(own | theta) | the observed products].
        """
        c, a = self._fitted("ProductLadder.ownership_proba")
        Y, M = self._responses(owned, "ProductLadder.ownership_proba", allow_missing=True)
        _, h, p = self._posterior(c, a, Y, M)
        return pd.DataFrame(h @ p, index=owned.index, columns=self.products_)

    def next_rung(self, owned: pd.DataFrame) -> pd.Series:
        """The next rung of each customer: the product not owned with the highest predicted probability.

        Parameters
        ----------
        owned : DataFrame
            As for :meth:`positions`; products marked 1 are never proposed (a missing one may be).

        Returns
        -------
        Series
            Product name per customer, missing for a customer who owns every product.
        """
        proba = self.ownership_proba(owned)
        held = owned[self.products_].fillna(0).to_numpy() > 0
        out = proba.mask(held, -1.0).idxmax(axis=1).astype(object)
        out[held.all(axis=1)] = None
        return out.rename("next_rung")
