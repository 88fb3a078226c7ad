# Operation Endurance pipeline. The README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Official boundaries live outside the repository (never committed). Use the shared
# folder beside the checkout when it exists, unless the caller set ENDURANCE_GEODATA.
SHARED_GEODATA := $(abspath ../shared/geodata)
ifneq ($(wildcard $(SHARED_GEODATA)/*.geojson),)
export ENDURANCE_GEODATA ?= $(SHARED_GEODATA)
endif
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test lint bench serve clean assets chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Pinned Leaflet assets for offline maps. Without npm the maps fall back to CDN links
# (and say so on the map).
assets: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
			npm ci --no-audit --no-fund --loglevel=error; \
		fi; \
	else \
		echo "npm not found: maps will load Leaflet from CDN links and need internet to open"; \
	fi

# Debian's Chromium for the map PNGs and the browser tests (Playwright drives it; it never
# downloads a browser).
chromium:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	}

demo: $(STAMP) assets chromium
	$(BIN)/endurance demo

test: $(STAMP) assets chromium
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check endurance pipelines tests benchmarks geodata
	$(BIN)/ruff format --check endurance pipelines tests benchmarks geodata
	$(BIN)/mypy
	$(BIN)/sqlfluff lint endurance/sql

bench: $(STAMP) assets chromium
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/attribution.py
	$(BIN)/python benchmarks/pai.py
	$(BIN)/python benchmarks/maps.py

# A local Prefect server with its UI (http://127.0.0.1:4200, ENDURANCE_PREFECT_PORT) serving
# every deployment of pipelines/deployments.py; Ctrl-C stops both.
serve: $(STAMP) assets
	$(BIN)/endurance serve

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache .hypothesis
