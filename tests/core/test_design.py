"""The one design of predictors: the screen of candidate features for ids and outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmresearch.core.design import screen_features


def test_the_screen_finds_ids_and_leaks_and_passes_a_51_level_state():
    rng = np.random.default_rng(1)
    n = 800
    y = (rng.random(n) < 0.15).astype(int)
    df = pd.DataFrame({
        "left": y,
        "state": rng.choice([f"S{i:02d}" for i in range(51)], n),  # a real many-level predictor: kept
        "calls": rng.poisson(1 + 2 * y),
        "account": [f"A{i}" for i in range(n)],  # an id under another name
        "row": np.arange(1, n + 1),  # R's row names
        "exit_reason": np.where(y == 1, rng.choice(["price", "service"], n), "none"),  # recorded after the churn
        "days_left": np.where(y == 1, rng.integers(1, 30, n), np.nan),  # missing for every stayer
        "customer_id": np.arange(n), "CancelDate": "x",
    })
    found = screen_features(df, "left", [c for c in df.columns if c != "left"])
    assert set(found) == {"account", "row", "exit_reason", "days_left", "customer_id", "CancelDate"}
    assert "every row has its own value" in found["account"] and "AUC 1.000" in found["exit_reason"]
    assert "name" in found["CancelDate"]
