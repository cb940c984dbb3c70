"""Inputs of the service-recovery study: the simulator's customers, cases and managers, or yours on a day clock."""

from __future__ import annotations

from typing import Any

from ... import data as datasets
from ... import sources
from ...errors import ValidationError
from ...survival import recovery
from . import Base

__all__ = ["SIMULATED_FIXED", "recovery_base"]

#: Fixed covariates of the simulator's customers (the churn model's covariates besides the changing ones).
SIMULATED_FIXED = ("rural",)


def recovery_base(data: str = "", as_of: str = "", covariates: list[str] | str = "auto",
                  causes: list[str] | str = "auto", *,
                  n_customers: int = 20_000, n_managers: int = 200, seed: int = 0, **simulator: Any) -> Base:
    """Customers, complaint cases and managers on one day clock, from the simulator or a data source file.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``spells`` and ``cases`` (and optionally ``managers``);
        '' = :func:`crmresearch.data.simulate_service_cases`.
    as_of : str, default ''
        Your data: the date the tables describe (YYYY-MM-DD); '' = their latest date.
    covariates : list of str or 'auto', default 'auto'
        Your data: fixed covariates of the churn model from the spells table (see
        :func:`crmresearch.survival.recovery.fixed_covariates`); the simulator's are :data:`SIMULATED_FIXED`.
    causes : list of str or 'auto', default 'auto'
        Your data: the exit causes of the spells' ``cause`` column in reporting order (others are an error, and
        each needs an exit); 'auto': those that occur. The simulator's are :data:`crmresearch.data.EXIT_CAUSES`.
    n_customers, n_managers, seed : int
        Size and seed of the simulator (built-in data only).
    **simulator
        Further arguments of :func:`crmresearch.data.simulate_service_cases` (``months``, ``slow_days``,
        ``effect_*``...).

    Returns
    -------
    Base
        ``tables``: ``cases`` (opened_day, resolved_day, owner_kept...), ``customers``, ``managers`` (None if
        there are none) and ``subjects`` (customer_id, duration, event, covariates and, with causes, ``cause``),
        days since each
        customer's start; for your data also the tables as read (``spells``, ``case_records``,
        ``manager_records``). ``settings``: ``end_day`` (the censoring day, or the column of it per case),
        ``fixed`` (fixed covariates), ``row_accounts`` (exhibit name -> rows in and out of follow-up while
        your tables were put on the clock; none for the simulator) and ``inputs`` (name, role, description
        of each input to record). ``truth``: the simulator's truth (None for your data).

    Examples
    --------
    >>> from crmresearch.studies.inputs.service_recovery import recovery_base
    >>> b = recovery_base(n_customers=500, n_managers=20, seed=1)
    >>> b.settings["fixed"], list(b.settings["row_accounts"]), b.simulated
    (['rural'], [], True)
    """
    if not data:
        sim = datasets.simulate_service_cases(n_customers=n_customers, n_managers=n_managers, seed=seed, **simulator)
        text = f"simulate_service_cases(n_customers={n_customers}, seed={seed})"
        subjects = sim.with_causes().rename(columns={"duration_days": "duration", "churned": "event"})
        return Base("simulator", "simulator",
                    f"crmresearch service-recovery simulator (n = {n_customers:,}, {n_managers} managers, seed {seed})",
                    tables={"cases": sim.cases, "customers": sim.customers, "managers": sim.managers,
                            "subjects": subjects},
                    truth=sim.truth,
                    settings={"end_day": sim.truth["end_day"], "fixed": list(SIMULATED_FIXED), "row_accounts": {},
                              "causes": list(datasets.EXIT_CAUSES),
                              "inputs": [(f"sim_{name}", name, text) for name in ("customers", "cases", "managers")]})
    # your spells, complaint cases (and managers), on each customer's clock: days since the start
    name = sources.source_file(data).name  # the name: key of your file, else its file name
    yours = sources.read_sources(data, roles=["spells", "cases"])
    spells, raw_cases = yours["spells"].to_pandas(), yours["cases"].to_pandas()
    raw_managers = yours["managers"].to_pandas() if "managers" in yours else None
    clock = recovery.day_clock(spells, raw_cases, as_of or None, raw_managers)
    named = None if isinstance(causes, str) and causes.strip().lower() == "auto" else causes
    if named is not None and "cause" not in spells.columns:
        raise ValidationError(f"service-recovery: parameter 'causes' names exit causes {list(named)}, but the spells "
                              "table has no cause column; map one (columns: {cause: ...}) or leave causes at auto")
    found = recovery.exit_causes(clock.subjects, named) if "cause" in spells.columns else None
    read = {"spells": spells, "case_records": raw_cases, "manager_records": raw_managers}
    return Base("yours", name, f"{name}: your spells and complaint cases to {clock.as_of:%Y-%m-%d}",
                tables={"cases": clock.cases, "customers": clock.customers, "managers": clock.managers,
                        "subjects": clock.subjects, **read},
                settings={"end_day": "censor_day", "causes": found,
                          "fixed": recovery.fixed_covariates(spells, covariates),
                          "row_accounts": {"table-case-rows": clock.account}, "as_of": clock.as_of,
                          "inputs": [(table, role, f"{name}: {table}") for table, role in
                                     (("spells", "spells"), ("cases", "case_records"), ("managers", "manager_records"))
                                     if read[role] is not None]})
