# cppcc-portal: `make run` to try it, `make test` to check it. Nothing else needs installing by hand.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := chromium fonts-wqy-microhei gettext poppler-utils

.PHONY: run test venv sysdeps migrate demo messages lint typecheck vendor bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Browser tests need Debian's Chromium, a CJK font and poppler-utils (pdftoppm, pdftotext, pdffonts check the
# duty-record PDF); install them when missing (root with apt only).
sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "please install:$$missing (Debian packages)"; exit 1; fi; \
	fi

# DEBUG is off unless asked for (production never gets it by accident); the development targets ask for it.
migrate demo run messages: export DEBUG ?= true

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_schedules

demo: migrate
	$(PY) manage.py seed_demo --if-empty

# Web server on 127.0.0.1:8000, a Celery worker and beat; Ctrl-C stops all three.
run: demo
	$(PY) deploy/devrun.py

test: venv sysdeps
	CELERY_QUEUE=cppcc-test-$$$$ $(VENV)/bin/pytest $(PYTEST_ARGS)

# Refresh the catalogues after changing strings, then fill in the Chinese and run it again.
messages: venv
	$(PY) manage.py catalogues

# ruff format and ruff check, mypy on the typed layer, and the one-way app graph (core <- groups <- proposals <- consultations <- assessments; pyproject.toml).
lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# mypy with django-stubs on the typed layer (the `files` of [tool.mypy] in pyproject.toml; docs/DEVELOPING.md, "Types").
typecheck: venv
	$(VENV)/bin/mypy

# Front-end assets come from the npm registry; this refreshes the copies under static/vendor/;
# axe-core goes to tests/vendor/: the accessibility test (tests/e2e/test_accessibility.py) uses it, pages never do.
vendor:
	rm -rf var/npm && mkdir -p var/npm && cd var/npm && npm pack bootstrap@5.3.8 && tar xzf bootstrap-5.3.8.tgz
	cp var/npm/package/dist/css/bootstrap.min.css* var/npm/package/dist/js/bootstrap.bundle.min.js* var/npm/package/LICENSE static/vendor/bootstrap/
	rm -rf var/npm/package && cd var/npm && npm pack chart.js@4.6.1 && tar xzf chart.js-4.6.1.tgz
	mkdir -p static/vendor/chartjs && cp var/npm/package/dist/chart.umd.min.js* var/npm/package/LICENSE.md static/vendor/chartjs/
	rm -rf var/npm/package && cd var/npm && npm pack tom-select@2.6.2 && tar xzf tom-select-2.6.2.tgz
	mkdir -p static/vendor/tom-select && cp var/npm/package/dist/js/tom-select.complete.min.js* var/npm/package/dist/css/tom-select.bootstrap5.min.css* var/npm/package/LICENSE static/vendor/tom-select/
	rm -rf var/npm/package && cd var/npm && npm pack axe-core@4.14.1 && tar xzf axe-core-4.14.1.tgz
	mkdir -p tests/vendor/axe-core && cp var/npm/package/axe.min.js var/npm/package/LICENSE var/npm/package/LICENSE-3RD-PARTY.txt tests/vendor/axe-core/

# The performance table in one run (issue #22; bench/README.md keeps the results) against a database seeded with
# `seed_demo --members 50000`: BENCH_DB=postgres://cppcc:cppcc@127.0.0.1:5432/cppcc_scale make bench
bench: venv
	@test -n "$(BENCH_DB)" || { echo "set BENCH_DB to a seeded database's URL (bench/README.md)"; exit 2; }
	DATABASE_URL=$(BENCH_DB) $(PY) bench/pages.py --rounds 3
	DATABASE_URL=$(BENCH_DB) $(PY) bench/api_lists.py
	DATABASE_URL=$(BENCH_DB) BENCH_DATABASE_URL=$(BENCH_DB) $(PY) bench/rollup.py --repeat 5

clean:
	rm -rf $(VENV) var
