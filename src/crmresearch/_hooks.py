"""Callbacks one part of the package offers another without importing it (shared ground, no imports).

``INTERACTIVE``: what an interactive :class:`crmresearch.reporting.Exhibits` (``output_dir=""``, a
study run by hand in JupyterLab) calls with itself on ``"start"`` and after every exhibit or input
``"written"``. :mod:`crmresearch.studies` registers its run record (manifest, earlier runs kept) and
the progress bars when imported, so reporting imports no study code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["INTERACTIVE", "register"]

INTERACTIVE: dict[str, list[Callable[[Any], None]]] = {"start": [], "written": []}


def register(event: str, hook: Callable[[Any], None]) -> None:
    """Add ``hook`` to the ``event`` callbacks of interactive exhibits (once).

    Parameters
    ----------
    event : {'start', 'written'}
        When it runs.
    hook : callable
        Called with the :class:`~crmresearch.reporting.Exhibits`.

    Examples
    --------
    >>> from crmresearch import _hooks
    >>> def note(ex): pass
    >>> _hooks.register('written', note); _hooks.register('written', note)
    >>> _hooks.INTERACTIVE['written'].count(note)
    1
    >>> _hooks.INTERACTIVE['written'].remove(note)
    """
    if hook not in INTERACTIVE[event]:
        INTERACTIVE[event].append(hook)
