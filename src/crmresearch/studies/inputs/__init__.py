"""Study inputs: the built-in data or your data, resolved into the same tables before any analysis.

A study's notebook has one path through it whatever the data source: it asks its input adapter
(one module here per study, ``inputs.<study>``) for the customer bases to analyse, each a
:class:`Base` with its tables, the words its exhibits use for it and, for simulated data only, the
truth. The notebook loops over the bases; it keeps a branch only for an exhibit that exists for
simulated truth alone (``if base.truth is not None``).

Every value a study chose for you (a censoring date from the data, a calibration end halfway through
your purchases, a unit a data source file states) is a :class:`Resolved` setting of its base;
:func:`record_settings` writes them as the study's ``table-settings`` exhibit and into the run
manifest (``resolved``, next to ``parameters``), so a run says what it used, not only ``'auto'``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["SETTING_SOURCES", "Base", "Resolved", "has_amounts", "record_settings", "settings_table",
           "without_amounts"]

#: Where a resolved setting's value came from.
SETTING_SOURCES = {
    "parameter": "the study parameter as set (its default or your -p value)",
    "data": "found in the data (the parameter was 'auto' or empty)",
    "source file": "a key of the data source file",
    "built-in data": "fixed by the built-in data set",
    "default": "assumed: no parameter or key of the data source file said otherwise",
}


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


@dataclass(frozen=True)
class Resolved:
    """One setting a study used: the value, where it came from and how it was found.

    Parameters
    ----------
    parameter : str
        The study parameter it settles (or the name of a setting without one, e.g. ``'observation_end'``).
    value : object
        The value used (a date, a number, a list of names); shown as text.
    source : str
        One of :data:`SETTING_SOURCES`: ``'parameter'``, ``'data'``, ``'source file'``, ``'built-in data'``,
        ``'default'``.
    detail : str, default ''
        How it was found, in words (``'latest start or end date'``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.studies.inputs import Resolved
    >>> Resolved('as_of', pd.Timestamp('2025-12-31'), 'data', 'latest start or end date').text
    '2025-12-31'
    """

    parameter: str
    value: Any
    source: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.source not in SETTING_SOURCES:
            raise ValueError(f"Resolved {self.parameter!r}: source must be one of {list(SETTING_SOURCES)}; "
                             f"got {self.source!r}")

    @property
    def text(self) -> str:
        """The value as the table and the manifest show it (dates as YYYY-MM-DD, lists comma-separated)."""
        return _text(self.value)


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


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
        Values the analysis reads (a calibration end, an as-of date, the covariates).
    resolved : list of Resolved, optional
        The settings the study chose and where each came from (see :func:`record_settings`).

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
    resolved: list[Resolved] = field(default_factory=list)

    @property
    def simulated(self) -> bool:
        """Whether the base comes from a simulator with known truth."""
        return self.truth is not None


def settings_table(bases: Iterable[Base | None]) -> pd.DataFrame:
    """The resolved settings of ``bases`` (None entries skipped), one row each.

    Parameters
    ----------
    bases : iterable of Base or None
        The bases of a run (a missing bank as None).

    Returns
    -------
    DataFrame
        ``dataset`` (the base's label), ``parameter``, ``value`` (text), ``source`` (see
        :data:`SETTING_SOURCES`), ``detail``.

    Examples
    --------
    >>> from crmresearch.studies.inputs import Base, Resolved, settings_table
    >>> b = Base('yours', 'spells.yaml', 'spells.yaml: your spells',
    ...          resolved=[Resolved('unit', 'days', 'source file', 'unit: days')])
    >>> settings_table([b, None]).values.tolist()
    [['spells.yaml', 'unit', 'days', 'source file', 'unit: days']]
    """
    rows = [{"dataset": b.label, "parameter": r.parameter, "value": r.text, "source": r.source, "detail": r.detail}
            for b in bases if b is not None for r in b.resolved]
    return pd.DataFrame(rows, columns=["dataset", "parameter", "value", "source", "detail"])


def record_settings(exhibits: Any, bases: Iterable[Base | None], name: str = "table-settings") -> pd.DataFrame:
    """Write the resolved settings of ``bases`` as the exhibit ``name`` and into the run manifest.

    The table is :func:`settings_table`; the manifest gets ``resolved``: base name -> parameter ->
    ``{value, source, detail}`` (:meth:`crmresearch.reporting.Exhibits.record_resolved`).

    Parameters
    ----------
    exhibits : reporting.Exhibits
        The run's exhibits.
    bases : iterable of Base or None
        The bases of the run.
    name : str, default 'table-settings'
        Exhibit name.

    Returns
    -------
    DataFrame
        The table written.

    Examples
    --------
    >>> import tempfile
    >>> from crmresearch import reporting
    >>> from crmresearch.studies.inputs import Base, Resolved, record_settings
    >>> ex = reporting.Exhibits(tempfile.mkdtemp(), study='example')
    >>> b = Base('yours', 'tx.yaml', 'tx.yaml', resolved=[Resolved('calibration_end', '2014-07-02', 'data')])
    >>> _ = record_settings(ex, [b])
    >>> reporting.read_resolved(ex.output_dir)['yours']['calibration_end']['value']
    '2014-07-02'
    """
    bases = [b for b in bases if b is not None]
    exhibits.record_resolved({b.name: {r.parameter: {"value": r.text, "source": r.source, "detail": r.detail}
                                       for r in b.resolved} for b in bases})
    table = settings_table(bases)
    exhibits.table(table, name)
    return table
