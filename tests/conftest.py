"""Shared fixtures: a scratch project root so tests never write into the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Two pytest-xdist workers share two cores: one BLAS/OpenMP thread per process avoids the
# oversubscription that made k-means and the notebook kernels several times slower (measured: the
# clustering tests took 13-14 s each under xdist against 2-3 s alone). Set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point figures/ and build/ at a temporary folder (CRMRESEARCH_ROOT)."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setenv("CRMRESEARCH_ROOT", str(root))
    return root


def tree(folder: Path) -> list[str]:
    """Every file below ``folder`` as a sorted list of relative paths."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def cdnow_summary():
    """FHL (2005) calibration (weeks 1-39) and holdout (weeks 40-78) table of the CDNOW sample."""
    from crmresearch import clv, data

    tx = data.load_cdnow_transactions(sample=True)
    return clv.summary_from_transactions(tx, "1997-09-30", "1998-06-30", freq="W")


@pytest.fixture(scope="session")
def cards():
    """The card-base simulator at a size where its truth and the level model are measurable."""
    from crmresearch import data

    return data.simulate_card_base(n_accounts=8_000, n_merchants=200, seed=4)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """A Spark standalone master and two one-core workers on 127.0.0.1 (tests/spark_cluster.py), stopped by PID
    at the end of the session; skips without Java or pyspark (fails with CRMRESEARCH_REQUIRE_CLUSTER=1)."""
    import spark_cluster as sc

    reason = sc.missing()
    if reason:
        sc.skip_or_fail(f"the Spark cluster cannot start: {reason}")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # drivers here and in notebook kernels: loopback only
    cluster = sc.SparkCluster(tmp_path_factory.mktemp("spark-cluster"))
    cluster.start()
    sc.report(request, f"master and {sc.WORKERS} workers registered in {cluster.start_seconds:.1f} s ({cluster.url})")
    try:
        yield cluster
    finally:
        pids = cluster.pids
        cluster.stop()
        left = sc.alive(pids)
        sc.report(request, f"stopped pids {pids}; still running: {left or 'none'}")
        assert not left, f"Spark daemons still running after stop: {left}"
