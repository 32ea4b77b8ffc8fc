# The two front-door commands (README): `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export BEANCOUNT_DISABLE_LOAD_CACHE := 1

.PHONY: setup demo reports serve test chromium clean

$(BIN)/shixun: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/shixun

# Check the bundled ledger, write the annual reports into out/, then serve Fava.
demo: setup reports serve

reports: setup
	$(BIN)/shixun check
	mkdir -p out
	for year in 2024 2025; do \
	  for fmt in html xlsx json; do \
	    $(BIN)/shixun report remittance --year $$year --format $$fmt -o out/remittance-$$year.$$fmt || exit 1; \
	    $(BIN)/shixun report funds --year $$year --format $$fmt -o out/funds-$$year.$$fmt || exit 1; \
	    $(BIN)/shixun report students --from $$year-01-01 --to $$year-12-31 --format $$fmt -o out/students-$$year.$$fmt || exit 1; \
	  done; \
	  $(BIN)/shixun audit --year $$year --format xlsx -o out/audit-$$year.xlsx || exit 1; \
	  $(BIN)/shixun audit --year $$year --format json -o out/audit-$$year.json || exit 1; \
	done
	@echo "报表已写入 out/"

serve: setup
	@echo "Fava: http://$(HOST):$(PORT)/  (Ctrl-C 停止)"
	$(BIN)/fava --host $(HOST) --port $(PORT) ledger/main.beancount

# Debian's chromium for the browser tests (never a downloaded browser build).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "需要 Debian 的 chromium: sudo apt-get install chromium" >&2; exit 1; fi; \
	fi

test: setup chromium
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out test-output .pytest_cache
