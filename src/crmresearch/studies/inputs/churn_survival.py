"""Inputs of the churn-survival study: Telco and the synthetic bank, or your spells, as survival frames.

The notebook analyses one customer base (Telco, or your spells) the same way whatever its source: a
survival frame (``duration`` in the study's ``unit``, months by default; ``event`` 0/1, optional
``entry``, the covariates) with the covariates of the Cox and AFT models and the groupings of the
Kaplan-Meier curves. Your spells have start and end dates (censored at ``as_of``), or a duration (in
the ``unit`` the data source file states) and an event flag. With the built-in data it also gets the
synthetic bank, whose true log-hazard ratios are known (its exhibits exist for simulated truth alone).
Every value chosen for you (the censoring date, the covariates, a unit) is a resolved setting of the
base (``base.resolved``), written to the study's settings table and manifest.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...errors import DataWarning, ParameterError
from ...schemas.contracts import TIME_UNITS
from . import Base, Resolved

__all__ = ["ChurnSurvivalInputs", "churn_survival"]

TELCO_SOURCE = "IBM Telco customer churn (R modeldata::wa_churn)"
#: Telco covariates of the Cox and AFT models, and the groupings of the Kaplan-Meier curves
TELCO_COVARIATES = ("contract", "internet_service", "payment_method", "monthly_charges", "paperless_billing",
                    "senior_citizen", "partner", "dependents", "tech_support_yes", "online_security_yes")
TELCO_GROUPS = ("contract", "internet_service", "payment_method")
#: the bank's spell covariates kept in its survival frame, and those of its Cox model (against the truth)
BANK_KEEP = ("group", "rural", "digital_user", "rural_no_digital", "distance_10km", "fee_increase",
             "unresolved_complaint", "n_products", "value_tier")
BANK_COVARIATES = ("rural", "digital_user", "rural_no_digital", "distance_10km", "fee_increase",
                   "unresolved_complaint", "n_products", "value_tier")
#: the cause whose drivers the Fine-Gray model of the competing-risks exhibit estimates, when the data have it
FINE_GRAY_CAUSE = "voluntary_closure"
#: value tiers from the lowest (the Cox model's reference level) to the highest
BANK_VALUE_TIERS = ("lead", "iron", "gold", "platinum")
#: Cox dummy names -> the simulator's names of the same true log-hazard ratios
BANK_TRUTH_NAMES = {"value_tier_iron": "tier_iron", "value_tier_gold": "tier_gold",
                    "value_tier_platinum": "tier_platinum"}


@dataclass(frozen=True)
class ChurnSurvivalInputs:
    """The resolved inputs of churn-survival.

    Attributes
    ----------
    base : Base
        Telco or your spells: ``tables['frame']`` the survival frame (in ``settings['unit']``), and for your spells
        with a ``cause`` column ``tables['competing']`` (see the bank); ``settings``
        its ``covariates``, ``groups`` and ``unit`` (and, for your data, ``shape``, ``as_of`` and
        ``observed_from``); ``texts`` the exhibit-name ``suffix`` and the duration axis label ``xlabel``;
        ``resolved`` the settings chosen for you.
    bank : Base or None
        The synthetic bank (built-in data only): ``tables['frame']`` its survival frame,
        ``settings['covariates']`` of its Cox model, ``settings['truth_names']``, ``truth``;
        ``tables['competing']`` the relationships observed from their start with the ``cause`` of each exit
        (Aalen-Johansen and Fine-Gray take no delayed entry), ``settings['fine_gray_cause']`` and
        ``settings['causes']`` (their order; None for your spells: the causes found, sorted).
    recorded : tuple of (str, DataFrame, str)
        Input tables to fingerprint in the run manifest: name, table, description.
    notes : tuple of str
        What resolving the inputs found (loader warnings, row accounts), for the notebook to print.
    """

    base: Base
    bank: Base | None
    recorded: tuple[tuple[str, pd.DataFrame, str], ...]
    notes: tuple[str, ...]

    def record(self, exhibits: Any) -> None:
        """Fingerprint every input table in the manifest of ``exhibits`` (a :class:`reporting.Exhibits`)."""
        for name, df, description in self.recorded:
            exhibits.record_input(name, df, description)


def churn_survival(data: str = "", *, bank_customers: int = 20_000, seed: int = 0,
                   covariates: Sequence[str] | str = "auto", groups: Sequence[str] | str = "auto",
                   as_of: str = "auto", observed_from: str = "", unit: str = "months") -> ChurnSurvivalInputs:
    """The customer base of churn-survival as a survival frame: Telco and the synthetic bank, or your spells.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``spells`` (customer, start and end, or duration and event;
        covariates); ``''`` = the built-in Telco customers (tenure in months, churn in the last month) and
        the synthetic bank.
    bank_customers : int, default 20000
        Customers of the synthetic bank (built-in data only).
    seed : int, default 0
        Seed of the synthetic bank.
    covariates, groups : list of str or 'auto', default 'auto'
        Your data: covariate columns of the spells, and the columns of the Kaplan-Meier curves
        (see :func:`crmresearch.survival.spell_covariates` and :func:`~crmresearch.survival.spell_groups`).
    as_of : str, default 'auto'
        Your dated spells: censoring date YYYY-MM-DD; ``'auto'`` = the data source file's ``observed_to``,
        else the latest start or end date (with a :class:`~crmresearch.errors.DataWarning`).
    observed_from : str, default ''
        Your dated spells: first day of observation YYYY-MM-DD (earlier relationships are left-truncated);
        ``''`` = the data source file's ``observed_from``, else every relationship observed from its start.
    unit : str, default 'months'
        Time unit of the frames' durations (days, weeks, months or years; a month is 30.4375 days).

    Returns
    -------
    ChurnSurvivalInputs
        The base (durations in ``unit``), the bank or None, the tables to record and notes.

    Examples
    --------
    >>> from crmresearch.studies.inputs.churn_survival import churn_survival
    >>> inp = churn_survival(bank_customers=500, seed=1)
    >>> inp.base.label, inp.base.texts["suffix"], len(inp.base.tables["frame"])
    ('Telco', '-telco', 7043)
    >>> inp.bank.simulated, "event" in inp.bank.tables["frame"]
    (True, True)
    """
    if unit not in TIME_UNITS:
        raise ValueError(f"churn_survival: unit must be one of {list(TIME_UNITS)}; got {unit!r}")
    if data:
        base, recorded, notes = _your_spells(data, covariates, groups, as_of, observed_from, unit)
        return ChurnSurvivalInputs(base, None, recorded, notes)
    base, recorded, notes = _telco(unit)
    bank, bank_recorded, bank_notes = _bank(bank_customers, seed, unit)
    return ChurnSurvivalInputs(base, bank, recorded + bank_recorded, notes + bank_notes)


def _telco(unit: str) -> tuple[Base, tuple, tuple[str, ...]]:
    from ...data import load_telco_churn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        telco = load_telco_churn()
    tenure = telco["tenure"].astype(float)  # months
    frame = telco.assign(duration=tenure if unit == "months" else tenure * (TIME_UNITS["months"] / TIME_UNITS[unit]),
                         event=telco["churn"].astype(int),
                         tech_support_yes=telco["tech_support"] == "Yes",
                         online_security_yes=telco["online_security"] == "Yes")
    resolved = [Resolved("unit", unit, "parameter", "Telco tenure is in months" + ("" if unit == "months" else
                                                                                  f", converted to {unit}")),
                Resolved("covariates", list(TELCO_COVARIATES), "built-in data", "the Telco covariates"),
                Resolved("groups", list(TELCO_GROUPS), "built-in data", "the Telco groupings")]
    base = Base("telco", "Telco", TELCO_SOURCE, tables={"frame": frame},
                texts={"suffix": "-telco", "xlabel": f"Tenure ({unit})"},
                settings={"covariates": list(TELCO_COVARIATES), "groups": list(TELCO_GROUPS), "unit": unit},
                resolved=resolved)
    notes = ("\n".join(str(w.message) for w in caught),)
    return base, (("telco_churn", telco, telco.attrs["source"]),), notes


def _your_spells(data: str, covariates: Sequence[str] | str, groups: Sequence[str] | str, as_of: str,
                 observed_from: str, unit: str) -> tuple[Base, tuple, tuple[str, ...]]:
    from ... import survival
    from ...sources import read_sources, source_file

    name = source_file(data).name  # the name: key of your file, else its file name
    source = read_sources(data, roles=["spells"])["spells"]
    # one row per customer relationship, so the spells come back as pandas
    spells = source.to_pandas()
    cov = survival.spell_covariates(spells, covariates)
    grp = survival.spell_groups(spells, cov, groups)
    resolved = [Resolved("unit", unit, "parameter", "time unit of durations, horizons and axes")]
    caused = "cause" in spells.columns  # why each relationship ended: the competing-risks exhibit
    keep = [*cov, "cause"] if caused else cov
    if source.shape == "durations":
        frame, more, detail = _from_durations(spells, source.meta, name, keep, as_of, observed_from, unit)
    else:
        frame, more, detail = _from_dates(spells, source.meta, name, keep, as_of, observed_from, unit)
    tables = {"frame": frame.drop(columns=["cause"]) if caused else frame}
    if caused:
        tables["competing"] = _competing(frame)
        ended = tables["competing"].loc[tables["competing"]["event"] == 1, "cause"]
        settings_cause = FINE_GRAY_CAUSE if (ended == FINE_GRAY_CAUSE).any() else (
            str(ended.mode().iloc[0]) if len(ended.dropna()) else FINE_GRAY_CAUSE)
    else:
        settings_cause = FINE_GRAY_CAUSE
    resolved += more
    resolved += [Resolved("covariates", cov, *(("data", "every column besides the spell columns (text: at most "
                                                 "50 values)") if covariates == "auto" else ("parameter", ""))),
                 Resolved("groups", grp, *(("data", "covariates with 2 to 8 values") if groups == "auto"
                                           else ("parameter", "")))]
    found = {r.parameter: r for r in more}
    settings = {"covariates": cov, "groups": grp, "unit": unit, "shape": source.shape,
                "as_of": found["as_of"].text if "as_of" in found else "",
                "observed_from": found["observed_from"].value or "" if "observed_from" in found else "",
                "duration_unit": found["duration_unit"].value if "duration_unit" in found else ""}
    notes = [pd.DataFrame(frame.attrs["row_account"]).to_string(),
             f"{detail}; covariates {cov}; Kaplan-Meier by {grp}"]
    if (frame["entry"] > 0).any():
        notes.append(f"observed from {settings['observed_from']}: {int((frame.entry > 0).sum()):,} relationships "
                     "left-truncated")
    base = Base("yours", name, f"{name}: your spells", tables=tables,
                texts={"suffix": "", "xlabel": f"Time since the start of the relationship ({unit})"},
                settings={**settings, "fine_gray_cause": settings_cause, "causes": None}, resolved=resolved)
    return base, (("spells", spells, f"{name}: spells"),), tuple(notes)


def _competing(frame: pd.DataFrame) -> pd.DataFrame:
    """The relationships observed from their start (entry 0) with their cause: the competing-risks estimators
    take no delayed entry, so left-truncated relationships are left out of that analysis (and only of it)."""
    keep = frame["entry"].to_numpy() == 0 if "entry" in frame.columns else slice(None)
    return frame[keep].drop(columns=[c for c in ("entry",) if c in frame.columns]).reset_index(drop=True)


def _from_dates(spells: pd.DataFrame, meta: dict, name: str, cov: list[str], as_of: str, observed_from: str,
                unit: str) -> tuple[pd.DataFrame, list[Resolved], str]:
    """Dated spells: censored at as_of, else the file's observed_to, else (with a warning) the latest date."""
    from ... import survival

    if as_of != "auto":
        censor = Resolved("as_of", as_of, "parameter", "censoring date")
    elif "observed_to" in meta:
        censor = Resolved("as_of", meta["observed_to"], "source file", f"observed_to of {name}")
    else:
        latest = survival.latest_date(spells)
        censor = Resolved("as_of", latest, "data", "latest start or end date in the table (no observed_to in "
                          f"{name})")
        warnings.warn(f"churn-survival: {name} states no observed_to, so active relationships are censored at the "
                      f"latest date in the table, {latest}; if observation ran later, every censored duration is "
                      "short by the gap: add observed_to: YYYY-MM-DD to the spells entry or set -p as_of=",
                      DataWarning, stacklevel=4)
    if observed_from:
        start = Resolved("observed_from", observed_from, "parameter", "relationships that began earlier are "
                         "left-truncated")
    elif "observed_from" in meta:
        start = Resolved("observed_from", meta["observed_from"], "source file", f"observed_from of {name}; "
                         "relationships that began earlier are left-truncated")
    else:
        start = Resolved("observed_from", None, "parameter", "every relationship observed from its start")
    frame = survival.survival_frame(spells, as_of=censor.text, unit=unit, observed_from=start.value, keep=cov)
    return frame, [censor, start], f"dated spells censored at {censor.text}"


def _from_durations(spells: pd.DataFrame, meta: dict, name: str, cov: list[str], as_of: str, observed_from: str,
                    unit: str) -> tuple[pd.DataFrame, list[Resolved], str]:
    """Durations with an event flag, in the unit the data source file states (months, with a warning, if none)."""
    from ... import survival

    for param, value in (("as_of", as_of != "auto"), ("observed_from", bool(observed_from))):
        if value:
            raise ParameterError(f"churn-survival: parameter '{param}' applies to spells with start and end dates; "
                             f"{name} gives durations and an event flag, already censored")
    if "unit" in meta:
        given = Resolved("duration_unit", meta["unit"], "source file", f"unit of {name}")
    else:
        given = Resolved("duration_unit", "months", "default", f"{name} states no unit for its durations")
        warnings.warn(f"churn-survival: {name} states no unit for its durations; they are read as months — add "
                      "unit: days, weeks, months or years to the spells entry", DataWarning, stacklevel=4)
    frame = survival.survival_frame(spells, unit=unit, duration_unit=given.value, keep=cov)
    return frame, [given], f"durations in {given.value}" + ("" if given.value == unit else f", as {unit}")


def _bank(bank_customers: int, seed: int, unit: str) -> tuple[Base, tuple, tuple[str, ...]]:
    from ... import survival
    from ...data import EXIT_CAUSES, simulate_bank

    bank = simulate_bank(n_customers=bank_customers, seed=seed)
    c = bank.contracts
    spells = c.assign(
        group=c["region"].astype(str) + " / " + c["digital_user"].map({True: "digital", False: "not digital"}),
        rural=(c["region"] == "rural"),
        rural_no_digital=(c["region"] == "rural") & ~c["digital_user"],
        distance_10km=c["distance_km"] / 10,
        value_tier=c["value_tier"].cat.reorder_categories(list(BANK_VALUE_TIERS)))
    frame = survival.survival_frame(spells, as_of=bank.truth["end"], unit=unit, observed_from=bank.truth["start"],
                                    keep=list(BANK_KEEP))
    cause = bank.with_causes().set_index("customer_id")["cause"]
    competing = _competing(frame.assign(cause=frame["customer_id"].map(cause).to_numpy()))
    resolved = [Resolved("unit", unit, "parameter", "time unit of durations, horizons and axes"),
                Resolved("as_of", pd.Timestamp(bank.truth["end"]), "built-in data", "end of the simulated window"),
                Resolved("observed_from", pd.Timestamp(bank.truth["start"]), "built-in data",
                         "start of the simulated window; earlier relationships are left-truncated")]
    base = Base("bank", "Bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                tables={"frame": frame, "competing": competing}, truth=bank.truth,
                texts={"xlabel": f"Relationship age ({unit})"}, resolved=resolved,
                settings={"covariates": list(BANK_COVARIATES), "group": "group", "truth_names": BANK_TRUTH_NAMES,
                          "unit": unit, "fine_gray_cause": FINE_GRAY_CAUSE, "causes": list(EXIT_CAUSES)})
    recorded = (("bank_contracts", c, f"simulate_bank(n_customers={bank_customers}, seed={seed})"),)
    return base, recorded, (str(frame.attrs["row_account"]),)
