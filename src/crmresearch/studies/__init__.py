"""Studies: compositions of the method families.

- registry: study name -> notebook, typed parameters, smoke settings, exhibits, data roles
- pipeline: run a study's notebook through papermill into a staging folder, publish on success, verify
- publish: safe output folders, atomic folder switch, stale leftovers
- site: the website (papers, exhibits, executed notebooks, API reference)
"""

from .registry import REGISTRY, RESERVED, Param, Study, all_studies, get

__all__ = ["REGISTRY", "RESERVED", "Param", "Study", "all_studies", "get"]

from . import lab as _lab

_lab.install()  # an interactive run (JupyterLab) records its manifest and shows progress bars
