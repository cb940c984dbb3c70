"""Every study that fits a customer-base model on your data finishes on a base at the edge of the models:
no dropout, no heterogeneity, a single cohort day, a handful of customers, one huge customer (an answer, with
the limit in words where a fit ends at one), and stops with a clear error, no traceback, when nothing can be
estimated (no repeat buyers). Through the CLI, on your CSV, as a user would run it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ._own import EDGES, edge_log

#: studies that fit a customer-base model on your transactions, and the run settings of each (the edge logs span
#: 2023-01-02..2024-12-31: customer-base-health reads the book at their end)
STUDIES = {"customer-base-clv": (), "value-tiers": (), "customer-base-health": ("as_of=2024-12-31",)}
#: what each edge must say in the run and the manifest (a DataWarning naming the limit), where it is certain
SAID = {"no-dropout": "no dropout in these data: BG/NBD reduces to the NBD, P(alive) = 1 for everyone"}
#: ... and what a study that fits the Pareto/NBD must say there (one purchase rate, one dropout probability)
SAID_PARETO = {"no-heterogeneity": "no heterogeneity in purchase rates: every customer buys at the same rate"}


def _sources(folder: Path, study: str, edge: str) -> Path:
    log = edge_log(edge)
    log.rename(columns={"customer_id": "client", "date": "day", "amount": "spent"}).to_csv(folder / "log.csv",
                                                                                          index=False)
    lines = "transactions: {path: log.csv, columns: {customer: client, date: day, amount: spent}}\n"
    if study == "customer-base-health":  # cards issued a week before their first purchase
        first = log.groupby("customer_id")["date"].min()
        pd.DataFrame({"card": first.index, "issued": first.to_numpy() - np.timedelta64(7, "D")}) \
            .to_csv(folder / "cards.csv", index=False)
        lines += "accounts: {path: cards.csv, columns: {account: card}}\n"
    (folder / "s.yaml").write_text(lines)
    return folder / "s.yaml"


@pytest.mark.slow
@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("study", list(STUDIES))
def test_a_customer_base_study_on_an_edge_base_answers_or_says_why_not(scratch_root, tmp_path, study, edge):
    from click.testing import CliRunner

    from crmresearch import cli

    source = _sources(tmp_path, study, edge)
    out = tmp_path / "out"
    args = ["run", study, "-p", f"data={source}", *[a for s in STUDIES[study] for a in ("-p", s)], "--out", str(out)]
    ran = CliRunner().invoke(cli.main, args)
    if edge == "no-repeat-buyers":  # nothing to estimate: a clear error, counted, no traceback
        assert ran.exit_code != 0, ran.output
        assert "Traceback" not in ran.output
        assert re.search(r"none of the \d+ customers made a repeat purchase", ran.output), ran.output
        return
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((out / "manifest.json").read_text())
    said = {**SAID, **(SAID_PARETO if study == "customer-base-clv" else {})}
    if edge in said:
        assert said[edge] in ran.output and any(said[edge] in w for w in manifest["warnings"]), ran.output
    for name in manifest["exhibits"]:  # every table written is finite where it has numbers
        if name.endswith(".csv"):
            table = pd.read_csv(out / name)
            numbers = table.select_dtypes("number").to_numpy(dtype=float)
            assert not np.isinf(numbers).any(), name


#: the edges of a contract book (contractual-retention fits the sBG and the beta-discrete-Weibull on its cohorts)
CONTRACT_EDGES = ("nobody-churns", "everyone-churns-at-once", "one-cohort-day", "a-handful", "times-of-day")


def _contracts(edge: str, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A book of contracts opened over 2022-2023, lifetimes exponential with mean 500 days, observed to 2024-12-31;
    the edges change one thing: nobody churns, everyone leaves 30 days in, every contract opens on 2022-01-03,
    12 contracts, or ends stamped with a time of day (the latest on the last day of the data)."""
    rng = np.random.default_rng(seed)
    n = 12 if edge == "a-handful" else n
    days = np.zeros(n, int) if edge == "one-cohort-day" else rng.integers(0, 730, n)
    start = pd.Timestamp("2022-01-03") + pd.to_timedelta(days, unit="D")
    life = {"nobody-churns": np.full(n, np.inf), "everyone-churns-at-once": np.full(n, 30.0)}.get(
        edge, rng.exponential(500.0, n))
    end = pd.Series(start + pd.to_timedelta(np.where(np.isfinite(life), life, 0.0), unit="D"))
    if edge != "times-of-day":
        end = end.dt.normalize()
    end = end.where(np.isfinite(life) & (end < pd.Timestamp("2025-01-01")))
    if edge == "times-of-day":  # one ends at 13:42 on the last day of the data
        end.iloc[0] = pd.Timestamp("2024-12-31 13:42")
    return pd.DataFrame({"acct": np.arange(1, n + 1), "opened": start, "closed": end})


@pytest.mark.slow
@pytest.mark.parametrize("edge", CONTRACT_EDGES)
def test_contractual_retention_on_an_edge_book_answers(scratch_root, tmp_path, edge):
    from click.testing import CliRunner

    from crmresearch import cli

    _contracts(edge).to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "s.yaml").write_text("contracts: {path: c.csv, columns: {customer: acct, start: opened, "
                                     "end: closed}}\n")
    out = tmp_path / "out"
    ran = CliRunner().invoke(cli.main, ["run", "contractual-retention", "-p", f"data={tmp_path / 's.yaml'}",
                                        "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((out / "manifest.json").read_text())
    if edge == "nobody-churns":
        for words in ("no churn in these data: every customer renews", "no churn in these data: every customer stays"):
            assert words in ran.output and any(words in w for w in manifest["warnings"]), words
    for name in manifest["exhibits"]:
        if name.endswith(".csv"):
            numbers = pd.read_csv(out / name).select_dtypes("number").to_numpy(dtype=float)
            assert not np.isinf(numbers).any(), name
