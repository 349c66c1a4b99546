# The two set-up commands of the README:
#   make run   install into .venv and run the whole pipeline
#   make test  install into .venv, bring the pipeline's results up to date, run the tests
# With no internet, point COPROD_DATA_MIRROR at the offline mirror, e.g.
#   COPROD_DATA_MIRROR=../shared/data/raw make run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: run test install lint bench
.DEFAULT_GOAL := run

$(BIN)/snakemake: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,slurm,lint]'
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
	$(BIN)/snakemake --cores $(CORES)

test: run
	$(BIN)/snakemake --lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench.py

# Style: ruff (lint and format), snakefmt, notebooks stored without outputs. CI runs this.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/nbstripout --verify notebooks/*.ipynb
