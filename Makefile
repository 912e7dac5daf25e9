# Palaver. `make demo` runs the platform with a demo site; `make test` runs the whole suite.
# With DATABASE_URL / REDIS_URL unset both use an embedded PostgreSQL and Redis under .data/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint format packages services-stop bench bench-tenants bench-spam screenshots clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) bin/demo.py

test: $(STAMP) packages
	$(PY) -m pytest $(PYTEST_ARGS)

# Chromium, nginx and PgBouncer, which the suite drives for real (Debian packages).
packages:
	@bash bin/ensure-packages

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

services-stop: $(STAMP)
	$(PY) -m palaver.devservices stop

clean: services-stop
	rm -rf .data staticfiles

# Benchmarks (docs/performance.md): their own database and Redis db; results in bench/results/.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

bench-tenants: $(STAMP)
	$(PY) -m bench.tenants $(BENCH_ARGS)

bench-spam: $(STAMP)
	$(PY) -m bench.spam

# Refresh docs/screenshots/ (widget and dashboard) from the real app in Chromium.
screenshots: $(STAMP) packages
	PALAVER_SCREENSHOTS=docs/screenshots $(PY) -m pytest -p no:cacheprovider \
		tests/browser/screenshots_widget.py tests/browser/screenshots_dashboard.py
