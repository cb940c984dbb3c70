"""Interval forecasts against hand computations and statsmodels; rolling origin; forecast staffing."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmresearch import service
from crmresearch.errors import ValidationError
from crmresearch.service import forecast


def _calls(days: int = 30, slots: int = 6, seed: int = 0) -> pd.DataFrame:
    """Weekdays only, ``slots`` 5-minute intervals from 09:00, Poisson counts with a weekday effect."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=days)
    rows = []
    for d in dates:
        for j in range(slots):
            mu = 50 * (1.3 if d.dayofweek == 0 else 1.0) * (1 + 0.5 * np.sin(np.pi * j / slots))
            rows.append((d + pd.Timedelta(minutes=540 + 5 * j), rng.poisson(mu)))
    return pd.DataFrame(rows, columns=["datetime", "calls"])


@pytest.fixture(scope="module")
def matrix() -> pd.DataFrame:
    return forecast.day_matrix(_calls())


def test_day_matrix_shape_and_refusals():
    calls = _calls(days=10)
    m = forecast.day_matrix(calls)
    assert m.shape == (10, 6) and list(m.columns[:2]) == ["09:00", "09:05"]
    with pytest.raises(ValidationError, match=r"1 days lack some of the 6 slots \(1 intervals missing"):
        forecast.day_matrix(calls.drop(index=3))
    with pytest.raises(ValidationError, match=r"1 rows repeat an interval"):
        forecast.day_matrix(pd.concat([calls, calls.iloc[[0]]]))
    with pytest.raises(ValidationError, match=r"column 'calls' has 2 rows that are not a count"):
        forecast.day_matrix(calls.assign(calls=calls["calls"].astype(float).mask(calls.index < 2, -1)))


def test_seasonal_naive_and_profile_are_the_hand_computed_values(matrix):
    history, day = matrix.iloc[:20], matrix.index[20]
    mean, _ = forecast.forecast_days(history, [day], "seasonal_naive")
    last_same = history[history.index.dayofweek == day.dayofweek].iloc[-1]
    np.testing.assert_array_equal(mean.iloc[0].to_numpy(), last_same.to_numpy())
    mean, _ = forecast.forecast_days(history, [day], "profile", weeks=3)
    hand = history[history.index.dayofweek == day.dayofweek].iloc[-3:].mean()
    np.testing.assert_allclose(mean.iloc[0].to_numpy(), hand.to_numpy())


def test_harmonic_equals_a_statsmodels_poisson_glm_on_the_same_design(matrix):
    import statsmodels.api as sm

    history, days = matrix.iloc[:25], matrix.index[25:27]
    mean, _ = forecast.forecast_days(history, days, "harmonic", harmonics=2, weekday_harmonics=0)
    # the same model written out: weekday dummies, trend in years, two Fourier pairs of the slot
    rows = []
    for d in [*history.index, *days]:
        for j in range(6):
            x = [1.0, *[float(d.dayofweek == k) for k in (1, 2, 3, 4)], (d - history.index[-1]).days / 365.25]
            x += [f(2 * np.pi * h * j / 6) for h in (1, 2) for f in (np.sin, np.cos)]
            rows.append(x)
    X = np.array(rows)
    fit = sm.GLM(history.to_numpy().ravel(), X[: 25 * 6], family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(mean.to_numpy().ravel(), fit.predict(X[25 * 6:]), rtol=1e-6)


def test_ets_totals_follow_statsmodels_damped_trend(matrix):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    history, days = matrix.iloc[:25], matrix.index[25:26]
    mean, _ = forecast.forecast_days(history, days, "ets", weeks=2)
    totals = history.sum(axis=1)
    index = totals.groupby(totals.index.dayofweek).mean() / totals.mean()
    adjusted = totals / index.reindex(totals.index.dayofweek).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        level = ExponentialSmoothing(adjusted.to_numpy(), trend="add", damped_trend=True,
                                     initialization_method="estimated").fit().forecast(1)[0]
    assert mean.iloc[0].sum() == pytest.approx(level * index[days[0].dayofweek], rel=1e-9)


def test_predictive_quantiles_are_poisson_at_k_zero_and_wider_with_k():
    from scipy import stats

    assert forecast.predictive_quantile([100.0], 0.0, 0.9)[0] == stats.poisson.ppf(0.9, 100)
    assert forecast.predictive_quantile([100.0], 0.05, 0.9)[0] > stats.poisson.ppf(0.9, 100)
    with pytest.raises(ValidationError, match="q must be in"):
        forecast.predictive_quantile([1.0], 0, 1.0)


def test_rolling_origin_mase_and_coverage_on_poisson_data(matrix):
    bt = forecast.rolling_origin(matrix, methods=("seasonal_naive", "profile"), test_days=10, horizon_days=3,
                                 weeks=3)
    assert set(bt["horizon"]) == {1, 2, 3} and bt["origin"].nunique() == 10
    # no forecast day lies in or before its origin's history
    assert (bt["date"] >= bt["origin"]).all()
    acc = forecast.accuracy(bt).set_index("method")
    # seasonal naive out of sample is about as good as in sample: MASE near 1
    assert acc.loc["seasonal_naive", "mase"] == pytest.approx(1.0, abs=0.25)
    assert acc.loc["profile", "mae"] < acc.loc["seasonal_naive", "mae"]
    # the data are Poisson: the 80 % / 95 % intervals cover about that share
    assert acc.loc["profile", "coverage_80"] == pytest.approx(0.80, abs=0.08)
    assert acc.loc["profile", "coverage_95"] == pytest.approx(0.95, abs=0.05)


def test_mase_scale_is_the_weekly_naive_in_sample_mae(matrix):
    hand = np.concatenate([np.abs(np.diff(matrix[matrix.index.dayofweek == d].to_numpy(), axis=0)).ravel()
                           for d in range(5)]).mean()
    assert forecast.mase_scale(matrix) == pytest.approx(hand)


def test_staffing_backtest_perfect_foresight_meets_the_target_everywhere(matrix):
    bt = forecast.rolling_origin(matrix, methods=("profile",), test_days=5, horizon_days=1, weeks=3)
    st = forecast.staffing_backtest(bt, aht=300, target=0.8, answer_within=20, quantiles=(0.9,), factors=(0.8, 1.0))
    foresight = st.iloc[0]
    assert foresight["intervals_meeting_target"] == 1.0 and foresight["extra_hours_vs_foresight_pct"] == 0
    by = st.set_index(["policy", "factor"])
    assert by.loc[("q90", 1.0), "service_level"] > by.loc[("mean", 1.0), "service_level"]
    assert by.loc[("mean", 0.8), "service_level"] < by.loc[("mean", 1.0), "service_level"]
    # the hours equal the sum of per-interval Erlang C agents for the forecast
    agents = service.agents_for_target(bt["forecast"], 300, 0.8, 20, 300)
    assert by.loc[("mean", 1.0), "agent_hours_per_day"] == pytest.approx(agents.sum() / 12 / 5)


def test_vectorised_erlang_c_equals_the_scalar_functions():
    rng = np.random.default_rng(3)
    lam = rng.uniform(0, 2_000, 300)
    n = service.agents_for_target(lam, 240, 0.85, 15)
    assert list(n) == [service.agents_needed(x, 240, 0.85, 15).agents for x in lam]
    sl = service.service_levels(lam, 240, n, 15)
    scalar = [service.service_level(x, 240, int(k), 15) for x, k in zip(lam, n, strict=True)]
    np.testing.assert_allclose(sl, scalar, atol=1e-12)
    assert list(service.service_levels([100.0, 0.0], 300, [5, 0])) == [0.0, 1.0]  # overloaded, no calls


def test_forecast_refuses_bad_requests(matrix):
    with pytest.raises(ValidationError, match="method must be one of"):
        forecast.forecast_days(matrix, [matrix.index[-1] + pd.Timedelta(days=1)], "arima")
    with pytest.raises(ValidationError, match="must come after the history's last day"):
        forecast.forecast_days(matrix.iloc[:20], [matrix.index[5]])
    with pytest.raises(ValidationError, match="test_days must be in"):
        forecast.rolling_origin(matrix, test_days=100)


def test_rolling_origin_reports_each_origin_and_changes_nothing():
    """The call-forecasting back-test shows progress per origin in JupyterLab; the result does not depend on it."""
    days = pd.bdate_range("2024-01-01", periods=30)
    counts = np.random.default_rng(0).poisson(50, (30, 4)).astype(float)
    m = pd.DataFrame(counts, index=days, columns=["09:00", "09:05", "09:10", "09:15"])
    seen: list[tuple[int, int]] = []
    with_bar = forecast.rolling_origin(m, methods=("profile",), test_days=5, horizon_days=2,
                                       progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 5) for k in range(1, 6)]
    pd.testing.assert_frame_equal(with_bar, forecast.rolling_origin(m, methods=("profile",), test_days=5,
                                                                    horizon_days=2))


def test_harmonic_fit_equals_statsmodels_glm_to_the_bit():
    # the IRLS replica must give statsmodels' coefficients exactly (the study's exhibits are byte for byte)
    import statsmodels.api as sm

    from crmresearch.service.forecast import _harmonic_design, _poisson_irls

    days = pd.bdate_range("2024-01-01", periods=30)
    rng = np.random.default_rng(4)
    X = _harmonic_design(days, 24, 4, days[-1], 2)
    y = rng.poisson(np.exp(2.0 + 0.5 * np.sin(np.arange(len(X)) / 7.0))).astype(float)
    np.testing.assert_array_equal(_poisson_irls(X, y), sm.GLM(y, X, family=sm.families.Poisson()).fit().params)
