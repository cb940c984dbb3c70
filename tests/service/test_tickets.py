"""SLA attainment of service tickets: open tickets counted correctly, bad orders refused."""

from __future__ import annotations

import pandas as pd
import pytest

from crmresearch import service
from crmresearch.errors import ValidationError


def test_sla_attainment_counts_open_tickets_correctly():
    t0 = pd.Timestamp("2024-01-01 00:00")
    h = pd.Timedelta(hours=1)
    as_of = t0 + 60 * h
    tickets = pd.DataFrame({
        "ticket_id": [1, 2, 3, 4, 5],
        "created": [t0, t0, t0, as_of - 30 * h, as_of - 3 * h],  # 4: open for 30 h, 5: open for 3 h
        "responded": [t0 + 1 * h, t0 + 2 * h, t0 + 3 * h, pd.NaT, pd.NaT],  # met, met (exactly 2 h), missed
        "resolved": [t0 + 47 * h, t0 + 49 * h, pd.NaT, pd.NaT, pd.NaT],  # met, missed, open 60 h: missed
        "type": ["request"] * 5, "region": ["urban", "urban", "rural", "rural", "urban"],
    })
    out = service.sla_attainment(tickets, {"respond": "2h", "resolve": "48h"}, as_of=as_of).set_index("target")
    assert out.loc["respond", ["met", "missed", "pending"]].tolist() == [2, 3, 0]
    assert out.loc["resolve", ["met", "missed", "pending"]].tolist() == [1, 2, 2]  # 4 and 5 not yet due
    assert out.loc["respond", "attainment"] == pytest.approx(0.4)
    assert out.loc["resolve", "attainment"] == pytest.approx(1 / 3)
    day = service.sla_attainment(tickets, {"resolve": "24h"}, as_of=as_of).iloc[0]
    assert (day["met"], day["missed"], day["pending"]) == (0, 4, 1)  # open 30 h has missed 24 h; 3 h has not
    by = service.sla_attainment(tickets, {"respond": "2h"}, as_of=as_of, by="region").set_index("region")
    assert by.loc["urban", "met"] == 2 and by.loc["rural", "missed"] == 2


def test_sla_attainment_rejects_resolved_before_created():
    t0 = pd.Timestamp("2024-01-01")
    bad = pd.DataFrame({"ticket_id": [1], "created": [t0], "responded": [t0], "resolved": [t0 - pd.Timedelta(hours=1)]})
    with pytest.raises(ValidationError, match=r"column 'resolved': 1 of 1 rows are before 'created'"):
        service.sla_attainment(bad, {"resolve": "48h"})
