# Entry points of dsr-analysis. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DSR := $(VENV)/bin/dsr
# Re-install only when the package's requirements change.
STAMP := $(VENV)/.installed
# The Jupyter kernel named after the project, registered in the venv: JupyterLab (make lab, or a
# researcher's own Lab or Hub pointed at the venv) lists it, and the notebooks' kernelspec
# names it. dsr reports and dsr teach do not need it: they execute in their own interpreter.
KERNEL := dsr-analysis
DOCS_STAMP := $(VENV)/.installed-docs

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	touch $(STAMP)

setup: $(STAMP) ## Create .venv, install the package with its test tools, register its Jupyter kernel

# The tables are remade only when their inputs change, so a rebuild with nothing to do stays fast.
TABLE_INPUTS := $(wildcard data/*.yml data/synthetic/*.csv data/trial/*.csv data/trial/*.yml \
	$(shell find dsr_analysis -name "*.py"))

reports/tables.csv: $(STAMP) $(TABLE_INPUTS)
	$(DSR) tables --out $@

SURVEY_INPUTS := $(wildcard data/vive2023/*) $(shell find dsr_analysis -name "*.py")

# The VIVE survey's release, beside its report set (dsr audit reads both).
reports/vive2023/tables.csv: $(STAMP) $(SURVEY_INPUTS)
	$(DSR) survey tables --out $@

reports: reports/tables.csv reports/vive2023/tables.csv ## Build both report sets from the bundled (synthetic) data
	$(DSR) reports

test: $(STAMP) ## Run the test suite
	$(PY) -m pytest

data: $(STAMP) ## Regenerate the bundled synthetic monitoring export
	$(DSR) data

national: $(STAMP) ## Make (or reuse) the national synthetic export in build/national (98 municipalities)
	$(DSR) data --national

lab: $(STAMP) ## Open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab notebooks/

teach: $(STAMP) ## Build the teaching edition: student and teacher notebooks and handouts (da, en) in build/teaching
	$(DSR) teach

lint: $(STAMP) ## Check style with ruff (code and notebooks)
	$(VENV)/bin/ruff check dsr_analysis tests benchmarks notebooks docs

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

# Strict: any warning (a broken link, a docstring mkdocstrings cannot read) fails the build.
# NO_MKDOCS_2_WARNING: Material's end-of-life banner, a notice about the theme (mkdocs.yml).
docs: $(DOCS_STAMP) ## Build the documentation site (docstrings and docs/) into build/site, offline
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet
	@echo "open $(CURDIR)/build/site/index.html"

.PHONY: help setup reports test data national lab teach lint docs
