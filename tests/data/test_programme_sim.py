"""The reward-programme simulator: seeded, self-selected (the loyal enrol earlier), truth as stated."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from crmresearch import data
from crmresearch.data import programme_sim
from crmresearch.errors import ValidationError


def test_same_seed_same_tables_and_the_loyal_enrol_earlier():
    a, b = data.simulate_programme(n_customers=2_000, seed=3), data.simulate_programme(n_customers=2_000, seed=3)
    assert a.transactions.equals(b.transactions) and a.customers.equals(b.customers)
    u, first = a.truth["loyalty"], a.truth["first_month"]
    assert u[first == 0].mean() < u[first > 0].mean()
    early, late = first[(first > 0) & (first <= 10)].index, first[first >= 14].index
    assert u[early].mean() > u[late].mean()
    s = a.truth["settings"]
    ev = a.truth["event_study"]  # effect grows by spend_growth a month (mean-one noise)
    assert ev.loc[0] == pytest.approx(s["spend_effect"], rel=0.1)
    assert ev.loc[6] - ev.loc[0] == pytest.approx(6 * s["spend_growth"], abs=0.4)
    assert a.truth["churn_att"] < 0  # members churn less with the programme than they would without


def test_no_programme_no_effect():
    prog = data.simulate_programme(n_customers=500, seed=1, spend_effect=0.0, spend_growth=0.0, churn_ratio=1.0)
    assert prog.truth["att"] == 0 and prog.truth["churn_att"] == 0


def test_the_simulator_imports_no_model_module():
    tree = ast.parse(Path(programme_sim.__file__).read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules <= {"__future__", "dataclasses", "typing", "errors"}, modules
    assert not {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} - {"numpy", "pandas"}


def test_bad_settings_are_named():
    with pytest.raises(ValidationError, match="enrolment window"):
        data.simulate_programme(enrol_from=1)
    with pytest.raises(ValidationError, match="n_customers must be a whole number"):
        data.simulate_programme(n_customers=np.float64(10.5))
