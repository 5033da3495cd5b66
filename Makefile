# The two commands a user needs (see README): `make run` and `make test`.
# Both create a private virtual environment in .venv on first use; only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Nothing here downloads at run or test time: Hugging Face libraries are forced offline.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
# MkDocs' banner about its next major version is noise in every build
export NO_MKDOCS_2_WARNING := 1

.PHONY: run test docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "communique needs Python 3.11 or newer" or 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	@touch $(STAMP)

## run: set up, then run the main job on the bundled corpus
run: $(STAMP)
	$(BIN)/communique corpus build
	$(BIN)/communique validate --strict
	$(BIN)/communique export hf --out dist/hf
	$(BIN)/communique export brat --out dist/brat
	$(BIN)/communique extract --method rules --out dist/baseline.jsonl --force
	$(BIN)/communique bench --predictions dist/baseline.jsonl

## test: set up, then run the project's own checks (ruff lint and format, mypy --strict), build the documentation
## site with --strict (a few seconds, offline) and run the whole test suite (on two processes, one test file each:
## pytest-xdist)
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs
	$(BIN)/mypy
	$(BIN)/mkdocs build --strict --quiet
	$(BIN)/python -m pytest -n 2 --dist loadfile

## docs: regenerate the reference pages from the code (docs/generate.py), then build the site into build/site
docs: $(STAMP)
	$(BIN)/python docs/generate.py
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) dist build src/*.egg-info .pytest_cache .hypothesis
