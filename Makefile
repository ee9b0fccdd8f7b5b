# `make run`: set up and run the main job. `make test`: set up and run every check.
# Set-up is idempotent: a venv in .venv with the pinned dependencies, and Java 17+.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?=
# pyspark's workers must use the venv's interpreter
export PYSPARK_PYTHON := $(abspath $(BIN)/python)

.PHONY: help setup java jars serving-jar run test test-e2e test-real lint format docs serve-docs bench clean clean-warehouse

help:
	@echo "make run [DATA=file-or-folder]  set up, ingest (demo data if no DATA), dbt build, docs, summary"
	@echo "make test                       set up, then sqlfluff, ruff and pytest"
	@echo "make test-e2e                   the long scenarios make test leaves out (cluster, killed loads and builds, readers)"
	@echo "make test-real                  the whole project on ../shared/data, marts against pandas"
	@echo "make docs                       generate the dbt docs site and serve it on localhost:8080"
	@echo "make bench                      run the benchmarks in bench/ (results: BENCHMARKS.md; real data: bench/run.py --data ../shared/data)"
	@echo "make clean-warehouse            delete the embedded warehouse and metastore"

setup: java jars $(STAMP) serving-jar

# The Delta Lake jars, fetched from Maven Central once (scripts/fetch_jars.sh)
jars:
	@scripts/fetch_jars.sh

java:
	@scripts/check_java.sh

# The Thrift Server's authentication and access control, compiled against PySpark's jars
serving-jar: $(STAMP)
	@scripts/build_serving_jar.sh

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.x")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/retail run $(if $(DATA),--data "$(DATA)")

lint: setup
	$(BIN)/sqlfluff lint models tests analyses macros
	$(BIN)/ruff check src python_udfs tests bench
	$(BIN)/ruff format --check src python_udfs tests bench

format: setup
	$(BIN)/sqlfluff fix models tests analyses macros
	$(BIN)/ruff format src python_udfs tests bench
	$(BIN)/ruff check --fix src python_udfs tests bench

# One process by default: on this project's 2-core machine two pytest-xdist workers measured no
# faster (BENCHMARKS.md). TEST_WORKERS=N runs N workers, a module each, slowest first.
TEST_WORKERS ?= 1
test: lint
	$(BIN)/pytest $(if $(filter-out 1,$(TEST_WORKERS)),-n $(TEST_WORKERS))

docs: setup
	$(BIN)/dbt docs generate
	$(BIN)/dbt docs serve --port 8080 --host 127.0.0.1

# the whole scenarios `make test` leaves out for time: a standalone cluster, ingests and builds
# killed at every step, BI readers through a full rebuild, the 50-file ingest corpus
test-e2e: setup
	$(BIN)/pytest -m e2e

# the whole project built and tested on the real UCI files, the marts checked against pandas
test-real: setup
	$(BIN)/pytest -m heavy tests/python/test_real_data.py

bench: setup test-real test-e2e
	$(BIN)/python bench/run.py
	$(BIN)/python bench/ingest_profile.py
	$(BIN)/python bench/bench_classifier.py
	$(BIN)/python bench/clv_holdout.py
	$(BIN)/python bench/ml_eval.py
	$(BIN)/python bench/clv_bgnbd.py

clean-warehouse:
	rm -rf spark-warehouse metastore_db logs/derby.log

clean: clean-warehouse
	rm -rf target logs $(VENV) .pytest_cache .ruff_cache
