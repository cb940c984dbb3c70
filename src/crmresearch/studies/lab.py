"""JupyterLab for the analyst: the tracked notebooks stay as committed whatever a session saves.

``make lab`` starts JupyterLab on the project root with the server settings of
:data:`CONFIG` (``jupyter lab --config=...``). They install :func:`pre_save_hook`, which the
Jupyter server calls before it writes any file: a notebook under ``notebooks/`` is written
without outputs and execution counts and with its ``parameters`` cell as the registry generates
it, so neither an autosave nor a "Save" can put outputs or an edited parameter into the
repository. Notebooks saved elsewhere (``File > Save Notebook As...`` into ``build/``) keep
their outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import paths

__all__ = ["CONFIG", "clean_notebook", "configure", "pre_save_hook", "protected"]

#: The Jupyter server settings file ``make lab`` passes with ``--config``.
CONFIG: Path = Path(__file__).with_name("jupyter_server_config.py")

_VOLATILE_CELL_METADATA = ("execution", "scrolled", "collapsed")  # timings and view state JupyterLab records


def protected(api_path: str, os_path: str | Path | None = None) -> bool:
    """Whether a file saved through Jupyter is one of the tracked study notebooks.

    Parameters
    ----------
    api_path : str
        The path the server names the file by, relative to its root folder.
    os_path : str or Path or None, optional
        The file on disk, when known.

    Returns
    -------
    bool
        True for a notebook under ``notebooks/`` of the server's root or inside
        :func:`crmresearch.paths.notebooks_dir`.

    Examples
    --------
    >>> from crmresearch.studies import lab
    >>> lab.protected('notebooks/value-tiers.ipynb'), lab.protected('build/my-copy.ipynb')
    (True, False)
    """
    parts = [p for p in api_path.replace("\\", "/").split("/") if p]
    if not parts or not parts[-1].endswith(".ipynb"):
        return False
    if parts[0] == "notebooks":
        return True
    if os_path is None:
        return False
    return Path(paths.notebooks_dir()).resolve() in Path(os_path).resolve().parents


def clean_notebook(nb: dict[str, Any], study: str | None = None) -> dict[str, Any]:
    """Strip a notebook (nbformat 4 as a dict) to its stored form, in place: no outputs, no execution
    counts, no recorded timings; with ``study`` a registered study, its ``parameters`` cell is the
    registry's text (:meth:`~crmresearch.studies.registry.Study.parameters_cell`).

    Parameters
    ----------
    nb : dict
        The notebook's JSON content.
    study : str or None, optional
        The study the notebook belongs to; None or an unknown name: the parameters cell is kept.

    Returns
    -------
    dict
        ``nb``.

    Examples
    --------
    >>> from crmresearch.studies import lab
    >>> nb = {'cells': [{'cell_type': 'code', 'source': 'x = 1', 'metadata': {}, 'execution_count': 3,
    ...                  'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': '1'}]}]}
    >>> lab.clean_notebook(nb)['cells'][0]['outputs'], nb['cells'][0]['execution_count']
    ([], None)
    """
    from . import registry

    cell_text = registry.REGISTRY[study].parameters_cell() if study in registry.REGISTRY else None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
        meta = cell.get("metadata", {})
        for key in _VOLATILE_CELL_METADATA:
            meta.pop(key, None)
        if cell_text is not None and "parameters" in meta.get("tags", []):
            cell["source"] = cell_text
    return nb


def pre_save_hook(model: dict[str, Any], path: str, contents_manager: Any = None, **kwargs: Any) -> None:
    """Jupyter server ``ContentsManager.pre_save_hook``: clean a tracked study notebook before it is written.

    Parameters
    ----------
    model : dict
        The contents model being saved (``type``, ``content`` ...); changed in place.
    path : str
        Its API path, relative to the server's root folder.
    contents_manager : object, optional
        The server's contents manager (gives the file on disk).
    **kwargs : object
        Whatever else the server passes.

    Examples
    --------
    >>> from crmresearch.studies import lab
    >>> model = {'type': 'notebook', 'content': {'cells': [{'cell_type': 'code', 'source': '', 'metadata': {},
    ...          'execution_count': 1, 'outputs': [{'output_type': 'execute_result'}]}]}}
    >>> lab.pre_save_hook(model, 'notebooks/scratch.ipynb')
    >>> model['content']['cells'][0]['outputs']
    []
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    os_path = None
    if contents_manager is not None and hasattr(contents_manager, "_get_os_path"):
        os_path = contents_manager._get_os_path(path)
    if protected(path, os_path):
        clean_notebook(model["content"], Path(path).stem)


def configure(c: Any) -> None:
    """Apply the ``make lab`` server settings to a traitlets config ``c`` (nothing when None).

    Parameters
    ----------
    c : traitlets Config or None
        The config object of a Jupyter server settings file.

    Examples
    --------
    >>> from traitlets.config import Config
    >>> from crmresearch.studies import lab
    >>> c = Config(); lab.configure(c)
    >>> c.ContentsManager.pre_save_hook
    'crmresearch.studies.lab.pre_save_hook'
    """
    if c is None:
        return
    c.ContentsManager.pre_save_hook = "crmresearch.studies.lab.pre_save_hook"
