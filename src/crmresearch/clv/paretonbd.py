"""Pareto/NBD model of repeat purchasing with dropout in continuous time (Schmittlein, Morrison &
Colombo 1987; Fader, Hardie & Lee 2005)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1, hyperu, logsumexp, polygamma

from ..core.mle import blas_threads, gradient, invert
from ..errors import DataWarning, ValidationError
from ._base import BaseFitter, per_customer
from .bgnbd import (
    check_frequency_recency_age,
    check_identifiable,
    compress_rows,
    mean_limit,
    same_rate,
    shape_limit,
)

__all__ = ["ParetoNBD", "log_hyp2f1_c_a1"]


def log_hyp2f1_c_a1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ln 2F1(a, b; a + 1; z) for a > 0, b > 0, 0 <= z < 1 (the Pareto/NBD's hypergeometric term).

    scipy's ``hyp2f1`` where it is finite and positive; elsewhere (large a, z near 1) the series
    sum_j a / (a + j) (b)_j z^j / j! summed in log space (every term is positive), so the result never
    overflows: it lies between 0 and -b ln(1 - z).

    Parameters
    ----------
    a, b, z : array-like
        Broadcast together.

    Returns
    -------
    ndarray
        The logarithm of the hypergeometric function.

    Examples
    --------
    >>> import numpy as np
    >>> from crmresearch.clv.paretonbd import log_hyp2f1_c_a1
    >>> round(float(np.exp(log_hyp2f1_c_a1(1.0, 1.0, 0.5))), 10)   # 2F1(1, 1; 2; z) = -ln(1 - z) / z
    1.3862943611
    """
    a, b, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, z)))
    with np.errstate(all="ignore"):
        out = np.log(hyp2f1(a, b, a + 1.0, z))
    bad = ~np.isfinite(out)
    if bad.any():
        ab, bb, zb = a[bad], b[bad], z[bad]
        # terms peak near j = b z / (1 - z): sum in blocks of 512 terms until past the peak and negligible
        peak = bb * zb / (1 - zb)
        acc = np.full(ab.size, -np.inf)
        start = 0
        with np.errstate(divide="ignore"):
            while start < 100_000:
                j = np.arange(start, start + 512, dtype=float)[:, None]
                terms = (np.log(ab) - np.log(ab + j) + gammaln(bb + j) - gammaln(bb) - gammaln(j + 1)
                         + np.where(j > 0, j * np.log(zb), 0.0))
                acc = np.logaddexp(acc, logsumexp(terms, axis=0))
                start += 512
                if np.all((start > peak) & (terms[-1] < acc - 40)):
                    break
        out = out.copy()
        out[bad] = acc
    return out


#: A row's integral is summed by :func:`_log_integral_near` when max(k2, 1) u2 is below this (every term of that
#: alternating series is then at most this fraction of the one before it).
NEAR_RATIO = 0.25
#: ... or, past NEAR_RATIO, when max(k2, 1) u2 is below NEAR_LIMIT and u2 below NEAR_RATIO: the terms rise to about
#: e^q / sqrt(2 pi q) (q = max(k2, 1) u2) before they fall factorially, so the sum keeps ~1e-13 relative (cancellation
#: e^(2q) at most, 400 at q = 3). That is the way to no heterogeneity in dropout (s, beta -> infinity together, q ->
#: mean dropout rate x (alpha + T)), e.g. customers who all joined on one day.
NEAR_LIMIT = 3.0


def _near(r, alpha, s, beta, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Rows whose integral int_tx^T (alpha + y)^-(r+x) (beta + y)^-(s+1) dy is summed by
    :func:`_log_integral_near`: the larger of alpha and beta far above the smaller plus T (the way to no dropout,
    beta >> alpha + T, where the series of :func:`_series` would need ~beta / (alpha + T) terms)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k2 = np.where(alpha < beta, s + 1.0, r + x)
        u2 = (np.minimum(alpha, beta) + T) / np.abs(alpha - beta)
        q = np.maximum(k2, 1.0) * u2
        return (q < NEAR_RATIO) | ((q < NEAR_LIMIT) & (u2 < NEAR_RATIO))


def _log_integral_near(r, alpha, s, beta, x, tx, T, grad: bool = False,
                       shift: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """ln int_tx^T (alpha + y)^-(r+x) (beta + y)^-(s+1) dy, and its gradient in (r, alpha, s, beta) if ``grad``,
    for rows of :func:`_near`.

    With m the smaller of alpha and beta, k1 its exponent, k2 the other's, D = |alpha - beta| and w = m + y,
    the integrand is w^-k1 (D + w)^-k2 = D^-k2 w^-k1 sum_j (k2)_j (-w / D)^j / j!, integrated term by term:
    int_w1^w2 w^(j-k1) dw = w1^p expm1(p L) / p with p = j - k1 + 1 and L = ln(w2 / w1). The terms alternate
    and fall by at least max(k2, 1) (m + T) / D < :data:`NEAR_RATIO` each, so the sum is exact to 1e-17 after a
    few terms (up to :data:`NEAR_LIMIT` they first rise, and the sum keeps ~1e-13); derivatives are sums of the
    same terms. Every argument broadcasts (parameters per customer too).
    Returns (value, gradient of shape (n, 4) or None); -inf where t_x = T. ``shift``: the value plus s ln(beta),
    with that term cancelled in closed form (log1p), exact where s and beta are both huge (the gradient is
    unchanged)."""
    r, alpha, s, beta, x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                                        for v in (r, alpha, s, beta, x, tx, T)))
    lo = alpha < beta
    k1, k2 = np.where(lo, r + x, s + 1.0), np.where(lo, s + 1.0, r + x)
    D = np.abs(alpha - beta)
    w1, w2 = np.minimum(alpha, beta) + tx, np.minimum(alpha, beta) + T
    L = np.log1p((T - tx) / w1)
    u1 = w1 / D
    q = float(np.max(np.maximum(k2, 1.0) * w2 / D, initial=0.0))
    S, Sk1, Sk2, Su, SL = (np.zeros(x.shape) for _ in range(5))
    c = np.ones(x.shape)  # (k2)_j (-u1)^j / j!
    H = np.zeros(x.shape)  # psi(k2 + j) - psi(k2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for j in range(96):
            p = j - k1 + 1.0
            pL = p * L
            e = np.where(p == 0, L, np.expm1(pL) / p)  # int_0^L exp(p v) dv
            t = c * e
            S += t
            if grad:
                ep = np.exp(pL)
                de = (L * ep - e) / p  # int_0^L v exp(p v) dv; its series where p L is small
                small = np.flatnonzero(np.abs(pL) < 0.5)
                if small.size:
                    ps, Ls = pL[small], L[small]
                    acc, power = np.zeros(small.size), np.ones(small.size)
                    fact = 2.0
                    for k in range(18):
                        acc += (k + 1) * power / fact
                        power = power * ps
                        fact *= k + 3
                    de[small] = Ls ** 2 * acc
                Sk1 -= c * de
                Sk2 += t * H
                Su += j * t
                SL += c * ep
            H += 1.0 / (k2 + j)
            c *= -(k2 + j) / (j + 1) * u1
            if q < NEAR_RATIO:  # every term at most q times the one before it
                if q ** (j + 1) * (j + 2) * (1 + H.max(initial=0.0)) < 1e-17:
                    break
            else:  # the terms rise, then fall by rho < 1 a term: the tail is below |t| rho / (1 - rho)
                rho = np.maximum(k2 + j, j + 1.0) / (j + 1) * w2 / D
                if np.all((rho < 1) & (np.abs(t) * rho / (1 - rho) * (j + 2) * (1 + H) < 1e-17 * np.abs(S))):
                    break
        if shift:  # s ln(beta) + the beta power: lo, -(s+1) ln(beta - alpha); else -s ln(beta + t_x)
            value = np.where(lo, -s * np.log1p(-alpha / beta) - np.log(D) + (1 - k1) * np.log(w1),
                             -k2 * np.log(D) - s * np.log1p(tx / beta)) + np.log(S)
        else:
            value = -k2 * np.log(D) + (1 - k1) * np.log(w1) + np.log(S)
        if not grad:
            return value, None
        d_k1 = -np.log(w1) + Sk1 / S
        d_k2 = -np.log(D) + Sk2 / S
        d_D = -(k2 + Su / S) / D
        d_w = (1 - k1 + Su / S - SL / S) / w1 + SL / S / w2  # w1 and w2 move together with m
    g = np.empty((x.size, 4))
    g[:, 0] = np.where(lo, d_k1, d_k2)
    g[:, 2] = np.where(lo, d_k2, d_k1)
    g[:, 1] = np.where(lo, d_w - d_D, d_D)
    g[:, 3] = np.where(lo, d_D, d_w - d_D)
    return value, g


#: Panels of :func:`_log_integral_quad`: Gauss-Legendre nodes per panel, most e-folds of the integrand and most
#: multiples of the distance to the nearer singularity a panel spans, e-folds past which the tail is dropped, and
#: most panels. A row's 2F1 series longer than QUAD_FROM terms goes to the quadrature in :func:`_log_a0`.
QUAD_NODES, QUAD_EFOLDS, QUAD_GROWTH, QUAD_CUT, QUAD_PANELS, QUAD_FROM = 16, 2.0, 2.0, 40.0, 96, 5_000


#: Gauss-Legendre nodes and weights on [0, 1] for the panels of :func:`_log_integral_quad`.
_GL_NODES, _GL_WEIGHTS = (lambda n, w: ((n + 1) / 2, w / 2))(*np.polynomial.legendre.leggauss(QUAD_NODES))


def _log_integral_quad(r, alpha, s, beta, x, tx, T, grad: bool = False,
                       shift: bool = False) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """ln int_tx^T (alpha + y)^-(r+x) (beta + y)^-(s+1) dy, and its gradient in (r, alpha, s, beta) if ``grad``, by
    Gauss-Legendre quadrature on panels: for the rows no series sums in a few hundred terms (alpha and beta both far
    above T with r + x and s + 1 large: the way to no heterogeneity in purchase rates, r, alpha -> infinity with r /
    alpha fixed, where the 2F1 series of :func:`_series` needs ~(s + 1) / (1 - z) terms).

    With v = y - t_x, c1 = alpha + t_x, c2 = beta + t_x, k1 = r + x and k2 = s + 1 the integral is
    c1^-k1 c2^-k2 J with J = int_0^(T - t_x) exp(-psi(v)) dv, psi(v) = k1 log1p(v / c1) + k2 log1p(v / c2), concave
    and rising. Each panel spans at most :data:`QUAD_EFOLDS` e-folds of the integrand (by psi's slope at its left
    end) and at most :data:`QUAD_GROWTH` times its distance from the nearer singularity (-c1 or -c2), so the
    :data:`QUAD_NODES`-point rule on it is exact to ~1e-17; panels stop at T - t_x or where psi passes
    :data:`QUAD_CUT` plus the log of the rest's length (the tail below 1e-17 of J). The derivatives are integrals of
    the same integrand: d ln I / dr = -E[ln(c1 + v)], d ln I / d alpha = -k1 E[1 / (c1 + v)] (s and beta alike),
    E the mean under exp(-psi) / J. Returns (value, gradient (n, 4) or None, done): -inf where t_x = T; ``done`` is
    False on rows the panels did not cover within :data:`QUAD_PANELS` (the caller takes another route there).
    ``shift``: the value plus s ln(beta), that term cancelled in closed form (the gradient is unchanged)."""
    r, alpha, s, beta, x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                                        for v in (r, alpha, s, beta, x, tx, T)))
    k1, k2, c1, c2 = r + x, s + 1.0, alpha + tx, beta + tx
    D = T - tx
    cmin = np.minimum(c1, c2)
    n = x.size
    J = np.zeros(n)
    E = np.zeros((4, n)) if grad else None  # int of ln(c1 + v), 1 / (c1 + v), ln(c2 + v), 1 / (c2 + v) times e^-psi
    v0 = np.zeros(n)
    done = D <= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cut = QUAD_CUT + np.log1p(D * (k1 / c1 + k2 / c2))
        for _ in range(QUAD_PANELS):
            slope = k1 / (c1 + v0) + k2 / (c2 + v0)
            h = np.minimum(np.minimum(D - v0, QUAD_EFOLDS / slope), QUAD_GROWTH * (cmin + v0))
            h = np.where(done, 0.0, h)
            v = v0[None, :] + h[None, :] * _GL_NODES[:, None]
            f = np.exp(-(k1 * np.log1p(v / c1) + k2 * np.log1p(v / c2))) * (h * _GL_WEIGHTS[:, None])
            J += f.sum(axis=0)
            if grad:
                E[0] += (f * np.log(c1 + v)).sum(axis=0)
                E[1] += (f / (c1 + v)).sum(axis=0)
                E[2] += (f * np.log(c2 + v)).sum(axis=0)
                E[3] += (f / (c2 + v)).sum(axis=0)
            v0 = v0 + h
            psi = k1 * np.log1p(v0 / c1) + k2 * np.log1p(v0 / c2)
            done = done | (v0 >= D) | (psi > cut)
            if done.all():
                break
        lnJ = np.where(D > 0, np.log(J), -np.inf)
        if shift:
            value = -k1 * np.log(c1) - np.log(c2) - s * np.log1p(tx / beta) + lnJ
        else:
            value = -k1 * np.log(c1) - k2 * np.log(c2) + lnJ
        if not grad:
            return value, None, done
        g = np.column_stack([-E[0] / J, -k1 * E[1] / J, -E[2] / J, -k2 * E[3] / J])
    g[D <= 0] = 0.0
    return value, g, done


def _log_a0(r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray,
            T: np.ndarray) -> np.ndarray:
    """ln A0 of Fader, Hardie & Lee (2005, note 009) eqs. (19)-(20), in log space: A0 is a difference of
    two positive terms, the first the larger (A0 integrates a positive density over (t_x, T])."""
    rsx = r + s + x
    if (s + 1) * np.max(T - tx) < 1e-5 * (beta + np.min(tx)):
        # beta >> T (the way to no dropout): (beta + y)^-(s+1) is constant on (t_x, T] to 1e-11 relative, and
        # A0 = (beta + mid)^-(s+1) int (alpha + y)^-(r+x) dy in closed form (the series would need ~beta terms)
        k = r + x
        span = np.log(alpha + T) - np.log(alpha + tx)
        with np.errstate(divide="ignore", invalid="ignore"):
            part = np.where(np.abs(k - 1) < 1e-12, np.log(span), np.log(-np.expm1((1 - k) * span) / (k - 1)))
        return -(s + 1) * np.log(beta + (tx + T) / 2) + (1 - k) * np.log(alpha + tx) + part
    if alpha >= beta:
        big, b2 = alpha, s + 1.0
    else:
        big, b2 = beta, r + x
    diff = abs(alpha - beta)
    with np.errstate(all="ignore"):
        h1 = np.log(hyp2f1(rsx, b2, rsx + 1.0, diff / (big + tx)))
        h2 = np.log(hyp2f1(rsx, b2, rsx + 1.0, diff / (big + T)))
    far = ~(np.isfinite(h1) & np.isfinite(h2))
    if far.any():  # where scipy's 2F1 overflows: alpha and beta far apart -> the alternating series of
        far[far] = _near(r, alpha, s, beta, x[far], T[far])  # _log_integral_near; else 2F1's log-space series
    with np.errstate(divide="ignore", invalid="ignore"):  # the 2F1 series' longest run (its peak term's index)
        long = ~far & (np.maximum(b2 - 1, 0) * diff / (big + tx) / (1 - diff / (big + tx)) > QUAD_FROM)
    if long.any():  # series of more than QUAD_FROM terms: Gauss-Legendre panels (where they cover the range)
        value, _, done = _log_integral_quad(r, alpha, s, beta, x[long], tx[long], T[long])
        quad = np.flatnonzero(long)[done]
        long[long] = done
    out = np.empty(rsx.shape)
    rest = ~far & ~long
    q, b2, t1, t2 = rsx[rest], np.broadcast_to(b2, rsx.shape)[rest], tx[rest], T[rest]
    l1 = log_hyp2f1_c_a1(q, b2, diff / (big + t1)) - q * np.log(big + t1)
    l2 = log_hyp2f1_c_a1(q, b2, diff / (big + t2)) - q * np.log(big + t2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[rest] = l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))
    if far.any():
        out[far] = np.log(rsx[far]) + _log_integral_near(r, alpha, s, beta, x[far], tx[far], T[far])[0]
    if long.any():
        out[quad] = np.log(rsx[quad]) + value[done]
    return out


def _log_lik(p: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood (FHL 2005 note eq. 18) and its 'alive at T' part."""
    r, alpha, s, beta = p
    alive = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
             - (r + x) * np.log(alpha + T) - s * np.log(beta + T))
    dead = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, tx, T))
    return np.logaddexp(alive, dead), alive


#: Above WARM_ROWS distinct (x, t_x, T) rows the fit starts from the optimum and Hessian of a subsample (5 %, at
#: least WARM_SAMPLE rows), as BetaGeoNBD does: 1,000,000 customers in 15 evaluations of the likelihood instead of 30.
WARM_ROWS, WARM_SAMPLE = 200_000, 50_000

#: Most terms of the series in :func:`_log_integral_grad` before a row goes to the numerical fallback.
SERIES_TERMS = 600
#: Rows per block of :func:`_series` (a dozen arrays of this many floats fit in the cache).
SERIES_BLOCK = 16_384


def _series(a: np.ndarray, b: np.ndarray, z: np.ndarray, second: bool = False) -> tuple[np.ndarray, ...]:
    """sum_j v_j with v_j = (b)_j z^j / (j! (a + j)) and the sums its derivatives need.

    Returns (S, S_a, S_b, S_z, ok): S_a = sum v_j / (a + j) (so d ln S / da = -S_a / S), S_b =
    sum v_j (psi(b + j) - psi(b)) (d ln S / db = S_b / S), S_z = sum j v_j / z (d ln S / dz = S_z / S);
    with ``second``, (S, S_a, S_b, S_z, S_aa, S_ab, S_az, S_bb, S_bz, S_zz, ok), the sums of S's second
    derivatives: d2S/da2 = 2 S_aa (S_aa = sum v_j / (a + j)^2), d2S/dadb = -S_ab (sum v_j H_j / (a + j), H_j =
    psi(b + j) - psi(b)), d2S/dadz = -S_az (sum j v_j / ((a + j) z)), d2S/db2 = S_bb (sum v_j (H_j^2 - H'_j),
    H'_j = sum_(i<j) (b + i)^-2), d2S/dbdz = S_bz (sum j v_j H_j / z), d2S/dz2 = S_zz (sum j (j - 1) v_j / z^2);
    ``ok`` is False where the series needs more than :data:`SERIES_TERMS` terms or its terms could overflow
    (b ln(1 / (1 - z)) > 500). Every term is positive, summed by the ratio recurrence
    c_(j+1) = c_j (b + j) z / (j + 1) until the tail bound is below 1e-16 of the sum (1e-13 for the
    derivatives' sums). The rows are sorted by the terms they are expected to need, so the rows still
    summing are a leading slice (a row summed past its tolerance only gains exact terms)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = b * -np.log1p(-z) < 500
        peak = np.maximum(b - 1, 0) * z / (1 - z)  # the largest term's j; then terms fall by about z
        order = np.argsort(-(peak + 2 * np.sqrt(peak) - 37 / np.log(z)))
    aa, bb, zz = a[order], b[order], z[order]
    n = aa.size
    acc = np.empty((10 if second else 4, n))
    unfinished = np.zeros(n, dtype=bool)
    for lo in range(0, n, SERIES_BLOCK):  # blocks that stay in the cache: each term is a dozen passes over them
        hi = min(lo + SERIES_BLOCK, n)
        acc[:, lo:hi], unfinished[lo:hi] = _series_sorted(aa[lo:hi], bb[lo:hi], zz[lo:hi], second)
    ok[order[unfinished]] = False
    out = np.empty_like(acc)
    out[:, order] = acc
    with np.errstate(divide="ignore", invalid="ignore"):
        out[3] /= z
        if second:
            out[6] /= z
            out[8] /= z
            out[9] /= z * z
    return (*out, ok)


def _series_sorted(aa: np.ndarray, bb: np.ndarray, zz: np.ndarray,
                   second: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The sums of :func:`_series` (shape (4, n); with ``second`` (10, n), the six more of :func:`_series2`) on
    rows sorted by the terms they need, and where the series was not finished after :data:`SERIES_TERMS` terms."""
    n = aa.size
    acc = np.zeros((10 if second else 4, n))
    S, Sa, Sb, Sz = acc[:4]
    if second:
        Saa, Sab, Saz, Sbb, Sbz, Szz = acc[4:]
        H2 = np.zeros(n)  # -d/db (psi(b + j) - psi(b)) = sum_(i<j) 1 / (b + i)^2
    c = np.ones(n)  # (b)_j z^j / j!
    H = np.zeros(n)  # psi(b + j) - psi(b)
    d = aa.copy()  # a + j
    bj = bb.copy()  # b + j
    v, tmp = np.empty(n), np.empty(n)
    k = n
    for j in range(SERIES_TERMS):
        cs, ds, vs, ts, bs, hs = c[:k], d[:k], v[:k], tmp[:k], bj[:k], H[:k]
        np.divide(cs, ds, out=vs)
        S[:k] += vs
        if second:  # v_j H_j, v_j (H_j^2 - H2_j), j v_j H_j, j (j - 1) v_j, before H moves on
            vh = vs * hs
            Sbb[:k] += vh * hs - vs * H2[:k]
            Sbz[:k] += j * vh
            Szz[:k] += (j * (j - 1.0)) * vs
            Sab[:k] += vh / ds
            Saz[:k] += j * vs / ds
        np.multiply(vs, j, out=ts)
        Sz[:k] += ts
        np.multiply(vs, hs, out=ts)
        Sb[:k] += ts
        vs /= ds
        Sa[:k] += vs
        if second:
            Saa[:k] += vs / ds
            H2[:k] += 1.0 / (bs * bs)
        np.divide(zz[:k], j + 1, out=ts)
        ts *= bs
        cs *= ts
        np.divide(1.0, bs, out=ts)
        hs += ts
        bs += 1
        ds += 1
        if j % 2 == 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                rho = zz[:k] * np.maximum(1.0, bs / (j + 2))
                tail = cs / ds / (1 - rho)  # bounds what is left of S; S_z's and S_b's tails by (j + 2)(1 + H) more
                done = (rho < 1) & (tail < 1e-16 * S[:k]) & (tail * (j + 2) * (1 + hs) < 1e-13 * S[:k])
                if second:  # the second derivatives' sums: tails by (j + 2)^2 (1 + H)^2 more
                    done &= tail * ((j + 2) * (1 + hs)) ** 2 < 1e-11 * S[:k]
            busy = np.flatnonzero(~done)
            k = int(busy[-1]) + 1 if busy.size else 0
            if k == 0:
                break
    unfinished = np.zeros(n, dtype=bool)
    if k:
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = zz[:k] * np.maximum(1.0, bj[:k] / (SERIES_TERMS + 1))
            tail = c[:k] / d[:k] / (1 - rho)
        small = (tail < 1e-16 * S[:k]) & (tail * (SERIES_TERMS + 1) * (1 + H[:k]) < 1e-13 * S[:k])
        unfinished[:k] = ~((rho < 1) & small)
    return acc, unfinished


def _pairs(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (x, t) among the 2n pairs (x, t_x) and (x, T) the series run on, and the map back: every
    customer without repeat purchases shares one (0, 0), where the series is longest."""
    xx, tt = np.concatenate([x, x]), np.concatenate([tx, T])
    order = np.lexsort((tt, xx))  # what np.unique(axis=0) gives, without its row-view sort (3 s on 2,000,000 pairs)
    xs, ts = xx[order], tt[order]
    new = np.empty(xs.size, dtype=bool)
    new[:1] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    new[1:] |= ts[1:] != ts[:-1]
    inv = np.empty(xs.size, dtype=np.intp)
    inv[order] = np.cumsum(new) - 1
    return xs[new], ts[new], inv


def _log_integral_grad(r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray,
                       T: np.ndarray, pairs: tuple | None = None,
                       shift: bool = False) -> tuple[np.ndarray, Callable, np.ndarray]:
    """ln int_tx^T (alpha + y)^-(r+x) (beta + y)^-(s+1) dy per customer and its gradient in (r, alpha, s, beta).

    int_t^inf = (m + t)^-a sum_j (b)_j z_t^j / (j! (a + j)) with a = r + s + x and, for alpha >= beta,
    m = alpha, b = s + 1, z_t = (alpha - beta) / (alpha + t) (else m = beta, b = r + x, z_t = (beta - alpha) /
    (beta + t)): the expansion of FHL (2005 note) eq. (20)'s 2F1(a, b; a + 1; z) term by term, whose
    derivatives in a, b and z are sums of the same positive terms (:func:`_series`), so value and gradient are
    exact to the series' 1e-16 tail. Returns (value, grad_sum, ok): ``grad_sum(c)`` is sum_i c_i grad_i over the
    rows with ok True, shape (4,), computed from the distinct pairs (one ``bincount``, no per-customer gradient
    array); rows with ok False (a series too long) are left for the caller. ``pairs``: :func:`_pairs` of the
    rows, if already known. ``shift``: values plus s ln(beta), as :func:`_log_integral_near`."""
    n = x.size
    ux, tt, inv = pairs if pairs is not None else _pairs(x, tx, T)
    aa = r + s + ux
    big = alpha >= beta
    if big:
        m, other, b = alpha, beta, np.full(aa.size, s + 1.0)
    else:
        m, other, b = beta, alpha, r + ux
    z = np.maximum((m - other) / (m + tt), 1e-300)
    S, Sa, Sb, Sz, ok_pair = _series(aa, b, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        lmt = np.log(m + tt)
        if not shift:
            lnG = np.log(S) - aa * lmt
        elif big:
            lnG = np.log(S) - aa * lmt + s * np.log(beta)
        else:  # m = beta: s ln(beta) - (r + s + x) ln(beta + t) in closed form
            lnG = np.log(S) - (r + ux) * lmt - s * np.log1p(tt / beta)
        da = -lmt - Sa / S  # d ln G / da
        db = Sb / S
        dz = Sz / S
    l1, l2 = lnG[inv[:n]], lnG[inv[n:]]
    ok = ok_pair[inv[:n]] & ok_pair[inv[n:]]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = np.exp(np.minimum(l2 - l1, 0.0))
        value = l1 + np.log1p(-q)
    near_rows, near_grad = np.array([], dtype=np.intp), np.zeros((0, 4))
    if not ok.all():  # rows whose series is too long: the alternating series where alpha and beta are far apart
        far = np.flatnonzero(~ok)
        far = far[_near(r, alpha, s, beta, x[far], T[far])]
        if far.size:
            value[far], near_grad = _log_integral_near(r, alpha, s, beta, x[far], tx[far], T[far], grad=True,
                                                       shift=shift)
            near_rows = far
            ok[far] = True
    if not ok.all():  # the rest (e.g. r, alpha -> infinity together): Gauss-Legendre panels
        rest = np.flatnonzero(~ok)
        vq, gq, dq = _log_integral_quad(r, alpha, s, beta, x[rest], tx[rest], T[rest], grad=True, shift=shift)
        value[rest[dq]] = vq[dq]
        ok[rest[dq]] = True
        near_rows, near_grad = np.concatenate([near_rows, rest[dq]]), np.vstack([near_grad, gq[dq]])

    def grad_sum(c: np.ndarray) -> np.ndarray:
        """sum_i c_i d value_i / d (r, alpha, s, beta) over the ok rows (c_i = 0 where not needed)."""
        c = np.where(ok, c, 0.0)
        c_near = c[near_rows]
        c[near_rows] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            c1, c2 = c / (1 - q), c * q / (1 - q)  # value = ln(G1 - G2): d value = (dG1 - q dG2) / (1 - q)
        v = np.bincount(inv, weights=np.concatenate([np.where(c != 0, c1, 0.0), np.where(c != 0, -c2, 0.0)]),
                        minlength=aa.size)
        used = np.flatnonzero(v)
        v, a_, t_, da_, db_, dz_ = (u[used] for u in (v, aa, tt, da, db, dz))
        g_a, g_b = v @ da_, v @ db_
        if big:
            out = np.array([g_a, -(v * a_) @ (1 / (alpha + t_)) + (v * dz_) @ ((beta + t_) / (alpha + t_) ** 2),
                            g_a + g_b, -(v * dz_) @ (1 / (alpha + t_))])
        else:
            out = np.array([g_a + g_b, -(v * dz_) @ (1 / (beta + t_)), g_a,
                            -(v * a_) @ (1 / (beta + t_)) + (v * dz_) @ ((alpha + t_) / (beta + t_) ** 2)])
        used_near = c_near != 0  # t_x = T: no 'dead' part, and a gradient that need not be finite
        if used_near.any():
            out = out + c_near[used_near] @ near_grad[used_near]
        return out

    return value, grad_sum, ok


def _log_lik_grad(p: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
                  pairs: tuple | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-customer log-likelihood (FHL 2005 note eq. 18) and the weighted sum of its gradient in
    (r, alpha, s, beta), shape (4,) (weights ``w``); None where the likelihood takes the beta >> T branch of
    :func:`_log_a0`. Rows whose series is too long get the value of :func:`_log_lik` and central differences of
    it (step 1e-5 in log parameters)."""
    r, alpha, s, beta = p
    if (s + 1) * np.max(T - tx) < 1e-5 * (beta + np.min(tx)) and not _near(r, alpha, s, beta, x, T).all():
        return None
    # s ln(beta) is carried inside 'alive' and the integral, where it cancels with the beta powers in closed form:
    # where s and beta are both huge (the way to one dropout rate for all) each term is ~1e7 and the sum O(1)
    la, lb = np.log(alpha + T), np.log(beta + T)
    const = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = -(r + x) * la - s * np.log1p(T / beta)
    lint, grad_sum, ok = _log_integral_grad(r, alpha, s, beta, x, tx, T, pairs, shift=True)
    dead = np.log(s) + lint
    mix = np.logaddexp(alive, dead)
    with np.errstate(over="ignore", invalid="ignore"):
        w_alive = np.exp(alive - mix)
        w_dead = np.exp(dead - mix)
    ll = const + mix
    wa = np.where(ok, w * w_alive, 0.0)
    wd = np.where(ok & (w_dead != 0), w * w_dead, 0.0)  # t_x = T: no 'dead' part
    W = float(w[ok].sum())
    inv_aT, inv_bT = 1 / (alpha + T), 1 / (beta + T)
    grad = np.array([
        w[ok] @ digamma(r + x[ok]) + W * (np.log(alpha) - digamma(r)) - wa @ la,
        W * r / alpha - (wa * (r + x)) @ inv_aT,
        W * np.log(beta) - wa @ lb + wd.sum() / s,
        W * s / beta - s * (wa @ inv_bT),
    ]) + grad_sum(wd)
    if not ok.all():
        bad = ~ok
        xb, tb, Tb = x[bad], tx[bad], T[bad]
        lp = np.log(p)

        def rows(v: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore", invalid="ignore"):
                return _log_lik(np.exp(v), xb, tb, Tb)[0]

        ll[bad] = rows(lp)
        for k in range(4):
            step = np.zeros(4)
            step[k] = 1e-5
            grad[k] += w[bad] @ ((rows(lp + step) - rows(lp - step)) / 2e-5 / p[k])
    return ll, grad



def _pair_jacobians(r: float, alpha: float, s: float, beta: float,
                    tt: np.ndarray) -> tuple[list[dict], dict, dict]:
    """For each pair, the derivatives of (a, b, z, ln(m + t)) of :func:`_log_integral_grad` in (r, alpha, s, beta):
    the first as one {parameter index: value or array} per quantity, the second of z and of ln(m + t) as
    {(i, j): array} (a and b are linear)."""
    if alpha >= beta:  # m = alpha, b = s + 1, z = (alpha - beta) / (alpha + t)
        u = 1 / (alpha + tt)
        J = [{0: 1.0, 2: 1.0}, {2: 1.0}, {1: (beta + tt) * u * u, 3: -u}, {1: u}]
        return J, {(1, 1): -2 * (beta + tt) * u ** 3, (1, 3): u * u}, {(1, 1): -u * u}
    u = 1 / (beta + tt)  # m = beta, b = r + x, z = (beta - alpha) / (beta + t)
    J = [{0: 1.0, 2: 1.0}, {0: 1.0}, {3: (alpha + tt) * u * u, 1: -u}, {3: u}]
    return J, {(3, 3): -2 * (alpha + tt) * u ** 3, (1, 3): u * u}, {(3, 3): -u * u}


def _log_lik_hessian(p: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray,
                     pairs: tuple | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Hessian and gradient of the weighted log-likelihood (FHL 2005 note eq. 18) in (r, alpha, s, beta), closed form:
    the second derivatives of the 2F1 series of :func:`_log_integral_grad` are sums of its same positive terms
    (:func:`_series` with ``second``), carried through ln(G(t_x) - G(T)) and the alive/dead mixture by the chain
    rule; one pass over the distinct pairs instead of the 8 gradients of central differences. Returns (Hessian
    (4, 4), gradient (4,)); None where a row
    needs another route (the beta >> T closed form, series too long, alpha and beta far apart): the caller then
    differentiates the gradient."""
    r, alpha, s, beta = (float(v) for v in p)
    if (s + 1) * np.max(T - tx) < 1e-5 * (beta + np.min(tx)):
        return None
    n = x.size
    ux, tt, inv = pairs if pairs is not None else _pairs(x, tx, T)
    a = r + s + ux
    big = alpha >= beta
    m, other = (alpha, beta) if big else (beta, alpha)
    b = np.full(a.size, s + 1.0) if big else r + ux
    z = (m - other) / (m + tt)
    if z.min() < 1e-100:  # alpha = beta (or nearly): S_zz = 2 v_2 / z^2 would be 0 / 0; differences instead
        return None
    S, Sa, Sb, Sz, Saa, Sab, Saz, Sbb, Sbz, Szz, ok = _series(a, b, z, second=True)
    if not ok.all():
        return None
    lm = np.log(m + tt)
    fa, fb, fz = Sa / S, Sb / S, Sz / S
    first = (-lm - fa, fb, fz, -a)  # d ln G / d (a, b, z, ln(m + t)), ln G = ln S - a ln(m + t)
    # d2 ln G between (a, b, z, ln(m + t)); None where it is zero
    second = {(0, 0): 2 * Saa / S - fa * fa, (0, 1): -Sab / S + fa * fb, (0, 2): -Saz / S + fa * fz,
              (0, 3): np.full(a.size, -1.0), (1, 1): Sbb / S - fb * fb, (1, 2): Sbz / S - fb * fz,
              (2, 2): Szz / S - fz * fz}
    J, z2, l2 = _pair_jacobians(r, alpha, s, beta, tt)
    grad_pair = np.zeros((a.size, 4))
    for f, Ju in zip(first, J, strict=True):
        for k, d in Ju.items():
            grad_pair[:, k] += f * d

    def pair_hessian_sum(v: np.ndarray) -> np.ndarray:
        """sum_p v_p d2 ln G_p / d theta2, shape (4, 4)."""
        out = np.zeros((4, 4))
        for (i, j), L in second.items():
            vL = v * L
            for k, dk in J[i].items():
                for m_, dm in J[j].items():
                    term = float(np.sum(vL * dk * dm))
                    out[k, m_] += term
                    if i != j:
                        out[m_, k] += term
        for f, d2 in ((first[2], z2), (first[3], l2)):
            vf = v * f
            for (k, m_), d in d2.items():
                term = float(vf @ d)
                out[k, m_] += term
                if k != m_:
                    out[m_, k] += term
        return out

    lnG = np.log(S) - a * lm
    L1, L2 = lnG[inv[:n]], lnG[inv[n:]]
    dead_part = tx < T
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = np.exp(np.minimum(L2 - L1, 0.0))
        V = L1 + np.log1p(-q)
        c1 = np.where(dead_part, 1 / (1 - q), 0.0)
        c2 = np.where(dead_part, q / (1 - q), 0.0)
    la, lb = np.log(alpha + T), np.log(beta + T)
    alive = -(r + x) * la - s * lb
    dead = np.where(dead_part, np.log(s) + V, -np.inf)
    mix = np.logaddexp(alive, dead)
    wa, wd = np.exp(alive - mix), np.exp(dead - mix)
    g1, g2 = grad_pair[inv[:n]], grad_pair[inv[n:]]
    gV = c1[:, None] * g1 - c2[:, None] * g2
    kd = w * wd
    ka = w * wa
    W = float(w.sum())
    H = np.zeros((4, 4))
    # ln Gamma(r + x) - ln Gamma(r) + r ln alpha + s ln beta (the s ln beta shared by both parts)
    H[0, 0] = w @ polygamma(1, r + x) - W * polygamma(1, r)
    H[0, 1] = W / alpha
    H[1, 1] = -W * r / alpha ** 2
    H[2, 3] = W / beta
    H[3, 3] = -W * s / beta ** 2
    # alive: -(r + x) ln(alpha + T) - s ln(beta + T)
    ia, ib = 1 / (alpha + T), 1 / (beta + T)
    H[0, 1] -= ka @ ia
    H[1, 1] += (ka * (r + x)) @ (ia * ia)
    H[2, 3] -= ka @ ib
    H[3, 3] += s * (ka @ (ib * ib))
    # dead: ln s + ln(G(t_x) - G(T))
    H[2, 2] -= kd.sum() / s ** 2
    H = np.triu(H) + np.triu(H, 1).T
    v = np.bincount(inv, weights=np.concatenate([kd * c1, -kd * c2]), minlength=a.size)
    H += pair_hessian_sum(v)
    H += (g1 * (kd * c1)[:, None]).T @ g1 - (g2 * (kd * c2)[:, None]).T @ g2 - (gV * kd[:, None]).T @ gV
    # the mixture: w wa wd (grad alive - grad dead)(...)'
    g_alive = np.column_stack([-la, -(r + x) * ia, -lb, -s * ib])
    diff = g_alive - gV
    diff[:, 2] -= 1 / s
    H += (diff * (w * wa * wd)[:, None]).T @ diff
    grad = np.array([w @ digamma(r + x) + W * (np.log(alpha) - digamma(r)), W * r / alpha, W * np.log(beta),
                     W * s / beta]) + ka @ g_alive + kd @ gV
    grad[2] += kd.sum() / s
    return H, grad


class ParetoNBD(BaseFitter):
    """Pareto/NBD: while alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
    the lifetime is exponential with dropout rate mu ~ Gamma(s, beta), independent of lambda.

    ``fit(frequency, recency, T)`` with x repeat purchases, t_x the time of the last one and T the age,
    from the first purchase, in one time unit. The likelihood runs on the distinct (x, t_x, T) rows
    with weights; the hypergeometric terms are combined in log space (:func:`log_hyp2f1_c_a1`), so
    customers with hundreds of purchases stay finite. The fit's gradient is analytic: the integral of
    A0 is a series of positive terms whose derivatives in r, alpha, s and beta are sums of the same terms
    (:func:`_log_integral_grad`); central differences (step 1e-5 in log parameters) only for the rows whose
    series would need more than :data:`SERIES_TERMS` terms and for the beta >> T closed form.

    Parameters
    ----------
    alpha : float, default 0.05
        Significance level of the Wald intervals in ``summary``.
    tol : float, default 1e-10
        Convergence tolerance of the optimiser.
    max_iter : int, default 2000
        Most optimiser iterations.

    Attributes
    ----------
    params_ : Series with "r", "alpha", "s", "beta" (index ``parameter``)
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper (log-scale Wald), z, p_value
    log_likelihood_, aic_, bic_ : float
    n_obs_ : int, customers in the fit; variance_matrix_ : DataFrame; n_iter_ : int
    limits_ : tuple of str, the limits of the model the estimate is at (empty inside)

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting your customers: who are they and
    what will they do next? Management Science 33(1), 1-24.
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). A note on deriving the Pareto/NBD model and
    related expressions. http://brucehardie.com/notes/009/. Eqs. (18)-(20), (27), (36)-(37), (41).
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for
    customer base analysis. Journal of Marketing Research 42(4), 415-430. DERT, eq. (2).

    Examples
    --------
    >>> from crmresearch import clv, data
    >>> s = clv.summary_from_transactions(data.load_cdnow_transactions(sample=True), "1997-09-30")
    >>> m = clv.ParetoNBD().fit(s["frequency"], s["recency"], s["T"])
    >>> {k: round(v, 3) for k, v in m.params_.items()}   # FHL (2005): 0.5531, 10.5763, 0.6062, 11.6715
    {'r': 0.553, 'alpha': 10.578, 's': 0.606, 'beta': 11.669}
    """

    _param_names = ("r", "alpha", "s", "beta")
    # fit coordinates at the edges: log r, log r/alpha (mean purchase rate), log s/beta (mean dropout rate), log s
    _coordinates = ({"r": 1.0}, {"r": 1.0, "alpha": -1.0}, {"s": 1.0, "beta": -1.0}, {"s": 1.0})
    _limits = {  # noqa: RUF012 - a class-level table, never mutated
        0: shape_limit(same_rate),
        2: mean_limit(lambda p: "no dropout in these data: Pareto/NBD reduces to the NBD, "
                 "P(alive) = 1 for everyone (s/beta is held at 1e-30; s is not identified)", (3,)),
        3: shape_limit(lambda p: "no heterogeneity in dropout: every customer has the same "
                 f"dropout rate, {p['s'] / p['beta']:.4g} per time unit (the gamma mixing distribution reduces to a "
                 "point; s and beta are held at that limit)"),
    }

    def fit(self, frequency, recency, T, weights=None) -> ParetoNBD:
        """Maximum-likelihood fit on the distinct (x, t_x, T) rows.

        Parameters
        ----------
        frequency : array-like, shape (n_customers,)
            Repeat purchases x (count).
        recency : array-like, shape (n_customers,)
            Time of the last repeat purchase t_x (time units; 0 without repeat purchases).
        T : array-like, shape (n_customers,)
            Age: time since the first purchase (time units).
        weights : array-like, optional
            Customers each row stands for; None: 1 each.

        Returns
        -------
        ParetoNBD
            ``self``, fitted.

        Raises
        ------
        ValidationError
            Rows that break the (x, t_x, T) rules, fewer than 20 customers, or no repeat purchase at all.
        """
        x, tx, T, w = check_frequency_recency_age(frequency, recency, T, "ParetoNBD.fit", weights)
        check_identifiable(x, T, w, "ParetoNBD.fit")
        rows = compress_rows(x, tx, T, w)
        self._warm = self._warm_hessian = None
        self._analytic = rows[0].size > WARM_ROWS
        try:
            with blas_threads(1):  # small BLAS calls: threads cost more than they give (core.mle.blas_threads)
                if self._analytic:
                    # Warm start (as BetaGeoNBD): fit a 5 % subsample, then Newton steps on all rows with the
                    # subsample's Hessian scaled up (a few evaluations: the two Hessians nearly agree)
                    pick = np.random.default_rng(0).choice(rows[0].size, size=max(WARM_SAMPLE, rows[0].size // 20),
                                                           replace=False)
                    self._rows = tuple(a[pick] for a in rows)
                    self._pairs = _pairs(*self._rows[:3])
                    with warnings.catch_warnings():  # the full fit says what the data say, once
                        warnings.simplefilter("ignore", DataWarning)
                        self._optimise(n_obs=pick.size, covariance=False)
                    if not self.limits_:
                        self._warm = self._log_params
                        self._warm_hessian = self._hessian_log(self._warm) * (rows[3].sum() / rows[3][pick].sum())
                self._rows = rows
                self._pairs = _pairs(*rows[:3])
                self._optimise(n_obs=round(float(w.sum())))
        finally:
            for name in ("_rows", "_pairs", "_warm", "_warm_hessian", "_newton_result", "_analytic"):
                self.__dict__.pop(name, None)
        return self

    def _analytic_hessian(self, log_params: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Hessian and gradient of the log-likelihood in natural parameters in closed form
        (:func:`_log_lik_hessian`) on bases above :data:`WARM_ROWS` distinct rows; None below (the base's
        central differences of the gradient: the values in the studies' tables) or where a row needs another
        route."""
        if not getattr(self, "_analytic", False):
            return None
        x, tx, T, w = self._rows
        with np.errstate(over="ignore", invalid="ignore"):
            out = _log_lik_hessian(np.exp(log_params), x, tx, T, w, self._pairs)
        return out if out is not None and np.isfinite(out[0]).all() and np.isfinite(out[1]).all() else None

    def _hessian_log(self, log_params: np.ndarray) -> np.ndarray:
        """Hessian of -LL in log parameters: closed form on large bases (:meth:`_analytic_hessian`), else the
        base's central differences of the gradient."""
        both = self._analytic_hessian(log_params)
        if both is None:
            return super()._hessian_log(log_params)
        theta = np.exp(log_params)
        H, g = both
        return -(theta[:, None] * H * theta[None, :] + np.diag(theta * g))

    def _covariance(self, values: np.ndarray, grad_at_optimum: np.ndarray) -> pd.DataFrame:
        """Inverse observed information: from the closed-form Hessian on large bases (one pass over the pairs;
        it agrees with the central differences to ~1e-8 relative), else the base's differences."""
        both = self._analytic_hessian(np.log(values))
        if both is None:
            return super()._covariance(values, grad_at_optimum)
        cov = invert(-both[0])
        return pd.DataFrame(cov, index=self._param_names, columns=self._param_names)

    def _start(self) -> np.ndarray:
        if getattr(self, "_warm", None) is not None:
            return self._warm
        x, _, T, w = self._rows
        rate = np.average(x, weights=w) / np.average(T, weights=w)
        return np.log([1.0, 1.0 / max(rate, 1e-6), 1.0, np.average(T, weights=w)])

    def _value(self, log_params: np.ndarray) -> float:
        x, tx, T, w = self._rows
        with np.errstate(over="ignore", invalid="ignore"):
            ll = w @ _log_lik(np.exp(log_params), x, tx, T)[0]
        return -float(ll) if np.isfinite(ll) else np.inf

    def _negloglik(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.exp(log_params)
        x, tx, T, w = self._rows
        with np.errstate(over="ignore", invalid="ignore"):
            both = _log_lik_grad(p, x, tx, T, w, self._pairs)
        if both is None:  # beta >> T: the closed form of _log_a0 has no series; central differences
            return self._value(log_params), gradient(self._value, log_params, 1e-5)
        ll = float(w @ both[0])
        if not np.isfinite(ll):
            return np.inf, np.zeros(4)
        return -ll, -both[1] * p

    def log_likelihood(self, frequency, recency, T, params: dict | None = None) -> float:
        """Log-likelihood of customers at ``params`` (default: the fitted ones).

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T as in :meth:`fit`.
        params : dict or None, optional
            ``{'r', 'alpha', 's', 'beta'}``; None: the fitted parameters.

        Returns
        -------
        float
            Total log-likelihood.
        """
        x, tx, T, _ = check_frequency_recency_age(frequency, recency, T, "ParetoNBD.log_likelihood")
        p = params if params is not None else self._p_dict()
        return float(_log_lik(np.array([p[k] for k in self._param_names]), x, tx, T)[0].sum())

    # predictions ----------------------------------------------------------------------
    def _p_dict(self) -> dict:
        self._check_fitted("predict")
        return dict(self.params_)

    def _p(self) -> tuple[float, float, float, float]:
        p = self._p_dict()
        return p["r"], p["alpha"], p["s"], p["beta"]

    def _history(self, frequency, recency, T, caller: str) -> tuple[np.ndarray, ...]:
        x, tx, T, _ = check_frequency_recency_age(frequency, recency, T, f"ParetoNBD.{caller}")
        return x, tx, T

    def probability_alive(self, frequency, recency, T) -> pd.Series | np.ndarray:
        """P(alive at T | x, t_x, T); FHL (2005 note) eqs. (36)-(37), in log space.

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            P(alive) per customer (0-1), on the customers' index when ``frequency`` is a Series.
        """
        r, alpha, s, beta = self._p()
        x, tx, T = self._history(frequency, recency, T, "probability_alive")
        with np.errstate(divide="ignore"):
            log_odds_dead = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                             + _log_a0(r, alpha, s, beta, x, tx, T))
        return per_customer(expit(-log_odds_dead), frequency, "probability_alive")

    def expected_purchases(self, t, frequency, recency, T) -> pd.Series | np.ndarray:
        """Expected repeat purchases in (T, T + t] given the history; FHL (2005 note) eq. (41).

        Parameters
        ----------
        t : float or array-like, shape (n_customers,)
            Horizon (time units), one for all or one per customer.
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            Expected repeat purchases per customer (count).
        """
        r, alpha, s, beta = self._p()
        x, tx, T = self._history(frequency, recency, T, "expected_purchases")
        t = _horizon(t, x.size, "ParetoNBD.expected_purchases")
        ll, alive = _log_lik(np.array([r, alpha, s, beta]), x, tx, T)
        q = np.log(beta + T) - np.log(beta + T + t)  # ln((beta + T) / (beta + T + t)) <= 0
        # (1 - ((beta+T)/(beta+T+t))^(s-1)) / (s-1); its limit at s = 1 is -q
        tail = -q if abs(s - 1) < 1e-12 else -np.expm1((s - 1) * q) / (s - 1)
        out = np.exp(alive - ll) * (r + x) * (beta + T) / (alpha + T) * tail
        return per_customer(out, frequency, "expected_purchases")

    def expected_purchases_path(self, times, frequency, recency, T) -> np.ndarray:
        """:meth:`expected_purchases` at several horizons at once (P(alive) is computed once, not per horizon).

        Parameters
        ----------
        times : array-like, shape (n_times,)
            Horizons (time units), each > 0.
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        ndarray, shape (n_customers, n_times)
            Expected repeat purchases in (T, T + t] for each horizon t (count).
        """
        r, alpha, s, beta = self._p()
        x, tx, T = self._history(frequency, recency, T, "expected_purchases_path")
        t = np.asarray(times, dtype=float).reshape(1, -1)
        ll, alive = _log_lik(np.array([r, alpha, s, beta]), x, tx, T)
        lead = (np.exp(alive - ll) * (r + x) * (beta + T) / (alpha + T))[:, None]
        q = np.log(beta + T)[:, None] - np.log(beta + T[:, None] + t)
        tail = -q if abs(s - 1) < 1e-12 else -np.expm1((s - 1) * q) / (s - 1)
        return lead * tail

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a customer just acquired; FHL (2005 note) eq. (27).

        Parameters
        ----------
        t : float or array-like
            Horizon (time units).

        Returns
        -------
        ndarray
            Expected repeat purchases (count).
        """
        r, alpha, s, beta = self._p()
        t = np.asarray(t, dtype=float)
        q = np.log(beta) - np.log(beta + t)
        tail = -q if abs(s - 1) < 1e-12 else -np.expm1((s - 1) * q) / (s - 1)
        return r * beta / alpha * tail

    def dert(self, discount_rate: float, frequency, recency, T) -> pd.Series | np.ndarray:
        """Discounted expected residual transactions: sum of the customer's future transactions, each
        discounted continuously at ``discount_rate`` per time unit; Fader, Hardie & Lee (2005, JMR) eq. (2):

            DERT = alpha^r beta^s delta^(s-1) Gamma(r+x+1) U(s, s; delta (beta+T))
                   / (Gamma(r) (alpha+T)^(r+x+1) L(r, alpha, s, beta | x, t_x, T)),

        with U the confluent hypergeometric function of the second kind (in log space).

        Parameters
        ----------
        discount_rate : float
            Continuously compounded discount rate per time unit, delta > 0 (an annual rate d over
            weeks: ln(1 + d) / 52).
        frequency, recency, T : array-like, shape (n_customers,)
            x, t_x and T (time units).

        Returns
        -------
        Series or ndarray
            DERT per customer (discounted transactions).
        """
        r, alpha, s, beta = self._p()
        d = float(discount_rate)
        if not (np.isfinite(d) and d > 0):
            raise ValidationError(f"ParetoNBD.dert: discount_rate must be > 0 (continuous, per time unit); got {d}")
        x, tx, T = self._history(frequency, recency, T, "dert")
        ll, _ = _log_lik(np.array([r, alpha, s, beta]), x, tx, T)
        log_dert = (r * np.log(alpha) + s * np.log(beta) + (s - 1) * np.log(d) + gammaln(r + x + 1) - gammaln(r)
                    + np.log(hyperu(s, s, d * (beta + T))) - (r + x + 1) * np.log(alpha + T) - ll)
        return per_customer(np.exp(log_dert), frequency, "dert")


def _horizon(t, n: int, caller: str) -> np.ndarray:
    """A horizon: one number or one per customer, finite and >= 0."""
    t = np.asarray(t, dtype=float)
    if t.ndim > 1 or (t.ndim == 1 and t.shape != (n,)):
        raise ValidationError(f"{caller}: the horizon t must be one number or one per customer ({n}); "
                              f"got shape {t.shape}")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise ValidationError(f"{caller}: {int(bad.sum())} of {t.size} horizons are negative or not finite; "
                              "t is a time ahead, in the fitted time unit, >= 0")
    return t
