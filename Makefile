# The two set-up commands of the README:
#   make run   install into .venv and run the whole pipeline (from the shipped snapshot)
#   make test  install into .venv, bring the pipeline's results up to date, run the tests
# Other sources: COPROD_DATA_MIRROR=../shared/data/raw make run (a mirror), or
#   make run SNAKEMAKE_ARGS="--config data_source=official" (the publishers' downloads).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2
SNAKEMAKE_ARGS ?=

.PHONY: run test install lint bench lock environment compare-official
.DEFAULT_GOAL := run

# requirements.lock pins every package (pip constraints); pyproject.toml holds the ranges.
$(BIN)/snakemake: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test,slurm,lint]'
	touch $@

# Quarto renders the report. When `quarto` is not on PATH it is installed into a project-local
# folder (never system-wide) by tools/install_quarto.py: from ../shared/tools/quarto where that
# exists, otherwise the official release archive pinned and verified by tools/quarto.lock.json.
# Either way it is linked into .venv/bin, where the render rule looks first.
QUARTO_PREFIX := .tools/quarto

$(BIN)/quarto: tools/install_quarto.py tools/quarto.lock.json | $(BIN)/snakemake
	@found=$$(command -v quarto || true); \
	if [ -n "$$found" ] && [ "$$(readlink -f "$$found")" != "$$(readlink -f $@ 2>/dev/null)" ]; then \
	    ln -sf "$$found" $@; \
	else \
	    $(PYTHON) tools/install_quarto.py $(QUARTO_PREFIX) && ln -sf "$(CURDIR)/$(QUARTO_PREFIX)/bin/quarto" $@; \
	fi
	$@ --version

install: $(BIN)/snakemake $(BIN)/quarto

run: install
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

test: run
	$(BIN)/snakemake --lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench.py

# After a change to pyproject.toml: re-resolve the venv, then record it.
lock:
	$(BIN)/pip install --quiet -e '.[test,slurm,lint]'
	(head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable | grep -v '^coprod') > requirements.lock.new
	mv requirements.lock.new requirements.lock

environment: environment.yml
environment.yml: pyproject.toml tools/environment.py
	$(PYTHON) tools/environment.py

# Run from the official downloads in a copy and compare its headline figures with this
# checkout's (snapshot) run: results/official_comparison.csv.
compare-official: install
	$(BIN)/python tools/compare_official.py

# Style: ruff (lint and format), snakefmt, notebooks stored without outputs. CI runs this.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/nbstripout --verify notebooks/*.ipynb
