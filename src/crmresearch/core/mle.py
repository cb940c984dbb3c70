"""One maximum-likelihood core for the parametric models: parameter transforms, the optimiser and its
convergence rule, and standard errors from the observed information.

A model writes its negative log-likelihood and analytic gradient in *free* parameters (unbounded
reals); a :class:`Transform` per parameter maps them to the model's natural scale (positive rates and
shapes through ``exp``, probabilities through the logistic function, regression coefficients as
they are). :func:`minimise` runs L-BFGS-B with the model's tolerances and refuses a non-finite or
unconverged optimum in one message, and :func:`newton_polish` finishes it where L-BFGS-B stops early on a
flat ridge; :func:`hessian` differentiates an analytic gradient by central
differences and :func:`invert` turns it into a covariance matrix (NaN where the information is
singular). The customer-base models (:class:`crmresearch.clv.ShiftedBetaGeometric`,
:class:`~crmresearch.clv.BetaGeoNBD`, :class:`~crmresearch.clv.GammaGamma`) and
:class:`~crmresearch.clv.SBGRegression` run on it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import expit, logit

from ..errors import ConvergenceError

__all__ = ["POSITIVE", "UNBOUNDED", "UNIT_INTERVAL", "Optimum", "Transform", "blas_threads", "gradient", "hessian",
           "invert", "minimise"]


@dataclass(frozen=True)
class Transform:
    """A map between a model parameter's natural scale and the free (unbounded) scale it is fitted on.

    Parameters
    ----------
    name : str
        What the natural scale is (``'positive'``, ``'unbounded'``, ``'unit interval'``).
    to_natural : callable
        Free value(s) -> natural value(s).
    to_free : callable
        Natural value(s) -> free value(s).
    slope : callable
        d natural / d free at a free value (the chain rule for gradients and the delta method).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import POSITIVE, UNIT_INTERVAL
    >>> float(POSITIVE.to_natural(np.log(2.5))), round(float(UNIT_INTERVAL.to_natural(0.0)), 3)
    (2.5, 0.5)
    """

    name: str
    to_natural: Callable[[np.ndarray], np.ndarray]
    to_free: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]


#: Rates, shapes and scales: natural = exp(free).
POSITIVE = Transform("positive", np.exp, np.log, np.exp)
#: Regression coefficients and locations: natural = free.
UNBOUNDED = Transform("unbounded", lambda x: np.asarray(x, dtype=float), lambda x: np.asarray(x, dtype=float),
                      lambda x: np.ones_like(np.asarray(x, dtype=float)))
#: Probabilities and shares: natural = 1 / (1 + exp(-free)).
UNIT_INTERVAL = Transform("unit interval", expit, logit, lambda x: expit(x) * (1 - expit(x)))


@dataclass(frozen=True)
class Optimum:
    """Where :func:`minimise` stopped.

    Attributes
    ----------
    x : ndarray
        Free parameters at the optimum.
    fun : float
        Negative log-likelihood there.
    jac : ndarray
        Its gradient in free parameters.
    n_iter : int
        Optimiser iterations.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import minimise
    >>> opt = minimise(lambda x: (float((x ** 2).sum()), 2 * x), np.ones(2), caller='demo')
    >>> np.allclose(opt.x, 0), opt.fun < 1e-12
    (True, True)
    """

    x: np.ndarray
    fun: float
    jac: np.ndarray
    n_iter: int


def minimise(negloglik: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, *, caller: str,
             max_iter: int = 2000, ftol: float = 1e-12, gtol: float = 1e-8, maxcor: int = 10,
             bounds: list[tuple[float | None, float | None]] | None = None) -> Optimum:
    """Minimise a negative log-likelihood with its analytic gradient (L-BFGS-B) and check the optimum.

    An optimum is refused when the likelihood or the parameters are not finite, or when the optimiser
    stopped short with a gradient above 1e-3 sqrt(max(1, |-LL|)) (the log-likelihood is then not at its
    maximum to the precision the tables print).

    Parameters
    ----------
    negloglik : callable
        Free parameters -> (negative log-likelihood, gradient).
    x0 : ndarray
        Start, in free parameters.
    caller : str
        Model name, for messages (``'BetaGeoNBD.fit'``).
    max_iter : int, default 2000
        Most iterations.
    ftol, gtol : float
        L-BFGS-B's relative change and projected-gradient tolerances.
    maxcor : int, default 10
        Corrections kept by L-BFGS-B.
    bounds : list of (low, high) or None, optional
        Box on the free parameters (None for no bound on that side); a model uses it to stop a
        coordinate at a limit of its parameter space instead of letting it run to infinity.

    Returns
    -------
    Optimum
        Free parameters, negative log-likelihood, gradient and iterations at the optimum.

    Raises
    ------
    ConvergenceError
        For a non-finite optimum or one the optimiser did not reach.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import minimise
    >>> opt = minimise(lambda x: (float(((x - 3) ** 2).sum()), 2 * (x - 3)), np.zeros(1), caller='demo')
    >>> round(float(opt.x[0]), 6)
    3.0
    """
    res = optimize.minimize(negloglik, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": max_iter, "ftol": ftol, "gtol": gtol, "maxcor": maxcor})
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
        raise ConvergenceError(f"{caller}: the likelihood is not finite at the optimum ({res.message})")
    jac = np.array(res.jac, dtype=float) if res.jac is not None else np.array([])
    if bounds is not None and jac.size:  # at an active bound only the inward part of the gradient counts
        lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
        hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
        jac[(res.x <= lo) & (jac > 0)] = 0.0
        jac[(res.x >= hi) & (jac < 0)] = 0.0
    grad_norm = float(np.max(np.abs(jac))) if jac.size else np.nan
    if not res.success and grad_norm > 1e-3 * max(1.0, abs(res.fun)) ** 0.5:
        raise ConvergenceError(f"{caller} did not converge in {res.nit} iterations: {res.message} "
                               f"(max |gradient| {grad_norm:.2g}); raise max_iter or check the data")
    return Optimum(res.x, float(res.fun), res.jac, int(res.nit))


def gradient(fun: Callable[[np.ndarray], float], x: np.ndarray, steps: np.ndarray | float) -> np.ndarray:
    """Gradient by central differences, (f(x + h_j e_j) - f(x - h_j e_j)) / (2 h_j), for a likelihood whose
    derivatives have no closed form (e.g. in the parameters of a hypergeometric function).

    Parameters
    ----------
    fun : callable
        Parameters -> value.
    x : ndarray
        Where to differentiate.
    steps : ndarray or float
        Step h_j per parameter (or one for all).

    Returns
    -------
    ndarray
        The gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import gradient
    >>> np.round(gradient(lambda x: float(x[0] ** 2 + 3 * x[1]), np.array([1.0, 0.0]), 1e-5), 6).tolist()
    [2.0, 3.0]
    """
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(steps, dtype=float), x.shape)
    g = np.zeros(x.size)
    for j in range(x.size):
        up, dn = x.copy(), x.copy()
        up[j] += h[j]
        dn[j] -= h[j]
        g[j] = (fun(up) - fun(dn)) / (2 * h[j])
    return g


def newton_polish(negloglik: Callable[[np.ndarray], tuple[float, np.ndarray]], opt: Optimum, *,
                  steps: Callable[[np.ndarray], np.ndarray], max_steps: int = 6, gtol: float = 1e-9) -> Optimum:
    """Finish an L-BFGS-B optimum with Newton steps on the Hessian of the analytic gradient.

    L-BFGS-B stops at a projected gradient of about 1e-5 to 1e-4 on a long, flat ridge (a group with few
    customers and a large beta); where it stops there depends on rounding, so two machines print different
    sixth digits. A few Newton steps take the gradient to about 1e-10 and the estimates to the optimum itself.
    A step is kept only if it lowers the largest gradient without raising the negative log-likelihood (beyond
    1e-9 relative); otherwise the point stays where it was.

    Parameters
    ----------
    negloglik : callable
        Free parameters -> (negative log-likelihood, gradient).
    opt : Optimum
        Where :func:`minimise` stopped.
    steps : callable
        Free parameters -> finite-difference step per parameter for :func:`hessian`.
    max_steps : int, default 6
        Most Newton steps.
    gtol : float, default 1e-9
        Stop once the largest absolute gradient is below it.

    Returns
    -------
    Optimum
        The polished optimum (``n_iter`` counts the Newton steps too).

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import Optimum, newton_polish
    >>> f = lambda x: (float(np.cosh(x - 2).sum()), np.sinh(x - 2))
    >>> start = Optimum(np.array([2.01]), *f(np.array([2.01])), 0)
    >>> round(float(newton_polish(f, start, steps=lambda x: np.full_like(x, 1e-5)).x[0]), 12)
    2.0
    """
    x, fun, jac = np.asarray(opt.x, dtype=float), float(opt.fun), np.asarray(opt.jac, dtype=float)
    done = 0
    for _ in range(max_steps):
        worst = float(np.max(np.abs(jac)))
        if worst < gtol:
            break
        H = hessian(lambda v: negloglik(v)[1], x, steps(x))
        try:
            move = np.linalg.solve(H, jac)
        except np.linalg.LinAlgError:
            break
        x_new = x - move
        f_new, g_new = negloglik(x_new)
        if not (np.isfinite(f_new) and np.all(np.isfinite(x_new)) and f_new <= fun + 1e-9 * max(1.0, abs(fun))
                and float(np.max(np.abs(g_new))) < worst):
            break
        x, fun, jac, done = x_new, float(f_new), np.asarray(g_new, dtype=float), done + 1
    return Optimum(x, fun, jac, int(opt.n_iter) + done)


def hessian(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray, steps: np.ndarray | float) -> np.ndarray:
    """Hessian by central differences of an analytic gradient, symmetrised: column j is
    (g(x + h_j e_j) - g(x - h_j e_j)) / (2 h_j).

    Parameters
    ----------
    gradient : callable
        Parameters -> gradient (same scale as ``x``).
    x : ndarray
        Where to differentiate.
    steps : ndarray or float
        Step h_j per parameter (or one for all).

    Returns
    -------
    ndarray, shape (k, k)
        The symmetrised Hessian.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import hessian
    >>> np.round(hessian(lambda x: np.array([2 * x[0] + x[1], x[0] + 4 * x[1]]), np.zeros(2), 1e-5), 6).tolist()
    [[2.0, 1.0], [1.0, 4.0]]
    """
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(steps, dtype=float), x.shape)
    k = x.size
    H = np.zeros((k, k))
    for j in range(k):
        up, dn = x.copy(), x.copy()
        up[j] += h[j]
        dn[j] -= h[j]
        H[:, j] = (gradient(up) - gradient(dn)) / (2 * h[j])
    return (H + H.T) / 2


def invert(information: np.ndarray) -> np.ndarray:
    """Covariance matrix: the inverse of the observed information, NaN where it is singular.

    Parameters
    ----------
    information : ndarray, shape (k, k)
        Hessian of the negative log-likelihood at the optimum.

    Returns
    -------
    ndarray, shape (k, k)
        Its inverse, or a matrix of NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import invert
    >>> invert(np.diag([4.0, 0.25])).tolist(), bool(np.isnan(invert(np.zeros((2, 2)))).all())
    ([[0.25, 0.0], [0.0, 4.0]], True)
    """
    try:
        return np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.full_like(np.asarray(information, dtype=float), np.nan)


def blas_threads(n: int = 1) -> AbstractContextManager:
    """Hold the BLAS library (OpenBLAS, MKL) to ``n`` threads inside a ``with`` block.

    A likelihood fit calls BLAS many times on small arrays (L-BFGS-B's 2m x 2m middle matrix, the weighted
    sums over a few thousand rows); a threaded BLAS wakes its threads for each call, which on a machine
    whose cores are busy costs more than the work (Pareto/NBD on 20,000 customers: 3.4 s with OpenBLAS's
    default threads, 0.9 s with one, on 2 shared cores). Needs ``threadpoolctl`` (installed with
    scikit-learn); without it the block runs unchanged.

    Parameters
    ----------
    n : int, default 1
        BLAS threads inside the block.

    Returns
    -------
    context manager
        ``ThreadpoolController().limit(limits=n, user_api='blas')`` (one controller per process), or a no-op.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.core.mle import blas_threads
    >>> with blas_threads(1):
    ...     float(np.ones(3) @ np.ones(3))
    3.0
    """
    controller = _blas_controller()
    return nullcontext() if controller is None else controller.limit(limits=n, user_api="blas")


_CONTROLLER: list = []


def _blas_controller():
    """threadpoolctl's controller of the loaded thread pools, made once: building one scans the process's
    shared libraries (~10 ms, as long as a BG/BB fit on 1,000,000 customers); None without threadpoolctl."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - the light core without scikit-learn
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]
