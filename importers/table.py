"""Reading the files the accountant gets: CSV (any of the encodings Chinese banks and
training bases use) and Excel workbooks (.xls/.xlsx via python-calamine), into rows of cells, and finding the header row by its
column names however many preamble lines stand before it.

County policy (seed), the supervision these importers serve: "财政、审计部门对中职校
生产性实训基地经营中心账务进行监督、审计" — every imported row keeps the file and
row it came from, and a file that cannot be read is refused whole, naming the file
and the row.

Nothing here knows about bank statements or work hours: `find_header` is given the
column synonyms of one kind of file and answers where that header is.
"""
from __future__ import annotations

import csv
import datetime
import decimal
import functools
import io
import os
import re
import unicodedata

from beangulp import exceptions as bg_exceptions

from plugins.files import reason

# How many rows we look at for the header (preamble lines come before it).
HEADER_SEARCH_ROWS = 40
CSV_DELIMITERS = (",", "\t", ";", "|")
WORKBOOK_SUFFIXES = (".xls", ".xlsx", ".xlsm", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


class ImportFailure(bg_exceptions.Error):
    """A file we refuse: one Chinese line naming the file and, where there is one, the row.
    A beangulp `Error`, so beangulp's own CLI prints it as it is (no traceback)."""

    def __init__(self, path: str, message: str, row: int | None = None, unrecognised=False):
        self.path = path
        self.row = row
        self.reason = message
        self.unrecognised = unrecognised  # no known header: not a file of ours at all
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}: 第 {self.row} 行: " if self.row else f"{self.path}: "
        return where + " ".join(self.reason.split())


class Table:
    """The rows of one file: `rows[i]` is a list of cells (str, or for XLSX also
    numbers and dates); `rownos[i]` its row number as a person sees it in the file."""

    def __init__(self, path: str, rows: list, rownos: list, encoding: str | None, sheet=None):
        self.path = path
        self.rows = rows
        self.rownos = rownos
        self.encoding = encoding
        self.sheet = sheet


# ---------------------------------------------------------------- cells

_FORMULA_TEXT = re.compile(r'^="(.*)"$', re.S)


def clean(value) -> str:
    """A cell as tidy text: NFKC (full-width digits and brackets), Excel's `="…"`
    text trick and the tab some banks prefix to long numbers removed, outer spaces gone."""
    if value is None:
        return ""
    if type(value) is str:
        text = value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip()
    else:
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)
        text = unicodedata.normalize("NFKC", str(value)).strip()
    if text[:1] == "=":
        match = _FORMULA_TEXT.match(text)
        if match:
            text = match.group(1).strip()
    if text[:1] in ("'", '"') or text[-1:] in ("'", '"'):
        text = text.strip("'\"").strip()
    return text


def header_key(value) -> str:
    """A header cell reduced for comparison: no spaces, no unit suffix like (元)."""
    text = clean(value)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"(?<=.)[(\[【]?(元|人民币|rmb|cny|小时|h)[)\]】]?$", "", text, flags=re.I)
    text = text.rstrip(":*")
    return text.lower()


def find_header(table: Table, synonyms: dict, required) -> tuple[int, dict] | None:
    """The first row (index into table.rows) whose cells name every required field.

    `synonyms` maps a field to the header texts that mean it; `required` is a callable
    taking the set of fields found, or a set of fields that must all be there. Returns
    (row index, {field: column index}) or None.
    """
    lookup = {}
    for field, names in synonyms.items():
        for name in names:
            lookup.setdefault(header_key(name), field)
    for index, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        columns = {}
        for col, cell in enumerate(row):
            field = lookup.get(header_key(cell))
            if field and field not in columns:
                columns[field] = col
        found = set(columns)
        ok = required(found) if callable(required) else set(required) <= found
        if ok:
            return index, columns
    return None


# ---------------------------------------------------------------- reading

def _decode_candidates(raw: bytes):
    """Texts the bytes may be, most likely first: BOMs, strict UTF-8, GB18030 (a
    superset of GBK/GB2312), then charset-normalizer's best guess."""
    seen = set()
    if raw.startswith(b"\xef\xbb\xbf"):
        seen.add("utf-8")
        if _valid(raw[3:], "utf-8"):
            yield "utf-8-sig", raw[3:].decode("utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        if _valid(raw, "utf-16"):
            yield "utf-16", raw.decode("utf-16")
        seen.add("utf-16")
    for encoding in ("utf-8", "gb18030"):
        if encoding not in seen and _valid(raw, encoding):
            seen.add(encoding)
            yield encoding, raw.decode(encoding)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:200_000]).best()
    except Exception:  # a detector failure only means one candidate fewer
        best = None
    if best is not None and best.encoding not in seen and _valid(raw, best.encoding):
        yield best.encoding, raw.decode(best.encoding)


def _valid(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding, errors="strict")
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _csv_rows(path: str, text: str, delimiter: str, limit: int | None = None):
    rows, rownos = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            rows.append(row)
            rownos.append(start)
            start = reader.line_num + 1
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as exc:
        raise ImportFailure(path, f"CSV 格式错误 ({exc})", reader.line_num) from exc
    return rows, rownos


def read_csv(path: str, raw: bytes, header_test) -> Table:
    """Decode and split a CSV: the encoding and delimiter are those under which
    `header_test(table)` finds a header (tried in order of likelihood)."""
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ImportFailure(path, "文件为空")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailure(path, "文件含二进制内容, 不是文本格式的 CSV (文件损坏?)")
    first = None
    for encoding, text in _decode_candidates(raw):
        for delimiter in CSV_DELIMITERS:
            if delimiter not in text[:20000]:
                continue
            try:
                rows, rownos = _csv_rows(path, text, delimiter, HEADER_SEARCH_ROWS)
            except ImportFailure:
                continue
            probe = Table(path, rows, rownos, encoding)
            if header_test(probe):
                rows, rownos = _csv_rows(path, text, delimiter)
                return Table(path, rows, rownos, encoding)
        if first is None:
            first = encoding
    if first is None:
        raise ImportFailure(path, "无法识别文件编码 (应为 UTF-8 或 GBK 文本)")
    raise ImportFailure(path, f"未找到表头 (编码按 {first} 读取): 无法识别的文件",
                        unrecognised=True)


def read_workbook(path: str, header_test) -> Table:
    """The first worksheet of an .xls/.xlsx/.xlsm/.ods on which `header_test` finds a
    header, read by python-calamine (SPEC §7: it reads legacy .xls and ignores the wrong
    `<dimension>` tag some banks write, which makes openpyxl's read-only mode see one row)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(path)
    except Exception as exc:  # calamine's errors (zip, xml, cfb, password) share no base
        raise ImportFailure(path, "无法读取 Excel 文件 (文件损坏, 加密, 或不是 XLS/XLSX)") from exc
    empty = True
    try:
        for name in book.sheet_names:
            rows = [list(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
            if any(any(clean(c) for c in r) for r in rows):
                empty = False
            table = Table(path, rows, list(range(1, len(rows) + 1)), None, name)
            if header_test(table):
                return table
    except ImportFailure:
        raise
    except Exception as exc:
        raise ImportFailure(path, "Excel 文件内容损坏, 无法读取工作表") from exc
    finally:
        book.close()
    if empty:
        raise ImportFailure(path, "文件为空 (工作表没有内容)")
    raise ImportFailure(path, "未找到表头: 无法识别的文件", unrecognised=True)


def read_table(path: str, header_test) -> Table:
    """Rows of a CSV or XLSX file; `header_test(table)` says whether a table has the
    header we need. Raises ImportFailure with a Chinese reason."""
    return _read_cached(path, header_test, *_stamp(path))


def _stamp(path):
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ImportFailure(path, f"无法读取文件 ({reason(exc)})") from exc
    if not os.path.isfile(path):
        raise ImportFailure(path, "不是文件")
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=64)
def _read_cached(path, header_test, _mtime, _size) -> Table:
    lower = path.lower()
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ImportFailure(path, f"无法读取文件 ({reason(exc)})") from exc
    if not raw:
        raise ImportFailure(path, "文件为空")
    if raw.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04")):
        return read_workbook(path, header_test)
    if lower.endswith(WORKBOOK_SUFFIXES) and not lower.endswith(".xls"):
        raise ImportFailure(path, "无法读取 Excel 文件 (文件损坏或不是 XLSX)")
    # Many banks' ".xls" downloads are really tab-separated text: read them as such.
    return read_csv(path, raw, header_test)


def is_supported(path: str) -> bool:
    return path.lower().endswith(WORKBOOK_SUFFIXES + CSV_SUFFIXES)


# ---------------------------------------------------------------- values

_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PLAIN_AMOUNT = re.compile(r"^[+-]?\d{1,3}(,?\d{3})*(\.\d{1,2})?$")
CENT = decimal.Decimal("0.01")
LIMIT = decimal.Decimal("1e13")
EMPTY_MARKS = {"", "-", "--", "—", "——", "/", "无", "null", "none", "nan"}


def parse_amount(value, *, what="金额") -> decimal.Decimal | None:
    """A money cell: thousands separators, ¥/元/CNY, (123.45) for negatives,
    full-width digits. None for an empty cell. ValueError with a Chinese reason."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what}不是数字: {value}")
    if isinstance(value, (int, decimal.Decimal)):
        number = decimal.Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{what}不是数字: {value}")
        number = decimal.Decimal(repr(value))
        rounded = number.quantize(decimal.Decimal("0.01"))
        if abs(rounded - number) < decimal.Decimal("0.000001"):
            number = rounded
    else:
        text = clean(value)
        if _PLAIN_AMOUNT.match(text):  # the usual cell: 1234.50, -12.00, 1,234.50
            number = decimal.Decimal(text.replace(",", ""))
            if number == number.quantize(CENT) and abs(number) < LIMIT:
                return number.quantize(CENT)
        if text.lower() in EMPTY_MARKS:
            return None
        negative = False
        if text.startswith("(") and text.endswith(")"):
            negative, text = True, text[1:-1]
        text = re.sub(r"[¥￥,，\s]|元$|^(CNY|RMB)|(CNY|RMB)$", "", text, flags=re.I)
        if text.endswith("-") and _AMOUNT.match(text[:-1]):
            negative, text = not negative, text[:-1]
        if not _AMOUNT.match(text):
            raise ValueError(f"{what}不是数字: {clean(value)[:40]}")
        number = decimal.Decimal(text)
        if negative:
            number = -number
    if not number.is_finite():
        raise ValueError(f"{what}不是数字: {value}")
    if number != number.quantize(decimal.Decimal("0.01")):
        raise ValueError(f"{what}超过两位小数: {clean(value)[:40]}")
    if abs(number) >= decimal.Decimal("1e13"):
        raise ValueError(f"{what}过大: {clean(value)[:40]}")
    return number.quantize(decimal.Decimal("0.01"))


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+(.*))?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[\sT]*(\d{2}:?\d{2}:?\d{2}.*))?$"),
)


def parse_date(value, *, what="日期") -> tuple[datetime.date, str]:
    """A date cell → (date, time text or ""). 2024-03-05, 2024/3/5, 2024.03.05,
    2024年3月5日, 20240305, with or without a time; XLSX dates as they come."""
    if isinstance(value, datetime.datetime):
        return value.date(), value.strftime("%H:%M:%S") if value.time() != datetime.time() else ""
    if isinstance(value, datetime.date):
        return value, ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial(value, what)
    text = clean(value)
    if not text:
        raise ValueError(f"{what}为空")
    if _SERIAL.match(text):
        return excel_serial(float(text), what)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups()[:3])
            if not 1990 <= year <= 2100:
                raise ValueError(f"{what}年份不合理: {text[:40]}")
            try:
                date = datetime.date(year, month, day)
            except ValueError:
                raise ValueError(f"{what}不存在: {text[:40]}") from None
            return date, parse_time(match.group(4) or "")
    raise ValueError(f"{what}格式无法识别: {text[:40]}")


_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def excel_serial(number: float, what="日期") -> tuple[datetime.date, str]:
    """An Excel serial date (45352 = 2024-03-01; a fraction is the time of day), as
    a workbook cell without a date format, or its CSV export, holds it."""
    if not 32874 <= number < 73051:  # 1990-01-01 .. 2100-01-01, the years parse_date accepts
        raise ValueError(f"{what}格式无法识别: {clean(number)[:40]}")
    moment = EXCEL_EPOCH + datetime.timedelta(days=number)
    moment = (moment + datetime.timedelta(microseconds=500_000)).replace(microsecond=0)
    return moment.date(), moment.strftime("%H:%M:%S") if moment.time() != datetime.time() else ""


def parse_time(value) -> str:
    """A time cell as HH:MM:SS ("" when empty or unreadable: time only orders rows)."""
    if isinstance(value, (datetime.time, datetime.datetime)):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds() / 86400
    if isinstance(value, float) and 0 <= value < 1:  # Excel: a time is a fraction of a day
        seconds = round(value * 86400)
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    text = clean(value)
    if not text:
        return ""
    match = re.match(r"^(\d{1,2})[:.：]?(\d{2})(?:[:.：]?(\d{2}))?", text)
    if not match:
        match = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        return ""
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return ""
    return f"{hour:02d}:{minute:02d}:{second:02d}"
