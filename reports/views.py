"""The bureau views in Fava: `FinanceView` (财政监管) and `AuditView` (审计).

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。"
Enable in the ledger's main file::

    2024-01-01 custom "fava-extension" "reports.views"

A thin layer, as Fava's own extensions keep theirs: every number comes from the
report builders the CLI uses (imported here, never looked up by name), every helper
(paging, the time filter, charts, the file:line index, 凭证 facts) is a pure function
in reports.viewkit, and results are kept once per load of the ledger (one cache,
cleared by `after_load_file`; the audit sample in a bounded LRU). A builder that
fails is an error page (Fava's 500), never a normal-looking page.

The Guard of `shixun serve` authenticates and sets the WSGI environ keys
`REMOTE_USER` (the login) and `shixun.role` (accountant / finance / audit); the
pages show them in the user bar and give editor links only to the accountant.
"""
from __future__ import annotations

import collections
import datetime
import threading
from urllib.parse import quote

from beancount.core import data
from flask import Response, request, url_for
from fava.beans.funcs import hash_entry
from fava.ext import FavaExtensionBase, extension_endpoint

from plugins.asof import as_of
from plugins.common import CLAUSES
from reports import audit, funds, remittance, students, taxes, viewkit

CLAUSE_ORDER = list(CLAUSES)
SAMPLE_CACHE = 16  # distinct (year, size, seed) samples kept per load
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _BureauView(FavaExtensionBase):
    """What both views share: the load cache, the request's filter and pages, drill-down."""

    def __init__(self, ledger, config=None):
        super().__init__(ledger, config)
        self._cache: dict = {}
        self._samples = viewkit.LRU(SAMPLE_CACHE)
        self._lock = threading.Lock()

    def after_load_file(self) -> None:
        """A (re)load: forget every result, then run the whole-ledger analyses the
        per-year builders slice (reports.memo), so each page's first request is fast
        (SPEC §5). Config `{'warm': False}` skips that."""
        with self._lock:
            self._cache = {}
        self._samples.clear()
        if isinstance(self.config, dict) and not self.config.get("warm", True):
            return
        years = self.all_years()
        remittance.treasury_by_year(self.entries, self.options, self.as_of().date)
        taxes.surcharge_periods(self.entries, self.options)
        funds.findings_status(self.entries, self.options)
        if years:
            audit.build_frame(self.entries, self.options, years[-1])

    def cached(self, key, compute):
        """compute() once per load and key."""
        token = id(self.ledger.all_entries)
        with self._lock:
            found = self._cache.get((token, key), self)
        if found is not self:
            return found
        value = compute()
        with self._lock:
            self._cache[(token, key)] = value
        return value

    # -- the data -------------------------------------------------------------------------
    @property
    def entries(self):
        return self.ledger.all_entries

    @property
    def options(self):
        return self.ledger.options

    def as_of(self):
        return self.cached("as_of", lambda: as_of(self.entries))

    def locations(self) -> viewkit.Locations:
        return self.cached("locations", lambda: viewkit.Locations(self.entries, self.ledger.beancount_file_path))

    def bounds(self):
        return viewkit.filter_bounds(request.args.get("time", ""), self.ledger.options, self.ledger.fava_options)

    def all_years(self) -> list[int]:
        return self.cached("years", lambda: sorted({e.date.year for e in self.entries
                                                    if isinstance(e, data.Transaction)}))

    def years(self) -> list[int]:
        """Years with transactions that overlap the time filter (all years without one)."""
        return viewkit.years_in(self.all_years(), self.bounds())

    def period(self):
        """The time filter clipped to the ledger's years, or None."""
        years = self.all_years()
        if not years:
            return None
        first, last = datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)
        bounds = self.bounds()
        if bounds:
            first, last = max(first, bounds[0]), min(last, bounds[1])
        return (first, last) if first <= last else None

    def in_filter(self, date) -> bool:
        bounds = self.bounds()
        return bounds is None or date is None or bounds[0] <= date <= bounds[1]

    def requested_year(self) -> int:
        """?year= if it is one of the filtered years, else the last of them."""
        years = self.years() or self.all_years()
        try:
            year = int(request.args.get("year", ""))
        except ValueError:
            year = None
        if year is None or (years and year not in years):
            year = years[-1] if years else self.as_of().date.year
        return year

    # -- presentation ---------------------------------------------------------------------------
    yuan = staticmethod(viewkit.yuan)
    number = staticmethod(viewkit.number)
    account_label = staticmethod(viewkit.account_label)
    clause_title = staticmethod(viewkit.clause_title)
    clause_basis = staticmethod(viewkit.clause_basis)
    parameter_lines = staticmethod(audit.parameter_lines)
    plain = staticmethod(viewkit.plain)

    def user_bar(self) -> str:
        return viewkit.user_bar(request.environ)

    def url(self, **args) -> str:
        merged = {**request.args.to_dict(), **args}
        return url_for("extension_report", extension_name=self.name, **merged)

    def page(self, rows, arg: str, per_page: int = viewkit.PER_PAGE) -> viewkit.Page:
        return viewkit.Page(rows, request.args.get(arg, 1), per_page, link=lambda n: self.url(**{arg: n}))

    def download(self, endpoint: str, **args) -> str:
        # flask.url_for's own first parameter is named `endpoint`: build from the report URL.
        base = url_for("extension_report", extension_name=self.name, **args)
        marker = f"/extension/{self.name}/"
        return base.replace(marker, marker + endpoint, 1)

    def drill(self, entry) -> dict | None:
        """An entry's facts and links: Fava's context modal, its documents (only files
        that exist; else 附件未上传), and the editor for the accountant."""
        if entry is None or not hasattr(entry, "meta"):
            return None
        meta = entry.meta or {}
        entry_hash = hash_entry(entry)
        locations = self.locations()
        documents = []
        for key, value in meta.items():
            if str(key).startswith("document"):
                exists = locations.document_path(entry, value) is not None
                documents.append({"name": str(value).rsplit("/", 1)[-1],
                                  "url": self.download("document", entry_hash=entry_hash, key=key) if exists else None})
        editor = None
        if viewkit.can_edit(request.environ) and meta.get("filename") and not str(meta["filename"]).startswith("<"):
            editor = url_for("report", report_name="editor", file_path=meta["filename"], line=meta.get("lineno"))
        return {**viewkit.entry_facts(entry), "context": f"#context-{entry_hash}",
                "where": locations.of(entry), "documents": documents, "editor": editor}

    def drill_at(self, location: str):
        return self.drill(self.locations().entry_at(location))

    @extension_endpoint("document")
    def document(self):
        """A transaction's original document (`document:` metadata, a path relative to its
        file). Fava's own statement route finds files only through `document` directives,
        which the ledger contract does not require; this serves the file the metadata
        names, inside the ledger's folder only, inline (a new tab shows it)."""
        from flask import send_file

        try:
            entry = self.ledger.get_entry(request.args.get("entry_hash", ""))
        except Exception:  # fava.core.EntryNotFoundForHashError
            entry = None
        key = request.args.get("key", "")
        value = (getattr(entry, "meta", None) or {}).get(key) if key.startswith("document") else None
        path = self.locations().document_path(entry, value) if value else None
        if path is None:
            return self.not_found("附件未上传或已移走")
        return send_file(path, as_attachment=False)

    @staticmethod
    def attachment(content, filename: str, mimetype: str) -> Response:
        return Response(content, mimetype=mimetype,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})

    @classmethod
    def xlsx_response(cls, content: bytes, filename: str) -> Response:
        return cls.attachment(content, filename, XLSX)

    @staticmethod
    def not_found(message: str) -> Response:
        return Response(message, status=404, mimetype="text/plain; charset=utf-8")


class FinanceView(_BureauView):
    """财政监管: treasury, student remuneration, funds, surcharges, indicators, downloads."""

    report_title = "财政监管"

    def treasury(self) -> dict:
        """The treasury rows of the filtered years, their register and chart."""
        rows = self.cached("treasury", lambda: remittance.treasury_register(
            self.entries, self.options, self.as_of().date))
        years = set(self.years())
        rows = [r for r in rows if r["year"] in years]
        return {"rows": rows, "chart": viewkit.treasury_chart(rows)}

    def students(self) -> dict | None:
        span = self.period()
        if span is None:
            return None
        sheet = self.cached(("students", span), lambda: students.build(
            self.entries, self.options, start=span[0], end=span[1]))
        income = self.cached(("income", span), lambda: students.work_study_income(
            self.entries, self.options, span[0], span[1]))
        return {"sheet": sheet, "income": income, "span": span, "page": self.page(sheet["students"], "students_page")}

    def funds(self) -> dict | None:
        if not self.years():
            return None
        year = self.requested_year()
        return self.cached(("funds", year), lambda: funds.build(self.entries, self.options, year=year))

    def surcharges(self) -> dict:
        rows = self.cached("surcharges", lambda: taxes.surcharge_periods(self.entries, self.options))
        bounds = self.bounds()
        rows = [r for r in rows if bounds is None or (r["end"] >= bounds[0] and r["start"] <= bounds[1])]
        return {"rows": rows, "page": self.page(rows, "surcharges_page", 24)}

    def indicators(self) -> dict | None:
        if not self.years():
            return None
        year = self.requested_year()
        result = self.cached(("indicators", year), lambda: taxes.indicators(self.entries, self.options, year))
        items = [v for v in result.values() if isinstance(v, dict) and "clause" in v]
        items.sort(key=lambda v: CLAUSE_ORDER.index(v["clause"]) if v["clause"] in CLAUSE_ORDER else 99)
        return {"year": year, "items": items}

    # -- downloads (GET endpoints; read-only) ------------------------------------------------
    @extension_endpoint("remittance_xlsx")
    def remittance_xlsx(self):
        year = self.requested_year()
        try:
            report = remittance.build(self.entries, self.options, year=year)
        except remittance.ReportError as exc:
            return self.not_found(str(exc))
        return self.xlsx_response(remittance.xlsx(report), f"{year}年度上缴国库报告.xlsx")

    @extension_endpoint("students_xlsx")
    def students_xlsx(self):
        span = self.period()
        if span is None:
            return self.not_found("所选期间没有记录")
        sheet = students.build(self.entries, self.options, start=span[0], end=span[1])
        return self.xlsx_response(students.xlsx(sheet), f"学生劳动报酬发放表_{span[0]}_{span[1]}.xlsx")

    @extension_endpoint("funds_xlsx")
    def funds_xlsx(self):
        year = self.requested_year()
        report = funds.build(self.entries, self.options, year=year)
        return self.xlsx_response(funds.xlsx(report), f"{year}年度专项资金使用情况.xlsx")


class AuditView(_BureauView):
    """审计: violations by clause, analytics, sealed years, findings, sample, exports."""

    report_title = "审计"

    def violation_groups(self) -> list[dict]:
        """The load's errors (translated, cascades grouped) with their clause and entry."""
        def compute():
            locations = self.locations()
            return [dict(group, date=getattr(group["entry"], "date", None),
                         where=locations.where(group["filename"], group["lineno"]))
                    for group in viewkit.error_groups(self.ledger.errors, self.entries, self.options)]
        return [r for r in self.cached("violations", compute) if self.in_filter(r["date"])]

    def violations(self) -> dict:
        """The violations grouped by clause; one clause's rows paginated."""
        rows = self.violation_groups()
        counts = collections.Counter(r["clause"] for r in rows)
        groups = [(c, counts[c]) for c in CLAUSE_ORDER if counts.get(c)]
        chosen = request.args.get("clause")
        if chosen not in counts:
            chosen = groups[0][0] if groups else None
        selected = [r for r in rows if r["clause"] == chosen]
        return {"total": len(rows), "groups": groups, "clause": chosen,
                "page": self.page(selected, "violations_page")}

    def analytics(self) -> dict | None:
        """`shixun audit` for one year of the filter (?year=), findings filtered by ?test=."""
        if not self.years():
            return None
        year = self.requested_year()
        result = self.cached(("audit", year), lambda: audit.build(self.entries, self.options, year=year))
        test = request.args.get("test")
        if test not in audit.TESTS:
            test = None
        findings = [f for f in result["findings"] if test is None or f["test"] == test]
        return {"year": year, "test": test, "data": result, "page": self.page(findings, "analytics_page"),
                "chart": viewkit.benford_chart(result["benford"]["digits"])}

    def seals(self) -> list[dict]:
        rows = self.cached("seals", lambda: audit.seal_register(self.entries, self.ledger.errors, self.all_years()))
        years = set(self.years())
        return [r for r in rows if r["year"] in years]

    def findings(self) -> dict:
        rows = self.cached("findings", lambda: funds.findings_status(self.entries, self.options))
        bounds = self.bounds()  # findings raised up to the end of the filtered period
        if bounds:
            rows = [r for r in rows if r["date"] <= bounds[1]]
        return {"rows": rows, "page": self.page(rows, "findings_page")}

    def sample(self) -> dict:
        year = self.requested_year()
        if not any(key in request.args for key in ("sample_size", "seed")):
            return {"state": "idle", "year": year, "size": 25, "seed": year}
        try:
            size = max(1, min(int(request.args.get("sample_size", "25")), 200))
        except ValueError:
            size = 25
        try:
            seed = int(request.args.get("seed", "") or year)
        except ValueError:
            seed = year
        token = id(self.ledger.all_entries)
        result = self._samples.get((token, year, size, seed), lambda: audit.sample(
            self.entries, self.options, year, size=size, seed=seed))
        return {"state": "ok", "year": year, "size": size, "seed": seed, "data": result,
                "page": self.page(result["items"], "sample_page")}

    # -- exports -------------------------------------------------------------------------------
    @extension_endpoint("violations_xlsx")
    def violations_xlsx(self):
        rows = self.violation_groups()
        order = {c: i for i, c in enumerate(CLAUSE_ORDER)}
        rows = sorted(rows, key=lambda r: (order.get(r["clause"], 99), r["date"] or datetime.date.min))
        content = audit.violations_xlsx(rows, self.options, self.as_of().label())
        return self.xlsx_response(content, "审计_规则违反清单.xlsx")

    @extension_endpoint("audit_xlsx")
    def audit_xlsx(self):
        year = self.requested_year()
        return self.xlsx_response(audit.xlsx(audit.build(self.entries, self.options, year=year)),
                                  f"{year}年度审计分析.xlsx")
