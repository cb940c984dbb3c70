"""The calibrated classifier on feature tables as outside data bring them: many-level categories, unseen levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import targeting


def _many_levels(n: int = 900, levels: int = 60, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """A churn table with a 60-level text column (a US state), a two-level plan and a number."""
    rng = np.random.default_rng(seed)
    state = rng.integers(0, levels, n)
    X = pd.DataFrame({"state": [f"S{s:02d}" for s in state], "plan": rng.choice(["yes", "no"], n),
                      "calls": rng.poisson(2, n).astype(float)})
    logit = -2 + 0.6 * X["calls"] + 1.0 * (X["plan"] == "yes") + 0.8 * (state % 5 == 0)
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


@pytest.mark.parametrize("model", ["logistic", "gradient_boosting"])
def test_every_model_fits_a_60_level_category_and_scores_unseen_levels(model):
    X, y = _many_levels()
    fit = targeting.ChurnClassifier(model=model, cv=3, boosting_max_iter=30).fit(X, y)
    assert fit.cv_auc_ > 0.7  # calls and plan carry the signal
    new = pd.DataFrame({"state": ["S00", "ZZ", "never seen"], "plan": ["yes", "yes", "maybe"], "calls": [2.0] * 3})
    p = fit.predict_proba(new)
    assert p.between(0, 1).all() and p.notna().all() and list(p.index) == [0, 1, 2]
