"""The registry's typed parameters and the parameters cell it generates for each notebook."""

from __future__ import annotations

import pytest

from crmresearch import studies
from crmresearch.errors import ParameterError


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_generated_parameters_cell_gives_the_registry_defaults(study):
    """The cell the registry writes into each notebook (tests/studies/test_notebooks.py checks that it is there)
    runs, and sets every parameter, in registry order, to its default with a comment."""
    cell = study.parameters_cell()
    namespace: dict = {}
    exec(cell, namespace)  # our own generated literals
    assert list(namespace["__annotations__"]) == [*(p.name for p in study.params), "output_dir"]
    assert {k: namespace[k] for k in namespace["__annotations__"]} == {**study.defaults(), "output_dir": ""}
    for line, p in zip(cell.splitlines(), study.params, strict=False):
        assert line.startswith(f"{p.name}: ") and line.endswith(f"  # {p.help}"), line


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_papermill_reads_every_line_of_the_generated_cell(study):
    """papermill's own reader of a parameters cell (``--help-notebook``, and its check that every injected
    parameter exists) finds every parameter with its type and help: no ``=`` in a help text, no ``|`` in a
    type, or it prints "Unable to parse line" and "Passed unknown parameter" on every run."""
    from papermill.translators import PythonTranslator

    found = {p.name: p for p in PythonTranslator.inspect({"source": study.parameters_cell()})}
    assert list(found) == [*(p.name for p in study.params), "output_dir"]
    for p in study.params:
        assert found[p.name].inferred_type_name == p.annotation() and found[p.name].help == p.help, p.name


@pytest.mark.parametrize("study", studies.all_studies(), ids=lambda s: s.name)
def test_defaults_and_smoke_parameters_are_valid(study):
    assert study.resolve() == study.defaults()
    assert study.is_default(study.resolve())
    smoke = study.resolve(study.smoke)
    assert not study.is_default(smoke) or not study.smoke


@pytest.mark.parametrize("raw, value", [("0.02", 0.02), (0.02, 0.02), ("1e-2", 0.01)])
def test_float_parameter_parses(raw, value):
    assert studies.get("value-tiers").resolve({"top_share": raw})["top_share"] == value


@pytest.mark.parametrize("overrides, match", [
    ({"top_sahre": "0.02"}, r"unknown parameter 'top_sahre'; known: .*top_share"),
    ({"top_share": "abc"}, r"'top_share' must be a number in \[0.001, 0.5\]; got 'abc'"),
    ({"top_share": "0.9"}, r"'top_share' must be a number in \[0.001, 0.5\]; got '0.9'"),
    ({"top_share": "nan"}, r"'top_share' must be a number"),
    ({"dataset": "../../etc/passwd"}, r"'dataset' must be one of 'cdnow_master', 'cdnow_sample'"),
    ({"output_dir": "/tmp/x"}, r"'output_dir' is set by crmresearch itself; .*--out"),
    ({"top_share": "0.4", "second_share": "0.4", "third_share": "0.3"}, r"must be below 1"),
])
def test_bad_parameters_name_the_key(overrides, match):
    with pytest.raises(ParameterError, match=match):
        studies.get("value-tiers").resolve(overrides)


@pytest.mark.parametrize("kind, raw, ok", [
    (int, "3", True), (int, "3.5", False), (int, "true", False),
    (bool, "yes", True), (bool, "maybe", False),
    (str, "urban", True), (str, "../up", False), (str, "a/b", False), (str, "/abs", False),
    (str, "..", False), (str, "", False),
])
def test_param_types(kind, raw, ok):
    p = studies.Param("x", kind, kind(), "help")
    if ok:
        p.parse(raw, "s")
    else:
        with pytest.raises(ParameterError, match="parameter 'x' must be"):
            p.parse(raw, "s")


@pytest.mark.parametrize("study, name, raw, value", [
    ("churn-survival", "horizons", "3, 6,12", [3, 6, 12]),
    ("churn-survival", "horizons", (6,), [6]),
    ("churn-survival", "groups", "AUTO", "auto"),
    ("churn-survival", "groups", "region,plan", ["region", "plan"]),
    ("contractual-retention", "retention_covariates", "none", []),
    ("contractual-retention", "retention_covariates", "auto", "auto"),
    ("satisfaction-acsi", "group_columns", "none", []),
    ("call-forecasting", "bias_factors", "1", [1.0]),
    ("prospect-conversion", "grade_shares", [0.1, 0.2, 0.3], [0.1, 0.2, 0.3]),
])
def test_list_parameters_take_comma_separated_text_or_lists(study, name, raw, value):
    assert studies.get(study).resolve({name: raw})[name] == value


@pytest.mark.parametrize("study, name, raw, match", [
    ("churn-survival", "horizons", "12,x", r"'horizons' must be comma-separated integers, each in \[1, 36525\]; "
                                           r"got '12,x'"),
    ("churn-survival", "horizons", "0,12", r"each in \[1, 36525\]"),
    ("churn-survival", "horizons", "", r"'horizons' must be"),
    ("churn-survival", "horizons", "none", r"'horizons' must be"),
    ("churn-survival", "groups", "a,../b", r"'groups' must be 'auto' or comma-separated names"),
    ("call-forecasting", "staffing_quantiles", "0,0.5", r"each in \(0, 0.999\]"),
    ("prospect-conversion", "grade_shares", "0.1,0.2", r"must be 3 comma-separated numbers"),
    ("prospect-conversion", "grade_shares", "0.5,0.3,0.3", r"adding up to less than 1"),
    ("customer-base-health", "level_cuts", "1500,300", r"'level_cuts' must be 2 increasing cut-offs"),
    ("service-recovery", "attrition_covariates", "over_time,mood", r"names among age, business_travel"),
])
def test_bad_list_parameters_name_the_key_and_what_it_takes(study, name, raw, match):
    with pytest.raises(ParameterError, match=match):
        studies.get(study).resolve({name: raw})


def test_list_defaults_are_new_lists_each_time():
    study = studies.get("churn-survival")
    values = study.resolve()
    values["horizons"].append(48)
    assert study.defaults()["horizons"] == [12, 24, 36] and isinstance(study.params[0].default, tuple)
    with pytest.raises(TypeError, match="item=int, float or str"):
        studies.Param("x", list, [1], "help")


def test_unknown_study_lists_known_ones():
    with pytest.raises(ParameterError, match=r"unknown study 'nope'; known: value-tiers"):
        studies.get("nope")


def test_input_file_parameters_accept_names_or_existing_files(tmp_path, monkeypatch):
    """survey_csv / model of satisfaction-acsi: '' or a known name or an existing file, made absolute
    so the kernel finds it from its own working folder; anything else names the key and the folder."""
    study = studies.get("satisfaction-acsi")
    survey = tmp_path / "my survey.csv"
    survey.write_text("sat1\n1\n")
    monkeypatch.chdir(tmp_path)
    values = study.resolve({"survey_csv": "my survey.csv", "model": "acsi"})
    assert values["survey_csv"] == str(survey.resolve()) and values["model"] == "ACSI"
    assert study.resolve({})["survey_csv"] == ""
    with pytest.raises(ParameterError, match=r"parameter 'model': no file 'nope.yaml' \(from .*\); it must be"):
        study.resolve({"model": "nope.yaml"})
    accepted = r"'model' must be 'ECSI' or 'ACSI' or the path of an existing file; got ''"
    with pytest.raises(ParameterError, match=accepted):
        study.resolve({"model": ""})
    with pytest.raises(ParameterError, match=r"parameter 'survey_csv': no file"):
        study.resolve({"survey_csv": str(tmp_path)})  # a folder is not a file


def test_retention_covariates_name_contract_columns_before_the_kernel(tmp_path):
    import pandas as pd

    study = studies.get("contractual-retention")
    study.preflight(study.resolve({}))  # region, digital_user: columns of the synthetic contracts
    with pytest.raises(ParameterError, match=r"'retention_covariates': column\(s\) \['regoin'\] are not in the "
                                             r"synthetic bank's contracts"):
        study.preflight(study.resolve({"retention_covariates": "regoin,digital_user"}))
    study.preflight(study.resolve({"retention_covariates": "none"}))
    contracts = pd.DataFrame({"customer_id": [1, 2], "start": ["2024-01-01"] * 2, "end": [None, "2024-06-01"],
                              "plan": ["a", "b"]})
    contracts.to_csv(tmp_path / "contracts.csv", index=False)
    (tmp_path / "sources.yaml").write_text("contracts: {path: contracts.csv}\n")
    data = str(tmp_path / "sources.yaml")
    study.preflight(study.resolve({"data": data, "retention_covariates": "plan"}))
    study.preflight(study.resolve({"data": data}))  # 'auto' on your data: no covariates unless named
    with pytest.raises(ParameterError, match=r"\['region'\] are not in the contracts of .*sources.yaml"):
        study.preflight(study.resolve({"data": data, "retention_covariates": "region,plan"}))


def test_an_echoed_value_is_cut_to_80_characters_with_its_length():
    """A 120 KB ``-p horizons=...`` was echoed in full (a 120,102-character message); every echo of a value goes
    through errors.shown."""
    from click.testing import CliRunner

    from crmresearch import cli

    huge = ",".join(["abcd"] * 24_000)
    with pytest.raises(ParameterError) as caught:
        studies.get("churn-survival").resolve({"horizons": huge})
    message = str(caught.value)
    assert len(message) < 300 and message.endswith(f"… ({len(huge)} characters)")
    assert message.startswith("churn-survival: parameter 'horizons' must be comma-separated integers")
    result = CliRunner().invoke(cli.main, ["run", "churn-survival", "-p", "x" * 5_000])
    assert result.exit_code == 2 and len(result.output) < 300 and "(5000 characters)" in result.output


def test_the_studies_own_checks_before_the_kernel_read_only_the_row_budget(tmp_path, monkeypatch):
    """churn-targeting's and prospect-conversion's checks of your table read its first CRMRESEARCH_CHECK_ROWS rows:
    a bad row past them is left to the kernel's full read, one inside them is refused saying so; a value of a
    column seen only in later rows is not refused."""
    import numpy as np
    import pandas as pd

    from crmresearch.errors import ParameterError
    from crmresearch.studies import registry

    monkeypatch.setenv("CRMRESEARCH_CHECK_ROWS", "100")
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"cust": range(300), "left": rng.integers(0, 2, 300), "worth": rng.uniform(1, 9, 300),
                          "tenure": rng.integers(1, 60, 300), "source": ["mail"] * 250 + ["web"] * 50})
    late = table.copy()
    late.loc[250, "left"] = 7  # past the budget: for the kernel
    late.to_csv(tmp_path / "late.csv", index=False)
    early = table.copy()
    early.loc[5, "left"] = 7
    early.to_csv(tmp_path / "early.csv", index=False)
    for name in ("late", "early"):
        (tmp_path / f"{name}.yaml").write_text(f"customers: {{path: {name}.csv, columns: {{customer: cust, churned: "
                                               f"left, value: worth}}}}\n")
    values = {"features": "auto"}
    registry._check_churn_inputs({**values, "data": str(tmp_path / "late.yaml")})
    with pytest.raises(ParameterError, match=r"'left' \(mapped to churned\): 1 of the first 100 rows are not 0/1"):
        registry._check_churn_inputs({**values, "data": str(tmp_path / "early.yaml")})
    table.rename(columns={"cust": "lead", "left": "won"}).to_csv(tmp_path / "leads.csv", index=False)
    (tmp_path / "p.yaml").write_text("prospects: {path: leads.csv, columns: {prospect: lead, converted: won, "
                                     "value: worth}}\n")
    registry._check_prospect_inputs({"data": str(tmp_path / "p.yaml"), "features": "auto", "reference_source": "web"})
    with pytest.raises(ParameterError, match="'reference_source'"):
        monkeypatch.setenv("CRMRESEARCH_CHECK_ROWS", "1000")  # the whole table: 'phone' is no value of it
        registry._check_prospect_inputs({"data": str(tmp_path / "p.yaml"), "features": "auto",
                                         "reference_source": "phone"})


def test_contractual_retention_fits_the_bdw_on_at_least_three_years():
    """The study puts the beta-discrete-Weibull (three parameters) beside the sBG: fit_years >= 3, refused
    before the kernel (the fit itself would stop with a ValidationError)."""
    with pytest.raises(ParameterError, match=r"'fit_years' must be an integer in \[3, 11\]; got '2'"):
        studies.get("contractual-retention").resolve({"fit_years": "2"})
    assert studies.get("contractual-retention").resolve({"fit_years": "3"})["fit_years"] == 3
