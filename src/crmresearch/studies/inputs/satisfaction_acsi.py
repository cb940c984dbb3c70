"""Inputs of the satisfaction-acsi study: the synthetic bank's survey or yours (a CSV), and the grouping columns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ... import data as datasets
from ...satisfaction import ModelSpec, load_survey
from ...schemas import RowAccount, validate
from . import Base

__all__ = ["SIMULATED_GROUPS", "group_columns", "survey_base"]

#: Grouping columns of the synthetic survey, and what ``group_columns='auto'`` looks for in yours.
SIMULATED_GROUPS = ("region", "value_tier")


def survey_base(survey_csv: str, spec: ModelSpec, missing: str = "error", *, respondents: int = 1000,
                bank_customers: int = 20_000, seed: int = 0) -> Base:
    """The survey to fit: the synthetic bank's (``survey_csv=''``) or a survey CSV read for ``spec``.

    Parameters
    ----------
    survey_csv : str
        Survey CSV (one row per respondent); '' = :func:`crmresearch.data.simulate_bank` ``.survey``.
    spec : ModelSpec
        The model whose items are read and checked against its scale(s).
    missing : str, default 'error'
        ``'error'`` or ``'listwise'`` (your CSV only).
    respondents, bank_customers, seed : int
        Size and seed of the synthetic bank (built-in data only).

    Returns
    -------
    Base
        ``tables['survey']``; ``settings``: ``rows`` (the :class:`RowAccount`), ``input`` (the description
        recorded in the manifest); ``truth``: the simulator's truth (None for your survey).

    Examples
    --------
    >>> from crmresearch.satisfaction import load_model
    >>> from crmresearch.studies.inputs.satisfaction_acsi import survey_base
    >>> b = survey_base('', load_model('ECSI'), respondents=150, bank_customers=2_000)
    >>> len(b.tables['survey']), b.simulated
    (150, True)
    """
    if not survey_csv:
        bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed, n_survey=respondents)
        blocks = spec.resolve(bank.survey.columns)
        survey = bank.survey
        for lv, scale in spec.scales().items():
            survey = validate(survey, "survey", items=blocks[lv], scale=scale)
        rows = RowAccount("survey", len(survey))
        rows.note("synthetic survey: simulate_bank(...).survey", len(survey), len(survey))
        return Base("bank", "synthetic bank survey",
                    f"crmresearch synthetic bank survey (n = {len(survey):,}, seed {seed}), {spec.name} model",
                    tables={"survey": survey}, truth=bank.truth,
                    settings={"rows": rows, "input": f"simulate_bank(n_customers={bank_customers}, seed={seed}, "
                                                      f"n_survey={respondents}).survey"})
    survey, rows = load_survey(survey_csv, spec, missing=missing)
    name = Path(survey_csv).name
    return Base("yours", name, f"{name} (n = {len(survey):,}), {spec.name} model", tables={"survey": survey},
                settings={"rows": rows, "input": name})


def group_columns(value: list[str] | str, columns: Sequence[str]) -> tuple[list[str], str]:
    """The columns the index is broken down by, and a line for the run log saying how they were chosen.

    Parameters
    ----------
    value : list of str or 'auto'
        The parameter: columns, or ``'auto'``: those of :data:`SIMULATED_GROUPS` the survey has (both for the
        synthetic survey; none for a survey without them).
    columns : sequence of str
        The survey's columns.

    Examples
    --------
    >>> from crmresearch.studies.inputs.satisfaction_acsi import group_columns
    >>> group_columns('auto', ['sat1', 'region'])
    (['region'], "group_columns 'auto': region (value_tier is not in the survey)")
    >>> group_columns('auto', ['sat1'])[0]
    []
    """
    if value != "auto":
        return list(value), f"group_columns: {', '.join(value) or 'none'}"
    found = [c for c in SIMULATED_GROUPS if c in columns]
    absent = [c for c in SIMULATED_GROUPS if c not in columns]
    if not absent:
        return found, f"group_columns 'auto': {', '.join(found)}"
    note = f"({' and '.join(absent)} {'is' if len(absent) == 1 else 'are'} not in the survey)"
    return found, f"group_columns 'auto': {', '.join(found) or 'none, no breakdown by group'} {note}"
