"""The rules of the house (README, "For contributors"), read from the code's own imports: the families
import each other only as the README's table says, never import ``studies``, and never draw."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

PACKAGE = Path(importlib.util.find_spec("crmresearch").origin).parent
#: Not families: the shared ground every part may use.
GROUND = {"errors", "paths", "_extras", "_hooks", "_deprecated", "_zh", "__init__"}
#: The old module paths kept as deprecated shims for one release (they import their new homes).
SHIMS = {"health", "recovery", "prospects", "classify", "forecast", "skills", "aggregate", "base", "design",
         "pipeline", "publish", "site"}
#: family -> the families it may import (README, "For contributors").
ALLOWED = {
    "schemas": set(), "core": set(), "data": set(),
    "sources": {"schemas"}, "service": {"core", "schemas"}, "causal": {"core", "schemas"},
    "choice": {"core", "schemas"},
    "experiments": {"core", "schemas"},
    "segmentation": {"core", "schemas", "sources"}, "clv": {"core", "schemas", "sources"},
    "satisfaction": {"core", "schemas", "experiments"}, "targeting": {"core", "schemas", "experiments"},
    "survival": {"core", "schemas", "experiments"},
    "credit": {"core", "schemas", "clv", "sources"},
    "i18n": set(), "reporting": {"i18n"}, "plots": {"reporting", "i18n"},
}
DRAWING = {"matplotlib", "plots", "reporting"}


def _imports() -> dict[str, dict[str, list[str]]]:
    """family -> imported top-level part -> the files:lines that import it."""
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        family = rel.parts[0].removesuffix(".py")
        if family in SHIMS or rel.as_posix() == "survival/targeting.py":
            continue
        pkg = list(rel.with_suffix("").parts)
        pkg = pkg[:-1]  # the package the file sits in (relative to crmresearch)
        tree = ast.parse(path.read_text())
        shim_lines = {n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "__getattr__"
                      for n in range(f.lineno, f.end_lineno + 1)}  # a package's deprecated names, handed on
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in shim_lines:
                continue
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                mod = base + (node.module.split(".") if node.module else [])
                targets = [mod[0]] if mod else [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                targets = [parts[1] if parts[0] == "crmresearch" and len(parts) > 1 else parts[0]]
            elif isinstance(node, ast.Import):
                targets = [a.name.split(".")[1] if a.name.startswith("crmresearch.") else a.name.split(".")[0]
                           for a in node.names]
            for t in targets:
                out.setdefault(family, {}).setdefault(t, []).append(f"{rel}:{node.lineno}")
    return out


def test_families_import_each_other_only_as_the_readme_says():
    imports = _imports()
    parts = set(ALLOWED) | {"studies", "cli"}
    bad = []
    for family, allowed in ALLOWED.items():
        for target, where in imports.get(family, {}).items():
            if target in parts and target != family and target not in allowed | GROUND:
                bad.append(f"{family} -> {target} ({', '.join(where[:3])})")
    assert not bad, "imports the README's table does not allow:\n  " + "\n  ".join(bad)


def test_families_never_import_studies_and_never_draw():
    imports = _imports()
    bad = [f"{family} -> {target} ({', '.join(where[:3])})"
           for family in ALLOWED if family not in ("plots", "reporting", "i18n")
           for target, where in imports.get(family, {}).items() if target in DRAWING | {"studies", "cli"}]
    assert not bad, "a family that draws or reaches the studies:\n  " + "\n  ".join(bad)
