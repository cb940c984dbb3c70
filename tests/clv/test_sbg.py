"""Shifted-beta-geometric against Fader & Hardie (2007)."""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import clv, data
from crmresearch.errors import ValidationError


@pytest.mark.parametrize("cohort, alpha, beta, ll", [
    ("high_end", 0.668, 3.806, -1611.2),
    ("regular", 0.704, 1.182, -1680.3),
])
def test_published_estimates_seven_years(cohort, alpha, beta, ll):
    survivors = (data.load_fh2007_retention()[cohort].iloc[:8] * 10).round().to_numpy()
    m = clv.ShiftedBetaGeometric().fit(survivors=survivors)
    assert m.params_["alpha"] == pytest.approx(alpha, abs=1e-3)
    assert m.params_["beta"] == pytest.approx(beta, abs=1e-3)
    assert m.log_likelihood_ == pytest.approx(ll, abs=0.1)


def test_individual_data_gives_the_same_fit():
    survivors = (data.load_fh2007_retention()["regular"].iloc[:8] * 10).round().to_numpy()
    lost = -np.diff(survivors)
    periods = np.concatenate([np.repeat(np.arange(1, 8), lost.astype(int)), np.full(int(survivors[-1]), 7)])
    churned = np.concatenate([np.ones(int(lost.sum()), bool), np.zeros(int(survivors[-1]), bool)])
    a = clv.ShiftedBetaGeometric().fit(survivors=survivors)
    b = clv.ShiftedBetaGeometric().fit(periods=periods, churned=churned)
    assert b.params_["alpha"] == pytest.approx(a.params_["alpha"], rel=1e-6)
    assert b.log_likelihood_ == pytest.approx(a.log_likelihood_, rel=1e-9)


def test_survival_retention_and_derl_identities():
    m = clv.ShiftedBetaGeometric().fit(survivors=[1000, 631, 468, 382, 326, 289, 262, 241])
    t = np.arange(1, 30)
    assert np.allclose(m.survival(t) / m.survival(t - 1), m.retention_rate(t))
    assert (np.diff(m.retention_rate(t)) > 0).all()  # heterogeneity: retention rises with tenure
    d = 0.10
    for renewals in (0, 3):
        brute = sum(m.survival(renewals + k) / m.survival(renewals) / (1 + d) ** k for k in range(1, 5000))
        assert m.derl(d, renewals) == pytest.approx(brute, rel=1e-8)
    assert m.clv(margin=100, discount_rate=d) == pytest.approx(100 * (1 + m.derl(d)))


def test_bad_survivors():
    with pytest.raises(ValidationError, match="never increase"):
        clv.ShiftedBetaGeometric().fit(survivors=[100, 90, 95])


def test_bad_individual_data_is_refused_with_counts_not_cast():
    """A 'yes' in churned was cast to True and a text count in survivors gave numpy's message; the
    shared checks (schemas.as_binary / as_numbers) refuse both and count them."""
    with pytest.raises(ValidationError, match=r"ShiftedBetaGeometric\.fit: churned must be 0/1 or boolean; 1 of 3"):
        clv.ShiftedBetaGeometric().fit(periods=[1, 2, 3], churned=[True, "yes", False])
    with pytest.raises(ValidationError, match="must be numbers; 1 of 3 values are not"):
        clv.ShiftedBetaGeometric().fit(survivors=[100, "eighty", 60])
