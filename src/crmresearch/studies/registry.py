"""The study registry: name -> notebook, typed parameters, smoke parameters, exhibits.

Every study parameter is declared here, and only here, with its type, default, allowed range or
choices and a one-line help; parameters many studies share (``seed``, ``bank_customers``, ``data``,
``dataset``, ``lang``) come from one shared block each. ``crmresearch run`` checks user values
against these declarations before any kernel starts.

The notebook's ``parameters`` cell is generated from the registry (:meth:`Study.parameters_cell`:
``name: type = default  # help`` per parameter, then the ``output_dir`` line) and never edited by
hand. After changing a parameter here, rewrite the cells with::

    crmresearch cells --write      # `crmresearch cells` only checks (exit 1 naming stale notebooks)

A test fails, naming that command, while any notebook's cell differs from the generated text.

List parameters (``kind=list``) are given as ``-p horizons=12,24,36`` or a Python list and reach
the notebook as a list literal (``[12, 24, 36]``); where a list has a word instead (``'auto'``), the
word reaches the notebook as text, and ``'none'`` gives the empty list where a list may be empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import paths
from .._extras import require
from ..errors import ParameterError, shown

__all__ = ["REGISTRY", "Param", "Study", "all_studies", "get", "literal", "sync_parameter_cells"]

#: Parameters the pipeline sets itself; users choose the folder with ``--out``.
RESERVED = ("output_dir",)
_SAFE_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.,:+ -]*$")


@dataclass(frozen=True)
class Param:
    """One typed study parameter.

    ``kind`` is ``int``, ``float``, ``bool``, ``str`` or ``list``; numbers may have inclusive bounds
    ``low``/``high`` (``open_low``: the lower bound itself excluded); text may be limited to ``choices``.
    Free text is limited to plain characters (no path separators, no ``..``) so a value can never point
    outside the run's output folder. An *input file* parameter (``file=True``) instead accepts "" (the
    study's built-in data), one of ``names``, or the path of an existing file, which it makes absolute
    so the kernel finds it from any working folder; it is only ever read.

    A *list* parameter (``kind=list``) holds items of type ``item`` (``int``, ``float`` or ``str``); the
    bounds and ``choices`` then apply to every item, ``length`` fixes how many there are. It takes a
    Python list or tuple, or on the command line comma-separated text (``3,6,12``), and is given to the
    notebook as a Python list. A word of ``special`` (e.g. ``'auto'``) stands instead of a list and is
    kept as that text; with ``empty=True`` the word ``'none'`` (or an empty text) is the empty list.

    Parameters
    ----------
    name : str
        Parameter name (a notebook variable).
    kind : type
        ``int``, ``float``, ``bool``, ``str`` or ``list``.
    default : object
        Default value (the study's domain default); a list parameter's is kept as a tuple.
    help : str
        One line: what it is, in which unit (the comment of its line in the notebook's parameters cell).
    low : float or None, optional
        Smallest allowed value (of each item); None: no bound.
    high : float or None, optional
        Largest allowed value (of each item); None: no bound.
    choices : tuple of object or None, optional
        Allowed values (of each item); None: any.
    file : bool, default False
        The parameter names an input file.
    names : tuple of str, default ()
        Built-in data-set names a file parameter accepts.
    item : type or None, optional
        Type of a list parameter's items: ``int``, ``float`` or ``str``; None for other kinds.
    length : int or None, optional
        Exact number of items of a list parameter; None: one or more.
    special : tuple of str, default ()
        Words a list parameter accepts instead of a list, kept as text (e.g. ``('auto',)``).
    empty : bool, default False
        A list parameter may be empty; ``'none'`` on the command line gives ``[]``.
    open_low : bool, default False
        ``low`` itself is not allowed (values must be above it).

    Examples
    --------
    >>> from crmresearch import studies
    >>> p = studies.Param('top_share', float, 0.01, 'share of customers in the top tier', low=0.001, high=0.5)
    >>> p.parse('0.02', 'value-tiers'), p.accepted()
    (0.02, 'a number in [0.001, 0.5]')
    >>> h = studies.Param('horizons', list, [12, 24], 'months at which survival is reported', item=int, low=1,
    ...                   high=120)
    >>> h.parse('3,6, 12', 'churn-survival'), h.parse((6,), 'churn-survival'), h.accepted()
    ([3, 6, 12], [6], 'comma-separated integers, each in [1, 120]')
    >>> h.line()
    'horizons: list[int] = [12, 24]  # months at which survival is reported'
    """

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    file: bool = False
    names: tuple[str, ...] = ()
    item: type | None = None
    length: int | None = None
    special: tuple[str, ...] = ()
    empty: bool = False
    open_low: bool = False

    def __post_init__(self) -> None:
        if (self.kind is list) != (self.item is not None) or self.item not in (None, int, float, str):
            raise TypeError(f"Param {self.name!r}: a list parameter needs item=int, float or str; only a list "
                            "parameter takes item")
        if self.kind is list and isinstance(self.default, list):  # immutable, so the registry stays hashable
            object.__setattr__(self, "default", tuple(self.default))

    def value(self) -> Any:
        """The default as a notebook receives it (a list parameter's as a new list).

        Returns
        -------
        object
            The default value.

        Examples
        --------
        >>> from crmresearch import studies
        >>> studies.Param('cuts', list, (3, 7), 'cut-offs', item=float).value()
        [3, 7]
        """
        return list(self.default) if isinstance(self.default, tuple) else self.default

    def _bounds(self) -> str:
        lower = "(" if self.open_low else "["
        if self.low is not None and self.high is not None:
            return f"in {lower}{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{'>' if self.open_low else '>='} {self.low:g}"
        if self.high is not None:
            return f"<= {self.high:g}"
        return ""

    def accepted(self) -> str:
        """What the parameter accepts, in words (used in help and error messages).

        Returns
        -------
        str
            One phrase, e.g. ``'a number in [0.001, 0.5]'``.

        Examples
        --------
        >>> from crmresearch import studies
        >>> studies.Param('features', list, 'auto', 'uplift features', item=str, special=('auto',)).accepted()
        "'auto' or comma-separated names (letters, digits, _ . : + - and spaces)"
        """
        if self.kind is list:
            count = f"{self.length} " if self.length else ""
            if self.choices is not None:
                what = f"{count}comma-separated names among " + ", ".join(str(c) for c in self.choices)
            elif self.item is str:
                what = f"{count}comma-separated names (letters, digits, _ . : + - and spaces)"
            else:
                noun = {int: "integers", float: "numbers"}[self.item]  # type: ignore[index]
                what = f"{count}comma-separated {noun}" + (f", each {self._bounds()}" if self._bounds() else "")
            words = [repr(w) for w in self.special] + [what] + (["'none' (no items)"] if self.empty else [])
            return " or ".join(words)
        if self.file:
            empty = ["'' (built-in data)"] if self.default == "" else []
            return " or ".join([*empty, *(f"'{n}'" for n in self.names), "the path of an existing file"])
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        name = {int: "an integer", float: "a number", bool: "true or false", str: "text"}[self.kind]
        if self._bounds():
            return f"{name} {self._bounds()}"
        if self.kind is str:
            return "plain text (letters, digits, _ . , : + - and spaces; no paths)"
        return name

    def parse(self, raw: Any, study: str) -> Any:
        """Convert ``raw`` (a CLI string or a Python value) to the parameter's type; check it.

        Parameters
        ----------
        raw : object
            A CLI string or a Python value (for a list parameter also a list or tuple).
        study : str
            Study name, for messages.

        Returns
        -------
        object
            The value, of the parameter's type (a list parameter's: a list, or one of its ``special`` words).

        Raises
        ------
        ParameterError
            A value of the wrong type, out of range, not among the choices, or an unsafe text; for a list,
            any item that is, or the wrong number of items.

        Examples
        --------
        >>> from crmresearch import ParameterError, studies
        >>> p = studies.Param('cuts', list, [3, 7], 'cut-offs', item=float, low=0, open_low=True, length=2)
        >>> p.parse('3,7.5', 's')
        [3.0, 7.5]
        >>> try:
        ...     p.parse('0,7', 's')
        ... except ParameterError as exc:
        ...     print(exc)
        s: parameter 'cuts' must be 2 comma-separated numbers, each > 0; got '0,7'
        """

        def fail() -> ParameterError:
            return ParameterError(
                f"{study}: parameter '{self.name}' must be {self.accepted()}; got {shown(raw)}"
            )

        if self.kind is list:
            return self._parse_list(raw, fail, study)
        value: Any
        if self.kind is bool:
            if isinstance(raw, bool):
                value = raw
            elif isinstance(raw, str) and raw.strip().lower() in {"true", "1", "yes"}:
                value = True
            elif isinstance(raw, str) and raw.strip().lower() in {"false", "0", "no"}:
                value = False
            else:
                raise fail()
        elif self.kind is int:
            if isinstance(raw, bool):
                raise fail()
            try:
                value = int(raw) if not isinstance(raw, float) else None
            except (TypeError, ValueError):
                value = None
            if value is None:
                raise fail()
        elif self.kind is float:
            if isinstance(raw, bool):
                raise fail()
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise fail() from None
            if value != value or value in (float("inf"), float("-inf")):
                raise fail()
        elif self.file:
            value = str(raw).strip()
            named = {n.lower(): n for n in self.names}
            if not value and self.default != "":
                raise fail()
            if value and value.lower() in named:
                value = named[value.lower()]
            elif value:
                path = Path(value).expanduser()
                if not path.is_file():
                    raise ParameterError(f"{study}: parameter '{self.name}': no file {shown(value)} (from "
                                         f"{Path.cwd()}); it must be {self.accepted()}")
                value = str(path.resolve())
        else:
            value = str(raw)
            if self.choices is None and (not _SAFE_TEXT.match(value) or ".." in value):
                raise fail()
        if self.choices is not None and value not in self.choices:
            raise fail()
        if self.low is not None and (value < self.low or (self.open_low and value == self.low)):
            raise fail()
        if self.high is not None and value > self.high:
            raise fail()
        return value

    def _parse_list(self, raw: Any, fail: Callable[[], ParameterError], study: str) -> Any:
        if isinstance(raw, str):
            text = raw.strip()
            if text.lower() in self.special:
                return text.lower()
            if self.empty and text.lower() in ("", "none"):
                return []
            raw_items: list[Any] = [part.strip() for part in text.split(",")]
        elif isinstance(raw, (list, tuple)):
            raw_items = list(raw)
        else:
            raise fail()
        one = replace(self, kind=self.item, default=None, item=None, length=None, special=(), empty=False)
        try:
            items = [one.parse(x, study) for x in raw_items]
        except ParameterError:
            raise fail() from None
        if (not items and not self.empty) or (self.length is not None and len(items) != self.length):
            raise fail()
        return items

    def annotation(self) -> str:
        """The type annotation of the parameter's line in the notebook's parameters cell.

        Returns
        -------
        str
            E.g. ``'float'`` or ``'list[int]'``; a list that also takes ``special`` words (``'auto'``) is
            annotated as its list (papermill reads no ``|`` in a parameters cell), and its help names the words.

        Examples
        --------
        >>> from crmresearch import studies
        >>> studies.Param('features', list, 'auto', 'uplift features', item=str, special=('auto',)).annotation()
        'list[str]'
        """
        if self.kind is list:
            return f"list[{self.item.__name__}]"  # type: ignore[union-attr]
        return self.kind.__name__

    def line(self) -> str:
        """The parameter's line of the notebook's parameters cell: ``name: type = default  # help``.

        Returns
        -------
        str
            One line, no newline; the default as a Python literal (see :func:`literal`).

        Examples
        --------
        >>> from crmresearch import studies
        >>> studies.get('value-tiers').params[1].line()
        'bank_customers: int = 20_000  # customers of the synthetic bank'
        """
        return f"{self.name}: {self.annotation()} = {literal(self.value())}  # {self.help}"


def literal(value: Any) -> str:
    """A parameter value as Python source: text in double quotes, ``20_000``, lists as ``[3, 6, 12]``.

    Parameters
    ----------
    value : bool, int, float, str or list of those
        A parameter value.

    Returns
    -------
    str
        Source text that evaluates to ``value``.

    Examples
    --------
    >>> from crmresearch.studies import registry
    >>> registry.literal([0.5, 0.75]), registry.literal(1_000_000), registry.literal('auto'), registry.literal(True)
    ('[0.5, 0.75]', '1_000_000', '"auto"', 'True')
    """
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return f"{value:_}" if abs(value) >= 10_000 else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"literal: no parameter literal for {type(value).__name__} {value!r}")


@dataclass(frozen=True)
class Study:
    """A registered study: its notebook, parameters, smoke settings and exhibits.

    Parameters
    ----------
    name : str
        Study name (the notebook is ``notebooks/<name>.ipynb``).
    title : str
        Title.
    question : str
        The research question.
    data : str
        Data source, one line.
    params : tuple of Param
        Its parameters.
    smoke : mapping of str to object
        Small settings for the smoke test.
    exhibits : tuple of str
        Files it writes.
    check : callable or None, optional
        Extra check of a parameter set before a kernel starts; None: none.
    inputs : callable or None, optional
        Returns the input files a parameter set reads; None: none.
    roles : tuple of str, default ()
        Data-source roles it needs with ``-p data=``.
    optional_roles : tuple of str, default ()
        Roles it can use when present.
    needs : mapping of str to tuple of str, optional
        Per role, the optional columns of its contract the study cannot do without (``{'transactions':
        ('amount',)}`` for a study that sums money); checked before the kernel. A role's required columns
        are its contract's (:data:`crmresearch.schemas.CONTRACTS`).
    title_zh : str, default ''
        Chinese title (the first heading of its Chinese paper ``papers/zh/<name>.md``): its menu entry
        and pages on the Chinese site; '' : the English title.

    Examples
    --------
    >>> from crmresearch import studies
    >>> s = studies.get('call-centre-staffing')
    >>> s.notebook.name, s.paper, s.resolve({'target': '0.9'})['target']
    ('call-centre-staffing.ipynb', 'papers/call-centre-staffing.md', 0.9)
    """

    name: str
    title: str
    question: str
    data: str
    params: tuple[Param, ...]
    smoke: Mapping[str, Any]
    exhibits: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], None] | None = field(default=None, compare=False)
    inputs: Callable[[Mapping[str, Any]], None] | None = field(default=None, compare=False)
    roles: tuple[str, ...] = ()  # tables a data source file must name for `-p data=...`
    optional_roles: tuple[str, ...] = ()
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    title_zh: str = ""

    def title_in(self, lang: str = "en") -> str:
        """The title in ``lang`` (``'en'`` or ``'zh'``); the English one when there is no translation.

        Parameters
        ----------
        lang : str, default 'en'
            Language.

        Returns
        -------
        str
            The title.

        Examples
        --------
        >>> from crmresearch import studies
        >>> studies.get('value-tiers').title_in('zh')
        '价值分层：客户价值有多集中，应如何分别服务？'
        """
        return self.title_zh if lang == "zh" and self.title_zh else self.title

    @property
    def notebook(self) -> Path:
        return paths.notebooks_dir() / f"{self.name}.ipynb"

    @property
    def paper(self) -> str:
        return f"papers/{self.name}.md"

    def defaults(self) -> dict[str, Any]:
        """Every parameter with its default, as the notebook receives it (lists as new lists)."""
        return {p.name: p.value() for p in self.params}

    def parameters_cell(self) -> str:
        """The exact text of the notebook's ``parameters`` cell, generated from the registry.

        One line per parameter in registry order (``name: type = default  # help``, see
        :meth:`Param.line`), then the ``output_dir`` line the pipeline sets (:data:`RESERVED`). The cell
        is never edited by hand: ``crmresearch cells --write`` rewrites it in every notebook.

        Returns
        -------
        str
            The cell's source, lines joined by newlines, no final newline.

        Examples
        --------
        >>> from crmresearch import studies
        >>> print(studies.get('churn-survival').parameters_cell().splitlines()[0])
        horizons: list[int] = [12, 24, 36]  # times at which survival is reported, in the unit below
        """
        out = f'output_dir: str = ""  # set by `crmresearch run`; "" writes to build/interactive/{self.name}'
        return "\n".join([*(p.line() for p in self.params), out])

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated with ``overrides``, each checked; raises :class:`ParameterError`.

        Parameters
        ----------
        overrides : mapping of str to object or None, optional
            Parameter name -> value; None: the defaults.

        Returns
        -------
        dict of str to object
            Every parameter with its value.

        Raises
        ------
        ParameterError
            Unknown names or invalid values.
        """
        by_name = {p.name: p for p in self.params}
        values = self.defaults()
        for key, raw in (overrides or {}).items():
            if key in RESERVED:
                raise ParameterError(
                    f"{self.name}: parameter '{key}' is set by crmresearch itself; "
                    "choose the output folder with --out DIR"
                )
            if key not in by_name:
                known = ", ".join(sorted(by_name)) or "(none)"
                raise ParameterError(f"{self.name}: unknown parameter {shown(key)}; known: {known}")
            values[key] = by_name[key].parse(raw, self.name)
        if self.check is not None:
            self.check(values)
        return values

    def preflight(self, values: Mapping[str, Any]) -> None:
        """Check what the input files named by ``values`` hold (headers, model structure, column
        names) before any kernel starts; raises :class:`ParameterError` naming the parameter and file.

        With ``-p data=...`` every table the study reads (its ``roles`` and the ``optional_roles`` present) is
        checked against its contract in :data:`crmresearch.schemas.CONTRACTS` (columns, kinds, missing values,
        ranges, unique ids) on its first :func:`crmresearch.sources.files.check_rows` rows (1,000,000 by default:
        bounded in time whatever the table's size; the kernel checks the whole table as it reads it); the study's
        ``inputs`` then checks what crosses tables or names parameters. A Spark
        table is checked for its entry and a Spark master only (no session is started here): its contents, and
        ``inputs``, are checked when the kernel reads it.

        Parameters
        ----------
        values : mapping of str to object
            A full parameter set (from :meth:`resolve`).
        """
        spark: dict[str, str] = {}
        if values.get("data"):
            from ..errors import ValidationError
            from ..sources import read_sources, spark_tables
            from ..sources.files import check_rows

            try:  # Spark tables: their entries and settings only (no session is started to check a file)
                spark = spark_tables(values["data"])
                read_sources(values["data"], roles=self.roles, optional=self.optional_roles, check=True,
                             needs=self.needs, open_spark=False, rows=check_rows())
            except ValidationError as exc:  # a SourceError (files, columns) or a broken contract
                raise ParameterError(f"{self.name}: parameter 'data' ({values['data']}): {exc}") from None
        if self.inputs is not None and not spark:  # with Spark tables, the kernel checks what crosses tables
            from ..errors import ValidationError

            try:
                self.inputs(values)
            except (ParameterError, ValidationError) as exc:  # checks on your tables: your column names
                if not values.get("data"):
                    raise
                from ..schemas import name_user_columns
                from ..sources import user_columns

                text = str(exc) if isinstance(exc, ParameterError) else \
                    f"{self.name}: parameter 'data' ({values['data']}): {exc}"
                raise ParameterError(name_user_columns(text, user_columns(values["data"]))) from None

    def data_route(self) -> str:
        """How to run the study on your own tables, in words (for ``crmresearch list``)."""
        if not self.roles:
            if any(p.file for p in self.params):
                names = ", ".join(f"-p {p.name}=..." for p in self.params if p.file)
                return f"your data: {names} (files, see the parameters)"
            return "runs on its built-in data only"
        extra = f" (optional: {', '.join(self.optional_roles)})" if self.optional_roles else ""
        return f"your data: -p data=sources.yaml naming {', '.join(self.roles)}{extra}"

    def is_default(self, values: Mapping[str, Any]) -> bool:
        """True when ``values`` equal the study's defaults (the run then publishes to ``figures/``).

        Parameters
        ----------
        values : mapping of str to object
            A full parameter set.
        """
        return dict(values) == self.defaults()


# ----------------------------------------------------------------------------- shared blocks
# Parameters many studies take are declared once here; a study changes only its wording (and a default)
# through the arguments.

#: Range of ``bank_customers`` in every study: the range every study accepted before it was declared
#: once (satisfaction-acsi and service-quality-gaps drew their default 1,000 survey respondents from
#: at least 3,000 customers; prospect-conversion simulated at most 1,000,000 product holdings).
BANK_CUSTOMERS_RANGE = (3_000, 1_000_000)


def _seed(of: str) -> Param:
    """``seed``, 0 by default; ``of`` names what it seeds (e.g. 'the synthetic bank')."""
    return Param("seed", int, 0, f"seed of {of}", low=0, high=2**31 - 1)


def _bank_customers(default: int = 20_000, help: str = "customers of the synthetic bank") -> Param:
    """``bank_customers``: the size of the simulated customer base, in :data:`BANK_CUSTOMERS_RANGE`."""
    low, high = BANK_CUSTOMERS_RANGE
    return Param("bank_customers", int, default, help, low=low, high=high)


def _data_param(tables: str, builtin: str) -> Param:
    """``data``: a data source file naming the study's ``tables`` by role; '' runs on ``builtin``."""
    return Param("data", str, "", f"data source file (YAML) naming {tables}; empty: {builtin}", file=True)


def _cdnow(use: str) -> Param:
    """``dataset``: which CDNOW file; ``use`` says what the study does with it."""
    return Param("dataset", str, "cdnow_master", f"{use}: cdnow_master (23,570 customers) or cdnow_sample (2,357)",
                 choices=("cdnow_master", "cdnow_sample"))


#: ``lang``, which every study takes (appended last to each study's parameters).
LANG = Param("lang", str, "en", "language of figure texts and table headers: en, or zh (Chinese, simplified)",
             choices=("en", "zh"))


# ----------------------------------------------------------------------------- studies
def _check_value_tiers(v: Mapping[str, Any]) -> None:
    total = v["top_share"] + v["second_share"] + v["third_share"]
    if total >= 1:
        raise ParameterError(
            "value-tiers: parameters 'top_share' + 'second_share' + 'third_share' must be "
            f"below 1 so the base tier is not empty; got {total:g}"
        )
    if v["core_share"] + v["problem_share"] >= 1:
        raise ParameterError("value-tiers: parameters 'core_share' + 'problem_share' must be below 1 "
                             f"so the general class is not empty; got {v['core_share'] + v['problem_share']:g}")
    if all(v[w] == 0 for w in ("w_contribution", "w_support", "w_credit", "w_growth", "w_influence")):
        raise ParameterError("value-tiers: at least one value-score weight (w_*) must be non-zero")


VALUE_TIERS = Study(
    name="value-tiers",
    title="Customer value tiers: concentration and the customer pyramid",
    title_zh="价值分层：客户价值有多集中，应如何分别服务？",
    question="How concentrated is customer value, and what does each pyramid tier hold?",
    data="CDNOW (Fader, Hardie & Lee 2005); synthetic bank",
    params=(
        _cdnow("retail transactions to study"),
        _bank_customers(),
        _seed("the synthetic bank"),
        Param("top_share", float, 0.01, "share of customers in the top tier (platinum)",
              low=0.001, high=0.5),
        Param("second_share", float, 0.04, "share of customers in the second tier (gold)",
              low=0.001, high=0.5),
        Param("third_share", float, 0.15, "share of customers in the third tier (iron); "
              "the rest form the base (lead)", low=0.001, high=0.9),
        Param("w_contribution", float, 0.40, "value-score weight of contribution (profit after cost to serve)",
              low=-1, high=1),
        Param("w_support", float, 0.20, "value-score weight of support (products held: a share-of-wallet proxy)",
              low=-1, high=1),
        Param("w_credit", float, 0.20, "value-score weight of credit (credit score)", low=-1, high=1),
        Param("w_growth", float, 0.10, "value-score weight of growth (volume in the second vs the first half)",
              low=-1, high=1),
        Param("w_influence", float, 0.10, "value-score weight of influence (customers referred)", low=-1, high=1),
        Param("core_share", float, 0.20, "share of customers classed core (top of the value score)",
              low=0.01, high=0.9),
        Param("problem_share", float, 0.10, "share of customers classed problem (bottom of the score)",
              low=0.01, high=0.9),
        Param("matrix_grid", int, 2, "bands per axis of the current x potential matrix (2 or 3)", low=2, high=3),
        Param("bank_margin_rate", float, 0.03, "bank margin per USD of transaction volume", low=0, high=0.5),
        Param("bank_fixed_cost", float, 30.0, "bank account-keeping cost per customer over the window, USD",
              low=0, high=10_000),
        Param("cdnow_margin_rate", float, 0.25, "CDNOW gross margin per USD of sales", low=0, high=1),
        Param("cdnow_order_cost", float, 3.0, "CDNOW fulfilment cost per order, USD", low=0, high=1_000),
        _data_param("your transactions (and optionally customers)", "CDNOW and the synthetic bank"),
        Param("margin_rate", float, 0.25, "your data: gross margin per currency unit of sales", low=0, high=1),
        Param("order_cost", float, 3.0, "your data: cost to serve one transaction, currency units", low=0,
              high=1e6),
    ),
    smoke={"dataset": "cdnow_sample", "bank_customers": 3_000},
    exhibits=("table-concentration", "table-tiers", "fig-lorenz", "fig-pyramid", "table-value-classes",
              "table-current-potential", "fig-current-potential", "table-cost-to-serve", "fig-whale-curve",
              "table-service"),
    check=_check_value_tiers,
    roles=("transactions",),
    optional_roles=("customers",),
)

def _check_rfm_segments(v: Mapping[str, Any]) -> None:
    if v["k_min"] >= v["k_max"]:
        raise ParameterError(f"rfm-segments: 'k_min' must be below 'k_max'; got {v['k_min']} and {v['k_max']}")


RFM_SEGMENTS = Study(
    name="rfm-segments",
    title="RFM scores, named segments, data-driven clusters and segment migration",
    title_zh="RFM 细分：客户是谁，他们如何迁移？",
    question="Which RFM and behavioural segments do customers fall into, how do they differ, and how do "
             "customers move between segments over time?",
    data="CDNOW (Fader, Hardie & Lee 2005); synthetic bank",
    params=(
        _cdnow("retail transactions to study"),
        _bank_customers(),
        _seed("the synthetic bank and of the clustering"),
        Param("bins", int, 5, "RFM score bins (quantiles); named-segment rules map them onto 5 points", low=2, high=10),
        Param("k_min", int, 2, "smallest number of clusters tried", low=2, high=20),
        Param("k_max", int, 8, "largest number of clusters tried", low=3, high=20),
        Param("method", str, "kmeans", "clustering method: kmeans (k by silhouette) or gmm (k by BIC)",
              choices=("kmeans", "gmm")),
        Param("n_bootstrap", int, 20, "bootstrap resamples for cluster stability", low=0, high=500),
        Param("min_cell", int, 10, "segments with fewer customers are suppressed in profiles", low=1, high=1000),
        _data_param("your transactions", "CDNOW and the synthetic bank"),
    ),
    smoke={"dataset": "cdnow_sample", "bank_customers": 3_000, "k_max": 5, "n_bootstrap": 3},
    exhibits=("table-rfm-segments", "fig-rfm-segments", "table-cluster-selection", "fig-cluster-selection",
              "table-cluster-profiles", "table-cluster-vs-truth", "table-migration", "fig-migration",
              "table-segment-change"),
    check=_check_rfm_segments,
    roles=("transactions",),
)

def _check_observed_from(v: Mapping[str, Any]) -> None:
    if v["observed_from"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v["observed_from"]):
        raise ParameterError("contractual-retention: parameter 'observed_from' must be '' or a date YYYY-MM-DD; got "
                             f"{shown(v['observed_from'])}")


def _check_retention_inputs(v: Mapping[str, Any]) -> None:
    """Every ``retention_covariates`` column is a column of the contracts (yours or the simulator's)."""
    wanted = v["retention_covariates"]
    if wanted == "auto" or not wanted:
        return
    if v["data"]:
        from ..sources.tables import read_sources

        columns = list(read_sources(v["data"], roles=["contracts"])["contracts"].schema())
        where = f"the contracts of {v['data']}"
    else:
        from ..data.simulate import CONTRACT_COLUMNS

        columns = list(CONTRACT_COLUMNS)
        where = "the synthetic bank's contracts"
    absent = [c for c in wanted if c not in columns]
    if absent:
        raise ParameterError(f"contractual-retention: parameter 'retention_covariates': column(s) {absent} are not "
                             f"in {where}; it has {columns}; name contract columns or 'none'")


CONTRACTUAL_RETENTION = Study(
    name="contractual-retention",
    title="Contract retention with the shifted-beta-geometric model; residual lifetime value",
    title_zh="契约型客户留存：用移位贝塔几何模型预测客户队列",
    question="How will a contract cohort's retention evolve, and what is a retained customer worth?",
    data="Fader & Hardie (2007) Table 1; synthetic bank",
    params=(
        Param("fit_years", int, 7, "years of the FH 2007 cohorts used to fit (the rest is projected); at least 3, "
              "for the three parameters of the beta-discrete-Weibull", low=3, high=11),
        Param("annual_discount_rate", float, 0.10, "discount rate per year for DERL and CLV", low=0.001, high=1),
        Param("annual_margin", float, 100.0, "margin per customer-year in the FH 2007 example, USD",
              low=0, high=1e6),
        _bank_customers(),
        _seed("the synthetic bank"),
        Param("period_days", float, 91.3125, "renewal period of bank contracts, days (a quarter)",
              low=7, high=366),
        Param("min_cohort_periods", int, 6, "bank cohorts observed for fewer periods are not fitted alone; at "
              "least 3, for the three parameters of the beta-discrete-Weibull", low=3, high=40),
        Param("margin_per_period", float, 30.0, "bank margin per customer and period, USD", low=0, high=1e6),
        Param("retention_covariates", list, "auto", "contract columns that shift alpha and beta in the sBG "
              "regression; 'auto': region,digital_user on the synthetic bank and none on your data; 'none' skips it",
              item=str, special=("auto",), empty=True),
        _data_param("your contracts (customer, start, end)", "the synthetic bank"),
        Param("observed_from", str, "", "your data: first day of observation YYYY-MM-DD (contracts starting "
              "earlier are left out); empty: the earliest start"),
    ),
    smoke={"bank_customers": 3_000},
    exhibits=("table-fh2007-fit", "table-fh2007-projection", "fig-fh2007-projection", "table-fh2007-bdw",
              "table-bank-cohorts", "table-bank-cohort-models",
              "fig-bank-retention", "table-bank-retention-drivers", "table-bank-churn-by-group"),
    check=_check_observed_from,
    inputs=_check_retention_inputs,
    roles=("contracts",),
)


def _check_customer_base_clv(v: Mapping[str, Any]) -> None:
    if not v["calibration_end"]:
        return
    if not v["data"]:
        raise ParameterError("customer-base-clv: parameter 'calibration_end' applies to your data (-p data=...); "
                             "for CDNOW set 'calibration_weeks'")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v["calibration_end"]):
        raise ParameterError(f"customer-base-clv: parameter 'calibration_end' must be a date YYYY-MM-DD; got "
                             f"{shown(v['calibration_end'])}")


CUSTOMER_BASE_CLV = Study(
    name="customer-base-clv",
    title="BG/NBD and Gamma-Gamma customer-base analysis and lifetime value",
    title_zh="客户群分析与客户终身价值：BG/NBD 与 Gamma-Gamma 模型",
    question="How many purchases will each customer make, is the customer still alive, and what is the "
             "customer worth?",
    data="CDNOW (Fader, Hardie & Lee 2005); synthetic bank",
    params=(
        Param("calibration_weeks", int, 39, "CDNOW calibration period, weeks from 1997-01-01", low=13, high=65),
        Param("horizon_weeks", int, 52, "CLV horizon, weeks", low=1, high=520),
        Param("annual_discount_rate", float, 0.10, "discount rate per year for CLV", low=0, high=1),
        Param("margin", float, 0.30, "share of spend kept as margin", low=0, high=1),
        _bank_customers(),
        _seed("the synthetic bank"),
        Param("bank_calibration_months", int, 24, "bank calibration period, months from the window start",
              low=6, high=33),
        _data_param("your transactions", "CDNOW and the synthetic bank"),
        Param("calibration_end", str, "", "your data: last day of the calibration period (YYYY-MM-DD); "
              "empty: halfway between your first and last purchase"),
        Param("compared_models", list, ["bgnbd", "mbgnbd", "paretonbd", "ggnbd"], "customer-base models compared "
              "on the same customers: bgnbd (BG/NBD), mbgnbd (MBG/NBD), paretonbd (Pareto/NBD), ggnbd "
              "(Gamma-Gompertz/NBD, a dropout hazard that changes with age)", item=str,
              choices=("bgnbd", "mbgnbd", "paretonbd", "ggnbd")),
        Param("favour_by", str, "holdout_mae", "holdout criterion that names the favoured model (lower is better): "
              "holdout_mae (per-customer error), tracking_mape_pct (period tracking), bic",
              choices=("holdout_mae", "tracking_mape_pct", "bic")),
        Param("opportunity_models", list, ["bgbb", "bgnbd", "paretonbd"], "models compared at discrete "
              "opportunities (a purchase in a period or not; Fader, Hardie & Shang 2010): bgbb (BG/BB), and the "
              "continuous-time models on the same periods: bgnbd, mbgnbd, paretonbd, ggnbd", item=str,
              choices=("bgbb", "bgnbd", "mbgnbd", "paretonbd", "ggnbd")),
        Param("opportunity_days", int, 7, "length of one opportunity of the discrete-time comparison, days "
              "(7: a purchase week)", low=1, high=365),
    ),
    smoke={"bank_customers": 3_000},
    exhibits=("table-bgnbd-fit", "table-gamma-gamma-fit", "fig-tracking", "table-tracking",
              "fig-conditional-expectations", "table-conditional-expectations", "table-clv-summary",
              "table-clv-holdout", "fig-clv-distribution", "table-bank-clv", "table-bgnbd-recovery",
              "table-model-comparison", "fig-model-tracking", "table-opportunity-comparison", "table-bgbb-donations",
              "table-covariate-models", "table-new-customer-value", "table-settings"),
    check=_check_customer_base_clv,
    roles=("transactions",),
)

def _check_horizons(v: Mapping[str, Any]) -> None:
    if v["as_of"] != "auto" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v["as_of"]):
        raise ParameterError("churn-survival: parameter 'as_of' must be 'auto' or a date YYYY-MM-DD; got "
                             f"{shown(v['as_of'])}")
    if v["observed_from"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v["observed_from"]):
        raise ParameterError("churn-survival: parameter 'observed_from' must be '' or a date YYYY-MM-DD; got "
                             f"{shown(v['observed_from'])}")
    if v["observed_from"] and v["as_of"] != "auto" and v["observed_from"] >= v["as_of"]:
        raise ParameterError(f"churn-survival: parameter 'observed_from' ({v['observed_from']}) must come before "
                             f"'as_of' ({v['as_of']})")



def _check_spells_inputs(v: Mapping[str, Any]) -> None:
    """Your spells: ``as_of`` and ``observed_from`` apply to dated spells only (checked before the kernel); a
    censoring date or a unit the run will have to assume is said here too, where the command line shows it."""
    if not v["data"]:
        return
    import warnings

    from ..errors import DataWarning
    from ..sources.tables import read_sources

    spells = read_sources(v["data"], roles=["spells"])["spells"]
    name = Path(v["data"]).name
    if spells.shape == "dates" and v["as_of"] == "auto" and "observed_to" not in spells.meta:
        warnings.warn(f"churn-survival: {name} states no observed_to; active relationships will be censored at the "
                      "latest date in the table (see table-settings); add observed_to: YYYY-MM-DD to the spells "
                      "entry or set -p as_of=", DataWarning, stacklevel=2)
    if spells.shape == "durations" and "unit" not in spells.meta:
        warnings.warn(f"churn-survival: {name} states no unit for its durations; they will be read as months; add "
                      "unit: days, weeks, months or years to the spells entry", DataWarning, stacklevel=2)
    if spells.shape == "durations":
        for param, given in (("as_of", v["as_of"] != "auto"), ("observed_from", bool(v["observed_from"]))):
            if given:
                raise ParameterError(f"churn-survival: parameter '{param}' applies to spells with start and end "
                                     f"dates; {name} gives durations and an event flag, already "
                                     "censored (drop the parameter)")


CHURN_SURVIVAL = Study(
    name="churn-survival",
    title="When do customers leave and why: Kaplan-Meier, log-rank, Cox PH with checks, AFT",
    title_zh="客户流失的生存分析：客户何时离开，为什么离开？",
    question="When do customers leave, which groups leave faster, and which drivers raise the hazard?",
    data="Telco customer churn (IBM, via modeldata); synthetic bank",
    params=(
        Param("horizons", list, [12, 24, 36], "times at which survival is reported, in the unit below", item=int,
              low=1, high=36_525),
        Param("holdout_share", float, 0.30, "share of customers held out for evaluation (the Cox and AFT models "
              "are fitted on the rest)", low=0.1, high=0.5),
        Param("ph_alpha", float, 0.01, "significance level of the proportional-hazards test", low=0.0001, high=0.2),
        _bank_customers(),
        _seed("the bank and of the holdout split"),
        _data_param("your spells (customer with start and end dates, or a duration and an event flag; covariates)",
                    "Telco and the synthetic bank"),
        Param("covariates", list, "auto", "your data: covariate columns of the spells; 'auto': every column besides "
              "customer_id, start and end (or duration and event)", item=str, special=("auto",)),
        Param("groups", list, "auto", "your data: columns for Kaplan-Meier curves; 'auto': covariates with 2 to 8 "
              "values", item=str, special=("auto",)),
        Param("as_of", str, "auto", "your dated spells: censoring date YYYY-MM-DD; 'auto': observed_to of the data "
              "source file, else the latest start or end date (with a warning)"),
        Param("observed_from", str, "", "your dated spells: first day of observation YYYY-MM-DD; relationships that "
              "began earlier are left-truncated (they enter the risk set at their age on that day); empty: "
              "observed_from of the data source file, else every relationship observed from its start"),
        Param("unit", str, "months", "time unit of durations, horizons, axes and table headers (durations of your "
              "spells are read in the unit their data source file states)",
              choices=("days", "weeks", "months", "years")),
    ),
    smoke={"bank_customers": 3_000},
    exhibits=("fig-km-telco", "table-km-telco", "table-logrank-telco", "table-cox-telco", "table-ph-telco",
              "table-aft-telco", "table-holdout-telco", "fig-km-bank", "table-cox-bank-truth", "table-competing-risks",
              "fig-competing-risks", "table-settings"),
    check=_check_horizons,
    inputs=_check_spells_inputs,
    roles=("spells",),
)

#: churn-targeting's parameters of the built-in data only, and why each does nothing on your customers
_CHURN_BUILTIN_ONLY = {
    "margin_rate": "it sets the margin of Telco's survival-based CLV, and your customers' value is your value column",
    "clv_horizon_months": "it is the horizon of Telco's survival-based CLV, and your customers' value is your value "
                          "column",
    "clv_bootstrap": "it sets the Cox refits of Telco's CLV intervals, and your customers' value is your value column",
    "calibration_months": "it is when Telco's Cox model is checked against the holdout, and your customers have no "
                          "durations",
    "annual_discount_rate": "it discounts Telco's survival-based CLV and the bank's margin annuity, and your value "
                            "column is used as it is",
    "bank_margin_rate": "the synthetic bank is not part of a run on your data",
    "bank_customers": "the synthetic bank is not part of a run on your data",
}


def _check_churn_targeting(v: Mapping[str, Any]) -> None:
    """A parameter that does nothing on the chosen data is refused, not ignored (checked before the kernel)."""
    study = "churn-targeting"
    if not v["data"]:
        if v["features"] != "auto":
            raise ParameterError(f"{study}: parameter 'features' applies to your data; give -p data=... as well")
        return
    defaults = CHURN_TARGETING.defaults()
    for name, why in _CHURN_BUILTIN_ONLY.items():
        if v[name] != defaults[name]:
            raise ParameterError(f"{study}: parameter '{name}' does not apply to your data (-p data=...): {why}; "
                                 "leave it out")


def _check_churn_inputs(v: Mapping[str, Any]) -> None:
    """Your customers: one row each, a 0/1 ``churned`` and a finite ``value``; the features named, or listed
    in the data source file, or (neither) every other column, checked for ids and outcomes (before the kernel)."""
    if not v["data"]:
        return
    from ..errors import ValidationError
    from ..sources.files import check_rows
    from ..sources.tables import read_sources
    from ..targeting import churn_features, churn_table

    source = read_sources(v["data"], roles=["customers"])["customers"]
    first, table = source.head(check_rows()), None  # bounded: the kernel checks the whole table when it reads it
    try:
        table = first.to_pandas()  # the contract, counted in those rows
        customers = churn_table(table)
    except ValidationError as exc:
        where = _in_first(first, table) if table is not None else ""
        raise ParameterError(f"churn-targeting: parameter 'data' ({v['data']}){where}: {exc}") from None
    try:
        churn_features(customers, v["features"], listed=source.features)
    except ValidationError as exc:
        raise ParameterError(f"churn-targeting: parameter 'features' ({_features_origin(v, source)}): {exc}") from None


def _in_first(first: Any, table: Any) -> str:
    """", in its first N rows" when a check before the kernel saw only the first rows of a table."""
    return f", in its first {len(table):,} rows" if first.sampled(len(table)) else ""


def _features_origin(v: Mapping[str, Any], source: Any) -> str:
    if v["features"] != "auto":
        return ",".join(v["features"])
    if source.features is not None:
        return "auto: the features listed in the data source file"
    return "auto: every column besides customer, churned and value"


CHURN_TARGETING = Study(
    name="churn-targeting",
    title="Whom to save: calibrated churn scores, lift and gain, profit of targeted vs mass retention offers",
    title_zh="流失挽留的目标选择：该挽留谁？精准挽留是否比全员优惠更划算？",
    question="Which customers should receive a retention offer, and how much more does targeting earn than a "
             "mass offer?",
    data="Telco customer churn (IBM, via modeldata); synthetic bank",
    params=(
        Param("model", str, "gradient_boosting", "churn classifier: logistic or gradient_boosting",
              choices=("logistic", "gradient_boosting")),
        Param("holdout_share", float, 0.30, "share of customers held out for evaluation", low=0.1, high=0.5),
        Param("offer_cost", float, 20.0, "cost of the retention offer per accepting customer, USD", low=0, high=1e4),
        Param("acceptance_rate", float, 0.30, "share of would-be churners who accept the offer and stay",
              low=0.01, high=1),
        Param("contact_cost", float, 1.0, "cost of contacting one customer, USD", low=0, high=1e3),
        Param("margin_rate", float, 0.30, "Telco: share of the monthly charge kept as margin", low=0.01, high=1),
        Param("clv_horizon_months", int, 24, "Telco: horizon of the survival-based CLV, months", low=1, high=120),
        Param("clv_bootstrap", int, 30, "Telco: Cox refits on resampled customers for the CLV intervals", low=10,
              high=2000),
        Param("calibration_months", int, 24, "Telco: time at which the Cox model's predicted churn is checked against "
              "the holdout, months", low=1, high=72),
        Param("bank_margin_rate", float, 0.03, "bank margin per USD of transaction volume", low=0, high=0.5),
        Param("annual_discount_rate", float, 0.10, "built-in data: discount rate per year of Telco's CLV and the "
              "bank's margin annuity", low=0, high=1),
        _bank_customers(),
        _seed("the bank, the split and the models"),
        _data_param("your customers (customer, churned, value, features)", "Telco and the synthetic bank"),
        Param("features", list, "auto", "your data: columns the churn models use; 'auto': the columns the data "
              "source file lists under features, else every column besides customer, churned and value (refused "
              "if one looks like an id or the outcome)", item=str, special=("auto",)),
    ),
    smoke={"bank_customers": 3_000, "model": "logistic", "clv_bootstrap": 10},
    exhibits=("table-classifiers", "fig-calibration", "table-lift", "fig-gain", "table-survival-clv",
              "table-survival-calibration", "table-targeting", "fig-profit-curve", "fig-depth-heatmap",
              "table-depth-grid"),
    check=_check_churn_targeting,
    inputs=_check_churn_inputs,
    roles=("customers",),
)

def _call_inputs(study: str) -> Callable[[Mapping[str, Any]], None]:
    def check(v: Mapping[str, Any]) -> None:
        """Your calls table's intervals must be ``interval_minutes`` apart (checked before the kernel)."""
        if not v["data"]:
            return
        from ..errors import ValidationError
        from ..service.arrivals import check_interval_length
        from ..sources.files import check_rows
        from ..sources.tables import read_sources

        calls = read_sources(v["data"], roles=["calls"])["calls"]
        if "calls" not in calls.schema():  # a call log: counted per interval_minutes where it lives
            return
        try:
            check_interval_length(calls.head(check_rows()).to_pandas(), v["interval_minutes"], time="interval_start")
        except ValidationError as exc:
            raise ParameterError(f"{study}: parameter 'interval_minutes': {exc}") from None

    return check


CALL_CENTRE_STAFFING = Study(
    name="call-centre-staffing",
    title="Call-centre staffing with Erlang C and Erlang A; IVR and SMS deflection; SLA attainment",
    title_zh="呼叫中心排班：各时段坐席数、IVR 与短信分流、SLA 达成",
    question="How many agents does each interval need for the service-level target, what do IVR containment "
             "and proactive SMS save, and are service tickets handled within their SLAs?",
    data="Bank call volumes (fpp3::bank_calls); synthetic bank tickets",
    params=(
        Param("aht_seconds", float, 300.0, "average handle time of an agent call, seconds", low=10, high=3600),
        Param("target", float, 0.80, "service-level target: share answered within answer_within", low=0.5, high=0.99),
        Param("answer_within", float, 20.0, "service-level threshold, seconds", low=1, high=600),
        Param("shrinkage", float, 0.30, "share of paid time agents are not on the phones", low=0, high=0.8),
        Param("patience_seconds", float, 180.0, "mean caller patience for Erlang A, seconds", low=5, high=3600),
        Param("ivr_containment", float, 0.30, "current share of calls fully served by the IVR", low=0, high=0.9),
        Param("containment_gain_points", float, 3.0, "rise in IVR containment, percentage points", low=0, high=30),
        Param("sms_call_reduction", float, 0.05, "share of agent calls removed by proactive SMS", low=0, high=0.5),
        _bank_customers(help="customers of the synthetic bank (its service tickets)"),
        _seed("the synthetic bank"),
        _data_param("your calls per interval (and optionally tickets)",
                    "the fpp3 bank calls and the synthetic bank's tickets"),
        Param("interval_minutes", float, 5.0, "length of one interval of the calls table, minutes", low=1, high=60),
        Param("respond_hours", float, 2.0, "SLA: first response within, hours", low=0.01, high=1000),
        Param("on_site_hours", float, 24.0, "SLA: engineer on site within, hours", low=0.01, high=1000),
        Param("resolve_hours", float, 48.0, "SLA: resolved within, hours", low=0.01, high=1000),
        Param("resolution_horizons", list, [24, 48, 72], "hours at which the share of tickets still unresolved is "
              "reported", item=int, low=1, high=8760),
        Param("resolution_window_hours", float, 168.0, "hours since creation shown in the figure of unresolved "
              "tickets (168 is one week)", low=1, high=8760),
        Param("shift_hours", list, [8.0, 4.0], "shift lengths offered to the scheduler, hours", item=float, low=0.5,
              high=16),
        Param("break_minutes", float, 30.0, "unpaid break in the middle of shifts over 4 hours, minutes",
              low=0, high=120),
    ),
    inputs=_call_inputs("call-centre-staffing"),
    smoke={"bank_customers": 3_000},
    exhibits=("fig-arrival-profile", "table-staffing-summary", "fig-staffing", "table-scenarios",
              "table-rounding", "table-shift-schedule", "table-sla", "fig-resolution-km", "table-kpis"),
    roles=("calls",),
    optional_roles=("tickets",),
)

def _check_call_forecasting(v: Mapping[str, Any]) -> None:
    from ..errors import ValidationError
    from ..service.skills import parse_mix

    study = "call-forecasting"
    if v["staffing_horizon"] > v["horizon_days"]:
        raise ParameterError(f"{study}: parameter 'staffing_horizon' ({v['staffing_horizon']}) must be at most "
                             f"'horizon_days' ({v['horizon_days']})")
    if v["weekday_harmonics"] > v["harmonics"]:
        raise ParameterError(f"{study}: parameter 'weekday_harmonics' ({v['weekday_harmonics']}) must be at most "
                             f"'harmonics' ({v['harmonics']})")
    try:
        parse_mix(v["skill_mix"])
    except ValidationError as exc:
        raise ParameterError(f"{study}: parameter 'skill_mix': {exc}") from None


CALL_FORECASTING = Study(
    name="call-forecasting",
    title="Call forecasting: forecast the calls, staff from the forecast, pool the skill lines",
    title_zh="来电预测：预测来电、依预测排班、合并技能专线",
    question="How accurately can 5-minute call volumes be forecast days ahead, what service level does staffing "
             "from the forecast achieve, what does under-forecasting cost, and how many agents do dedicated skill "
             "lines need against one pooled line or cross-trained agents?",
    data="Bank call volumes (fpp3::bank_calls); simulated skill-based routing",
    params=(
        Param("test_days", int, 50, "held-out days; each is a forecast origin (rolling origin)", low=1, high=150),
        Param("horizon_days", int, 5, "forecast horizon, observed (working) days ahead", low=1, high=20),
        Param("profile_weeks", int, 4, "weeks averaged by the profile method and for intraday shares", low=1, high=20),
        Param("harmonics", int, 10, "Fourier pairs of the time of day in the harmonic regression", low=0, high=40),
        Param("weekday_harmonics", int, 3, "how many of those pairs differ by weekday", low=0, high=40),
        Param("staffing_horizon", int, 5, "forecasts made this many days ahead are staffed (schedules are made a "
              "week ahead)", low=1, high=20),
        Param("staffing_quantiles", list, [0.5, 0.75, 0.9], "predictive quantiles to staff for, besides the mean",
              item=float, low=0, high=0.999, open_low=True),
        Param("bias_factors", list, [0.9, 0.95, 1.05, 1.1], "the forecast times each factor: the cost of under- and "
              "over-forecasting", item=float, low=0, high=3, open_low=True),
        Param("aht_seconds", float, 300.0, "average handle time of an agent call, seconds", low=10, high=3600),
        Param("target", float, 0.80, "service-level target: share answered within answer_within", low=0.5, high=0.99),
        Param("answer_within", float, 20.0, "service-level threshold, seconds", low=1, high=600),
        Param("skill_mix", str, "general:0.60,vip:0.08,english:0.05,cantonese:0.05,instalments:0.08,disputes:0.06,"
              "fraud:0.04,collections:0.04", "skill lines and their shares of calls, name:share (shares add up to 1)"),
        Param("cross_trained_shares", list, [0.1, 0.2, 0.3], "shares of cross-trained agents to size", item=float,
              low=0, high=0.95, open_low=True),
        Param("busy_hour_calls", float, 0.0, "calls per hour the lines are sized for; 0: the busiest hour of the data",
              low=0, high=1e6),
        Param("hourly_cost", float, 25.0, "paid cost of an agent hour, USD", low=0, high=1e4),
        Param("cross_trained_premium", float, 0.10, "extra pay of a cross-trained agent, share of the hourly cost",
              low=0, high=2),
        Param("setup_cost_per_line", float, 30_000.0, "set-up cost of a separate line (routing, IVR branch, "
              "training), USD", low=0, high=1e9),
        Param("amortisation_years", list, [3.0, 5.0], "horizons over which the set-up cost is spread, years",
              item=float, low=0, high=30, open_low=True),
        Param("shrinkage", float, 0.30, "share of paid time agents are not on the phones", low=0, high=0.8),
        Param("open_hours_per_year", float, 3500.0, "opening hours a year (14 h x 250 working days)", low=1, high=8784),
        Param("sim_calls", int, 1_000_000, "simulated calls per staffing candidate (about 11 days of the busy hour)",
              low=5_000, high=20_000_000),
        _seed("the skill-line simulation"),
        _data_param("your calls (per interval or a call log)", "the fpp3 bank calls"),
        Param("interval_minutes", float, 5.0, "length of one interval of the calls table, minutes", low=1, high=60),
    ),
    smoke={"test_days": 8, "horizon_days": 3, "staffing_horizon": 3, "sim_calls": 20_000,
           "cross_trained_shares": [0.2]},
    exhibits=("fig-accuracy-horizon", "fig-forecast-day", "fig-forecast-staffing", "fig-pooling", "table-accuracy",
              "table-accuracy-horizon", "table-forecast-staffing", "table-under-forecast", "table-pooling",
              "table-pooling-check", "table-line-costs"),
    check=_check_call_forecasting,
    inputs=_call_inputs("call-forecasting"),
    roles=("calls",),
)

#: Columns of modeldata::attrition (as the study prepares it) that ``attrition_covariates`` may name.
_ATTRITION_COLUMNS = ("age", "business_travel", "department", "distance_from_home", "environment_satisfaction",
                      "gender", "job_involvement", "job_level", "job_satisfaction", "marital_status",
                      "monthly_income_k", "num_companies_worked", "over_time", "percent_salary_hike",
                      "relationship_satisfaction", "stock_option_level", "total_working_years",
                      "training_times_last_year", "work_life_balance", "years_since_last_promotion")


def _check_service_recovery(v: Mapping[str, Any]) -> None:
    study = "service-recovery"
    if v["calls_threshold"] > v["calls_cap"]:
        raise ParameterError(f"{study}: parameter 'calls_threshold' ({v['calls_threshold']}) must be at most "
                             f"'calls_cap' ({v['calls_cap']})")


def _check_recovery_inputs(v: Mapping[str, Any]) -> None:
    """Your spells, complaint cases (and managers) put on each customer's clock before the kernel starts
    (each table's contract is checked by ``preflight``): every case's customer, one spell per customer, the
    dates against as_of, the covariates named, and a cause column's exits (known causes, two or more, each named
    cause with an exit; :func:`crmresearch.survival.recovery.exit_causes`)."""
    study = "service-recovery"
    for name, default in (("as_of", ""), ("covariates", "auto"), ("causes", "auto")):
        if v[name] != default and not v["data"]:
            raise ParameterError(f"{study}: parameter '{name}' applies to your data; give -p data=... as well")
    if not v["data"]:
        return
    from ..errors import ValidationError
    from ..sources.files import check_rows
    from ..sources.tables import read_sources
    from ..survival.recovery import day_clock, exit_causes, fixed_covariates

    try:
        yours = read_sources(v["data"], roles=["spells", "cases"])
        firsts = {role: src.head(check_rows()) for role, src in yours.items()}
        tables = {role: src.to_pandas() for role, src in firsts.items()}
        fixed_covariates(tables["spells"], v["covariates"])
        # the day clock links cases to spells: decided here when every table fits the budget, else in the kernel
        named = None if v["causes"] == "auto" else v["causes"]
        if named is not None and "cause" not in tables["spells"].columns:
            raise ParameterError(f"{study}: parameter 'causes' names exit causes {named}, but the spells table of "
                                 f"{v['data']} has no cause column; map one (columns: {{cause: ...}}) or leave "
                                 "causes at auto")
        if not any(firsts[role].sampled(len(tables[role])) for role in tables):
            clock = day_clock(tables["spells"], tables["cases"], v["as_of"] or None, tables.get("managers"))
            if "cause" in tables["spells"].columns:  # why each customer left: unknown, single or missing causes
                exit_causes(clock.subjects, named)
    except ValidationError as exc:
        raise ParameterError(f"{study}: parameter 'data' ({v['data']}): {exc}") from None


SERVICE_RECOVERY = Study(
    name="service-recovery",
    title="Service recovery: complaints, first-contact ownership and staff continuity",
    title_zh="服务补救：投诉、首问负责制与员工稳定性",
    question="How much faster are complaints resolved when the first agent keeps the case, how do open and slow "
             "complaints, compensation and a departing relationship manager change churn, what drives staff "
             "attrition, and how does churn rise with calls to customer service?",
    data="Service-recovery simulator (known effects); modeldata::attrition; modeldata::mlc_churn",
    params=(
        _bank_customers(help="customers of the simulated bank"),
        Param("managers", int, 200, "relationship managers of the simulated bank", low=2, high=100_000),
        Param("months", int, 36, "months of observation", low=6, high=240),
        _seed("the simulator"),
        Param("complaints_per_year", float, 0.30, "complaints per customer and year (simulator)", low=0.01, high=10),
        Param("owner_kept_share", float, 0.60, "share of cases the first agent keeps until closed (simulator)",
              low=0.05, high=0.95),
        Param("slow_days", float, 7.0, "a resolution taking longer than this many days is slow (the simulator's "
              "rule too)", low=0.5, high=90),
        Param("effect_open", float, 0.90, "true log hazard ratio of churn while a complaint is open (simulator)",
              low=-3, high=3),
        Param("effect_slow", float, 0.50, "true log hazard ratio after a slow resolution (simulator)", low=-3, high=3),
        Param("effect_compensation", float, -0.40, "true log hazard ratio after a compensated resolution "
              "(simulator)", low=-3, high=3),
        Param("effect_manager_left", float, 0.70, "true log hazard ratio after the relationship manager left "
              "(simulator)", low=-3, high=3),
        Param("resolution_horizons", list, [1.0, 3.0, 7.0, 14.0], "days at which the share of cases still unresolved "
              "is reported", item=float, low=0, high=365, open_low=True),
        Param("attrition_covariates", list, ["over_time", "job_satisfaction", "environment_satisfaction",
                                             "work_life_balance", "monthly_income_k", "distance_from_home",
                                             "business_travel", "marital_status"],
              "drivers of staff attrition (columns of modeldata::attrition)", item=str, choices=_ATTRITION_COLUMNS),
        Param("calls_cap", int, 5, "customer-service calls from this count on are pooled (e.g. 5+)", low=1, high=9),
        Param("calls_threshold", int, 4, "the odds-ratio model contrasts this many calls or more with fewer",
              low=1, high=9),
        Param("alpha", float, 0.05, "1 - confidence level of the intervals", low=0.001, high=0.5),
        _data_param("your spells and cases (and optionally managers)", "the service-recovery simulator"),
        Param("as_of", str, "", "your data: the date the tables describe (YYYY-MM-DD); empty: their latest date"),
        Param("covariates", list, "auto", "your data: fixed covariates of the churn model from the spells table; "
              "'auto': every column besides the ids and dates", item=str, special=("auto",)),
        Param("cause_horizons", list, [180.0, 365.0, 730.0], "days after the first resolution of a complaint at "
              "which the share gone for each exit cause is reported", item=float, low=0, high=3650, open_low=True),
        Param("causes", list, "auto", "your data: the exit causes of the spells' cause column in reporting order "
              "(other values are an error; each needs an exit); 'auto': those that occur", item=str,
              special=("auto",)),
    ),
    smoke={"bank_customers": 3_000, "managers": 40},
    exhibits=("fig-resolution-km", "table-resolution", "table-resolution-logrank", "fig-recovery-effects",
              "table-recovery-effects", "table-fixed-vs-varying", "table-panel-rows", "table-recovery-causes",
              "table-recovery-incidence", "fig-recovery-incidence", "fig-attrition-km",
              "table-attrition-km", "table-attrition-cox", "fig-service-calls", "table-service-calls",
              "table-service-calls-model"),
    check=_check_service_recovery,
    inputs=_check_recovery_inputs,
    roles=("spells", "cases"),
    optional_roles=("managers",),
)

def _check_prospect_conversion(v: Mapping[str, Any]) -> None:
    if sum(v["grade_shares"]) >= 1:
        raise ParameterError("prospect-conversion: parameter 'grade_shares' must be three top shares (A, B, C) adding "
                             f"up to less than 1; got {shown(v['grade_shares'])}")


def _check_prospect_inputs(v: Mapping[str, Any]) -> None:
    """The feature and reference columns named are in your prospects (their contract is checked by
    ``preflight``: one row per prospect, 0/1 converted with both outcomes, a value)."""
    if not v["data"] or (v["features"] == "auto" and v["reference_source"] == "auto"):
        return
    from ..sources.files import check_rows
    from ..sources.tables import read_sources

    study = "prospect-conversion"
    first = read_sources(v["data"], roles=["prospects"])["prospects"].head(check_rows())
    table = first.to_pandas()  # bounded: a value only later rows hold is left to the kernel's full read
    if v["features"] != "auto":
        absent = [c for c in v["features"] if c not in table.columns]
        if absent:
            raise ParameterError(f"{study}: parameter 'features': column(s) {absent} are not in your prospects; "
                                 f"it has {list(table.columns)[:15]}")
    if v["reference_source"] != "auto" and ("source" not in table.columns
                                            or (v["reference_source"] not in set(table["source"].astype(str))
                                                and not first.sampled(len(table)))):
        raise ParameterError(f"{study}: parameter 'reference_source': {shown(v['reference_source'])} is not a value of "
                             "your prospects' 'source' column")


PROSPECT_CONVERSION = Study(
    name="prospect-conversion",
    title="Prospect conversion: whom to approach, through which channel, and what to offer next",
    title_zh="潜在客户转化：接触谁、通过什么渠道、下一款产品推荐什么",
    question="Which prospects are worth a personal approach, how much more does approaching the top grades earn "
             "than mailing everyone, do referred prospects convert better once the mix is accounted for, when are "
             "prospects reached, and does a next-product model beat the most popular product?",
    data="Prospect simulator (known effects); AER::CreditCard applications",
    params=(
        Param("prospect_count", int, 20_000, "prospects of the simulated bank", low=1_000, high=2_000_000),
        _bank_customers(10_000, "customers whose product holdings are simulated (for the next-product model)"),
        _seed("the simulator and the models"),
        Param("holdout_share", float, 0.30, "share of prospects and customers held out to evaluate the models",
              low=0.1, high=0.5),
        Param("conversion_model", str, "gradient_boosting", "conversion model behind the grades: logistic or "
              "gradient_boosting", choices=("logistic", "gradient_boosting")),
        Param("grade_shares", list, [0.10, 0.20, 0.30], "top shares of expected value graded A, B and C (the rest D)",
              item=float, low=0, high=0.9, open_low=True, length=3),
        Param("contact_cost", float, 60.0, "cost of a personal approach (about an hour of staff time over up to 3 "
              "calls), USD", low=0, high=1e5),
        Param("mail_cost", float, 1.5, "cost of mailing one prospect, USD", low=0, high=1e4),
        Param("mail_response_ratio", float, 0.25, "a mailing converts this share of what a personal approach "
              "converts", low=0, high=1),
        Param("offer_acceptance", float, 0.30, "P(a customer accepts an offer of the product he would buy next)",
              low=0, high=1),
        Param("offer_margin", float, 150.0, "first-year margin of an accepted cross-sell offer, USD", low=0, high=1e6),
        Param("offer_cost", float, 5.0, "cost of one cross-sell offer, USD", low=0, high=1e4),
        Param("alpha", float, 0.05, "1 - confidence level of the intervals", low=0.001, high=0.5),
        _data_param("your prospects (prospect_id, converted, value, source, traits)", "the prospect simulator"),
        Param("features", list, "auto", "your data: columns the models use; 'auto': every column besides "
              "prospect_id, converted and value", item=str, special=("auto",)),
        Param("reference_source", str, "auto", "your data: lead source the others are compared with; 'auto': the "
              "largest"),
    ),
    smoke={"prospect_count": 4_000, "bank_customers": 3_000},
    exhibits=("fig-conversion-by-source", "table-conversion-by-source", "table-source-effects",
              "table-conversion-models", "table-grades", "fig-approach-profit", "table-approach-profit",
              "table-contact-timing", "table-next-product", "table-real-card-grades"),
    check=_check_prospect_conversion,
    inputs=_check_prospect_inputs,
    roles=("prospects",),
)

def _check_customer_base_health(v: Mapping[str, Any]) -> None:
    study = "customer-base-health"
    for name in ("size_cuts", "price_cuts", "volume_cuts", "level_cuts"):
        cuts = v[name]
        if sorted(cuts) != cuts or len(set(cuts)) != len(cuts):
            raise ParameterError(f"{study}: parameter '{name}' must be {len(cuts)} increasing cut-offs (three bands); "
                                 f"got {shown(cuts)}")


def _check_health_inputs(v: Mapping[str, Any]) -> None:
    """The as-of date of your accounts (the accounts and transactions contracts are checked by ``preflight``:
    one row per account with an issue date and an optional balance; the account in ``customer_id``)."""
    from ..errors import ValidationError

    study = "customer-base-health"
    if v["as_of"] and not v["data"]:
        raise ParameterError(f"{study}: parameter 'as_of' applies to your data; give -p data=... as well")
    if not v["data"] or not v["as_of"]:
        return
    from ..schemas.checks import as_date

    try:
        as_date(v["as_of"], "as_of", study)
    except ValidationError as exc:
        raise ParameterError(f"{study}: parameter 'as_of': {exc}") from None


CUSTOMER_BASE_HEALTH = Study(
    name="customer-base-health",
    title="Customer-base health: effective customers, activity and class grids",
    title_zh="客户群健康度：有效客户、活跃度与分类网格",
    question="How many reported customers are effective once empty and dormant accounts are taken out, how well do "
             "inactivity rules find live accounts against BG/NBD P(alive), how do retailers and customers spread "
             "over class grids and move between periods, and can a new account's level be predicted early?",
    data="Card-base simulator (known status); CDNOW (Fader, Hardie & Lee 2005)",
    params=(
        Param("card_accounts", int, 20_000, "cards issued by the simulated bank", low=1_000, high=2_000_000),
        Param("merchants", int, 2_000, "merchants of the simulated bank", low=100, high=1_000_000),
        Param("months", int, 24, "months of the simulated window", low=18, high=120),
        _seed("the simulator"),
        Param("never_activated_share", float, 0.25, "share of cards never used (simulator)", low=0, high=0.9),
        Param("inactive_days", float, 180.0, "an account with no transaction in this many days is dormant", low=1,
              high=3650),
        Param("balance_floor", float, 10.0, "an active account with a balance below this is not effective, USD",
              low=0, high=1e6),
        Param("revenue_rate", float, 0.02, "bank revenue per USD of card spend (interchange and fees)", low=0,
              high=1),
        Param("rule_days", list, [90.0, 180.0, 365.0], "inactivity windows compared with BG/NBD P(alive), days",
              item=float, low=0, high=3650, open_low=True),
        Param("alive_threshold", float, 0.5, "P(alive) above which BG/NBD calls an account alive", low=0.01,
              high=0.99),
        Param("size_cuts", list, [250.0, 1000.0], "annual card volume cut-offs of small / medium / large merchants, "
              "thousand USD", item=float, low=0, high=1e9, open_low=True, length=2),
        Param("price_cuts", list, [12.5, 16.0], "dollars per CD cut-offs of the low / mid / high price bands",
              item=float, low=0, high=1e9, open_low=True, length=2),
        Param("volume_cuts", list, [3.0, 7.0], "CDs bought cut-offs of the low / mid / high volume bands (per 39 "
              "weeks)", item=float, low=0, high=1e9, open_low=True, length=2),
        Param("early_days", int, 90, "days of a new account's behaviour used to predict its level", low=7, high=180),
        Param("level_cuts", list, [300.0, 1500.0], "first-year spend cut-offs of the low / mid / high level, USD",
              item=float, low=0, high=1e9, open_low=True, length=2),
        Param("min_cell", int, 10, "grid cells with fewer units have their value suppressed", low=1, high=1000),
        Param("min_level_accounts", int, 100, "fewest accounts with a full year of history for the level model "
              "(fewer: the model is skipped, saying so)", low=20, high=1_000_000),
        Param("holdout_share", float, 0.30, "share of those accounts held out to score the level model", low=0.1,
              high=0.5),
        _cdnow("CDNOW transactions for the price x volume grid"),
        _data_param("your accounts and transactions", "the simulated card base"),
        Param("as_of", str, "", "your data: date of the account status (YYYY-MM-DD); empty: the last transaction "
              "date"),
    ),
    smoke={"card_accounts": 3_000, "merchants": 300, "dataset": "cdnow_sample"},
    exhibits=("fig-funnel", "table-funnel", "table-status-vs-truth", "table-revenue-per-customer", "fig-alive-rules",
              "table-alive-rules", "table-bgnbd-card", "fig-merchant-grid", "table-merchant-grid",
              "table-merchant-migration", "fig-cdnow-grid", "table-cdnow-grid", "table-cdnow-migration",
              "table-level-model", "table-level-confusion", "table-level-accuracy"),
    check=_check_customer_base_health,
    inputs=_check_health_inputs,
    roles=("accounts", "transactions"),
    needs={"transactions": ("amount",)},  # revenue per customer and the level model sum card spend
)

def _check_credit_lifecycle(v: Mapping[str, Any]) -> None:
    study = "credit-lifecycle"
    cuts = v["cutoffs"]
    if sorted(cuts) != cuts or len(set(cuts)) != len(cuts):
        raise ParameterError(f"{study}: parameter 'cutoffs' must be increasing scores; got {shown(cuts)}")
    if 0 in v["placebo_offsets"] or len(set(v["placebo_offsets"])) != len(v["placebo_offsets"]):
        raise ParameterError(f"{study}: parameter 'placebo_offsets' must be distinct and non-zero (0 is the true "
                             f"cut-off); got {shown(v['placebo_offsets'])}")
    if v["call_capacity"] > v["collection_queue"]:
        raise ParameterError(f"{study}: parameter 'call_capacity' ({v['call_capacity']}) must not exceed "
                             f"'collection_queue' ({v['collection_queue']}): there is nobody left to call")


def _check_credit_inputs(v: Mapping[str, Any]) -> None:
    """Your delinquency statuses: known buckets or days past due, one status per account and month (your
    applications' outcome and ids are checked by their contract)."""
    if not v["data"]:
        return
    from ..sources.files import check_rows
    from ..sources.tables import read_sources
    from .inputs.credit_lifecycle import check_delinquency

    dq = read_sources(v["data"], roles=["applications"], optional=["delinquency"]).get("delinquency")
    if dq is not None:
        check_delinquency(dq.head(check_rows()).to_pandas(check=False), dq.user_names, dq.name)


CREDIT_LIFECYCLE = Study(
    name="credit-lifecycle",
    title="The card credit lifecycle: scorecard, admission, limit increases, delinquency and stability",
    title_zh="信用卡信贷生命周期：评分卡、准入、额度提升、逾期与稳定性",
    question="How well does an explainable points scorecard rank applicants against gradient boosting, what do "
             "stricter rules for multi-lender applicants cost in approvals and profit, what does a limit increase "
             "do to spend, attrition and default (regression discontinuity against the naive comparison), what "
             "allowance do roll rates between delinquency buckets imply, and is the applicant population stable?",
    data="modeldata credit_data and lending_club; causaldata credit_cards; card simulator (known limit effects, "
         "roll rates and call uplift)",
    params=(
        _seed("the simulators and the holdout split"),
        Param("holdout_share", float, 0.3, "share of applicants and loans held out to score the models", low=0.1,
              high=0.5),
        Param("pdo", float, 20.0, "points to double the odds", low=1, high=200),
        Param("base_score", float, 600.0, "score at the base odds", low=0, high=2000),
        Param("base_odds", float, 50.0, "good to bad odds at the base score", low=0.01, high=10_000, open_low=True),
        Param("max_bins", int, 6, "most bins per characteristic besides the missing bin", low=2, high=20),
        Param("min_bin_share", float, 0.05, "fewest applicants in a bin, as a share of all", low=0.01, high=0.3),
        Param("boosting_rounds", int, 200, "boosting iterations of the gradient-boosting benchmark", low=10,
              high=5_000),
        Param("cutoffs", list, [500.0, 520.0, 540.0, 560.0, 580.0, 600.0],
              "lending_club score cut-offs of the admission trade-off, points (approve at or above)", item=float, low=0,
              high=2000),
        Param("inquiry_limit", int, 2, "stricter rule: decline above this many credit inquiries in 6 months",
              low=0, high=50),
        Param("open_accounts_limit", int, 4, "stricter rule: decline above this many active instalment accounts",
              low=0, high=50),
        Param("margin", float, 0.08, "net earnings on a good loan over its life per USD lent", low=0, high=1),
        Param("lgd", float, 0.75, "loss given default: share of a bad loan or a charged-off balance lost", low=0,
              high=1),
        Param("limit_accounts", int, 20_000, "accounts of the limit-increase simulator", low=2_000,
              high=2_000_000),
        Param("limit_cutoff", float, 660.0, "behaviour score at or above which limits are raised (simulator)",
              low=580, high=740),
        Param("rd_bandwidth", float, 0.0, "RD bandwidth in score points; 0 chooses it by Imbens-Kalyanaraman",
              low=0, high=300),
        Param("placebo_offsets", list, [-40.0, -20.0, 20.0, 40.0], "placebo cut-offs, points from the true one",
              item=float, low=-150, high=150),
        Param("rd_bin", float, 5.0, "width of the score bins of the RD chart, points", low=1, high=50),
        Param("delinquency_accounts", int, 20_000, "accounts of the delinquency simulator", low=1_000,
              high=2_000_000),
        Param("months", int, 24, "months of the simulated delinquency panel", low=6, high=120),
        Param("psi_bins", int, 10, "score bands of the population stability index (deciles)", low=2, high=50),
        Param("collection_history", int, 40_000, "past delinquent accounts of the collections simulator, half "
              "called at random", low=2_000, high=2_000_000),
        Param("collection_queue", int, 10_000, "delinquent accounts in today's collections queue (simulator)",
              low=500, high=2_000_000),
        Param("call_capacity", int, 1_000, "calls collections can make today", low=1, high=2_000_000),
        Param("uplift_bands", int, 4, "balance bands per bucket of the call uplift (1: by bucket only)", low=1,
              high=20),
        _data_param("your applications (applicant, outcome 0/1 bad flag, characteristics) and optionally monthly "
                    "delinquency statuses (account, month, status)", "credit_data, lending_club and the simulators"),
    ),
    smoke={"limit_accounts": 4_000, "delinquency_accounts": 2_000, "months": 12, "boosting_rounds": 20,
           "collection_history": 8_000, "collection_queue": 2_000, "call_capacity": 400},
    exhibits=("table-iv", "table-scorecard", "table-discrimination", "fig-ks", "table-score-bands",
              "table-admission", "fig-admission", "table-rd", "fig-rd", "table-rd-checks", "table-roll-rates",
              "table-expected-loss", "table-psi", "table-csi", "table-observed-roll-rates", "table-call-policies",
              "fig-call-policies"),
    check=_check_credit_lifecycle,
    inputs=_check_credit_inputs,
    roles=("applications",),
    optional_roles=("delinquency",),
)


def _check_campaign_inputs(v: Mapping[str, Any]) -> None:
    """The uplift features named are columns of your campaign (its contract is checked by ``preflight``)."""
    if not v["data"] or v["features"] == "auto":
        return
    from ..sources.tables import read_sources

    columns = list(read_sources(v["data"], roles=["campaign"])["campaign"].schema())
    absent = [c for c in v["features"] if c not in columns]
    if absent:
        raise ParameterError(f"campaign-experiment: parameter 'features': column(s) {absent} are not in the campaign")


CAMPAIGN_EXPERIMENT = Study(
    name="campaign-experiment",
    title="Is the proactive SMS / retention offer working? Power, A/B analysis, uplift",
    title_zh="营销活动实验：主动短信/挽留优惠是否有效，对谁有效？",
    question="How large must the test be, did the campaign reduce churn and inbound contacts, for whom, and "
             "does targeting by uplift beat targeting by risk?",
    data="Synthetic bank campaign (randomised, with known segment effects)",
    params=(
        Param("alpha", float, 0.05, "significance level", low=0.001, high=0.2),
        Param("power", float, 0.80, "power of the planned test", low=0.5, high=0.99),
        Param("min_relative_effect", float, 0.20, "smallest relative churn reduction worth detecting",
              low=0.01, high=0.9),
        Param("uplift_method", str, "two_model", "uplift estimator: two_model or class_transformation",
              choices=("two_model", "class_transformation")),
        Param("offer_cost", float, 10.0, "cost per treated customer, USD", low=0, high=1e4),
        Param("value_saved", float, 600.0, "value of a customer kept from churning, USD", low=0, high=1e6),
        _bank_customers(60_000),
        _seed("the bank and the models"),
        _data_param("your campaign (customer, treated, outcome)", "the synthetic bank's campaign"),
        Param("segment_column", str, "segment", "column to break the effect down by, or 'none'"),
        Param("features", list, "auto", "your data: uplift features; 'auto': every column besides customer_id, "
              "treated and outcome", item=str, special=("auto",)),
    ),
    smoke={"bank_customers": 6_000},
    exhibits=("table-power", "fig-power", "table-ab-effects", "table-balance", "table-contacts", "fig-qini",
              "table-qini", "table-uplift-deciles", "table-uplift-segments", "table-targeting-profit",
              "fig-targeting-profit"),
    roles=("campaign",),
    inputs=_check_campaign_inputs,
)

def _check_mga_split(v: Mapping[str, Any]) -> None:
    col, sep, value = str(v["mga_split"]).partition(":")
    if v["mga_split"] != "none" and not (sep and col.strip() and value.strip()):
        raise ParameterError("satisfaction-acsi: parameter 'mga_split' must be 'column:value' (e.g. value_tier:lead) "
                             f"or 'none'; got {shown(v['mga_split'])}")


def _check_satisfaction_inputs(v: Mapping[str, Any]) -> None:
    """The model file parses into a valid path model, the target is one of its constructs, and the
    survey CSV holds every item and grouping column, its answers lie on the model's scale(s) and it has
    enough respondents for ``predict_folds`` (before any kernel starts)."""
    from ..errors import ValidationError
    from ..satisfaction import specs

    study = "satisfaction-acsi"
    try:
        spec = specs.load_model(v["model"])
    except ValidationError as exc:
        raise ParameterError(f"{study}: parameter 'model' ({v['model']}): {exc}; it must be 'ECSI', 'ACSI' or a "
                             "YAML/JSON file with 'paths' and 'blocks'") from None
    constructs = list(spec.blocks)
    if v["target"] != "auto" and v["target"] not in constructs:
        raise ParameterError(f"{study}: parameter 'target' must be 'auto' or a construct of the {spec.name} model "
                             f"({', '.join(constructs)}); got {shown(v['target'])}")
    if not v["survey_csv"]:
        return
    try:
        columns, _ = specs.read_header(v["survey_csv"])
        spec.resolve(columns)
    except ValidationError as exc:
        raise ParameterError(f"{study}: parameter 'survey_csv' ({v['survey_csv']}): {exc}") from None
    if v["group_columns"] != "auto":
        absent = [c for c in v["group_columns"] if c not in columns]
        if absent:
            raise ParameterError(f"{study}: parameter 'group_columns': column(s) {absent} are not in "
                                 f"{v['survey_csv']}; it has {columns[:15]}; name columns of the survey, 'auto' "
                                 "or 'none'")
    try:  # a survey is small: read it whole, as the notebook will (answers on the scale, missing answers)
        survey, _ = specs.load_survey(v["survey_csv"], spec, missing=v["missing"])
    except ValidationError as exc:
        model = "" if str(v["model"]).upper() in specs.MODELS else f" and the 'scale' key of {Path(v['model']).name}"
        raise ParameterError(f"{study}: parameter 'survey_csv' ({Path(v['survey_csv']).name}){model}: {exc}") from None
    most = len(survey) // 5
    if v["predict_folds"] > most:
        raise ParameterError(f"{study}: parameter 'predict_folds' ({v['predict_folds']}) must be at most n / 5 = "
                             f"{most} for the {len(survey)} respondents of {Path(v['survey_csv']).name} (each fold "
                             "needs at least 5); lower it, e.g. -p predict_folds=" + str(max(2, min(most, 5))))


SATISFACTION_ACSI = Study(
    name="satisfaction-acsi",
    title="What drives satisfaction and loyalty? An ECSI/ACSI model by PLS path modelling",
    title_zh="什么驱动顾客满意和忠诚？基于 PLS 路径建模的 ECSI 模型",
    question="How well do the survey blocks measure image, expectations, quality, value, satisfaction, complaints "
             "and loyalty; which drivers move satisfaction most, where does the bank perform worst relative to "
             "importance, and how does the satisfaction index differ by region and value tier?",
    data="Synthetic bank survey (1,000 respondents, 25 items on 1-10, known paths); or any survey CSV + model file",
    params=(
        Param("survey_csv", str, "", "survey CSV, one row per respondent (empty: the synthetic bank survey)",
              file=True),
        Param("model", str, "ECSI", "'ECSI', 'ACSI' or a YAML/JSON model file", file=True, names=("ECSI", "ACSI")),
        Param("scheme", str, "path", "inner weighting scheme: centroid, factorial or path",
              choices=("centroid", "factorial", "path")),
        Param("consistent", bool, True, "consistent PLS (PLSc): paths corrected for measurement error"),
        Param("missing", str, "error", "missing answers: 'error' stops with counts, 'listwise' drops incomplete "
              "respondents", choices=("error", "listwise")),
        Param("bootstrap_resamples", int, 5000, "bootstrap resamples for intervals", low=100, high=100_000),
        Param("alpha", float, 0.05, "1 - confidence level of the intervals", low=0.001, high=0.5),
        Param("target", str, "auto", "construct whose index is broken down and whose drivers the IPMA ranks; "
              "'auto': the model's own target (SAT for ECSI/ACSI), else its final endogenous construct"),
        Param("group_columns", list, "auto", "columns to break the index down by; 'auto': region and value_tier "
              "where the survey has them (the synthetic one does; none otherwise, said in the run log); 'none': no "
              "breakdown", item=str, empty=True, special=("auto",)),
        Param("respondents", int, 1000, "respondents of the synthetic survey", low=100, high=100_000),
        _bank_customers(),
        _seed("the bank and of the bootstrap"),
        Param("mga_group", str, "auto", "two-valued column for the multigroup analysis of the paths; 'auto': the "
              "first of group_columns with two values; 'none' skips it"),
        Param("mga_split", str, "value_tier:lead", "a second MGA of one group against all others, as "
              "'column:value' (e.g. the mass tier against the higher tiers); 'none' skips it"),
        Param("mga_resamples", int, 1000, "permutations and bootstrap resamples per group of the MGA", low=50,
              high=100_000),
        Param("predict_folds", int, 10, "folds of PLSpredict", low=2, high=50),
        Param("blindfolding_distance", int, 7, "omission distance of blindfolding (must not divide the sample "
              "size)", low=2, high=50),
    ),
    smoke={"bootstrap_resamples": 200, "respondents": 400, "bank_customers": 5_000, "mga_resamples": 50},
    exhibits=("table-rows", "table-reliability", "table-outer", "table-htmt", "table-fornell-larcker", "table-paths",
              "table-effects", "fig-path-diagram", "table-ipma", "fig-ipma", "table-index-by-group",
              "fig-index-by-group", "table-vif", "table-plspredict", "table-blindfolding", "table-mga",
              "table-mga-split", "table-truth", "fig-truth"),
    check=_check_mga_split,
    inputs=_check_satisfaction_inputs,
)


def _check_scale(v: Mapping[str, Any]) -> None:
    if v["scale_low"] >= v["scale_high"]:
        raise ParameterError(f"service-quality-gaps: 'scale_low' must be below 'scale_high'; got {v['scale_low']} and "
                             f"{v['scale_high']}")
    if v["top"] > v["scale_high"] - v["scale_low"]:
        raise ParameterError(f"service-quality-gaps: 'top' must be at most {v['scale_high'] - v['scale_low']} "
                             f"categories on the scale {v['scale_low']}-{v['scale_high']}; got {v['top']}")


SERVICE_QUALITY_GAPS = Study(
    name="service-quality-gaps",
    title="Where does service fall short of expectations? SERVQUAL gaps, top-box shares and a two-arm intervention",
    title_zh="服务在哪里未达期望？SERVQUAL 差距、最高档占比与双组干预",
    question="On which service dimensions do perceptions fall short of expectations, how many customers rate each "
             "top-2-box, and did the service intervention raise satisfaction beyond the control arm's drift?",
    data="Synthetic bank survey (SERVQUAL 5 dimensions x 2 items, 1-10) and a 60/60 pre/post intervention study",
    params=(
        Param("top", int, 2, "categories counted as the top box on the 1-10 scale (2: answers 9 and 10)",
              low=1, high=8),
        Param("alpha", float, 0.05, "1 - confidence level of the intervals", low=0.001, high=0.5),
        Param("respondents", int, 1000, "respondents of the synthetic survey", low=100, high=100_000),
        Param("arm_size", int, 60, "respondents per arm of the intervention study", low=10, high=10_000),
        Param("intervention_effect", float, 0.8, "true effect of the intervention, scale points (simulator)",
              low=-5, high=5),
        _bank_customers(),
        _seed("the bank"),
        _data_param("your survey (exp_/per_ item pairs)", "the synthetic bank survey"),
        Param("scale_low", int, 1, "lowest answer of the scale", low=0, high=10),
        Param("scale_high", int, 10, "highest answer of the scale", low=2, high=100),
    ),
    smoke={"respondents": 300, "bank_customers": 5_000},
    exhibits=("table-gaps", "fig-gaps", "table-top-box", "fig-top-box", "table-intervention", "fig-intervention",
              "table-intervention-cells"),
    check=_check_scale,
    roles=("survey",),
)

def _check_referral_inputs(v: Mapping[str, Any]) -> None:
    """Your customers' ``referred_by`` column, when there is one, as referral links before the kernel starts:
    every referrer a customer, no self-referral, no circle, a value for every referred customer
    (:func:`crmresearch.clv.referral_links`; the contract has checked the columns' kinds). Decided here when the
    customers fit the check budget, else in the kernel (``preflight`` names your columns in the message)."""
    if not v["data"]:
        return
    from ..clv import referral_links
    from ..sources.files import check_rows
    from ..sources.tables import read_sources

    tables = read_sources(v["data"], roles=["transactions"], optional=["customers"])
    if "customers" not in tables or "referred_by" not in tables["customers"].schema():
        return
    first = tables["customers"].head(check_rows())
    customers = first.to_pandas()
    if not first.sampled(len(customers)):  # a referrer may sit in rows past the budget: the kernel decides
        referral_links(customers, caller="relationship-bonds: customers")


RELATIONSHIP_BONDS = Study(
    name="relationship-bonds",
    title="Relationship bonds: reward programmes, segment moves and the price-only customer",
    title_zh="关系纽带：奖励计划、细分群迁移与只看价格的客户",
    question="Does a reward programme retain customers or enrol the loyal (naive gap, matching and staggered "
             "DiD against the truth), what is a move between recency segments worth and what may a "
             "reactivation offer cost, how large is the segment whose brand choices follow price alone, in "
             "which order do customers climb the product ladder, and who is worth more as a referrer than as a "
             "buyer?",
    data="Reward-programme simulator (known effects); CDNOW; synthetic bank; Ecdat Yogurt, Catsup, Cracker; "
         "ISLR Caravan; the prospect simulator's referrals",
    params=(
        Param("programme_customers", int, 4_000, "customers of the reward-programme simulator", low=500,
              high=1_000_000),
        _seed("the simulators"),
        Param("spend_effect", float, 3.0, "simulator: extra monthly spend of a member at enrolment, USD (it grows "
              "by 0.25 a month)", low=0, high=1_000),
        Param("churn_ratio", float, 0.8, "simulator: hazard ratio of churn of members after the panel", low=0.1,
              high=2),
        Param("control", str, "never_treated", "comparison customers of the staggered DiD",
              choices=("never_treated", "not_yet_treated")),
        Param("match_periods", int, 6, "months before enrolment matched on", low=1, high=24),
        _cdnow("CDNOW transactions for the recency states"),
        _bank_customers(10_000),
        Param("period", str, "Q", "length of a period of the recency states: Q (quarter) or M (month)",
              choices=("Q", "M")),
        Param("recency_states", int, 5, "recency states 1 to this (the last holds all longer since a purchase)",
              low=2, high=12),
        Param("margin_share", float, 0.3, "margin as a share of the mean spend of a period with purchases", low=0,
              high=1),
        Param("contact_cost", float, 2.0, "marketing cost per customer and period in every state but the last, "
              "USD", low=0, high=1e6),
        Param("annual_discount_rate", float, 0.1, "discount rate per year of the state values and of lifetime and "
              "referral value", low=0, high=1, open_low=True),
        Param("reactivation_response", float, 0.1, "share of the customers offered who accept a reactivation "
              "offer", low=0, high=1, open_low=True),
        Param("panel", str, "Yogurt", "Ecdat scanner panel of the brand-choice models",
              choices=("Yogurt", "Catsup", "Cracker")),
        Param("max_classes", int, 3, "latent classes tried, 1 to this (BIC chooses)", low=1, high=6),
        Param("em_starts", int, 3, "EM starts per latent-class model (the best likelihood is kept)", low=1,
              high=50),
        Param("promotion", float, 0.1, "price cut of the promotion, a share of the price", low=0, high=0.9,
              open_low=True),
        Param("ladder_discrimination", str, "free", "product ladder: a discrimination per product (free) or one "
              "for all (common, the Rasch model)", choices=("free", "common")),
        Param("ladder_holdout", float, 0.3, "product ladder: share of customers held out to score the next rung "
              "against the propensity and next-product models", low=0.05, high=0.9),
        Param("referral_prospects", int, 20_000, "referrals: prospects of the prospect simulator (its converted "
              "prospects are the customers)", low=2_000, high=2_000_000),
        Param("referral_anyway", float, 0.3, "referrals: share of referred customers who would have joined anyway "
              "(a survey answer; the simulator's truth)", low=0, high=1),
        Param("acquisition_cost", float, 50.0, "referrals: cost of acquiring a customer without a referral, USD",
              low=0, high=1e6),
        Param("referral_reward", float, 20.0, "referrals: reward paid per referral, USD", low=0, high=1e6),
        Param("clv_years", int, 3, "referrals: years of a customer's yearly value counted in lifetime value", low=1,
              high=30),
        _data_param("your transactions and, optional, customers (with an enrolled date, owns_ columns or "
                    "referred_by) and choices", "the simulator, CDNOW, the bank and the scanner panel"),
    ),
    smoke={"programme_customers": 1_000, "dataset": "cdnow_sample", "bank_customers": 3_000, "max_classes": 2,
           "em_starts": 1, "referral_prospects": 4_000},
    exhibits=("table-programme-estimates", "table-programme-churn", "fig-event-study", "table-pc2000-example",
              "table-state-values", "fig-state-values", "table-state-moves", "table-reactivation",
              "table-loyalty-logit", "table-class-selection", "table-latent-classes", "fig-class-elasticities",
              "table-ladder", "fig-ladder", "table-next-rung", "table-referral-deciles", "fig-referral-deciles"),
    inputs=_check_referral_inputs,
    roles=("transactions",),
    optional_roles=("customers", "choices"),
    needs={"transactions": ("amount",)},  # the state values sum spend
)


def _with_lang(study: Study) -> Study:
    """Every study takes ``lang`` (:data:`LANG`): figure texts and table headers in English or Chinese."""
    return replace(study, params=(*study.params, LANG))


STUDIES = (VALUE_TIERS, RFM_SEGMENTS, CHURN_SURVIVAL, CHURN_TARGETING, CONTRACTUAL_RETENTION, CUSTOMER_BASE_CLV,
           SATISFACTION_ACSI, SERVICE_QUALITY_GAPS, CALL_CENTRE_STAFFING, CAMPAIGN_EXPERIMENT, CALL_FORECASTING,
           SERVICE_RECOVERY, PROSPECT_CONVERSION, CUSTOMER_BASE_HEALTH, CREDIT_LIFECYCLE,
           RELATIONSHIP_BONDS)
REGISTRY: dict[str, Study] = {s.name: _with_lang(s) for s in STUDIES}


def all_studies() -> list[Study]:
    """Registered studies in registry order.

    Returns
    -------
    list of Study
        Every registered study.

    Examples
    --------
    >>> from crmresearch import studies
    >>> len(studies.all_studies()), studies.all_studies()[0].name
    (16, 'value-tiers')
    """
    return list(REGISTRY.values())


def get(name: str) -> Study:
    """The registered study called ``name``; a :class:`ParameterError` lists the known ones.

    Parameters
    ----------
    name : str
        Study name.

    Raises
    ------
    ParameterError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> from crmresearch import studies
    >>> studies.get('value-tiers').defaults()['top_share']
    0.01
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise ParameterError(
            f"unknown study '{name}'; known: {', '.join(REGISTRY)}"
        ) from None


def sync_parameter_cells(write: bool = False, folder: str | Path | None = None) -> list[str]:
    """Studies whose notebook's ``parameters`` cell differs from :meth:`Study.parameters_cell`.

    With ``write``, those cells are rewritten from the registry (every other cell and the rest of the
    notebook stay byte for byte as they were). ``crmresearch cells [--write]`` calls this.

    Parameters
    ----------
    write : bool, default False
        Rewrite the differing cells; False: only report them.
    folder : str or Path or None, optional
        Folder of the notebooks; None: :func:`crmresearch.paths.notebooks_dir`.

    Returns
    -------
    list of str
        Names of the studies whose cell differed (and, with ``write``, was rewritten), in registry order.

    Raises
    ------
    StudyError
        A notebook without exactly one cell tagged ``parameters``.

    Examples
    --------
    >>> from crmresearch.studies import registry
    >>> registry.sync_parameter_cells()   # every notebook in step with the registry
    []
    """
    require("nbformat", by="studies.registry.sync_parameter_cells (the notebooks' parameters cells)")
    import nbformat

    from ..errors import StudyError

    where = Path(folder) if folder is not None else paths.notebooks_dir()
    stale = []
    for study in all_studies():
        path = where / study.notebook.name
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        if len(tagged) != 1:
            raise StudyError(f"{path}: {len(tagged)} cells are tagged 'parameters'; a study notebook has one")
        text = study.parameters_cell()
        if tagged[0].source != text:
            stale.append(study.name)
            if write:
                tagged[0].source = text
                path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return stale
