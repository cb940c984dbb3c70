"""Old module paths kept for one release: each warns once and hands on the new module's names."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__all__ = ["moved"]


def moved(old: str, new: str | tuple[str, ...], namespace: dict[str, Any]) -> None:
    """Fill ``namespace`` (an old module's globals) with the public names of ``new`` and warn.

    Parameters
    ----------
    old : str
        The old dotted module path (``crmresearch.health``).
    new : str or tuple of str
        The new module path(s) whose public names the old path still offers.
    namespace : dict
        The old module's ``globals()``.

    Examples
    --------
    >>> import warnings
    >>> from crmresearch._deprecated import moved
    >>> ns = {}
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     moved("crmresearch.oldplace", "crmresearch.core.base", ns)
    >>> "Estimator" in ns, caught[0].category.__name__
    (True, 'DeprecationWarning')
    """
    targets = (new,) if isinstance(new, str) else new
    names: list[str] = []
    for target in targets:
        module = importlib.import_module(target)
        public = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
        namespace.update({n: getattr(module, n) for n in public})
        names.extend(public)
    namespace["__all__"] = sorted(set(names))
    warnings.warn(f"{old} has moved to {' and '.join(targets)}; the old path goes in the next release "
                  "(see CHANGELOG.md)", DeprecationWarning, stacklevel=3)
