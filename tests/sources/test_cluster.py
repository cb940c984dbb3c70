"""A real Spark cluster, not local mode: a standalone master and two one-core workers on 127.0.0.1 (the session
fixture ``spark_cluster``, tests/spark_cluster.py). Every table-level aggregation gives the same result on the
cluster, reading Parquet folders through ``spark: {path: ...}`` entries of a data source file, as DuckDB on the
same files (a scorecard's binning counts too); the executors of both workers ran tasks (the driver's REST status
API); customer-base-clv runs end to end on the cluster. ``make test-cluster`` (and ``.ci/run``) runs this module."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, segmentation, sources
from crmresearch.errors import ValidationError
from crmresearch.sources import aggregate

pytestmark = pytest.mark.cluster

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("pyspark")

COLUMNS = {"customer": "cust_no", "date": "txn_ts", "amount": "amt"}


def _tx(seed: int = 0, n_customers: int = 2_000) -> pd.DataFrame:
    """Transactions with same-day repeats, customers with one purchase, four channels (about 12,000 rows)."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 12, n_customers)
    cust = np.repeat([f"C{c:05d}" for c in range(n_customers)], k)
    days = rng.integers(0, 500, len(cust))
    first = np.repeat(np.cumsum(np.r_[0, k[:-1]]), k)
    days = np.where(rng.random(len(cust)) < 0.2, days[first], days)  # a fifth on the customer's first day
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D") + pd.to_timedelta(
        rng.integers(0, 23 * 3600, len(cust)), unit="s")
    return pd.DataFrame({"cust_no": cust, "txn_ts": when, "amt": np.round(rng.gamma(2.0, 30.0, len(cust)), 2),
                         "channel": rng.choice(["branch", "web", "app", "phone"], len(cust))})


def _spells(seed: int = 1, n: int = 1_500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    end = start + pd.to_timedelta(rng.integers(30, 900, n), unit="D")
    end = pd.Series(end).where((end <= pd.Timestamp("2024-06-30")) & (rng.random(n) < 0.6))
    return pd.DataFrame({"client": [f"S{i:05d}" for i in range(n)], "opened": start, "closed": end})


def _calls(seed: int = 2) -> pd.DataFrame:
    """Four weeks of a centre open 08:00-18:00 on weekdays, 0-4 calls per quarter hour."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-03-04", "2024-03-29", freq="D")
    days = days[days.dayofweek < 5]
    stamps = [day + pd.Timedelta(minutes=480 + 15 * s, seconds=int(rng.integers(0, 900)))
              for day in days for s in range(40) for _ in range(int(rng.integers(0, 5)))]
    return pd.DataFrame({"rang_at": stamps})


def _applications() -> tuple[pd.DataFrame, object]:
    """credit_data as an applications table (id and outcome renamed, the outcome 0/1) and its monotone WoE bins
    fitted in pandas."""
    import warnings

    from crmresearch import credit, data

    apps = data.load_credit_data().rename(columns={"applicant_id": "app_no", "bad": "defaulted"})
    apps["defaulted"] = apps["defaulted"].astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = credit.WoEBinning(max_bins=6).fit(apps.drop(columns=["app_no", "defaulted"]), apps["defaulted"])
    return apps, fitted


def _parts(df: pd.DataFrame, folder: Path, parts: int = 4) -> None:
    """``df`` as ``parts`` Parquet files, timestamps in microseconds (Spark refuses pandas' nanoseconds)."""
    folder.mkdir(parents=True)
    for i, chunk in enumerate(np.array_split(np.arange(len(df)), parts)):
        df.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False, coerce_timestamps="us",
                                  allow_truncated_timestamps=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Parquet folders of transactions, spells and a call log, and two data source files naming them: DuckDB
    (``path:``) and the cluster (``spark: {path: ...}``)."""
    root = tmp_path_factory.mktemp("cluster-data")
    _parts(_tx(), root / "tx")
    _parts(_spells(), root / "spells", 2)
    _parts(_calls(), root / "calls", 2)
    _parts(_applications()[0], root / "applications", 2)
    bad = _tx(seed=3, n_customers=50)
    bad.loc[[7, 30], "amt"] = -1.0
    _parts(bad, root / "bad", 2)
    maps = {"transactions": "columns: {customer: cust_no, date: txn_ts, amount: amt}",
            "spells": "columns: {customer: client, start: opened, end: closed}",
            "calls": "columns: {interval: rang_at}", "applications": "columns: {applicant: app_no, outcome: defaulted}"}
    duck = [f'{role}: {{path: "{f}/*.parquet", {maps[role]}}}' for role, f in
            (("transactions", "tx"), ("spells", "spells"), ("calls", "calls"), ("applications", "applications"))]
    (root / "duckdb.yaml").write_text("\n".join(duck) + "\n")
    (root / "bad-duckdb.yaml").write_text(f'transactions: {{path: "bad/*.parquet", {maps["transactions"]}}}\n')
    return root


def _cluster_yaml(root: Path, cluster, name: str = "cluster.yaml", tx: str = "tx") -> Path:
    import spark_cluster as sc

    config = ", ".join(f'"{k}": "{v}"' for k, v in sc.session_config(cluster).items())
    lines = [f'spark: {{master: "{cluster.url}", config: {{{config}}}}}',
             f"transactions: {{spark: {{path: {tx}}}, columns: {{customer: cust_no, date: txn_ts, amount: amt}}}}",
             "spells: {spark: {path: spells, format: parquet}, columns: {customer: client, start: opened, "
             "end: closed}}",
             "calls: {spark: {path: calls}, columns: {interval: rang_at}}",
             "applications: {spark: {path: applications}, columns: {applicant: app_no, outcome: defaulted}}"]
    (root / name).write_text("\n".join(lines) + "\n")
    return root / name


@pytest.fixture(scope="module")
def session(spark_cluster, request):
    """The driver of this process on the cluster (its web UI on a free port, for the REST status API)."""
    import spark_cluster as sc
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(spark_cluster.url).appName("crmresearch-cluster-tests")
    for k, v in {**sc.session_config(spark_cluster), "spark.ui.enabled": "true",
                 "spark.ui.port": str(sc.free_port())}.items():
        builder = builder.config(k, v)
    t0 = time.perf_counter()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(4, numPartitions=2).count()  # the first job waits until both executors are registered
    sc.report(request, f"driver and 2 executors up in {time.perf_counter() - t0:.1f} s")
    assert spark.sparkContext.master == spark_cluster.url
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def both(folder, spark_cluster, session):
    """``{role: (DuckDB source, cluster source)}`` read from the two data source files."""
    duck = sources.read_sources(folder / "duckdb.yaml")
    spark = sources.read_sources(_cluster_yaml(folder, spark_cluster))
    assert {s.engine for s in duck.values()} == {"duckdb"} and {s.engine for s in spark.values()} == {"spark"}
    return {role: (duck[role], spark[role]) for role in duck}


def _same(a: pd.DataFrame | pd.Series, b: pd.DataFrame | pd.Series) -> None:
    if isinstance(a, pd.Series):
        a, b = a.to_frame(), b.to_frame()
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            np.testing.assert_allclose(b[c].to_numpy(), a[c].to_numpy(), rtol=1e-12, atol=1e-9, err_msg=c)
        elif pd.api.types.is_datetime64_any_dtype(a[c]):
            us = [pd.to_datetime(x[c]).to_numpy().astype("datetime64[us]").view("int64") for x in (a, b)]
            assert (us[0] == us[1]).all(), c  # NaT included (the same int64)
        else:
            assert (a[c].to_numpy() == b[c].to_numpy()).all(), c


def test_totals_rfm_and_calibration_summary_equal_duckdb(both):
    duck, spark = both["transactions"]
    _same(segmentation.customer_totals(duck), segmentation.customer_totals(spark))
    _same(segmentation.rfm(duck, as_of="2024-06-01"), segmentation.rfm(spark, as_of="2024-06-01"))
    a = clv.summary_from_transactions(duck, "2023-10-31", "2024-05-31")
    b = clv.summary_from_transactions(spark, "2023-10-31", "2024-05-31")
    _same(a, b)
    assert len(a) > 1_000
    for key in ("excluded_after_calibration", "row_account"):
        assert b.attrs[key] == a.attrs[key], key


def test_the_workers_write_the_three_tables_that_duckdb_computes(both, tmp_path):
    """``collect=False`` on the cluster: totals, RFM and the summary written by the executors (nothing per customer
    collected to the driver) read back equal to DuckDB's tables, and the row account is the same."""
    duck, spark = both["transactions"]
    ref = clv.customer_tables(duck, "2023-10-31", "2024-05-31", as_of="2024-06-01")
    paths = clv.customer_tables(spark, "2023-10-31", "2024-05-31", as_of="2024-06-01", out=tmp_path, collect=False)
    assert all(p.is_dir() for p in paths.values())
    for key, frame in ref.items():
        _same(frame, pd.read_parquet(paths[key]).set_index(frame.index.name))
    attrs = json.loads((tmp_path / "tables.json").read_text())
    assert attrs["summary"]["row_account"] == ref["summary"].attrs["row_account"]


def test_repeat_days_and_channel_totals_equal_duckdb(both):
    duck, spark = both["transactions"]
    cal, end = pd.Timestamp("2023-10-31"), pd.Timestamp("2024-05-31")
    first_a, per_a = aggregate.repeat_days(duck, cal, end)
    first_b, per_b = aggregate.repeat_days(spark, cal, end)
    _same(first_a, first_b)
    _same(per_a, per_b)
    _same(aggregate.channel_totals(duck, "channel"), aggregate.channel_totals(spark, "channel"))


def test_spells_and_their_cohorts_equal_duckdb(both):
    duck, spark = both["spells"]
    a = duck.to_pandas().sort_values("customer_id", ignore_index=True)
    b = spark.to_pandas().sort_values("customer_id", ignore_index=True)
    _same(a, b)
    assert a["end"].isna().sum() > 100  # active customers, censored
    ca = clv.contract_periods(a, "2024-06-30", cohort_freq="Q")
    cb = clv.contract_periods(b, "2024-06-30", cohort_freq="Q")
    _same(ca, cb)
    assert ca["cohort"].nunique() >= 8


def test_call_counts_equal_duckdb(both):
    duck, spark = both["calls"]
    a, b = aggregate.call_counts(duck, 15), aggregate.call_counts(spark, 15)
    _same(a, b)
    assert a.attrs["observed"] == b.attrs["observed"]
    assert len(a) == 20 * 40 and (a["calls"] == 0).any()


def test_bin_counts_woe_and_iv_equal_duckdb_and_the_pandas_fit(both):
    """The per-bin good/bad counts of every characteristic of credit_data, grouped on the cluster: the IV equals
    DuckDB's on the same Parquet files and the pandas fit's to 1e-12."""
    from crmresearch import credit

    duck, spark = both["applications"]
    _, fitted = _applications()
    a, b = credit.binning_tables(duck, fitted), credit.binning_tables(spark, fitted)
    _same(a, b)
    iv = b.groupby("characteristic", sort=False)["iv"].sum()
    np.testing.assert_allclose(iv.to_numpy(), fitted.iv_.to_numpy(), rtol=0, atol=1e-12)


def test_a_bad_row_gives_the_same_message_on_the_cluster(folder, spark_cluster, session):
    duck = sources.read_sources(folder / "bad-duckdb.yaml")["transactions"]
    spark = sources.read_sources(_cluster_yaml(folder, spark_cluster, "bad-cluster.yaml", tx="bad"))["transactions"]
    messages = []
    for src in (duck, spark):
        with pytest.raises(ValidationError, match=r"column 'amt' \(mapped to amount\): 2 of \d+ rows are below 0") \
                as caught:
            segmentation.rfm(src)
        messages.append(str(caught.value).replace(str(folder / "bad-cluster.yaml"), "").split(": ", 1)[-1])
    assert messages[0] == messages[1]


def test_the_executors_of_both_workers_ran_tasks(both, spark_cluster, session):
    """After the aggregations above: the driver's REST API counts tasks per executor, the workers' JSON says which
    worker runs which executor of this application."""
    import spark_cluster as sc

    segmentation.customer_totals(both["transactions"][1])  # at least one job, whatever ran before
    app = session.sparkContext.applicationId
    executors = sc.get_json(f"{session.sparkContext.uiWebUrl}/api/v1/applications/{app}/executors")
    tasks = {e["id"]: e["totalTasks"] for e in executors if e["id"] != "driver"}
    on_worker = {port: {str(e["id"]) for e in ex if e.get("appid") == app}
                 for port, ex in spark_cluster.worker_executors().items()}
    assert len(on_worker) == 2 and all(len(ids) == 1 for ids in on_worker.values()), on_worker
    for port, ids in on_worker.items():
        (executor,) = ids
        assert tasks.get(executor, 0) > 0, f"the executor {executor} of the worker on port {port} ran no task: {tasks}"
    state = spark_cluster.state()
    assert [a["id"] for a in state["activeapps"]] == [app]
    assert {w["coresused"] for w in state["workers"]} == {1}


def test_nanosecond_parquet_timestamps_are_refused_with_the_remedy(tmp_path, spark_cluster, session):
    """pandas writes nanoseconds by default; Spark 4 refuses them (PARQUET_TYPE_ILLEGAL): one line that says how
    to write the files instead."""
    (tmp_path / "tx").mkdir()
    _tx(seed=4, n_customers=20).to_parquet(tmp_path / "tx" / "part-0.parquet", index=False)
    (tmp_path / "s.yaml").write_text(f'spark: {{master: "{spark_cluster.url}"}}\ntransactions: {{spark: {{path: tx}}, '
                                     "columns: {customer: cust_no, date: txn_ts, amount: amt}}\n")
    with pytest.raises(sources.SourceError, match=r"s.yaml: transactions: Spark cannot read 'tx' as Parquet: .*"
                                                  r"write the files with pyarrow's coerce_timestamps='us'") as caught:
        sources.read_sources(tmp_path / "s.yaml")
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_customer_base_clv_runs_on_the_cluster_from_a_parquet_folder(scratch_root, tmp_path, spark_cluster):
    """The study's kernel drives the cluster (its own application: this process's driver stops first, since each
    worker has one core), reading the FHL (2005) CDNOW sample from Parquet; the fit equals the package's on the
    pandas frame."""
    import spark_cluster as sc
    from click.testing import CliRunner
    from pyspark.sql import SparkSession

    from crmresearch import cli, data

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    tx = data.load_cdnow_transactions(sample=True)[["customer_id", "date", "amount"]]
    _parts(tx.rename(columns={"customer_id": "cust_no", "date": "txn_ts", "amount": "amt"}), tmp_path / "tx", 3)
    config = ", ".join(f'"{k}": "{v}"' for k, v in sc.session_config(spark_cluster).items())
    (tmp_path / "s.yaml").write_text(f'name: Record shop\nspark: {{master: "{spark_cluster.url}", '
                                     f"config: {{{config}}}}}"
                                     "\ntransactions: {spark: {path: tx}, columns: {customer: cust_no, date: txn_ts, "
                                     "amount: amt}}\n")
    out = tmp_path / "out"
    ran = CliRunner().invoke(cli.main, ["run", "customer-base-clv", "-p", f"data={tmp_path / 's.yaml'}", "-p",
                                        "calibration_end=1997-09-30", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resolved"]["yours"]["observation_end"]["value"] == "1998-06-30"
    s = clv.summary_from_transactions(tx, "1997-09-30", "1998-06-30", freq="W")
    direct = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    fit = pd.read_csv(out / "table-bgnbd-fit.csv").iloc[0]
    assert fit["customers"] == len(s)
    for k in ("r", "alpha", "a", "b"):
        assert fit[k] == pytest.approx(direct.params_[k], abs=1e-6)  # the table holds 6 decimals
    holdout = pd.read_csv(out / "table-clv-holdout.csv").set_index("metric")["yours"]
    assert holdout["holdout transactions, actual"] == s["frequency_holdout"].sum()
    finished = [a for a in spark_cluster.state()["completedapps"]]
    assert any(a["name"] != "crmresearch-cluster-tests" for a in finished), finished  # the kernel's application

