"""`make site-test` (CI) must build and test both sites: there a missing site or browser fails the
browser tests; a person running pytest by hand gets a skip with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmresearch import paths

from .test_browser import _missing


def test_a_missing_site_is_a_skip_by_hand(monkeypatch):
    monkeypatch.delenv("CRMRESEARCH_REQUIRE_SITES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no site"):
        _missing("no site in build/site-zh")


def test_make_site_test_fails_when_a_site_is_missing(tmp_path: Path):
    makefile = (paths.project_root() / "Makefile").read_text()
    recipe = makefile.split("\nsite-test: $(STAMP) fonts")[1].split("\n\n")[0]
    assert "CRMRESEARCH_REQUIRE_SITES=1" in recipe and "tests/website" in recipe
    assert "crmresearch site --lang all --jobs $(JOBS) --fresh-zh" in recipe  # the checks read this code's runs
    assert "\nsite-test: export CRMRESEARCH_I18N_STRICT = 1\n" in makefile  # the zh runs of its site build: strict
    env = {**os.environ, "CRMRESEARCH_ROOT": str(tmp_path), "CRMRESEARCH_REQUIRE_SITES": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "-m", "browser",
                           "--no-header", "-k", "menu", str(Path(__file__).with_name("test_browser.py"))],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2], timeout=120)
    assert proc.returncode == 1 and "2 errors" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-2000:]
    assert "site-zh: run `make site` first (CRMRESEARCH_REQUIRE_SITES=1" in proc.stdout
