"""Progress of long loops: silent unless asked (batch runs), a callback or a bar when asked."""

from __future__ import annotations

import pytest

from crmresearch import clv
from crmresearch.core import progress


@pytest.fixture(autouse=True)
def _silent_default():
    yield
    progress.set_default(False)


def test_silent_by_default_and_on_when_the_session_asks(capsys):
    with progress.tracker(3, "refits") as bar:
        for _ in range(3):
            bar.update()
    assert capsys.readouterr().err == ""
    progress.set_default(True)  # what an interactive run sets
    with progress.tracker(2, "refits", "refits") as bar:
        bar.update(2)
    assert capsys.readouterr().err.endswith("refits: 2 / 2 refits (100 %), 0 s\n")
    assert not progress.enabled(False)


def test_simulations_report_each_replication():
    seen = []
    clv.bgnbd_recovery({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, n_customers=500, replications=3,
                       progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
