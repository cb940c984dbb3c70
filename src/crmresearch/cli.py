"""The ``crmresearch`` command: list, run, reproduce and verify studies; keep notebooks' parameters cells.

Exit status: 0 success, 1 a study failed or differs, 2 bad usage or bad parameters, input data that
break their contract (before the kernel, or where the kernel reads the whole table), no space left
for the output, or another run writing the same output folder for longer than ``--wait``
(nothing is changed in that case).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from ._extras import require

# jsonschema (under nbformat, under papermill) imports the optional IRI checker rfc3987_syntax when it is
# installed (jupyter-events asks for it); that module compiles a Lark grammar at import: about 1 s of CPU in
# every `crmresearch` process and every spawned job, for a format check that notebooks never use. The command
# runs without it (jsonschema falls back as when it is absent); a library import of crmresearch is untouched.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

try:
    import click
except ImportError:  # pragma: no cover - depends on the install
    require("click", "rich", "papermill", "nbformat", by="the crmresearch command")
    raise

from . import paths
from .errors import OutputError, ParameterError, shown
from .studies import pipeline
from .studies import registry as studies


def _fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _parse_pairs(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            _fail_usage(f"-p takes key=value; got {shown(pair)}")
        if key.strip() in out:
            _fail_usage(f"parameter {shown(key.strip())} given twice")
        out[key.strip()] = value
    return out


def _studies_or_all(names: Sequence[str]) -> list[studies.Study]:
    try:
        return [studies.get(n) for n in names] if names else studies.all_studies()
    except ParameterError as exc:
        _fail_usage(str(exc))
        raise  # unreachable


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crmresearch")
def main() -> None:
    """Reproducible CRM strategy studies: list, run, reproduce and verify them."""


@main.command("list")
@click.argument("names", nargs=-1, metavar="[STUDY]...")
def list_cmd(names: Sequence[str]) -> None:
    """List the studies, one line each (name, title, number of parameters); with STUDY, that study's
    parameters in full (type, default, accepted values, help), its data and how to run it on yours."""
    if not names:
        chosen = studies.all_studies()
        width = max(len(s.name) for s in chosen)
        for study in chosen:
            click.echo(f"{study.name:<{width}}  {study.title} ({_count(len(study.params), 'parameter')})")
        click.echo(f"\n{len(chosen)} studies; `crmresearch list STUDY` shows a study's parameters")
        return
    for study in _studies_or_all(names):
        click.echo(f"{study.name}: {study.title}")
        click.echo(f"  data: {study.data}; paper: {study.paper}")
        click.echo(f"  {study.data_route()}")
        click.echo(f"  {_count(len(study.params), 'parameter')} (name: type = default  # help; then what it accepts):")
        for p in study.params:
            click.echo(f"    {p.line()}\n        accepts {p.accepted()}")
        click.echo("")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@main.command("run")
@click.argument("study")
@click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Override a parameter (repeatable).")
@click.option("--out", type=str, default=None,
              help="Output folder (default: figures/STUDY for default parameters, "
                   "build/runs/STUDY/HASH otherwise).")
@click.option("--wait", "wait", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Longest wait for another run writing the same output folder (0: refuse at once; "
                   "default: CRMRESEARCH_LOCK_TIMEOUT or 3600).")
def run_cmd(study: str, pairs: Sequence[str], out: str | None, wait: float | None) -> None:
    """Run one study's notebook with parameters; write its exhibits and manifest.

    Exit status: 0 ok, 1 the notebook failed, 2 bad parameters or input data (found before the kernel
    or by it), no space left for the output or the output folder still busy after --wait (nothing
    changed)."""
    overrides = _parse_pairs(pairs)
    try:
        # parameters, input files and the output folder are all checked before a kernel starts
        result = pipeline.run(study, overrides, out=out, progress=True, lock_timeout=wait)
    except (ParameterError, OutputError) as exc:
        _fail_usage(str(exc))
    if result.status == "ok":
        click.echo(f"{study}: ok in {result.seconds:.1f} s -> {result.output_dir}")
        for name, reason in result.omitted.items():  # declared exhibits this run left out, and why
            click.echo(f"  left out: {name} ({reason})")
        for message in result.warnings:  # what the data made the models say (e.g. a fit at a limit)
            click.echo(f"  warning: {message}")
        click.echo(f"executed notebook: {result.executed_notebook}")
        return
    click.echo(f"{study}: FAILED\n{result.error}", err=True)
    click.echo(f"executed notebook with the traceback: {result.executed_notebook}", err=True)
    sys.exit(2 if result.bad_input else 1)


def _run_default(name: str) -> pipeline.RunResult:
    try:
        return pipeline.run(name)
    except OutputError as exc:  # a row of the summary table, as a failed notebook is
        return pipeline.RunResult(name, "failed", 0.0, "", "", {}, str(exc))


@main.command("reproduce")
@click.argument("names", nargs=-1)
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Studies run in parallel.")
def reproduce_cmd(names: Sequence[str], jobs: int) -> None:
    """Run studies (default: all) at default parameters into figures/."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    chosen = _studies_or_all(names)
    console = Console(stderr=True)
    results: list[pipeline.RunResult] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("reproducing studies", total=len(chosen))
        if jobs == 1 or len(chosen) == 1:
            for s in chosen:
                progress.update(task, description=f"running {s.name}")
                results.append(_run_default(s.name))
                progress.advance(task)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(_run_default, s.name): s.name for s in chosen}
                for fut in as_completed(futures):
                    try:
                        results.append(fut.result())
                    except Exception as exc:  # a crashed worker still gets a row
                        results.append(pipeline.RunResult(futures[fut], "failed", 0.0, "", "",
                                                          {}, str(exc)))
                    progress.advance(task)
    order = {s.name: i for i, s in enumerate(chosen)}
    results.sort(key=lambda r: order[r.study])
    table = Table(title="crmresearch reproduce", title_justify="left")
    for col in ("study", "status", "seconds", "exhibits / executed notebook"):
        table.add_column(col)
    for r in results:
        where = r.output_dir if r.status == "ok" else f"{r.executed_notebook}\n{r.error}"
        table.add_row(r.study, "ok" if r.status == "ok" else "[red]FAILED[/red]",
                      f"{r.seconds:.1f}", where)
    Console().print(table)
    if any(r.status != "ok" for r in results):
        sys.exit(1)


@main.command("verify")
@click.argument("names", nargs=-1)
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Studies run in parallel.")
@click.option("--strict", is_flag=True, help="Figures must match byte for byte too (same machine kind).")
def verify_cmd(names: Sequence[str], jobs: int, strict: bool) -> None:
    """Re-run studies (default: all) at default parameters in a temporary folder; compare exhibit
    and input hashes and the parameters with figures/STUDY/manifest.json. Exit 1 if a table, an
    input or the parameters differ or are missing (with --strict: any figure too). On another machine kind
    than the one that made figures/ (manifest environment.machine) an exhibit that differs is compared by content
    (crmresearch.studies.closeness) and reported "close" when it agrees."""
    from rich.console import Console
    from rich.table import Table

    chosen = _studies_or_all(names)
    outcomes: dict[str, list[pipeline.Difference] | Exception] = {}
    if jobs == 1 or len(chosen) == 1:
        for s in chosen:
            try:
                outcomes[s.name] = pipeline.verify(s.name)
            except Exception as exc:  # a failed run is a row, not a traceback
                outcomes[s.name] = exc
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(pipeline.verify, s.name): s.name for s in chosen}
            for fut in as_completed(futures):
                try:
                    outcomes[futures[fut]] = fut.result()
                except Exception as exc:
                    outcomes[futures[fut]] = exc
    bad = False
    table = Table(title="crmresearch verify", title_justify="left")
    for col in ("study", "exhibit", "kind", "status"):
        table.add_column(col)
    for s in chosen:
        got = outcomes[s.name]
        if isinstance(got, Exception):
            table.add_row(s.name, "(run)", "", f"[red]FAILED: {got}[/red]")
            bad = True
            continue
        for d in got:
            flag = d.status not in ("same", "close")
            bad |= flag and (strict or d.kind != "figure")
            if flag or d.kind != "figure":
                table.add_row(d.study, d.exhibit, d.kind, f"[red]{d.status}[/red]" if flag else d.status)
        for status in ("same", "close"):
            n_fig = sum(d.kind == "figure" and d.status == status for d in got)
            if n_fig or status == "same":
                table.add_row(s.name, f"{n_fig} figures", "figure", status)
    Console().print(table)
    if bad:
        sys.exit(1)


@main.command("cells")
@click.option("--write", is_flag=True, help="Rewrite the cells that differ (default: only name them).")
def cells_cmd(write: bool) -> None:
    """Check every notebook's parameters cell against the registry, which generates it; with --write,
    rewrite the cells that differ. Exit 1 when a cell differs and --write is not given."""
    stale = studies.sync_parameter_cells(write=write)
    if not stale:
        click.echo("every notebook's parameters cell is the one the registry generates")
    elif write:
        click.echo(f"rewrote the parameters cell of {len(stale)} notebook(s): {', '.join(stale)}")
    else:
        click.echo(f"the parameters cell of {', '.join(stale)} differs from the registry; run "
                   "`crmresearch cells --write`", err=True)
        sys.exit(1)


@main.command("site")
@click.option("--out", type=str, default=None, help="Site folder (default build/site, build/site-zh).")
@click.option("--lang", type=click.Choice(["en", "zh", "all"]), default="en", show_default=True,
              help="Language of the figures and tables (zh: every study is run with lang=zh first; all: both sites).")
@click.option("--jobs", "-j", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Missing runs and MkDocs builds at a time.")
@click.option("--fresh-zh", is_flag=True, help="Run the Chinese runs again even where earlier ones exist "
              "(make site-test: its checks then read this code's runs).")
def site_cmd(out: str | None, lang: str, jobs: int, fresh_zh: bool) -> None:
    """Build the website: papers with their exhibits, executed notebooks, data sources, the API
    reference and the own-data guide (MkDocs-Material, `mkdocs build --strict`). Studies without an
    executed notebook at default parameters (or, for zh, without Chinese exhibits) are run first."""
    from .studies import site

    if lang == "all" and out is not None:
        raise click.UsageError("--out names one site folder: give --lang en or --lang zh with it")
    langs = ("en", "zh") if lang == "all" else (lang,)
    built = site.build_sites(langs, jobs=jobs, out=out, rerun=("zh",) if fresh_zh else ())
    for one, folder in zip(langs, built, strict=True):
        pages = sum(1 for _ in folder.rglob("*.html"))
        dropped = (paths.build_dir() / ("site-src" if one == "en" else f"site-src-{one}") / "dropped-links.txt"
                   ).read_text().split()
        click.echo(f"site: {pages} pages -> {folder} (open {folder / 'index.html'}); "
                   f"{len(dropped)} links to files outside the site written as plain text")


if __name__ == "__main__":  # pragma: no cover
    main()
