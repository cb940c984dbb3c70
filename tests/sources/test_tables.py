"""Data source files checked by the one contract table: a bad table of a role stops in ``read_sources(check=True)``
and in a study's pre-kernel check, with the file and role, the column, the count of rows and a remedy."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch import sources, studies
from crmresearch.errors import (
    DateParseError,
    DtypeError,
    DuplicateIdError,
    OrderError,
    ParameterError,
    RangeError,
    SchemaError,
    SourceError,
)

pytest.importorskip("duckdb")
pytest.importorskip("yaml")

CAMPAIGN = pd.DataFrame({"client": [1, 2, 3, 4], "got_sms": [1, 0, 1, 0], "left": [0, 1, 0, 0], "region": list("nsns")})
PROSPECTS = pd.DataFrame({"lead": [1, 2, 3, 4], "won": [True, False, True, False], "value": [90.0, 0.0, 30.0, 0.0]})
ACCOUNTS = pd.DataFrame({"card": [1, 2, 3], "issued": ["2024-01-01", "2024-02-01", "2024-03-01"],
                         "balance": [10.0, 0.0, 55.5]})
CASES = pd.DataFrame({"customer_id": [1, 2, 2], "opened": ["2024-02-01", "2024-03-01", "2024-04-01"],
                      "resolved": ["2024-02-03", None, "2024-04-02"], "compensated": [0, 1, 0]})
MANAGERS = pd.DataFrame({"rm": ["a", "b"], "left": ["2024-05-01", None]})
MAPPING = {"campaign": "{customer: client, treated: got_sms, outcome: left}",
           "prospects": "{prospect: lead, converted: won}", "accounts": "{account: card}",
           "cases": "{}", "managers": "{manager: rm}"}


def _file(folder, role: str, table: pd.DataFrame):
    table.to_csv(folder / f"{role}.csv", index=False)
    path = folder / f"{role}.yaml"
    path.write_text(f"{role}: {{path: {role}.csv, columns: {MAPPING[role]}}}\n")
    return path


@pytest.mark.parametrize("role, table", [("campaign", CAMPAIGN), ("prospects", PROSPECTS), ("accounts", ACCOUNTS),
                                         ("cases", CASES), ("managers", MANAGERS)])
def test_valid_tables_of_the_new_roles_pass_their_contracts(tmp_path, role, table):
    got = sources.read_sources(_file(tmp_path, role, table), roles=[role], check=True)
    assert set(got) == {role}


BAD = [
    # (id, role, table, error class, message regex)
    ("campaign: missing column", "campaign", CAMPAIGN.drop(columns="left"), SourceError,
     r"campaign: missing column\(s\) left \(for outcome\)"),
    ("campaign: arm of the wrong kind", "campaign", CAMPAIGN.assign(got_sms=["sms", "none", "sms", "none"]), RangeError,
     r"campaign.yaml: campaign: column 'got_sms' \(mapped to treated\): 4 of 4 rows are not 0/1"),
    ("campaign: outcome out of range", "campaign", CAMPAIGN.assign(left=[0, 2, 0, 2]), RangeError,
     r"column 'left' \(mapped to outcome\): 2 of 4 rows are not 0/1 \(values such as 2\)"),
    ("campaign: one arm only", "campaign", CAMPAIGN.assign(got_sms=1), SchemaError,
     r"column 'got_sms' \(mapped to treated\) holds one value only \(1 in all 4 rows\); it needs both values"),
    ("campaign: duplicate customer", "campaign", CAMPAIGN.assign(client=[1, 1, 3, 4]), DuplicateIdError,
     r"column 'client' \(mapped to customer_id\): 2 of 4 rows repeat an id that must be unique \(1 distinct ids, "
     r"first: 1\)"),
    ("prospects: duplicate id", "prospects", PROSPECTS.assign(lead=[1, 2, 2, 2]), DuplicateIdError,
     r"prospects: column 'lead' \(mapped to prospect_id\): 3 of 4 rows repeat an id"),
    ("prospects: negative value", "prospects", PROSPECTS.assign(value=[90.0, -5.0, 30.0, 0.0]), RangeError,
     r"column 'value': 1 of 4 rows are below 0 \(negative\)"),
    ("prospects: converted without value", "prospects", PROSPECTS.assign(value=[90.0, 0.0, 0.0, 0.0]), RangeError,
     r"column 'value': 1 of 4 rows are not > 0 for a converted prospect"),
    ("prospects: value of the wrong kind", "prospects", PROSPECTS.assign(value=["a", "0", "1", "0"]), DtypeError,
     r"column 'value': 1 of 4 rows are not numbers"),
    ("accounts: duplicate id", "accounts", ACCOUNTS.assign(card=[1, 1, 3]), DuplicateIdError,
     r"accounts: column 'card' \(mapped to account_id\): 2 of 3 rows repeat an id"),
    ("accounts: issue date not a date", "accounts", ACCOUNTS.assign(issued=["2024-01-01", "soon", "2024-03-01"]),
     DateParseError, r"column 'issued': 1 of 3 rows cannot be read as dates"),
    ("accounts: balance of the wrong kind", "accounts", ACCOUNTS.assign(balance=["10", "n/a", "5"]), DtypeError,
     r"column 'balance': 1 of 3 rows are not numbers"),
    ("accounts: missing column", "accounts", ACCOUNTS.drop(columns="issued"), SourceError,
     r"missing column\(s\) issued \(default name\)"),
    ("cases: resolved before opened", "cases", CASES.assign(resolved=["2024-01-03", None, "2024-04-02"]), OrderError,
     r"cases: column 'resolved': 1 of 3 rows are before 'opened'"),
    ("cases: compensated out of range", "cases", CASES.assign(compensated=[0, 3, 0]), RangeError,
     r"column 'compensated': 1 of 3 rows are not 0/1"),
    ("managers: duplicate id", "managers", MANAGERS.assign(rm=["a", "a"]), DuplicateIdError,
     r"managers: column 'rm' \(mapped to manager_id\): 2 of 2 rows repeat an id"),
    ("managers: missing column", "managers", MANAGERS.drop(columns="left"), SourceError,
     r"missing column\(s\) left \(default name\)"),
]


@pytest.mark.parametrize("role, table, error, match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_tables_of_the_new_roles_stop_in_read_sources(tmp_path, role, table, error, match):
    path = _file(tmp_path, role, table)
    with pytest.raises(error, match=match):
        sources.read_sources(path, roles=[role], check=True)


def test_without_check_read_sources_reads_columns_only(tmp_path):
    path = _file(tmp_path, "prospects", PROSPECTS.assign(lead=[1, 1, 1, 1]))
    assert sources.read_sources(path, roles=["prospects"])["prospects"].role == "prospects"


def test_engine_roles_are_checked_where_the_table_lives(tmp_path):
    pd.DataFrame({"customer_id": [1, 2], "date": ["2024-01-01", "2024-01-02"], "amount": ["5", "x"]}) \
        .to_csv(tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text("transactions: {path: tx.csv}\n")
    with pytest.raises(DtypeError, match=r"s.yaml: transactions: tx.csv: column 'amount': 1 of 2 rows are not numbers "
                                         r"\(first values: 'x'\)"):
        sources.read_sources(tmp_path / "s.yaml", check=True)


@pytest.mark.parametrize("study, role, table, match", [
    ("campaign-experiment", "campaign", CAMPAIGN.assign(got_sms=2),
     r"column 'got_sms' \(mapped to treated\): 4 of 4 rows are not 0/1"),
    ("prospect-conversion", "prospects", PROSPECTS.assign(won=True),
     r"column 'won' \(mapped to converted\) holds one value only"),
    ("customer-base-health", "accounts", ACCOUNTS.assign(card=[7, 7, 7]),
     r"column 'card' \(mapped to account_id\): 3 of 3 rows repeat an id that must be unique \(1 distinct ids, "
     r"first: 7\)"),
])
def test_the_pre_kernel_check_of_a_study_reads_the_contracts(tmp_path, study, role, table, match):
    path = _file(tmp_path, role, table)
    if study == "customer-base-health":  # it needs the accounts' transactions as well
        pd.DataFrame({"card": [7], "posted": ["2024-05-01"], "amount": [3.0]}).to_csv(tmp_path / "tx.csv", index=False)
        path.write_text(path.read_text() + "transactions: {path: tx.csv, columns: {customer: card, date: posted}}\n")
    s = studies.get(study)
    with pytest.raises(ParameterError, match=rf"^{study}: parameter 'data' \(.*{path.name}\): {path.name}: {role}: "
                                             + match):
        s.preflight(s.resolve({"data": str(path)}))


def test_a_study_checks_the_optional_roles_it_finds(tmp_path):
    spells = pd.DataFrame({"customer_id": [1, 2], "start": ["2024-01-01", "2024-01-05"], "end": [None, None],
                           "manager_id": ["a", "b"]})
    spells.to_csv(tmp_path / "spells.csv", index=False)
    CASES.to_csv(tmp_path / "cases.csv", index=False)
    MANAGERS.assign(rm=["a", "a"]).to_csv(tmp_path / "managers.csv", index=False)
    (tmp_path / "s.yaml").write_text("spells: {path: spells.csv}\ncases: {path: cases.csv}\n"
                                     "managers: {path: managers.csv, columns: {manager: rm}}\n")
    s = studies.get("service-recovery")
    with pytest.raises(ParameterError,
                       match=r"s.yaml: managers: column 'rm' \(mapped to manager_id\): 2 of 2 rows repeat"):
        s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))


# ----------------------------------------------------------------------------- spells: two shapes, stated keys
TENURE = pd.DataFrame({"cust": [1, 2, 3], "tenure_days": [30.0, 365.0, 99.0], "churned": [1, 0, 1]})
TENURE_COLUMNS = "{customer: cust, duration: tenure_days, event: churned}"


def test_spells_as_durations_with_their_unit_and_observation_window(tmp_path):
    TENURE.to_csv(tmp_path / "tenure.csv", index=False)
    (tmp_path / "s.yaml").write_text(f"spells: {{path: tenure.csv, columns: {TENURE_COLUMNS}, unit: days}}\n"
                                     "contracts: {path: dated.csv}\n")
    pd.DataFrame({"customer_id": [1], "start": ["2024-01-01"], "end": [None]}).to_csv(tmp_path / "dated.csv",
                                                                                       index=False)
    got = sources.read_sources(tmp_path / "s.yaml", check=True)
    assert (got["spells"].shape, got["spells"].meta) == ("durations", {"unit": "days"})
    assert sorted(got["spells"].to_pandas().columns) == ["customer_id", "duration", "event"]
    (tmp_path / "d.yaml").write_text("spells: {path: dated.csv, observed_from: 2023-01-01, "
                                     "observed_to: '2025-12-31'}\n")
    dated = sources.read_sources(tmp_path / "d.yaml", check=True)["spells"]
    assert (dated.shape, dated.meta) == ("dates", {"observed_from": "2023-01-01", "observed_to": "2025-12-31"})


def test_spells_may_say_why_each_relationship_ended(tmp_path):
    TENURE.assign(reason=["moved_away", None, "credit_closure"]).to_csv(tmp_path / "tenure.csv", index=False)
    columns = TENURE_COLUMNS.replace("}", ", cause: reason}")
    (tmp_path / "s.yaml").write_text(f"spells: {{path: tenure.csv, columns: {columns}, unit: days}}\n")
    got = sources.read_sources(tmp_path / "s.yaml", check=True)["spells"].to_pandas()
    assert got["cause"].tolist()[::2] == ["moved_away", "credit_closure"] and got["cause"].isna().tolist()[1]


@pytest.mark.parametrize("entry, match", [
    (f"{{path: tenure.csv, columns: {TENURE_COLUMNS}, unit: fortnights}}", r"unit must be one of days, weeks"),
    ("{path: tenure.csv, columns: {customer: cust}}",
     r"a spells table needs the columns start, end \(dates\) or duration, event \(durations\); the table has "
     r"\['cust', 'tenure_days', 'churned'\]"),
    ("{path: dated.csv, unit: days}", r"unit applies to a duration column; this table has dates"),
    ("{path: dated.csv, observed_to: 31.12.2025}", r"observed_to must be a date YYYY-MM-DD; got '31.12.2025'"),
    ("{path: dated.csv, observed_from: 2026-01-01, observed_to: 2025-12-31}",
     r"observed_from \(2026-01-01\) must not be after observed_to \(2025-12-31"),
])
def test_bad_spells_entries_stop_in_read_sources(tmp_path, entry, match):
    TENURE.to_csv(tmp_path / "tenure.csv", index=False)
    pd.DataFrame({"customer_id": [1], "start": ["2024-01-01"], "end": [None]}).to_csv(tmp_path / "dated.csv",
                                                                                       index=False)
    (tmp_path / "s.yaml").write_text(f"spells: {entry}\n")
    with pytest.raises(SourceError, match=match):
        sources.read_sources(tmp_path / "s.yaml")


def test_a_key_a_role_does_not_take_is_refused(tmp_path):
    pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [1.0]}).to_csv(tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text("transactions: {path: tx.csv, observed_to: 2025-01-01}\n")
    with pytest.raises(SourceError, match=r"unknown key\(s\) \['observed_to'\]"):
        sources.read_sources(tmp_path / "s.yaml")


def test_service_recovery_needs_dated_spells_and_says_so():
    from crmresearch.errors import MissingColumnError
    from crmresearch.survival import recovery

    cases = pd.DataFrame({"customer_id": [1], "opened": ["2024-02-01"], "resolved": ["2024-02-03"]})
    with pytest.raises(MissingColumnError, match=r"needs spells with dates \(start, end\); the table has durations"):
        recovery.day_clock(pd.DataFrame({"customer_id": [1], "duration": [3.0], "event": [0]}), cases,
                           as_of="2024-06-30")


@pytest.mark.parametrize("param, value", [("as_of", "2025-12-31"), ("observed_from", "2024-01-01")])
def test_churn_survival_refuses_dates_for_durations_before_the_kernel(tmp_path, param, value):
    TENURE.to_csv(tmp_path / "tenure.csv", index=False)
    (tmp_path / "s.yaml").write_text(f"spells: {{path: tenure.csv, columns: {TENURE_COLUMNS}, unit: days}}\n")
    study = studies.get("churn-survival")
    values = study.resolve({"data": str(tmp_path / "s.yaml"), param: value})
    with pytest.raises(ParameterError, match=rf"parameter '{param}' applies to spells with start and end dates; "
                                             r"s.yaml gives durations and an event flag"):
        study.preflight(values)


@pytest.mark.parametrize("entry, match", [
    ("{path: dated.csv}", r"dated.yaml states no observed_to; active relationships will be censored at the latest"),
    ("{path: tenure.csv, columns: {customer: cust, duration: tenure_days, event: churned}}",
     r"states no unit for its durations; they will be read as months"),
])
def test_churn_survival_says_before_the_kernel_what_it_will_assume(tmp_path, entry, match):
    from crmresearch.errors import DataWarning

    TENURE.to_csv(tmp_path / "tenure.csv", index=False)
    pd.DataFrame({"customer_id": [1], "start": ["2024-01-01"], "end": [None]}).to_csv(tmp_path / "dated.csv",
                                                                                       index=False)
    (tmp_path / "dated.yaml").write_text(f"spells: {entry}\n")
    study = studies.get("churn-survival")
    with pytest.warns(DataWarning, match=match):
        study.preflight(study.resolve({"data": str(tmp_path / "dated.yaml")}))


def test_features_listed_in_a_data_source_file_come_back_in_crmresearch_names(tmp_path):
    pd.DataFrame({"cid": [1, 2], "left": [0, 1], "area": ["n", "s"], "plan": ["a", "b"], "calls": [1, 4]}) \
        .to_csv(tmp_path / "c.csv", index=False)
    spec = "customers: {{path: c.csv, columns: {{customer: cid, churned: left, region: area}}, features: {}}}\n"
    (tmp_path / "s.yaml").write_text(spec.format("[area, calls]"))
    assert sources.read_sources(tmp_path / "s.yaml")["customers"].features == ("region", "calls")
    for listed, match in (("[area, nope]", r"features: column\(s\) \['nope'\] are not in the table"),
                          ("[plan, left]", r"features: left \(churned\) is a column the customers table maps by role"),
                          ("plan", "features: must be a list of column names")):
        (tmp_path / "s.yaml").write_text(spec.format(listed))
        with pytest.raises(SourceError, match=match):
            sources.read_sources(tmp_path / "s.yaml")
    (tmp_path / "t.yaml").write_text("managers: {path: c.csv, columns: {manager: cid, left: left}, features: [plan]}\n")
    with pytest.raises(SourceError, match="features: lists model features, for the roles customers, campaign"):
        sources.read_sources(tmp_path / "t.yaml")


# ----------------------------------------------------------------------------- your column names in messages
MAPPED = [
    # (id, file name, table, columns: of the file, error class, message regex): every message names your column
    ("customers: churn flag not 0/1 (pandas rules)", "customers",
     pd.DataFrame({"cid": range(12), "Exited": [0, 2] * 6, "bal": 1.0}), "{customer: cid, churned: Exited, value: bal}",
     RangeError, r"customers: column 'Exited' \(mapped to churned\): 6 of 12 rows are not 0/1"),
    ("calls: text timestamps (engine rules)", "calls", pd.DataFrame({"rang_at": ["2024-01-01 10:00", "soon"]}),
     "{interval: rang_at}", DateParseError,
     r"calls: calls.csv: column 'rang_at' \(mapped to interval_start\): 1 of 2 rows cannot be read as dates "
     r"\(first values: 'soon'\)"),
    ("calls: negative counts (engine rules)", "calls",
     pd.DataFrame({"slot": ["2024-01-01 10:00:00", "2024-01-01 10:15:00"], "n": [3, -1]}), "{interval: slot, calls: n}",
     RangeError, r"calls: column 'n' \(mapped to calls\): 1 of 2 rows are below 0 \(negative\)"),
    ("spells: end before start (both columns)", "spells",
     pd.DataFrame({"cust": [1, 2], "since": ["2024-01-01", "2024-03-01"], "until": ["2023-12-01", None]}),
     "{customer: cust, start: since, end: until}", OrderError,
     r"spells: column 'until' \(mapped to end\): 1 of 2 rows are before 'since' \(mapped to start\) .*; "
     r"'until' must not precede 'since'"),
]


@pytest.mark.parametrize("role, table, columns, error, match", [m[1:] for m in MAPPED], ids=[m[0] for m in MAPPED])
def test_messages_on_a_mapped_table_name_your_column_and_ours(tmp_path, role, table, columns, error, match):
    table.to_csv(tmp_path / f"{role}.csv", index=False)
    (tmp_path / "s.yaml").write_text(f"{role}: {{path: {role}.csv, columns: {columns}}}\n")
    if role == "calls" and "n" in table:  # a timestamp type where the table lives, so the count rule decides
        pd.DataFrame({"slot": pd.to_datetime(table["slot"]), "n": table["n"]}).to_parquet(tmp_path / "calls.parquet")
        (tmp_path / "s.yaml").write_text(f"calls: {{path: calls.parquet, columns: {columns}}}\n")
    with pytest.raises(error, match=match):
        sources.read_sources(tmp_path / "s.yaml", check=True)


def test_a_study_check_after_the_mapping_names_your_column(tmp_path):
    """churn-targeting needs a value for every customer (the contract allows it missing): the check runs on the
    renamed table, and its message still names your column."""
    mine = pd.DataFrame({"cid": range(20), "Exited": [0, 1] * 10, "bal": [None, *range(19)]})
    mine.to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "s.yaml").write_text("customers: {path: c.csv, columns: {customer: cid, churned: Exited, "
                                     "value: bal}}\n")
    s = studies.get("churn-targeting")
    with pytest.raises(ParameterError,
                       match=r"churn_table: column 'bal' \(mapped to value\): 1 of 20 rows are missing"):
        s.preflight(s.resolve({"data": str(tmp_path / "s.yaml")}))


def test_a_notebook_error_names_your_column(tmp_path):
    """What a failed run reports (its ``error``) names a renamed column both ways; a column two roles map to
    different columns of yours keeps our name only."""
    from crmresearch.studies import pipeline

    (tmp_path / "s.yaml").write_text("spells: {path: a.csv, columns: {customer: cust, end: until}}\n"
                                     "cases: {path: b.csv, columns: {customer: client, opened: filed}}\n")
    assert sources.user_columns(tmp_path / "s.yaml") == {"end": "until", "opened": "filed"}
    error = SchemaError("survival_frame: column 'end': 2 of 9 rows are missing; column 'customer_id' repeats")
    assert pipeline._error_summary(error, str(tmp_path / "s.yaml")) == (
        "SchemaError: survival_frame: column 'until' (mapped to end): 2 of 9 rows are missing; "
        "column 'customer_id' repeats")
    assert pipeline._error_summary(error) == f"SchemaError: {error}"


# ----------------------------------------------------------------------------- the file's own keys
def test_a_file_names_its_data_and_currency(tmp_path):
    CAMPAIGN.to_csv(tmp_path / "campaign.csv", index=False)
    path = tmp_path / "shop.yaml"
    path.write_text("campaign: {path: campaign.csv, columns: {customer: client, treated: got_sms, outcome: left}}\n")
    plain = sources.source_file(path)
    assert (plain.name, plain.currency, plain.money) == ("shop.yaml", None, "amount units")
    path.write_text("name: Shop 2024\ncurrency: EUR\n" + path.read_text())
    assert set(sources.read_sources(path, check=True)) == {"campaign"}  # the keys are not roles
    named = sources.source_file(path)
    assert (named.name, named.currency, named.money) == ("Shop 2024", "EUR", "EUR")


def test_a_bad_name_or_currency_stops_before_the_kernel(tmp_path):
    CAMPAIGN.to_csv(tmp_path / "campaign.csv", index=False)
    path = tmp_path / "shop.yaml"
    path.write_text("currency: 978\ncampaign: {path: campaign.csv, columns: {customer: client, treated: got_sms, "
                    "outcome: left}}\n")
    with pytest.raises(SourceError, match=r"shop.yaml: 'currency' must be a non-empty text \(e.g. currency: EUR\); "
                                          r"got 978"):
        sources.source_file(path)
    s = studies.get("campaign-experiment")
    with pytest.raises(ParameterError, match=r"parameter 'data' .*'currency' must be a non-empty text"):
        s.preflight(s.resolve({"data": str(path)}))


def test_the_kernel_read_of_a_pandas_role_checks_the_whole_table(tmp_path):
    """A per-customer table (prospects come back as pandas) is checked on its first rows before the kernel and in
    full as the kernel reads it (Source.to_pandas): a duplicate id past the first rows passes the first, not the
    second; its message counts the whole table."""
    n = 400
    table = pd.DataFrame({"lead": range(n), "won": [True, False] * (n // 2), "value": 5.0})
    table.loc[350, "lead"] = 7
    yaml = _file(tmp_path, "prospects", table)
    assert set(sources.read_sources(yaml, check=True, rows=100)) == {"prospects"}
    prospects = sources.read_sources(yaml)["prospects"]
    with pytest.raises(DuplicateIdError, match=r"column 'lead' \(mapped to prospect_id\): 2 of 400 rows repeat"):
        prospects.to_pandas()
    assert len(prospects.to_pandas(check=False)) == n
    early = table.assign(lead=lambda d: d["lead"].where(d.index != 50, 7))
    with pytest.raises(DuplicateIdError, match=r"2 of the first 100 rows repeat"):
        sources.read_sources(_file(tmp_path, "prospects", early), check=True, rows=100)
