# Two commands: `make run` (set up, migrate, seed, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := SPROUT_ENV=$${SPROUT_ENV:-development} FLASK_APP=wsgi $(BIN)/flask
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
SOURCES := app competitions judging accelerator

.PHONY: run test test-e2e test-sqlite test-postgres install translations extract-messages lint format clean bench load load-surge

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

translations: $(COMPILED)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Refresh the catalogs after changing user-facing text, then translate what is new.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _n:1,2 -o messages.pot --no-location --sort-output $(SOURCES)
	$(BIN)/pybabel update -i messages.pot -d app/translations -N --ignore-obsolete

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install translations
	env -u TEST_DATABASE_URL $(BIN)/pytest -n auto
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(BIN)/pytest -n auto; \
	fi

# Real-browser journeys (Debian's Chromium at /usr/bin/chromium); screenshots of every step
# go to test-artifacts/e2e/.
test-e2e: install translations
	$(BIN)/pytest tests/e2e -p no:xdist

# Province-scale benchmarks (minutes, not part of the tests); they rewrite docs/performance.md
# (prose in bench/performance.md.in). PostgreSQL too when BENCH_DATABASE_URL or TEST_DATABASE_URL
# is set. A failed script leaves its figures "not measured" and fails the target after the rewrite.
bench: install translations
	results=$$(mktemp -d) && trap 'rm -rf "$$results"' EXIT && failed=0 && \
	{ $(BIN)/python bench/bench_ranking.py --runs 7 --json "$$results/ranking.json" || failed=1; } && \
	{ $(BIN)/python bench/bench_assignment.py --repeat 5 --json "$$results/assignment.json" || failed=1; } && \
	{ $(BIN)/python bench/bench_imports.py --runs 5 --json "$$results/imports.json" || failed=1; } && \
	{ $(BIN)/python bench/bench_matching.py --repeat 5 --json "$$results/matching.json" || failed=1; } && \
	$(BIN)/python bench/report.py "$$results" && exit $$failed

# Festival-day load test (minutes; loopback only, bounded): gunicorn with 4 workers on a
# PostgreSQL database of its own (BENCH_DATABASE_URL or TEST_DATABASE_URL), 200 judges saving
# scores with locust, then every acknowledged save checked in the database. Fails on a missed
# target (PERFORMANCE.md).
load: install translations
	$(BIN)/python load/run.py

# The deadline surge (about 7 minutes; loopback only, bounded): 300 students upload a 5 MB deck
# and submit within two minutes while the deadline passes; afterwards nothing late was
# accepted, no partial file is left and no submitted entry lacks its deck.
load-surge: install translations
	$(BIN)/python load/surge.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive $(SOURCES) config.py wsgi.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(COMPILED)
