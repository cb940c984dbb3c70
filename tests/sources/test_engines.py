"""One aggregation, every engine: pandas, polars, DuckDB and Spark give the same customer totals, RFM,
calibration summary and BG/NBD fit, the same messages for bad rows, and data source files are read
by role with their column mappings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import spark_cluster as sc

from crmresearch import clv, segmentation, sources
from crmresearch.errors import FutureDateError, ValidationError
from crmresearch.sources import aggregate


def _engine(module: str):
    """The engine's module; without it the module is skipped, or fails under ``CRMRESEARCH_REQUIRE_CLUSTER=1``
    (its Spark tests must not vanish in `make test-cluster`)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        sc.skip_or_fail(f"{module} is not installed", module_level=True)


duckdb = _engine("duckdb")
pl = _engine("polars")


@pytest.fixture(scope="module")
def spark():
    """A local Spark session (``local[2]``). The tests on it are marked ``spark``: `make test-cluster` runs them
    beside the cluster's (a JVM start and Spark's per-job overhead: ~50 s of `make test` before), and with
    ``CRMRESEARCH_REQUIRE_CLUSTER=1`` (CI) a missing pyspark or Java fails them instead of skipping."""
    reason = sc.missing()
    if reason:
        sc.skip_or_fail(reason)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("crmresearch-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _tx(seed: int = 0, n_customers: int = 300) -> pd.DataFrame:
    """Transactions with same-day repeats, exact ties, customers with one purchase, a gap customer."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        k = int(rng.integers(1, 12))
        days = np.sort(rng.integers(0, 500, k))
        days[: k // 3] = days[0]  # several purchases on the first day
        for d in days:
            when = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(d), hours=int(rng.integers(0, 23)))
            rows.append((f"C{c:04d}", when, float(np.round(rng.gamma(2.0, 30.0), 2))))
    return pd.DataFrame(rows, columns=["cust_no", "txn_ts", "amt"])


COLUMNS = {"customer": "cust_no", "date": "txn_ts", "amount": "amt"}


def _engines(df: pd.DataFrame, tmp: Path, spark=None) -> dict[str, object]:
    pq = tmp / "tx"
    pq.mkdir(exist_ok=True)
    half = len(df) // 2
    df.iloc[:half].to_parquet(pq / "part-0.parquet", index=False)
    df.iloc[half:].to_parquet(pq / "part-1.parquet", index=False)
    df.to_csv(tmp / "tx.csv", index=False)
    out = {"pandas": df, "polars": pl.from_pandas(df), "duckdb": duckdb.connect().from_df(df),
           "parquet glob": str(pq / "*.parquet"), "csv": str(tmp / "tx.csv")}
    if spark is not None:
        out["spark"] = spark.createDataFrame(df)
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index)
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            np.testing.assert_allclose(b[c].to_numpy(), a[c].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=c)
        else:
            assert (a[c].to_numpy() == b[c].to_numpy()).all(), c


@pytest.mark.parametrize("with_spark", [False, pytest.param(True, marks=pytest.mark.spark)])
def test_rfm_totals_and_clv_summary_are_equal_on_every_engine(tmp_path, request, with_spark):
    df = _tx()
    engines = _engines(df, tmp_path, request.getfixturevalue("spark") if with_spark else None)
    ref_rfm = segmentation.rfm(df, as_of="2024-06-01", customer="cust_no", date="txn_ts", amount="amt")
    ref_tot = segmentation.customer_totals(df, customer="cust_no", amount="amt")
    ref_clv = clv.summary_from_transactions(df, "2023-10-31", "2024-05-31", customer="cust_no", date="txn_ts",
                                            amount="amt")
    for name, table in engines.items():
        if with_spark and name != "spark":
            continue
        r = segmentation.rfm(table, as_of="2024-06-01", customer="cust_no", date="txn_ts", amount="amt")
        _same(ref_rfm, r)
        _same(ref_tot, segmentation.customer_totals(table, customer="cust_no", amount="amt"))
        s = clv.summary_from_transactions(table, "2023-10-31", "2024-05-31", customer="cust_no", date="txn_ts",
                                          amount="amt")
        _same(ref_clv, s)
        assert s.attrs["excluded_after_calibration"] == ref_clv.attrs["excluded_after_calibration"], name


@pytest.mark.parametrize("with_spark", [False, pytest.param(True, marks=pytest.mark.spark)])
def test_a_log_without_amounts_aggregates_the_same_on_every_engine(tmp_path, request, with_spark):
    """Customer id and date only (lifetimes' transaction log shape): totals, RFM and the calibration
    summary run on every engine, equal those of the same log with amounts less the money columns,
    and whatever sums money says the amount is missing."""
    full = _tx(seed=2)
    df = full.drop(columns="amt")
    engines = _engines(df, tmp_path, request.getfixturevalue("spark") if with_spark else None)
    cols = {"customer": "cust_no", "date": "txn_ts"}
    ref_rfm = segmentation.rfm(full, as_of="2024-06-01", customer="cust_no", date="txn_ts", amount="amt")
    ref_tot = segmentation.customer_totals(full, customer="cust_no", amount="amt")
    ref_clv = clv.summary_from_transactions(full, "2023-10-31", "2024-05-31", customer="cust_no", date="txn_ts",
                                            amount="amt")
    for name, table in engines.items():
        if with_spark and name != "spark":
            continue
        r = segmentation.rfm(table, as_of="2024-06-01", amount=None, **{k: v for k, v in cols.items()})
        assert "monetary" not in r.columns and "monetary_mean" not in r.columns, name
        _same(ref_rfm.drop(columns=["monetary", "monetary_mean"]), r)
        t = segmentation.customer_totals(table, customer="cust_no", amount=None)
        assert list(t.columns) == ["transactions"], name
        _same(ref_tot[["transactions"]], t)
        s = clv.summary_from_transactions(table, "2023-10-31", "2024-05-31", amount=None, **cols)
        assert "monetary_value" not in s.columns, name
        _same(ref_clv.drop(columns="monetary_value"), s)
        assert s.attrs["row_account"] == ref_clv.attrs["row_account"], name
        with pytest.raises(ValidationError, match=r"missing column\(s\).*amount"):
            segmentation.customer_totals(table, customer="cust_no")


def test_bgnbd_fits_the_same_from_every_engine(tmp_path):
    df = _tx(seed=1, n_customers=800)
    ref = clv.summary_from_transactions(df, "2023-10-31", customer="cust_no", date="txn_ts", amount="amt")
    fits = []
    for table in _engines(df, tmp_path).values():
        s = clv.summary_from_transactions(table, "2023-10-31", customer="cust_no", date="txn_ts", amount="amt")
        fits.append(clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"]).params_)
    base = clv.BetaGeoNBD().fit(ref["frequency"], ref["recency"], ref["T"]).params_
    for p in fits:
        for k in base.index:
            assert p[k] == pytest.approx(base[k], rel=1e-9)


@pytest.mark.parametrize("bad, message", [
    ({"amt": [10.0, -5.0, 1.0]},
     r"column 'amt' \(mapped to amount\): 1 of 3 rows are below 0 \(negative\) \(first customers: b\)"),
    ({"amt": [10.0, np.nan, 1.0]},
     r"column 'amt' \(mapped to amount\): 1 of 3 rows are missing \(first customers: b\)"),
    ({"txn_ts": [pd.Timestamp("2024-01-01"), pd.NaT, pd.Timestamp("2024-01-03")]},
     r"column 'txn_ts' \(mapped to date\): 1 of 3 rows are missing \(first customers: b\)"),
    ({"cust_no": ["a", None, "c"]}, r"column 'cust_no' \(mapped to customer_id\): 1 of 3 rows are missing"),
    ({"amt": [10.0, np.inf, -1.0]},
     r"column 'amt' \(mapped to amount\): 1 of 3 rows are infinite \(first customers: b\)"),
])
def test_bad_rows_give_the_same_message_on_every_engine(tmp_path, bad, message):
    df = pd.DataFrame({"cust_no": ["a", "b", "c"], "txn_ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                       "amt": [10.0, 5.0, 1.0]}) .assign(**bad)
    for name, table in _engines(df, tmp_path).items():
        if name in ("pandas",):
            continue  # pandas input is checked by schemas.validate first (row labels instead of ids)
        with pytest.raises(ValidationError, match=message):
            aggregate.rfm_table(table, COLUMNS, caller="rfm")


def test_text_dates_and_text_amounts_in_an_engine_are_read_when_every_value_reads_else_counted():
    """A text column of a date or number kind whose every value reads as one is read as one (the same RFM as the
    typed table), not refused for its type; one value that does not read is counted, with the value."""
    df = pd.DataFrame({"cust_no": ["a", "b", "a"], "txn_ts": ["2024-01-01", "2024-01-02 10:30", "2024-02-01"],
                       "amt": ["10", "2.5", "1e1"]})
    typed = df.assign(txn_ts=pd.to_datetime(df["txn_ts"], format="ISO8601"), amt=df["amt"].astype(float))
    want = segmentation.rfm(duckdb.connect().from_df(typed), customer="cust_no", date="txn_ts", amount="amt")
    got = segmentation.rfm(duckdb.connect().from_df(df), customer="cust_no", date="txn_ts", amount="amt")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)  # timestamps in µs (CAST AS TIMESTAMP) or ns
    rel = duckdb.connect().from_df(df.assign(txn_ts=["2024-01-01", "31.01.2024", "2024-02-01"]))
    with pytest.raises(ValidationError, match=r"column 'txn_ts' \(mapped to date\): 1 of 3 rows cannot be read as "
                                              r"dates \(first values: '31.01.2024'\)"):
        segmentation.rfm(rel, customer="cust_no", date="txn_ts", amount="amt")
    rel2 = duckdb.connect().from_df(typed.assign(amt=["10", "EUR 5", "1e1"]))
    with pytest.raises(ValidationError, match=r"column 'amt' \(mapped to amount\): 1 of 3 rows are not numbers "
                                              r"\(first values: 'EUR 5'\)"):
        segmentation.rfm(rel2, customer="cust_no", date="txn_ts", amount="amt")


def test_time_zone_aware_tables_agree(tmp_path):
    df = _tx(seed=2, n_customers=50)
    aware = df.assign(txn_ts=df["txn_ts"].dt.tz_localize("UTC"))
    ref = segmentation.rfm(aware, as_of="2024-06-01 00:00+00:00", customer="cust_no", date="txn_ts", amount="amt")
    for name in ("polars", "duckdb"):
        table = _engines(aware, tmp_path)[name]
        r = segmentation.rfm(table, as_of="2024-06-01 00:00+00:00", customer="cust_no", date="txn_ts", amount="amt")
        assert (r["recency_days"] == ref["recency_days"]).all() and (r["frequency"] == ref["frequency"]).all()


def test_future_transactions_are_an_error_in_the_engine(tmp_path):
    df = _tx(seed=3, n_customers=20)
    rel = duckdb.connect().from_df(df)
    with pytest.raises(ValidationError, match=r"customers have transactions after as_of = 2023-06-01"):
        segmentation.rfm(rel, as_of="2023-06-01", customer="cust_no", date="txn_ts", amount="amt")


# ----------------------------------------------------------------------------- data source files
def test_data_source_file_names_roles_files_and_columns(tmp_path):
    df = _tx(seed=4, n_customers=40)
    (tmp_path / "tx").mkdir()
    df.to_parquet(tmp_path / "tx" / "part-0.parquet", index=False)
    pd.DataFrame({"cust_no": df["cust_no"].unique(), "area": "urban"}).to_csv(tmp_path / "customers.csv", index=False)
    con = duckdb.connect(str(tmp_path / "bank.duckdb"))
    con.execute("CREATE TABLE spells AS SELECT cust_no AS customer_id, min(txn_ts) AS start, "
                "CAST(NULL AS TIMESTAMP) AS \"end\" FROM read_parquet(?) GROUP BY cust_no",
                [str(tmp_path / "tx" / "part-0.parquet")])
    con.close()
    (tmp_path / "sources.yaml").write_text(
        'transactions: {path: "tx/*.parquet", columns: {customer: cust_no, date: txn_ts, amount: amt}}\n'
        "customers: {path: customers.csv, columns: {customer: cust_no, region: area}}\n"
        "spells: {duckdb: {database: bank.duckdb, table: spells}}\n")
    got = sources.read_sources(tmp_path / "sources.yaml", roles=["transactions", "customers"])
    assert set(got) == {"transactions", "customers", "spells"}
    assert got["transactions"].engine == "duckdb"
    assert {"customer_id", "date", "amount"} <= set(got["transactions"].schema())
    assert "region" in got["customers"].schema()
    _same(segmentation.rfm(df, as_of="2025-01-01", customer="cust_no", date="txn_ts", amount="amt"),
          segmentation.rfm(got["transactions"], as_of="2025-01-01"))


@pytest.mark.parametrize("yaml_text, message", [
    ("transactions: {path: nope/*.parquet}\n", r"no file matches 'nope/\*.parquet'"),
    ("transactions: {path: tx.csv, columns: {customer: cust, date: txn_ts, amount: amt}}\n",
     r"missing column\(s\) cust \(for customer\)"),
    ("transactions: {path: tx.csv}\n", r"missing column\(s\) customer_id \(default name\), date \(default name\)"),
    ("customers: {path: tx.csv, columns: {customer: cust_no}}\n", r"missing role\(s\) \['transactions'\]"),
    ("purchases: {path: tx.csv}\n", r"unknown role\(s\) \['purchases'\]"),
    ("transactions: {path: tx.csv, duckdb: {database: x, table: y}}\n",
     "exactly one of path, duckdb, spark_table or spark"),
    ("transactions: {duckdb: {database: none.duckdb, table: t}}\n", "no DuckDB database"),
    ("transactions: [1, 2]\n", "cannot use a list"),
])
def test_bad_data_source_files_name_the_problem(tmp_path, yaml_text, message):
    _tx(seed=5, n_customers=5).to_csv(tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text(yaml_text)
    with pytest.raises(sources.SourceError, match=message):
        sources.read_sources(tmp_path / "s.yaml", roles=["transactions"])


def test_purchases_after_observation_end_are_an_error_in_the_engine(tmp_path):
    df = _tx(seed=6, n_customers=30)
    for _name, table in _engines(df, tmp_path).items():
        with pytest.raises(ValidationError, match=r"rows are after (as_of = 2023-09-30|the end of the observation)"):
            clv.summary_from_transactions(table, "2023-06-30", "2023-09-30", customer="cust_no", date="txn_ts",
                                          amount="amt")


# ----------------------------------------------------------------------------- a sparse call log
def _small_centre() -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex]:
    """Two weeks of a small centre open Monday to Friday 09:00-12:00 (12 quarter hours), 0-3 calls per
    quarter hour, no call on the second Wednesday; returns the log (one row per call), the counts per
    open day and quarter hour, and the open days."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2024-03-04", "2024-03-15", freq="D")
    days = days[days.dayofweek < 5]
    counts = rng.choice([0, 0, 1, 1, 2, 3], size=(len(days), 12))
    counts[:, 0] = np.maximum(counts[:, 0], np.r_[1, np.zeros(len(days) - 1, dtype=int)])  # 09:00 seen once
    counts[days == pd.Timestamp("2024-03-13")] = 0  # a quiet Wednesday
    stamps = [day + pd.Timedelta(minutes=540 + 15 * s, seconds=int(rng.integers(0, 900)))
              for i, day in enumerate(days) for s in range(12) for _ in range(counts[i, s])]
    return pd.DataFrame({"rang_at": stamps}), counts, days


@pytest.mark.parametrize("with_spark", [False, pytest.param(True, marks=pytest.mark.spark)])
def test_a_sparse_call_log_keeps_its_quiet_intervals_on_every_engine(tmp_path, request, with_spark):
    from crmresearch import service

    log, counts, days = _small_centre()
    assert (counts == 0).mean() > 0.3  # many quiet quarter hours
    grid = (days.to_numpy()[:, None] + pd.to_timedelta(540 + 15 * np.arange(12), unit="min").to_numpy()).ravel()
    # the right mean of a weekday's quarter hour: its calls over the two days of that weekday, zeros included
    expected = {(d.day_name(), f"{9 + s // 4:02d}:{15 * (s % 4):02d}"): counts[days.dayofweek == d.dayofweek, s].mean()
                for d in days[:5] for s in range(12)}
    engines = _engines(log, tmp_path, request.getfixturevalue("spark") if with_spark else None)
    for name, table in engines.items():
        if with_spark and name != "spark":
            continue
        counted = aggregate.call_counts(table, 15, columns={"interval": "rang_at"})
        assert counted["datetime"].tolist() == list(grid), name  # every open day, every quarter hour
        assert counted["calls"].tolist() == counts.ravel().tolist(), name
        assert counted.attrs["observed"]["days"] == 10 and counted.attrs["observed"]["intervals_per_day"] == 12
        profile = service.arrival_profile(counted, slot_minutes=15)
        got = dict(zip(zip(profile["weekday"], profile["slot"], strict=True), profile["mean_calls"], strict=True))
        assert got == expected, name
        assert set(profile["days"]) == {2}
    # counts that list only the busy intervals give the same profile on every day they list; a day without
    # a single row (the quiet Wednesday) cannot be seen in them, which is why call_counts fills the grid
    busy = counted[counted["calls"] > 0]
    same = service.arrival_profile(busy, slot_minutes=15)
    seen = same["weekday"] != "Wednesday"
    assert same.loc[seen, "mean_calls"].tolist() == [expected[k] for k in zip(same.loc[seen, "weekday"],
                                                                              same.loc[seen, "slot"], strict=True)]
    assert set(same.loc[~seen, "days"]) == {1}
    hours = {(d, h): sum(v for (dd, s), v in expected.items() if dd == d and s.startswith(h))
             for d in {k[0] for k in expected} for h in ("09", "10", "11")}
    assert service.busy_hour(counted)["calls_per_hour"] == pytest.approx(max(hours.values()), abs=1e-12)


def test_the_observed_window_of_a_call_log_comes_from_the_call_or_the_data_source_file(tmp_path):
    log = _small_centre()[0]
    log.to_parquet(tmp_path / "log.parquet", index=False)
    # through Monday 18 March: one more open day, with no call
    wide = aggregate.call_counts(log, 15, columns={"interval": "rang_at"}, observed_to="2024-03-18")
    assert len(wide) == 11 * 12 and wide["calls"].iloc[-12:].eq(0).all()
    (tmp_path / "s.yaml").write_text("calls: {path: log.parquet, columns: {interval: rang_at}, "
                                     "observed_from: 2024-03-01, observed_to: 2024-03-18}\n")
    src = sources.read_sources(tmp_path / "s.yaml")["calls"]
    from_file = aggregate.call_counts(src, 15)
    assert from_file.attrs["observed"]["days"] == 12  # Friday 1 March and Monday 18 March added
    assert from_file["datetime"].iloc[0] == pd.Timestamp("2024-03-01 09:00")
    with pytest.raises(ValidationError, match=r"calls of the log are before observed_from = 2024-03-05"):
        aggregate.call_counts(log, 15, columns={"interval": "rang_at"}, observed_from="2024-03-05")
    with pytest.raises(ValidationError, match=r"observed_to \(2024-03-01\) is before observed_from"):
        aggregate.call_counts(log, 15, columns={"interval": "rang_at"}, observed_from="2024-03-04",
                              observed_to="2024-03-01")
    (tmp_path / "bad.yaml").write_text("calls: {path: log.parquet, columns: {interval: rang_at}, "
                                       "observed_to: next week}\n")
    with pytest.raises(ValidationError, match=r"observed_to must be a date YYYY-MM-DD; got 'next week'"):
        sources.read_sources(tmp_path / "bad.yaml")
    per_interval = pd.DataFrame({"interval_start": pd.to_datetime(["2024-03-04 09:00"]), "calls": [2]})
    with pytest.raises(ValidationError, match=r"observed_from / observed_to apply to a call log"):
        aggregate.call_counts(per_interval, 15, observed_to="2024-03-18")


def _applications() -> tuple[pd.DataFrame, object]:
    """credit_data (missing incomes, assets and debts; text characteristics with missing values), the outcome
    renamed, and its monotone WoE bins fitted in pandas."""
    import warnings

    from crmresearch import credit, data

    apps = data.load_credit_data().rename(columns={"bad": "defaulted"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = credit.WoEBinning(max_bins=6).fit(apps.drop(columns=["applicant_id", "defaulted"]),
                                                   apps["defaulted"])
    return apps, fitted


def test_bin_counts_woe_and_iv_are_equal_on_every_engine(tmp_path):
    """The good/bad counts per bin of every characteristic of credit_data (numeric bins, groups of categories, the
    missing bin) are one grouped aggregation where the table lives: the IV from DuckDB on Parquet and CSV and polars
    equals the fit's in pandas to 1e-12, and the tables equal the fit's bin for bin. Spark: on a real cluster, in
    tests/sources/test_cluster.py (make test-cluster)."""
    from crmresearch import credit

    apps, fitted = _applications()
    reference = fitted.binning_table()
    reference = reference[reference["bin"] != "Totals"].reset_index(drop=True)
    for name, table in _engines(apps, tmp_path).items():
        got = credit.binning_tables(table, fitted, columns={"outcome": "defaulted"})
        iv = got.groupby("characteristic", sort=False)["iv"].sum()
        np.testing.assert_allclose(iv.to_numpy(), fitted.iv_.to_numpy(), rtol=0, atol=1e-12, err_msg=name)
        assert got["bin"].tolist() == reference["bin"].tolist(), name
        np.testing.assert_array_equal(got[["goods", "bads"]].to_numpy(), reference[["goods", "bads"]].to_numpy())
        np.testing.assert_allclose(got["woe"], reference["woe"], rtol=0, atol=1e-12, err_msg=name)


def test_bin_counts_refuse_what_they_cannot_count_on_every_engine(tmp_path):
    """An outcome other than 0/1, a category in no bin and numeric bins on text: the same message on every engine,
    with the count of rows."""
    apps = pd.DataFrame({"income": [10.0, 20.0, np.nan, 50.0], "home": ["own", "rent", None, "other"],
                         "bad": [1, 0, 2, 0]})
    for table in _engines(apps, tmp_path).values():
        with pytest.raises(ValidationError, match=r"column 'bad' \(mapped to outcome\): 1 of 4 rows are not 0/1"):
            aggregate.bin_counts(table, "income", splits=[30.0], columns={"outcome": "bad"})
    ok = apps.assign(bad=[1, 0, 0, 0])
    for name, table in _engines(ok, tmp_path).items():
        with pytest.raises(ValidationError, match=r"column 'home': 1 of 4 rows hold categories in no bin "
                                                  r"\(first: other\)"):
            aggregate.bin_counts(table, "home", groups=[["own"], ["rent"]], columns={"outcome": "bad"})
        with pytest.raises(ValidationError, match="numeric bins need numbers"):
            aggregate.bin_counts(table, "home", splits=[1.0], columns={"outcome": "bad"})
        counted = aggregate.bin_counts(table, "income", splits=[15.0, 30.0], columns={"outcome": "bad"})
        assert counted.values.tolist() == [[0, 0.0, 1.0], [1, 1.0, 0.0], [2, 1.0, 0.0], ["Missing", 1.0, 0.0]], name


@pytest.mark.parametrize("with_spark", [False, pytest.param(True, marks=pytest.mark.spark)])
def test_customer_tables_equal_the_three_functions_on_every_engine(tmp_path, request, with_spark):
    """Totals, RFM and the calibration summary read once (one check, one aggregation per customer and day) equal
    the three functions called one by one on pandas, attrs included; with ``out=`` they are written as Parquet."""
    df = _tx(seed=3)
    engines = _engines(df, tmp_path, request.getfixturevalue("spark") if with_spark else None)
    names = {"customer": "cust_no", "date": "txn_ts", "amount": "amt"}
    ref = {"totals": segmentation.customer_totals(df, customer="cust_no", amount="amt"),
           "rfm": segmentation.rfm(df, as_of="2024-06-01", customer="cust_no", date="txn_ts", amount="amt"),
           "summary": clv.summary_from_transactions(df, "2023-10-31", "2024-05-31", customer="cust_no",
                                                    date="txn_ts", amount="amt")}
    for name, table in engines.items():
        if with_spark and name != "spark":
            continue
        got = clv.customer_tables(table, "2023-10-31", "2024-05-31", as_of="2024-06-01", out=tmp_path / name,
                                  **names)
        for key, frame in ref.items():
            assert list(got[key].columns) == list(frame.columns), (name, key)
            _same(frame, got[key])
            assert got[key].attrs == frame.attrs, (name, key)
            assert got[key].index.name == "cust_no"
            written = pd.read_parquet(tmp_path / name / f"{key}.parquet").set_index("cust_no")
            _same(frame, written)
    # without a holdout: purchases after calibration are outside the summary, not an error
    base = clv.summary_from_transactions(df, "2023-10-31", customer="cust_no", date="txn_ts", amount="amt")
    _same(base, clv.customer_tables(engines["parquet glob"], "2023-10-31", **names)["summary"])
    with pytest.raises(ValidationError, match=r"after the end of the observation \(2024-01-31"):
        clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-01-31", **names)
    # a log without amounts: the same tables less their money columns
    bare = clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-05-31", as_of="2024-06-01",
                               customer="cust_no", date="txn_ts", amount=None)
    _same(ref["totals"][["transactions"]], bare["totals"])
    _same(ref["rfm"].drop(columns=["monetary", "monetary_mean"]), bare["rfm"])
    _same(ref["summary"].drop(columns="monetary_value"), bare["summary"])


def test_duckdb_in_several_passes_gives_the_same_tables_exactly(tmp_path, monkeypatch):
    """CRMRESEARCH_DUCKDB_PASSES=k aggregates one hash bucket of customers per pass (1/k of the spilled state);
    the three tables equal one pass (counts exactly, sums to 1e-12), every customer in exactly one bucket; a bad
    value is refused."""
    engines = _engines(_tx(seed=5), tmp_path)
    names = {"customer": "cust_no", "date": "txn_ts", "amount": "amt"}
    one = clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-05-31", as_of="2024-06-01", **names)
    for k in ("3", "7"):
        monkeypatch.setenv("CRMRESEARCH_DUCKDB_PASSES", k)
        several = clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-05-31", as_of="2024-06-01",
                                      **names)
        for key, frame in one.items():
            pd.testing.assert_frame_equal(several[key], frame, check_exact=False, rtol=1e-12)
    monkeypatch.setenv("CRMRESEARCH_DUCKDB_PASSES", "0")
    with pytest.raises(ValidationError, match="CRMRESEARCH_DUCKDB_PASSES must be a whole number >= 1"):
        clv.customer_tables(engines["parquet glob"], "2023-10-31", **names)


@pytest.mark.spark
def test_spark_in_several_passes_gives_the_same_tables_exactly(tmp_path, monkeypatch, spark):
    """CRMRESEARCH_SPARK_PASSES=k filters one hash bucket of customers per pass on Spark (1/k of the shuffle and
    of the rows brought to the driver): the three tables equal DuckDB's in one pass; a bad value is refused."""
    df = _tx(seed=6)
    engines = _engines(df, tmp_path, spark)
    names = {"customer": "cust_no", "date": "txn_ts", "amount": "amt"}
    one = clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-05-31", as_of="2024-06-01", **names)
    monkeypatch.setenv("CRMRESEARCH_SPARK_PASSES", "3")
    several = clv.customer_tables(engines["spark"], "2023-10-31", "2024-05-31", as_of="2024-06-01", **names)
    assert len(several["totals"]) == df["cust_no"].nunique()
    for key, frame in one.items():
        pd.testing.assert_frame_equal(several[key], frame, check_exact=False, rtol=1e-12)
    monkeypatch.setenv("CRMRESEARCH_SPARK_PASSES", "two")
    with pytest.raises(ValidationError, match="CRMRESEARCH_SPARK_PASSES must be a whole number >= 1"):
        clv.customer_tables(engines["spark"], "2023-10-31", **names)


@pytest.mark.spark
@pytest.mark.parametrize(("as_of", "passes"), [("2024-06-01", "1"), (None, "3")])
def test_spark_writes_the_three_tables_without_collecting_them(tmp_path, monkeypatch, spark, as_of, passes):
    """``customer_tables(spark_df, out=..., collect=False)``: the executors compute and write totals, RFM and the
    summary (Parquet folders sorted by customer id, attrs in tables.json), in one pass or three (a hash bucket of
    customers each); read back they equal the collected
    tables exactly (counts and days) and to 1e-12 (amounts), attrs included; a second write replaces the first; an
    as_of before the last purchase is the same error. The same call on DuckDB returns the paths of its files."""
    monkeypatch.setenv("CRMRESEARCH_SPARK_PASSES", passes)
    df = _tx(seed=7)
    engines = _engines(df, tmp_path, spark)
    names = {"customer": "cust_no", "date": "txn_ts", "amount": "amt"}
    ref = clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-05-31", as_of=as_of, **names)
    for _ in range(2):
        paths = clv.customer_tables(engines["spark"], "2023-10-31", "2024-05-31", as_of=as_of,
                                    out=tmp_path / "out", collect=False, **names)
    assert all(p.is_dir() for p in paths.values())  # written by Spark: folders of part files
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "rfm.parquet", "summary.parquet", "tables.json", "totals.parquet"]
    attrs = json.loads((tmp_path / "out" / "tables.json").read_text())
    for key, frame in ref.items():
        assert paths[key] == tmp_path / "out" / f"{key}.parquet"
        back = pd.read_parquet(paths[key])
        assert back.columns[0] == "cust_no" and back["cust_no"].is_monotonic_increasing, key
        back = back.set_index("cust_no")
        assert list(back.columns) == list(frame.columns), key
        _same(frame, back)
        assert attrs[key] == json.loads(json.dumps(frame.attrs, default=str)), key
    with pytest.raises(FutureDateError, match=r"rfm: column 'txn_ts': \d+ of 300 customers have transactions"):
        clv.customer_tables(engines["spark"], "2023-10-31", "2024-05-31", as_of="2024-03-01",
                            out=tmp_path / "late", collect=False, **names)
    duck = clv.customer_tables(engines["parquet glob"], "2023-10-31", "2024-05-31", as_of=as_of,
                               out=tmp_path / "duck", collect=False, **names)
    _same(ref["summary"], pd.read_parquet(duck["summary"]).set_index("cust_no"))
    with pytest.raises(ValidationError, match="collect=False writes the tables"):
        clv.customer_tables(engines["spark"], "2023-10-31", collect=False, **names)
