"""Work-hour sheets from the training bases (XLSX/CSV: 学号, 姓名, 日期, 工时, 基地)
→ `custom "work-hours"` entries, via beangulp.

County policy (seed): "学校开展生产服务性实习实训取得的勤工俭学收入,可提取20%支付学生
劳动报酬" — the month's student pool (P1) is split over that month's hours, so the
hours must be real: every 学号 must be on the roster (students.csv), with the name
the roster gives; hours are a number, not negative, and at most 24 in one day for
one student (all bases together). One bad row refuses the whole sheet: no entry
comes from a refused file.

Output: ONE entry per student per base per month, dated the month's last day, with
`base:` metadata — the form the bundled ledger and the P1 plugin use:

    2024-03-31 custom "work-hours" "20240101" 42.5
      base: "农产品精深加工"

Dedupe: (学号, month, base) already in the ledger or earlier in the run with the same
hours → left out. With other hours it is a corrected sheet, and that is an error naming
both files and the hours that differ (the accountant deletes the old entries first):
hours are never silently replaced nor silently kept. A base sends one sheet per month.
The base must be one the roster knows; a 学号 twice in the roster is an error.
"""
from __future__ import annotations

import calendar
import collections
import decimal
import functools
import os
import re

import beangulp
from beancount.core import data
from beancount.parser.grammar import ValueType
from beangulp import extract as bg_extract

from importers import headers
from importers.table import ImportFailure, clean, find_header, parse_date
from plugins.roster import ROSTER_FILE, read_roster
from importers.bank import FOOTER, MAX_REPORTED

ARCHIVE_ACCOUNT = "Liabilities:2241-其他应付款:224101-学生劳动报酬"
ROSTER_LABEL = "学生名册"
_HOURS = re.compile(r"^\d+(\.\d+)?$")


def load_roster(path: str) -> dict:
    """学号 → Student, read by the rule engine's one roster reader (plugins.roster);
    any error of the roster (duplicate 学号, unreadable file…) refuses the sheets."""
    roster = read_roster(path)
    if roster.errors:
        failures = [ImportFailure(ROSTER_LABEL, error.message) for error in roster.errors]
        failures[0].others = failures[1:]
        raise failures[0]
    return roster.students


def parse_hours(value) -> decimal.Decimal:
    if isinstance(value, bool):
        raise ValueError(f"工时不是数字: {value}")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("工时不是数字")
        text = repr(value)
    else:
        text = re.sub(r"(小时|h|H|时)$", "", clean(value)).strip()
    if not text:
        raise ValueError("工时为空")
    negative = text.startswith("-")
    if _HOURS.match(text.lstrip("+-")) is None or "e" in text.lower():
        raise ValueError(f"工时不是数字: {text[:20]}")
    if negative:
        raise ValueError(f"工时为负数: {text[:20]}")
    hours = decimal.Decimal(text.lstrip("+"))
    if hours > 24:
        raise ValueError(f"工时超过一天 24 小时: {text[:20]}")
    if hours != hours.quantize(decimal.Decimal("0.01")):
        raise ValueError(f"工时最多两位小数: {text[:20]}")
    return hours


def _tidy(hours: decimal.Decimal) -> decimal.Decimal:
    """42.50 → 42.5, 40.00 → 40 (never 4E+1)."""
    if hours == hours.to_integral_value():
        return hours.quantize(decimal.Decimal(1))
    return hours.normalize()


def month_end(date):
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def parse_sheet(path: str, table, roster: dict) -> list:
    """The sheet's rows → entries (one per student, base and month). ImportFailure
    (with `.others`) names every bad row; then nothing is produced."""
    found = find_header(table, headers.WORK_HOURS, headers.work_hours_required)
    if not found:
        raise ImportFailure(path, "未找到工时表表头 (需要 学号、日期、工时)")
    index, columns = found
    needed = max(columns.values()) + 1
    bases = {s.base for s in roster.values() if s.base}
    failures = []
    per_day = collections.defaultdict(decimal.Decimal)
    totals = collections.OrderedDict()
    for offset, raw in enumerate(table.rows[index + 1:], index + 1):
        rowno = table.rownos[offset]
        texts = [clean(c) for c in raw]
        if not any(texts):
            continue
        if FOOTER.match(next(t for t in texts if t)):
            break
        if len(failures) > MAX_REPORTED:
            break
        if len(raw) < needed:
            failures.append(ImportFailure(path, f"列数不足 (应有 {needed} 列, 实有 {len(raw)} 列; "
                                                "文件可能被截断)", rowno))
            continue

        def cell(field):
            col = columns.get(field)
            return raw[col] if col is not None else None

        try:
            number = clean(cell("student"))
            if not number:
                raise ValueError("学号为空")
            student = roster.get(number)
            if student is None:
                raise ValueError(f"学号 {number[:30]} 不在学生名册中")
            name = clean(cell("name"))
            if "name" in columns and student.name and name != student.name:
                raise ValueError(f"学号 {number} 的姓名应为 {student.name}, 表中为 {name[:20] or '(空)'}")
            date, _ = parse_date(cell("date"), what="日期")
            hours = parse_hours(cell("hours"))
            base = " ".join(clean(cell("base")).split()) or student.base
            if not base:
                raise ValueError("基地为空 (表中与学生名册中都没有)")
            if '"' in base or "\\" in base:
                raise ValueError(f"基地名称含非法字符: {base[:20]}")
            if bases and base not in bases:
                raise ValueError(f"基地 {base[:20]} 不是学生名册中的基地 ({'、'.join(sorted(bases))})")
            per_day[(number, date)] += hours
            if per_day[(number, date)] > 24:
                raise ValueError(f"学号 {number} 在 {date} 的工时合计 {per_day[(number, date)]} "
                                 "超过 24 小时")
        except ValueError as exc:
            failures.append(ImportFailure(path, str(exc), rowno))
            continue
        key = (number, month_end(date), base)
        if key not in totals:
            totals[key] = [decimal.Decimal(0), rowno]
        totals[key][0] += hours
    if failures:
        failures[0].others = failures[1:]
        raise failures[0]
    if not totals:
        raise ImportFailure(path, "工时表没有记录 (表头之后为空; 文件为空或被截断?)",
                            table.rownos[index])
    entries = []
    for (number, date, base), (hours, rowno) in totals.items():
        meta = data.new_metadata(path, rowno)
        meta["base"] = base
        meta["source"] = os.path.basename(path)
        entries.append(data.Custom(meta, date, "work-hours",
                                   [ValueType(number, str),
                                    ValueType(_tidy(hours), decimal.Decimal)]))
    return entries


def work_hours_key(entry):
    values = entry.values or []
    number = values[0].value if values else None
    return (str(number), entry.date, (entry.meta or {}).get("base"))


def _hours(entry):
    values = entry.values or []
    return values[1].value if len(values) > 1 else None


def _where(entry) -> str:
    meta = entry.meta or {}
    if meta.get("source") and meta.get("filename", "").endswith(meta["source"]):
        return meta["filename"]
    where = f"{meta.get('filename')} 第 {meta.get('lineno')} 行"
    return f"{where} (来自 {meta['source']})" if meta.get("source") else where


def conflicts(path: str, entries, earlier) -> list:
    """ImportFailure for each entry of `path` whose (学号, month, base) an earlier
    work-hours entry already has with other hours: a corrected sheet is never silently
    dropped as a duplicate, nor silently added beside the first."""
    known = {}
    for entry in earlier:
        if isinstance(entry, data.Custom) and entry.type == "work-hours" \
                and not (entry.meta or {}).get(bg_extract.DUPLICATE):
            known.setdefault(work_hours_key(entry), entry)
    failures = []
    for entry in entries:
        other = known.get(work_hours_key(entry))
        if other is not None and _hours(other) != _hours(entry):
            number, date, base = work_hours_key(entry)
            failures.append(ImportFailure(
                path, f"与 {_where(other)} 冲突: 学号 {number} {date:%Y-%m} {base} 的工时"
                      f"在那里是 {_hours(other)}, 本表是 {_hours(entry)}; 若本表是更正后的工时表, "
                      "请先从账本删去原来的记录再导入", entry.meta.get("lineno")))
    return failures


class WorkHoursImporter(beangulp.Importer):
    """beangulp importer for the bases' work-hour sheets. `roster` is the path of
    students.csv (None: every sheet is refused, since no 学号 can be checked)."""

    def __init__(self, roster: str | None, known: headers.KnownHeader | None = None):
        self.roster_path = roster
        self.known = known or headers.KnownHeader(())

    @property
    def name(self) -> str:
        return "shixun.work_hours"

    def identify(self, filepath: str) -> bool:
        return headers.kind(filepath, self.known) == "work-hours"

    @functools.cached_property
    def roster(self) -> dict:
        if not self.roster_path:
            raise ImportFailure(ROSTER_LABEL, "导入工时表需要学生名册: 用 --roster 指定, "
                                              f"或在 --existing 账本旁放 {ROSTER_FILE}")
        return load_roster(self.roster_path)

    def entries(self, filepath: str) -> list:
        stat = os.stat(filepath)
        try:
            _ = self.roster  # read and check the roster first: a bad roster refuses the sheet
        except ImportFailure as failure:
            if failure.path != ROSTER_LABEL:
                raise ImportFailure(filepath, f"学生名册 {failure}") from None
            refused = ImportFailure(filepath, failure.reason)
            refused.others = [ImportFailure(filepath, o.reason) for o in getattr(failure, "others", [])]
            raise refused from None
        return self._entries(filepath, stat.st_mtime_ns, stat.st_size)

    @functools.lru_cache(maxsize=64)
    def _entries(self, filepath, _mtime, _size):
        return parse_sheet(filepath, headers.load(filepath, self.known), self.roster)

    def warnings(self, filepath: str) -> list:
        return []

    def account(self, filepath: str) -> str:
        return ARCHIVE_ACCOUNT

    def date(self, filepath: str):
        return max(e.date for e in self.entries(filepath))

    def filename(self, filepath: str):
        entries = self.entries(filepath)
        bases = sorted({e.meta["base"] for e in entries})
        months = sorted({e.date for e in entries})
        ext = os.path.splitext(filepath)[1].lower() or ".csv"
        span = f"{months[0]:%Y%m}" if len(months) == 1 else f"{months[0]:%Y%m}至{months[-1]:%Y%m}"
        base = bases[0] if len(bases) == 1 else "多个基地"
        safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", base)
        return f"工时表-{safe}-{span}{ext}"

    def extract(self, filepath: str, existing) -> list:
        # Fresh copies: deduplicate marks metadata and the parse is cached.
        entries = [e._replace(meta=dict(e.meta)) for e in self.entries(filepath)]
        failures = conflicts(filepath, entries, existing or [])
        if failures:
            failures[0].others = failures[1:]
            raise failures[0]
        return entries

    def deduplicate(self, entries, existing) -> None:
        seen = {work_hours_key(e): _hours(e) for e in existing
                if isinstance(e, data.Custom) and e.type == "work-hours"
                and not (e.meta or {}).get(bg_extract.DUPLICATE)}
        for entry in entries:
            key = work_hours_key(entry)
            if key in seen and seen[key] == _hours(entry):
                entry.meta[bg_extract.DUPLICATE] = True
            elif key in seen:  # two sheets of one run under beangulp's own CLI
                entry.meta["warning"] = f"与本次导入的另一工时表冲突: 工时 {seen[key]} 与 {_hours(entry)}"
            seen.setdefault(key, _hours(entry))
