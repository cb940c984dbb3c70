"""The studies as a static website (MkDocs with the Material theme), built from the repository itself.

Nothing is written by hand for the site: the home page and the "Your own data" guide are the README,
each study page is its paper with its committed exhibits (on the Chinese site its Chinese text,
``papers/zh/<study>.md``, with the Chinese tables: :func:`chinese_paper`), the executed notebook of each study is
rendered as run (mkdocs-jupyter, no re-execution), the data page is ``data/README.md``, and the API
reference is generated from the docstrings (mkdocstrings, numpy style). :func:`build_site` assembles
the MkDocs project under ``build/site-src/`` (the repository's top level stays as it is) and builds
it with ``mkdocs build --strict`` into ``build/site/``; a link the site cannot resolve is rewritten
to plain text and counted, never left broken.

Why MkDocs-Material: the papers are Markdown already and render unchanged, its client-side search
needs no server, mkdocstrings reads numpydoc sections, and the build takes seconds. Sphinx with MyST
would render the same pages with more configuration and a slower build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .. import paths
from ..errors import StudyError
from . import pipeline
from . import registry as studies

__all__ = ["API_MODULES", "build_site", "build_sites", "chinese_paper", "executed_notebook", "missing_runs",
           "page_content", "roles_to_autorefs"]

API_MODULES = ("data", "segmentation", "clv", "survival", "survival.recovery", "targeting", "targeting.prospects",
               "credit", "causal", "choice", "satisfaction", "service", "service.forecast", "service.skills",
               "experiments",
               "schemas", "sources", "sources.aggregate", "sources.files", "core", "core.mle", "errors", "reporting",
               "plots", "i18n", "studies", "studies.pipeline", "studies.publish", "studies.site", "paths")
_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")
#: a line ``{{ table: table-name }}`` of a Chinese paper (papers/zh/<study>.md): the study's Chinese table
TABLE_MARKER = re.compile(r"^\{\{ *table: *([A-Za-z0-9_-]+) *\}\}[ \t]*$", re.MULTILINE)
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|exc|data|obj|const):`(~?)([^`]+)`")


_IMG = re.compile(r'(<a\b[^>]*>\s*)?(<img\b[^>]*?\bsrc="([^"]+)"[^>]*>)')
_NOT_INDEXED = re.compile(r'<(div class="(?:jp-InputPrompt|jp-OutputPrompt|clipboard-copy-txt)\b|clipboard-copy\b)')
# Tables wider than the text column scroll in their own box; the edge that hides columns fades out
# (a mask, so it shows whatever the table's own background) until the reader scrolls to it.
_CSS = """\
.crm-scroll-more { -webkit-mask-image: linear-gradient(to right, #000 calc(100% - 4em), #0000);
                   mask-image: linear-gradient(to right, #000 calc(100% - 4em), #0000); }
.crm-scroll-less { -webkit-mask-image: linear-gradient(to left, #000 calc(100% - 4em), #0000);
                   mask-image: linear-gradient(to left, #000 calc(100% - 4em), #0000); }
.crm-scroll-more.crm-scroll-less {
  -webkit-mask-image: linear-gradient(to right, #0000, #000 4em, #000 calc(100% - 4em), #0000);
  mask-image: linear-gradient(to right, #0000, #000 4em, #000 calc(100% - 4em), #0000); }
.crm-scrolls { scrollbar-width: thin; scrollbar-color: var(--md-default-fg-color--light) #0000; }
a.crm-full-size { display: inline-block; cursor: zoom-in; }
"""
_JS = """\
// Mark every box in which a table scrolls sideways: crm-scroll-more/-less while columns are hidden
function crmScrollHints() {
  document.querySelectorAll("article table").forEach(function (table) {
    var box = table.parentElement;
    while (box && box.tagName !== "ARTICLE" && !/auto|scroll/.test(getComputedStyle(box).overflowX)) {
      box = box.parentElement;
    }
    if (!box || box.tagName === "ARTICLE" || box.classList.contains("crm-scrolls")) { return; }
    box.classList.add("crm-scrolls");
    var update = function () {
      box.classList.toggle("crm-scroll-more", box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
      box.classList.toggle("crm-scroll-less", box.scrollLeft > 1);
    };
    box.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  });
}
if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", crmScrollHints); }
else { crmScrollHints(); }
"""
_HOOKS = """\
\"\"\"MkDocs hooks of the crmresearch site (written by crmresearch.studies.site; do not edit).\"\"\"
from crmresearch.studies.site import page_content as on_page_content  # noqa: F401
from crmresearch.studies.site import page_context as on_page_context  # noqa: F401
"""


def page_content(html: str, **kwargs: Any) -> str:
    """MkDocs hook ``on_page_content``: every figure becomes a link to its full-size file (a phone
    shows it scaled to the screen), and notebook prompts (``In [12]:``), copy buttons and the hidden
    copy of each cell are left out of the search index (``data-search-exclude``).

    Parameters
    ----------
    html : str
        A page's rendered content.
    **kwargs : object
        MkDocs' page, config and files (unused).

    Returns
    -------
    str
        The content.

    Examples
    --------
    >>> from crmresearch.studies import site
    >>> site.page_content('<p><img alt="x" src="fig-x.png" /></p>')
    '<p><a class="crm-full-size" href="fig-x.png" title="Open at full size"><img alt="x" src="fig-x.png" /></a></p>'
    >>> site.page_content('<div class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div>')
    '<div data-search-exclude class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div>'
    """

    def link(m: re.Match[str]) -> str:
        if m.group(1) or m.group(3).startswith("data:"):
            return m.group(0)
        return f'<a class="crm-full-size" href="{m.group(3)}" title="Open at full size">{m.group(2)}</a>'

    html = _IMG.sub(link, html)
    return _NOT_INDEXED.sub(lambda m: "<" + m.group(1).replace(" ", " data-search-exclude ", 1)
                            if " " in m.group(1) else f"<{m.group(1)} data-search-exclude", html)


def page_context(context: Any, page: Any, config: Any, **kwargs: Any) -> Any:
    """MkDocs hook ``on_page_context``: a study's paper, notebook and exhibits pages are titled
    "Paper", "Notebook", "Exhibits" in the menu under the study's title; the header and the browser
    tab get the study's title with it (``page.meta.title`` from ``extra.crm_page_titles``).

    Parameters
    ----------
    context : dict
        The template context (returned unchanged).
    page : mkdocs Page
        The page being rendered.
    config : MkDocsConfig
        The site's configuration.
    **kwargs : object
        MkDocs' navigation (unused).

    Returns
    -------
    dict
        ``context``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from crmresearch.studies import site
    >>> page = SimpleNamespace(file=SimpleNamespace(src_uri="studies/x.md"), meta={})
    >>> _ = site.page_context({}, page, {"extra": {"crm_page_titles": {"studies/x.md": "X · Paper"}}})
    >>> page.meta
    {'title': 'X · Paper'}
    """
    title = (config.get("extra") or {}).get("crm_page_titles", {}).get(page.file.src_uri)
    if title:
        page.meta["title"] = title
    return context


page_context.mkdocs_priority = 50  # type: ignore[attr-defined]  # before the search index reads the page


def _notebook_for_site(nb: dict, folder: Path, prefix: str) -> dict:
    """``nb`` with every PNG output written to ``folder`` and shown from there (an ``<img>`` the page
    links to full size) instead of inline base64."""
    import base64

    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" not in data:
                continue
            n += 1
            meta = out.get("metadata", {}).get("crmresearch", {})
            name = meta.get("file") or f"output-{n}.png"
            png = data["image/png"]
            (folder / name).write_bytes(base64.b64decode("".join(png) if isinstance(png, list) else png))
            alt = meta.get("exhibit", name)
            out["data"] = {"text/html": f'<img alt="{alt}" src="{prefix}/{name}" />'}
    return nb


def roles_to_autorefs(text: str, resolve: Any) -> str:
    """Sphinx roles in a docstring (``:func:`name```, ``:class:`~pkg.Name```...) as mkdocstrings'
    cross-references: an optional ``<autoref>`` to the full path ``resolve(name)`` returns (rendered as a
    link when the site documents that object, as code otherwise); code when ``resolve`` returns None.

    Parameters
    ----------
    text : str
        Docstring text.
    resolve : callable
        Name as written (without ``~`` or ``()``) -> full dotted path, or None.

    Returns
    -------
    str
        The text without a raw role.

    Examples
    --------
    >>> from crmresearch.studies import site
    >>> site.roles_to_autorefs("See :func:`~crmresearch.x.f` and :class:`Nowhere`.",
    ...                        lambda n: n if n.startswith("crmresearch.") else None)
    'See <autoref identifier="crmresearch.x.f" optional>`f`</autoref> and `Nowhere`.'
    """

    def repl(m: re.Match[str]) -> str:
        tilde, name = m.group(1), m.group(2).strip()
        target = name.removesuffix("()")
        shown = name.rsplit(".", 1)[-1] if tilde else name
        path = resolve(target)
        return f'<autoref identifier="{path}" optional>`{shown}`</autoref>' if path else f"`{shown}`"

    return _ROLE.sub(repl, text)


def _griffe_resolver(obj: Any, root: Any, by_name: dict[str, set[str]]) -> Any:
    """``name`` -> full path as Python would find it from ``obj`` (its scope, then its parents'),
    then from the package root (``reporting.Exhibits``), then a unique object of that name."""

    def find(scope: Any, dotted: str) -> str | None:
        try:
            return str(scope[dotted].path)
        except Exception:  # unknown names and unresolvable aliases alike
            return None

    def resolve(name: str) -> str | None:
        head = name.split(".", 1)[0]
        if name.startswith(f"{root.name}."):
            return find(root, name.split(".", 1)[1]) or name
        scope = obj
        while scope is not None:
            if head in scope.members:
                return find(scope, name)
            scope = scope.parent
        found = find(root, name)
        if found:
            return found
        unique = by_name.get(name, set())
        return next(iter(unique)) if len(unique) == 1 else None

    return resolve


def _roles_extension() -> Any:
    """A griffe extension (mkdocstrings' loader) applying :func:`roles_to_autorefs` to every docstring
    of the package once it is loaded."""
    import griffe

    def walk(obj: Any):
        yield obj
        for member in obj.members.values():
            if not member.is_alias:
                yield from walk(member)

    class SphinxRoles(griffe.Extension):
        def on_package(self, *, pkg: Any, **kwargs: Any) -> None:
            objects = list(walk(pkg))
            by_name: dict[str, set[str]] = {}
            for o in objects:
                by_name.setdefault(o.name, set()).add(o.path)
            for o in objects:
                if o.docstring is not None and ":`" in o.docstring.value:
                    o.docstring.value = roles_to_autorefs(o.docstring.value, _griffe_resolver(o, pkg, by_name))

    return SphinxRoles()


def executed_notebook(study: studies.Study, run_missing: bool = True) -> Path:
    """The newest executed copy of ``study``'s notebook at default parameters (from ``make reproduce``,
    ``crmresearch run`` or ``make verify``); with ``run_missing``, the study is run into a scratch
    folder when there is none.

    Parameters
    ----------
    study : Study
        The study.
    run_missing : bool, default True
        Run the study into a scratch folder when no executed copy exists.

    Returns
    -------
    Path
        Path of the executed notebook.

    Raises
    ------
    StudyError
        When there is none and ``run_missing`` is False, or the run fails.

    Examples
    --------
    >>> import os, tempfile
    >>> from crmresearch import studies
    >>> from crmresearch.studies import site
    >>> os.environ['CRMRESEARCH_ROOT'] = tempfile.mkdtemp()   # a project where nothing has been run yet
    >>> try:
    ...     site.executed_notebook(studies.get('value-tiers'), run_missing=False)
    ... except Exception as err:
    ...     print(type(err).__name__)
    StudyError
    >>> del os.environ['CRMRESEARCH_ROOT']
    """
    folder = paths.build_dir() / "executed" / study.name
    defaults = study.defaults()
    names = ["default.ipynb", f"out-{pipeline.param_hash(study, defaults)}.ipynb"]
    found = [folder / n for n in names if (folder / n).is_file()]
    if found:
        return max(found, key=lambda p: p.stat().st_mtime)
    if not run_missing:
        raise StudyError(f"site: no executed notebook of {study.name} in {folder}; run `make reproduce` first")
    scratch = paths.build_dir() / "site-runs" / study.name
    shutil.rmtree(scratch, ignore_errors=True)
    result = pipeline.run(study.name, out=scratch)
    if result.status != "ok":
        raise StudyError(f"site: {study.name} failed while building the site: {result.error}")
    return Path(result.executed_notebook)


def _rewrite(text: str, source: Path, target: Path, root: Path, docs: Path, dropped: list[str]) -> str:
    """Relative links of ``source`` (a repository file) re-pointed for its copy at ``target`` (in
    ``docs``); links to files the site does not carry become plain text (and are counted)."""

    def repl(m: re.Match[str]) -> str:
        label, href = m.group(1), m.group(2)
        if re.match(r"^[a-z]+:", href) or href.startswith("#"):
            return m.group(0)
        path, _, anchor = href.partition("#")
        repo_path = (source.parent / path).resolve()
        try:
            rel = repo_path.relative_to(root)
        except ValueError:
            dropped.append(href)
            return label.lstrip("!") if not label.startswith("!") else m.group(0)
        mapped = _site_path(rel)
        if mapped is None or not (docs / mapped).exists():
            dropped.append(str(rel))
            return label[1:-1] if not label.startswith("!") else m.group(0)
        new = Path(_relpath(docs / mapped, target.parent))
        return f"{label}({new.as_posix()}{'#' + anchor if anchor else ''})"

    return _LINK.sub(repl, text)


def _relpath(path: Path, start: Path) -> str:
    return os.path.relpath(path, start)


def _site_path(rel: Path) -> Path | None:
    """Where a repository file lives in the site's docs folder (None: not part of the site)."""
    parts = rel.parts
    if rel.as_posix() == "README.md":
        return Path("index.md")
    if parts and parts[0] == "papers" and rel.suffix == ".md":
        return Path("studies") / rel.name
    if parts and parts[0] == "papers":
        return Path("studies/index.md")
    if parts and parts[0] == "figures" and len(parts) == 2:  # a study's exhibit folder: its index page
        return rel / "index.md"
    if parts and parts[0] == "figures":
        return rel
    if parts and parts[0] == "notebooks" and rel.suffix == ".ipynb":
        return Path("notebooks") / rel.name
    if rel.as_posix() == "data/README.md" or rel.as_posix() == "data":
        return Path("data.md")
    if rel.as_posix() in ("benchmarks/results.md", "CHANGELOG.md"):
        return Path(rel.name.lower())
    return None


def _section(markdown: str, heading: str) -> str:
    """The README section under ``## heading`` up to the next ``## ``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"## {heading}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end]) + "\n"


_NAV_LABELS = {"en": ("Paper", "Notebook", "Exhibits"), "zh": ("论文", "笔记本", "图表")}
#: the site's own words: menu entries and the headings of the exhibit and study index pages
_WORDS = {
    "en": {"home": "Home", "studies": "Studies", "your-data": "Your own data", "data": "Data sources",
           "api": "API reference", "bench": "Benchmarks", "changelog": "Changelog", "figures": "Figures",
           "tables": "Tables", "figure": "Figure", "table": "Table", "study": "study", "title": "title",
           "question": "question", "notebook": "notebook", "exhibits": "Exhibits",
           "exhibits_of": "Exhibits: {title}",
           "made": "Discussed in [the paper]({paper}); made by [the notebook]({notebook}) (`{name}`).",
           "studies_intro": "Each study is a paper (question, data, method, findings, limits) with its figures and "
                            "tables, and the executed notebook that made them."},
    "zh": {"home": "首页", "studies": "研究", "your-data": "使用自己的数据", "data": "数据来源",
           "api": "API 参考", "bench": "性能基准", "changelog": "更新日志", "figures": "图", "tables": "表",
           "figure": "图", "table": "表", "study": "研究", "title": "标题", "question": "研究问题",
           "notebook": "笔记本", "exhibits": "图表", "exhibits_of": "图表：{title}",
           "made": "见[论文]({paper})；由[笔记本]({notebook})生成（`{name}`）。",
           "studies_intro": "每项研究是一篇论文（问题、数据、方法、结论、局限）及其图表，"
                            "以及生成这些图表的已执行笔记本。"},
}
#: heading ids keep every letter (Chinese included; ``toc``'s default drops them: ``#_1``, ``#_2``)
SLUGIFY = "markdown.extensions.toc.slugify_unicode"


class _PythonName(str):
    """A ``!!python/name:`` reference in mkdocs.yml (MkDocs' YAML loader imports the object)."""


def _yaml(config: dict) -> str:
    """``config`` as mkdocs.yml text (:class:`_PythonName` values as ``!!python/name:`` tags)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(_PythonName, lambda d, v: d.represent_scalar(f"tag:yaml.org,2002:python/name:{v}", ""))
    return yaml.dump(config, Dumper=Dumper, sort_keys=False, allow_unicode=True)


def _exhibits_page(study: studies.Study, folder: Path, lang: str = "en") -> str:
    """The index page of a study's exhibit folder: every figure and table shown (headed in ``lang``),
    CSVs linked."""
    w = _WORDS.get(lang, _WORDS["en"])
    figs = [f"### {w['figure']} {n}\n\n![{n}]({n}.png)\n" for n in study.exhibits if n.startswith("fig-")]
    tabs = [f"### {w['table']} {n}\n\n{(folder / f'{n}.md').read_text(encoding='utf-8').strip()}\n\n"
            f"[{n}.csv]({n}.csv)\n" for n in study.exhibits if n.startswith("table-") and (folder / f"{n}.md").exists()]
    made = w["made"].format(paper=f"../../studies/{study.name}.md", notebook=f"../../notebooks/{study.name}.ipynb",
                            name=study.name)
    return (f"# {w['exhibits_of'].format(title=study.title_in(lang))}\n\n{made}\n\n## {w['figures']}\n\n"
            + "\n".join(figs) + f"\n\n## {w['tables']}\n\n" + "\n".join(tabs))


def _studies_page(all_studies: list[studies.Study], lang: str = "en") -> str:
    """The studies index page: one row per study (its title in ``lang``), linked to its paper and notebook."""
    w = _WORDS.get(lang, _WORDS["en"])
    if lang == "en":
        head = f"| {w['study']} | {w['question']} | data | {w['notebook']} |\n|---|---|---|---|\n"
        rows = [f"| [{s.name}]({s.name}.md) | {s.question} | {s.data} | [notebook](../notebooks/{s.name}.ipynb) |"
                for s in all_studies]
    else:  # the questions and data lines are English: the Chinese title says what the study asks
        head = f"| {w['study']} | {w['title']} | {w['notebook']} |\n|---|---|---|\n"
        rows = [f"| [{s.name}]({s.name}.md) | {s.title_in(lang)} | [{w['notebook']}](../notebooks/{s.name}.ipynb) |"
                for s in all_studies]
    return f"# {w['studies']}\n\n{w['studies_intro']}\n\n{head}" + "\n".join(rows) + "\n"


def _config(all_studies: list[studies.Study], lang: str = "en") -> dict:
    labels = _NAV_LABELS.get(lang, _NAV_LABELS["en"])
    w = _WORDS.get(lang, _WORDS["en"])
    return {
        "site_name": "crmresearch",
        "site_description": "Reproducible CRM strategy studies: papers, notebooks and the package behind them",
        "docs_dir": "docs",
        "exclude_docs": "figures/*/table-*.md\n",  # the tables are quoted in the papers; CSVs are linked
        "use_directory_urls": False,  # pages work from the file system as well as from a server
        "theme": {"name": "material", "features": ["navigation.sections", "search.highlight", "content.code.copy"],
                  "palette": {"primary": "blue grey"}, "font": False},
        "plugins": [
            "search",
            # `ignore`: the plugin would read every Markdown page (and the exhibits' tables) with jupytext,
            # starting pandoc for each, to learn that it is not a notebook; the cache (one per site, kept
            # across builds) holds each rendered notebook until the executed notebook changes
            {"mkdocs-jupyter": {"include": ["notebooks/*.ipynb"], "ignore": ["*.md"], "execute": False,
                                "include_source": True, "ignore_h1_titles": True,
                                "cache_dir": str(paths.build_dir() / "site-cache" / lang / "mkdocs-jupyter")}},
            {"mkdocstrings": {"handlers": {"python": {"paths": [str(paths.notebooks_dir().parent / "src")],
                                                      "options": {"docstring_style": "numpy",
                                                                  "extensions": [f"{__name__}:_roles_extension"],
                                                                  "show_source": False,
                                                                  "members_order": "source",
                                                                  "show_root_heading": True,
                                                                  "filters": ["!^_"]}}}}},
        ],
        "markdown_extensions": ["tables", "admonition", "attr_list", "pymdownx.superfences",
                                {"toc": {"permalink": True, "slugify": _PythonName(SLUGIFY)}}],
        "hooks": ["hooks.py"],
        "extra": {"crm_page_titles": {f"{folder}{s.name}{ext}": f"{s.title_in(lang)} · {label}" for s in all_studies
                                      for folder, ext, label in (("studies/", ".md", labels[0]),
                                                                 ("notebooks/", ".ipynb", labels[1]),
                                                                 ("figures/", "/index.md", labels[2]))}},
        "extra_css": ["assets/crm.css"],
        "extra_javascript": ["assets/crm.js"],
        "nav": [
            {w["home"]: "index.md"},
            # one entry per study under its title (in the site's language): its paper, executed notebook and exhibits
            {w["studies"]: ["studies/index.md", *({s.title_in(lang): [{labels[0]: f"studies/{s.name}.md"},
                                                                      {labels[1]: f"notebooks/{s.name}.ipynb"},
                                                                      {labels[2]: f"figures/{s.name}/index.md"}]}
                                                  for s in all_studies)]},
            {w["your-data"]: "your-data.md"},
            {w["data"]: "data.md"},
            {w["api"]: [{m: f"api/{m}.md"} for m in API_MODULES]},
            {w["bench"]: "results.md"},
            {w["changelog"]: "changelog.md"},
        ],
    }


def chinese_paper(study: studies.Study, exhibits: Path, root: Path | None = None) -> str | None:
    """The Chinese paper ``papers/zh/<study>.md`` with each table marker line ``{{ table: NAME }}``
    replaced by the table ``NAME.md`` in ``exhibits`` (the study's ``lang=zh`` exhibit folder), so the
    Chinese tables are those of the run and never drift; None when the study has no Chinese paper.

    Parameters
    ----------
    study : Study
        The study.
    exhibits : Path
        Folder holding its Chinese exhibits (``table-*.md``).
    root : Path or None, optional
        Repository root; None: this project's.

    Returns
    -------
    str or None
        The paper's Markdown with the tables inline.

    Raises
    ------
    StudyError
        When a marker names a table the study does not declare, or one missing from ``exhibits``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch import studies
    >>> from crmresearch.studies import site
    >>> root = pathlib.Path(tempfile.mkdtemp()); (root / 'papers' / 'zh').mkdir(parents=True)
    >>> _ = (root / 'papers' / 'zh' / 'value-tiers.md').write_text('# 价值分层\\n\\n{{ table: table-tiers }}\\n')
    >>> ex = root / 'zh-run'; ex.mkdir(); _ = (ex / 'table-tiers.md').write_text('| 层级 |\\n|---|\\n| 顶端 |\\n')
    >>> print(site.chinese_paper(studies.get('value-tiers'), ex, root))
    # 价值分层
    <BLANKLINE>
    | 层级 |
    |---|
    | 顶端 |
    <BLANKLINE>
    """
    root = paths.notebooks_dir().parent if root is None else Path(root)
    source = root / "papers" / "zh" / f"{study.name}.md"
    if not source.is_file():
        return None

    def table(m: re.Match[str]) -> str:
        name = m.group(1)
        tables = [n for n in study.exhibits if n.startswith("table-")]
        if name not in tables:
            raise StudyError(f"site: papers/zh/{study.name}.md includes {name!r}, which is not a table of "
                             f"{study.name} (its tables: {', '.join(tables)})")
        md = Path(exhibits) / f"{name}.md"
        if not md.is_file():
            raise StudyError(f"site: papers/zh/{study.name}.md includes {name}, missing from {exhibits}")
        return md.read_text(encoding="utf-8").strip()

    return TABLE_MARKER.sub(table, source.read_text(encoding="utf-8"))


def _site_folder(out: str | Path | None, lang: str) -> Path:
    """The folder a site is built into, refused unless it is new, empty or an earlier site
    (``mkdocs build --clean`` empties it)."""
    site = Path(out) if out is not None else paths.build_dir() / ("site" if lang == "en" else f"site-{lang}")
    if site.is_symlink() or (site.exists() and (not site.is_dir() or (any(site.iterdir())
                                                and not (site / "search" / "search_index.json").is_file()))):
        raise StudyError(f"site: {site} exists and is not an earlier build of the site; building would empty it. "
                         "Choose a new or empty folder with --out")
    return site


def _has_run(study: studies.Study, lang: str) -> bool:
    """Whether the site has what it needs of ``study`` in ``lang`` without a run: the executed notebook at
    default parameters (``make reproduce``, ``make verify`` or an earlier site), or the ``lang=zh`` exhibits."""
    if lang == "en":
        try:
            executed_notebook(study, run_missing=False)
        except StudyError:
            return False
        return True
    return (pipeline.output_dir_for(study, {**study.defaults(), "lang": lang}) / pipeline.MANIFEST).is_file()


def _run_for_site(task: tuple[str, str]) -> pipeline.RunResult:
    """One missing run of a site (a spawned process): English into a scratch folder (the executed notebook
    is what the site reads; figures/ stays untouched), ``lang=zh`` into its own folder ``build/runs/<study>/``."""
    name, lang = task
    if lang != "en":
        return pipeline.run(name, {"lang": lang})
    scratch = paths.build_dir() / "site-runs" / name
    shutil.rmtree(scratch, ignore_errors=True)
    return pipeline.run(name, out=scratch)


def missing_runs(langs: tuple[str, ...] = ("en", "zh"), all_studies: list[studies.Study] | None = None,
                 rerun: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The runs a site build needs first, as ``(study, lang)``: English where no executed notebook at
    default parameters exists (every site shows the executed notebooks), Chinese for the zh site where no
    ``lang=zh`` exhibits exist; the two languages of a study side by side, so two jobs share the long studies.

    Parameters
    ----------
    langs : tuple of str, default ('en', 'zh')
        Sites to build.
    all_studies : list of Study or None, optional
        The studies; None: every registered one.
    rerun : tuple of str, default ()
        Languages whose runs are made again even where earlier ones exist (``make site-test``: ``('zh',)``, so
        its checks read this code's Chinese runs).

    Returns
    -------
    list of tuple (str, str)
        Study name and language of each run, in the order they are started.

    Examples
    --------
    >>> import os, tempfile
    >>> from crmresearch.studies import site
    >>> os.environ['CRMRESEARCH_ROOT'] = tempfile.mkdtemp()   # a fresh clone: nothing has been run
    >>> site.missing_runs()[:3]
    [('value-tiers', 'en'), ('value-tiers', 'zh'), ('rfm-segments', 'en')]
    >>> del os.environ['CRMRESEARCH_ROOT']
    """
    chosen = studies.all_studies() if all_studies is None else all_studies
    needed = ("en", *(lang for lang in langs if lang != "en"))
    return [(s.name, lang) for s in chosen for lang in needed if lang in rerun or not _has_run(s, lang)]


def _run_missing(tasks: list[tuple[str, str]], jobs: int) -> None:
    """Run ``tasks`` (:func:`missing_runs`), ``jobs`` at a time (spawned processes, the CLI's code path,
    as ``crmresearch reproduce --jobs``); raises :class:`StudyError` naming the first that failed."""
    if jobs < 2 or len(tasks) < 2:
        results = [_run_for_site(t) for t in tasks]
    else:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run_for_site, tasks))
    failed = [(t, r) for t, r in zip(tasks, results, strict=True) if r.status != "ok"]
    if failed:
        (name, lang), r = failed[0]
        raise StudyError(f"site: {name} ({lang}) failed while building the site: {r.error}")


def chinese_exhibits(study: studies.Study) -> Path:
    """The folder of ``study``'s exhibits at default parameters with ``lang=zh`` (run when missing)."""
    params = {**study.defaults(), "lang": "zh"}
    folder = pipeline.output_dir_for(study, params)
    if not (folder / pipeline.MANIFEST).is_file():
        _run_missing([(study.name, "zh")], 1)
    return folder


def _assemble(lang: str, run_missing: bool) -> Path:
    """Write the MkDocs project of the ``lang`` site into ``build/site-src[-lang]``; returns that folder."""
    root = paths.notebooks_dir().parent.resolve()
    src = paths.build_dir() / ("site-src" if lang == "en" else f"site-src-{lang}")
    shutil.rmtree(src, ignore_errors=True)
    docs = src / "docs"
    (docs / "studies").mkdir(parents=True)
    (docs / "notebooks").mkdir()
    (docs / "api").mkdir()
    all_studies = studies.all_studies()
    shutil.copytree(paths.figures_dir(), docs / "figures")
    if lang != "en":  # the same exhibit names, in the other language
        for s in all_studies:
            shutil.rmtree(docs / "figures" / s.name)
            shutil.copytree(chinese_exhibits(s), docs / "figures" / s.name)
    for s in all_studies:  # an index page per exhibit folder: every figure and every table shown, CSVs linked
        folder = docs / "figures" / s.name
        (folder / "index.md").write_text(_exhibits_page(s, folder, lang), encoding="utf-8")
    for s in all_studies:
        nb = json.loads(executed_notebook(s, run_missing).read_text())
        nb.setdefault("metadata", {})["title"] = s.title_in(lang)
        nb = _notebook_for_site(nb, docs / "notebooks" / s.name, s.name)
        (docs / "notebooks" / f"{s.name}.ipynb").write_text(json.dumps(nb))
    (docs / "assets").mkdir()
    (docs / "assets" / "crm.css").write_text(_CSS)
    (docs / "assets" / "crm.js").write_text(_JS)
    (src / "hooks.py").write_text(_HOOKS)
    # placeholders so links can be resolved while pages are written; every one is replaced below
    for name in ("index.md", "data.md", "your-data.md", "results.md", "changelog.md", "studies/index.md",
                 *(f"studies/{s.name}.md" for s in all_studies)):
        (docs / name).write_text("")
    dropped: list[str] = []
    readme = (root / "README.md").read_text()

    def page(source: Path, target: str, text: str | None = None) -> None:
        body = source.read_text() if text is None else text
        (docs / target).write_text(_rewrite(body, source, docs / target, root, docs, dropped))

    page(root / "README.md", "index.md")
    page(root / "README.md", "your-data.md", _section(readme, "Use the package on your own data")
         + "\n" + _section(readme, "Your data, any size"))
    page(root / "data" / "README.md", "data.md")
    page(root / "benchmarks" / "results.md", "results.md")
    page(root / "CHANGELOG.md", "changelog.md")
    translated = set()
    for s in all_studies:
        zh = chinese_paper(s, docs / "figures" / s.name, root) if lang == "zh" else None
        if zh is None:
            page(root / s.paper, f"studies/{s.name}.md")
        else:  # the Chinese text, its tables from the Chinese exhibits copied above
            translated.add(s.name)
            page(root / "papers" / "zh" / f"{s.name}.md", f"studies/{s.name}.md", zh)
    (docs / "studies" / "index.md").write_text(_studies_page(list(all_studies), lang), encoding="utf-8")
    for m in API_MODULES:
        (docs / "api" / f"{m}.md").write_text(f"# crmresearch.{m}\n\n::: crmresearch.{m}\n")
    config = _config(all_studies, lang)
    if lang != "en":
        config["theme"]["language"] = lang
        config["site_name"] = "crmresearch（中文）"
    (src / "mkdocs.yml").write_text(_yaml(config), encoding="utf-8")
    (src / "dropped-links.txt").write_text("\n".join(sorted(set(dropped))) + "\n")
    if lang != "en":  # papers quote the English tables: point readers to the Chinese ones beside them
        for s in (s for s in all_studies if s.name not in translated):
            page_path = docs / "studies" / f"{s.name}.md"
            page_path.write_text("!!! note \"中文图表\"\n    本页正文为英文；图和表（CSV）为中文版本，见[图表目录]"
                                 f"(../figures/{s.name}/index.md)。\n\n" + page_path.read_text(), encoding="utf-8")
    return src


def _mkdocs(src: Path, site: Path, strict: bool) -> subprocess.Popen:
    """Start ``mkdocs build`` of the project in ``src`` into ``site`` (its output is collected)."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(src / "mkdocs.yml"), "-d", str(site.resolve())]
    if strict:
        cmd.append("--strict")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=src)


def build_sites(langs: tuple[str, ...] = ("en", "zh"), run_missing: bool = True, strict: bool = True,
                jobs: int = 2, out: str | Path | None = None, rerun: tuple[str, ...] = ()) -> list[Path]:
    """Build the sites of ``langs`` (``make site``: both) with ``jobs`` processes: first every missing run
    of every site (:func:`missing_runs`, ``jobs`` at a time), then the MkDocs projects, then their
    ``mkdocs build`` side by side; returns the site folders. Each site is as :func:`build_site` builds it.

    Parameters
    ----------
    langs : tuple of str, default ('en', 'zh')
        Sites to build (``build/site``, ``build/site-zh``).
    run_missing : bool, default True
        Run a study whose executed notebook is missing (else its page says so).
    strict : bool, default True
        Build with ``mkdocs build --strict``.
    jobs : int, default 2
        Runs (and MkDocs builds) at a time; this project's machine has 2 cores.
    out : str or Path or None, optional
        Site folder when ``langs`` is one language; None: ``build/site`` (or ``build/site-zh``).
    rerun : tuple of str, default ()
        Languages whose runs are made again even where earlier ones exist (:func:`missing_runs`).

    Returns
    -------
    list of Path
        The site folders, in the order of ``langs``.

    Raises
    ------
    StudyError
        When a site folder holds files that are not an earlier site, a run fails, or MkDocs fails.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch.studies import site
    >>> from crmresearch.errors import StudyError
    >>> folder = pathlib.Path(tempfile.mkdtemp()); _ = (folder / 'thesis.docx').write_text('mine')
    >>> try:
    ...     site.build_sites(('en',), out=folder)   # checked before anything runs
    ... except StudyError as exc:
    ...     refused = 'not an earlier build' in str(exc)
    >>> refused, (folder / 'thesis.docx').exists()
    (True, True)
    """
    if out is not None and len(langs) != 1:
        raise StudyError(f"site: out names one site folder; got {len(langs)} languages ({', '.join(langs)})")
    folders = [_site_folder(out, lang) for lang in langs]
    tasks = [t for t in missing_runs(langs, rerun=rerun) if t[1] != "en" or run_missing]
    _run_missing(tasks, jobs)
    sources = [_assemble(lang, run_missing) for lang in langs]
    builds: list[subprocess.Popen] = []
    failed = []
    for src, site in zip(sources, folders, strict=True):
        if len(builds) >= max(jobs, 1):  # wait for the oldest before starting another
            failed += _finished(builds.pop(0))
        builds.append(_mkdocs(src, site, strict))
    for proc in builds:
        failed += _finished(proc)
    if failed:
        raise StudyError("site: mkdocs build failed:\n" + "\n".join(failed))
    return folders


def _finished(proc: subprocess.Popen) -> list[str]:
    """Wait for an ``mkdocs build``; its output's end when it failed (else nothing)."""
    stdout, stderr = proc.communicate()
    return [f"{stdout[-3000:]}\n{stderr[-3000:]}"] if proc.returncode != 0 else []


def build_site(out: str | Path | None = None, run_missing: bool = True, strict: bool = True,
               lang: str = "en", jobs: int = 2) -> Path:
    """Assemble the MkDocs project in ``build/site-src[-zh]`` and build the site into ``out`` (default
    ``build/site``, or ``build/site-zh`` for ``lang="zh"``: the same pages with every figure and table
    in Chinese, from runs with ``lang=zh``, and the Chinese papers); returns the site folder. Missing runs
    go ``jobs`` at a time (:func:`build_sites` builds both sites). Raises :class:`StudyError` if MkDocs fails.

    Parameters
    ----------
    out : str or Path or None, optional
        Site folder; None: ``build/site`` (or ``build/site-zh``). Must be empty or an earlier build of the site.
    run_missing : bool, default True
        Run a study whose executed notebook is missing (else its page says so).
    strict : bool, default True
        Build with ``mkdocs build --strict``.
    lang : str, default 'en'
        ``'en'`` or ``'zh'`` (figures and tables from ``lang=zh`` runs, Chinese interface).
    jobs : int, default 2
        Missing runs at a time.

    Raises
    ------
    StudyError
        When ``out`` holds files that are not an earlier site, or MkDocs fails.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmresearch.studies import site
    >>> from crmresearch.errors import StudyError
    >>> folder = pathlib.Path(tempfile.mkdtemp()); _ = (folder / 'thesis.docx').write_text('mine')
    >>> try:
    ...     site.build_site(out=folder)   # would empty a folder that is not an earlier site
    ... except StudyError as exc:
    ...     refused = 'not an earlier build' in str(exc)
    >>> refused, (folder / 'thesis.docx').exists()
    (True, True)
    """
    return build_sites((lang,), run_missing, strict, jobs, out)[0]
