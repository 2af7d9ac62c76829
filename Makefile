# The front door. `make run` and `make test` set everything up on a fresh machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run serve install migrate demo test test-fast test-sqlite lint format bench bench-scale bench-reports clean check-deploy vnu

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps mediapipe==0.10.14
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

# The Nu HTML checker for the crawl test (tests/e2e/test_crawl.py): the vnu-jar
# package from the npm registry, unpacked once into .cache/ (needs npm and Java 17).
VNU_VERSION := 26.9.27
VNU_JAR := .cache/vnu-$(VNU_VERSION)/vnu.jar
$(VNU_JAR):
	@mkdir -p $(dir $@)
	cd $(dir $@) && npm pack --silent vnu-jar@$(VNU_VERSION) >/dev/null \
	  && tar xzf vnu-jar-$(VNU_VERSION).tgz package/build/dist/vnu.jar \
	  && mv package/build/dist/vnu.jar vnu.jar && rm -rf package vnu-jar-$(VNU_VERSION).tgz

vnu: $(VNU_JAR)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	@echo ""
	@echo "  Injectable charting is at http://127.0.0.1:8000"
	@echo "  Demo logins (password demo-pass-2026):"
	@echo "    injector@demo.clinic    injector"
	@echo "    frontdesk@demo.clinic   front desk"
	@echo "    admin@demo.clinic       clinic admin"
	@echo "  Two-step sign-in: run with REQUIRE_2FA=1 to require it. The demo admin's"
	@echo "  authenticator key is MRSW233DNRUW42LDFV2G65DQFVVWK6JN; its code right now:"
	@$(BIN)/python manage.py demo_totp
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# PDF figures alone: seconds and peak memory per page (injection map, 40-treatment history).
bench-reports: install
	$(BIN)/python -m tools.bench.pdf $(ARGS)

# Database for tests: DATABASE_URL if set, else PostgreSQL on 127.0.0.1:5432
# if it answers, else SQLite. Redis likewise (REDIS_URL, else 127.0.0.1:6379).
# The crawl's Nu HTML checker: fetched when missing; without npm a developer's run
# skips the crawl, CI (CI=true) fails.
# Two test processes (pytest-xdist), one per core of the CI machine; TEST_PROCS=0 for one.
TEST_PROCS ?= 2
test: install
	@$(MAKE) --no-print-directory vnu || test "$$CI" != true
	@eval "$$($(BIN)/python tools/scripts/test_services.py)"; \
	  VNU_JAR=$(abspath $(VNU_JAR)) $(BIN)/python -m pytest -n $(TEST_PROCS) --dist loadgroup $(ARGS)

# `make run` uses SQLite; CI and production use PostgreSQL, so `make test` in CI never
# runs the hand-written SQL on SQLite: seed_demo once broke on a PostgreSQL-only `::`
# cast in the dose history (e5694d8). This runs the tests that execute that SQL on
# SQLite (in memory), tasks eager, no Redis, one process (the migrations dominate);
# a few minutes. CI runs it after `make test`; there a skip in it is a failure.
# The files, chosen because they execute the raw SQL (planning/treatment_history.py's
# history statement with charting/treatment_history.py's parts; clinic/hours.py's
# closures statement):
SQLITE_TESTS := \
	tests/clinic/test_compiled.py \
	tests/clinic/test_joined_read.py \
	tests/clinic/test_schedule_pages.py \
	tests/planning/test_dose_history.py \
	tests/planning/test_outside_doses.py \
	tests/planning/test_plan_page.py \
	tests/planning/test_screening_rules.py \
	tests/planning/test_screening_views.py \
	tests/charting/test_dose_rules.py \
	tests/charting/test_signed_reads.py \
	tests/charting/test_reviews_due.py \
	tests/clinic/test_hours.py \
	tests/clinic/test_working_hours.py
# dose history and reported doses; plan page; screening (the 90-day rule); the chart's
# dose checks at signing; the signed chart page's reads (one PostgreSQL statement, the
# ORM elsewhere); the reviews-due list (no list version on SQLite: counted every view,
# charting/due_list_counts.py); the day view's hours, booking and moving, and the demo door:
# tests/clinic/test_hours.py's test_the_demo_books_nothing_ahead_on_a_closed_day runs
# seed_demo (what `make run` loads) on SQLite.
test-sqlite: install
	@echo "make test-sqlite: database SQLite (in memory); redis none, tasks eager" >&2
	@unset DATABASE_URL REDIS_URL; \
	  TEST_SQLITE=1 $(BIN)/python -m pytest -n 0 $(SQLITE_TESTS) $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/scripts/check_compose.py
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r config clinic planning charting audit security
	$(BIN)/python tools/scripts/pip_audit.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	DJANGO_ENV=production DEBUG=0 SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  SIGNATURE_KEYS=check:$$(python3 -c 'import secrets;print(secrets.token_urlsafe(48))') \
	  AUDIT_ANCHOR_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(48))') \
	  ALLOWED_HOSTS=clinic.example.org TRUSTED_PROXY_COUNT=1 DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# Load and rendering figures on the production stack (gunicorn, PostgreSQL,
# Redis, a Celery worker) on 127.0.0.1; writes docs/benchmarks.md. Not part of
# `make test`. N=patients for a fresh bench database; SMOKE=1: a few seconds
# on its own small database (CI runs it). Needs DATABASE_URL and REDIS_URL.
bench: install
	@eval "$$($(BIN)/python tools/scripts/test_services.py)"; \
	  $(BIN)/python -m tools.bench.run $(if $(SMOKE),--smoke) $(if $(N),--patients $(N)) $(ARGS)

# Two web instances (gunicorn on two ports, each with its own folder) sharing only
# PostgreSQL, Redis and an S3-compatible bucket (moto's server, as a peer): checks
# sessions, the reference-data cache and report jobs across them, then throughput
# of 1 vs 2 instances; writes docs/benchmarks.md. SMOKE=1: the checks and a few seconds.
bench-scale: install
	@eval "$$($(BIN)/python tools/scripts/test_services.py)"; \
	  $(BIN)/python -m tools.bench.scale $(if $(SMOKE),--smoke) $(if $(N),--patients $(N)) $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles .cache
