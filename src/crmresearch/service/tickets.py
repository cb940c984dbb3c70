"""Service tickets: SLA attainment with open tickets censored, the milestone targets, contact KPIs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .erlang import _finite  # sib

__all__ = ["contact_kpis", "sla_attainment", "sla_targets"]


# ----------------------------------------------------------------------------------- SLA, KPIs
def _hours(spec: str | float) -> float:
    if isinstance(spec, int | float):
        return float(spec)
    s = str(spec).strip().lower()
    if s.endswith("h"):
        return float(s[:-1])
    if s.endswith("d"):
        return 24 * float(s[:-1])
    if s.endswith("min"):
        return float(s[:-3]) / 60
    raise ValidationError(f"sla_attainment: target {spec!r} must look like '2h', '24h', '2d' or '30min'")


def sla_attainment(tickets: pd.DataFrame, targets: Mapping[str, str | float] | None = None,
                   as_of: str | pd.Timestamp | None = None, by: Sequence[str] | str | None = None,
                   created: str = "created") -> pd.DataFrame:
    """Share of tickets meeting each target (e.g. respond within 2 h, on site within 24 h, resolve
    within 48 h), counting open tickets correctly.

    A ticket whose milestone happened within the target has *met* it; one whose milestone happened
    later, or is still missing while more than the target has elapsed by ``as_of``, has *missed* it;
    one still open and younger than the target is *pending* and left out of the attainment share
    (reported separately). Milestone columns are the target names (``responded``, ``on_site``,
    ``resolved``). Tickets without an on-site step simply have no ``on_site`` milestone and are not
    counted for that target (``not_applicable_column`` names a boolean column if needed).

    Returns
    -------
    DataFrame: group columns, ``target``, ``hours``, ``met``, ``missed``, ``pending``, ``attainment``
    (met / (met + missed)).

    Parameters
    ----------
    tickets : DataFrame
        One row per ticket with ``created`` and milestone timestamps.
    targets : mapping of str to str or float or None, optional
        Milestone -> hours (a number or ``'24h'``); None: :func:`sla_targets`.
    as_of : str or Timestamp or None, optional
        Time the data were taken; None: the latest timestamp in the table.
    by : sequence of str or str or None, optional
        Grouping column(s); None: all tickets.
    created : str, default 'created'
        Creation timestamp column.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> t = pd.DataFrame({'ticket_id': [1, 2], 'created': pd.to_datetime(['2024-01-01 09:00', '2024-01-01 10:00']),
    ...                   'responded': pd.to_datetime(['2024-01-01 10:00', '2024-01-01 13:00']), 'resolved': pd.NaT})
    >>> service.sla_attainment(t, {'respond': '2h'}, as_of='2024-01-02')[['met', 'missed']].values.tolist()
    [[1, 1]]
    """
    from .. import schemas

    targets = dict(targets or {"respond": "2h", "on_site": "24h", "resolve": "48h"})
    column = {"respond": "responded", "on_site": "on_site", "resolve": "resolved"}
    t = schemas.validate(tickets, "tickets", created=created, caller="sla_attainment",
                         as_of=as_of if as_of is not None else None)
    now = pd.Timestamp(as_of) if as_of is not None else t[created].max()
    by = [by] if isinstance(by, str) else list(by or [])
    rows = []
    for name, spec in targets.items():
        col = column.get(name, name)
        if col not in t.columns:
            raise ValidationError(f"sla_attainment: no milestone column '{col}' for target '{name}'")
        h = _hours(spec)
        limit = t[created] + pd.Timedelta(hours=h)
        done = t[col].notna()
        applicable = done | (t["type"] == "fault") if col == "on_site" and "type" in t.columns else \
            pd.Series(True, index=t.index)
        met = done & (t[col] <= limit)
        missed = (done & (t[col] > limit)) | (~done & (now > limit))
        pending = ~done & (now <= limit)
        frame = pd.DataFrame({"met": met & applicable, "missed": missed & applicable, "pending": pending & applicable})
        for c in by:
            frame[c] = t[c].astype(str).to_numpy()
        g = frame.groupby(by, observed=True) if by else frame.groupby(lambda _: "all")
        agg = g[["met", "missed", "pending"]].sum().reset_index()
        if not by:
            agg = agg.drop(columns=agg.columns[0])
        agg.insert(len(by), "target", name)
        agg.insert(len(by) + 1, "hours", h)
        agg["attainment"] = agg["met"] / (agg["met"] + agg["missed"]).replace(0, np.nan)
        rows.append(agg)
    return pd.concat(rows, ignore_index=True)


def contact_kpis(calls: pd.DataFrame, tickets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Contact-centre KPIs from interval data (``calls``, ``ivr_contained``, ``agent_calls``,
    ``aht_seconds``) and optional tickets (``first_contact_resolution``, ``customer_id``, ``created``):
    offered calls, IVR containment, average handle time, first-contact resolution, repeat-contact rate
    (share of tickets followed by another from the same customer within 7 days).

    Parameters
    ----------
    calls : DataFrame
        Interval data (see above).
    tickets : DataFrame or None, optional
        Tickets; None: no ticket KPIs.

    Returns
    -------
    DataFrame
        One row per KPI: ``kpi`` (with its unit) and ``value``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import data, service
    >>> bank = data.simulate_bank(n_customers=500, seed=0)
    >>> service.contact_kpis(bank.calls).columns.tolist()
    ['kpi', 'value']
    """
    missing = [c for c in ("calls", "ivr_contained", "agent_calls", "aht_seconds") if c not in calls.columns]
    if tickets is not None:
        missing += [f"tickets.{c}" for c in ("first_contact_resolution", "customer_id", "created")
                    if c not in tickets.columns]
    if missing:
        raise ValidationError(f"contact_kpis: missing column(s) {missing}")
    if calls.empty or calls["calls"].sum() <= 0:
        raise ValidationError("contact_kpis: the calls table has no calls (0 rows or a total of 0)")
    rows = [("calls offered", float(calls["calls"].sum())),
            ("IVR containment (share)", float(calls["ivr_contained"].sum() / calls["calls"].sum())),
            ("average handle time (s)", float(np.average(calls["aht_seconds"].fillna(0),
                                                          weights=calls["agent_calls"])))]
    if tickets is not None:
        rows.append(("first-contact resolution (share)", float(tickets["first_contact_resolution"].mean())))
        t = tickets.sort_values(["customer_id", "created"])
        nxt = t.groupby("customer_id")["created"].shift(-1)
        rows.append(("repeat contact within 7 days (share)",
                     float(((nxt - t["created"]) <= pd.Timedelta(days=7)).mean())))
    return pd.DataFrame(rows, columns=["kpi", "value"])


_MILESTONES = {"respond": "responded", "on_site": "on_site", "resolve": "resolved"}


def sla_targets(tickets: pd.DataFrame, respond_hours: float | None = 2.0, on_site_hours: float | None = 24.0,
                resolve_hours: float | None = 48.0) -> dict[str, str]:
    """SLA targets for :func:`sla_attainment` (hours) whose milestone column the tickets table has
    (``responded``, ``on_site``, ``resolved``); a target given as None is left out.

    Parameters
    ----------
    tickets : DataFrame
        The tickets table.
    respond_hours : float or None, default 2.0
        Hours to respond; None: no target.
    on_site_hours : float or None, default 24.0
        Hours to be on site; None: no target.
    resolve_hours : float or None, default 48.0
        Hours to resolve; None: no target.

    Returns
    -------
    dict of str to str
        Milestone -> hours, as text.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch import service
    >>> tickets = pd.DataFrame(columns=['created', 'responded', 'resolved'])
    >>> service.sla_targets(tickets)   # no on_site column: that target is left out
    {'respond': '2h', 'resolve': '48h'}
    """
    hours = {"respond": respond_hours, "on_site": on_site_hours, "resolve": resolve_hours}
    out = {name: f"{_finite(h, f'{name}_hours', 'sla_targets', 0, strict=True):g}h" for name, h in hours.items()
           if h is not None and _MILESTONES[name] in tickets.columns}
    if not out:
        raise ValidationError(f"sla_targets: the tickets table has none of the milestone columns "
                              f"{list(_MILESTONES.values())}")
    return out
