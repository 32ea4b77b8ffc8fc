"""Importers (beangulp) for what the accountant receives as files.

- `importers.bank`: bank statements (CSV/XLS/XLSX) → transactions with `serial:` and a
  closing `balance` assertion; lossless dedupe (account + serial + date + amount + time).
- `importers.profiles`: bank layouts as data (importers/bank_layouts/*.toml, and a ledger's
  own bank-profiles/*.toml): header signature, columns, footers, sign convention.
- `importers.workhours`: the training bases' work-hour sheets → `custom "work-hours"`.
- `importers.table`: reading CSV (encoding detection) and workbooks (python-calamine),
  cells, amounts and dates.
- `importers.headers`: the column names of the generic layout and of work-hour sheets.
- `importers.config`: account-number mapping and counter-posting rules (TOML;
  `importers/default.toml` is the shipped default).
- `importers.run`: one run of `shixun import extract|archive` on beangulp's machinery.
- `importers.ledger_import`: the importers of a ledger folder for Fava's import page and
  beangulp's CLI (ledger/import.py).
"""
