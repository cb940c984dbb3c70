"""Shifted-beta-geometric retention with covariates: alpha and beta log-linear in customer or
cohort covariates, with a likelihood-ratio test against the pooled sBG."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, chdtrc, digamma

from ..core.base import Estimator, parameter_table
from ..core.design import design_matrix
from ..core.mle import hessian, invert, minimise, newton_polish
from ..errors import ValidationError

__all__ = ["SBGRegression"]


class SBGRegression(Estimator):
    """sBG whose heterogeneity depends on covariates: log alpha_i = z_i' g_a, log beta_i = z_i' g_b,
    with z_i an intercept and the covariates of customer i (e.g. acquisition-cohort or region
    dummies). Each customer renews every period with probability 1 - theta_i, theta_i ~ Beta(alpha_i,
    beta_i) (Fader & Hardie 2007); the mean churn probability is alpha / (alpha + beta).

    ``fit(periods, churned, X)``: periods observed (renewals + 1 for churners), whether the customer
    left, and a DataFrame of covariates (booleans and numbers; categories one-hot encoded with the
    first level as reference). Maximum likelihood with the analytic gradient on the package's one
    core (:func:`crmresearch.core.mle.minimise`, coefficients :data:`~crmresearch.core.mle.UNBOUNDED`);
    standard errors from the Hessian of the gradient by central differences.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary`` (1 - alpha coverage).
    max_iter : int, default 5000
        Most L-BFGS iterations.

    Attributes
    ----------
    params_ : Series of coefficients, index "alpha:Intercept", "alpha:<covariate>", ..., "beta:..."
    summary : DataFrame indexed by ``parameter`` (as ``params_``): estimate, std_error, ci_lower,
        ci_upper (Wald), z, p_value per coefficient (log scale)
    log_likelihood_, aic_ (2k - 2 LL), bic_ (k ln n - 2 LL) : float; k = 2 x design columns
    n_obs_ : int, customers in the fit; covariates_ : design columns; variance_matrix_ : DataFrame
    lr_test_ : dict, likelihood-ratio test against the pooled sBG (same alpha, beta for everyone):
        statistic, df, p_value, pooled_log_likelihood

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmresearch import clv
    >>> rng = np.random.default_rng(0); g = rng.integers(0, 2, 2000)
    >>> theta = rng.beta(np.where(g, 1.0, 2.0), 3.0); periods = rng.geometric(theta)
    >>> churned = periods <= 8; periods = np.minimum(periods, 8)
    >>> m = clv.SBGRegression().fit(periods, churned, pd.DataFrame({'g': g}))
    >>> m.lr_test_['df']
    2
    """

    def __init__(self, alpha: float = 0.05, max_iter: int = 5000) -> None:
        self.alpha = alpha
        self.max_iter = max_iter

    @staticmethod
    def _design(X: pd.DataFrame) -> pd.DataFrame:
        """An intercept beside the package's one encoder (:func:`crmresearch.core.design_matrix`:
        numbers and booleans as they are, categories as treatment dummies, constant or collinear
        columns refused)."""
        if not isinstance(X, pd.DataFrame):
            raise ValidationError(f"SBGRegression: X must be a DataFrame of covariates; got {type(X).__name__}")
        D = design_matrix(X, list(X.columns), "SBGRegression")
        return pd.concat([pd.Series(1.0, index=X.index, name="Intercept"), D], axis=1)

    @staticmethod
    def _nll(g: np.ndarray, Z: np.ndarray, t: np.ndarray, c: np.ndarray) -> tuple[float, np.ndarray]:
        k = Z.shape[1]
        a = np.exp(np.clip(Z @ g[:k], -30, 30))
        b = np.exp(np.clip(Z @ g[k:], -30, 30))
        dab = digamma(a + b)
        # churn in period t: B(a+1, b+t-1)/B(a,b); still active after t periods: B(a, b+t)/B(a,b)
        ll = np.where(c, betaln(a + 1, b + t - 1), betaln(a, b + t)) - betaln(a, b)
        da = np.where(c, digamma(a + 1) - digamma(a + b + t), digamma(a) - digamma(a + b + t)) - digamma(a) + dab
        db = np.where(c, digamma(b + t - 1), digamma(b + t)) - digamma(a + b + t) - digamma(b) + dab
        grad = np.r_[Z.T @ (da * a), Z.T @ (db * b)]
        return -float(ll.sum()), -grad

    def fit(self, periods, churned, X: pd.DataFrame) -> SBGRegression:
        """Maximum-likelihood fit (one row per customer in ``periods``, ``churned`` and ``X``).

        Parameters
        ----------
        periods
            Periods observed per customer (renewals + 1 for churners).
        churned
            Whether each customer left (bool).
        X : DataFrame
            Covariates per customer (booleans, numbers or categories).

        Returns
        -------
        SBGRegression
            ``self``, fitted.
        """
        t = np.asarray(periods, dtype=float)
        c = np.asarray(churned).astype(bool)
        if t.ndim != 1 or t.shape != c.shape or len(X) != t.size:
            raise ValidationError(f"SBGRegression.fit: periods ({t.size}), churned ({c.size}) and X ({len(X)}) "
                                  "must have one row per customer")
        bad = ~np.isfinite(t) | (t < 0) | (t != np.round(t)) | ((t < 1) & c)
        if bad.any():
            raise ValidationError(f"SBGRegression.fit: {int(bad.sum())} of {t.size} rows have periods that are not "
                                  "whole numbers >= 0 (>= 1 for churners)")
        if not c.any():
            raise ValidationError("SBGRegression.fit: no customer churned; retention cannot be estimated")
        Z = self._design(X)
        z = Z.to_numpy()
        k = z.shape[1]
        opt = minimise(lambda g: self._nll(g, z, t, c), np.zeros(2 * k), caller="SBGRegression.fit",
                       max_iter=self.max_iter, ftol=1e-14, gtol=1e-8)
        # L-BFGS-B stops on the flat ridge of a small group with a large beta; Newton steps reach the optimum
        opt = newton_polish(lambda g: self._nll(g, z, t, c), opt, steps=lambda g: 1e-5 * np.maximum(1.0, np.abs(g)))
        g = opt.x
        cov = invert(hessian(lambda x: self._nll(x, z, t, c)[1], g, 1e-5 * np.maximum(1.0, np.abs(g))))
        names = [f"alpha:{n}" for n in Z.columns] + [f"beta:{n}" for n in Z.columns]
        self.params_ = pd.Series(g, index=pd.Index(names, name="parameter"), name="estimate")
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.log_likelihood_ = -opt.fun
        self.n_obs_ = int(t.size)
        self.aic_ = float(2 * (2 * k) - 2 * self.log_likelihood_)
        self.bic_ = float(2 * k * np.log(t.size) - 2 * self.log_likelihood_)
        self.covariates_ = list(Z.columns[1:])
        ones = np.ones((t.size, 1))
        pooled_fit = minimise(lambda x: self._nll(x, ones, t, c), np.zeros(2),
                              caller="SBGRegression.fit (pooled model)", max_iter=15000, ftol=1e-14, gtol=1e-8)
        pooled_fit = newton_polish(lambda x: self._nll(x, ones, t, c), pooled_fit,
                                   steps=lambda x: 1e-5 * np.maximum(1.0, np.abs(x)))
        ll0 = -float(pooled_fit.fun)
        stat = max(0.0, 2 * (self.log_likelihood_ - ll0))
        df = 2 * (k - 1)
        self.lr_test_ = {"statistic": stat, "df": df, "p_value": float(chdtrc(df, stat)) if df else 1.0,
                         "pooled_log_likelihood": ll0}
        return self

    def _summary(self) -> pd.DataFrame:
        se = np.sqrt(np.clip(np.diag(self.variance_matrix_.to_numpy()), 0, None))
        return parameter_table(self.params_, se, self.alpha)

    def alpha_beta(self, X: pd.DataFrame) -> pd.DataFrame:
        """alpha, beta and the mean churn probability per period alpha / (alpha + beta) for the rows of
        ``X`` (the same covariates as in ``fit``; a category unseen in fit is an error).

        Parameters
        ----------
        X : DataFrame
            Covariates per customer, as in ``fit``.

        Returns
        -------
        DataFrame
            ``alpha``, ``beta`` and ``mean_churn`` (per period) per row, on ``X``'s index.
        """
        self._check_fitted("alpha_beta", "params_")
        Z = self._design_like(X)
        k = Z.shape[1]
        g = self.params_.to_numpy()
        a, b = np.exp(Z @ g[:k]), np.exp(Z @ g[k:])
        return pd.DataFrame({"alpha": a, "beta": b, "mean_churn": a / (a + b)}, index=X.index)

    def group_table(self, X: pd.DataFrame) -> pd.DataFrame:
        """One row per distinct combination of covariates in ``X`` (sorted), with its number of
        customers and its alpha, beta and mean churn per period (:meth:`alpha_beta`).

        Parameters
        ----------
        X : DataFrame
            Covariates per customer, as in ``fit``.
        """
        cols = list(X.columns)
        groups = X.groupby(cols, observed=True, sort=True).size().rename("customers").reset_index()
        return pd.concat([groups[cols], self.alpha_beta(groups[cols]).reset_index(drop=True),
                          groups["customers"]], axis=1)

    def _design_like(self, X: pd.DataFrame) -> np.ndarray:
        parts = {"Intercept": np.ones(len(X))}
        for col in self.covariates_:
            if col in X.columns:
                parts[col] = X[col].astype(float).to_numpy()
                continue
            source = next((c for c in X.columns if col.startswith(f"{c}_")), None)
            if source is None:
                raise ValidationError(f"SBGRegression: covariate '{col}' not in X")
            parts[col] = (X[source].astype(str) == col[len(source) + 1:]).astype(float).to_numpy()
        return np.column_stack(list(parts.values()))

    def survival(self, t, X: pd.DataFrame) -> pd.DataFrame:
        """S(t) = B(alpha, beta + t) / B(alpha, beta) for each row of ``X`` (rows) and period t (columns).

        Parameters
        ----------
        t : int or array-like
            Periods.
        X : DataFrame
            Covariates per customer, as in ``fit``.
        """
        ab = self.alpha_beta(X)
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        a, b = ab["alpha"].to_numpy()[:, None], ab["beta"].to_numpy()[:, None]
        return pd.DataFrame(np.exp(betaln(a, b + tt[None]) - betaln(a, b)), index=X.index, columns=tt)
