"""Files of a data source checked before a kernel starts, in bounded time: wrong types counted where the table
lives (file, your column, expected kind, bad rows, first values), paths that are not files named as what they
are, a file that is not a table refused from its first bytes, engine errors in one line that quotes nothing of
an arbitrary file, every key of a data source file known or refused, no Spark session started to check a file."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from crmresearch import cli, sources, studies
from crmresearch.errors import DtypeError, ParameterError, RangeError, SchemaError, SourceError
from crmresearch.sources import aggregate

pytest.importorskip("duckdb")
pytest.importorskip("yaml")

MAPPING = "{customer: cust, date: day, amount: amt}"


def _log(n: int = 30_000, seed: int = 0) -> pd.DataFrame:
    """A transaction log longer than DuckDB's 20,480-row type sample, in your column names."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"cust": rng.integers(1, 500, n),
                         "day": pd.date_range("2020-01-01", periods=n, freq="1h").strftime("%Y-%m-%d"),
                         "amt": rng.gamma(2, 10, n).round(2)})


def _yaml(folder, csv: str, extra: str = "") -> str:
    path = folder / "sources.yaml"
    path.write_text(f"{extra}transactions: {{path: {csv}, columns: {MAPPING}}}\n")
    return str(path)


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


# ----------------------------------------------------------------------------- wrong types, before the kernel
def test_dates_in_another_format_after_the_type_sample_are_counted_before_the_kernel(tmp_path):
    """DuckDB types a CSV's columns from its first 20,480 rows; six dates written 03/15/2023 at row 25,000 used to
    stop the kernel with DuckDB's 30-line conversion error (exit 1). The pre-kernel check counts them in its one
    pass: file, your column, the kind expected, the count, the first values and lines."""
    log = _log()
    log.loc[25_000:25_005, "day"] = "03/15/2023"
    log.to_csv(tmp_path / "tx.csv", index=False)
    s = studies.get("rfm-segments")
    with pytest.raises(ParameterError) as caught:
        s.preflight(s.resolve({"data": _yaml(tmp_path, "tx.csv")}))
    message = _one_line(caught.value)
    assert ("sources.yaml: transactions: tx.csv: column 'day' (mapped to date): 6 of 30000 rows cannot be read as "
            "dates (first values: '03/15/2023'; first lines: 25002, 25003, 25004)") in message
    assert "Original Line" not in message and "sample_size" not in message


def test_text_amounts_after_the_type_sample_are_counted(tmp_path):
    log = _log()
    log["amt"] = log["amt"].astype(str)
    log.loc[[21_000, 29_000], "amt"] = ["EUR 5", "n/a"]
    log.to_csv(tmp_path / "tx.csv", index=False)
    with pytest.raises(DtypeError, match=r"tx.csv: column 'amt' \(mapped to amount\): 2 of 30000 rows cannot be read "
                                         r"as numbers \(first values: 'EUR 5', 'n/a'; first lines: 21002, 29002\)"):
        sources.read_sources(_yaml(tmp_path, "tx.csv"), check=True)


def test_a_value_holding_the_delimiter_after_the_type_sample_names_the_lines(tmp_path):
    log = _log()
    text = log.to_csv(index=False).splitlines()
    text[22_000] = text[22_000].rsplit(",", 1)[0] + ',"12,50"'  # an unquoted-looking European amount
    (tmp_path / "tx.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(SchemaError, match=r"tx.csv: 1 of 30000 lines have more fields than the header .*\(first "
                                          r"lines: 22001\)"):
        sources.read_sources(_yaml(tmp_path, "tx.csv"), check=True)


def test_text_amounts_in_parquet_are_counted_where_the_table_lives(tmp_path):
    """A text column of a number kind: the rows that do not read as numbers are counted by DuckDB (TRY_CAST),
    with the first values, instead of "has type String"."""
    log = _log(n=50).assign(day=lambda d: pd.to_datetime(d["day"]))
    log["amt"] = log["amt"].astype(str)
    log.loc[[3, 7, 9], "amt"] = ["1.234,50", "$7", "1.234,50"]
    log.to_parquet(tmp_path / "tx.parquet")
    with pytest.raises(DtypeError, match=r"tx.parquet: column 'amt' \(mapped to amount\): 3 of 50 rows are not "
                                         r"numbers \(first values: '1.234,50', '\$7'\)"):
        sources.read_sources(_yaml(tmp_path, "tx.parquet"), check=True)


def test_a_late_bad_value_of_a_pandas_role_is_counted_too(tmp_path):
    """customers come back as pandas: their read takes the same rows-that-do-not-fit account."""
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"cid": range(25_000), "since": "2024-01-31", "spend": rng.gamma(2, 10, 25_000).round(2)})
    table["spend"] = table["spend"].astype(str)
    table.loc[24_000, "spend"] = "unknown"
    table.to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "s.yaml").write_text("customers: {path: c.csv, columns: {customer: cid, join_date: since, "
                                     "value: spend}}\n")
    with pytest.raises(DtypeError, match=r"c.csv: column 'spend' \(mapped to value\): 1 of 25000 rows cannot be read "
                                         r"as numbers \(first values: 'unknown'; first lines: 24002\)"):
        sources.read_sources(tmp_path / "s.yaml", check=True)


def test_the_command_line_stops_with_exit_2_and_one_line(tmp_path, scratch_root):
    log = _log()
    log.loc[26_000, "day"] = "31.12.2022"
    log.to_csv(tmp_path / "tx.csv", index=False)
    result = CliRunner().invoke(cli.main, ["run", "rfm-segments", "-p", f"data={_yaml(tmp_path, 'tx.csv')}"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "1 of 30000 rows cannot be read as dates (first values: '31.12.2022'" in lines[0]


# ----------------------------------------------------------------------------- bounded in time and bytes
BUDGET = 25_000  # rows of the check before the kernel in these tests (past DuckDB's 20,480-row type sample)


def _preflight(yaml: str) -> None:
    s = studies.get("rfm-segments")
    s.preflight(s.resolve({"data": yaml}))


def test_the_check_before_the_kernel_reads_its_row_budget_and_the_full_read_counts_the_rest(tmp_path, monkeypatch):
    """The contract check before the kernel reads the first CRMRESEARCH_CHECK_ROWS rows only (a LIMIT, so its time
    does not grow with the file): a text amount at row 70,000 of a CSV of 3x that budget passes it; the read of
    the whole table (what the kernel's aggregation does) counts it over all 75,000 rows, in the same one line."""
    monkeypatch.setenv("CRMRESEARCH_CHECK_ROWS", str(BUDGET))
    log = _log(n=3 * BUDGET)
    log["amt"] = log["amt"].astype(str)
    log.loc[[70_000, 71_000], "amt"] = "n/a"
    log.to_csv(tmp_path / "tx.csv", index=False)
    asked: list[int] = []
    head = sources.Source.head
    monkeypatch.setattr(sources.Source, "head", lambda self, n: asked.append(n) or head(self, n))
    _preflight(_yaml(tmp_path, "tx.csv"))  # passes: the bad rows are past the budget
    assert asked == [BUDGET]
    tx = sources.read_sources(_yaml(tmp_path, "tx.csv"))["transactions"]
    with pytest.raises(DtypeError) as caught:
        aggregate.rfm_table(tx, caller="rfm")
    assert ("tx.csv: column 'amt' (mapped to amount): 2 of 75000 rows cannot be read as numbers (first values: 'n/a'; "
            "first lines: 70002, 71002)") in _one_line(caught.value)


def test_a_bad_value_within_the_budget_is_counted_in_the_first_rows(tmp_path, monkeypatch):
    """A text amount at row 21,000 (inside the budget, past DuckDB's type sample) stops the check before the kernel
    with exit 2: "1 of the first 25000 rows"; the one at row 60,000 is outside what it read, though DuckDB scans
    ahead of a LIMIT, so it is not counted there."""
    monkeypatch.setenv("CRMRESEARCH_CHECK_ROWS", str(BUDGET))
    log = _log(n=3 * BUDGET)
    log["amt"] = log["amt"].astype(str)
    log.loc[[21_000, 60_000], "amt"] = ["EUR 5", "n/a"]
    log.to_csv(tmp_path / "tx.csv", index=False)
    with pytest.raises(ParameterError) as caught:
        _preflight(_yaml(tmp_path, "tx.csv"))
    assert ("tx.csv: column 'amt' (mapped to amount): 1 of the first 25000 rows cannot be read as numbers (first "
            "values: 'EUR 5'; first lines: 21002)") in _one_line(caught.value)


def test_a_broken_rule_of_a_parquet_file_is_found_in_its_first_rows_or_by_the_full_read(tmp_path, monkeypatch):
    """Parquet: the check before the kernel reads the first row groups only (LIMIT). A negative amount within them
    is "k of the first N rows"; one past them passes that check and the full read counts it."""
    monkeypatch.setenv("CRMRESEARCH_CHECK_ROWS", str(BUDGET))
    log = _log(n=3 * BUDGET).assign(day=lambda d: pd.to_datetime(d["day"]))
    late = log.copy()
    late.loc[[60_000, 61_000], "amt"] = -1.0
    late.to_parquet(tmp_path / "late.parquet", row_group_size=10_000)
    _preflight(_yaml(tmp_path, "late.parquet"))
    with pytest.raises(RangeError, match=r"column 'amt' \(mapped to amount\): 2 of 75000 rows are below 0"):
        sources.read_sources(_yaml(tmp_path, "late.parquet"), check=True)
    early = log.copy()
    early.loc[[5, 61_000], "amt"] = -1.0
    early.to_parquet(tmp_path / "early.parquet", row_group_size=10_000)
    with pytest.raises(ParameterError, match=r"column 'amt' \(mapped to amount\): 1 of the first 25000 rows are "
                                             r"below 0 \(negative\)"):
        _preflight(_yaml(tmp_path, "early.parquet"))


def test_a_rule_only_the_whole_table_decides_is_left_to_the_full_read():
    """A campaign whose first rows are all treated is not refused on them ("holds one value only" needs the whole
    table); a table read whole within the budget still is."""
    camp = pd.DataFrame({"customer_id": range(40), "treated": [1] * 30 + [0] * 10, "outcome": [0, 1] * 20})
    src = sources.as_source(camp, role="campaign")
    assert src.check(rows=20) is src and src.check() is src
    with pytest.raises(SchemaError, match=r"column 'treated' holds one value only \(1 in all 30 rows\)"):
        sources.as_source(camp.head(30), role="campaign").check(rows=100)


def test_a_2_gb_file_that_is_not_csv_is_refused_in_seconds(tmp_path):
    """``truncate -s 2G x.csv``: DuckDB used to sniff all of it (165 s) and print its 22-line error; the first
    4 MB decide (NUL bytes: not text). The file is sparse: it costs no disk."""
    with open(tmp_path / "x.csv", "wb") as f:
        f.truncate(2 << 30)
    t0 = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        sources.read_sources(_yaml(tmp_path, "x.csv"), check=True)
    assert time.perf_counter() - t0 < 5
    assert "x.csv is not a CSV text file (it holds NUL bytes" in _one_line(caught.value)


@pytest.mark.parametrize("content, match", [
    (b"", r"is empty \(0 bytes\)"),
    ("naïve,ok\n".encode("latin-1"), r"is not UTF-8 text \(byte 2 cannot be decoded\); save it as UTF-8 CSV"),
    (b"abc" * 2_000_000, r"has no line break in its first 4 MB, so no header row"),
])
def test_a_file_that_cannot_start_a_csv_table_is_refused_from_its_first_bytes(tmp_path, content, match):
    (tmp_path / "x.csv").write_bytes(content)
    with pytest.raises(SourceError, match=match):
        sources.read_sources(_yaml(tmp_path, "x.csv"))


def test_a_parquet_file_without_its_magic_bytes_is_refused_in_one_line(tmp_path):
    (tmp_path / "x.parquet").write_text("cust,day,amt\n1,2024-01-01,5\n")
    with pytest.raises(SourceError) as caught:
        sources.read_sources(_yaml(tmp_path, "x.parquet"))
    assert "x.parquet is not a Parquet file (no PAR1 marks at its start and end)" in _one_line(caught.value)


def test_a_folder_and_a_symlink_loop_are_named_as_what_they_are(tmp_path):
    (tmp_path / "adir.csv").mkdir()
    _log(n=5).to_csv(tmp_path / "adir.csv" / "part.csv", index=False)
    with pytest.raises(SourceError, match=r"adir.csv is a folder; name its files, e.g. adir.csv/\*.csv"):
        sources.read_sources(_yaml(tmp_path, "adir.csv"))
    os.symlink(tmp_path / "loop.csv", tmp_path / "loop.csv")
    with pytest.raises(SourceError, match=r"loop.csv is a symbolic link loop"):
        sources.read_sources(_yaml(tmp_path, "loop.csv"))
    os.symlink(tmp_path / "gone.csv", tmp_path / "dangling.csv")
    with pytest.raises(SourceError, match=r"dangling.csv is a symbolic link to .*gone.csv', which does not exist"):
        sources.read_sources(_yaml(tmp_path, "dangling.csv"))


# ----------------------------------------------------------------------------- messages
def test_a_system_file_named_as_a_table_is_not_quoted(tmp_path):
    """A data source pointing at an arbitrary text file: the message says it is no CSV table and quotes none of
    its lines (on main, DuckDB's sniffing error or the list of "columns" printed its first line)."""
    secret = "root:x:0:0:root:/root:/bin/bash"
    (tmp_path / "passwd").write_text(f"{secret}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    (tmp_path / "s.yaml").write_text(f"transactions: {{path: passwd, format: csv, columns: {MAPPING}}}\n")
    with pytest.raises(SourceError) as caught:
        sources.read_sources(tmp_path / "s.yaml", check=True)
    message = _one_line(caught.value)
    assert "root" not in message and "/bin/bash" not in message and "passwd" in message


@pytest.mark.parametrize("spec, match", [
    ("transactions: {path: tx.csv, columns: [cust, day, amt]}\n",
     r"transactions: columns: must map each role to your column name, e.g. columns: \{customer: cust_no, date: day\}; "
     r"got a list \(\['cust', 'day', 'amt'\]\)"),
    (f"spark: {{mastr: 'local[2]'}}\ntransactions: {{path: tx.csv, columns: {MAPPING}}}\n",
     r"unknown key\(s\) \['mastr'\] under spark:; accepted: master, config"),
    ("spark: local\ntransactions: {path: tx.csv}\n", r"spark: must map master and config to values"),
    (f"transactions: {{path: tx.csv, colums: {MAPPING}}}\n",
     r"unknown key\(s\) \['colums'\]; accepted: path, format, duckdb, spark_table, spark, columns, features"),
    ("transactions: {duckdb: {database: x.duckdb, table: tx, schema: main}}\n",
     r"duckdb: takes exactly the keys database, table"),
    ("transactions: {path: tx.csv, format: xlsx}\n", r"format: must be parquet or csv; got 'xlsx'"),
])
def test_every_key_of_a_data_source_file_is_known_or_refused(tmp_path, spec, match):
    _log(n=5).to_csv(tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text(spec)
    with pytest.raises(SourceError, match=match) as caught:
        sources.read_sources(tmp_path / "s.yaml")
    _one_line(caught.value)


# ----------------------------------------------------------------------------- Spark: no session to check a file
def test_a_spark_table_without_spark_configured_is_one_line_and_starts_nothing(tmp_path, monkeypatch):
    """On main this started a local JVM inside the pre-kernel check and hung for more than 150 s."""
    monkeypatch.delenv("SPARK_MASTER_URL", raising=False)
    (tmp_path / "s.yaml").write_text(f"transactions: {{spark_table: crm.tx, columns: {MAPPING}}}\n")
    s = studies.get("rfm-segments")
    started = "pyspark" in sys.modules
    t0 = time.perf_counter()
    with pytest.raises(ParameterError) as caught:
        s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))
    assert time.perf_counter() - t0 < 10
    message = _one_line(caught.value)
    assert "names the Spark table 'crm.tx' but no Spark is configured: set spark.master" in message
    assert "SPARK_MASTER_URL" in message
    assert ("pyspark" in sys.modules) == started  # not even imported


def test_with_a_spark_master_the_pre_kernel_check_still_starts_no_session(tmp_path, monkeypatch):
    from crmresearch.sources import tables

    def no_session(*args, **kwargs):
        raise AssertionError("a Spark session was started to check a file")

    monkeypatch.setattr(tables, "_spark", no_session)
    (tmp_path / "s.yaml").write_text(f"spark: {{master: 'local[2]'}}\ntransactions: {{spark_table: crm.tx, "
                                     f"columns: {MAPPING}}}\n")
    s = studies.get("rfm-segments")
    s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))  # settings and entry checked; contents in the kernel
    monkeypatch.setenv("SPARK_MASTER_URL", "spark://host:7077")
    (tmp_path / "s.yaml").write_text("transactions: {spark_table: crm.tx, columns: [cust]}\n")
    with pytest.raises(ParameterError, match="columns: must map each role to your column name"):
        s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))


@pytest.mark.parametrize("entry, match", [
    ("{spark: {path: tx, tabel: t}}", r"unknown key\(s\) \['tabel'\] under spark:; accepted: table, path, format, "
                                      r"master"),
    ("{spark: {path: tx, table: crm.tx}}", r"spark: give exactly one of table \(a table of the session\) or path"),
    ("{spark: {path: tx, format: xlsx}}", r"spark: format \(of a path\) must be parquet or csv; got 'xlsx'"),
    ("{spark: tx/}", r"spark: must map table or path \(and format, master\) to values"),
    ("{spark: {path: tx, master: 'spark://b:7077'}}",
     r"spark: master 'spark://b:7077' differs from the file's spark: master 'spark://a:7077'"),
    ("{spark: {path: nope/}}", r"spark: no file or folder matches 'nope/'"),
    ("{spark: {path: tx}, spark_table: crm.tx}", r"give exactly one of path, duckdb, spark_table or spark; got "
                                                 r"\['spark_table', 'spark'\]"),
])
def test_a_spark_files_entry_is_checked_before_any_session(tmp_path, monkeypatch, entry, match):
    """``spark: {path: ...}``: files the Spark executors read; every key is known or refused in one line, and the
    pre-kernel check starts no session."""
    from crmresearch.sources import tables

    monkeypatch.setattr(tables, "_spark", lambda *a, **k: (_ for _ in ()).throw(AssertionError("a session started")))
    (tmp_path / "tx").mkdir()
    (tmp_path / "s.yaml").write_text(f"spark: {{master: 'spark://a:7077'}}\ntransactions: {entry}\n")
    s = studies.get("rfm-segments")
    with pytest.raises(ParameterError, match=match) as caught:
        s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))
    _one_line(caught.value)


def test_a_spark_files_entry_passes_the_pre_kernel_check_and_is_listed_as_spark(tmp_path, monkeypatch):
    from crmresearch.sources import tables

    monkeypatch.setattr(tables, "_spark", lambda *a, **k: (_ for _ in ()).throw(AssertionError("a session started")))
    monkeypatch.delenv("SPARK_MASTER_URL", raising=False)
    (tmp_path / "tx").mkdir()
    (tmp_path / "s.yaml").write_text(f"transactions: {{spark: {{path: tx}}, columns: {MAPPING}}}\n"
                                     "calls: {spark: {table: crm.calls}}\nspells: {spark_table: crm.spells}\n")
    assert sources.spark_tables(tmp_path / "s.yaml") == {"transactions": "tx", "calls": "crm.calls",
                                                         "spells": "crm.spells"}
    (tmp_path / "s.yaml").write_text(f"transactions: {{spark: {{path: tx, master: 'spark://a:7077'}}, "
                                     f"columns: {MAPPING}}}\n")
    s = studies.get("rfm-segments")
    s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))  # the entry's own master suffices
    (tmp_path / "s.yaml").write_text(f"transactions: {{spark: {{path: tx}}, columns: {MAPPING}}}\n")
    with pytest.raises(ParameterError, match=r"names the Spark table 'tx' but no Spark is configured"):
        s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))
