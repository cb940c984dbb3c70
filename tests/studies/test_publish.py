"""Output folders: what a run may write, the atomic folder switch, stale staging, input-file checks."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tree

from crmresearch import cli, paths
from crmresearch.errors import OutputError, ParameterError
from crmresearch.studies import publish


def invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def _manifest(folder: Path, study: str, exhibits: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"study": study, "exhibits": exhibits}))


# ----------------------------------------------------------------------------- --out rules
@pytest.mark.parametrize("where", ["root", "home", "project", "figures", "other-study", "symlink", "foreign",
                                   "other-manifest", "file"])
def test_unsafe_out_folders_are_refused_with_exit_2_before_any_kernel(scratch_root: Path, tmp_path: Path,
                                                                     monkeypatch, where: str):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    figures = scratch_root / "figures"
    _manifest(figures / "rfm-segments", "rfm-segments", {"table-x.csv": "0"})
    (figures / "rfm-segments" / "table-x.csv").write_text("keep me\n")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "README.md").write_text("my notes\n")
    (foreign / "data.csv").write_text("a\n1\n")
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    _manifest(tmp_path / "theirs", "rfm-segments", {})
    (tmp_path / "afile").write_text("x")
    out = {"root": "/", "home": str(tmp_path / "home"), "project": str(scratch_root), "figures": str(figures),
           "other-study": str(figures / "rfm-segments"), "symlink": str(tmp_path / "link"), "foreign": str(foreign),
           "other-manifest": str(tmp_path / "theirs"), "file": str(tmp_path / "afile")}[where]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = invoke("run", "value-tiers", "-p", "dataset=cdnow_sample", "--out", out)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--out" in lines[0]
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing removed
    assert not (scratch_root / "build" / "executed").exists()


def test_a_folder_of_an_earlier_run_of_the_same_study_is_accepted(scratch_root: Path, tmp_path: Path):
    _manifest(tmp_path / "earlier", "value-tiers", {"table-tiers.csv": "0"})
    assert publish.check_output_dir(tmp_path / "earlier", "value-tiers") == (tmp_path / "earlier").resolve()
    assert publish.check_output_dir(tmp_path / "new", "value-tiers") == (tmp_path / "new").resolve()
    (tmp_path / "empty").mkdir()
    publish.check_output_dir(tmp_path / "empty", "value-tiers")
    with pytest.raises(ParameterError, match="another study"):
        publish.check_output_dir(paths.figures_dir() / "rfm-segments", "value-tiers", explicit=False)


# ----------------------------------------------------------------------------- publishing
def _old_folder(target: Path) -> None:
    _manifest(target, "s", {"table-a.csv": "old", "table-gone.csv": "old"})
    (target / "table-a.csv").write_text("old a\n")
    (target / "table-gone.csv").write_text("old gone\n")
    (target / "NOTES.md").write_text("the user's own notes\n")  # not ours: must survive
    (target / "sub").mkdir()
    (target / "sub" / "keep.txt").write_text("nested\n")


def _staged(staging: Path) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    (staging / "table-a.csv").write_text("new a\n")
    (staging / "table-b.csv").write_text("new b\n")


def test_publish_replaces_only_its_own_files_and_keeps_the_users(tmp_path: Path):
    target, staging = tmp_path / "out", tmp_path / "staging"
    _old_folder(target)
    _staged(staging)
    publish.publish_folder(staging, target, {"table-a.csv": "1", "table-b.csv": "2"},
                           json.dumps({"study": "s", "exhibits": {"table-a.csv": "1", "table-b.csv": "2"}}))
    assert tree(target) == ["NOTES.md", "manifest.json", "sub/keep.txt", "table-a.csv", "table-b.csv"]
    assert (target / "NOTES.md").read_text() == "the user's own notes\n"
    assert (target / "table-a.csv").read_text() == "new a\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".crm-")] == []


_KILL_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from crmresearch.studies import publish
    staging, target = Path(sys.argv[1]), Path(sys.argv[2])
    ex = {"table-a.csv": "1", "table-b.csv": "2"}
    publish.publish_folder(staging, target, ex, json.dumps({"study": "s", "exhibits": ex}))
""")


@pytest.mark.parametrize("step", ["staged", "built", "swapped", None])
def test_a_publish_killed_at_any_step_leaves_the_whole_old_or_the_whole_new_folder(tmp_path: Path, step):
    target, staging = tmp_path / "out", tmp_path / "staging"
    _old_folder(target)
    _staged(staging)
    env = {**os.environ, "CRMRESEARCH_FAULT_AT": step or ""}
    proc = subprocess.run([sys.executable, "-c", _KILL_SCRIPT, str(staging), str(target)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == (-9 if step else 0), proc.stderr
    manifest = json.loads((target / "manifest.json").read_text())
    files = set(tree(target))
    if set(manifest["exhibits"]) == {"table-a.csv", "table-gone.csv"}:  # the whole old folder
        assert step in ("staged", "built")
        assert (target / "table-a.csv").read_text() == "old a\n" and "table-b.csv" not in files
    else:  # the whole new folder
        assert step in ("swapped", None)
        assert (target / "table-a.csv").read_text() == "new a\n" and "table-gone.csv" not in files
    assert (target / "NOTES.md").read_text() == "the user's own notes\n"
    publish.clean_stale_siblings(target)  # what the next run does first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".crm-")] == []
    assert (target / "manifest.json").is_file()


def test_an_interrupted_two_rename_switch_is_undone_by_the_next_run(tmp_path: Path):
    target = tmp_path / "out"
    _old_folder(target)
    old = tmp_path / ".crm-old-out.x1"
    os.replace(target, old)  # killed between the two renames of the fallback path
    publish.clean_stale_siblings(target)
    assert (target / "table-a.csv").read_text() == "old a\n" and not old.exists()


def test_stale_staging_of_dead_runs_is_removed_live_ones_kept(tmp_path: Path):
    root = tmp_path / "staging"
    mine = publish.make_staging(root, "value-tiers")
    dead = root / "value-tiers-dead"
    dead.mkdir()
    (dead / ".crmresearch-owner").write_text("999999999")
    orphan = root / "no-owner"
    orphan.mkdir()
    old = time.time() - publish.OWNERLESS_GRACE_SECONDS - 60
    os.utime(orphan, (old, old))  # left long ago without an owner
    young = root / "rfm-segments-being-made"  # another run between mkdtemp and writing its pid
    young.mkdir()
    removed = publish.clean_stale(root)
    assert sorted(p.name for p in removed) == ["no-owner", "value-tiers-dead"]
    assert mine.is_dir() and young.is_dir()
    (mine / ".crmresearch-owner").write_text("")  # read half-written by a concurrent clean-up: still claimed
    assert publish.clean_stale(root) == [] and mine.is_dir()


# ----------------------------------------------------------------------------- input files
@pytest.fixture
def survey_csv(tmp_path: Path) -> Path:
    from crmresearch import data

    bank = data.simulate_bank(n_customers=3_000, seed=1, n_survey=200)
    p = tmp_path / "survey.csv"
    bank.survey.to_csv(p, index=False)
    return p


@pytest.mark.parametrize("case, expect", [
    ("no-paths", "model"),
    ("cycle", "cycle"),
    ("bad-target", "target"),
    ("bad-group", "group_columns"),
    ("empty-csv", "is empty"),
    ("header-only-missing-items", "no item columns match"),
])
def test_input_file_contents_are_checked_before_the_kernel(scratch_root: Path, tmp_path: Path, survey_csv: Path,
                                                           case: str, expect: str):
    no_paths = tmp_path / "no_paths.yaml"
    no_paths.write_text("blocks: {SAT: sat, LOY: loy}\n")
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text("paths: {SAT: [LOY], LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header = tmp_path / "header.csv"
    header.write_text("a,b,c\n1,2,3\n")
    args = {
        "no-paths": ["-p", f"model={no_paths}"],
        "cycle": ["-p", f"model={cycle}"],
        "bad-target": ["-p", "target=NOPE"],
        "bad-group": ["-p", f"survey_csv={survey_csv}", "-p", "group_columns=region,planet"],
        "empty-csv": ["-p", f"survey_csv={empty}"],
        "header-only-missing-items": ["-p", f"survey_csv={header}"],
    }[case]
    result = invoke("run", "satisfaction-acsi", *args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and expect in lines[0], lines
    assert tree(scratch_root) == []


def test_semicolon_survey_group_none_and_auto_target_pass_the_checks(tmp_path: Path, survey_csv: Path):
    import pandas as pd

    from crmresearch import studies
    from crmresearch.satisfaction import load_model, load_survey

    semi = tmp_path / "semi.csv"
    pd.read_csv(survey_csv).to_csv(semi, sep=";", index=False)
    study = studies.get("satisfaction-acsi")
    params = study.resolve({"survey_csv": str(semi), "group_columns": "none", "bootstrap_resamples": 100})
    study.preflight(params)
    df, rows = load_survey(semi, load_model("ECSI"))
    assert df.shape == pd.read_csv(survey_csv).shape and "semicolon" in rows.table()["step"].iloc[0]
    model_file = tmp_path / "m.yaml"
    model_file.write_text("paths: {SAT: [QUAL], LOY: [SAT]}\nblocks: {QUAL: qual, SAT: sat, LOY: loy}\n")
    assert load_model(model_file).default_target == "LOY"  # the final endogenous construct
    assert load_model("ECSI").default_target == "SAT"


@pytest.mark.slow
def test_a_failing_run_reports_the_whole_error_message(scratch_root: Path, tmp_path: Path, monkeypatch):
    import nbformat

    from crmresearch import studies
    from crmresearch.studies import pipeline

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir: str = ""')
    params.metadata["tags"] = ["parameters"]
    long = "first line of the problem\\n" + "x" * 400 + "\\nlast line: the remedy"
    nb.cells = [params, nbformat.v4.new_code_cell(f"raise ValueError('{long}')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, nbdir / "long.ipynb")
    monkeypatch.setattr(paths, "notebooks_dir", lambda: nbdir)
    monkeypatch.setattr(studies.registry, "REGISTRY",
                        {"long": studies.Study("long", "long", "", "none", (), {}, ("table-x",))})
    result = pipeline.run("long")
    assert result.status == "failed"
    assert "first line of the problem" in result.error and "last line: the remedy" in result.error
    assert "x" * 400 in result.error


# ----------------------------------------------------------------------------- kernels
def _kernels_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines()[1:]
            if line.split()[1] == str(pid) and "ipykernel" in line]


#: a real kernel on a notebook that waits: what a stop must clean up does not depend on the study
_SLEEPER = textwrap.dedent("""
    import sys
    from pathlib import Path

    import nbformat

    from crmresearch import cli, paths, studies
    from crmresearch.studies import registry

    nbdir = Path(sys.argv[1])
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\\ntime.sleep(120)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, nbdir / "sleeper.ipynb")
    registry.REGISTRY = {"sleeper": studies.Study("sleeper", "sleeper", "", "none", (), {}, ("table-x",))}
    paths.notebooks_dir = lambda: nbdir
    cli.main(["run", "sleeper"])
""")


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["TERM", "KILL"])
def test_a_stopped_run_leaves_no_kernel_and_no_staging_and_says_nothing_about_tcp(scratch_root: Path, tmp_path: Path,
                                                                                 sig: str):
    """The CLI stopped while its kernel runs a cell: no kernel outlives it, no staging folder stays (a KILLed
    run's goes at the next run), and nothing is said about unencrypted TCP."""
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-c", _SLEEPER, str(tmp_path)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    kernels: list[int] = []
    for _ in range(300):  # wait until the kernel is up
        time.sleep(0.1)
        kernels = _kernels_of(proc.pid)
        if kernels:
            break
    assert kernels, "no kernel started"
    staging = scratch_root / "build" / "staging"
    for _ in range(100):  # and papermill has staged the run
        if staging.exists() and any(staging.iterdir()):
            break
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(getattr(signal, f"SIG{sig}"))
    stderr = proc.communicate(timeout=60)[1]
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(k) for k in kernels):
        time.sleep(0.2)
    assert not any(_alive(k) for k in kernels), "the kernel outlived its run"
    assert "without encryption" not in stderr
    if sig == "TERM":
        assert not staging.exists() or not any(staging.iterdir()), stderr
    publish.clean_stale(staging)  # a SIGKILLed run's staging folder goes at the next run
    assert not staging.exists() or not any(staging.iterdir())


def _alive(pid: int) -> bool:
    return publish._alive(pid)


# ----------------------------------------------------------------------------- disk full, one run per folder
#: a study without a kernel: papermill's execute_notebook replaced by a stub that writes one table
#: (``rows`` lines) and the executed notebook, and logs when it ran and where it wrote. With ``release`` (a path)
#: it first says it started (``<log>.started``) and waits for that file. A process of its own gets a stand-in
#: papermill module (importing the real one takes seconds on a busy machine).
_STUB = textwrap.dedent("""
    import importlib.machinery, json, os, sys, time, types
    from pathlib import Path

    from crmresearch import paths, studies
    from crmresearch.studies import registry


    def install(nbdir, log, rows=2, papermill=None, release=None):
        if papermill is None:
            papermill = sys.modules["papermill"] = types.ModuleType("papermill")
            papermill.__spec__ = importlib.machinery.ModuleSpec("papermill", None)

        def execute(input_path, output_path, parameters, **kw):
            start = time.time()
            if release:
                Path(str(log) + ".started").write_text(str(os.getpid()))
                while not Path(release).exists() and time.time() < start + 60:
                    time.sleep(0.05)
            n = rows() if callable(rows) else rows
            (Path(parameters["output_dir"]) / "table-x.csv").write_text("a\\n" + "1\\n" * n)
            Path(output_path).write_text(json.dumps({"pid": os.getpid()}))
            with open(log, "a") as fh:
                fh.write(json.dumps([start, time.time(), str(output_path)]) + "\\n")

        papermill.execute_notebook = execute
        registry.REGISTRY = {"tiny": studies.Study("tiny", "tiny", "", "none", (), {}, ("table-x",))}
        paths.notebooks_dir = lambda: Path(nbdir)
""")


@pytest.fixture
def stub_study(scratch_root: Path, tmp_path: Path, monkeypatch):
    """The stub study 'tiny' in this process; returns a function setting its table's rows."""
    import papermill

    from crmresearch.studies import registry

    for obj, name in ((papermill, "execute_notebook"), (registry, "REGISTRY"), (paths, "notebooks_dir")):
        monkeypatch.setattr(obj, name, getattr(obj, name))  # restored after the test
    size = {"rows": 2}
    namespace: dict = {}
    exec(_STUB, namespace)
    namespace["install"](tmp_path, tmp_path / "runs.log", rows=lambda: size["rows"], papermill=papermill)
    return lambda n: size.update(rows=n)


def _old_run(out: Path) -> dict[str, bytes]:
    result = invoke("run", "tiny", "--out", str(out))
    assert result.exit_code == 0, result.output
    return {p: p.read_bytes() for p in out.rglob("*")}


def _partial(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".crm-"))


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", str(args[0]) if args else None)


@pytest.mark.parametrize("where", ["move", "manifest"])
def test_a_publish_on_a_full_disk_removes_its_partial_folder_and_keeps_the_old(tmp_path: Path, monkeypatch,
                                                                                 where: str):
    target, staging = tmp_path / "out", tmp_path / "staging"
    _old_folder(target)
    _staged(staging)
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    if where == "move":
        monkeypatch.setattr(publish.shutil, "move", _enospc)
    else:
        monkeypatch.setattr(publish.reporting, "atomic_write_text", _enospc)
    with pytest.raises(OutputError, match=rf"^no space left on .+ for {re.escape(str(target))}; nothing was "
                                          r"changed$") as err:
        publish.publish_folder(staging, target, {"table-a.csv": "1", "table-b.csv": "2"}, "{}")
    assert err.value.errno == errno.ENOSPC and isinstance(err.value, OSError)
    assert _partial(tmp_path) == []  # main left .crm-new-out.* behind, holding the space
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before


def test_the_cli_says_no_space_in_one_line_and_exits_2(stub_study, tmp_path: Path, monkeypatch):
    out = tmp_path / "results"
    before = _old_run(out)
    monkeypatch.setattr(publish.reporting, "atomic_write_text", _enospc)  # the manifest of the new folder
    result = invoke("run", "tiny", "--out", str(out))
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and re.fullmatch(rf"error: no space left on .+ for {re.escape(str(out))}; nothing was "
                                            r"changed", lines[0]), lines
    assert {p: p.read_bytes() for p in out.rglob("*")} == before
    assert _partial(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MB tmpfs mounted at tmp_path/disk (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True,
                             text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()[:200]}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler.bin"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_run_on_a_full_tmpfs_changes_nothing_and_frees_what_it_wrote(stub_study, small_disk: Path):
    out = small_disk / "results"
    before = _old_run(out)
    stub_study(100_000)  # a 200 kB table: more than is left
    filler = _fill(small_disk)
    free = os.statvfs(small_disk).f_bfree
    result = invoke("run", "tiny", "--out", str(out))
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [f"error: no space left on tmpfs (mounted on {small_disk}) for {out}; nothing was changed"]
    assert {p: p.read_bytes() for p in out.rglob("*")} == before  # the old exhibits, whole
    assert _partial(small_disk) == [] and os.statvfs(small_disk).f_bfree == free  # nothing left holding space
    filler.unlink()
    result = invoke("run", "tiny", "--out", str(out))  # with room again, the same run goes through
    assert result.exit_code == 0, result.output
    assert (out / "table-x.csv").stat().st_size > 200_000 and _partial(small_disk) == []


def test_a_second_writer_of_a_folder_waits_in_one_line_or_gives_up(tmp_path: Path, capsys):
    target = tmp_path / "out"
    with publish.output_lock(target) as lock:
        assert lock.read_text() == str(os.getpid())
        with pytest.raises(OutputError, match=rf"another run \(pid {os.getpid()}\) is writing "
                                              rf"{re.escape(str(target))}; nothing was changed"):
            with publish.output_lock(target, timeout=0.3):
                pass
    assert capsys.readouterr().err.splitlines() == [
        f"waiting for another run writing {target} (pid {os.getpid()}; at most 0.3 s)"]
    assert not lock.exists() and sorted(p.name for p in tmp_path.iterdir()) == []
    with publish.output_lock(target, timeout=0):  # free again
        pass


_TWO_RUNS = _STUB + textwrap.dedent("""
    install(sys.argv[1], sys.argv[2], release=sys.argv[3])
    from crmresearch import cli
    cli.main(sys.argv[4:])
""")


def test_two_runs_into_one_folder_are_serialised_and_write_their_own_notebooks(scratch_root: Path,
                                                                               tmp_path: Path):
    import time

    out, log, release = tmp_path / "results", tmp_path / "runs.log", tmp_path / "release"
    env = {**os.environ, "CRMRESEARCH_ROOT": str(scratch_root)}
    cmd = [sys.executable, "-c", _TWO_RUNS, str(tmp_path), str(log), str(release), "run", "tiny", "--out", str(out)]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not Path(f"{log}.started").exists() and time.time() < deadline and first.poll() is None:
        time.sleep(0.05)
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said = second.stderr.readline()  # the second run, while the first holds the folder
    release.write_text("")
    outputs = [first.communicate(timeout=60), second.communicate(timeout=60)]
    assert (first.returncode, second.returncode) == (0, 0), outputs
    assert said == f"waiting for another run writing {out} (pid {first.pid}; at most 3600 s)\n", (said, outputs)
    assert "waiting" not in outputs[0][1] + outputs[1][1]
    (_, a_end, a_nb), (b_start, _, b_nb) = [json.loads(line) for line in log.read_text().splitlines()]
    assert b_start >= a_end  # one after the other, not at once
    assert a_nb != b_nb  # each run writes its own executed notebook while it runs...
    executed = scratch_root / "build" / "executed" / "tiny"
    final = [ln.split(": ", 1)[1] for o, _ in outputs for ln in o.splitlines() if ln.startswith("executed notebook")]
    assert len(final) == 2 and len(set(final)) == 1 and Path(final[0]).parent == executed  # ...and one copy at the end
    assert json.loads(Path(final[0]).read_text())["pid"] == second.pid
    assert sorted(p.name for p in executed.iterdir() if p.suffix == ".ipynb") == [Path(final[0]).name]
    assert not any((scratch_root / "build" / "staging").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".crm-")) == []  # no lock file left
    assert (out / "table-x.csv").is_file()


def test_the_manifest_knows_which_declared_exhibits_a_run_left_out_and_why(tmp_path):
    """Declared exhibits (the registry) not written are listed with the notebook's reason (Exhibits.omit),
    or 'no reason given'; an exhibit written and also said to be left out is an error."""
    import pandas as pd

    from crmresearch import reporting, studies
    from crmresearch.errors import StudyError
    from crmresearch.studies import pipeline

    study = studies.get("customer-base-clv")
    ex = reporting.Exhibits(tmp_path, study=study.name)
    for name in study.exhibits:
        if name.startswith("table-") and name not in ("table-gamma-gamma-fit", "table-bank-clv"):
            ex.table(pd.DataFrame({"x": [1]}), name)
    ex.omit({"table-gamma-gamma-fit": "needs amounts"})
    got = pipeline.omitted_exhibits(study, tmp_path)
    assert got["table-gamma-gamma-fit"] == "needs amounts"
    assert got["table-bank-clv"] == "not written (no reason given)"
    assert set(got) == {e for e in study.exhibits if not e.startswith("table-")} | {"table-gamma-gamma-fit",
                                                                                    "table-bank-clv"}
    ex.omit({"table-tracking": "oops"})
    with pytest.raises(StudyError, match=r"\['table-tracking'\] were written and also said to be left out"):
        pipeline.omitted_exhibits(study, tmp_path)
