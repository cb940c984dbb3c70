"""The site builder's link rewriting (the build itself and the browser checks run in `make site-test`)."""

from __future__ import annotations

from pathlib import Path

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
