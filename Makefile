# The two front-door commands (README): `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
USERS ?= out/users.txt
LEDGER ?= ledger/main.beancount
export BEANCOUNT_DISABLE_LOAD_CACHE := 1

.PHONY: setup demo reports demo-users serve test chromium clean

$(BIN)/shixun: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/shixun

# Check the bundled ledger, write the annual reports into out/, then serve Fava.
demo: setup reports serve

reports: setup
	$(BIN)/shixun check $(LEDGER)
	mkdir -p out
	for year in 2024 2025; do \
	  for fmt in html xlsx json; do \
	    $(BIN)/shixun report remittance $(LEDGER) --year $$year --format $$fmt -o out/remittance-$$year.$$fmt || exit 1; \
	    $(BIN)/shixun report funds $(LEDGER) --year $$year --format $$fmt -o out/funds-$$year.$$fmt || exit 1; \
	    $(BIN)/shixun report students $(LEDGER) --from $$year-01-01 --to $$year-12-31 --format $$fmt -o out/students-$$year.$$fmt || exit 1; \
	  done; \
	  $(BIN)/shixun audit $(LEDGER) --year $$year --format xlsx -o out/audit-$$year.xlsx || exit 1; \
	  $(BIN)/shixun audit $(LEDGER) --year $$year --format json -o out/audit-$$year.json || exit 1; \
	done
	for fmt in html xlsx json; do \
	  $(BIN)/shixun report balance-sheet $(LEDGER) --year 2025 --format $$fmt -o out/balance-sheet-2025.$$fmt || exit 1; \
	  $(BIN)/shixun report income-statement $(LEDGER) --year 2025 --format $$fmt -o out/income-statement-2025.$$fmt || exit 1; \
	  $(BIN)/shixun report cash-flow $(LEDGER) --year 2025 --format $$fmt -o out/cash-flow-2025.$$fmt || exit 1; \
	  $(BIN)/shixun report account-balances $(LEDGER) --from 2025-01-01 --to 2025-12-31 --format $$fmt -o out/account-balances-2025.$$fmt || exit 1; \
	  $(BIN)/shixun report account-book $(LEDGER) --account 1002 --from 2025-01-01 --to 2025-12-31 --format $$fmt -o out/bank-journal-2025.$$fmt || exit 1; \
	  $(BIN)/shixun report tax-return $(LEDGER) --year 2025 --format $$fmt -o out/tax-return-2025.$$fmt || exit 1; \
	done
	$(BIN)/shixun report vouchers $(LEDGER) --from 2025-01-01 --to 2025-12-31 --format html -o out/vouchers-2025.html
	@echo "报表已写入 out/"

# Fava behind a login: the accountant edits, the finance and audit bureaus only read.
# The first run creates three demo users, each with its own random password, shown once.
demo-users: setup
	@if [ ! -f $(USERS) ]; then \
	  mkdir -p $(dir $(USERS)); \
	  for spec in kuaiji:accountant:会计 caizheng:finance:财政局 shenji:audit:审计局; do \
	    name=$${spec%%:*}; rest=$${spec#*:}; \
	    pw=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(12))'); \
	    printf '%s\n' "$$pw" | $(BIN)/shixun user add $$name --role $${rest%%:*} --users $(USERS) >/dev/null || exit 1; \
	    echo "已创建演示用户 $$name ($${rest#*:}), 密码: $$pw"; \
	  done; \
	  echo "(密码只显示这一次; 用户文件 $(USERS))"; \
	fi

serve: setup demo-users
	@echo "Fava: http://$(HOST):$(PORT)/  (Ctrl-C 停止)"
	$(BIN)/shixun serve $(LEDGER) --users $(USERS) --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests (never a downloaded browser build), a CJK
# font so screenshots show Chinese, openssl for the TLS test, LibreOffice Calc for the
# XLSX → PDF print test of the statements, poppler-utils to read back and render the PDFs.
DEBS := chromium fonts-wqy-microhei openssl libreoffice-calc poppler-utils
chromium:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "安装 $$missing ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else echo "需要 Debian 软件包: sudo apt-get install $$missing" >&2; exit 1; fi; \
	fi

test: setup chromium
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out test-output .pytest_cache
