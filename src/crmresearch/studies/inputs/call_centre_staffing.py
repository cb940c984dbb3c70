"""Inputs of the call-centre-staffing study: the fpp3 bank calls and the synthetic bank's tickets, or yours."""

from __future__ import annotations

from ... import data as datasets
from ... import schemas, sources
from . import Base
from .call_forecasting import call_forecasting

__all__ = ["TICKET_DATES", "call_centre_base"]

#: Date columns of a tickets table; the latest of them is the as-of date of your tickets.
TICKET_DATES = ("created", "responded", "on_site", "resolved")


def call_centre_base(data: str = "", bank_customers: int = 20_000, seed: int = 0,
                     interval_minutes: float = 5.0) -> Base:
    """The calls per interval and the service tickets the study analyses, built-in or from a data source file.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``calls`` (per interval, or a call log counted per
        ``interval_minutes`` where it lives) and optionally ``tickets``; '' = fpp3::bank_calls and the
        synthetic bank's tickets.
    bank_customers : int, default 20000
        Customers of the synthetic bank (its tickets and contacts; built-in data only).
    seed : int, default 0
        Seed of the synthetic bank.
    interval_minutes : float, default 5.0
        Length of one interval of your calls table, minutes.

    Returns
    -------
    Base
        ``tables``: ``calls`` (datetime, calls per interval), ``tickets`` when there are any, and for the
        synthetic bank ``contacts`` (its calls, for the contact KPIs); ``source`` is the tickets' source line
        and ``texts['calls_source']`` the calls'; ``settings``: ``as_of`` (date the tickets describe; None
        without tickets) and ``inputs`` (name, role, description of each input to record); ``truth``: the
        simulator's truth (None for your data).

    Examples
    --------
    >>> from crmresearch.studies.inputs.call_centre_staffing import call_centre_base
    >>> b = call_centre_base(bank_customers=500, seed=1)
    >>> sorted(b.tables), b.settings["as_of"], b.simulated
    (['calls', 'contacts', 'tickets'], '2026-01-01', True)
    """
    calls = call_forecasting(data, interval_minutes)  # the same calls call-forecasting reads
    if not data:
        bank = datasets.simulate_bank(n_customers=bank_customers, seed=seed)
        return Base("bank", "bank", f"crmresearch synthetic bank (n = {bank_customers:,}, seed {seed})",
                    tables={"calls": calls.tables["calls"], "tickets": bank.tickets, "contacts": bank.calls},
                    truth=bank.truth, texts={"calls_source": calls.source},
                    settings={"as_of": bank.truth["end"],
                              "inputs": [*calls.settings["inputs"],
                                         ("bank_tickets", "tickets",
                                          f"simulate_bank(n_customers={bank_customers}, seed={seed})")]})
    name = sources.source_file(data).name  # the name: key of your file, else its file name
    tables = {"calls": calls.tables["calls"]}
    inputs = list(calls.settings["inputs"])
    as_of = None
    yours = sources.read_sources(data, roles=["calls"])
    if "tickets" in yours:  # one row per ticket: it comes back as pandas
        tables["tickets"] = yours["tickets"].to_pandas()
        inputs.append(("tickets", "tickets", f"{name}: tickets"))
        as_of = str(schemas.latest_date(tables["tickets"], list(TICKET_DATES)))
    return Base("yours", name, f"{name}: your tickets", tables=tables, texts={"calls_source": calls.source},
                settings={"as_of": as_of, "inputs": inputs})
