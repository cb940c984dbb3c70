"""Run study notebooks through papermill; publish exhibits atomically; write the manifest.

Where a run writes:

- default parameters            -> ``figures/<study>/`` (the canonical exhibits)
- any other parameters          -> ``build/runs/<study>/<parameter hash>/``
- ``out=DIR`` given             -> ``DIR``
- executed notebook (outputs)   -> ``build/executed/<study>/<label>.ipynb``
- timing of the run             -> ``build/executed/<study>/<label>.run.json``

The notebook writes into a private staging folder; only when it has finished without
error are its exhibits moved (renamed) into the target folder and the manifest written
last, so a failed or killed run leaves the previous exhibits intact.
One run at a time writes a target folder (a second waits, see :func:`publish.output_lock`); each
run writes its own copy of the executed notebook, which replaces ``<label>.ipynb`` when it ends.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# ruff: noqa: E402 - the extra is checked before the modules that need it are imported
from .._extras import require

require("papermill", "nbformat", "ipykernel", by="crmresearch.pipeline (running study notebooks)")

from jupyter_client.manager import AsyncKernelManager

from .. import __version__, paths, reporting
from ..errors import OutputError, StudyError
from . import closeness, publish
from . import registry as studies

__all__ = ["RunResult", "data_warnings", "omitted_exhibits", "output_dir_for", "param_hash", "run", "verify"]

MANIFEST = "manifest.json"
_RECORDED_PACKAGES = ("crmresearch", "numpy", "pandas", "scipy", "scikit-learn", "lifelines",
                      "matplotlib", "papermill")


@dataclass
class RunResult:
    """What one study run did.

    Attributes
    ----------
    study : str
        Study name.
    status : str
        ``'ok'`` or ``'failed'``.
    seconds : float
        Wall time of the run, seconds.
    output_dir : str
        Folder the exhibits were published to.
    executed_notebook : str
        Path of the executed notebook.
    parameters : dict of str to object
        The full parameter set of the run.
    error : str
        The error message of a failed run; empty otherwise.
    omitted : dict of str to str
        The study's exhibits the run left out, with the reason (the manifest's ``omitted``).
    bad_input : bool
        The run failed on its input data: the notebook raised a :class:`~crmresearch.errors.ValidationError`
        (a table breaking its contract, found where the kernel reads the whole table); the command exits 2.
    warnings : list of str
        The distinct :class:`~crmresearch.errors.DataWarning` messages the notebook gave (e.g. a model whose
        estimate is at a limit: "no dropout in these data ..."), in order; the manifest's ``warnings``.

    Examples
    --------
    >>> from crmresearch.studies import pipeline
    >>> list(pipeline.RunResult.__dataclass_fields__)[:4]
    ['study', 'status', 'seconds', 'output_dir']
    """

    study: str
    status: str  # "ok" or "failed"
    seconds: float
    output_dir: str
    executed_notebook: str
    parameters: dict[str, Any]
    error: str = ""
    omitted: dict[str, str] = field(default_factory=dict)
    bad_input: bool = False
    warnings: list[str] = field(default_factory=list)


class _QuietKernelManager(AsyncKernelManager):
    """The kernel manager of study runs: shuts a kernel down without interrupting it first.

    jupyter_client's ``shutdown_kernel`` sends SIGINT before its shutdown request. papermill shuts the
    kernel down as soon as the reply to its last ``kernel_info`` request arrives, while the kernel may
    still be inside that message's handler (on a loaded machine it often is); the SIGINT then lands there
    and the kernel logs "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." after a successful run.
    Without the interrupt the shutdown request alone ends an idle kernel; a kernel still running a cell
    (a run stopped from outside) is terminated by the manager after ``shutdown_wait_time``.
    """

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


def _execute_notebook(notebook: Path, executed: Path, parameters: Mapping[str, Any], progress: bool = False,
             cwd: Path | None = None) -> None:
    """Run ``notebook`` with ``parameters`` through papermill into ``executed`` (one kernel, shut down
    without an interrupt: see :class:`_QuietKernelManager`)."""
    import papermill as pm

    pm.execute_notebook(
        str(notebook),
        str(executed),
        parameters=dict(parameters),
        kernel_name="python3",
        progress_bar=progress,
        cwd=str(cwd) if cwd is not None else None,
        # the kernel's own start-up warnings (e.g. about its local TCP transport) are noise here
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        kernel_manager_class=_QuietKernelManager,
    )


def param_hash(study: studies.Study, params: Mapping[str, Any]) -> str:
    """First 12 hex digits of the SHA-256 of the study name and its full parameter set.

    Parameters
    ----------
    study : Study
        The study.
    params : mapping of str to object
        Its full parameter set.

    Returns
    -------
    str
        12 lowercase hex digits.

    Examples
    --------
    >>> from crmresearch import studies
    >>> from crmresearch.studies import pipeline
    >>> study = studies.get('value-tiers')
    >>> len(pipeline.param_hash(study, study.defaults()))   # 12 hex digits name a run folder
    12
    """
    blob = json.dumps({"study": study.name, "params": dict(params)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def output_dir_for(study: studies.Study, params: Mapping[str, Any],
                   out: str | os.PathLike[str] | None = None) -> Path:
    """Target folder of a run (see the module docstring).

    Parameters
    ----------
    study : Study
        The study.
    params : mapping of str to object
        Its full parameter set.
    out : str or PathLike of str or None, optional
        Explicit output folder; None: ``figures/<study>`` at defaults, ``build/runs/<study>-<hash>`` otherwise.

    Returns
    -------
    Path
        The folder the run publishes to.

    Examples
    --------
    >>> from crmresearch import studies
    >>> from crmresearch.studies import pipeline
    >>> study = studies.get('value-tiers')
    >>> pipeline.output_dir_for(study, study.defaults()).parts[-2:]   # defaults: the committed figures/
    ('figures', 'value-tiers')
    """
    if out is not None:
        return Path(os.path.abspath(Path(out).expanduser()))  # not resolved: a symbolic link is refused
    if study.is_default(params):
        return paths.figures_dir() / study.name
    return paths.build_dir() / "runs" / study.name / param_hash(study, params)


def _label(study: studies.Study, params: Mapping[str, Any]) -> str:
    return "default" if study.is_default(params) else param_hash(study, params)


def omitted_exhibits(study: studies.Study, staging: Path) -> dict[str, str]:
    """The study's declared exhibits (:attr:`Study.exhibits`) this run did not write, each with the reason the
    notebook gave (:meth:`crmresearch.reporting.Exhibits.omit`) or, without one, ``'not written (no reason
    given)'``; raises :class:`StudyError` for an exhibit both written and said to be left out.

    Parameters
    ----------
    study : Study
        The study.
    staging : Path
        The run's output folder.

    Returns
    -------
    dict of str to str
        Exhibit name -> reason; empty when every declared exhibit is written (a run on the built-in data).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch import reporting, studies
    >>> from crmresearch.studies import pipeline
    >>> folder = Path(tempfile.mkdtemp())
    >>> reporting.Exhibits(folder, study='rfm-segments').omit({'table-cluster-vs-truth': 'built-in data only'})
    left out: table-cluster-vs-truth (built-in data only)
    >>> pipeline.omitted_exhibits(studies.get('rfm-segments'), folder)['table-cluster-vs-truth']
    'built-in data only'
    """
    written = {Path(name).stem for name in reporting.exhibit_hashes(staging)}
    said = reporting.read_omitted(staging)
    both = sorted(set(said) & written)
    if both:
        raise StudyError(f"{study.name}: exhibit(s) {both} were written and also said to be left out")
    return {e: said.get(e, "not written (no reason given)") for e in study.exhibits if e not in written}


def data_warnings(executed: Path) -> list[str]:
    """The distinct DataWarning messages in an executed notebook's outputs, in order (warnings print on
    stderr as ``file:line: DataWarning: message``).

    Parameters
    ----------
    executed : Path
        An executed notebook (.ipynb).

    Returns
    -------
    list of str
        The messages, each once.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from crmresearch.studies import pipeline
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stderr",
    ...       "text": "/x.py:3: DataWarning: no dropout in these data\\n  fit(...)\\n"}]}]}
    >>> path = Path(tempfile.mkdtemp()) / "run.ipynb"
    >>> _ = path.write_text(json.dumps(nb))
    >>> pipeline.data_warnings(path)
    ['no dropout in these data']
    """
    import re

    try:
        cells = json.loads(Path(executed).read_text()).get("cells", [])
    except (OSError, ValueError):
        return []
    found: list[str] = []
    for cell in cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") != "stream" or out.get("name") != "stderr":
                continue
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for msg in re.findall(r"(?m)^.*?:\d+: DataWarning: (.*)$", text):
                if msg not in found:
                    found.append(msg)
    return found


def _manifest(study: studies.Study, params: Mapping[str, Any], staging: Path,
              warnings: Sequence[str] = ()) -> dict[str, Any]:
    omitted = omitted_exhibits(study, staging)
    return {
        "study": study.name,
        "title": study.title,
        "parameters": dict(params),
        "resolved": reporting.read_resolved(staging),  # what 'auto' and empty parameters became
        "parameters_hash": param_hash(study, params),
        "default_parameters": study.is_default(params),
        "notebook": f"notebooks/{study.name}.ipynb",
        "inputs": reporting.read_inputs(staging),
        "exhibits": reporting.exhibit_hashes(staging),
        # declared exhibits left out, and why (none at the defaults: the key is then absent)
        **({"omitted": omitted} if omitted else {}),
        # what the data made the models say (a fit at a limit, an assumption the data contradict): none, no key
        **({"warnings": list(warnings)} if warnings else {}),
        "environment": {
            "python": ".".join(platform.python_version_tuple()[:2]),
            "packages": reporting.versions(_RECORDED_PACKAGES),
            "machine": closeness.machine_kind(),  # verify compares by content on another kind
        },
    }


def _publish(staging: Path, target: Path, manifest: dict[str, Any]) -> None:
    """Switch ``target`` to the staged exhibits in one step (see :mod:`crmresearch.publish`)."""
    publish.publish_folder(staging, target, manifest["exhibits"], reporting.dumps_json(manifest), MANIFEST)


def _bad_input(exc: BaseException) -> bool:
    """Whether a run's error is one of crmresearch's errors about input data (a ValidationError or a subclass),
    raised in the notebook (papermill keeps its class name) or here."""
    from .. import errors

    def subclasses(cls: type) -> set[str]:
        return {cls.__name__}.union(*(subclasses(c) for c in cls.__subclasses__()))

    return getattr(exc, "ename", type(exc).__name__) in subclasses(errors.ValidationError)


def _error_summary(exc: BaseException, data: str = "") -> str:
    """The whole error: its type and message (a notebook error keeps every line of its message); on your
    data (``data``, a data source file) columns it renamed are named as you know them too."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    summary = f"{ename}: {evalue}".strip()
    if not data:
        return summary
    from ..schemas import name_user_columns
    from ..sources import user_columns

    return name_user_columns(summary, user_columns(data))


def run(
    study_name: str,
    overrides: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    raise_on_error: bool = False,
    progress: bool = False,
    lock_timeout: float | None = None,
) -> RunResult:
    """Run one study's notebook with ``overrides`` on its default parameters.

    Before any kernel starts, the parameters (and the contents of input files they name) are
    checked and the output folder is checked to be safe to write (:class:`ParameterError`):
    a run never deletes or overwrites a file that is not one of its own earlier outputs.
    A failing notebook gives ``status="failed"`` with the error and the path of the executed
    notebook holding the traceback (or raises :class:`StudyError` when ``raise_on_error``).
    ``progress`` prints cells done / total while the notebook runs. One run at a time writes an
    output folder: a second one waits for it (one line on stderr), at most ``lock_timeout`` seconds.

    Parameters
    ----------
    study_name : str
        Name of the study (see ``crmresearch list``).
    overrides : mapping of str to object or None, optional
        Parameters to change, name -> value (strings are converted to the parameter's type).
    out : str or PathLike of str or None, optional
        Output folder; None: see :func:`output_dir_for`.
    raise_on_error : bool, default False
        Raise :class:`StudyError` on failure instead of returning ``status='failed'``.
    progress : bool, default False
        Print cells done / total while the notebook runs.
    lock_timeout : float or None, optional
        Longest wait for another run writing the same output folder, seconds (0: do not wait);
        None: ``CRMRESEARCH_LOCK_TIMEOUT`` or 3600.

    Raises
    ------
    ParameterError
        Unknown or invalid parameters, a bad input file, or an output folder that is not safe to write.
    OutputError
        No space left for the output (nothing was changed), or another run kept the output folder
        for longer than ``lock_timeout``.

    Examples
    --------
    >>> import tempfile
    >>> from crmresearch.studies import pipeline
    >>> small = {'respondents': 200, 'bank_customers': 3_000}
    >>> r = pipeline.run('service-quality-gaps', small, out=tempfile.mkdtemp() + '/out')
    >>> r.status
    'ok'
    """
    study = studies.get(study_name)
    params = study.resolve(overrides)
    study.preflight(params)
    target = publish.check_output_dir(output_dir_for(study, params, out), study.name, explicit=out is not None)
    with publish.output_lock(target, lock_timeout):
        return _execute(study, params, target, out, raise_on_error, progress)


def _execute(study: studies.Study, params: dict[str, Any], target: Path, out: str | os.PathLike[str] | None,
             raise_on_error: bool, progress: bool) -> RunResult:
    """The checked run of :func:`run`, holding the lock of ``target``."""

    label = _label(study, params) if out is None else f"out-{param_hash(study, params)}"
    executed = paths.build_dir() / "executed" / study.name / f"{label}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    staging_root = paths.build_dir() / "staging"
    publish.clean_stale(staging_root)
    publish.clean_stale_siblings(target)
    staging = publish.make_staging(staging_root, study.name)
    # papermill writes this run's own copy (two runs with the same parameters at once may share `executed`);
    # it replaces `executed` in one rename when the run ends, so a reader always sees one whole notebook
    own = publish.make_staging(staging_root, f"{study.name}-executed") / executed.name
    os.environ.setdefault("MPLBACKEND", "Agg")
    # One thread per kernel for numeric libraries: parallel sums in BLAS/OpenMP depend on the
    # thread count, so pinning it makes tables byte-identical on machines with any number of
    # cores (and lets `reproduce --jobs N` run N studies side by side without oversubscription).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    t0 = time.perf_counter()
    status, error, omitted, bad_input, said = "ok", "", {}, False, []
    try:
        with publish.terminate_as_interrupt():
            _execute_notebook(study.notebook, own, {**params, "output_dir": str(staging)}, progress,
                     paths.project_root() if paths.project_root().is_dir() else None)
        said = data_warnings(own)
        manifest = _manifest(study, params, staging, said)
        if not manifest["exhibits"]:
            raise StudyError(f"{study.name}: the notebook finished but wrote no exhibits")
        omitted = manifest.get("omitted", {})
        _publish(staging, target, manifest)
    except OutputError:
        raise
    except Exception as exc:  # a failing study must not stop the others
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = Path(exc.filename).parent if exc.filename else target  # nothing was published
            raise publish.no_space(exc, where) from exc
        status, error = "failed", _error_summary(exc, str(params.get("data") or ""))
        bad_input = _bad_input(exc)
        if raise_on_error:
            raise StudyError(
                f"{study.name} failed: {error}\nexecuted notebook with traceback: {executed}"
            ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if own.is_file():
            os.replace(own, executed)
        shutil.rmtree(own.parent, ignore_errors=True)
    seconds = time.perf_counter() - t0
    result = RunResult(study.name, status, round(seconds, 2), str(target), str(executed),
                       dict(params), error, omitted, bad_input, said)
    reporting.atomic_write_text(executed.with_suffix(".run.json"),
                                reporting.dumps_json({**asdict(result),
                                                      "crmresearch": __version__}))
    return result


@dataclass
class Difference:
    study: str
    exhibit: str
    kind: str  # table / figure / other
    status: str  # same / close (made on another machine kind, equal by content) / differs / missing / new


def verify(study_name: str, workdir: str | os.PathLike[str] | None = None) -> list[Difference]:
    """Re-run ``study_name`` at default parameters into a temporary folder and compare every
    exhibit's hash, every input's hash and the parameters with ``figures/<study>/manifest.json``.

    Parameters
    ----------
    study_name : str
        Name of the study.
    workdir : str or PathLike of str or None, optional
        Scratch folder for the re-run; None: a temporary folder.

    Returns
    -------
    list of Difference
        Every mismatch (exhibit, input or parameter); empty when the study reproduces exactly.

    Examples
    --------
    >>> from crmresearch import ParameterError
    >>> from crmresearch.studies import pipeline
    >>> try:
    ...     pipeline.verify('no-such-study')
    ... except ParameterError as exc:
    ...     message = str(exc)
    >>> message.split(';')[0]
    "unknown study 'no-such-study'"
    """
    study = studies.get(study_name)
    committed_dir = paths.figures_dir() / study.name
    committed_path = committed_dir / MANIFEST
    committed = json.loads(committed_path.read_text()) if committed_path.is_file() else {}
    # on the machine kind that made figures/ the hashes must match; on another, the content is compared
    other_kind = committed.get("environment", {}).get("machine") != closeness.machine_kind()
    out = []
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        result = run(study.name, out=Path(tmp) / study.name, raise_on_error=True)
        fresh_dir = Path(result.output_dir)
        fresh = json.loads((fresh_dir / MANIFEST).read_text())
        old_ex, new_ex = committed.get("exhibits", {}), fresh["exhibits"]
        for name in sorted(set(old_ex) | set(new_ex)):
            kind = {".csv": "table", ".md": "table", ".png": "figure", ".svg": "figure"}.get(Path(name).suffix,
                                                                                             "other")
            status = _status(old_ex, new_ex, name)
            if status == "differs" and other_kind and closeness.exhibit_close(committed_dir / name, fresh_dir / name):
                status = "close"
            out.append(Difference(study.name, name, kind, status))
    old_in, new_in = committed.get("inputs", {}), fresh.get("inputs", {})
    for name in sorted(set(old_in) | set(new_in)):
        status = _status(old_in, new_in, name)
        rounded = [d.get(name, {}).get("sha256_rounded") for d in (old_in, new_in)]
        if status == "differs" and other_kind and rounded[0] is not None and rounded[0] == rounded[1]:
            status = "close"
        out.append(Difference(study.name, name, "input", status))
    same = committed.get("parameters") == fresh["parameters"] == study.defaults()
    out.append(Difference(study.name, "parameters", "parameters", "same" if same else "differs"))
    return out


def _status(committed: Mapping[str, Any], fresh: Mapping[str, Any], name: str) -> str:
    if name not in fresh:
        return "missing"
    if name not in committed:
        return "new"
    if isinstance(committed[name], dict) and isinstance(fresh[name], dict):  # an input (a manifest of before
        # the rounded fingerprint has none)
        a, b = ({k: v for k, v in d[name].items() if k != "sha256_rounded"} for d in (committed, fresh))
        return "same" if a == b else "differs"
    return "same" if committed[name] == fresh[name] else "differs"
