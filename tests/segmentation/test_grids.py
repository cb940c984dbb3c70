"""Class grids: any dimensions, migration between periods, the price x volume grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import segmentation
from crmresearch.errors import ValidationError


def test_rule_grid_any_dimensions_and_migration():
    units = pd.DataFrame({"format": ["a", "a", "b", "b"], "volume": [10.0, 300.0, 999.0, 1000.0]})
    g = segmentation.rule_grid(units, {"format": None, "volume": [250, 1000]}, {"volume": ["S", "M", "L"]})
    assert g.tolist() == ["a|S", "a|M", "b|M", "b|L"]  # a cut-off belongs to the band above
    t = segmentation.grid_table(g, units["volume"], min_cell=2)
    assert t["share_of_units"].sum() == pytest.approx(1.0) and t["share_of_value"].isna().all()
    with pytest.raises(ValidationError, match="cut-offs of 'volume' must increase"):
        segmentation.rule_grid(units, {"volume": [1000, 250]})
    with pytest.raises(ValidationError, match="column 'format' has 1 missing values"):
        segmentation.rule_grid(units.assign(format=["a", None, "b", "b"]), {"format": None})
    before = pd.Series(["S", "S", "M", "L"], index=[1, 2, 3, 4])
    after = pd.Series(["S", "M", "M", "M"], index=[1, 2, 3, 4])
    m = segmentation.grid_migration(before, after, ["S", "M", "L"])
    assert m.loc["S", "M"] == 0.5 and m.loc["L", "M"] == 1.0 and np.allclose(m.sum(axis=1), 1)
    with pytest.raises(ValidationError, match="1 units are classed in only one"):
        segmentation.grid_migration(before, after.iloc[:3])


def test_price_volume_counts_customers_without_purchases():
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-10"]),
                       "amount": [30.0, 15.0, 9.0], "quantity": [2, 1, 1]})
    pv = segmentation.price_volume(tx, "2024-01-01", "2024-03-31", (12, 16), (3, 7), customers=[1, 2, 3]).set_index(
        "customer_id")
    assert pv.loc[1, "grid_class"] == "price_mid|volume_mid" and pv.loc[1, "price_per_unit"] == 15.0
    assert pv.loc[2, "grid_class"] == "price_low|volume_low" and pv.loc[3, "grid_class"] == "no purchase"
    matrix = segmentation.grid_matrix(pv["grid_class"], ["price_low", "price_mid"], ["volume_low", "volume_mid"])
    assert matrix.to_numpy().sum() == pytest.approx(1.0) and matrix.loc["price_mid", "volume_mid"] == 0.5
