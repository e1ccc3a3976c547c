# Every target sets up what it needs: a fresh clone with only Python 3.11 runs `make demo`
# and `make test` as they are.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: venv demo test test-postgres lint bench schema clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	bash scripts/demo.sh

test: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-postgres: venv
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -p no:cacheprovider

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

schema: venv
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

clean:
	rm -rf $(VENV) var
