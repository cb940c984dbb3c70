"""The site builder's link rewriting (the build itself and the browser checks run in `make site-test`)."""

from __future__ import annotations

from pathlib import Path

from crmresearch import site


def test_links_are_repointed_for_the_site_or_made_plain_text(tmp_path: Path):
    root = tmp_path / "repo"
    (root / "papers").mkdir(parents=True)
    docs = tmp_path / "docs"
    for rel in ("studies/a.md", "figures/a/fig-x.png", "figures/a/index.md", "notebooks/a.ipynb", "data.md"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text("")
    paper = root / "papers" / "a.md"
    text = ("![x](../figures/a/fig-x.png) [nb](../notebooks/a.ipynb) [ex](../figures/a/) "
            "[src](../src/crmresearch/clv/bgnbd.py) [web](https://example.org) [sec](#method) "
            "[data](../data/README.md)")
    dropped: list[str] = []
    out = site._rewrite(text, paper, docs / "studies" / "a.md", root, docs, dropped)
    assert "![x](../figures/a/fig-x.png)" in out and "[nb](../notebooks/a.ipynb)" in out
    assert "[ex](../figures/a/index.md)" in out and "[data](../data.md)" in out
    assert "[web](https://example.org)" in out and "[sec](#method)" in out
    assert " src " in f" {out} " and dropped == ["src/crmresearch/clv/bgnbd.py"]  # plain text, counted


def test_readme_sections_are_cut_at_the_next_heading():
    md = "# T\n\n## A\n\none\n\n## B\n\ntwo\n"
    assert site._section(md, "A") == "## A\n\none\n\n"
