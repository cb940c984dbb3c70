"""Exhibits in English or Chinese (simplified): ``lang="zh"`` translates every text of a figure (titles,
axis labels, legends, category ticks, annotations) and every table header, and draws with a CJK font.

A text is looked up whole; failing that, its numbers, dates, weekday and month names are replaced by
placeholders and the remaining *template* is looked up (``"Agents for {} % in {} s"``), so one entry
serves every parameter value; failing that, a text made of several parts joined by " · ", ": ", ", "
or " (" is translated part by part. Numbers are kept as they are. Terms follow the field's usage in
Chinese (客户价值金字塔, 客户流失, 生存分析, 顾客满意度指数, 服务水平 ...); the dictionaries are in
:mod:`crmresearch._zh`.

A text without a translation stays English and is recorded; with the environment variable
``CRMRESEARCH_I18N_STRICT=1`` (the test suite sets it) it is an error that lists the texts, so a new
label cannot slip into a Chinese exhibit untranslated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from ._extras import require
from .errors import ValidationError

__all__ = ["CJK_FONT", "LANGS", "check_font", "missing", "translate", "translate_all"]

LANGS = ("en", "zh")
CJK_FONT = "Noto Sans CJK SC"
_MISSING: list[str] = []
_NUM = r"(?<![\w.])[-+−]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:e[-+]?\d+)?"  # 1,234.5 -0.3 1e-05; not "1-" of "1-7"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_SLOT = re.compile(rf"\b(?:{'|'.join(_WEEKDAYS + _MONTHS)})\b|\d{{4}}-\d{{2}}-\d{{2}}|\d{{2}}:\d{{2}}|{_NUM}")
_NEUTRAL = re.compile(r"^[\s\d.,:;%+\-−–—/()\[\]{}<>=×x*#|$€£¥°'\"]*$")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_SPLITS = (" · ", "\n", ": ", "; ", ", ", " (", " - ", " vs ")


def _dictionaries() -> tuple[dict[str, str], dict[str, str]]:
    from . import _zh

    return _zh.TEXTS, _zh.TEMPLATES


def _slot_value(token: str) -> str:
    from . import _zh

    return _zh.WORDS.get(token, token)


def translate(text: str, lang: str = "en") -> str:
    """``text`` in ``lang`` (see the module docstring); English is returned unchanged.

    Parameters
    ----------
    text : str
        English text (a title, label, legend entry or table header).
    lang : str, default 'en'
        ``'en'`` or ``'zh'`` (simplified Chinese).

    Returns
    -------
    str
        The translated text; untranslated texts are returned as they are and recorded (see :func:`missing`).

    Examples
    --------
    >>> from crmresearch import i18n
    >>> i18n.translate("Agents on the phones, Monday (80 % in 20 s, AHT 300 s)", "zh")
    '在线坐席，星期一（20 秒内接听 80%，平均处理时长 300 秒）'
    """
    if (lang == "en" or not isinstance(text, str) or not text.strip() or _NEUTRAL.match(text)
            or "\\mathdefault" in text):  # numbers, symbols and matplotlib's math tick labels
        return text
    if lang not in LANGS:
        raise ValidationError(f"translate: lang must be one of {LANGS}; got {lang!r}")
    if _CJK.search(text):  # already translated (a tick label met twice, a label set in Chinese)
        return text
    got = _lookup(text)
    if got is None:
        _MISSING.append(text)
        return text
    return got


def _lookup(text: str) -> str | None:
    texts, templates = _dictionaries()
    if text in texts:
        return texts[text]
    tokens = _SLOT.findall(text)
    if tokens:
        key = _SLOT.sub("{}", text)
        if key in templates:
            return templates[key].format(*(_slot_value(t) for t in tokens))
    stripped = text.strip()
    if stripped != text and (inner := _lookup(stripped)) is not None:
        return text.replace(stripped, inner)
    for sep in _SPLITS:
        if sep in text:
            head, _, tail = text.rpartition(sep) if sep == " (" else text.partition(sep)
            if sep == " (" and not tail.endswith(")"):
                continue
            left = _lookup(head) if not _NEUTRAL.match(head) else head
            right = _lookup(tail[:-1] if sep == " (" else tail) if not _NEUTRAL.match(tail) else tail
            if left is not None and right is not None:
                joiner = {" · ": " · ", "\n": "\n", ": ": "：", "; ": "；", ", ": "，", " - ": " - ",
                          " vs ": " 对比 "}.get(sep)
                return f"{left}（{right}）" if sep == " (" else f"{left}{joiner}{right}"
    return None


def translate_all(texts: Iterable[str], lang: str) -> list[str]:
    """:func:`translate` of each text.

    Parameters
    ----------
    texts : iterable of str
        English texts.
    lang : str
        ``'en'`` or ``'zh'``.

    Returns
    -------
    list of str
        The translations, in order.

    Examples
    --------
    >>> from crmresearch import i18n
    >>> i18n.translate_all(['urban', 'rural (n = 2,506)', 'Share of customers'], 'zh')
    ['城镇', '农村（n = 2,506）', '客户占比']
    """
    return [translate(t, lang) for t in texts]


def missing(clear: bool = True) -> list[str]:
    """Texts that had no translation since the last call (distinct, in order); raises in strict mode.

    Parameters
    ----------
    clear : bool, default True
        Forget the recorded texts after returning them.

    Returns
    -------
    list of str
        The untranslated texts, in first-seen order.

    Examples
    --------
    >>> from crmresearch import i18n
    >>> _ = i18n.missing(); _ = i18n.translate('a label nobody translated', 'zh')
    >>> i18n.missing()
    ['a label nobody translated']
    """
    out = list(dict.fromkeys(_MISSING))
    if clear:
        _MISSING.clear()
    return out


def strict() -> bool:
    return os.environ.get("CRMRESEARCH_I18N_STRICT", "") == "1"


def check_font() -> None:
    """Raise unless matplotlib finds the CJK font (Debian: ``apt-get install fonts-noto-cjk``).

    Raises
    ------
    ValidationError
        When Noto Sans CJK is not installed; the message says how to install it.

    Examples
    --------
    >>> from crmresearch import i18n
    >>> i18n.check_font() is None   # Noto Sans CJK SC is installed
    True
    """
    require("matplotlib", by="i18n.check_font")
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FONT not in names:
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)  # fonts installed later
        names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FONT not in names:
        raise ValidationError(f"lang=zh needs the font '{CJK_FONT}' (Debian: apt-get install fonts-noto-cjk; "
                              "`make setup` installs it when run as root)")
