"""Input contracts: each malformed input gives the exact error class and a message that names
the column, the rule, the count of offending rows and the first row labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import schemas
from crmresearch.errors import ValidationError
from crmresearch.schemas import (
    DateParseError,
    DtypeError,
    DuplicateIdError,
    EmptyTableError,
    FutureDateError,
    MissingColumnError,
    MissingValueError,
    OrderError,
    RangeError,
    RowAccount,
)


def tx(**changes):
    df = pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 4],
        "date": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-01-05", "2024-03-01", "2024-03-02"]),
        "amount": [10.0, 20.0, 5.5, 7.0, 1.0],
    })
    for col, values in changes.items():
        df[col] = values
    return df


def spells(**changes):
    df = pd.DataFrame({"customer_id": [1, 2, 3],
                       "start": pd.to_datetime(["2023-01-01", "2023-05-01", "2024-01-01"]),
                       "end": pd.to_datetime(["2023-06-01", None, "2024-02-01"]),
                       "event": [1, 0, 1]})
    for col, values in changes.items():
        df[col] = values
    return df


def tickets(**changes):
    df = pd.DataFrame({"ticket_id": [10, 11, 12],
                       "created": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00", "2024-01-02 00:00"]),
                       "responded": pd.to_datetime(["2024-01-01 09:00", None, "2024-01-02 01:00"]),
                       "resolved": pd.to_datetime(["2024-01-02 00:00", None, "2024-01-03 00:00"])})
    for col, values in changes.items():
        df[col] = values
    return df


SURVEY = pd.DataFrame({"respondent_id": [1, 2, 3], "q1": [1, 5, 10], "q2": [3, 3, 7]})

CASES = [
    # (id, call, error class, message regex)
    ("missing column", lambda: schemas.validate(tx().drop(columns="date"), "transactions"),
     MissingColumnError, r"missing column\(s\) \['date'\] of the transactions contract"),
    ("missing amount where it is needed", lambda: schemas.validate(tx().drop(columns="amount"), "transactions",
                                                                   need=["amount"]),
     MissingColumnError, r"\['amount'\] of the transactions contract \(amount: optional in the contract, needed "
                         r"here\)"),
    ("renamed column not mapped", lambda: schemas.validate(tx().rename(columns={"date": "day"}),
                                                           "transactions"),
     MissingColumnError, r"\['date'\]"),
    ("empty table", lambda: schemas.validate(tx().iloc[:0], "transactions"),
     EmptyTableError, r"transactions table is empty \(0 rows\)"),
    ("negative amount", lambda: schemas.validate(tx(amount=[10.0, -2.0, 5.0, -1.0, 3.0]), "transactions"),
     RangeError, r"column 'amount': 2 of 5 rows are below 0 \(negative\) \(first rows: 1, 3\)"),
    ("text amounts", lambda: schemas.validate(tx(amount=["10", "x", "5", "7", "1"]), "transactions"),
     DtypeError, r"column 'amount': 1 of 5 rows are not numbers \(dtype object\) \(first rows: 1\)"),
    ("missing customer id", lambda: schemas.validate(tx(customer_id=[1, None, 2, None, 4]),
                                                     "transactions"),
     MissingValueError, r"column 'customer_id': 2 of 5 rows are missing \(first rows: 1, 3\)"),
    ("unparseable date", lambda: schemas.validate(tx(date=["2024-01-02", "yesterday", "2024-01-05",
                                                           "2024-13-45", "2024-03-02"]), "transactions"),
     DateParseError, r"column 'date': 2 of 5 rows cannot be read as dates \(free text\) \(first rows: 1, 3\)"),
    ("date after as_of", lambda: schemas.validate(tx(), "transactions", as_of="2024-02-15"),
     FutureDateError, r"column 'date': 2 of 5 rows are after as_of = 2024-02-15 \(first rows: 3, 4\)"),
    ("missing date", lambda: schemas.validate(tx(date=pd.to_datetime(["2024-01-02", None, "2024-01-05",
                                                                      "2024-03-01", "2024-03-02"])),
                                              "transactions"),
     MissingValueError, r"column 'date': 1 of 5 rows are missing"),
    ("duplicate customer ids", lambda: schemas.validate(pd.DataFrame({"customer_id": [1, 2, 2, 3, 3, 3]}),
                                                        "customers"),
     DuplicateIdError, r"column 'customer_id': 5 of 6 rows repeat an id that must be unique \(2 distinct"),
    ("end before start", lambda: schemas.validate(spells(end=pd.to_datetime(["2022-12-01", None,
                                                                             "2024-02-01"])), "spells"),
     OrderError, r"column 'end': 1 of 3 rows are before 'start' \(first rows: 0\)"),
    ("spell start missing", lambda: schemas.validate(spells(start=pd.to_datetime(["2023-01-01", None,
                                                                                  None])), "spells"),
     MissingValueError, r"column 'start': 2 of 3 rows are missing"),
    ("spell dates in the future", lambda: schemas.validate(spells(), "spells", as_of="2023-12-31"),
     FutureDateError, r"column 'start': 1 of 3 rows are after as_of"),
    ("resolved before created", lambda: schemas.validate(tickets(resolved=pd.to_datetime(
        ["2023-12-31 00:00", None, "2024-01-03 00:00"])), "tickets"),
     OrderError, r"column 'resolved': 1 of 3 rows are before 'created' \(first rows: 0\)"),
    ("responded before created", lambda: schemas.validate(tickets(responded=pd.to_datetime(
        ["2024-01-01 07:00", None, "2024-01-02 01:00"])), "tickets"),
     OrderError, r"column 'responded': 1 of 3 rows are before 'created'"),
    ("duplicate ticket ids", lambda: schemas.validate(tickets(ticket_id=[10, 10, 12]), "tickets"),
     DuplicateIdError, r"column 'ticket_id': 2 of 3 rows repeat"),
    ("negative call count", lambda: schemas.validate(pd.DataFrame({
        "interval_start": pd.date_range("2024-01-01", periods=3, freq="5min"), "calls": [3, -1, 2]}), "calls"),
     RangeError, r"column 'calls': 1 of 3 rows are below 0"),
    ("fractional call count", lambda: schemas.validate(pd.DataFrame({
        "interval_start": pd.date_range("2024-01-01", periods=3, freq="5min"), "calls": [3, 1.5, 2]}), "calls"),
     DtypeError, r"column 'calls': 1 of 3 rows are not whole numbers"),
    ("missing call count", lambda: schemas.validate(pd.DataFrame({
        "interval_start": pd.date_range("2024-01-01", periods=3, freq="5min"), "calls": [3, np.nan, 2]}), "calls"),
     MissingValueError, r"column 'calls': 1 of 3 rows are missing \(first rows: 1\)"),
    ("likert outside scale", lambda: schemas.validate(SURVEY.assign(q1=[0, 5, 11]), "survey",
                                                      items=["q1", "q2"], scale=(1, 10)),
     RangeError, r"column 'q1': 2 of 3 rows are outside the Likert scale 1..10 \(first rows: 0, 2\)"),
    ("missing survey answers", lambda: schemas.validate(SURVEY.assign(q1=[1, np.nan, np.nan],
                                                                      q2=[np.nan, 3, 3]),
                                                        "survey", items=["q1", "q2"], scale=(1, 10)),
     MissingValueError, r"missing answers per item \(q1: 2, q2: 1\) of 3 respondents"),
    ("non-numeric survey item", lambda: schemas.validate(SURVEY.assign(q2=["a", "b", "c"]), "survey",
                                                         items=["q1", "q2"], scale=(1, 10)),
     DtypeError, r"column 'q2': 3 of 3 rows are not numbers"),
    ("survey item absent", lambda: schemas.validate(SURVEY, "survey", items=["q1", "q9"]),
     MissingColumnError, r"missing item column\(s\) \['q9'\]"),
    ("unknown kind", lambda: schemas.validate(SURVEY, "surveys"),
     ValidationError, r"unknown kind 'surveys'; known: transactions"),
    ("unknown role", lambda: schemas.validate(tx(), "transactions", client="customer_id"),
     ValidationError, r"unknown column role\(s\) \['client'\]"),
    ("not a DataFrame", lambda: schemas.validate([1, 2], "transactions"),
     ValidationError, r"expected a pandas DataFrame, got list"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_input_gives_a_clear_error(call, error, match):
    with pytest.raises(error, match=match) as info:
        call()
    assert type(info.value) is error
    assert isinstance(info.value, ValueError)  # generic handlers still catch it


def test_at_least_twenty_malformed_cases():
    assert len(CASES) >= 20


def test_valid_input_passes_and_column_names_map():
    df = tx().rename(columns={"customer_id": "cust", "date": "day"})
    out = schemas.validate(df, "transactions", customer="cust", date="day", as_of="2024-12-31")
    assert out is df  # nothing to parse -> the same object


def test_string_dates_are_parsed():
    df = tx(date=["2024-01-02", "2024-02-03", "2024-01-05", "2024-03-01", "2024-03-02"])
    out = schemas.validate(df, "transactions")
    assert pd.api.types.is_datetime64_any_dtype(out["date"]) and df["date"].dtype == object


def test_caller_is_named_first():
    with pytest.raises(RangeError, match=r"^rfm: column 'amount'"):
        schemas.validate(tx(amount=[-1.0, 1, 1, 1, 1]), "transactions", caller="rfm")


def test_row_account_records_every_step():
    df = tx(amount=[10.0, -2.0, 5.0, -1.0, 3.0])
    acct = RowAccount("transactions", len(df))
    kept = acct.drop(df, df["amount"] < 0, "negative amount (refund)")
    kept = acct.drop(kept, kept["customer_id"] == 4, "test customer")
    assert len(kept) == 2
    table = acct.table()
    assert table[["rows_in", "rows_out", "dropped"]].to_numpy().tolist() == [[5, 3, 2], [3, 2, 1]]
    assert table["step"].tolist() == ["negative amount (refund)", "test customer"]
    assert "<table" in acct._repr_html_()


# ----------------------------------------------------------------------------- the one contract table
from crmresearch import sources  # noqa: E402
from crmresearch.errors import SchemaError  # noqa: E402
from crmresearch.sources import aggregate  # noqa: E402

FILE_ROLES = list(sources.ROLES)


def test_every_role_of_a_data_source_file_has_a_contract_and_roles_is_its_view():
    assert FILE_ROLES == [k for k, c in schemas.CONTRACTS.items() if c.source]
    assert {"campaign", "prospects", "accounts", "cases", "managers"} <= set(FILE_ROLES)
    for role in FILE_ROLES:
        contract = schemas.CONTRACTS[role]
        assert sources.ROLES[role] == {c.role: c.default_name for c in contract.columns if c.required}
        for col in contract.columns:  # one default name per role, whatever the contract
            assert schemas.DEFAULT_NAMES[col.role] == col.default_name
            assert col.kind in schemas.KINDS
    table = schemas.contract_table()
    assert set(table["kind"]) == set(schemas.CONTRACTS) and not table.duplicated(["kind", "role"]).any()


def _valid(contract) -> pd.DataFrame:
    """Three rows that keep every rule of ``contract`` (later datetime columns hold later dates)."""
    values = {"id": [1, 2, 3], "number": [1.0, 2.0, 3.0], "integer": [1, 2, 3], "bool": [True, False, True],
              "event": [1, 0, 1], "category": ["a", "b", "a"]}
    out = {}
    for i, col in enumerate(contract.columns):
        out[col.default_name] = (pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]) + pd.Timedelta(days=i)
                                 if col.kind == "datetime" else values[col.kind])
    return pd.DataFrame(out).assign(**({"q1": [1, 2, 3]} if contract.free == "items" else {}))


def _breaks(col):
    """Ways to break ``col`` by its kind and rules: (what, values)."""
    if col.kind == "datetime":
        yield "text", ["2024-01-01", "not a date", "2024-03-01"]
    if col.kind in ("number", "integer"):
        yield "text", ["1", "x", "3"]
    if col.kind in ("bool", "event"):
        yield "not 0/1", [1, 2, 0]
    if col.low is not None:
        yield "below low", [1.0, col.low - 1, 3.0]
    if not col.nullable:
        yield "missing", [1, None, 3] if col.kind in ("id", "number", "integer", "bool", "event", "category") \
            else pd.to_datetime(["2024-01-01", None, "2024-03-01"])
    if col.unique:
        yield "repeated", [1, 1, 3]
    if col.varies:
        yield "one value", [True, True, True]


def _family(exc: Exception) -> type:
    for cls in (MissingValueError, DtypeError, RangeError, DuplicateIdError, OrderError):
        if isinstance(exc, cls):
            return cls
    return type(exc)


def _both(df, role):
    """What validate (pandas) and aggregate.check_table (DuckDB) say about ``df``: (error or None) each."""
    import duckdb

    got = []
    for check in (lambda: schemas.validate(df, role, items=["q1"] if role == "survey" else None),
                  lambda: aggregate.check_table(duckdb.from_df(df), role)):
        try:
            check()
            got.append(None)
        except SchemaError as exc:
            got.append(exc)
    return got


@pytest.mark.parametrize("role", FILE_ROLES)
def test_validate_and_the_engine_check_read_the_same_kinds_for_each_role(role):
    contract = schemas.CONTRACTS[role]
    assert _both(_valid(contract), role) == [None, None]   # a table keeping every rule passes both
    broken = 0
    for col in contract.columns:
        for what, values in _breaks(col):
            df = _valid(contract).assign(**{col.default_name: values})
            pandas_error, engine_error = _both(df, role)
            assert pandas_error is not None and engine_error is not None, (role, col.role, what)
            assert _family(pandas_error) is _family(engine_error), (role, col.role, what, pandas_error, engine_error)
            for exc in (pandas_error, engine_error):
                assert f"column '{col.default_name}'" in str(exc), (role, col.role, what, str(exc))
            broken += 1
    assert broken >= len([c for c in contract.columns if c.kind != "category"])


def test_a_date_as_of_stands_for_its_whole_day():
    """Contracts that end at 13:42 on the last day of the data are not after as_of = that day (main raised
    FutureDateError on a contracts CSV with times of day, its as_of taken from the latest date); the next day is,
    and an as_of with a time of day is compared exactly."""
    from crmresearch.schemas.checks import after_as_of

    s = pd.Series(pd.to_datetime(["2024-12-30 23:59", "2024-12-31 13:42", "2025-01-01 00:00"]))
    assert after_as_of(s, pd.Timestamp("2024-12-31")).tolist() == [False, False, True]
    assert after_as_of(s, pd.Timestamp("2024-12-31 12:00")).tolist() == [False, True, True]
    sp = pd.DataFrame({"customer_id": [1, 2], "start": pd.to_datetime(["2023-01-01 09:00", "2024-03-01 10:00"]),
                       "end": pd.to_datetime(["2024-12-31 13:42", None])})
    assert len(schemas.validate(sp, "spells", as_of="2024-12-31")) == 2
    with pytest.raises(FutureDateError, match=r"column 'end': 1 of 2 rows are after as_of = 2024-12-30"):
        schemas.validate(sp, "spells", as_of="2024-12-30")
