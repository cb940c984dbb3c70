"""Study inputs: the built-in data or your data, resolved into the same tables before any analysis.

A study's notebook has one path through it whatever the data source: it asks its input adapter
(one module here per study, ``inputs.<study>``) for the customer bases to analyse, each a
:class:`Base` with its tables, the words its exhibits use for it and, for simulated data only, the
truth. The notebook loops over the bases; it keeps a branch only for an exhibit that exists for
simulated truth alone (``if base.truth is not None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Base", "has_amounts", "without_amounts"]


def has_amounts(source: Any) -> bool:
    """Whether a transactions table (a :class:`crmresearch.sources.Source` or a pandas DataFrame) has the
    optional ``amount`` column of its contract: without it only what needs no money can run.

    Parameters
    ----------
    source : Source or DataFrame
        Transactions with crmresearch's column names.

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.studies.inputs import has_amounts
    >>> has_amounts(pd.DataFrame({'customer_id': [1], 'date': pd.to_datetime(['2024-01-01'])}))
    False
    """
    import pandas as pd

    return "amount" in (source.columns if isinstance(source, pd.DataFrame) else source.schema())


def without_amounts(name: str, exhibits: tuple[str, ...], what: str) -> dict[str, str]:
    """The reason every one of ``exhibits`` is left out of a run on a log without amounts.

    Parameters
    ----------
    name : str
        How the data are named (the data source file).
    exhibits : tuple of str
        The exhibits that need amounts.
    what : str
        What in them is money, a few words (``'spend per purchase and lifetime value'``).

    Returns
    -------
    dict of str to str
        Exhibit -> reason, for :meth:`crmresearch.reporting.Exhibits.omit`.

    Examples
    --------
    >>> from crmresearch.studies.inputs import without_amounts
    >>> without_amounts('sales.yaml', ('table-x',), 'revenue')
    {'table-x': 'needs amounts (revenue); the transactions of sales.yaml have no amount column'}
    """
    return {e: f"needs amounts ({what}); the transactions of {name} have no amount column" for e in exhibits}


@dataclass
class Base:
    """One customer base a study analyses, resolved from the built-in data or a data source file.

    Parameters
    ----------
    name : str
        Key of the base in tables and in the manifest (``'cdnow_master'``, ``'bank'``, ``'yours'``).
    label : str
        How exhibits name it in titles and table rows (``'CDNOW'``, ``'bank'``, the file's name).
    source : str
        The source line of its figures.
    tables : dict of str to object, optional
        Role -> pandas DataFrame (or :class:`crmresearch.sources.Source` for table-level work).
    truth : dict or None, optional
        The simulator's truth; None for real data (exhibits of the truth are left out).
    texts : dict of str to str, optional
        Wording that differs between bases (axis labels, units, currency).
    settings : dict of str to object, optional
        Values resolved from the data (a calibration end, an as-of date), recorded in the manifest.

    Examples
    --------
    >>> from crmresearch.studies.inputs import Base
    >>> b = Base("yours", "sales.yaml", "sales.yaml: transactions", texts={"currency": ""})
    >>> b.simulated, b.texts["currency"]
    (False, '')
    """

    name: str
    label: str
    source: str
    tables: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Any] | None = None
    texts: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        """Whether the base comes from a simulator with known truth."""
        return self.truth is not None
