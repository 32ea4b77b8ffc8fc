"""The bureau views in Fava: `FinanceView` (财政监管) and `AuditView` (审计).

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。" The
finance bureau supervises the money (profit owed to and paid into the treasury,
student remuneration, earmarked funds, surcharges, county indicators); the audit
bureau audits the books (every rule violation with drill-down, analytics, sealed
years, the findings ledger, a reproducible sample). Both are read-only in
`shixun serve` (reports.serve).

Enable in the ledger's main file::

    2024-01-01 custom "fava-extension" "reports.views"

Both classes are thin: every number comes from the same builders the CLI reports
use (reports.remittance, reports.students, reports.funds, reports.taxes,
reports.audit). A builder that is not installed shows a "未启用" section. Pages
aggregate and paginate (never a dump of every posting), follow Fava's time filter
(years inside the filter's date range; violations of entries inside it), and drill
down with Fava's own context modal (`#context-<entry hash>`), document links and,
for the accountant, the editor at file:line. Builder results are cached per load
of the ledger (cleared by `after_load_file`).

Speed (SPEC §5, 100k transactions): the builders are per year, but the analyses under
them walk the whole ledger; reports.memo keeps each analysis once per loaded entries
list, so a year, a year tab or a time filter is a slice of it. `after_load_file`
computes only those whole-ledger analyses (no per-year results, no background
thread); every page then renders well under a second on its first request.
"""
from __future__ import annotations

import collections
import datetime
import importlib
import inspect
import os
import re
import threading
from decimal import Decimal

from flask import Response, g, request, url_for
from fava.ext import FavaExtensionBase, extension_endpoint

from plugins.common import CLAUSES, clause_of

PER_PAGE = 50
CLAUSE_TITLES = CLAUSES
CLAUSE_ORDER = list(CLAUSE_TITLES)

# Chinese column headers for the keys builders return; unknown keys are shown as they are.
LABELS = {
    "year": "年度", "closed": "已结账", "net_profit": "净利润", "losses_absorbed": "弥补以前年度亏损",
    "loss_carried_forward": "结转亏损", "owed": "应缴国库", "paid": "已缴", "outstanding": "欠缴",
    "deadline": "缴款期限", "overdue": "逾期", "date": "日期", "receipt": "缴款书号",
    "amount": "金额", "student": "学号", "name": "名称", "class": "班级", "base": "基地",
    "hours": "工时", "allocated": "应发", "difference": "差额", "period": "期间", "start": "起",
    "end": "止", "months": "月数", "sales": "销售额", "threshold": "免征标准", "exempt": "免征",
    "halving": "减半", "tax": "税种", "rate": "税率", "due": "应纳", "expected": "期望值",
    "booked": "已计提", "ok": "相符", "fund": "资金编号", "source": "来源", "purpose": "用途",
    "received": "已到位", "used": "已使用", "balance": "结余", "expires": "截止日期",
    "violations": "违规", "finding": "整改编号", "description": "说明", "returned": "已退还",
    "status": "状态", "clause": "条款", "message": "说明", "location": "位置", "account": "科目",
    "narration": "摘要", "payee": "对方", "voucher": "凭证号", "invoice": "发票号",
    "document": "附件", "count": "笔数", "total": "合计", "value": "值", "title": "指标",
    "value_text": "实际", "threshold_text": "标准", "passed": "达标", "digit": "首位数字",
    "observed": "实际占比", "expected_share": "理论占比", "category": "类别", "remaining": "未退还",
    "seed": "随机种子", "size": "样本量", "interval": "抽样间隔", "check": "检查项",
    "entry_hash": "分录", "filename": "文件", "lineno": "行", "flag": "标记", "allowed": "允许科目",
    "test": "检查项", "detail": "说明", "unit": "单位", "transactions": "交易笔数", "tests": "检查项汇总",
    "findings": "疑点明细", "benford": "本福特检验", "parameters": "参数", "exclusions": "口径说明",
    "notes": "备注", "n": "样本数", "mad": "平均绝对偏差", "band": "符合程度", "indicative": "仅供参考",
    "digits": "首位数字分布", "z": "z 值", "population_count": "总体笔数", "population_total": "总体金额",
    "items": "样本", "hits": "命中次数", "funds": "专项资金", "used_by_category": "按类别使用",
}
MISSING = "未启用"


def _builder(module: str, name: str):
    """The function `name` of `module`, or None while that module is not installed."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
            return None
        raise
    return getattr(mod, name, None)


def yuan(value) -> str:
    """1234.5 → "1,234.50"; None → "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, Decimal, float)):
        return f"{Decimal(value).quantize(Decimal('0.01')):,}"
    return str(value)


def cell(value) -> str:
    """Any builder value as text for a table cell."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 10000 and value.as_tuple().exponent >= 0:
            return f"{value}"
        return yuan(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(cell(v) for v in value) if all(not isinstance(v, dict) for v in value) \
            else f"{len(value)} 项"
    if isinstance(value, dict):
        return "; ".join(f"{LABELS.get(k, k)}: {cell(v)}" for k, v in value.items()
                         if not isinstance(v, (list, dict)))
    return str(value)


class Page:
    """One page of rows; `page` is 1-based, read from request arg `arg`."""

    def __init__(self, rows, arg: str, per_page: int = PER_PAGE):
        rows = list(rows)
        self.arg, self.total, self.per_page = arg, len(rows), per_page
        self.pages = max(1, -(-len(rows) // per_page))
        try:
            page = int(request.args.get(arg, "1"))
        except ValueError:
            page = 1
        self.page = min(max(page, 1), self.pages)
        start = (self.page - 1) * per_page
        self.rows = rows[start:start + per_page]
        self.first = start + 1 if rows else 0
        self.last = start + len(self.rows)

    def url(self, page: int) -> str:
        args = request.args.to_dict()
        args[self.arg] = str(page)
        return url_for("extension_report", extension_name=g.extension.name, **args) \
            if getattr(g, "extension", None) else "?" + "&".join(f"{k}={v}" for k, v in args.items())


class _BureauView(FavaExtensionBase):
    """What both views share: caching, the time filter, sections, drill-down, tables."""

    def __init__(self, ledger, config=None):
        super().__init__(ledger, config)
        self._cache: dict = {}
        self._generation = 0
        self._pending: dict = {}
        self._shown_names: dict = {}
        self._lock = threading.Lock()

    # -- load cycle -----------------------------------------------------------------------
    def after_load_file(self) -> None:
        """A (re)load: forget every result, then compute the whole-ledger analyses the
        builders slice per year (`warm_analyses`: the P2, P5/P6/P10 and P8/P9 passes, the
        audit's invoice index, each once per load and shared by both views through
        reports.memo; about one second at 100k transactions) before the load counts as
        done, so that every page, for every year and filter, renders in well under a
        second on its first request (SPEC §5). Nothing per year is precomputed: with the
        analyses done, a year is a slice. Config `{'warm': 'background'}` runs the same
        in a background thread, `{'warm': False}` nothing."""
        with self._lock:
            self._cache = {}
            self._generation += 1
            generation = self._generation
        mode = self.config.get("warm", True) if isinstance(self.config, dict) else True
        if not mode:
            return
        if mode == "background":
            threading.Thread(target=self._warm, args=(generation, [self.warm_analyses]), daemon=True,
                             name=f"{self.name}-warm").start()
        else:
            self._warm(generation, [self.warm_analyses])

    def _warm(self, generation: int, steps) -> None:
        for step in steps:
            if generation != self._generation:
                return
            try:
                step()
            except Exception:  # a warm-up problem shows (with its message) when the page renders
                return

    def warm_analyses(self) -> None:
        """The whole-ledger passes under the per-year builders (see after_load_file)."""
        self.all_years()
        from reports.memo import is_sorted

        is_sorted(self.entries)
        for module, name in (("reports.remittance", "_treasury"), ("reports.taxes", "_analyse"),
                             ("reports.funds", "_analysis"), ("reports.audit", "_invoice_index")):
            func = _builder(module, name)
            if func is None:
                continue
            if name == "_treasury":
                func(self.entries, self.options, None)
            else:
                func(self.entries, self.options)

    def cached(self, key, compute):
        """compute() once per load and key; a request arriving while the warm-up thread
        (or another request) computes the same key waits for that result."""
        while True:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
                generation = self._generation
                pending = self._pending.get((generation, key))
                if pending is None:
                    event = threading.Event()
                    self._pending[(generation, key)] = event
                    break
            pending.wait(timeout=120)
            with self._lock:
                if key in self._cache or self._generation != generation:
                    continue
            return compute()  # the other computation failed or timed out: do it here
        try:
            value = compute()
            with self._lock:
                if generation == self._generation:  # not from a load since replaced
                    self._cache[key] = value
            return value
        finally:
            with self._lock:
                self._pending.pop((generation, key), None)
            event.set()

    # -- the data -------------------------------------------------------------------------
    @property
    def entries(self):
        return self.ledger.all_entries

    @property
    def options(self):
        return self.ledger.options

    def date_range(self):
        """(first day, last day) of Fava's time filter (`?time=`), or None without one.

        Parsed with Fava's own TimeFilter but not applied: building `g.filtered` would
        filter every entry (seconds at 100k transactions) and the builders take the
        whole ledger anyway."""
        try:
            time_filter = request.args.get("time", "").strip()
        except RuntimeError:  # outside a request (the warm-up thread): no filter
            return None
        if not time_filter:
            return None
        from fava.core.filters import TimeFilter

        try:
            date_range = TimeFilter(self.ledger.options, self.ledger.fava_options, time_filter).date_range
        except Exception:  # Fava itself reports a bad filter in its header
            return None
        if not date_range:
            return None
        return date_range.begin, date_range.end - datetime.timedelta(days=1)

    def all_years(self) -> list[int]:
        def compute():
            from beancount.core import data

            return sorted({e.date.year for e in self.entries if isinstance(e, data.Transaction)})
        return self.cached("years", compute)

    def years(self) -> list[int]:
        """Years with transactions that overlap the time filter (all years without one)."""
        years = self.all_years()
        bounds = self.date_range()
        if bounds:
            years = [y for y in years if bounds[0].year <= y <= bounds[1].year]
        return years

    def period(self) -> tuple[datetime.date, datetime.date] | None:
        """The time filter clipped to the ledger's years (for builders taking start/end)."""
        years = self.all_years()
        if not years:
            return None
        first, last = datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)
        bounds = self.date_range()
        if bounds:
            first, last = max(first, bounds[0]), min(last, bounds[1])
        return (first, last) if first <= last else None

    def in_filter(self, date) -> bool:
        bounds = self.date_range()
        return bounds is None or date is None or bounds[0] <= date <= bounds[1]

    def section(self, key, module: str, name: str, *args, **kwargs) -> dict:
        """Run a builder (cached per load): {"state": "ok", "data": …} or 未启用 / 错误."""
        func = _builder(module, name)
        if func is None:
            return {"state": "missing", "message": f"{MISSING}: 该功能模块 ({module}.{name}) 尚未安装"}

        def compute():
            try:
                return {"state": "ok", "data": func(self.entries, self.options, *args, **kwargs)}
            except Exception as exc:  # the page shows the problem instead of a 500
                return {"state": "error", "message": f"{type(exc).__name__}: {exc}"}
        return self.cached((key, module, name, args, tuple(sorted(kwargs.items()))), compute)

    # -- presentation helpers used by the templates -------------------------------------------
    yuan = staticmethod(yuan)
    cell = staticmethod(cell)

    @staticmethod
    def label(key) -> str:
        return LABELS.get(key, str(key))

    def page(self, rows, arg: str, per_page: int = PER_PAGE) -> Page:
        return Page(rows, arg, per_page)

    def role(self) -> str | None:
        return request.environ.get("shixun.role")

    def can_edit(self) -> bool:
        role = self.role()
        return role is None or role == "accountant"

    def drill(self, entry) -> dict:
        """Links of an entry: Fava's context modal, its documents, and (accountant) the editor."""
        from fava.beans.funcs import hash_entry

        meta = getattr(entry, "meta", None) or {}
        filename, lineno = meta.get("filename"), meta.get("lineno")
        entry_hash = hash_entry(entry)
        out = {
            "context": f"#context-{entry_hash}",
            "where": self.where(filename, lineno),
            "documents": [(str(value), url_for("statement", entry_hash=entry_hash, key=key))
                          for key, value in meta.items() if str(key).startswith("document")],
            "editor": None,
        }
        if self.can_edit() and filename and not str(filename).startswith("<"):
            out["editor"] = url_for("report", report_name="editor", file_path=filename, line=lineno)
        return out

    def entry_links(self, row: dict) -> dict | None:
        """Drill-down for a builder row that carries an entry, a hash or file/line."""
        entry = row.get("entry")
        if entry is not None and hasattr(entry, "meta"):
            return self.drill(entry)
        location = row.get("location")
        if isinstance(location, str) and ":" in location:
            found = self.entry_at(location, row.get("date"))
            if found is not None:
                return self.drill(found)
        entry_hash = row.get("entry_hash") or row.get("hash")
        if entry_hash:
            return {"context": f"#context-{entry_hash}", "where": self.where(row.get("filename"), row.get("lineno")),
                    "documents": [], "editor": None}
        return None

    def entry_at(self, location: str, date=None):
        """The entry at "file:line" (as `where` shows it, or relative to the main file).
        With the row's date, only that day's entries are looked at (a bisected slice of
        the date-sorted entries); otherwise, or if not found there, the whole-ledger index."""
        filename, _, lineno = location.rpartition(":")
        from reports.memo import between, is_sorted

        if isinstance(date, datetime.date) and not isinstance(date, datetime.datetime) \
                and is_sorted(self.entries):
            keys = {location, self.where(filename, lineno)}
            for entry in between(self.entries, date, date):
                meta = entry.meta or {}
                if self.where(meta.get("filename"), meta.get("lineno")) in keys:
                    return entry
        index = self.entries_by_location()
        found = index.get(location)
        if found is None:
            found = index.get(self.where(filename, lineno))
        return found

    def entries_by_location(self) -> dict:
        """"2024.beancount:394" (as `where` shows it) → entry; one pass, cached per load."""
        def compute():
            out = {}
            for entry in self.entries:
                meta = entry.meta or {}
                key = self.where(meta.get("filename"), meta.get("lineno"))
                out.setdefault(key, entry)
            return out
        return self.cached("locations", compute)

    def where(self, filename, lineno) -> str:
        """"2024.beancount:394": the file relative to the main file's folder, and the line."""
        if not filename:
            return "—"
        shown = self._shown_names.get(filename)
        if shown is None:
            base = os.path.dirname(self.ledger.beancount_file_path)
            try:
                shown = os.path.relpath(filename, base)
            except ValueError:
                shown = filename
            if shown.startswith(".."):
                shown = os.path.basename(filename)
            self._shown_names[filename] = shown
        return f"{shown}:{lineno}" if lineno else shown

    def download(self, endpoint: str, **args) -> str:
        # flask.url_for's own first parameter is named `endpoint`: build from the report URL.
        base = url_for("extension_report", extension_name=self.name, **args)
        marker = f"/extension/{self.name}/"
        return base.replace(marker, marker + endpoint, 1)

    def columns(self, rows, skip=()) -> list[str]:
        """Column keys of a list of dicts: scalar-valued keys, in first-seen order."""
        keys: list[str] = []
        for row in rows[:50]:
            for key, value in row.items():
                if key not in keys and key not in skip and not isinstance(value, (list, dict)):
                    keys.append(key)
        return keys

    @staticmethod
    def is_table(value) -> bool:
        return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, dict) for v in value)

    @staticmethod
    def xlsx_response(content: bytes, filename: str) -> Response:
        from urllib.parse import quote

        return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})

    def requested_year(self) -> int:
        """?year= if it is one of the filtered years, else the last of them."""
        years = self.years() or self.all_years()
        try:
            year = int(request.args.get("year", ""))
        except ValueError:
            year = None
        if year is None or (years and year not in years):
            year = years[-1] if years else datetime.date.today().year
        return year

    def work_study_income(self, span) -> Decimal:
        """Work-study income (credits to 500101, net) between two dates (cached per load)."""
        def compute():
            func = _builder("reports.students", "work_study_income")
            if func is not None:  # a per-day index built once per load: any span is a bisection
                return func(self.entries, self.options, span[0], span[1])
            from beancount.core import data

            from plugins.common import ACCOUNTS, under

            account = ACCOUNTS["work_study_income"]
            total = Decimal(0)
            for entry in self.entries:
                if isinstance(entry, data.Transaction) and span[0] <= entry.date <= span[1]:
                    for posting in entry.postings:
                        if under(posting.account, account) and posting.units is not None:
                            total -= posting.units.number
            return total
        return self.cached(("work_study_income", span), compute)


class FinanceView(_BureauView):
    """财政监管: treasury, student remuneration, funds, surcharges, indicators, downloads."""

    report_title = "财政监管"

    def treasury(self) -> dict:
        result = self.section("treasury", "reports.remittance", "treasury_by_year")
        if result["state"] != "ok":
            return result
        years = set(self.years())
        rows = [dict(r) for r in result["data"] if r["year"] in years]
        for row in rows:  # older builders gave no payments per year: leave the column empty
            row.setdefault("payments", [])
        return {"state": "ok", "rows": rows, "chart": self.chart(rows)}

    @staticmethod
    def chart(rows) -> dict:
        """An inline SVG bar chart: owed vs paid per year."""
        series = [(r["year"], r.get("owed") or Decimal(0), r.get("paid") or Decimal(0),
                   r.get("outstanding") or Decimal(0)) for r in rows]
        top = max([max(o, p, abs(x)) for _, o, p, x in series] + [Decimal(1)])
        bars = []
        width, height, group = 520, 160, 0
        step = width / max(len(series), 1)
        for i, (year, owed, paid, out) in enumerate(series):
            x0 = i * step + 20
            for j, (value, color, name) in enumerate(((owed, "#3465a4", "应缴"), (paid, "#4e9a06", "已缴"),
                                                      (out, "#cc0000", "欠缴"))):
                h = float(max(value, Decimal(0)) / top) * (height - 30)
                bars.append({"x": x0 + j * (step / 4), "y": height - 20 - h, "w": step / 4 - 4,
                             "h": h, "color": color, "title": f"{year} {name} {yuan(value)}"})
            group += 1
        labels = [{"x": i * step + 20 + step * 3 / 8, "text": str(s[0])} for i, s in enumerate(series)]
        return {"width": width, "height": height, "bars": bars, "labels": labels}

    def students(self) -> dict:
        span = self.period()
        if span is None:
            return {"state": "missing", "message": "所选期间没有记录"}
        result = self.section("students", "reports.students", "build_students", span[0], span[1])
        if result["state"] != "ok":
            return result
        income = self.work_study_income(span)
        sheet = result["data"]
        return {"state": "ok", "sheet": sheet, "income": income, "span": span,
                "page": self.page(sheet["students"], "students_page")}

    def funds(self) -> list[tuple[int, dict]]:
        """The selected year (?year=, default the last filtered year); the page links the others."""
        if not self.years():
            return []
        year = self.requested_year()
        return [(year, self.section("funds", "reports.funds", "build_funds", year))]

    def surcharges(self) -> dict:
        result = self.section("surcharges", "reports.taxes", "surcharge_periods")
        if result["state"] != "ok":
            return result
        bounds = self.date_range()
        rows = [r for r in result["data"]
                if bounds is None or (r["end"] >= bounds[0] and r["start"] <= bounds[1])]
        return {"state": "ok", "rows": rows, "page": self.page(rows, "surcharges_page", 24)}

    def indicators(self) -> list[tuple[int, dict]]:
        out = []
        for year in ([self.requested_year()] if self.years() else []):
            result = self.section("indicators", "reports.taxes", "indicators", year)
            if result["state"] == "ok":
                items = [v for k, v in result["data"].items() if isinstance(v, dict) and "clause" in v]
                items.sort(key=lambda v: CLAUSE_ORDER.index(v["clause"]) if v["clause"] in CLAUSE_ORDER else 99)
                result = {"state": "ok", "items": items}
            out.append((year, result))
        return out

    # -- downloads (GET endpoints; read-only) ------------------------------------------------
    @extension_endpoint("remittance_xlsx")
    def remittance_xlsx(self):
        year = self.requested_year()
        build = _builder("reports.remittance", "build_remittance")
        render = _builder("reports.remittance", "render_remittance_xlsx")
        if build is None or render is None:
            return Response(f"{MISSING}: 上缴国库报告", status=404, mimetype="text/plain")
        try:
            report = build(self.entries, self.options, year)
        except ValueError as exc:
            return Response(str(exc), status=404, mimetype="text/plain; charset=utf-8")
        return self.xlsx_response(render(report), f"{year}年度上缴国库报告.xlsx")

    @extension_endpoint("students_xlsx")
    def students_xlsx(self):
        build = _builder("reports.students", "build_students")
        render = _builder("reports.students", "students_xlsx")
        span = self.period()
        if build is None or render is None or span is None:
            return Response(f"{MISSING}: 学生劳动报酬发放表", status=404, mimetype="text/plain; charset=utf-8")
        sheet = build(self.entries, self.options, span[0], span[1])
        return self.xlsx_response(render(sheet), f"学生劳动报酬发放表_{span[0]}_{span[1]}.xlsx")

    @extension_endpoint("funds_xlsx")
    def funds_xlsx(self):
        year = self.requested_year()
        build, render = _builder("reports.funds", "build_funds"), _builder("reports.funds", "xlsx")
        if build is None or render is None:
            return Response(f"{MISSING}: 专项资金报告", status=404, mimetype="text/plain; charset=utf-8")
        return self.xlsx_response(render(build(self.entries, self.options, year)), f"{year}年度专项资金使用情况.xlsx")


class AuditView(_BureauView):
    """审计: violations by clause, analytics, sealed years, findings, sample, exports."""

    report_title = "审计"

    def violation_rows(self) -> list[dict]:
        """Every error of the load whose entry lies inside the time filter (cached per load)."""
        def compute():
            rows = []
            for error in self.ledger.errors:
                message = " ".join(str(getattr(error, "message", error)).split())
                clause = clause_of(message)
                source = getattr(error, "source", None) or {}
                entry = getattr(error, "entry", None)
                rows.append({"clause": clause, "message": message, "entry": entry,
                             "date": getattr(entry, "date", None),
                             "filename": source.get("filename"), "lineno": source.get("lineno")})
            return rows
        return [r for r in self.cached("violations", compute) if self.in_filter(r["date"])]

    def violations(self) -> dict:
        """The violations grouped by clause; one clause's rows paginated."""
        rows = self.violation_rows()
        counts = collections.Counter(r["clause"] for r in rows)
        groups = [(c, CLAUSE_TITLES.get(c, c), counts[c]) for c in CLAUSE_ORDER if counts.get(c)]
        chosen = request.args.get("clause") or (groups[0][0] if groups else None)
        selected = [r for r in rows if r["clause"] == chosen]
        return {"total": len(rows), "groups": groups, "clause": chosen,
                "page": self.page(selected, "violations_page")}

    def analytics(self) -> dict:
        """`shixun audit` for one year of the filter (?year=), findings filtered by ?test=."""
        years = self.years()
        year = self.requested_year()
        if years and year not in years:
            year = years[-1]
        result = self.section("audit", "reports.audit", "run_audit", year)
        out = {"year": year, "years": years, "test": request.args.get("test") or None, **result}
        if result["state"] != "ok" or not isinstance(result["data"], dict):
            return out
        data = result["data"]
        tests = data.get("tests") or []
        names = {t.get("test"): t.get("name", t.get("test")) for t in tests if isinstance(t, dict)}
        findings = [dict(f, test_name=names.get(f.get("test"), f.get("test")))
                    for f in data.get("findings") or [] if isinstance(f, dict)]
        if out["test"]:
            findings = [f for f in findings if f.get("test") == out["test"]]
        rest = {k: v for k, v in data.items()
                if k not in ("tests", "findings", "year", "unit", "base", "exclusions", "notes", "parameters")}
        out.update(tests=tests, findings=findings, page=self.page(findings, "analytics_page"),
                   rest=rest, exclusions=data.get("exclusions"), notes=data.get("notes") or [],
                   parameters=data.get("parameters") or {})
        return out

    def seals(self) -> list[dict]:
        def compute():
            from beancount.core import data

            sealed = {}
            for entry in self.entries:
                if isinstance(entry, data.Custom) and entry.type == "seal" and entry.values:
                    year = str(entry.values[0].value).split(".")[0]
                    digest = entry.values[1].value if len(entry.values) > 1 else ""
                    sealed[year] = (entry, digest)
            broken = collections.defaultdict(list)
            for error in self.ledger.errors:
                message = str(getattr(error, "message", ""))
                if message.startswith("[封账]"):
                    entry = getattr(error, "entry", None)
                    years = [y for y in sealed if sealed[y][0] is entry] or re.findall(r"(\d{4}) 年度", message)[:1]
                    for year in years:
                        broken[year].append(message)
            rows = []
            for year in self.all_years():
                item = sealed.get(str(year))
                rows.append({"year": year, "sealed": bool(item),
                             "date": item[0].date if item else None,
                             "digest": (str(item[1])[:16] + "…") if item else "",
                             "entry": item[0] if item else None,
                             "problems": broken.get(str(year), [])})
            return rows
        return [r for r in self.cached("seals", compute) if r["year"] in self.years()]

    def findings(self) -> dict:
        result = self.section("findings", "reports.funds", "findings_status")
        if result["state"] == "ok":
            data = result["data"]
            rows = data if isinstance(data, list) else next(
                (v for v in data.values() if self.is_table(v)), []) if isinstance(data, dict) else []
            bounds = self.date_range()  # findings raised up to the end of the filtered period
            if bounds:
                rows = [r for r in rows if not isinstance(r.get("date"), datetime.date) or r["date"] <= bounds[1]]
            result = {**result, "rows": rows, "page": self.page(rows, "findings_page")}
        return result

    def sample(self) -> dict:
        func = _builder("reports.audit", "sample")
        if func is None:
            return {"state": "missing", "message": f"{MISSING}: 该功能模块 (reports.audit.sample) 尚未安装"}
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
        kwargs = {}
        params = inspect.signature(func).parameters
        for key, value in (("year", year), ("size", size), ("seed", seed), ("n", size)):
            if key in params:
                kwargs[key] = value
        result = self.section("sample", "reports.audit", "sample", **kwargs)
        result = {**result, "year": year, "size": size, "seed": seed}
        if result["state"] == "ok":
            data = result["data"]
            rows = data if isinstance(data, list) else next(
                (v for v in data.values() if self.is_table(v)), []) if isinstance(data, dict) else []
            result["rows"] = rows
            result["page"] = self.page(rows, "sample_page")
        return result

    # -- exports -------------------------------------------------------------------------------
    @extension_endpoint("violations_xlsx")
    def violations_xlsx(self):
        from reports.render import xlsx_bytes

        rows = self.violation_rows()
        order = {c: i for i, c in enumerate(CLAUSE_ORDER)}
        rows = sorted(rows, key=lambda r: (order.get(r["clause"], 99), r["date"] or datetime.date.min))
        sheet = {
            "title": "规则违反清单", "name": "违规清单",
            "subtitle": [f"被审计单位: {self.options.get('title', '')}    共 {len(rows)} 条"],
            "columns": [("条款", 22, "text"), ("日期", 12, "text"), ("位置", 26, "text"), ("说明", 90, "text")],
            "rows": [[CLAUSE_TITLES.get(r["clause"], r["clause"]), cell(r["date"]),
                      self.where(r["filename"], r["lineno"]), r["message"]] for r in rows],
        }
        return self.xlsx_response(xlsx_bytes([sheet]), "审计_规则违反清单.xlsx")

    @extension_endpoint("audit_xlsx")
    def audit_xlsx(self):
        year = self.requested_year()
        run, render = _builder("reports.audit", "run_audit"), _builder("reports.audit", "audit_xlsx")
        if run is None or render is None:
            return Response(f"{MISSING}: 审计分析", status=404, mimetype="text/plain; charset=utf-8")
        return self.xlsx_response(render(run(self.entries, self.options, year)), f"{year}年度审计分析.xlsx")
