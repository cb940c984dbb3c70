"""PLS-PM engine against the python `plspm` package (GPL; a test-only peer, never imported by the
library) on simulated ECSI surveys, for Mode A/B x three schemes x scaled/raw; and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmresearch import data
from crmresearch.data.simulate import ACSI_PATHS
from crmresearch.errors import NotFittedError, ValidationError
from crmresearch.satisfaction import PLSPM

LVS = ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY"]
PATHS = {t: list(v) for t, v in ACSI_PATHS.items()}


@pytest.fixture(scope="module")
def survey():
    bank = data.simulate_bank(n_customers=5_000, seed=1)
    blocks = {lv: bank.truth["survey"]["items"][lv] for lv in LVS}
    items = [i for b in blocks.values() for i in b]
    return bank.survey[items].astype(float), blocks, items


def _peer(X, blocks, mode, scheme, scaled):
    c = pytest.importorskip("plspm.config")
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scheme import Scheme

    P = pd.DataFrame(0, index=LVS, columns=LVS)
    for t, sources in PATHS.items():
        for s in sources:
            P.loc[t, s] = 1
    cfg = c.Config(P, scaled=scaled)
    for lv in LVS:
        cfg.add_lv(lv, Mode.A if mode == "A" else Mode.B, *[c.MV(i) for i in blocks[lv]])
    return Plspm(X, cfg, getattr(Scheme, scheme.upper()))


@pytest.mark.parametrize("mode", ["A", "B"])
@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
@pytest.mark.parametrize("scaled", [True, False])
def test_equals_plspm(survey, mode, scheme, scaled):
    X, blocks, items = survey
    if scaled:
        # plspm divides every indicator by one pooled SD; standardising each column first makes its input
        # equal ours up to that single factor s, which then scales its weights (and nothing else) by s
        X = (X - X.mean()) / X.std(ddof=0)
    ours = PLSPM(PATHS, blocks, modes={lv: mode for lv in LVS}, scheme=scheme, scaled=scaled).fit(X)
    ref = _peer(X, blocks, mode, scheme, scaled)
    s = X.stack().std() * np.sqrt((len(X) - 1) / len(X)) if scaled else 1.0
    outer = ref.outer_model().loc[items]
    np.testing.assert_allclose(ours.weights_.to_numpy() * s, outer["weight"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.outer_["loading"].to_numpy(), outer["loading"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.path_coefs_.loc[LVS, LVS].to_numpy(),
                               ref.path_coefficients().loc[LVS, LVS].to_numpy(), atol=1e-12)
    inner = ref.inner_summary().loc[LVS]
    np.testing.assert_allclose(ours.r2_.loc[LVS].to_numpy(), inner["r_squared"].to_numpy(dtype=float), atol=1e-12)
    if mode == "A":
        np.testing.assert_allclose(ours.ave_.loc[LVS].to_numpy(), inner["ave"].to_numpy(dtype=float), atol=1e-12)
        alpha = ref.unidimensionality().loc[LVS, "cronbach_alpha"].to_numpy(dtype=float)
        np.testing.assert_allclose(ours.reliability_.loc[LVS, "cronbach_alpha"].to_numpy(), alpha, atol=1e-12)
    assert ours.gof_ == pytest.approx(ref.goodness_of_fit(), abs=1e-12)


def test_cronbach_alpha_hand_computed():
    # three items with pairwise correlations 0.5: standardised alpha = 3/2 * (1 - 3/6) = 0.75
    rng = np.random.default_rng(0)
    common = rng.standard_normal(200_000)
    items = pd.DataFrame({f"x{i}": common + rng.standard_normal(200_000) for i in range(3)})
    items["y1"], items["y2"] = items["x0"] + rng.standard_normal(200_000), items["x1"] + rng.standard_normal(200_000)
    m = PLSPM({"Y": ["X"]}, {"X": ["x0", "x1", "x2"], "Y": ["y1", "y2"]}).fit(items)
    assert m.reliability_.loc["X", "cronbach_alpha"] == pytest.approx(0.75, abs=0.005)


@pytest.mark.parametrize("kwargs, frame_change, match", [
    ({"paths": {"B": ["NOPE"]}}, None, r"construct\(s\) \['NOPE'\] that have no block"),
    ({"paths": {"A": ["B"], "B": ["A"]}}, None, r"the inner model has a cycle"),
    ({"blocks": {"A": [], "B": ["b1", "b2"]}}, None, r"block\(s\) \['A'\] must be non-empty"),
    ({}, {"a2": 3.0}, r"indicator\(s\) \['a2'\] are constant"),
    ({}, {"a1": "x"}, r"column\(s\) \['a1'\] are not numeric"),
    ({}, {"b1": np.nan}, r"missing answers per item \{'b1': 50\} of 50"),
])
def test_bad_input_is_a_clear_error(kwargs, frame_change, match):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.standard_normal((50, 4)), columns=["a1", "a2", "b1", "b2"])
    for col, value in (frame_change or {}).items():
        df[col] = value
    spec = {"paths": {"B": ["A"]}, "blocks": {"A": ["a1", "a2"], "B": ["b1", "b2"]}} | kwargs
    with pytest.raises(ValidationError, match=match):
        PLSPM(**spec).fit(df)


def test_summary_before_fit():
    with pytest.raises(NotFittedError):
        PLSPM({"B": ["A"]}, {"A": ["a1", "a2"], "B": ["b1", "b2"]}).summary  # noqa: B018 - the property raises


def test_consistent_pls_removes_attenuation():
    """Two reflective constructs, true path 0.6, loadings 0.7 (continuous indicators): PLS attenuates
    the path towards 0.6 x reliability; PLSc (rho_A-corrected) recovers it."""
    rng = np.random.default_rng(3)
    n = 50_000
    xi = rng.standard_normal(n)
    eta = 0.6 * xi + np.sqrt(1 - 0.36) * rng.standard_normal(n)
    cols = {}
    for name, lv in (("x", xi), ("y", eta)):
        for k in range(3):
            cols[f"{name}{k}"] = 0.7 * lv + np.sqrt(1 - 0.49) * rng.standard_normal(n)
    df = pd.DataFrame(cols)
    spec = ({"Y": ["X"]}, {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]})
    plain = PLSPM(*spec).fit(df).path_coefs_.loc["Y", "X"]
    plsc = PLSPM(*spec, consistent=True).fit(df)
    assert plain < 0.55  # attenuated
    assert plsc.path_coefs_.loc["Y", "X"] == pytest.approx(0.6, abs=0.01)
    assert plsc.rho_a_["X"] == pytest.approx(3 * 0.49 / (1 + 2 * 0.49), abs=0.01)  # congeneric reliability


def test_bootstrap_is_reproducible_and_sensible(survey):
    X, blocks, _ = survey
    m = PLSPM(PATHS, blocks).fit(X.iloc[:300])
    one = m.bootstrap(n=60, seed=4, n_jobs=1)
    two = m.bootstrap(n=60, seed=4, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)  # the same resamples whatever the number of processes
    paths = one[one["kind"] == "path"]
    assert len(paths) == sum(len(v) for v in PATHS.values())
    assert (paths["std_error"] > 0).all() and (paths["ci_lower"] < paths["ci_upper"]).all()
    assert ((paths["ci_lower"] <= paths["estimate"]) & (paths["estimate"] <= paths["ci_upper"])).all()
    assert set(one["kind"]) == {"weight", "loading", "path", "total_effect"}
    assert (one["resamples"] == 60).all()


def test_bootstrap_progress_reports_every_resample_and_changes_nothing(survey, capsys):
    """Issue 27: a progress bar of the resamples (smaller chunks as they finish); the table is the same."""
    X, blocks, _ = survey
    m = PLSPM(PATHS, blocks).fit(X.iloc[:300])
    silent = m.bootstrap(n=400, seed=4, n_jobs=2)
    assert capsys.readouterr().err == ""  # batch runs: nothing printed
    seen = []
    shown = m.bootstrap(n=400, seed=4, n_jobs=2, progress=lambda done, total: seen.append((done, total)))
    pd.testing.assert_frame_equal(silent, shown)
    assert len(seen) == 8 and seen[-1] == (400, 400) and all(t == 400 for _, t in seen)
    m.bootstrap(n=400, seed=4, n_jobs=1, progress=True)  # outside a notebook: one line on standard error
    assert "PLS bootstrap: 400 / 400 resamples (100 %)" in capsys.readouterr().err


def test_htmt_fornell_larcker_and_ipma_known_cases():
    """Two constructs correlating 0.5, items loading 0.8: within-block item correlations 0.64, between
    0.32, so HTMT = 0.32 / 0.64 = 0.5; sqrt(AVE) ~ 0.8 dominates the construct correlation."""
    rng = np.random.default_rng(5)
    n = 100_000
    xi = rng.standard_normal(n)
    eta = 0.5 * xi + np.sqrt(0.75) * rng.standard_normal(n)
    cols = {f"{k}{i}": 0.8 * lv + 0.6 * rng.standard_normal(n) for k, lv in (("x", xi), ("y", eta)) for i in range(3)}
    df = pd.DataFrame(cols)
    m = PLSPM({"Y": ["X"]}, {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}).fit(df)
    assert m.htmt().loc["X", "Y"] == pytest.approx(0.5, abs=0.01)
    fl = m.fornell_larcker()
    assert fl.loc["X", "X"] > fl.loc["X", "Y"] and fl.loc["Y", "Y"] > fl.loc["X", "Y"]
    # IPMA on a 1..10 scale: items mapped to 0..100; with (nearly) equal weights a block's performance is
    # the mean of its rescaled items
    likert = pd.DataFrame({c: np.clip(np.rint(6.5 + 1.5 * v), 1, 10) for c, v in cols.items()})
    ip = PLSPM({"Y": ["X"]}, {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}).fit(likert).ipma("Y")
    assert ip["construct"].tolist() == ["X"]
    item_mean = ((likert[["x0", "x1", "x2"]] - 1) / 9 * 100).to_numpy().mean()
    assert ip["performance"].iloc[0] == pytest.approx(item_mean, abs=0.5)
    assert ip["importance"].iloc[0] > 0
    assert 0.3 < ip["importance_standardised"].iloc[0] < 0.5  # PLS-attenuated 0.5
    with pytest.raises(ValidationError, match="unknown construct"):
        m.ipma("Z")


def test_bootstrap_reports_failed_resamples_instead_of_hiding_them():
    """A rare answer: resamples that miss it make the indicator constant; they are counted and said."""
    import warnings

    from crmresearch.errors import DataWarning

    rng = np.random.default_rng(0)
    n = 40
    lv = rng.normal(size=n)
    df = pd.DataFrame({"a1": lv + rng.normal(size=n), "a2": lv + rng.normal(size=n),
                       "b1": lv + rng.normal(size=n), "b2": (np.arange(n) == 0).astype(float)})
    m = PLSPM({"B": ["A"]}, {"A": ["a1", "a2"], "B": ["b1", "b2"]}).fit(df)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        boot = m.bootstrap(n=200, seed=1, n_jobs=1)
    failed = boot.attrs["failed_resamples"]
    assert failed["constant"] > 30  # P(row 0 missing from a resample) = (39/40)^40 = 36 %
    assert boot["resamples"].iloc[0] == 200 - failed["constant"] - failed["not converged"]
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any(f"{failed['constant']} with a constant indicator" in msg for msg in msgs)


def _keyed_survey(n: int = 120, seed: int = 7) -> pd.DataFrame:
    """Three constructs X -> Z <- Y; Y has two items loading about 0.93 and 0.96 (as Russett's INDUS: gnpr, labo)."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    z = 0.3 * x + 0.6 * y + 0.7 * rng.standard_normal(n)
    cols = {f"x{i}": 0.8 * x + 0.6 * rng.standard_normal(n) for i in range(3)}
    cols |= {"y1": 0.93 * y + 0.37 * rng.standard_normal(n), "y2": 0.96 * y + 0.28 * rng.standard_normal(n)}
    cols |= {f"z{i}": 0.8 * z / z.std() + 0.6 * rng.standard_normal(n) for i in range(3)}
    return pd.DataFrame(cols)


KEYED = ({"Z": ["X", "Y"]}, {"X": ["x0", "x1", "x2"], "Y": ["y1", "y2"], "Z": ["z0", "z1", "z2"]})


@pytest.mark.parametrize("sign_change", ["construct", "individual"])
def test_reverse_coding_an_item_changes_only_that_items_sign_in_the_bootstrap(sign_change):
    """Russett's gnpr: with one of two items negatively keyed, resamples reverse the construct at random;
    the sign-change correction (Tenenhaus et al. 2005) makes the bootstrap of the reverse-coded survey that
    of the survey with the item keyed like the other, but for the item's own sign. (The item reversed is
    the weaker one, so that the full-sample construct keeps its orientation: a tie of signs is broken by
    the sum of the loadings.)"""
    df = _keyed_survey()
    rev = df.assign(y1=-df["y1"])
    # a tight tolerance: the two surveys start the iterations from different weights, and the default
    # tolerance stops them ~1e-5 apart
    keyed = PLSPM(*KEYED, sign_change=sign_change, tol=1e-20).fit(df).bootstrap(n=300, seed=3)
    mixed = PLSPM(*KEYED, sign_change=sign_change, tol=1e-20).fit(rev).bootstrap(n=300, seed=3)
    assert (mixed["sign_change"] == sign_change).all() and mixed.attrs["sign_changes"] > 30
    item = (mixed["name"] == "y1") & mixed["kind"].isin(["weight", "loading"])
    cols = ["estimate", "boot_mean", "std_error", "ci_lower", "ci_upper"]
    np.testing.assert_allclose(mixed.loc[~item, cols], keyed.loc[~item, cols], atol=1e-9)
    mirrored = -keyed.loc[item, ["estimate", "boot_mean", "ci_upper", "ci_lower"]].to_numpy()
    np.testing.assert_allclose(mixed.loc[item, ["estimate", "boot_mean", "ci_lower", "ci_upper"]], mirrored, atol=1e-9)
    np.testing.assert_allclose(mixed.loc[item, "std_error"], keyed.loc[item, "std_error"], atol=1e-9)
    path = mixed.set_index("name").loc["Y -> Z"].query("kind == 'path'").iloc[0]
    assert path["std_error"] < 0.15 and path["ci_lower"] > 0  # not the +-0.8 interval of a random sign


def test_without_sign_change_the_reverse_keyed_bootstrap_is_the_random_sign_one():
    rev = _keyed_survey().assign(y1=lambda d: -d["y1"])
    boot = PLSPM(*KEYED, sign_change="none").fit(rev).bootstrap(n=300, seed=3)
    path = boot[(boot["kind"] == "path") & (boot["name"] == "Y -> Z")].iloc[0]
    assert path["std_error"] > 0.3 and path["ci_lower"] < 0 < path["ci_upper"] and boot.attrs["sign_changes"] == 0
    with pytest.raises(ValidationError, match="sign_change must be one of"):
        PLSPM(*KEYED, sign_change="flip").fit(rev).bootstrap(n=20)


@pytest.mark.parametrize("mode, scheme, scaled, consistent", [
    ("A", "centroid", True, False), ("B", "path", False, False), ("A", "factorial", True, True)])
def test_batched_bootstrap_equals_one_fit_per_resample(mode, scheme, scaled, consistent):
    """The bootstrap runs all resamples through the core at once; each must equal a fit of its resample."""
    df = _keyed_survey(n=60, seed=1)
    model = PLSPM(*KEYED, modes={"X": mode}, scheme=scheme, scaled=scaled, consistent=consistent,
                  sign_change="none").fit(df)
    boot = model.bootstrap(n=25, seed=5)
    idx = np.random.default_rng(5).integers(0, len(df), size=(25, len(df)))
    width = len(boot[boot["kind"].isin(["weight", "loading", "path"])])
    draws = []
    for r in idx:
        try:
            f = PLSPM(*KEYED, modes={"X": mode}, scheme=scheme, scaled=scaled, consistent=consistent).fit(
                df.iloc[r].reset_index(drop=True))
        except ValidationError:  # a resample PLSc cannot correct: refused by fit, left out by the bootstrap
            draws.append(np.full(width, np.nan))
            continue
        draws.append(np.concatenate([f.weights_.to_numpy(), f.outer_["loading"].to_numpy(), f.params_.to_numpy()]))
    draws = np.array(draws)
    part = boot[boot["kind"].isin(["weight", "loading", "path"])]
    np.testing.assert_allclose(part["boot_mean"], np.nanmean(draws, axis=0), atol=1e-10)
    np.testing.assert_allclose(part["std_error"], np.nanstd(draws, axis=0, ddof=1), atol=1e-10)
    np.testing.assert_allclose(part["ci_lower"], np.nanpercentile(draws, 2.5, axis=0), atol=1e-10)


def test_a_negatively_keyed_item_is_named_and_alpha_htmt_and_index_are_those_of_its_block():
    """Russett's gnpr in table-reliability: one alpha (the standardised one) in PLSPM and in reliability, the
    item to reverse named in both and in a warning; HTMT of absolute correlations equals that of the survey with
    the item reverse-coded; the 0-100 index reverses the item and stays on 0..100 (it was at -4)."""
    import warnings

    from crmresearch.errors import DataWarning
    from crmresearch.satisfaction import reliability

    df = _keyed_survey()
    likert = df.apply(lambda c: np.clip(np.rint(5.5 + 1.8 * (c - c.mean()) / c.std()), 1, 10))
    mixed = likert.assign(x2=11 - likert["x2"])  # x2 reverse-keyed on the 1..10 scale
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = PLSPM(*KEYED, scale=(1, 10), tol=1e-20).fit(mixed)
        rel = reliability(mixed, KEYED[1], standardised=True).set_index("block")
    keyed = PLSPM(*KEYED, scale=(1, 10), tol=1e-20).fit(likert)
    keyed_alpha = keyed.reliability_.loc["X", "cronbach_alpha"]
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert sum("block 'X': item(s) x2" in msg and "reverse-code" in msg for msg in msgs) == 2
    assert m.reliability_.loc["X", "reverse_items"] == rel.loc["X", "reverse_items"] == "x2"
    assert m.reliability_["reverse_items"].drop("X").eq("").all()
    np.testing.assert_allclose(m.reliability_["cronbach_alpha"], rel["cronbach_alpha"], atol=1e-12)
    assert m.reliability_.loc["X", "cronbach_alpha"] < 0.3 < keyed_alpha  # said as it is, not clipped
    pd.testing.assert_frame_equal(m.htmt(), keyed.htmt(), atol=1e-12)
    assert np.isfinite(m.htmt().loc["X", "Y"])
    with pytest.warns(DataWarning, match=r"reversed .* \{'X': \['x2'\]\}"):
        index = m.index_scores()
    assert index.attrs["reversed_items"] == {"X": ["x2"]}
    assert index.to_numpy().min() >= 0 and index.to_numpy().max() <= 100 + 1e-9
    np.testing.assert_allclose(index, keyed.index_scores(), atol=1e-9)


def test_index_scores_take_a_scale_per_block():
    df = _keyed_survey()
    likert = df.apply(lambda c: np.clip(np.rint(5.5 + 1.8 * (c - c.mean()) / c.std()), 1, 10))
    five = likert.assign(**{c: np.ceil(likert[c] / 2) for c in ["z0", "z1", "z2"]})  # Z asked on 1..5
    scales = {"X": (1, 10), "Y": (1, 10), "Z": (1, 5)}
    m = PLSPM(*KEYED, scale=scales).fit(five)
    index = m.index_scores()
    assert index["Z"].max() <= 100 and index["Z"].min() >= 0
    w = m.weights_[["z0", "z1", "z2"]] / five[["z0", "z1", "z2"]].std(ddof=0)
    want = ((five[["z0", "z1", "z2"]] - 1) / 4 * 100) @ (w / w.sum())
    np.testing.assert_allclose(index["Z"], want, atol=1e-9)
    with pytest.raises(ValidationError, match=r"block X.*outside the scale 1..5"):
        PLSPM(*KEYED, scale={"X": (1, 5), "Y": (1, 10), "Z": (1, 5)}).fit(five)
    with pytest.raises(ValidationError, match=r"not for \['Z'\]"):
        PLSPM(*KEYED, scale={"X": (1, 10), "Y": (1, 10)}).fit(five)


def _uncorrelated_block(n: int, items: int, seed: int) -> tuple[pd.DataFrame, tuple]:
    """A reflective construct X of correlated items and a block U of items that do not correlate at all."""
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal(n)
    cols = {f"x{k}": 0.8 * xi + 0.6 * rng.standard_normal(n) for k in range(3)}
    cols |= {f"u{k}": rng.standard_normal(n) for k in range(items)}
    return pd.DataFrame(cols), ({"U": ["X"]}, {"X": ["x0", "x1", "x2"], "U": [f"u{k}" for k in range(items)]})


def test_plsc_refuses_a_construct_whose_items_do_not_correlate_instead_of_nan():
    """PLSc divides correlations by sqrt(rho_A): with uncorrelated items rho_A is about 0 or negative, and main
    returned NaN paths and R² with only numpy's 'invalid value in sqrt'. The error names the construct."""
    import warnings

    df, spec = _uncorrelated_block(200, 4, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no numpy warning on the way either
        with pytest.raises(ValidationError, match=r"PLSPM.fit: consistent=True: construct 'U' has reliability rho_A "
                                                  r"-[\d.]+ \(4 items\); PLSc divides by its square root and cannot "
                                                  r"correct a reliability <= 0"):
            PLSPM(*spec, consistent=True).fit(df)
    assert np.isfinite(PLSPM(*spec).fit(df).params_).all()  # plain PLS has an answer


def test_plsc_refuses_a_200_item_block_on_30_respondents_whose_corrected_correlation_exceeds_1():
    """n = 30, a 200-item block: main gave R² 2.38 (or NaN); the corrected correlation is beyond +-1, so PLSc
    has no answer and says which construct's reliability is too low. Plain PLS (Mode A needs no inverse of the
    block) returns its answer."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(1, 11, size=(30, 203)).astype(float),
                      columns=[f"x{i}" for i in range(200)] + ["y0", "y1", "y2"])
    spec = ({"Y": ["X"]}, {"X": [f"x{i}" for i in range(200)], "Y": ["y0", "y1", "y2"]})
    with pytest.raises(ValidationError, match=r"the correlation of constructs '[XY]' and '[XY]' is -?[\d.]+, "
                                              r"beyond \+-1: the reliability of 'Y' \(rho_A [\d.]+, 3 items\) is "
                                              r"below what PLSc"):
        PLSPM(*spec, consistent=True).fit(df)
    plain = PLSPM(*spec).fit(df)
    assert np.isfinite(plain.params_).all() and 0 <= plain.r2_["Y"] <= 1


def test_bootstrap_counts_the_resamples_plsc_cannot_correct():
    """A weakly measured two-item block on 60 respondents: in about 40 % of resamples rho_A is <= 0 or the corrected
    correlation beyond +-1; main kept their weights with NaN (or R² > 1) paths, unnamed. They are now failed
    resamples, counted and named in the warning."""
    import warnings

    from crmresearch.errors import DataWarning

    rng = np.random.default_rng(7)
    n = 60
    xi = rng.standard_normal(n)
    cols = {f"x{k}": 0.8 * xi + 0.6 * rng.standard_normal(n) for k in range(3)}
    weak = rng.standard_normal(n)
    cols |= {f"u{k}": 0.5 * (0.5 * xi + weak) + rng.standard_normal(n) for k in range(2)}
    df = pd.DataFrame(cols)
    model = PLSPM({"U": ["X"]}, {"X": ["x0", "x1", "x2"], "U": ["u0", "u1"]}, consistent=True).fit(df)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        boot = model.bootstrap(n=200, seed=0)
    bad = boot.attrs["failed_resamples"]["inadmissible"]
    assert bad > 0 and boot["resamples"].iloc[0] == 200 - sum(boot.attrs["failed_resamples"].values())
    assert any(issubclass(w.category, DataWarning) and "that PLSc cannot correct" in str(w.message) for w in caught)
    assert np.isfinite(boot[["estimate", "boot_mean", "std_error"]].to_numpy()).all()
