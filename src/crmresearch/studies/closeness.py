"""Exhibits made on another kind of CPU: close enough, or different.

The same code, parameters and seed give byte-identical exhibits on one kind of machine. On another (AVX-512
kernels of OpenBLAS and numpy instead of AVX2, say) the last bits of sums and products differ, an optimiser that
stops at a tolerance stops elsewhere, and a table's sixth decimal or a figure's coordinate moves. ``crmresearch
verify`` then compares the exhibit itself instead of its hash: a Markdown table (what the papers print) may
differ by one unit in the last printed digit of a number, any table by 1e-3 of the largest magnitude in the
number's column (``RTOL``), an SVG
figure by ``SVG_ATOL`` points in a coordinate; its PNG follows the SVG. On the machine kind that made
``figures/`` the hashes must match.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

#: Relative tolerance of a table's number across machine kinds, against the largest magnitude in its column (an
#: ETS fit stopping elsewhere moves MASE by 3e-4; a rung of the product ladder with a standard error of 6,663
#: moves by 2e-4).
RTOL = 1e-3
#: Absolute tolerance of a CSV number near zero (one unit of the sixth decimal the tables print).
CSV_ATOL = 2e-6
#: Absolute tolerance of an SVG coordinate, in points.
SVG_ATOL = 0.5

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SVG_ID = re.compile(r"\b(p|m)[0-9a-f]{8,}\b")  # matplotlib's clip-path and marker ids (hashes of the content)


@lru_cache(maxsize=1)
def machine_kind() -> str:
    """The kind of CPU the numbers depend on: numpy's widest SIMD extension and OpenBLAS's kernel family.

    Returns
    -------
    str
        For example ``'AVX512F/SkylakeX'`` or ``'AVX2/Zen'``.

    Examples
    --------
    >>> from crmresearch.studies.closeness import machine_kind
    >>> '/' in machine_kind()
    True
    """
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as features
    simd = next((f for f in ("AVX512_SPR", "AVX512_ICL", "AVX512_SKX", "AVX512F", "AVX2", "SSE42", "ASIMD")
                 if features.get(f)), "baseline")
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        blas = next((str(i.get("architecture") or i.get("internal_api")) for i in threadpool_info()
                     if i.get("user_api") == "blas"), "unknown")
    except ImportError:
        pass
    return f"{simd}/{blas}"


def _cells_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _cells_md(path: Path) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _number(text: str) -> float | None:
    t = text.replace(",", "").replace("\u2212", "-").strip()
    if not t or _NUMBER.fullmatch(t) is None:
        return None
    return float(t)


def _last_unit(text: str) -> float:
    """One unit in the last printed digit of a number as printed (``'18.66'`` -> 0.01, ``'2,825'`` -> 1)."""
    t = text.replace(",", "").strip()
    mantissa = re.split(r"[eE]", t)[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    scale = 10.0 ** int(re.split(r"[eE]", t)[1]) if re.search(r"[eE]", t) else 1.0
    return 10.0 ** -decimals * scale


def tables_close(committed: Path, fresh: Path) -> bool:
    """Whether two versions of a table exhibit say the same: same shape and text cells; numbers within ``RTOL``
    of the largest magnitude in their column (at least ``CSV_ATOL``), or in Markdown within one unit of their last
    printed digit.

    Parameters
    ----------
    committed, fresh : Path
        The two files (``.csv`` or ``.md``).

    Returns
    -------
    bool
        True when every cell agrees.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies.closeness import tables_close
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / 'a.md').write_text('| m | rmse |\\n|---|---:|\\n| ets | 26.33 |\\n')
    >>> _ = (d / 'b.md').write_text('| m | rmse |\\n|---|---:|\\n| ets | 26.32 |\\n')
    >>> _ = (d / 'c.md').write_text('| m | rmse |\\n|---|---:|\\n| ets | 26.30 |\\n')
    >>> tables_close(d / 'a.md', d / 'b.md'), tables_close(d / 'a.md', d / 'c.md')
    (True, False)
    """
    md = committed.suffix == ".md"
    a, b = (_cells_md(p) if md else _cells_csv(p) for p in (committed, fresh))
    if len(a) != len(b) or any(len(r) != len(s) for r, s in zip(a, b, strict=True)):
        return False
    scale = [max([abs(n) for row in a for n in [_number(row[j])] if n is not None] or [0.0])
             for j in range(len(a[0]))] if a else []
    for row_a, row_b in zip(a, b, strict=True):
        for j, (x, y) in enumerate(zip(row_a, row_b, strict=True)):
            if x == y:
                continue
            u, v = _number(x), _number(y)
            if u is None or v is None:
                return False
            tol = max(CSV_ATOL, RTOL * max(abs(u), abs(v), scale[j]))
            if md:
                tol = max(tol, 1.01 * max(_last_unit(x), _last_unit(y)))
            if abs(u - v) > tol:
                return False
    return True


def svg_close(committed: Path, fresh: Path) -> bool:
    """Whether two SVG figures draw the same: the same text once numbers and matplotlib's content-hash ids are
    set aside, and every number within ``SVG_ATOL`` (points).

    Parameters
    ----------
    committed, fresh : Path
        The two ``.svg`` files.

    Returns
    -------
    bool
        True when they draw the same to that tolerance.
    """
    a, b = (_SVG_ID.sub("ID", p.read_text(encoding="utf-8")) for p in (committed, fresh))
    if _NUMBER.sub("N", a) != _NUMBER.sub("N", b):
        return False
    u = np.array([float(m) for m in _NUMBER.findall(a)])
    v = np.array([float(m) for m in _NUMBER.findall(b)])
    return u.shape == v.shape and bool(np.all(np.abs(u - v) <= SVG_ATOL))


def exhibit_close(committed: Path, fresh: Path) -> bool:
    """:func:`tables_close` for a table, :func:`svg_close` for an SVG, and for a PNG the closeness of the SVG
    beside it (a raster cannot be compared by its numbers); False for anything else or a file not there."""
    if not (committed.is_file() and fresh.is_file()):
        return False
    if committed.suffix in (".csv", ".md"):
        return tables_close(committed, fresh)
    if committed.suffix == ".png":
        committed, fresh = committed.with_suffix(".svg"), fresh.with_suffix(".svg")
        if not (committed.is_file() and fresh.is_file()):
            return False
    return committed.suffix == ".svg" and svg_close(committed, fresh)
