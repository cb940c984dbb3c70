"""Progress of long loops (bootstraps, refits, simulations): visible in JupyterLab, silent in batch runs.

A long loop takes ``progress=None`` and reports through :func:`tracker`. ``None`` follows the
session default, which :class:`crmresearch.reporting.Exhibits` sets: on for an interactive run
(``output_dir=""`` in JupyterLab), off for ``crmresearch run`` / papermill (nothing enters the
executed notebook or an exhibit, so runs stay byte-identical). ``True`` or ``False`` force it; a
callable ``progress(done, total)`` receives every step instead of the bar.

In a Jupyter kernel the bar is one HTML line updated in place (no ipywidgets needed); elsewhere a
``\\r`` line on standard error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Progress", "enabled", "set_default", "tracker"]

_DEFAULT = False


def set_default(on: bool) -> None:
    """Show progress bars (``progress=None``) in this session or not.

    Parameters
    ----------
    on : bool
        True: bars for every long loop; False: silent.

    Examples
    --------
    >>> from crmresearch.core import progress
    >>> progress.set_default(False); progress.enabled(None)
    False
    """
    global _DEFAULT
    _DEFAULT = bool(on)


def enabled(progress: bool | Callable[[int, int], Any] | None) -> bool:
    """Whether a loop given ``progress`` reports (a callable always does).

    Parameters
    ----------
    progress : bool or callable or None
        The loop's ``progress`` argument; None: the session default.

    Returns
    -------
    bool
    """
    if progress is None:
        return _DEFAULT
    return bool(progress)


class Progress:
    """A counter that shows ``label: done / total unit (share), elapsed, time left`` while a loop runs.

    Parameters
    ----------
    total : int
        Steps of the loop.
    label : str
        What runs, e.g. ``'PLS bootstrap'``.
    unit : str, default 'steps'
        What one step is, e.g. ``'resamples'``.
    progress : bool or callable or None, optional
        See the module docstring; None: the session default.
    every : float, default 0.5
        Seconds between redraws.

    Examples
    --------
    >>> from crmresearch.core import progress
    >>> seen = []
    >>> with progress.tracker(3, 'refits', progress=lambda done, total: seen.append((done, total))) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> seen
    [(1, 3), (2, 3), (3, 3)]
    """

    def __init__(self, total: int, label: str, unit: str = "steps",
                 progress: bool | Callable[[int, int], Any] | None = None, every: float = 0.5) -> None:
        self.total, self.label, self.unit, self.every = int(total), label, unit, every
        self.done = 0
        self._callback = progress if callable(progress) else None
        self._show = self._callback is None and enabled(progress)
        self._start = time.monotonic()
        self._last = -1.0
        self._handle: Any = None
        self._kernel = False
        if self._show:
            try:
                from IPython import get_ipython

                shell = get_ipython()
                self._kernel = shell is not None and hasattr(shell, "kernel")
            except ImportError:  # pragma: no cover - IPython comes with ipykernel
                self._kernel = False

    def text(self) -> str:
        """The progress line, e.g. ``PLS bootstrap: 1,250 / 5,000 resamples (25 %), 30 s, about 90 s left``."""
        elapsed = time.monotonic() - self._start
        share = self.done / self.total if self.total else 1.0
        left = f", about {elapsed / share - elapsed:,.0f} s left" if 0 < share < 1 else ""
        return (f"{self.label}: {self.done:,} / {self.total:,} {self.unit} ({100 * share:.0f} %), "
                f"{elapsed:,.0f} s{left}")

    def update(self, n: int = 1) -> None:
        """Count ``n`` more steps done."""
        self.done += n
        if self._callback is not None:
            self._callback(self.done, self.total)
        elif self._show:
            now = time.monotonic()
            if now - self._last >= self.every or self.done >= self.total:
                self._last = now
                self._draw()

    def _draw(self) -> None:
        if self._kernel:
            from html import escape

            from IPython.display import display

            share = self.done / self.total if self.total else 1.0
            text = self.text()
            body = {"text/plain": text, "text/html": f'<progress value="{share:.4f}" max="1" style="width: 16em">'
                                                     f"</progress> <code>{escape(text)}</code>"}
            if self._handle is None:
                self._handle = display(body, raw=True, display_id=True)
            else:
                self._handle.update(body, raw=True)
        else:
            end = "\n" if self.done >= self.total else ""
            sys.stderr.write(f"\r{self.text()}{end}")
            sys.stderr.flush()

    def __enter__(self) -> Progress:
        if self._show:
            self._draw()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._show and self.done < self.total and not self._kernel:
            sys.stderr.write("\n")


def tracker(total: int, label: str, unit: str = "steps",
            progress: bool | Callable[[int, int], Any] | None = None) -> Progress:
    """A :class:`Progress` for a loop of ``total`` steps (use it as a context manager, ``update()`` per step).

    Parameters
    ----------
    total : int
        Steps of the loop.
    label : str
        What runs.
    unit : str, default 'steps'
        What one step is.
    progress : bool or callable or None, optional
        None: the session default (on in an interactive run, off in batch runs); True / False; or a
        callable ``progress(done, total)``.

    Returns
    -------
    Progress
    """
    return Progress(total, label, unit, progress)
