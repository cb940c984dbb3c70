"""Ready-made ACSI/ECSI specifications, model files (YAML/JSON), survey loading and missing answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmresearch import data
from crmresearch.data.simulate import ACSI_PATHS
from crmresearch.errors import ParameterError, ValidationError
from crmresearch.satisfaction import ACSI, ECSI, PLSPM, load_model, load_survey


@pytest.fixture(scope="module")
def bank():
    return data.simulate_bank(n_customers=5_000, seed=2)


def test_ecsi_spec_is_the_simulated_model_and_resolves_prefixes(bank):
    assert {t: sorted(s) for t, s in ECSI.paths.items()} == {t: sorted(s) for t, s in ACSI_PATHS.items()}
    blocks = ECSI.resolve(bank.survey.columns)
    assert blocks == {lv: bank.truth["survey"]["items"][lv] for lv in blocks}
    ours = ECSI.model(bank.survey.columns, scheme="path").fit(bank.survey)
    direct = PLSPM(ECSI.paths, blocks, scheme="path").fit(bank.survey)
    np.testing.assert_allclose(ours.path_coefs_, direct.path_coefs_, atol=1e-14)
    # ACSI drops image; its paths are a subset of the constructs of ECSI
    acsi = ACSI.model(bank.survey.columns).fit(bank.survey)
    assert "IMAG" not in acsi.lvs_ and acsi.path_coefs_.loc["SAT", "QUAL"] > 0


def test_prefix_matching_is_case_and_separator_tolerant():
    cols = ["SAT_1", "sat-2", "sat10", "satisfied", "sat_total", "loy1", "loy2"]
    spec = load_model("ECSI")
    from crmresearch.satisfaction import ModelSpec

    s = ModelSpec("t", {"LOY": ["SAT"]}, {"SAT": "sat", "LOY": "loy"})
    assert s.resolve(cols) == {"SAT": ["SAT_1", "sat-2", "sat10"], "LOY": ["loy1", "loy2"]}
    with pytest.raises(ValidationError, match="no item columns match the prefix 'imag' of construct 'IMAG'"):
        spec.resolve(cols)


def _write_survey(tmp_path, bank, missing=0):
    df = bank.survey.copy()
    rename = {c: c.replace("qual", "q_") for c in df.columns if c.startswith("qual")}
    df = df.rename(columns=rename)
    if missing:
        df.loc[df.index[:missing], "q_1"] = np.nan
        df.loc[df.index[1:missing + 2], "sat2"] = np.nan
    path = tmp_path / "my_survey.csv"
    df.to_csv(path, index=False)
    return path, df


def test_yaml_and_json_model_files_fit_a_users_survey(tmp_path, bank):
    path, df = _write_survey(tmp_path, bank)
    yml = tmp_path / "model.yaml"
    yml.write_text("name: my bank\nscale: [1, 10]\npaths:\n  SAT: [QUAL, VAL]\n  LOY: SAT\n"
                   "blocks:\n  QUAL: q_\n  VAL: [val1, val2]\n  SAT: sat\n  LOY: loy\nmodes: {VAL: B}\n")
    spec = load_model(yml)
    assert spec.name == "my bank" and spec.paths == {"SAT": ["QUAL", "VAL"], "LOY": ["SAT"]}
    assert spec.modes == {"VAL": "B"} and spec.scale == (1.0, 10.0)
    js = tmp_path / "model.json"
    js.write_text(json.dumps({"paths": spec.paths, "blocks": dict(spec.blocks), "modes": {"VAL": "B"}}))
    assert load_model(js).paths == spec.paths
    survey, account = load_survey(path, spec)
    assert len(survey) == len(df) and account.table()["dropped"].sum() == 0
    m = spec.model(survey.columns, scheme="path").fit(survey)
    assert m.mvs_[:7] == [f"q_{i}" for i in range(1, 8)]
    assert m.path_coefs_.loc["SAT", "QUAL"] > 0.3


def test_model_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("paths: {SAT: [QUAL]}\n")
    with pytest.raises(ValidationError, match=r"lacks the key\(s\) \['blocks'\]"):
        load_model(bad)
    bad.write_text("paths: {SAT: [QUAL]}\nblocks: {SAT: sat, QUAL: qual}\nweights: 1\n")
    with pytest.raises(ValidationError, match=r"unknown key\(s\) \['weights'\]"):
        load_model(bad)
    bad.write_text("paths: {SAT: [QUAL]}\nblocks: {SAT: sat, QUAL: qual}\nscale: [5, 1]\n")
    with pytest.raises(ValidationError, match="'scale' must be"):
        load_model(bad)
    bad.write_text("paths: [SAT: [\n")
    with pytest.raises(ValidationError, match=r"cannot parse bad\.yaml"):
        load_model(bad)
    with pytest.raises(ValidationError, match="neither a known model"):
        load_model(tmp_path / "nope.yaml")


def test_missing_answers_error_by_default_listwise_with_row_accounting(tmp_path, bank):
    path, df = _write_survey(tmp_path, bank, missing=3)
    spec = load_model("ECSI")
    spec = type(spec)("ECSI-q", spec.paths, {**spec.blocks, "QUAL": "q_"})
    with pytest.raises(ValidationError, match=r"missing answers per item \(q_1: 3, sat2: 4\) of 1000"):
        load_survey(path, spec)
    survey, account = load_survey(path, spec, missing="listwise")
    steps = account.table()
    assert len(survey) == 1000 - 5 and steps["dropped"].tolist() == [0, 5]
    assert "q_1: 3, sat2: 4" in steps["step"].iloc[-1]
    # the same through the engine: default error, listwise equals fitting the complete rows
    with pytest.raises(ValidationError, match=r"missing answers per item \{'q_1': 3, 'sat2': 4\} of 1000"):
        spec.model(df.columns).fit(df)
    lw = spec.model(df.columns, missing="listwise").fit(df)
    complete = spec.model(df.columns).fit(df.dropna(subset=spec.items(df.columns)))
    np.testing.assert_allclose(lw.path_coefs_, complete.path_coefs_, atol=1e-14)
    assert lw.row_account_.table()["dropped"].tolist() == [5] and lw.n_obs_ == 995


def test_index_scores_span_0_to_100(bank):
    s = bank.survey.copy()
    items = ECSI.items(s.columns)
    s.loc[s.index[0], items] = 10
    s.loc[s.index[1], items] = 1
    m = ECSI.model(s.columns).fit(s)
    idx = m.index_scores((1, 10))
    assert idx.iloc[0].to_numpy() == pytest.approx(100.0) and idx.iloc[1].to_numpy() == pytest.approx(0.0)
    assert idx["SAT"].mean() == pytest.approx(((s[["sat1", "sat2", "sat3"]] - 1) / 9 * 100).mean(axis=1).mean(),
                                              abs=0.5)
    with pytest.raises(ValidationError, match=r"outside the scale 1\.\.5"):
        m.index_scores((1, 5))
    assert isinstance(idx, pd.DataFrame) and list(idx.columns) == m.lvs_


@pytest.mark.slow
def test_satisfaction_study_fits_a_users_survey_csv_and_model_file(tmp_path, scratch_root, bank):
    """The analyst's path: two parameters (survey_csv, model) point the study at their own files. The survey is
    shaped as outside surveys are: written by R (row names in an unnamed first column), one reverse-keyed item
    (loy2), no region or value_tier column, and a model file with a scale per block."""
    from crmresearch.studies import pipeline

    path, df = _write_survey(tmp_path, bank, missing=2)
    df = df.drop(columns=["region", "value_tier"]).assign(loy2=lambda d: 11 - d["loy2"])
    df.index = [f"r{i}" for i in range(len(df))]
    df.to_csv(path, index_label="")  # R's write.csv: "" heads the row names
    model = tmp_path / "model.yaml"
    model.write_text("name: branch survey\nscale: {QUAL: [1, 10], VAL: [1, 10], SAT: [1, 10], LOY: [0, 10]}\n"
                     "paths: {SAT: [QUAL, VAL], LOY: [SAT]}\nblocks: {QUAL: q_, VAL: val, SAT: sat, LOY: loy}\n")
    result = pipeline.run("satisfaction-acsi", {"survey_csv": str(path), "model": str(model), "missing": "listwise",
                                                "bootstrap_resamples": 100, "consistent": False,
                                                "mga_resamples": 50, "predict_folds": 5},
                          out=tmp_path / "out", raise_on_error=True)
    out = Path(result.output_dir)
    assert not (out / "table-truth.csv").exists()  # no truth for a user's survey
    rows = pd.read_csv(out / "table-rows.csv")
    assert rows["rows_out"].iloc[-1] == 1000 - 4 and rows["dropped"].sum() == 4  # q_1: 2, sat2: 3, overlapping
    assert rows["step"].str.contains("R row names").any()
    paths = pd.read_csv(out / "table-paths.csv").set_index(["source", "target"])
    spec = load_model(model)
    clean = df.dropna(subset=spec.items(df.columns))
    direct = spec.model(clean.columns, scheme="path").fit(clean)
    assert paths.loc[("QUAL", "SAT"), "estimate"] == pytest.approx(direct.path_coefs_.loc["SAT", "QUAL"], abs=5e-4)
    assert (paths["sign_change"] == "construct").all() and (paths["ci_lower"] > 0).all()
    rel = pd.read_csv(out / "table-reliability.csv", keep_default_na=False).set_index("construct")
    assert rel.loc["LOY", "reverse_items"] == "loy2" and (rel.drop("LOY")["reverse_items"] == "").all()
    assert pd.read_csv(out / "table-outer.csv").set_index("indicator").loc["loy2", "loading"] < 0
    assert pd.read_csv(out / "table-index-by-group.csv").empty  # 'auto': the survey has no group column
    ipma = pd.read_csv(out / "table-ipma.csv")
    assert ipma["performance"].between(0, 100).all() and ipma["target_performance"].between(0, 100).all()


def _small_survey(tmp_path, n=30, top=10):
    rng = np.random.default_rng(0)
    f = rng.normal(size=n)
    df = pd.DataFrame({c: np.clip(np.rint(6 + 1.5 * f + rng.normal(size=n)), 1, top)
                       for c in ("sat1", "sat2", "loy1", "loy2")})
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    model = tmp_path / "model.yaml"
    model.write_text("scale: [1, 10]\npaths: {LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n")
    return path, model


def test_satisfaction_study_checks_folds_scale_and_groups_of_your_survey_before_the_kernel(tmp_path):
    """predict_folds above n / 5 and answers off the model file's scale stop the run before a kernel starts,
    naming the parameter or the model-file key and the count; absent default group columns are no error."""
    from crmresearch import studies

    study = studies.get("satisfaction-acsi")
    path, model = _small_survey(tmp_path)
    ok = study.resolve({"survey_csv": str(path), "model": str(model), "predict_folds": 6})
    study.preflight(ok)  # group_columns 'auto' on a survey without region / value_tier: no breakdown, no error
    with pytest.raises(ParameterError, match=r"parameter 'predict_folds' \(10\) must be at most n / 5 = 6 for the 30 "
                                             r"respondents of survey.csv"):
        study.preflight(study.resolve({"survey_csv": str(path), "model": str(model)}))
    model.write_text("scale: {SAT: [1, 10], LOY: [1, 5]}\npaths: {LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n")
    with pytest.raises(ParameterError, match=r"the 'scale' key of model.yaml: .*'scale of block LOY' is 1..5\): "
                                             r"column 'loy1': \d+ of 30 rows are outside the Likert scale 1..5"):
        study.preflight(study.resolve({"survey_csv": str(path), "model": str(model), "predict_folds": 5}))
    with pytest.raises(ParameterError, match=r"'group_columns': column\(s\) \['region'\] are not in"):
        study.preflight(study.resolve({"survey_csv": str(path), "model": str(model), "predict_folds": 5,
                                       "group_columns": "region"}))


def test_satisfaction_study_refuses_too_many_folds_on_the_command_line_with_exit_2(tmp_path):
    from click.testing import CliRunner

    from crmresearch import cli

    path, model = _small_survey(tmp_path)
    bad = CliRunner().invoke(cli.main, ["run", "satisfaction-acsi", "-p", f"survey_csv={path}", "-p", f"model={model}"])
    assert bad.exit_code == 2 and "'predict_folds' (10) must be at most n / 5 = 6" in bad.output


def test_a_scale_per_block_in_the_model_file_and_r_row_names(tmp_path):
    path, model = _small_survey(tmp_path)
    model.write_text("scale: {SAT: [1, 10], LOY: [0, 10]}\npaths: {LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n")
    spec = load_model(model)
    assert spec.scales() == {"SAT": (1.0, 10.0), "LOY": (0.0, 10.0)}
    m = spec.model(["sat1", "sat2", "loy1", "loy2"])
    assert m.scale == {"SAT": (1.0, 10.0), "LOY": (0.0, 10.0)}
    df = pd.read_csv(path)
    df.index = [f"r{i}" for i in range(len(df))]
    df.to_csv(path)  # pandas, like R, leaves the first header cell empty
    survey, account = load_survey(path, spec)
    assert list(survey.columns) == ["sat1", "sat2", "loy1", "loy2"] and survey.index[0] == "r0"
    assert "R row names" in account.table()["step"].iloc[-1]
    model.write_text("scale: {SAT: [1, 10]}\npaths: {LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n")
    with pytest.raises(ValidationError, match=r"without a scale: \['LOY'\]"):
        load_model(model)
    model.write_text("scale: {SAT: [10, 1], LOY: [1, 10]}\npaths: {LOY: [SAT]}\nblocks: {SAT: sat, LOY: loy}\n")
    with pytest.raises(ValidationError, match=r"'scale' per block must map each construct to \[low, high\]"):
        load_model(model)


def test_a_semicolon_survey_with_point_decimals_reads_as_numbers_and_text_items_are_named(tmp_path):
    spec = type(load_model("ECSI"))("mini", {"LOY": ["SAT"]}, {"SAT": ["sat1", "sat2"], "LOY": ["loy1"]})
    path = tmp_path / "survey.csv"
    path.write_text("sat1;sat2;loy1\n8.0;9.0;7.0\n6.0;;5.0\n10.0;9.0;9.0\n")   # ';' but '.' decimals
    survey, account = load_survey(path, spec, missing="listwise")
    assert survey["sat2"].tolist() == [9.0, 9.0] and account.table()["dropped"].tolist() == [0, 1]
    path.write_text("sat1;sat2;loy1\n8;9;7\n6;six;5\n10;9;9\n")
    with pytest.raises(ValidationError, match=r"column 'sat2': 1 of 3 rows are not numbers"):
        load_survey(path, spec)
