# crmresearch — every target installs what it needs into .venv first.
# make reproduce   regenerate every study's figures and tables at default parameters
# make test        lint + the whole test suite
# make verify      re-run every study and compare with the committed figures/ byte for byte
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

# uv installs no .pyc files, and with PYTHONDONTWRITEBYTECODE set (as on this project's machines) Python never
# writes them: every kernel, job and test worker would compile numpy, pandas, scipy, matplotlib and the package
# from source again (measured: 9.7 s of CPU for a study's imports against 3.3 s from .pyc). Every target lets
# the first import write them (into .venv and the gitignored __pycache__/ folders).
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help setup reproduce test test-cluster cluster verify lint lab bench lock clean site site-test fonts rpeer

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

fonts:  ## the CJK font for lang=zh exhibits (Debian fonts-noto-cjk; installed when run as root)
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q fonts-noto-cjk >/dev/null)); \
	  else echo "fonts: Noto Sans CJK SC is missing and this user cannot install it (Debian: sudo apt-get install fonts-noto-cjk); lang=zh runs and their tests will stop with that message"; fi; }

R_PACKAGES := r-base-core r-cran-survival r-cran-cmprsk r-cran-riskregression r-cran-pec r-cran-jsonlite r-cran-lme4 r-cran-erm
rpeer:  ## R, the field's reference, for the peer tests (Debian r-cran-*; installed when run as root, else those tests skip)
	@Rscript -e 'for (p in c("survival", "cmprsk", "riskRegression", "pec", "jsonlite", "lme4", "eRm")) if (!requireNamespace(p, quietly = TRUE)) quit(status = 1)' >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(R_PACKAGES) >/dev/null 2>&1 \
	     || (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(R_PACKAGES) >/dev/null)); \
	  else echo "rpeer: R or one of survival, cmprsk, riskRegression, pec, lme4, eRm is missing and this user cannot install it (Debian: sudo apt-get install $(R_PACKAGES)); the R peer tests will skip"; fi; }

# uv (pinned in constraints.txt) installs the locked versions in well under a minute; pip is the fallback.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' constraints.txt)" \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[dev]" \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the package with the locked dependencies

reproduce: $(STAMP)  ## run every study at default parameters into figures/
	$(BIN)/crmresearch reproduce --jobs $(JOBS)

test: $(STAMP) fonts rpeer lint  ## lint, then run the tests (validation, notebooks, CLI, Chinese exhibits, R peers)
	$(BIN)/python -m pytest

# A Spark standalone master and two workers (1 core, 1 GB each) from pyspark's own spark-class, on 127.0.0.1 with
# free ports; the tests on it start and stop it themselves (tests/spark_cluster.py; Java 17 and the spark extra).
cluster: $(STAMP)  ## a Spark standalone cluster on 127.0.0.1 (prints its SPARK_MASTER_URL; Ctrl-C stops it)
	$(BIN)/python tests/spark_cluster.py

test-cluster: $(STAMP)  ## the Spark tests: local Spark and a real two-worker cluster (started and stopped; not in make test)
	CRMRESEARCH_REQUIRE_CLUSTER=$${CRMRESEARCH_REQUIRE_CLUSTER:-0} $(BIN)/python -m pytest -n 0 -m "cluster or spark" \
	  tests/sources/test_cluster.py tests/sources/test_engines.py

verify: $(STAMP)  ## re-run every study at default parameters; exhibits, inputs and parameters must equal figures/
	$(BIN)/crmresearch verify --strict --jobs $(JOBS)

site: $(STAMP) fonts  ## build the website: build/site (English) and build/site-zh (figures and tables in Chinese)
	$(BIN)/crmresearch site --lang all --jobs $(JOBS)

# strict: a figure text or table header without a Chinese translation fails the zh runs of the site, and so the
# build (tests/website/test_chinese_runs.py checks those runs; make test runs one study in Chinese, strict)
site-test: export CRMRESEARCH_I18N_STRICT = 1
site-test: $(STAMP) fonts  ## both sites (the Chinese runs made again, strict), every page in headless Chromium; a missing browser fails (installs Debian's chromium as root)
	$(BIN)/crmresearch site --lang all --jobs $(JOBS) --fresh-zh
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else echo "site-test: chromium is missing and this user cannot install it (Debian: sudo apt-get install chromium); the browser tests will fail"; fi; }
	CRMRESEARCH_REQUIRE_SITES=1 $(BIN)/python -m pytest -n 2 -m browser tests/website

lint: $(STAMP)  ## ruff on the package, tests and benchmarks
	$(BIN)/ruff check src tests benchmarks

# The shipped server settings strip outputs, execution counts and edited parameters from notebooks/ on every
# save (autosave too); JupyterLab refuses to run as root unless told, so root gets --allow-root.
lab: $(STAMP)  ## JupyterLab on the project, opened at notebooks/ (saved there without outputs)
	$(BIN)/jupyter lab --config=src/crmresearch/studies/jupyter_server_config.py --ServerApp.root_dir=. \
	  --FileContentsManager.preferred_dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP)  ## run every benchmark; results go to benchmarks/results.md
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lock: $(STAMP)  ## re-resolve dependencies from pyproject.toml and rewrite constraints.txt
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	.lockenv/bin/python -m pip freeze --exclude-editable | grep -v '^crmresearch' > constraints.txt
	rm -rf .lockenv

clean:  ## remove build/ (executed notebooks, non-default runs); keeps figures/
	rm -rf build
