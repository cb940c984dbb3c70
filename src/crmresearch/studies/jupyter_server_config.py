"""Jupyter server settings of ``make lab`` (``jupyter lab --config=<this file>``).

Installs :func:`crmresearch.studies.lab.pre_save_hook`: notebooks under ``notebooks/`` are
saved without outputs, execution counts or edited parameters, whatever JupyterLab autosaves.
Importing this file does nothing; the server runs it with its config object ``c``.
"""

from crmresearch.studies.lab import configure

configure(globals().get("c"))
