"""Importers (beangulp) for what the accountant receives as files.

- `importers.bank`: bank statements (CSV/XLSX) → transactions with `serial:` and a
  closing `balance` assertion; dedupe on the bank serial.
- `importers.workhours`: the training bases' work-hour sheets → `custom "work-hours"`.
- `importers.table`: reading CSV (encoding detection) and XLSX, finding the header.
- `importers.headers`: the column names recognised.
- `importers.config`: account-number mapping and counter-posting rules (TOML;
  `importers/default.toml` is the shipped default).
- `importers.run`: one run of `shixun import extract|archive` on beangulp's machinery.
"""
