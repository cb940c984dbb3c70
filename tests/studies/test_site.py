"""The site builder's link rewriting (the build itself and the browser checks run in `make site-test`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crmresearch.studies import site


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


CORE_API = [
    "data.load_telco_churn", "data.load_cdnow_transactions", "data.load_bank_calls", "data.load_fh2007_retention",
    "data.simulate_bank", "segmentation.rfm", "segmentation.rfm_scores", "segmentation.gini", "segmentation.lorenz",
    "segmentation.value_pyramid", "segmentation.cluster", "clv.ShiftedBetaGeometric", "clv.BetaGeoNBD",
    "clv.GammaGamma", "service.erlang_c", "service.service_level", "service.agents_needed",
    "experiments.wilson_interval", "experiments.two_proportions", "experiments.sample_size", "survival.panel",
]


def test_the_core_api_has_examples_that_run_as_doctests():
    """The names the design document promises carry a numpydoc Examples section (run by make test)."""
    import importlib
    import inspect

    lacking = []
    for name in CORE_API:
        module, attr = name.split(".")
        doc = inspect.getdoc(getattr(importlib.import_module(f"crmresearch.{module}"), attr)) or ""
        if "Examples\n--------" not in doc or ">>>" not in doc:
            lacking.append(name)
    assert not lacking


def test_the_site_never_empties_a_folder_that_is_not_an_earlier_site(tmp_path: Path):
    import pytest

    from crmresearch.errors import StudyError

    mine = tmp_path / "my-documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("keep me")
    with pytest.raises(StudyError, match="is not an earlier build of the site"):
        site.build_site(out=mine)
    assert (mine / "thesis.docx").read_text() == "keep me"


def _documented_surface():
    """The modules a user imports: every top-level module and family (not the deprecated paths), and
    every submodule a family hands on by name (``service.forecast``, ``survival.recovery`` ...) or that
    ``studies`` holds (pipeline, publish, site)."""
    import importlib
    import pkgutil

    import crmresearch

    for info in pkgutil.walk_packages(crmresearch.__path__, prefix="crmresearch."):
        name = info.name.removeprefix("crmresearch.")
        if any(part.startswith("_") for part in name.split(".")) or name == "cli":
            continue
        parent_name, _, leaf = name.rpartition(".")
        module = importlib.import_module(info.name)
        if parent_name == "studies":
            if leaf not in ("pipeline", "publish", "site"):
                continue
        elif parent_name:
            parent = importlib.import_module(f"crmresearch.{parent_name}")
            if leaf not in getattr(parent, "__all__", ()) or getattr(parent, leaf) is not module:
                continue
        if (module.__doc__ or "").startswith("Deprecated path") or not getattr(module, "__all__", None):
            continue
        yield name, module


def test_every_module_with_public_names_has_an_api_page():
    needed = {name for name, _ in _documented_surface()}
    assert needed <= set(site.API_MODULES), sorted(needed - set(site.API_MODULES))


def _public_objects():
    import inspect

    seen = set()
    for short, module in _documented_surface():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) not in seen \
                    and getattr(obj, "__module__", "").startswith("crmresearch"):
                seen.add(id(obj))
                yield f"{short}.{name}", obj


def test_every_public_function_and_class_has_numpydoc_sections_and_a_doctest():
    """Parameters (or, for a result dataclass, Attributes) when it takes arguments; always an Examples section."""
    import dataclasses
    import inspect

    lacking = []
    for name, obj in _public_objects():
        doc = inspect.getdoc(obj) or ""
        if "Examples\n--------" not in doc or ">>>" not in doc:
            lacking.append(f"{name}: Examples")
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        try:
            params = [p for p in inspect.signature(obj).parameters if p != "self"]
        except (TypeError, ValueError):
            continue
        sections = ("Parameters\n----------",) + (("Attributes\n----------",) if dataclasses.is_dataclass(obj) else ())
        if params and not any(s in doc for s in sections):
            lacking.append(f"{name}: Parameters")
    assert not lacking


def test_every_public_method_that_takes_arguments_has_a_parameters_section():
    import inspect

    lacking = []
    for name, obj in _public_objects():
        if not isinstance(obj, type) or issubclass(obj, BaseException):
            continue
        for method, f in vars(obj).items():
            if method.startswith("_") or not inspect.isfunction(f):
                continue
            if [p for p in inspect.signature(f).parameters if p != "self"] and \
                    "Parameters\n----------" not in (inspect.getdoc(f) or ""):
                lacking.append(f"{name}.{method}")
    assert not lacking


def _quoted_tables(study) -> set[str]:
    """The exhibit tables the English paper quotes (their header line appears in it)."""
    from crmresearch import paths

    paper = (paths.notebooks_dir().parent / study.paper).read_text()
    return {md.stem for md in (paths.figures_dir() / study.name).glob("table-*.md")
            if md.read_text().splitlines()[0] in paper}


def test_the_chinese_papers_include_the_tables_of_their_study_by_marker():
    """papers/zh/<study>.md: a registered study; every `{{ table: NAME }}` names a table the study
    declares; the tables the English paper quotes are all there, none pasted in English."""
    from crmresearch import paths, studies

    zh = sorted((paths.notebooks_dir().parent / "papers" / "zh").glob("*.md"))
    assert {"churn-survival", "churn-targeting", "satisfaction-acsi"} <= {p.stem for p in zh}
    names = {s.name: s for s in studies.all_studies()}
    for path in zh:
        assert path.stem in names, f"{path.name} is not a study"
        study, text = names[path.stem], path.read_text()
        markers = site.TABLE_MARKER.findall(text)
        declared = {n for n in study.exhibits if n.startswith("table-")}
        assert set(markers) <= declared, f"{path.name}: {sorted(set(markers) - declared)}"
        lacking = _quoted_tables(study) - set(markers)
        assert not lacking, f"{path.name} lacks {sorted(lacking)}"
        english = {md.read_text().splitlines()[0] for md in (paths.figures_dir() / study.name).glob("table-*.md")}
        assert not english & set(text.splitlines()), f"{path.name} pastes an English table"
        assert "{{" not in site.TABLE_MARKER.sub("", text), f"{path.name}: a marker the site would not replace"


def test_a_chinese_paper_gets_the_chinese_tables_inline(tmp_path: Path):
    import pytest

    from crmresearch import studies
    from crmresearch.errors import StudyError

    study = studies.get("churn-survival")
    (tmp_path / "papers" / "zh").mkdir(parents=True)
    exhibits = tmp_path / "zh-run"
    exhibits.mkdir()
    (exhibits / "table-km-telco.md").write_text("| 合同 | 中位数 |\n|---|---:|\n| 按月 | 35 |\n")
    assert site.chinese_paper(study, exhibits, tmp_path) is None  # no translation: the English paper is used
    paper = tmp_path / "papers" / "zh" / "churn-survival.md"
    paper.write_text("# 客户流失\n\n见下表：\n\n{{ table: table-km-telco }}\n\n"
                     "![KM](../../figures/churn-survival/fig-km-telco.png)\n")
    out = site.chinese_paper(study, exhibits, tmp_path)
    assert out == ("# 客户流失\n\n见下表：\n\n| 合同 | 中位数 |\n|---|---:|\n| 按月 | 35 |\n\n"
                   "![KM](../../figures/churn-survival/fig-km-telco.png)\n")
    paper.write_text("{{ table: table-cox-telco }}\n")  # declared, but not in the exhibit folder
    with pytest.raises(StudyError, match="table-cox-telco, missing from"):
        site.chinese_paper(study, exhibits, tmp_path)
    paper.write_text("{{ table: table-tiers }}\n")  # a table of another study
    with pytest.raises(StudyError, match="'table-tiers', which is not a table of churn-survival"):
        site.chinese_paper(study, exhibits, tmp_path)


#: amounts the Chinese text writes in 万 (ten thousands), by paper: 45 million -> 4,500 万, 250k -> 25 万
_IN_WAN = {"call-forecasting": {"45"}, "customer-base-health": {"250"}, "value-tiers": {"3.17"}}
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.\-−])[−-]?\d[\d,]*(?:\.\d+)?")


def _numbers(markdown: str) -> set[str]:
    """The numbers of a paper's text: outside tables (markers in the Chinese one) and link targets."""
    text = "\n".join(line for line in markdown.splitlines() if not line.lstrip().startswith("|"))
    text = re.sub(r"\]\([^)\s]*\)", "]", text)
    return {n.replace("−", "-").lstrip("-").rstrip(",") for n in _NUMBER.findall(text)}


def test_the_chinese_papers_keep_every_number_of_the_english_text():
    """Every number the English paper states in its text is in its Chinese paper too, so a finding changed
    in English cannot stay behind in the translation (the tables are included from the run anyway)."""
    from crmresearch import paths

    root = paths.notebooks_dir().parent
    zh = sorted((root / "papers" / "zh").glob("*.md"))
    assert zh
    lacking = {}
    for path in zh:
        missing = _numbers((root / "papers" / path.name).read_text()) - _numbers(path.read_text())
        if missing - _IN_WAN.get(path.stem, set()):
            lacking[path.stem] = sorted(missing - _IN_WAN.get(path.stem, set()))
    assert not lacking, f"numbers of the English papers missing from papers/zh: {lacking}"


def test_griffe_reads_every_docstring_without_a_warning(caplog):
    """`make site` builds the API reference in strict mode: a docstring griffe warns about (a parameter
    not in the signature, a section it cannot parse) stops the build in CI; find it here first."""
    import logging

    griffe = pytest.importorskip("griffe")
    from crmresearch import paths

    package = griffe.load("crmresearch", search_paths=[str(paths.project_root() / "src")],
                          docstring_parser="numpy", resolve_aliases=False)

    def walk(obj, seen):
        if obj.path in seen or obj.is_alias:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.parsed  # noqa: B018  (parsing is what warns)
        for member in obj.members.values():
            if not member.is_alias:
                walk(member, seen)

    with caplog.at_level(logging.WARNING):
        walk(package, set())
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warned, warned[:10]


_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_chinese_site_titles_its_menus_and_exhibit_pages_in_chinese(tmp_path: Path):
    """Issue 27: the zh site's Studies menu lists each study under its Chinese title (the heading of its
    Chinese paper), the other menu entries and the headings of the exhibit pages are Chinese; the English
    site keeps the English titles."""
    from crmresearch import paths, studies

    all_studies = studies.all_studies()
    root = paths.notebooks_dir().parent
    for s in all_studies:
        assert _CJK.search(s.title_zh), f"{s.name} has no Chinese title"
        zh_paper = root / "papers" / "zh" / f"{s.name}.md"
        if zh_paper.is_file():  # one wording: the Chinese paper's heading
            assert zh_paper.read_text(encoding="utf-8").splitlines()[0] == f"# {s.title_zh}", s.name
    zh = site._config(all_studies, "zh")
    top = [next(iter(entry)) for entry in zh["nav"]]
    assert all(_CJK.search(t) for t in top), top
    menu = zh["nav"][1][top[1]]
    assert [next(iter(e)) for e in menu[1:]] == [s.title_zh for s in all_studies]
    assert all(_CJK.search(t) for t in zh["extra"]["crm_page_titles"].values())
    en = site._config(all_studies, "en")
    assert [next(iter(e)) for e in en["nav"][1]["Studies"][1:]] == [s.title for s in all_studies]

    study = studies.get("value-tiers")
    (tmp_path / "table-tiers.md").write_text("| 层级 |\n|---|\n| 顶端 |\n", encoding="utf-8")
    page = site._exhibits_page(study, tmp_path, "zh")
    headings = [line for line in page.splitlines() if line.startswith("#")]
    assert headings[0] == f"# 图表：{study.title_zh}"
    assert all(_CJK.search(h) for h in headings), headings
    assert "### 表 table-tiers" in headings and "### 图 fig-lorenz" in headings
    index = site._studies_page(list(all_studies), "zh")
    assert index.startswith("# 研究\n") and all(s.title_zh in index for s in all_studies)


def test_heading_ids_keep_chinese_and_are_unique():
    """Issue 27: `toc`'s default slugify dropped every Chinese character (ids `_1`, `_2`); the site's
    mkdocs.yml names a slugify that keeps them, for both sites, and English ids stay as they were."""
    import markdown
    import yaml
    from mkdocs.utils.yaml import get_yaml_loader

    from crmresearch import paths, studies

    root = paths.notebooks_dir().parent
    for lang in ("en", "zh"):
        config = yaml.load(site._yaml(site._config(studies.all_studies(), lang)), Loader=get_yaml_loader())
        names, configs = [], {}
        for ext in config["markdown_extensions"]:
            name, options = next(iter(ext.items())) if isinstance(ext, dict) else (ext, {})
            names.append(name)
            configs[name] = options
        assert callable(configs["toc"]["slugify"])
        for paper in ("churn-survival", "satisfaction-acsi"):
            path = root / "papers" / ("zh" if lang == "zh" else "") / f"{paper}.md"
            html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=names, extension_configs=configs)
            ids = re.findall(r'<h[1-6][^>]*\bid="([^"]+)"', html)
            assert len(ids) > 3 and len(ids) == len(set(ids)), ids
            assert not [i for i in ids if re.fullmatch(r"_\d*", i)], ids
            if lang == "zh":
                assert all(_CJK.search(i) for i in ids), ids
            else:  # the English anchors are those of toc's default slugify
                plain = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["toc", "tables"])
                assert ids == re.findall(r'<h[1-6][^>]*\bid="([^"]+)"', plain)


def test_a_site_build_runs_only_what_is_missing(tmp_path: Path, monkeypatch):
    """Issue 27 item 8: the executed notebooks of `make reproduce`/`make verify` and the Chinese exhibits of
    an earlier build are reused; what is missing is run once, both languages of a study side by side."""
    from crmresearch import paths, studies
    from crmresearch.studies import pipeline

    monkeypatch.setenv("CRMRESEARCH_ROOT", str(tmp_path))
    names = [s.name for s in studies.all_studies()]
    assert site.missing_runs(("en", "zh"))[:4] == [(names[0], "en"), (names[0], "zh"), (names[1], "en"),
                                                    (names[1], "zh")]
    assert site.missing_runs(("zh",)) == site.missing_runs(("en", "zh"))  # the zh site shows the notebooks too
    executed = paths.build_dir() / "executed" / names[0] / "default.ipynb"  # as `make reproduce` leaves it
    executed.parent.mkdir(parents=True)
    executed.write_text("{}")
    study = studies.get(names[1])
    zh = pipeline.output_dir_for(study, {**study.defaults(), "lang": "zh"})  # an earlier zh build
    zh.mkdir(parents=True)
    (zh / pipeline.MANIFEST).write_text("{}")
    missing = site.missing_runs(("en", "zh"))
    assert (names[0], "en") not in missing and (names[1], "zh") not in missing
    assert len(missing) == 2 * len(names) - 2 and missing[:2] == [(names[0], "zh"), (names[1], "en")]
    assert [t for t in site.missing_runs(("en",)) if t[1] == "zh"] == []


@pytest.mark.parametrize("jobs, order", [(2, ["start en", "start zh", "end en", "end zh"]),
                                         (1, ["start en", "end en", "start zh", "end zh"])])
def test_both_sites_are_built_side_by_side_with_two_jobs(tmp_path: Path, monkeypatch, jobs, order):
    """`make site` (`crmresearch site --lang all --jobs 2`): the missing runs of both sites in one pool of
    `jobs`, then the two `mkdocs build` at once (one after the other with one job)."""
    monkeypatch.setenv("CRMRESEARCH_ROOT", str(tmp_path))
    events: list[str] = []
    pools: list[tuple[int, int]] = []
    monkeypatch.setattr(site, "_run_missing", lambda tasks, j: pools.append((len(tasks), j)))
    monkeypatch.setattr(site, "_assemble", lambda lang, run_missing: tmp_path / lang)

    class Build:
        def __init__(self, src: Path, out: Path, strict: bool) -> None:
            self.lang, self.returncode = src.name, 0
            events.append(f"start {self.lang}")

        def communicate(self):
            events.append(f"end {self.lang}")
            return "", ""

    monkeypatch.setattr(site, "_mkdocs", Build)
    folders = site.build_sites(("en", "zh"), jobs=jobs)
    assert [f.name for f in folders] == ["site", "site-zh"]
    assert pools == [(len(site.missing_runs(("en", "zh"))), jobs)] and events == order


def test_mkdocs_jupyter_reads_only_the_notebooks_and_keeps_its_renderings():
    """Issue 27 item 8: mkdocs-jupyter read each of the ~640 Markdown files of a site with jupytext (and
    started pandoc for 244 of them) to learn they are not notebooks; its rendered notebooks were cached in
    the site source, which every build deletes. One cache per site, so the two builds never share a file."""
    from pathlib import PurePath

    from crmresearch import paths, studies

    caches = set()
    for lang in ("en", "zh"):
        (plugin,) = [p["mkdocs-jupyter"] for p in site._config(studies.all_studies(), lang)["plugins"]
                     if isinstance(p, dict) and "mkdocs-jupyter" in p]
        assert any(PurePath("/x/docs/studies/churn-survival.md").match(p) for p in plugin["ignore"])
        assert not any(PurePath("/x/docs/notebooks/churn-survival.ipynb").match(p) for p in plugin["ignore"])
        cache = Path(plugin["cache_dir"])
        assert cache.is_absolute() and paths.build_dir() in cache.parents
        assert not str(cache).startswith(str(paths.build_dir() / "site-src"))
        caches.add(cache)
    assert len(caches) == 2
