"""Where things live: the project root, shipped data, notebooks, figures and build output.

Set ``CRMRESEARCH_ROOT`` to run against another checkout or a scratch folder (tests do);
otherwise the root is the git checkout this package was installed from in editable mode.
Non-editable installs read data and notebooks from the copies shipped inside the wheel.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "build_dir",
    "data_dir",
    "figures_dir",
    "notebooks_dir",
    "project_root",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
_SHIPPED = _PACKAGE_DIR / "_shipped"


def _checkout_root() -> Path | None:
    candidate = _PACKAGE_DIR.parent.parent  # src/crmresearch -> repo root
    if (candidate / "pyproject.toml").is_file() and (candidate / "notebooks").is_dir():
        return candidate
    return None


def project_root() -> Path:
    """The folder that holds figures/, build/ and (in a checkout) notebooks/ and data/.

    Returns
    -------
    Path
        The project root: ``CRMRESEARCH_ROOT`` if set, else the checkout, else the working directory.

    Examples
    --------
    >>> import os, tempfile
    >>> from crmresearch import paths
    >>> os.environ['CRMRESEARCH_ROOT'] = tempfile.gettempdir()   # write exhibits elsewhere
    >>> paths.figures_dir().parent == paths.project_root()
    True
    >>> del os.environ['CRMRESEARCH_ROOT']
    """
    env = os.environ.get("CRMRESEARCH_ROOT")
    if env:
        return Path(env).resolve()
    root = _checkout_root()
    return root if root is not None else Path.cwd().resolve()


def _source_dir(name: str) -> Path:
    root = _checkout_root()
    if root is not None and (root / name).is_dir():
        return root / name
    return _SHIPPED / name


def data_dir() -> Path:
    """Shipped input data (read-only): CDNOW, paper tables.

    Returns
    -------
    Path
        ``<project root>/data``.

    Examples
    --------
    >>> from crmresearch import paths
    >>> (paths.data_dir() / 'fh2007_retention.csv').is_file()
    True
    """
    return _source_dir("data")


def notebooks_dir() -> Path:
    """The study notebooks (stored without outputs).

    Returns
    -------
    Path
        The notebooks folder of the checkout (or of the installed package).

    Examples
    --------
    >>> from crmresearch import paths
    >>> (paths.notebooks_dir() / 'value-tiers.ipynb').is_file()
    True
    """
    return _source_dir("notebooks")


def figures_dir() -> Path:
    """Canonical exhibits at default parameters, one sub-folder per study.

    Returns
    -------
    Path
        ``<project root>/figures``.

    Examples
    --------
    >>> from crmresearch import paths
    >>> paths.figures_dir().name
    'figures'
    """
    return project_root() / "figures"


def build_dir() -> Path:
    """Git-ignored output: executed notebooks, non-default runs, staging areas.

    Returns
    -------
    Path
        ``<project root>/build``.

    Examples
    --------
    >>> from crmresearch import paths
    >>> paths.build_dir().name, paths.build_dir().parent == paths.project_root()
    ('build', True)
    """
    return project_root() / "build"
