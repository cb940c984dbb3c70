"""Chinese exhibits: lookup of whole texts, templates with numbers and names, part-by-part texts,
strict mode, translated table headers and figure texts, and the CJK font."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from crmresearch import i18n, reporting


def test_english_is_unchanged_and_numbers_are_neutral():
    assert i18n.translate("Agents", "en") == "Agents"
    assert i18n.translate("12.5 %", "zh") == "12.5 %"
    with pytest.raises(ValueError, match="lang must be one of"):
        i18n.translate("Agents", "fr")


def test_whole_texts_templates_and_parts():
    assert i18n.translate("estimate", "zh") == "估计值"
    # a template: the numbers and the weekday fill the slots
    assert i18n.translate("Calls on Friday 24 October 2003, forecast 5 working days ahead", "zh") == \
        "2003年10月24日（星期五）的来电，提前5个工作日预测"
    # two translated parts joined by a newline
    assert i18n.translate("Satisfaction\nR² = 0.55", "zh") == "顾客满意\nR² = 0.55"
    i18n.missing()
    assert i18n.translate("no such label here", "zh") == "no such label here"
    assert i18n.missing() == ["no such label here"]


def test_exhibits_translate_headers_and_figures_and_refuse_untranslated_in_strict_mode(tmp_path, monkeypatch):
    ex = reporting.Exhibits(tmp_path, study="t", lang="zh")
    ex.table(pd.DataFrame({"estimate": [1.0], "p_value": [0.5]}), "table-x", md_decimals={"estimate": 1})
    assert (tmp_path / "table-x.csv").read_text(encoding="utf-8").splitlines()[0] == "估计值,p 值"
    assert "| 1.0 |" in (tmp_path / "table-x.md").read_text(encoding="utf-8")  # decimals follow the header
    fig, ax = plt.subplots()
    ax.bar(["urban", "rural"], [1, 2], label="estimate")
    ax.set_title("Satisfaction index by region")
    ax.legend()
    ex.figure(fig, "fig-x", source="synthetic", close=False)
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert "城镇" in texts and "估计值" in texts and any(t.startswith("资料来源") for t in texts)
    assert "urban" not in texts
    plt.close(fig)
    monkeypatch.setenv("CRMRESEARCH_I18N_STRICT", "1")
    with pytest.raises(ValueError, match=r"1 texts have no zh translation: \['no such header'\]"):
        ex.table(pd.DataFrame({"no such header": [1]}), "table-y")


def test_chinese_figures_are_deterministic(tmp_path):
    def draw(folder):
        ex = reporting.Exhibits(folder, study="t", lang="zh")
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [1, 4, 9], label="estimate")
        reporting.label(ax, "Forecast error by horizon (rolling origin)", "Working days ahead", "Agents")
        ax.legend()
        return ex.figure(fig, "fig-x", source="synthetic")

    a, b = draw(tmp_path / "a"), draw(tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


@pytest.mark.parametrize("english, chinese", [
    ("Agents on the phones for 80 % in 20 s on every line (3,849 calls/hour)",
     "每条专线 20 秒内接听 80% 所需在线坐席（每小时 3,849 通来电）"),
    ("Merchants by format, location and size (40 of 42 classes occupied)",
     "按业态、区位与规模的商户分布（42 个类别中有 40 个非空）"),
    ("Week since 1 January 1997", "自1997年1月1日起的周数"),
])
def test_templates_put_each_number_in_its_place(english, chinese):
    assert i18n.translate(english, "zh") == chinese


def test_every_template_has_as_many_slots_as_its_english():
    import re

    from crmresearch import _zh

    for english, chinese in _zh.TEMPLATES.items():
        slots = english.count("{}")
        used = re.findall(r"\{(\d*)\}", chinese)
        assert len(used) == slots, english
        if any(used):  # numbered: each slot exactly once
            assert sorted(int(u) for u in used) == list(range(slots)), english
