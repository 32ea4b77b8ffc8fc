"""账簿报表: the Fava page of the statements and books, for every role (read-only).

Enable in the ledger's main file::

    1900-01-01 custom "fava-extension" "reports.books_view"

One tab per statement or book (资产负债表, 利润表, 现金流量表, 科目余额表, 明细账, 记账凭证,
附加税费申报表), built by the same modules as `shixun report …` and shown with their
tie-outs. The period follows Fava's time filter: its last day is the 资产负债表日 and the
利润表/现金流量表 month (a filter of a whole quarter gives the quarter); 科目余额表 and 明细账
run from the filter's first day (within that fiscal year) to its last. Without a filter:
the ledger's last year (the running one up to the month of the date of judgement). Each tab downloads its XLSX (记账凭证: the printable HTML) with a
link carrying `data-remote` (what Fava 1.30's router checks: it leaves such links alone) and
`download`, so a normal click saves the file instead of the router fetching it as a page.
"""
from __future__ import annotations

import datetime
import importlib

from flask import request, url_for
from fava.ext import extension_endpoint

from reports import books
from reports.views import _BureauView

KINDS = {  # tab → (module, title)
    "balance-sheet": ("reports.balance_sheet", "资产负债表"),
    "income-statement": ("reports.income_statement", "利润表"),
    "cash-flow": ("reports.cash_flow", "现金流量表"),
    "account-balances": ("reports.account_balances", "科目余额表"),
    "account-book": ("reports.account_book", "明细账"),
    "vouchers": ("reports.vouchers", "记账凭证"),
    "tax-return": ("reports.tax_return", "附加税费申报表"),
}
DEFAULT_BOOK = "1002"
BOOK_ROWS = 100
VOUCHERS_PER_PAGE = 20


class BooksView(_BureauView):
    """账簿报表 (see the module docstring)."""

    report_title = "账簿报表"
    kinds = KINDS

    # -- the period ---------------------------------------------------------------------------
    def span(self) -> tuple[datetime.date, datetime.date] | None:
        """(first, last) day shown: the time filter within one fiscal year, else the last year."""
        years = self.all_years()
        if not years:
            return None
        bounds = self.bounds()
        if bounds:
            first, last = bounds
            last = min(last, datetime.date(years[-1], 12, 31))
            if last < first:
                return None
            first = max(first, datetime.date(last.year, 1, 1))
            return first, last
        last = datetime.date(years[-1], 12, 31)
        judged = self.as_of().date
        if judged.year == last.year:  # the running year: up to the month of the date of judgement
            last = _month_end(judged)
        return datetime.date(years[-1], 1, 1), last

    def kind(self) -> str:
        kind = request.args.get("kind", "balance-sheet")
        return kind if kind in KINDS else "balance-sheet"

    def book_code(self) -> str:
        return (request.args.get("account") or DEFAULT_BOOK).strip()

    def params(self, kind: str) -> dict:
        first, last = self.span()
        if kind == "balance-sheet":
            return {"date": last}
        if kind in ("income-statement", "cash-flow"):
            quarter = (first.day == 1 and first.month % 3 == 1 and last.month == first.month + 2
                       and last == _month_end(last))
            return {"year": last.year, "quarter": (first.month + 2) // 3} if quarter else \
                {"year": last.year, "month": last.month}
        if kind == "account-balances":
            return {"start": first, "end": last}
        if kind == "account-book":
            return {"account": self.book_code(), "start": first, "end": last}
        if kind == "vouchers":
            return {"start": first, "end": last}
        return {"year": last.year}

    # -- the data -----------------------------------------------------------------------------
    def report(self, kind: str) -> dict:
        """{"state": "ok", "report", "sheets"} or {"state": "error", "message"} (Chinese)."""
        if self.span() is None:
            return {"state": "error", "message": "所选期间没有记录"}
        params = self.params(kind)
        module = importlib.import_module(KINDS[kind][0])

        def compute():
            try:
                report = module.build(self.entries, self.options, **params)
            except books.BooksError as exc:
                return {"state": "error", "message": str(exc)}
            sheets = []
            if kind == "tax-return":
                sheets = module.sheets(report)
            elif kind != "vouchers":
                sheets = [module.sheet(report)]
            return {"state": "ok", "report": report, "sheets": sheets}
        return self.cached(("books", kind, tuple(sorted(params.items()))), compute)

    def book_accounts(self) -> list[dict]:
        """The accounts a 明细账 can be asked for (every level), for the account picker."""
        def compute():
            accounts = books.with_parents(books.opened_accounts(self.entries))
            return [{"code": books.account_code(a), "title": books.account_title(a)}
                    for a in accounts if books.account_code(a)]
        return self.cached("books.accounts", compute)

    def rows_page(self, rows, per_page=BOOK_ROWS):
        return self.page(rows, "page", per_page)

    @staticmethod
    def _kept_args() -> dict:
        """The request's arguments a tab or download link carries over."""
        return {k: v for k, v in request.args.items() if k in ("time", "account")}

    def tab_url(self, kind: str) -> str:
        args = self._kept_args()
        return url_for("extension_report", extension_name=self.name, kind=kind, **args)

    def after_load_file(self) -> None:
        """A (re)load: forget every result; the statements' month snapshots are built on
        first use (reports.books), the P2/P9 analyses by the bureau views' warm-up."""
        with self._lock:
            self._cache = {}

    def download_url(self, kind: str) -> str:
        args = self._kept_args()
        return self.download("download", kind=kind, **args)

    def download_name(self, kind: str) -> str:
        first, last = self.span()
        extension = "html" if kind == "vouchers" else "xlsx"
        subject = f"_{self.book_code()}" if kind == "account-book" else ""
        return f"{KINDS[kind][1]}{subject}_{first}_{last}.{extension}"

    # -- downloads (GET; read-only) -----------------------------------------------------------
    @extension_endpoint("download")
    def download_file(self):
        kind = request.args.get("kind", "")
        if kind not in KINDS:
            return self.not_found("未知的报表种类")
        result = self.report(kind)
        if result["state"] != "ok":
            return self.not_found(result["message"])
        module = importlib.import_module(KINDS[kind][0])
        try:
            if kind == "vouchers":
                return self.attachment(module.html(result["report"]), self.download_name(kind), "text/html")
            return self.xlsx_response(module.xlsx(result["report"]), self.download_name(kind))
        except books.BooksError as exc:  # e.g. a year without a tax period
            return self.not_found(str(exc))


def _month_end(day: datetime.date) -> datetime.date:
    return books.month_end(day.year, day.month)
