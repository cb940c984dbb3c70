"""The customer-base models' base (sBG, BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma) on the one
maximum-likelihood core.

Subclasses give parameter names, a start point and ``_negloglik(log_params) -> (value, grad)``
in log-parameter space (every parameter is positive: :data:`crmresearch.core.mle.POSITIVE`). The base
optimises with :func:`crmresearch.core.mle.minimise`, computes standard errors from the observed
information (:func:`~crmresearch.core.mle.hessian` of the analytic gradient in natural parameters)
and builds the tidy ``summary``.

At the edges. A model may declare fit coordinates (linear in the log parameters, e.g. the log of a
gamma's shape and of its mean) and the :class:`Limit` each can run to: no dropout, no heterogeneity
in a rate or a probability. When the likelihood rises towards such a limit (the unbounded fit lands
beyond the limit's threshold, or fails to converge on the way there), the base refits in those
coordinates with the limit as a bound, holds a coordinate that reached its limit there (and any the
data then no longer identify where they are), maximises over the rest, and reports the estimate
*at the limit* with one :class:`~crmresearch.errors.DataWarning` naming it in words; ``limits_``
lists the limits reached, and standard errors of the parameters held at a limit are NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from ..core.base import Estimator, deprecated_alias, parameter_table
from ..core.mle import POSITIVE, hessian, invert, minimise
from ..errors import ConvergenceError, DataWarning

__all__ = ["BaseFitter", "Limit", "per_customer"]


@dataclass(frozen=True)
class Limit:
    """A boundary of a model's parameter space that the likelihood can rise to (e.g. no dropout).

    Attributes
    ----------
    side : int
        +1: the fit coordinate runs to +infinity at the limit; -1: to -infinity.
    threshold : float
        Value of the coordinate (log scale) beyond which a fit is read as being at the limit.
    bound : float
        Where the fit holds the coordinate at the limit (log scale, beyond ``threshold``).
    words : callable
        Fitted ``params_`` -> the limit in words (what it means for the customers).
    unidentified : tuple of int
        Other fit coordinates that the likelihood no longer depends on at this limit (held where they are).
    suspect : float or None
        Beyond this value (log scale) the fit at the limit is computed and kept when the likelihood-ratio
        test does not reject it against the unbounded optimum at 5 % (the optimiser stalls on the flat way
        to a limit, and noise can hold it short of one).
    """

    side: int
    threshold: float
    bound: float
    words: Callable[[pd.Series], str]
    unidentified: tuple[int, ...] = field(default=())
    suspect: float | None = None

    def reached(self, u: float) -> bool:
        """Whether a fit coordinate ``u`` is beyond the threshold."""
        return bool(u > self.threshold) if self.side > 0 else bool(u < self.threshold)

    def near(self, u: float) -> bool:
        """Whether ``u`` is on the way to the limit (beyond ``suspect``): the likelihood can be so flat
        there that the optimiser stops short, so the limit is fitted and compared."""
        if self.suspect is None:
            return False
        return bool(u > self.suspect) if self.side > 0 else bool(u < self.suspect)


def per_customer(values: np.ndarray, like: object, name: str) -> pd.Series | np.ndarray:
    """Per-customer predictions as a Series on the customers' index when the input was a Series
    (e.g. frequency indexed by customer id); a plain array stays an array."""
    if isinstance(like, pd.Series) and len(like) == np.size(values):
        return pd.Series(np.asarray(values, dtype=float), index=like.index, name=name)
    return values


class BaseFitter(Estimator):
    """Base of the fitted customer-base models (the package's estimator protocol,
    :class:`crmresearch.core.Estimator`: settings in the constructor, ``fit`` returns self,
    learned values end in ``_``, ``params_`` a Series, ``summary`` a property).

    A fit sets ``params_`` (Series indexed by parameter), ``variance_matrix_``, ``log_likelihood_``,
    ``aic_`` = 2k - 2 LL, ``bic_`` = k ln(n) - 2 LL, ``n_obs_`` (customers, or cohort members, the
    likelihood sums over) and ``n_iter_``. ``AIC_`` and ``BIC_`` are deprecated aliases of ``aic_``
    and ``bic_`` (removed in the next release). A fit at a limit (``limits_``) also sets
    ``variance_matrix_at_limit_``: the covariance with the held coordinates fixed (the reduced model's, e.g. the
    Pareto/NBD a GG/NBD reduces to), from which lifetime values at the limit get their intervals."""

    _param_names: tuple[str, ...] = ()
    #: Fit coordinates, each a linear combination of the log parameters ({name: weight}); None: the
    #: log parameters themselves. Only used when a limit is reached.
    _coordinates: tuple[dict[str, float], ...] | None = None
    #: Index of a fit coordinate -> the limit it can run to.
    _limits: dict[int, Limit] = {}  # noqa: RUF012 - a class-level table, never mutated

    AIC_ = deprecated_alias("aic_")
    BIC_ = deprecated_alias("bic_")

    def __init__(self, alpha: float = 0.05, tol: float = 1e-10, max_iter: int = 2000) -> None:
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter

    # subclasses implement -------------------------------------------------------------
    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def _start(self) -> np.ndarray:  # pragma: no cover
        return np.zeros(len(self._param_names))

    # shared ------------------------------------------------------------------------------
    def _hessian_log(self, log_params: np.ndarray) -> np.ndarray:
        """Hessian of -LL in log parameters by central differences of the analytic gradient."""
        return hessian(lambda x: self._negloglik(x)[1], log_params, 1e-5)

    def _newton(self, x0: np.ndarray, H: np.ndarray, max_steps: int = 30) -> np.ndarray | None:
        """Newton-type iterations from a Hessian (e.g. from a subsample, rescaled), updated by BFGS from each
        step's change of the gradient, one evaluation per step. Stops, without
        evaluating it, at a step below 1e-6 standard errors (from ``H``) in every log parameter, or below
        1e-10: the accuracy :func:`~crmresearch.core.mle.minimise`'s gradient rule gives the other fits.
        Returns the optimum in log parameters, or None if it fails to converge (the caller falls back)."""
        x = x0.copy()
        f, g = self._negloglik(x)
        try:
            Hinv = np.linalg.inv(H)
        except np.linalg.LinAlgError:
            return None
        small = np.maximum(1e-10, 1e-6 * np.sqrt(np.clip(np.diag(Hinv), 0.0, None)))
        for _ in range(max_steps):
            step = -Hinv @ g
            if np.all(np.abs(step) < small):  # converged at x: no evaluation for a step that small
                self._newton_result = (x, f, g)
                return x
            t = 1.0
            while True:
                fn, gn = self._negloglik(x + t * step)
                if np.isfinite(fn) and fn <= f + 1e-12 * abs(f):
                    break
                t /= 2
                if t < 1e-4:
                    return None
            dx, dg = t * step, gn - g
            x, f, g = x + dx, fn, gn
            # BFGS update of the Hessian from this step (superlinear instead of linear convergence), while the step
            # is well above the gradient's rounding noise
            curv = float(dg @ dx)
            if np.max(np.abs(dx)) > 1e-7 and curv > 0:
                Hdx = H @ dx
                H = H - np.outer(Hdx, Hdx) / float(dx @ Hdx) + np.outer(dg, dg) / curv
                try:
                    Hinv = np.linalg.inv(H)
                except np.linalg.LinAlgError:
                    return None
        return None

    def _optimise(self, n_obs: int, covariance: bool = True) -> None:
        x0 = self._start()
        warm_H = getattr(self, "_warm_hessian", None)
        if warm_H is not None:
            x_opt = self._newton(x0, warm_H)
            if x_opt is not None:
                x, f, g = self._newton_result
                self._finish(x, f, g, n_obs, 0, covariance)
                return
        # Stop when the log-likelihood changes by < tol relative, or the gradient (in log parameters)
        # is below 1e-6 sqrt(n): then the parameters are within ~1e-6 standard errors of the maximum.
        try:
            opt = minimise(self._negloglik, x0, caller=f"{type(self).__name__}.fit", max_iter=self.max_iter,
                           ftol=self.tol * 1e-2, gtol=1e-6 * np.sqrt(max(n_obs, 1)), maxcor=20)
        except ConvergenceError:
            if not self._limits:
                raise
            self._finish_at_limits(*self._fit_at_limits(x0, n_obs, ()), n_obs, covariance)
            return
        if self._limits:
            u = self._coordinate_matrix() @ opt.x
            if any(lim.reached(u[j]) for j, lim in self._limits.items()):
                self._finish_at_limits(*self._nearby_limits(self._fit_at_limits(opt.x, n_obs, ()), n_obs),
                                       n_obs, covariance)
                return
            near = tuple(j for j, lim in self._limits.items() if lim.near(u[j]))
            # the limits near the optimum, all together, then one by one: kept when the likelihood-ratio test
            # of the limit against the unbounded optimum does not reject it at 5 % (a parameter on the boundary:
            # critical value chi2(0.90, df), Self & Liang 1987), so a flat way to a limit ends at the limit
            for hold in ([near] + [(j,) for j in near] if len(near) > 1 else [near]) if near else []:
                at_limit = self._fit_at_limits(opt.x, n_obs, hold)
                if 2 * (at_limit[3] - opt.fun) <= special.chdtri(len(at_limit[1]), 0.10):
                    self._finish_at_limits(*at_limit, n_obs, covariance)
                    return
        self._finish(opt.x, opt.fun, opt.jac, n_obs, opt.n_iter, covariance)

    def _nearby_limits(self, at_limit: tuple, n_obs: int) -> tuple:
        """After a fit that reached some limits: each other coordinate still on the way to its limit (beyond
        ``suspect``) is held there too when the likelihood-ratio test against ``at_limit`` does not reject it
        (the test of :meth:`_optimise`), so that the limits reached do not depend on the units of time (on one
        base in weeks the fit may reach r -> infinity with s = 3.6e4 left short, in days s -> infinity with
        r = 5.6e4)."""
        A = np.linalg.inv(self._coordinate_matrix())
        while True:
            u, held, reached = at_limit[0], at_limit[1], at_limit[2]
            near = [j for j, lim in self._limits.items() if j not in held and lim.near(u[j])]
            for j in near:
                more = self._fit_at_limits(A @ u, n_obs, (*reached, j))
                if 2 * (more[3] - at_limit[3]) <= special.chdtri(len(more[1]) - len(held), 0.10):
                    at_limit = more
                    break
            else:
                return at_limit

    def _coordinate_matrix(self) -> np.ndarray:
        """C with u = C log(theta): one row per fit coordinate."""
        names = list(self._param_names)
        if self._coordinates is None:
            return np.eye(len(names))
        return np.array([[row.get(n, 0.0) for n in names] for row in self._coordinates], dtype=float)

    def _fit_at_limits(self, x_start: np.ndarray, n_obs: int, hold: tuple[int, ...]) -> tuple:
        """Refit in the fit coordinates with every limit as a bound, the coordinates in ``hold`` held at
        their limits from the start; hold each coordinate that reaches a limit (and those it leaves
        unidentified) and maximise over the others, until no new limit is reached.

        Returns (u, held coordinates, limits reached, -LL, iterations)."""
        C = self._coordinate_matrix()
        A = np.linalg.inv(C)
        k = C.shape[0]
        bounds: list[tuple[float | None, float | None]] = [(None, None)] * k
        for j, lim in self._limits.items():
            bounds[j] = (None, lim.bound) if lim.side > 0 else (lim.bound, None)
        lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
        hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
        u = np.clip(C @ x_start, lo, hi)
        held: dict[int, float] = {}
        reached: list[int] = []

        def hold_at_limit(j: int) -> None:
            reached.append(j)
            held[j] = u[j] = self._limits[j].bound
            for i in self._limits[j].unidentified:
                held.setdefault(i, float(u[i]))

        for j in hold:
            hold_at_limit(j)
        n_iter = 0
        for _ in range(k + 1):
            free = [j for j in range(k) if j not in held]
            if not free:
                break
            base = u.copy()

            def f(v: np.ndarray, base: np.ndarray = base, free: list[int] = free) -> tuple[float, np.ndarray]:
                full = base.copy()
                full[free] = v
                val, g = self._negloglik(A @ full)
                return val, (A.T @ g)[free]

            opt = minimise(f, u[free], caller=f"{type(self).__name__}.fit", max_iter=self.max_iter,
                           ftol=self.tol * 1e-2, gtol=1e-6 * np.sqrt(max(n_obs, 1)), maxcor=20,
                           bounds=[bounds[j] for j in free])
            n_iter += opt.n_iter
            u[free] = opt.x
            new = [j for j in free if j in self._limits and self._limits[j].reached(u[j])]
            if not new:
                break
            for j in new:
                hold_at_limit(j)
        return u, sorted(held), reached, self._negloglik(A @ u)[0], n_iter

    def _finish_at_limits(self, u: np.ndarray, held: list[int], reached: list[int], f_val: float, n_iter: int,
                          n_obs: int, covariance: bool) -> None:
        A = np.linalg.inv(self._coordinate_matrix())
        x = A @ u
        self._finish(x, f_val, self._negloglik(x)[1], n_obs, n_iter, covariance=False, limits=reached)
        if covariance:
            self.variance_matrix_, self.variance_matrix_at_limit_ = self._covariance_held(u, A, held)

    def _finish(self, x: np.ndarray, f: float, g_log: np.ndarray, n_obs: int, n_iter: int,
                covariance: bool, limits: list[int] | None = None) -> None:
        self._log_params = x
        values = POSITIVE.to_natural(x)
        self.params_ = pd.Series([float(v) for v in values], index=pd.Index(list(self._param_names), name="parameter"),
                                 name="estimate")
        self.log_likelihood_ = float(-f)
        self.n_obs_ = int(n_obs)
        k = len(values)
        self.aic_ = float(2 * k - 2 * self.log_likelihood_)
        self.bic_ = float(k * np.log(max(n_obs, 1)) - 2 * self.log_likelihood_)
        self.n_iter_ = n_iter
        self.limits_ = tuple(self._limits[j].words(self.params_) for j in (limits or []))
        self.__dict__.pop("variance_matrix_at_limit_", None)  # a refit inside the model has none
        edge = {k: v for k, v in self.params_.items() if not 1e-6 < v < 1e6}
        if self.limits_:
            warnings.warn(f"{type(self).__name__}.fit: the likelihood is highest at a limit of the model, and the "
                          f"estimates are reported there: {'; '.join(self.limits_)} (limits_; the standard errors "
                          "of the parameters held at the limit are NaN)", DataWarning, stacklevel=5)
        elif edge:
            warnings.warn(f"{type(self).__name__}.fit: estimate(s) at the edge of the parameter space "
                          f"({', '.join(f'{k} = {v:.3g}' for k, v in edge.items())}): the data do not identify "
                          "that part of the model (e.g. a and b of BG/NBD both huge means dropout is the same for "
                          "every customer); read those estimates as limits, not values", DataWarning, stacklevel=3)
        if covariance:
            self.variance_matrix_ = self._covariance(values, g_log / values)

    def _covariance(self, values: np.ndarray, grad_at_optimum: np.ndarray) -> pd.DataFrame:
        """Inverse observed information in natural parameters: central differences of the analytic
        gradient around the optimum, step 1e-4 relative (truncation error ~1e-8 relative; the
        rounding noise of the summed gradient stays far below the 6 decimals the tables print, so
        the standard errors do not depend on the order of the customers)."""
        def grad_natural(theta: np.ndarray) -> np.ndarray:
            _, g_log = self._negloglik(POSITIVE.to_free(theta))
            return g_log / theta  # d/d theta = (d/d log theta) / theta (POSITIVE's slope is the value itself)

        cov = invert(hessian(grad_natural, values, 1e-4 * np.maximum(np.abs(values), 1e-8)))
        return pd.DataFrame(cov, index=self._param_names, columns=self._param_names)

    def _covariance_held(self, u: np.ndarray, A: np.ndarray,
                         held: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Inverse observed information over the free fit coordinates, mapped to natural parameters
        (delta method): with NaN for every parameter that depends on a held coordinate (the standard errors
        reported), and as it is, the held coordinates fixed (a parameter of held coordinates only has 0)."""
        k = u.size
        free = [j for j in range(k) if j not in held]
        values = np.exp(A @ u)
        cov = np.full((k, k), np.nan)
        if free:
            def grad_free(v: np.ndarray) -> np.ndarray:
                full = u.copy()
                full[free] = v
                return (A.T @ self._negloglik(A @ full)[1])[free]

            cov_u = invert(hessian(grad_free, u[free], 1e-5))
            J = values[:, None] * A[:, free]
            cov = J @ cov_u @ J.T
        given = pd.DataFrame(cov.copy(), index=self._param_names, columns=self._param_names)
        touched = (np.abs(A[:, held]) > 0).any(axis=1) if held else np.zeros(k, dtype=bool)
        cov[touched, :] = np.nan
        cov[:, touched] = np.nan
        return pd.DataFrame(cov, index=self._param_names, columns=self._param_names), given

    def _check_fitted(self, caller: str, attributes: str | list[str] | None = "params_") -> None:
        super()._check_fitted(caller, attributes)

    def _summary(self) -> pd.DataFrame:
        """Estimate, standard error, (1 - alpha) interval, z and p per parameter (lifelines style).

        Every parameter is positive, so the interval is built on the log scale and mapped back,
        ``estimate * exp(+-z se / estimate)`` (delta method): it never goes below 0. ``z`` and
        ``p_value`` test ``estimate = 0`` with the Wald statistic ``estimate / se``."""
        est = pd.Series(self.params_, dtype=float)
        se = np.sqrt(np.clip(np.diag(self.variance_matrix_.to_numpy()), 0, None))
        zcrit = special.ndtri(1 - self.alpha / 2)
        spread = np.exp(zcrit * se / est.to_numpy())
        return parameter_table(est, se, self.alpha, ci_lower=est.to_numpy() / spread, ci_upper=est.to_numpy() * spread)

    def print_summary(self, decimals: int = 4) -> None:
        """Print the model, its fit statistics and the summary table."""
        self._check_fitted("print_summary")
        print(f"{type(self).__name__}: n = {self.n_obs_:,}, log-likelihood = {self.log_likelihood_:.{decimals}f}, "
              f"AIC = {self.aic_:.2f}")
        print(self.summary.round(decimals).to_string())

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            p = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{super().__repr__()} fitted: {p}; LL={self.log_likelihood_:.2f}"
        return super().__repr__()
