"""The one table of input contracts: for every role a table can play (transactions, spells,
campaign, accounts ...) its columns by role, with kind, required/optional, nullable, range, unique,
unit and default column name, and what happens to the columns it does not name.

Every check of an input table reads this table and nothing else:

- :func:`crmresearch.schemas.validate` checks a pandas table against it (dates parsed);
- :class:`crmresearch.sources.Source` maps a data source file's ``columns:`` by it (the roles a
  mapping may name, the columns a role must provide, their default names);
- :mod:`crmresearch.sources.aggregate` checks the kinds and ranges where the table lives (DuckDB,
  Spark ...), before table-level work;
- :meth:`crmresearch.studies.Study.preflight` checks every table of ``-p data=`` before a kernel starts.

``ROLES`` (:mod:`crmresearch.sources`) and ``DEFAULT_NAMES`` are views of it, kept for code that reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import MissingColumnError

__all__ = ["CONTRACTS", "DEFAULT_NAMES", "KINDS", "TIME_UNITS", "Column", "Contract", "contract_table",
           "role_contracts"]

#: Column kinds, and what each accepts.
KINDS: dict[str, str] = {
    "id": "any hashable label, not missing unless nullable",
    "datetime": "a date or timestamp (text dates are parsed by validate; an engine needs a date type)",
    "number": "a finite number (float)",
    "integer": "a finite whole number",
    "bool": "0/1 or true/false",
    "event": "0/1 or true/false: 1 = the event happened",
    "category": "any labels",
}

#: Time units of durations, in days (a month is 30.4375 days, a year 365.25): the ``unit`` a data source file
#: gives its duration columns, and the units survival frames are measured in.
TIME_UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}


@dataclass(frozen=True)
class Column:
    """One column of a contract, addressed by its ``role``.

    ``kind``: ``id`` (any hashable, not missing), ``datetime``, ``number`` (float),
    ``integer``, ``bool`` (0/1 or true/false), ``event`` (0/1 or bool), ``category`` (any labels).

    Parameters
    ----------
    role : str
        Name of the column in crmresearch (``customer``, ``date``...); a user maps theirs to it.
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
    name : str, default ''
        Default column name (what the table calls it unless mapped); '' = the role itself.
    varies : bool, default False
        The column must hold at least two distinct values (both arms, both outcomes).
    positive_when : str, default ''
        Role of a bool/event column of the same contract: on its true rows this value must be > 0.
    hint : str, default ''
        What the values mean or how to treat bad ones, added to messages about this column (see :meth:`advice`).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> col = schemas.Column('amount', 'number', low=0)
    >>> col.kind, col.default_name
    ('number', 'amount')
    """

    role: str
    kind: str
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    unique: bool = False
    unit: str = ""
    name: str = ""
    varies: bool = False
    positive_when: str = ""
    hint: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.role!r}: unknown kind {self.kind!r}; kinds: {', '.join(KINDS)}")

    @property
    def default_name(self) -> str:
        """The column's name unless a mapping renames it."""
        return self.name or self.role

    def advice(self, rule: str) -> str:
        """The remedy closing a message about this column breaking ``rule`` (``'binary'``: a value other
        than 0/1; ``'range'``: a bound or ``positive_when``; ``'varies'``: one value only). Shared by
        :func:`validate` and the engine checks so both say the same.

        Parameters
        ----------
        rule : str
            ``'binary'``, ``'range'`` or ``'varies'``.

        Returns
        -------
        str
            The remedy, one clause.

        Examples
        --------
        >>> from crmresearch import schemas
        >>> schemas.CONTRACTS['campaign'].column('outcome').advice('binary')
        'code it as 1 or 0 (1 = the event the campaign tries to prevent, e.g. churn)'
        """
        if rule == "binary":
            return f"code it as 1 or 0 ({self.hint})" if self.hint else "code it as 1/True or 0/False"
        if rule == "varies":
            return "it needs both values" + (f" ({self.hint})" if self.hint else "")
        return self.hint


@dataclass(frozen=True)
class Contract:
    """The columns of one input kind and its cross-column rules ``(earlier, later)``.

    Parameters
    ----------
    kind : str
        Input kind (``transactions``, ``customers``, ``spells``...), the role in a data source file.
    columns : tuple of Column
        Its columns.
    ordered : tuple of tuple (str, str), default ()
        Pairs of datetime roles that must be in order (earlier, later) on every row.
    description : str, default ''
        What one row is.
    row : str, default 'row'
        What one row is, in one word (``transaction``, ``prospect``), for messages.
    key : str, default ''
        Role whose values label offending rows in engine messages ("first customers: ..."); '' = the first id.
    free : str, default 'kept'
        The columns it does not name: ``'kept'`` (passed through unchecked), ``'features'`` (the model's
        candidate features when a study's features are 'auto'), ``'covariates'`` (candidate covariates) or
        ``'items'`` (questionnaire items, checked on the Likert scale by ``validate(items=, scale=)``).
    source : bool, default True
        A data source file may name a table in this role (False: a kind only :func:`validate` knows).
    engine : bool, default False
        Table-level work on it runs where the table lives (checked there by :mod:`crmresearch.sources.aggregate`);
        False: the table comes back as pandas (one row per customer or smaller) and :func:`validate` checks it.
    shapes : tuple of (str, tuple of str), default ()
        Alternative sets of optional columns, by name: a table must carry every column of one of them
        (spells: ``('dates', ('start', 'end'))`` or ``('durations', ('duration', 'event'))``); () = no choice.
    keys : tuple of str, default ()
        What a data source file may state about the table beside its location and columns (``observed_from``,
        ``observed_to``: the observation window, dates; ``unit``: the time unit of duration columns).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> c = schemas.Contract('payments', (schemas.Column('customer', 'id'), schemas.Column('amount', 'number', low=0)))
    >>> [col.role for col in c.columns], c.key_role
    (['customer', 'amount'], 'customer')
    """

    kind: str
    columns: tuple[Column, ...]
    ordered: tuple[tuple[str, str], ...] = ()
    description: str = ""
    row: str = "row"
    key: str = ""
    free: str = "kept"
    source: bool = True
    engine: bool = False
    shapes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        roles = self.roles()
        if len(set(roles)) != len(roles):
            raise ValueError(f"Contract {self.kind!r}: a role appears twice in {roles}")
        named = {r for pair in self.ordered for r in pair} | {c.positive_when for c in self.columns if c.positive_when}
        if self.key:
            named.add(self.key)
        named |= {r for _, shape in self.shapes for r in shape}
        if named - set(roles):
            raise ValueError(f"Contract {self.kind!r}: rules name roles it has not: {sorted(named - set(roles))}")
        if self.free not in ("kept", "features", "covariates", "items"):
            raise ValueError(f"Contract {self.kind!r}: free must be kept, features, covariates or items")

    def roles(self) -> list[str]:
        return [c.role for c in self.columns]

    def column(self, role: str) -> Column:
        """The column of ``role``.

        Parameters
        ----------
        role : str
            A role of this contract (``'customer'``, ``'date'`` ...).

        Returns
        -------
        Column
            Its column.

        Raises
        ------
        KeyError
            For a role the contract does not have.

        Examples
        --------
        >>> from crmresearch import schemas
        >>> schemas.CONTRACTS['transactions'].column('amount').kind
        'number'
        """
        for c in self.columns:
            if c.role == role:
                return c
        raise KeyError(role)

    @property
    def key_role(self) -> str:
        """The role labelling rows in messages: ``key``, else the first id column, else the first column."""
        if self.key:
            return self.key
        return next((c.role for c in self.columns if c.kind == "id"), self.columns[0].role)

    def shape(self, present: set[str] | list[str]) -> str:
        """The first of :attr:`shapes` whose roles are all in ``present`` ('' when the contract has no shapes).

        Parameters
        ----------
        present : set or list of str
            Roles the table carries.

        Returns
        -------
        str
            The shape's name, or '' when the contract offers no choice.

        Raises
        ------
        MissingColumnError
            No shape is complete; the message names each shape's columns.

        Examples
        --------
        >>> from crmresearch import schemas
        >>> spells = schemas.CONTRACTS['spells']
        >>> spells.shape({'customer', 'duration', 'event'}), spells.shape({'customer', 'start', 'end'})
        ('durations', 'dates')
        """
        for name, roles in self.shapes:
            if set(roles) <= set(present):
                return name
        if not self.shapes:
            return ""
        names = self.names()
        options = " or ".join(f"{', '.join(names[r] for r in roles)} ({name})" for name, roles in self.shapes)
        raise MissingColumnError(f"a {self.kind} table needs the columns {options}")

    def required(self) -> dict[str, str]:
        """Required roles and their default column names."""
        return {c.role: c.default_name for c in self.columns if c.required}

    def names(self) -> dict[str, str]:
        """Every role and its default column name."""
        return {c.role: c.default_name for c in self.columns}


_CUSTOMER = Column("customer", "id", name="customer_id")
_MONEY = dict(unit="currency")


def _spells(kind: str, description: str) -> Contract:
    if kind != "spells":
        return Contract(
            kind,
            (_CUSTOMER, Column("start", "datetime"), Column("end", "datetime", nullable=True),
             Column("region", "category", required=False, nullable=True),
             Column("contract", "category", required=False, nullable=True)),
            ordered=(("start", "end"),), description=description, row=kind[:-1], free="covariates")
    # spells: dated (start, end) or, as most survival extracts, a duration with an event flag
    return Contract(
        kind,
        (_CUSTOMER, Column("start", "datetime", required=False), Column("end", "datetime", required=False,
                                                                        nullable=True),
         Column("duration", "number", required=False, low=0.0, unit="the source file's unit (default months)",
                hint="time from the start of the relationship to its end or to the end of observation"),
         Column("event", "event", required=False, hint="1 = the relationship ended (churn), 0 = still active "
                "(censored)"),
         Column("region", "category", required=False, nullable=True),
         Column("contract", "category", required=False, nullable=True),
         Column("manager_id", "id", required=False, nullable=True),
         Column("cause", "category", required=False, nullable=True,
                hint="why the relationship ended (e.g. voluntary_closure, credit_closure, moved_away); missing "
                "while it runs")),
        ordered=(("start", "end"),), description=description, row=kind[:-1], free="covariates",
        shapes=(("dates", ("start", "end")), ("durations", ("duration", "event"))),
        keys=("observed_from", "observed_to", "unit"))


CONTRACTS: dict[str, Contract] = {
    "transactions": Contract(
        "transactions",
        (_CUSTOMER, Column("date", "datetime"),
         Column("amount", "number", required=False, low=0.0, hint="returns and refunds need their own treatment; "
                "remove or net them explicitly", **_MONEY),
         Column("channel", "category", required=False, nullable=True)),
        description="one row per purchase or account transaction; a log without amounts (customer and date only) "
                    "serves what needs no money (purchase counts, recency, BG/NBD), and whatever sums money asks for "
                    "the amount by name (Study.needs, check_table(need=))", row="transaction", engine=True,
    ),
    "amounts": Contract(
        "amounts",
        (_CUSTOMER, Column("amount", "number", low=0.0, hint="returns and refunds need their own treatment; "
                           "remove or net them explicitly", **_MONEY)),
        description="one row per transaction, dates not needed (customer totals)", row="transaction",
        source=False, engine=True,
    ),
    "customers": Contract(
        "customers",
        (Column("customer", "id", unique=True, name="customer_id"),
         Column("region", "category", required=False, nullable=True),
         Column("segment", "category", required=False, nullable=True),
         Column("join_date", "datetime", required=False, nullable=True),
         Column("urban", "category", required=False, nullable=True),
         Column("churned", "event", required=False, nullable=True, hint="1 = left within the window"),
         Column("value", "number", required=False, nullable=True, **_MONEY),
         Column("enrolled", "datetime", required=False, nullable=True,
                hint="date the customer joined a reward programme; empty for never"),
         Column("referred_by", "id", required=False, nullable=True,
                hint="customer_id of the customer who referred this one; empty for none")),
        description="one row per customer; other columns are free (features of the churn models)", row="customer",
        free="features",
    ),
    "spells": _spells("spells", "relationship spells: start and end dates (end missing while the customer is "
                                "active), or a duration and an event flag (0 while active)"),
    "contracts": _spells("contracts", "one row per contract; end missing while it runs"),
    "survey": Contract(
        "survey",
        (Column("respondent", "id", required=False, unique=True, name="respondent_id"),),
        description="one row per respondent; item columns on a Likert scale", row="respondent", free="items",
    ),
    "calls": Contract(
        "calls",
        (Column("interval", "datetime", name="interval_start"),
         Column("calls", "integer", required=False, low=0, unit="calls")),
        description="call arrivals: one row per interval with a 'calls' count (repeated intervals are summed), "
                    "or one row per call (a call log, counted per interval)", row="interval", engine=True,
        keys=("observed_from", "observed_to"),
    ),
    "tickets": Contract(
        "tickets",
        (Column("ticket", "id", unique=True, name="ticket_id"), Column("created", "datetime"),
         Column("responded", "datetime", required=False, nullable=True),
         Column("on_site", "datetime", required=False, nullable=True),
         Column("resolved", "datetime", nullable=True),
         Column("region", "category", required=False, nullable=True),
         Column("channel", "category", required=False, nullable=True)),
        ordered=(("created", "responded"), ("created", "on_site"), ("created", "resolved"),
                 ("responded", "resolved")),
        description="service requests; missing timestamps mean 'not yet' (censored)", row="ticket",
    ),
    "campaign": Contract(
        "campaign",
        (Column("customer", "id", unique=True, name="customer_id"),
         Column("treated", "bool", varies=True, hint="1/True = received the campaign, 0/False = control"),
         Column("outcome", "event", hint="1 = the event the campaign tries to prevent, e.g. churn")),
        description="a randomised campaign, one row per customer; other columns are uplift features",
        row="customer", free="features",
    ),
    "prospects": Contract(
        "prospects",
        (Column("prospect", "id", unique=True, name="prospect_id"),
         Column("converted", "bool", varies=True, hint="1/True = became a customer, 0/False = lost"),
         Column("value", "number", low=0.0, positive_when="converted",
                hint="the first-year value: 0 for a lost prospect, > 0 for a converted one", **_MONEY)),
        description="one row per prospect; other columns are conversion features", row="prospect",
        free="features",
    ),
    "accounts": Contract(
        "accounts",
        (Column("account", "id", unique=True, name="account_id"), Column("issued", "datetime"),
         Column("balance", "number", required=False, nullable=True, **_MONEY)),
        description="one row per account (card); its transactions name the account in customer_id", row="account",
    ),
    "applications": Contract(
        "applications",
        (Column("applicant", "id", unique=True, name="applicant_id"),
         Column("outcome", "event", varies=True, hint="1 = bad (e.g. 90+ days past due or charged off within the "
                "outcome window), 0 = good"),
         Column("amount", "number", required=False, nullable=True, low=0.0, hint="the amount lent or the limit "
                "granted", **_MONEY),
         Column("inquiries", "integer", required=False, nullable=True, low=0,
                hint="credit inquiries at other lenders in the last 6 months"),
         Column("open_accounts", "integer", required=False, nullable=True, low=0,
                hint="open instalment accounts at other lenders")),
        description="one row per applicant: the 0/1 bad flag; every other column is a characteristic of the "
                    "scorecard (numeric or categorical, missing values kept as a bin of their own)",
        row="applicant", free="features", engine=True,
    ),
    "delinquency": Contract(
        "delinquency",
        (Column("account", "id", name="account_id"),
         Column("month", "integer", low=0, hint="consecutive whole months (1, 2, 3 ... or months on book)"),
         Column("status", "category", hint="current, 30, 60, 90+, paid_off or charged_off, or days past due (a "
                "number: below 30 current, 30-59 30, 60-89 60, 90 and over 90+)"),
         Column("balance", "number", required=False, nullable=True, low=0.0, **_MONEY)),
        description="monthly delinquency status per card account: one row per account and month (an account "
                    "leaves the panel the month after it is paid off or charged off)", row="account month",
        key="account", engine=True,
    ),
    "cases": Contract(
        "cases",
        (_CUSTOMER, Column("opened", "datetime"), Column("resolved", "datetime", nullable=True),
         Column("case_id", "id", required=False, unique=True),
         Column("owner_kept", "bool", required=False, nullable=True),
         Column("compensated", "bool", required=False)),
        ordered=(("opened", "resolved"),),
        description="one row per complaint; resolved missing while it is open", row="case", key="customer",
    ),
    "choices": Contract(
        "choices",
        (Column("household", "id", name="household"),
         Column("occasion", "integer", required=False, low=0, hint="order of a household's purchases"),
         Column("choice", "category", hint="the brand bought; every brand b also has a price_b column")),
        description="one row per purchase occasion of a household panel: the brand bought and each brand's "
                    "price_<brand> (optional feature_<brand>, 0/1)", row="occasion", free="kept",
    ),
    "managers": Contract(
        "managers",
        (Column("manager", "id", unique=True, name="manager_id"), Column("left", "datetime", nullable=True)),
        description="one row per relationship manager; left missing while still there", row="manager",
    ),
}


def role_contracts() -> dict[str, Contract]:
    """The contracts a data source file may name, in table order (the roles of :data:`ROLES`).

    Examples
    --------
    >>> from crmresearch.schemas import contracts
    >>> list(contracts.role_contracts())[:3]
    ['transactions', 'customers', 'spells']
    """
    return {k: c for k, c in CONTRACTS.items() if c.source}


def _default_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for contract in CONTRACTS.values():
        for col in contract.columns:
            if names.setdefault(col.role, col.default_name) != col.default_name:
                raise ValueError(f"role {col.role!r} has two default names: {names[col.role]!r} and "
                                 f"{col.default_name!r} ({contract.kind})")
    return names


#: Default column name of each role (override by keyword: ``customer="cust_id"``); a view of :data:`CONTRACTS`.
DEFAULT_NAMES: dict[str, str] = _default_names()


def contract_table(kind: str | None = None) -> pd.DataFrame:
    """The contracts as a table: one row per column of every contract (or of ``kind``).

    Parameters
    ----------
    kind : str or None, optional
        One contract; None: all of them.

    Returns
    -------
    DataFrame
        ``kind``, ``role``, ``column`` (default name), ``type`` (the column kind), ``required``, ``nullable``,
        ``low``, ``high``, ``unique``, ``unit``, ``free`` (the contract's policy for other columns), ``shape``
        (the alternative set of columns it belongs to, e.g. spells' ``dates`` or ``durations``; '' = none).

    Examples
    --------
    >>> from crmresearch import schemas
    >>> schemas.contract_table('campaign')[['role', 'column', 'type']].values.tolist()
    [['customer', 'customer_id', 'id'], ['treated', 'treated', 'bool'], ['outcome', 'outcome', 'event']]
    """
    rows = [{"kind": c.kind, "role": col.role, "column": col.default_name, "type": col.kind, "required": col.required,
             "nullable": col.nullable, "low": col.low, "high": col.high, "unique": col.unique, "unit": col.unit,
             "free": c.free, "shape": next((n for n, roles in c.shapes if col.role in roles), "")}
            for c in CONTRACTS.values() if kind is None or c.kind == kind for col in c.columns]
    return pd.DataFrame(rows)
