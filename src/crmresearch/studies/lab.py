"""JupyterLab for the analyst: the tracked notebooks stay as committed whatever a session saves.

``make lab`` starts JupyterLab on the project root with the server settings of
:data:`CONFIG` (``jupyter lab --config=...``). They install :func:`pre_save_hook`, which the
Jupyter server calls before it writes any file: a notebook under ``notebooks/`` is written
without outputs and execution counts and with its ``parameters`` cell as the registry generates
it, so neither an autosave nor a "Save" can put outputs or an edited parameter into the
repository. Notebooks saved elsewhere (``File > Save Notebook As...`` into ``build/``) keep
their outputs.

An interactive run (``output_dir=""``) writes to ``build/interactive/<study>/`` with a
``manifest.json`` like a batch run's (:func:`write_manifest`); the previous run moves to
``runs/<parameter hash>/`` beside it (:func:`archive_previous`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import paths

__all__ = ["CONFIG", "archive_previous", "clean_notebook", "configure", "interactive_parameters", "pre_save_hook",
           "protected", "write_manifest"]

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


# ----------------------------------------------------------------------------- interactive runs
def _namespace() -> dict[str, Any]:
    """The variables of the notebook (the IPython user namespace), or of the running script."""
    import sys

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        shell = None
    if shell is not None:
        return shell.user_ns
    main = sys.modules.get("__main__")
    return vars(main) if main is not None else {}


def interactive_parameters(study: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """The study's parameters as the notebook holds them now (a name the notebook lacks: its default).

    Parameters
    ----------
    study : str
        A registered study.
    namespace : dict or None, optional
        The notebook's variables; None: the running IPython kernel's (or script's).

    Returns
    -------
    dict of str to object
        Every parameter of the study, in registry order.

    Examples
    --------
    >>> from crmresearch.studies import lab
    >>> lab.interactive_parameters('value-tiers', {'top_share': 0.02})['top_share']
    0.02
    """
    from . import registry

    ns = _namespace() if namespace is None else namespace
    out = {}
    for p in registry.get(study).params:
        value = ns.get(p.name, p.value())
        out[p.name] = value if _plain(value) else p.value()  # e.g. a module imported under a parameter's name
    return out


def _plain(value: Any) -> bool:
    """A value a parameter can hold (what the manifest records): text, a number, a flag or a list of them."""
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def archive_previous(folder: str | Path) -> Path | None:
    """Move the previous interactive run in ``folder`` (its exhibits, inputs and manifest) to
    ``folder/runs/<its parameter hash>/``, so a new run starts clean and the last run of each
    parameter set stays readable.

    Parameters
    ----------
    folder : str or Path
        ``build/interactive/<study>/``.

    Returns
    -------
    Path or None
        The archive folder; None when there was nothing to keep.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import lab
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / 'table-x.csv').write_text('x\\n1\\n')
    >>> _ = (folder / 'manifest.json').write_text(json.dumps({'parameters_hash': 'abc123'}))
    >>> lab.archive_previous(folder).relative_to(folder).as_posix(), sorted(p.name for p in folder.iterdir())
    ('runs/abc123', ['runs'])
    """
    import json
    import shutil

    from .. import reporting

    folder = Path(folder)
    if not folder.is_dir():
        return None
    files = list(reporting._exhibit_files(folder))
    files += [p for p in (folder / "manifest.json", folder / reporting.INPUTS_FILE) if p.is_file()]
    if not files:
        return None
    try:
        label = str(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["parameters_hash"])
    except (OSError, ValueError, KeyError, TypeError):
        label = "unrecorded"  # exhibits of a run made before interactive runs had a manifest
    target = folder / "runs" / label
    if target.exists():
        shutil.rmtree(target)  # an older run with the same parameters: the newer one replaces it
    target.mkdir(parents=True)
    for p in files:
        p.replace(target / p.name)
    return target


def write_manifest(folder: str | Path, study: str, parameters: dict[str, Any] | None = None) -> Path:
    """Write ``folder/manifest.json`` for an interactive run: the same record as ``crmresearch run``
    writes (parameters, input fingerprints, package versions, exhibit hashes; the pipeline's writer).

    Parameters
    ----------
    folder : str or Path
        The run's output folder (``build/interactive/<study>/``).
    study : str
        A registered study.
    parameters : dict or None, optional
        The run's parameters; None: as the notebook holds them now (:func:`interactive_parameters`).

    Returns
    -------
    Path
        The manifest.
    """
    from .. import reporting
    from . import pipeline, registry

    s = registry.get(study)
    params = parameters if parameters is not None else interactive_parameters(study)
    manifest = pipeline._manifest(s, params, Path(folder))
    manifest["interactive"] = True
    return reporting.atomic_write_text(Path(folder) / pipeline.MANIFEST, reporting.dumps_json(manifest))


def _start(ex: Any) -> None:
    """An interactive run starts: progress bars on, the previous run of a registered study archived."""
    from ..core import progress
    from . import registry

    progress.set_default(True)
    if ex.study in registry.REGISTRY:
        # the parameters as the run starts (the cell after the parameters cell): later cells may reuse a name
        ex._parameters = interactive_parameters(ex.study)
        archive_previous(ex.output_dir)


def _written(ex: Any) -> None:
    """An interactive run wrote an exhibit or an input: its manifest follows."""
    from . import registry

    if ex.study in registry.REGISTRY:
        write_manifest(ex.output_dir, ex.study, getattr(ex, "_parameters", None))


def install() -> None:
    """Register the interactive-run record (:func:`archive_previous`, :func:`write_manifest`) and the
    progress bars as ``crmresearch._hooks.INTERACTIVE`` callbacks (once; ``crmresearch.studies`` does it
    when imported).

    Examples
    --------
    >>> from crmresearch import _hooks
    >>> from crmresearch.studies import lab
    >>> lab.install(); lab.install()
    >>> _hooks.INTERACTIVE['written'].count(lab._written)
    1
    """
    from .. import _hooks

    _hooks.register("start", _start)
    _hooks.register("written", _written)
