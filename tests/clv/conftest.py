from __future__ import annotations

import pytest

from crmresearch import clv, data


@pytest.fixture(scope="session")
def cdnow_summary():
    """FHL (2005) calibration (weeks 1-39) and holdout (weeks 40-78) table of the CDNOW sample."""
    tx = data.load_cdnow_transactions(sample=True)
    return clv.summary_from_transactions(tx, "1997-09-30", "1998-06-30", freq="W")
