"""Recovery of the simulator's true ECSI paths at n = 1,000 respondents.

The simulator draws standardised latent variables from the true recursive model and answers that
load 0.88 on them (rounded to 1..10). Classic PLS composites contain measurement error, so its paths
are biased (attenuated where predictors are few); consistent PLS (PLSc) corrects this. One survey of
1,000 has a sampling SD of 0.02-0.05 per path, so the criterion is on the mean over replications
(the estimator's bias) plus the coverage of the bootstrap intervals of one survey.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmresearch import data
from crmresearch.data.simulate import ACSI_PATHS
from crmresearch.satisfaction import ECSI

PAIRS = [(t, s) for t, sources in ACSI_PATHS.items() for s in sources]
TRUE = np.array([ACSI_PATHS[t][s] for t, s in PAIRS])


@pytest.fixture(scope="module")
def replications():
    est = {False: [], True: []}
    for seed in range(20):
        survey = data.simulate_bank(n_customers=3_000, seed=seed).survey
        assert len(survey) == 1_000
        for consistent in (False, True):
            m = ECSI.model(survey.columns, scheme="path", consistent=consistent).fit(survey)
            est[consistent].append([m.path_coefs_.loc[t, s] for t, s in PAIRS])
    return {k: np.array(v) for k, v in est.items()}


def test_plsc_paths_are_unbiased_within_0_05_at_n_1000(replications):
    bias = replications[True].mean(axis=0) - TRUE
    assert np.abs(bias).max() < 0.012  # paper: largest bias 0.010
    # a single survey's mean absolute error over the 12 paths: measured 0.026 on average, 0.050 at worst
    mae = np.abs(replications[True] - TRUE).mean(axis=1)
    assert mae.mean() < 0.035 and mae.max() < 0.06


def test_classic_pls_attenuates_paths_and_plsc_removes_it(replications):
    bias_pls = (replications[False].mean(axis=0) - TRUE).mean()
    bias_plsc = (replications[True].mean(axis=0) - TRUE).mean()
    assert bias_pls < -0.02 and abs(bias_plsc) < 0.005  # measured -0.026 and -0.0005


def test_bootstrap_intervals_cover_the_true_paths():
    """PLSc percentile intervals (95 %) of 4 surveys x 12 paths: about 46 of 48 should cover the truth."""
    names = [f"{s} -> {t}" for t, s in PAIRS]
    inside, z = [], []
    for seed in range(4):
        survey = data.simulate_bank(n_customers=3_000, seed=seed).survey
        m = ECSI.model(survey.columns, scheme="path", consistent=True).fit(survey)
        boot = m.bootstrap(n=300, seed=0, n_jobs=2)
        paths = boot[boot["kind"] == "path"].set_index("name").loc[names]
        assert (paths["source"] + " -> " + paths["target"]).tolist() == names
        inside.extend((paths["ci_lower"].to_numpy() <= TRUE) & (TRUE <= paths["ci_upper"].to_numpy()))
        z.extend((paths["estimate"].to_numpy() - TRUE) / paths["std_error"].to_numpy())
    assert np.mean(inside) >= 0.875  # measured 44 / 48
    assert np.abs(z).max() < 3
