"""The simulators' truth is their own: written apart from the estimators it checks, and equal to them.

(a) The covariate path of the service-recovery simulator equals ``recovery.case_covariates`` +
``survival.panel``, and the bank's value tiers equal ``segmentation.value_pyramid``, on simulated
data. (b) No module under ``crmresearch/data`` imports a model module, so the two can never again
share code.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from crmresearch import data, segmentation, survival
from crmresearch.data import _truth
from crmresearch.data.simulate import TIERS, BankSettings, _customers
from crmresearch.errors import ParameterError, ValidationError
from crmresearch.survival import recovery

DATA_DIR = Path(importlib.util.find_spec("crmresearch.data").origin).parent
#: The package modules that ``crmresearch/data`` may import; everything else (the model modules) it may not.
ALLOWED = {"errors", "paths", "_extras", "schemas", "data"}
#: The model modules named by the house rule (all outside ALLOWED; listed so the rule reads plainly).
MODELS = {"clv", "segmentation", "survival", "satisfaction", "recovery", "health", "prospects", "experiments", "core",
          "service", "targeting", "credit", "forecast", "skills", "classify"}


def _estimator_path(cases, customers, managers, slow_days, end):
    """The path the package's estimators build, as the simulator used to build it."""
    changes = recovery.case_covariates(cases, customers, managers, slow_days)
    changes = changes[changes["time"] < end]
    subjects = customers[["customer_id", "rural"]].assign(duration=end, event=False)
    path = survival.panel(subjects, changes, initial=dict.fromkeys(recovery.COVARIATES, 0), merge=True)
    return path.drop(columns="event")


@pytest.mark.parametrize("kw", [dict(n_customers=1_500, n_managers=20, seed=0),
                                dict(n_customers=1_500, n_managers=20, seed=1),
                                dict(n_customers=800, n_managers=5, seed=2, months=12, complaints_per_year=3.0,
                                     slow_days=2.0),
                                dict(n_customers=300, n_managers=2, seed=4, months=3, manager_tenure_years=100.0)])
def test_covariate_path_equals_case_covariates_and_panel(kw):
    sim = data.simulate_service_cases(**kw)
    end, slow = sim.truth["end_day"], sim.truth["slow_days"]
    customers = sim.customers[["customer_id", "rural", "manager_id"]]
    assert sim.cases["resolved_day"].isna().any() or kw["seed"] == 4  # cases still open at the end are covered
    ours = _truth.covariate_path(sim.cases, customers, sim.managers, slow, end)
    theirs = _estimator_path(sim.cases, customers, sim.managers, slow, end)
    assert_frame_equal(ours, theirs, check_exact=True)
    assert len(ours) > len(customers)  # the paths do vary


def test_covariate_path_equals_panel_on_ties_and_boundaries():
    """Opening and resolving at the same time, changes before day 0 and at or after the end, a
    resolution of exactly ``slow_days``, a manager leaving as a case opens, a customer without cases."""
    cases = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4, 4, 6],
                          "opened_day": [-5.0, 4.0, 0.0, 3.0, 2.0, 6.0, 1.0, 14.0, 3.0],
                          "resolved_day": [2.0, 12.0, 3.0, np.nan, 6.0, 20.0, 8.0, 15.0, 10.0],
                          "compensated": [False, True, False, True, True, False, False, True, True]})
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6], "rural": [True, False, False, True, False, True],
                              "manager_id": [1, 2, 1, 3, 2, 4]})
    managers = pd.DataFrame({"manager_id": [1, 2, 3, 4], "left_day": [6.0, np.nan, -1.0, 15.0]})
    for end in (15.0, 30.0):
        ours = _truth.covariate_path(cases, customers, managers, 7.0, end)
        assert_frame_equal(ours, _estimator_path(cases, customers, managers, 7.0, end), check_exact=True)
    assert ours.loc[ours["customer_id"] == 6, "slow_resolution"].eq(0).all()  # 7 days is not slower than 7


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bank_value_tiers_equal_value_pyramid(seed):
    s = BankSettings() if seed < 2 else BankSettings(tier_cuts=(0.1, 0.3, 0.6))
    n = 2_000 if seed % 2 == 0 else 150  # 150 x 0.01 = 1.5: a half rounded up
    rng = np.random.default_rng(seed)
    cust, lam, nu = _customers(rng, s, n, pd.Timestamp("2023-01-01"), 1096.0)
    expected_value = lam * np.array(s.spend_p)[cust["segment"].cat.codes.to_numpy()] / nu
    theirs = segmentation.value_pyramid(pd.Series(expected_value), cuts=s.tier_cuts, labels=TIERS)
    pd.testing.assert_series_equal(cust["value_tier"], theirs.rename("value_tier"), check_exact=True)
    assert cust["value_tier"].value_counts().iloc[0] < n  # more than one tier


@pytest.mark.parametrize("seed", range(6))
def test_rank_tiers_equal_value_pyramid_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    values = rng.integers(0, 6, n).astype(float) + (seed == 0)  # many equal values
    for cuts in ((0.01, 0.05, 0.20), (0.1, 0.3, 0.6), (0.5,)):
        labels = [f"t{k}" for k in range(len(cuts) + 1)]
        if values.sum() == 0:
            continue
        theirs = segmentation.value_pyramid(values, cuts=cuts, labels=labels)
        np.testing.assert_array_equal(_truth.rank_tiers(values, cuts), theirs.cat.codes.to_numpy())


def test_the_checks_the_estimators_made_are_the_simulators_own():
    """value_pyramid and case_covariates used to reject these; the simulators now do it themselves."""
    for cuts in ((0.2, 0.1, 0.3), (0.01, 0.05), (0.0, 0.5, 0.9), (0.1, 0.5, 1.0)):
        with pytest.raises(ParameterError, match="tier_cuts"):
            data.simulate_bank(n_customers=200, seed=0, tier_cuts=cuts)
    for slow in (0.0, -1.0, float("nan")):
        with pytest.raises(ValidationError, match="slow_days"):
            data.simulate_service_cases(n_customers=50, n_managers=2, seed=0, slow_days=slow)


# ----------------------------------------------------------------------------- (b) no shared code
def _package_imports(source: str, module: str) -> list[tuple[int, str]]:
    """(line, crmresearch module) of every import in ``source``, the source of ``module``
    (e.g. ``crmresearch.data.simulate``): module level or inside functions, relative or absolute,
    and ``importlib.import_module``/``__import__`` calls with a literal name."""
    package = module.split(".")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):  # ``from X import a``: a is X's attribute or the module X.a
            base = ".".join(package[:len(package) - node.level] + ([node.module] if node.module else []))
            full = base if node.level else node.module
            found += [(node.lineno, full)] if full != "crmresearch" else []
            found += [(node.lineno, f"{full}.{a.name}") for a in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            found.append((node.lineno, node.args[0].value))
    return [(line, name) for line, name in found if name == "crmresearch" or name.startswith("crmresearch.")]


def _forbidden(source: str, module: str) -> list[tuple[int, str]]:
    """(line, ``crmresearch.<module>``) of every import of a package module outside ALLOWED, in line order."""
    top = {(line, ".".join(name.split(".")[:2])) for line, name in _package_imports(source, module)}
    return sorted((line, name) for line, name in top if name == "crmresearch" or name.split(".")[1] not in ALLOWED)


def test_the_scanner_sees_every_form_of_import():
    source = ("from ..survival import panel\n"
              "from .. import segmentation, errors\n"
              "import crmresearch.recovery\n"
              "from crmresearch import clv\n"
              "from crmresearch.satisfaction.plspm import x\n"
              "def f():\n"
              "    from ..health import y\n"
              "    importlib.import_module('crmresearch.forecast')\n"
              "from . import loaders\n"
              "from ._truth import rank_tiers\n"
              "from ..schemas import validate\n"
              "from crmresearch.data import simulate\n")
    bad = _forbidden(source, "crmresearch.data.simulate")
    assert bad == [(1, "crmresearch.survival"), (2, "crmresearch.segmentation"), (3, "crmresearch.recovery"),
                   (4, "crmresearch.clv"), (5, "crmresearch.satisfaction"), (7, "crmresearch.health"),
                   (8, "crmresearch.forecast")]
    assert _forbidden("from . import simulate\nfrom ..paths import x\n", "crmresearch.data.__init__") == []
    assert _forbidden("from .. import clv\n", "crmresearch.data.__init__") == [(1, "crmresearch.clv")]


def test_no_data_module_imports_a_model_module():
    files = sorted(DATA_DIR.rglob("*.py"))
    assert {"simulate.py", "service_cases.py", "_truth.py"} <= {f.name for f in files}
    assert not MODELS & ALLOWED
    bad = []
    for f in files:
        rel = f.relative_to(DATA_DIR.parent.parent)
        module = ".".join(rel.with_suffix("").parts)
        bad += [f"{rel}:{line}: imports {name}" for line, name in _forbidden(f.read_text(encoding="utf-8"), module)]
    assert not bad, ("modules under crmresearch/data must not import model modules (a simulator must not share "
                     f"code with the estimators it checks; allowed: {sorted(ALLOWED)}):\n  " + "\n  ".join(bad))
