"""Per-customer CLV from BG/NBD + Gamma-Gamma."""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import clv
from crmresearch.errors import ValidationError


def test_clv_without_discount_is_purchases_times_spend_times_margin(cdnow_summary):
    s = cdnow_summary
    bg = clv.BetaGeoNBD().fit(s["frequency"], s["recency"], s["T"])
    gg = clv.GammaGamma().fit(s["frequency"], s["monetary_value"])
    out = clv.clv(bg, gg, s, horizon=52, discount_rate=0.0, margin=0.3)
    expected = 0.3 * bg.expected_purchases(52, s["frequency"], s["recency"], s["T"]) * \
        gg.expected_spend(s["frequency"], s["monetary_value"])
    np.testing.assert_allclose(out["clv"], expected, rtol=1e-9)
    discounted = clv.clv(bg, gg, s, horizon=52, discount_rate=0.01, margin=0.3)
    assert (discounted["clv"] <= out["clv"] + 1e-12).all()
    assert discounted["clv"].sum() == pytest.approx(out["clv"].sum() * 0.77, rel=0.05)


def test_margin_annuity_discounts_each_year():
    v = clv.margin_annuity([100.0, 0.0], years=3, annual_discount_rate=0.10)
    assert v[0] == pytest.approx(100 / 1.1 + 100 / 1.21 + 100 / 1.331, rel=1e-12) and v[1] == 0
    assert clv.margin_annuity(50.0, years=1, annual_discount_rate=0.0) == pytest.approx(50.0)
    with pytest.raises(ValidationError, match="years must be a whole number"):
        clv.margin_annuity(1.0, years=0)
