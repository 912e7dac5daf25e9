# Palaver. `make demo` runs the platform with a demo site; `make test` runs the whole suite.
# With DATABASE_URL / REDIS_URL unset both use an embedded PostgreSQL and Redis under .data/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint format packages messages services-stop bench bench-tenants bench-spam \
	bench-import bench-live screenshots clean widget widget-check widget-format cluster

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

# The widget (docs/widget.md): widget/src -> widget/dist, which is committed, so that demo
# and test need no Node. These targets do: Node >= 20.19 and npm.
WIDGET_STAMP := widget/node_modules/.installed

$(WIDGET_STAMP): widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund
	touch $(WIDGET_STAMP)

widget: $(WIDGET_STAMP)
	cd widget && node build.mjs

# CI: ESLint (and its rules' self-test), Prettier, and the committed build matches the source.
widget-check: $(WIDGET_STAMP)
	cd widget && node_modules/.bin/eslint . && node lint-selftest.mjs
	cd widget && node_modules/.bin/prettier --check .
	cd widget && node build.mjs --check

widget-format: $(WIDGET_STAMP)
	cd widget && node_modules/.bin/prettier --write . && node_modules/.bin/eslint --fix .

# The dashboard's catalogues (embed/locale): extract the marked strings into every language's
# .po, then compile the .mo files, which are committed so that demo and test need no gettext.
# Needs gettext (xgettext, msgfmt). New strings come in untranslated: tests/test_dashboard_i18n.py
# fails until each has its translation.
MESSAGE_LOCALES := es de fr it pt nl pl ja zh_Hans ar he

messages: $(STAMP)
	cd embed && $(abspath $(PY)) $(abspath manage.py) makemessages --no-location --no-obsolete \
		$(addprefix -l ,$(MESSAGE_LOCALES))
	cd embed && $(abspath $(PY)) $(abspath manage.py) compilemessages

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

# Import speed and peak memory on generated Disqus exports (docs/performance.md).
# The topology past one box on this machine's loopback, checked end to end (bin/cluster.py).
cluster: $(STAMP)
	$(PY) bin/cluster.py $(CLUSTER_ARGS)

bench-import: $(STAMP)
	$(PY) -m bench.import_bench $(BENCH_ARGS)

# Refresh docs/screenshots/ (widget and dashboard) from the real app in Chromium.
screenshots: $(STAMP) packages
	PALAVER_SCREENSHOTS=docs/screenshots $(PY) -m pytest -p no:cacheprovider \
		tests/browser/screenshots_widget.py tests/browser/screenshots_dashboard.py

# Live updates: N event streams on one events process, delivery after COMMIT, memory per
# stream, and a post's latency with 1,000 reply subscribers (docs/performance.md).
bench-live: $(STAMP)
	$(PY) -m bench.live $(BENCH_ARGS)
