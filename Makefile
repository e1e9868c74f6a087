# Set-up on a fresh machine is two commands (see README): `make demo` and `make test`.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT    ?= 8000
PG_VERSION := $(shell ls /etc/postgresql 2>/dev/null | head -1)

.PHONY: demo test test-clock test-link-long lint bench fuzz fuzz-push contract soak chromium nginx postgres pwa-deps faketime image

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

pwa-deps:
	@if [ -f pwa/package-lock.json ]; then cd pwa && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; fi

## Run the app with demo data on the embedded SQLite default; prints the address and logins.
demo: $(STAMP) pwa-deps
	$(BIN)/patrol db upgrade
	$(BIN)/patrol demo
	$(BIN)/patrol serve --port $(PORT) --announce-demo

# Chromium, and a CJK font: without one the Chinese UI renders in boxes of another height (the
# 44 px touch-target and screenshot tests measure it).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@fc-list :lang=zh 2>/dev/null | grep -q . || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; }

## Debian's nginx, for the multi-machine test (tests/test_ops_multi_machine.py runs its own).
nginx:
	@test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "Postgres did not start"; exit 1

## ruff, the import-layer contract (pyproject [tool.importlinter]) and the type check.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## Run the whole test suite on SQLite and Postgres, with the PWA in headless Chromium.
test: $(STAMP) pwa-deps chromium nginx postgres lint
	$(BIN)/python -m pytest -p no:cacheprovider

faketime:
	@ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }

## The date-sensitive tests again with the clock of every process moved to chosen instants.
test-clock: $(STAMP) pwa-deps chromium postgres faketime
	$(BIN)/python -m tests.clock_run

# The field report's backlog (300 scans, 20 photos) over a link that drops every few seconds;
# tens of minutes, prints its figures.
test-link-long: $(STAMP) pwa-deps chromium
	PATROL_LINK_LONG=1 PATROL_LINK_TIMEOUT_S=3000 $(BIN)/python -m pytest -p no:cacheprovider tests/browser/test_link_drops.py -m slow -s

bench: $(STAMP) pwa-deps chromium postgres
	$(BIN)/python -m bench.run

fuzz: $(STAMP) postgres
	PATROL_FUZZ_LONG=1 $(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz_api.py -m slow

## The push body under a long fuzz (PATROL_FUZZ_EXAMPLES, default 2000), on both backends.
fuzz-push: $(STAMP) postgres
	PATROL_FUZZ_LONG=1 $(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz_push.py -m slow -s

## The OpenAPI contract at length: schemathesis, every check, as each of the five roles, on
## both backends (PATROL_CONTRACT_EXAMPLES per operation and mode, default 25).
contract: $(STAMP) postgres
	PATROL_CONTRACT_LONG=1 $(BIN)/python -m pytest -p no:cacheprovider tests/test_openapi_contract.py -m slow -s

## The container image on a locally debootstrapped Debian base, smoke-tested (podman; slow).
image:
	@command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null; }
	bash deploy/build-image.sh
