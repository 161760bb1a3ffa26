# Fortress: `make run` to try it, `make test` to test it. Nothing else is needed but Python 3.11+.

# The newest Python 3.11+ on this machine (Django 6 needs 3.12+; 3.11 gets Django 5.2 LTS).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# The interface catalogues under locale/ (English is the source language).
CATALOGUES ?= fr es ar vi th

.PHONY: install catalogues messages run test fuzz sqlite-writers lint bench bench-small clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found)."; exit 1; }
	@# An existing virtual environment keeps its interpreter (never re-created over it).
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) catalogues

# The compiled message catalogues (.mo, not committed), built from locale/*/LC_MESSAGES/*.po
# in pure Python (Babel): no GNU gettext needed. Up-to-date ones are left as they are.
catalogues: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py compile_catalogues

# Re-extract the interface strings into every catalogue (needs GNU gettext's xgettext/msgmerge).
messages: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages $(foreach l,$(CATALOGUES),-l $(l)) \
		--ignore=.venv --ignore=staticfiles --ignore=tests --ignore=benchmarks --ignore=var

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python -m config.embedded --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: install  # Schemathesis against the live API, on DATABASE_URL's database (SQLite when unset)
	$(BIN)/python tests/fuzz_api.py $(FUZZ_ARGS)

sqlite-writers: install  # 2 concurrent API writers for 60 s on `make run`'s stack; prints the 5xx
	$(BIN)/python benchmarks/sqlite_writers.py --seconds 60 --writers 2 $(WRITERS_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install  # the scale benchmark on PostgreSQL (DATABASE_URL=postgres://...), see docs/PERFORMANCE.md
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/xref_bench.py --indicators 1000000 $(BENCH_ARGS)
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/persons_bench.py --persons 1000000 $(PERSONS_BENCH_ARGS)
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/import_bench.py --rows 100000 $(IMPORT_BENCH_ARGS)
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/registry_bench.py --entries 1000000 $(REGISTRY_BENCH_ARGS)
	@# Pages under gunicorn, then the load run (gunicorn + a Celery worker: CELERY_BROKER_URL=redis://...)
	@# on the data set the page benchmark built.
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/page_bench.py --indicators 1000000 \
		--persons 1000000 --victims 100000 --operations 50 $(PAGE_BENCH_ARGS)
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/load_bench.py --reuse --indicators 1000000 \
		--persons 1000000 --victims 100000 --operations 50 $(LOAD_BENCH_ARGS)

bench-small: install  # the same script at a small scale (CI runs it so it never rots)
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/xref_bench.py --indicators 20000 --bulk 5000 \
		--new-cases 5 --database fortress_bench_small
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/persons_bench.py --persons 20000 --new 10 \
		--database fortress_persons_bench_small
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/import_bench.py --rows 5000 \
		--database fortress_import_bench_small
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/registry_bench.py --entries 20000 --lookup 2000 \
		--database fortress_registry_bench_small
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/page_bench.py --indicators 20000 --persons 2000 \
		--victims 2000 --registry 2000 --operations 5 --seconds 1 \
		--database fortress_page_bench_small
	DEBUG=$${DEBUG:-1} $(BIN)/python benchmarks/load_bench.py --reuse --indicators 20000 \
		--persons 2000 --victims 2000 --registry 2000 --operations 5 --users 9 --seconds 10 \
		--think 0.5 --database fortress_page_bench_small

clean:
	rm -rf $(VENV) fortress.sqlite3 fortress.sqlite3-wal fortress.sqlite3-shm staticfiles var
