"""Ready-made satisfaction-index models (ACSI, ECSI) and loaders for a user's own survey and model file.

A :class:`ModelSpec` names the constructs, the structural paths and, for each construct, either
its item columns or an item-name prefix (``"imag"`` matches ``imag1``, ``IMAG_2``, ``imag-3``).
``spec.blocks(columns)`` resolves prefixes against a survey's columns, and ``spec.model(df)``
returns an unfitted :class:`~crmresearch.satisfaction.PLSPM`.

A model file (YAML or JSON) holds the same fields::

    name: my bank survey
    scale: [1, 10]      # or one per block: {QUAL: [1, 5], VAL: [1, 5], SAT: [1, 10], LOY: [1, 10]}
    paths:              # target: [sources]
      SAT: [QUAL, VAL]
      LOY: [SAT]
    blocks:             # a list of columns, or a prefix
      QUAL: [q_staff, q_waiting, q_branch]
      VAL: val
      SAT: sat
      LOY: loy
    modes: {VAL: B}     # optional; default A (reflective)

References
----------
Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. and Bryant, B. E. (1996). The American Customer
Satisfaction Index: nature, purpose, and findings. Journal of Marketing 60(4), 7-18 (ACSI model).
ECSI Technical Committee (1998). European Customer Satisfaction Index: foundation and structure for
harmonized national pilot projects; Tenenhaus et al. (2005), section 5 (the ECSI mobile-phone model).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._extras import require
from ..errors import ValidationError
from ..schemas.validate import RowAccount
from .plspm import PLSPM, check_structure
from .survey import listwise

__all__ = ["ACSI", "ECSI", "MODELS", "ModelSpec", "group_list", "load_model", "load_survey", "read_header"]


@dataclass(frozen=True)
class ModelSpec:
    """A PLS path model specification: constructs, paths (target -> sources), blocks, modes, scale.

    ``blocks`` maps a construct to a list of item columns or to an item-name prefix. ``scale`` is
    the answer scale (low, high) used for 0-100 indices; ``layout`` optional diagram positions.

    Parameters
    ----------
    name : str
        Model name (e.g. ``'ECSI'``).
    paths : mapping of str to sequence of str
        Target construct -> its source constructs (the inner model).
    blocks : mapping of str to sequence of str or str
        Construct -> its item columns, or an item-name prefix.
    modes : mapping of str to str, default <factory>
        Construct -> ``'A'`` (reflective) or ``'B'`` (formative); default ``'A'``.
    scale : tuple (float, float) or mapping of str to tuple, default (1.0, 10.0)
        Answer scale (low, high) of every block, or construct -> (low, high) when blocks were asked on
        different scales; answers outside it are an error, and it rescales scores to 0-100 indices.
    layout : mapping of str to tuple (float, float), default <factory>
        Construct -> (x, y) position in the path diagram.
    labels : mapping of str to str, default <factory>
        Construct -> display name.
    target : str, default ''
        The construct the study explains (e.g. loyalty), for the importance-performance map.

    Examples
    --------
    >>> from crmresearch import satisfaction
    >>> spec = satisfaction.load_model('ACSI')
    >>> spec.name, spec.default_target, spec.paths['SAT']
    ('ACSI', 'SAT', ['EXPE', 'QUAL', 'VAL'])
    """

    name: str
    paths: Mapping[str, Sequence[str]]
    blocks: Mapping[str, Sequence[str] | str]
    modes: Mapping[str, str] = field(default_factory=dict)
    scale: tuple[float, float] | Mapping[str, tuple[float, float]] = (1.0, 10.0)
    layout: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    target: str = ""

    def __post_init__(self) -> None:
        check_structure(self.paths, list(self.blocks), self.modes, caller=self.name)
        if isinstance(self.scale, Mapping):
            missing = [lv for lv in self.blocks if lv not in self.scale]
            unknown = [lv for lv in self.scale if lv not in self.blocks]
            if missing or unknown:
                raise ValidationError(f"{self.name}: a scale per block must name every construct and only those; "
                                      f"without a scale: {missing}, not constructs: {unknown}")
        if self.target and self.target not in self.blocks:
            raise ValidationError(f"{self.name}: target {self.target!r} is not a construct; constructs: "
                                  f"{list(self.blocks)}")

    def scales(self) -> dict[str, tuple[float, float]]:
        """The answer scale (low, high) of each construct's block.

        Examples
        --------
        >>> from crmresearch import satisfaction
        >>> satisfaction.load_model('ACSI').scales()['SAT']
        (1.0, 10.0)
        """
        if isinstance(self.scale, Mapping):
            return {lv: (float(self.scale[lv][0]), float(self.scale[lv][1])) for lv in self.blocks}
        return {lv: (float(self.scale[0]), float(self.scale[1])) for lv in self.blocks}

    @property
    def default_target(self) -> str:
        """The construct a study reports on: the declared ``target``, else the final endogenous
        construct (a target of paths that feeds no other construct; the last such in block order)."""
        if self.target:
            return self.target
        sources = {s for src in self.paths.values() for s in src}
        final = [lv for lv in self.blocks if lv in self.paths and lv not in sources]
        return final[-1] if final else list(self.paths)[-1]

    def resolve(self, columns: Sequence[str]) -> dict[str, list[str]]:
        """Item columns of every construct; a prefix matches ``<prefix>[_-. ]<digits>`` (any case).

        Parameters
        ----------
        columns : sequence of str
            Column names of the survey.

        Returns
        -------
        dict of str to list of str
            Construct -> its item columns.

        Raises
        ------
        ValidationError
            A block whose items are not in ``columns``.
        """
        columns = [str(c) for c in columns]
        out: dict[str, list[str]] = {}
        for lv, spec in self.blocks.items():
            if isinstance(spec, str):
                pat = re.compile(rf"^{re.escape(spec)}([_\-. ]?\d+)?$", re.IGNORECASE)
                items = sorted((c for c in columns if pat.match(c)), key=_natural)
                if not items:
                    raise ValidationError(f"{self.name}: no item columns match the prefix '{spec}' of construct "
                                          f"'{lv}' (expected e.g. '{spec}1'); columns: {columns[:15]}")
            else:
                items = list(spec)
                absent = [c for c in items if c not in columns]
                if absent:
                    raise ValidationError(f"{self.name}: item column(s) {absent} of construct '{lv}' not in the "
                                          "survey")
            out[lv] = items
        return out

    def model(self, columns: Sequence[str], **kwargs: Any) -> PLSPM:
        """An unfitted :class:`PLSPM` for a survey with these columns; ``kwargs`` go to PLSPM
        (``modes=`` overrides the spec's modes construct by construct).

        Parameters
        ----------
        columns : sequence of str
            Column names of the survey.
        **kwargs : object
            Settings of :class:`PLSPM` (``scheme``, ``missing``, ``modes``...).
        """
        modes = dict(self.modes) | dict(kwargs.pop("modes", None) or {})
        kwargs.setdefault("scale", self.scale)
        return PLSPM(self.paths, self.resolve(columns), modes=modes or None, **kwargs)

    def items(self, columns: Sequence[str]) -> list[str]:
        """All item columns of the model, block by block.

        Parameters
        ----------
        columns : sequence of str
            Column names of the survey.
        """
        return [c for cols in self.resolve(columns).values() for c in cols]


def _natural(s: str) -> tuple[int, str]:
    """Sort key: the item number at the end of the name (so item 10 follows item 9), then the name."""
    digits = re.search(r"(\d+)$", s)
    return (int(digits.group(1)) if digits else -1, s.lower())


_LABELS = {"IMAG": "Image", "EXPE": "Expectations", "QUAL": "Perceived quality", "VAL": "Perceived value",
           "SAT": "Satisfaction", "COMP": "Complaints", "LOY": "Loyalty"}

#: ECSI (ECSI 1998; Tenenhaus et al. 2005): image drives expectations, satisfaction and loyalty.
ECSI = ModelSpec(
    name="ECSI",
    paths={"EXPE": ["IMAG"], "QUAL": ["EXPE"], "VAL": ["EXPE", "QUAL"], "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
           "COMP": ["SAT"], "LOY": ["IMAG", "SAT", "COMP"]},
    blocks={lv: lv.lower() for lv in ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY")},
    layout={"IMAG": (0.7, 2.1), "EXPE": (0.0, 1.05), "QUAL": (0.7, 0.0), "VAL": (2.2, 0.0), "SAT": (2.5, 1.05),
            "COMP": (3.9, 0.25), "LOY": (3.9, 1.9)},
    labels=_LABELS,
    target="SAT",
)

#: ACSI (Fornell et al. 1996): no image construct; complaints mediate satisfaction -> loyalty.
ACSI = ModelSpec(
    name="ACSI",
    paths={"QUAL": ["EXPE"], "VAL": ["EXPE", "QUAL"], "SAT": ["EXPE", "QUAL", "VAL"], "COMP": ["SAT"],
           "LOY": ["SAT", "COMP"]},
    blocks={lv: lv.lower() for lv in ("EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY")},
    layout={"EXPE": (0.0, 1.6), "QUAL": (0.0, 0.0), "VAL": (1.5, 0.0), "SAT": (2.0, 1.05), "COMP": (3.4, 0.25),
            "LOY": (3.4, 1.9)},
    labels=_LABELS,
    target="SAT",
)

MODELS: dict[str, ModelSpec] = {"ECSI": ECSI, "ACSI": ACSI}


def load_model(source: str | Path) -> ModelSpec:
    """A model by name (``"ECSI"``, ``"ACSI"``) or from a YAML / JSON model file (see module docs).

    Parameters
    ----------
    source : str or Path
        ``'ECSI'``, ``'ACSI'`` or the path of a YAML / JSON model file.

    Raises
    ------
    ValidationError
        An unknown name or missing file, a file that does not parse, or one that lacks ``paths`` or ``blocks``.

    Examples
    --------
    >>> from crmresearch import satisfaction
    >>> spec = satisfaction.load_model('ECSI')
    >>> spec.default_target, list(spec.blocks)
    ('SAT', ['IMAG', 'EXPE', 'QUAL', 'VAL', 'SAT', 'COMP', 'LOY'])
    """
    if str(source).upper() in MODELS:
        return MODELS[str(source).upper()]
    path = Path(source)
    if not path.is_file():
        raise ValidationError(f"load_model: {str(source)!r} is neither a known model ({', '.join(MODELS)}) "
                              "nor an existing model file (.yaml, .yml or .json)")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() != ".json":  # outside the try: a missing pyyaml is not a parse error
        require("yaml", by="YAML model files")
    try:
        if path.suffix.lower() == ".json":
            raw = json.loads(text)
        else:
            import yaml

            raw = yaml.safe_load(text)
    except Exception as exc:  # any parser error is re-raised with the file name
        raise ValidationError(f"load_model: cannot parse {path.name}: {exc}") from None
    if not isinstance(raw, dict):
        raise ValidationError(f"load_model: {path.name} must hold a mapping with 'paths' and 'blocks'")
    missing = [k for k in ("paths", "blocks") if k not in raw]
    if missing:
        raise ValidationError(f"load_model: {path.name} lacks the key(s) {missing}")
    unknown = sorted(set(raw) - {"name", "paths", "blocks", "modes", "scale", "layout", "labels", "target"})
    if unknown:
        raise ValidationError(f"load_model: {path.name} has unknown key(s) {unknown}")
    if not isinstance(raw["paths"], dict) or not raw["paths"]:
        raise ValidationError(f"load_model: {path.name}: 'paths' must map each target construct to its sources, "
                              "e.g. {SAT: [QUAL, VAL]}")
    if not isinstance(raw["blocks"], dict) or not raw["blocks"]:
        raise ValidationError(f"load_model: {path.name}: 'blocks' must map each construct to its item columns or "
                              "an item prefix, e.g. {SAT: sat}")
    paths = {str(t): [str(s) for s in (src if isinstance(src, list) else [src])]
             for t, src in raw["paths"].items()}
    blocks = {}
    for lv, v in raw["blocks"].items():
        if not (isinstance(v, str) or (isinstance(v, list) and v)):
            raise ValidationError(f"load_model: {path.name}: block '{lv}' must be an item prefix or a non-empty "
                                  f"list of columns; got {v!r}")
        blocks[str(lv)] = v if isinstance(v, str) else [str(c) for c in v]
    scale = raw.get("scale", [1, 10])

    def pair(v: Any) -> tuple[float, float] | None:
        try:
            ok = isinstance(v, list | tuple) and len(v) == 2 and float(v[0]) < float(v[1])
        except (TypeError, ValueError):
            ok = False
        return (float(v[0]), float(v[1])) if ok else None

    if isinstance(scale, dict):
        bad = {str(k): v for k, v in scale.items() if pair(v) is None}
        if bad:
            raise ValidationError(f"load_model: {path.name}: 'scale' per block must map each construct to [low, high] "
                                  f"with low < high; got {bad}")
        scale = {str(k): pair(v) for k, v in scale.items()}
    elif pair(scale) is None:
        raise ValidationError(f"load_model: {path.name}: 'scale' must be [low, high] with low < high, or one such "
                              f"pair per block ({{SAT: [1, 10], QUAL: [1, 5]}}); got {scale}")
    else:
        scale = pair(scale)
    try:
        return ModelSpec(name=str(raw.get("name", path.stem)), paths=paths, blocks=blocks,
                         modes={str(k): str(v) for k, v in (raw.get("modes") or {}).items()},
                         scale=scale,
                         layout={str(k): (float(v[0]), float(v[1])) for k, v in (raw.get("layout") or {}).items()},
                         labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
                         target=str(raw.get("target") or ""))
    except ValidationError as exc:
        raise ValidationError(f"load_model: {path.name}: {exc}") from None


def group_list(text: str) -> list[str]:
    """Grouping columns from a comma-separated parameter; ``'none'`` or ``''`` gives none.

    Parameters
    ----------
    text : str
        Comma-separated column names, ``'none'`` or ``''``.

    Returns
    -------
    list of str
        The column names, stripped.

    Examples
    --------
    >>> from crmresearch import satisfaction
    >>> satisfaction.group_list('region, value_tier'), satisfaction.group_list('none')
    (['region', 'value_tier'], [])
    """
    if text.strip().lower() in ("", "none"):
        return []
    return [c.strip() for c in text.split(",") if c.strip()]


_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


def read_header(path: str | Path) -> tuple[list[str], str]:
    """The column names of a survey CSV and its delimiter (comma, semicolon or tab, whichever splits
    the header line into most columns). An empty file or a header without columns is an error. An empty
    first header cell alone is a column of row names (R's ``write.csv``): it is not a column of the survey
    (:func:`load_survey` uses it as the index and says so in the row account); any other empty name is an error.

    Parameters
    ----------
    path : str or Path
        CSV file.

    Returns
    -------
    columns : list of str
        Column names.
    delimiter : str
        ``','``, ``';'`` or ``'\t'``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import satisfaction
    >>> path = pathlib.Path(tempfile.mkdtemp()) / 'survey.csv'
    >>> _ = path.write_text('sat1;sat2' + chr(10) + '7;8' + chr(10))
    >>> satisfaction.read_header(path)   # the separator is detected
    (['sat1', 'sat2'], ';')
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"no file {str(path)!r}")
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        first = ""
        for line in fh:
            if line.strip():
                first = line.rstrip("\r\n")
                break
    if not first:
        raise ValidationError(f"{path.name} is empty: a survey CSV needs a header row and one row per respondent")
    sep = max(_DELIMITERS, key=lambda d: (first.count(d), d == ","))
    columns = [c.strip().strip('"') for c in first.split(sep)]
    if len(columns) > 1 and not columns[0] and all(columns[1:]):
        columns = columns[1:]  # R's write.csv: an unnamed first column of row names (see load_survey)
    if any(not c for c in columns):
        raise ValidationError(f"{path.name}: the header has {sum(not c for c in columns)} empty column name(s) "
                              f"({_DELIMITERS[sep]}-separated)")
    return columns, sep


def load_survey(path: str | Path, spec: ModelSpec, missing: str = "error") -> tuple[pd.DataFrame, RowAccount]:
    """Read a survey CSV (one row per respondent) for ``spec``; check items are numeric and on the
    spec's scale. ``missing="error"`` (default) raises with counts per item; ``"listwise"`` drops
    incomplete respondents and records it. Returns the table and its :class:`RowAccount`.

    Parameters
    ----------
    path : str or Path
        Survey CSV (comma, semicolon or tab separated).
    spec : ModelSpec
        The model whose items are read.
    missing : str, default 'error'
        ``'error'`` or ``'listwise'``.

    Returns
    -------
    survey : DataFrame
        The respondents kept, items as floats.
    account : RowAccount
        Rows in and out of every step.

    Raises
    ------
    ValidationError
        Missing item columns, non-numeric answers, answers off the scale, or (``missing='error'``) missing
        answers; counted per item.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from crmresearch import satisfaction
    >>> spec = satisfaction.ModelSpec('mini', paths={'LOY': ['SAT']}, blocks={'SAT': ['sat1', 'sat2'], 'LOY': ['loy1']})
    >>> import pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / 'survey.csv'
    >>> answers = pd.DataFrame({'sat1': [8, 6, 10], 'sat2': [9, None, 9], 'loy1': [7, 5, 9]})   # one skipped sat2
    >>> answers.to_csv(path, sep=';', index=False)
    >>> survey, account = satisfaction.load_survey(path, spec, missing='listwise')
    >>> len(survey), account.table()[['rows_in', 'rows_out']].values.tolist()
    (2, [[3, 3], [3, 2]])
    """
    if missing not in ("error", "listwise"):
        raise ValidationError(f"load_survey: missing must be 'error' or 'listwise'; got {missing!r}")
    path = Path(path)
    try:
        columns, sep = read_header(path)
    except ValidationError as exc:
        raise ValidationError(f"load_survey: {exc}") from None
    df = pd.read_csv(path, sep=sep, decimal="," if sep == ";" else ".", encoding="utf-8-sig")
    row_names = len(df.columns) == len(columns) + 1
    if row_names:
        df = df.set_index(df.columns[0]).rename_axis("row_name")
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise ValidationError(f"load_survey({path.name}): the file has a header but no respondents (0 rows)")
    account = RowAccount(path.name, len(df))
    account.note(f"read CSV ({_DELIMITERS[sep]}-separated)", len(df), len(df))
    if row_names:
        account.note("first column has no name (R row names): used as the respondents' index, not an item",
                     len(df), len(df))
    items = spec.items(df.columns)
    for c in items:  # a ';' file may still use '.' decimals: text that reads as numbers throughout is numbers
        if c in df.columns and df[c].dtype == object:
            as_numbers = pd.to_numeric(df[c], errors="coerce")
            if as_numbers.notna().sum() == df[c].notna().sum():
                df[c] = as_numbers
    if missing == "listwise":
        df = listwise(df, items, account)
    from ..schemas.validate import validate

    validate(df, "survey", items=items, caller=f"load_survey({path.name})")  # present, numeric, no missing
    blocks = spec.resolve(df.columns)
    for lv, (lo, hi) in spec.scales().items():
        key = f"scale of block {lv}" if isinstance(spec.scale, Mapping) else "scale"
        validate(df, "survey", items=blocks[lv], scale=(lo, hi),
                 caller=f"load_survey({path.name}; the model's '{key}' is {lo:g}..{hi:g})")
    return df, account
