"""The same property as tests/test_properties.py for the newer modules (forecast, health, prospects,
recovery, skills, and the array helpers of segmentation, survival and clv): whatever the input, a result
or a CRMResearchError, never a raw pandas/numpy/statsmodels/scipy exception and never a hang."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmresearch import clv, experiments, segmentation, service, targeting
from crmresearch.errors import CRMResearchError
from crmresearch.service import forecast, skills
from crmresearch.survival import recovery
from crmresearch.targeting import prospects

FAST = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.integers(-5, 5), st.none(),
                   st.text(max_size=3), st.booleans())
stamps = st.one_of(st.datetimes(min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
                                max_value=pd.Timestamp("2030-01-01").to_pydatetime()),
                   st.none(), st.text(max_size=10))


def ours(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except CRMResearchError:
            pass


@FAST
@given(st.lists(st.tuples(stamps, values), max_size=12))
def test_interval_tables(rows):
    calls = pd.DataFrame(rows, columns=["datetime", "calls"])
    ours(lambda: forecast.day_matrix(calls))
    ours(lambda: service.arrival_profile(calls))
    ours(lambda: service.busy_hour(calls))
    ours(lambda: service.check_interval_length(calls, 5))


@FAST
@given(st.lists(st.tuples(st.integers(0, 4), stamps, values), max_size=12),
       st.lists(st.tuples(st.integers(0, 4), stamps, values), max_size=6), stamps)
def test_card_base_health(tx_rows, account_rows, as_of):
    tx = pd.DataFrame(tx_rows, columns=["customer_id", "date", "amount"])
    accounts = pd.DataFrame(account_rows, columns=["account_id", "issued", "balance"])
    ours(lambda: clv.activity_status(accounts, tx, as_of))
    ours(lambda: clv.funnel(accounts, tx, [as_of]))
    ours(lambda: segmentation.early_and_level(tx, as_of, 30, 60, [10.0, 20.0]))
    ours(lambda: segmentation.price_volume(tx.assign(quantity=tx["amount"]), "2000-01-01", "2030-01-01", [1, 2],
                                           [1, 2]))


@FAST
@given(st.lists(st.tuples(values, values), max_size=10))
def test_columns_of_anything(rows):
    df = pd.DataFrame(rows, columns=["x", "g"])
    ours(lambda: segmentation.rule_grid(df, {"x": [0.5, 1.5], "g": None}))
    ours(lambda: segmentation.grid_table(df["g"].astype(str), df["x"]))
    ours(lambda: prospects.grades(df["x"]))
    ours(lambda: experiments.rates_by(df, "g", "x"))
    ours(lambda: experiments.odds_ratios(df, "g", ["x"]))
    ours(lambda: experiments.compare_means(df, "g", "x"))
    ours(lambda: recovery.rate_by_count(df, "x", "g"))
    ours(lambda: segmentation.migration(df["x"], df["g"]))
    ours(lambda: segmentation.segment_change(df["x"], df["g"]))
    ours(lambda: segmentation.profile(df, "g"))
    ours(lambda: segmentation.peak_profit_share(df["x"]))
    ours(lambda: targeting.lift_table(df["x"].to_numpy(), df["g"].to_numpy()))
    ours(lambda: targeting.calibration_table(df["x"].to_numpy(), df["g"].to_numpy()))
    ours(lambda: clv.rank_auc(df["x"].to_numpy(), df["g"].to_numpy()))
    ours(lambda: clv.value_summary(df["x"]))
    ours(lambda: clv.margin_annuity(df["x"].to_numpy()))


@FAST
@given(st.lists(st.tuples(st.integers(0, 3), stamps, stamps, values), max_size=8),
       st.lists(st.tuples(st.integers(0, 4), stamps, stamps), max_size=8), st.one_of(stamps, st.none()))
def test_dated_spells_and_cases(spell_rows, case_rows, as_of):
    spells = pd.DataFrame(spell_rows, columns=["customer_id", "start", "end", "rural"])
    cases = pd.DataFrame(case_rows, columns=["customer_id", "opened", "resolved"])
    ours(lambda: recovery.day_clock(spells, cases, as_of))
    ours(lambda: targeting.churn_snapshot(spells, cases.rename(columns={"opened": "date"}).assign(amount=1.0),
                                         as_of or "2020-01-01"))
    ours(lambda: clv.contract_periods(spells, as_of or "2020-01-01"))


@FAST
@given(st.text(max_size=20), st.lists(values, min_size=1, max_size=5),
       st.one_of(st.integers(-3, 30), st.floats(), st.integers(10**8, 10**12)))
def test_staffing_inputs_never_raise_raw_or_hang(mix, weights, total):
    ours(lambda: skills.parse_mix(mix))
    ours(lambda: skills.allocate(total, weights))
    ours(lambda: service.shift_schedule(weights, service.shift_patterns(len(weights), 1, lengths_hours=(1.0,))))
    ours(lambda: service.service_levels(np.array(weights, dtype=object), 300, 3))
    ours(lambda: service.agents_for_target(np.array([total], dtype=object), 300))
    ours(lambda: service.agents_needed(total, 300))
    ours(lambda: forecast.predictive_quantile(np.array(weights, dtype=object), 0.1, 0.9))
