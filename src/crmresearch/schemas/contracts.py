"""Input contracts: for each kind of table (transactions, spells, tickets ...) its columns by
role, their kinds and ranges, and the default column name of each role.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONTRACTS", "Column", "Contract"]


@dataclass(frozen=True)
class Column:
    """One column of a contract, addressed by its ``role``.

    ``kind``: ``id`` (any hashable, not missing), ``datetime``, ``number`` (float),
    ``integer``, ``bool``, ``event`` (0/1 or bool), ``category`` (any labels).

    Parameters
    ----------
    role : str
        Name of the column in crmresearch (``customer_id``, ``date``...); a user maps theirs to it.
    kind : str
        ``'id'``, ``'datetime'``, ``'number'``, ``'integer'``, ``'bool'``, ``'event'`` or ``'category'``.
    required : bool, default True
        The column must be present.
    nullable : bool, default False
        Missing values are allowed.
    low : float or None, optional
        Smallest allowed value; None: no bound.
    high : float or None, optional
        Largest allowed value; None: no bound.
    unique : bool, default False
        Values must not repeat.
    unit : str, default ''
        Unit, shown in messages and docs.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.Column('amount', 'number', low=0).kind
    'number'
    """

    role: str
    kind: str
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    unique: bool = False
    unit: str = ""


@dataclass(frozen=True)
class Contract:
    """The columns of one input kind and its cross-column rules ``(earlier, later)``.

    Parameters
    ----------
    kind : str
        Input kind (``transactions``, ``customers``, ``spells``...).
    columns : tuple of Column
        Its columns.
    ordered : tuple of tuple (str, str), default ()
        Pairs of datetime roles that must be in order (earlier, later) on every row.
    description : str, default ''
        What one row is.

    Examples
    --------
    >>> from crmresearch import schemas
    >>> c = schemas.Contract('payments', (schemas.Column('customer', 'id'), schemas.Column('amount', 'number', low=0)))
    >>> [col.role for col in c.columns]
    ['customer', 'amount']
    """

    kind: str
    columns: tuple[Column, ...]
    ordered: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def roles(self) -> list[str]:
        return [c.role for c in self.columns]


CONTRACTS: dict[str, Contract] = {
    "transactions": Contract(
        "transactions",
        (Column("customer", "id"), Column("date", "datetime"),
         Column("amount", "number", low=0.0, unit="currency")),
        description="one row per purchase or account transaction",
    ),
    "amounts": Contract(
        "amounts",
        (Column("customer", "id"), Column("amount", "number", low=0.0, unit="currency")),
        description="one row per transaction, dates not needed (customer totals)",
    ),
    "customers": Contract(
        "customers",
        (Column("customer", "id", unique=True),),
        description="one row per customer; other columns are free",
    ),
    "spells": Contract(
        "spells",
        (Column("customer", "id"), Column("start", "datetime"),
         Column("end", "datetime", nullable=True)),
        ordered=(("start", "end"),),
        description="relationship spells; end missing while the customer is active",
    ),
    "survey": Contract(
        "survey",
        (Column("respondent", "id", required=False, unique=True),),
        description="one row per respondent; item columns on a Likert scale",
    ),
    "tickets": Contract(
        "tickets",
        (Column("ticket", "id", unique=True), Column("created", "datetime"),
         Column("responded", "datetime", required=False, nullable=True),
         Column("on_site", "datetime", required=False, nullable=True),
         Column("resolved", "datetime", nullable=True)),
        ordered=(("created", "responded"), ("created", "on_site"), ("created", "resolved"),
                 ("responded", "resolved")),
        description="service requests; missing timestamps mean 'not yet' (censored)",
    ),
    "calls": Contract(
        "calls",
        (Column("interval", "datetime", unique=True), Column("calls", "integer", low=0)),
        description="call arrivals per interval",
    ),
}


#: Default column name of each role (override by keyword: ``customer="cust_id"``).
DEFAULT_NAMES: dict[str, str] = {
    "customer": "customer_id", "date": "date", "amount": "amount", "start": "start",
    "end": "end", "respondent": "respondent_id", "ticket": "ticket_id", "created": "created",
    "responded": "responded", "on_site": "on_site", "resolved": "resolved",
    "interval": "interval_start", "calls": "calls",
}
