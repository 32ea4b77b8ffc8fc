"""The one student-roster reader (students.csv: 学号,姓名,班级,基地).

County policy (seed): "学校开展生产服务性实习实训取得的勤工俭学收入,可提取20%支付学生
劳动报酬" — the pool goes to real students only, so the P1 plugin checks every payout's
and every work-hour entry's 学号 against the roster, and the work-hours importer checks
each sheet row against it. Both read it here, so a roster one accepts the other accepts.

The file is UTF-8, UTF-8 with BOM or GBK/GB18030 (what Excel and WPS save on a Chinese
Windows), all read alike. A duplicate or missing 学号 is an error of its row. A roster
that cannot be read at all (undecodable, empty, no header) is ONE error and an empty,
`broken` roster: callers then skip the roster check rather than report every 学号 as
unknown.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import os

from plugins.files import folder_hint, reason

ROSTER_FILE = "students.csv"
COLUMNS = ("学号", "姓名", "班级", "基地")
# Column titles as the bases write them → field.
TITLES = {"学号": "number", "姓名": "name", "学生姓名": "name", "班级": "class_name",
          "基地": "base", "实训基地": "base"}
REQUIRED = ("number", "name")
HEADER_SEARCH_ROWS = 10  # a title line or two may sit above the header


@dataclasses.dataclass(frozen=True)
class Student:
    number: str  # 学号
    name: str  # 姓名
    class_name: str  # 班级
    base: str  # 实训基地


@dataclasses.dataclass(frozen=True)
class RosterError:
    file: str
    row: int  # 1-based line of the file (the header is row 1); 0 for the file as a whole
    message: str  # Chinese, names the file


@dataclasses.dataclass
class Roster:
    file: str
    students: dict[str, Student]  # 学号 → Student
    errors: list[RosterError]
    broken: bool = False  # unreadable as a whole: check nothing against it

    def __contains__(self, number) -> bool:
        return number in self.students

    def get(self, number, default=None):
        return self.students.get(number, default)

    def __len__(self) -> int:
        return len(self.students)


def decode(raw: bytes) -> tuple[str, str] | None:
    """(text, encoding) of the roster's bytes: UTF-8 (with or without BOM), then
    GB18030 (a superset of GBK), then charset-normalizer's guess; None if none fits."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None:
        return str(best), best.encoding
    return None


def first_bad_utf8_row(raw: bytes) -> tuple[int, bool] | None:
    """(row of the first byte that is not UTF-8, whether the rows above hold UTF-8
    Chinese), or None for a UTF-8 file. A UTF-8 file with one row pasted from a GBK
    one breaks at that row; a GBK file breaks at its first Chinese character."""
    try:
        raw.decode("utf-8-sig")
        return None
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line_start = raw.rfind(b"\n", 0, start) + 1
        return raw.count(b"\n", 0, start) + 1, any(byte >= 0x80 for byte in raw[:line_start])


def _broken(path: str, message: str, row: int = 0) -> Roster:
    return Roster(path, {}, [RosterError(path, row, message)], broken=True)


def _titles(row) -> dict:
    """field → column of the titles a row holds (the first column of each field)."""
    columns = {}
    for col, cell in enumerate(row):
        field = TITLES.get(cell.strip().lstrip("\ufeff"))
        if field and field not in columns:
            columns[field] = col
    return columns


def _header(rows) -> tuple[int, dict] | None:
    """(index of the header row, field → column) within the first rows."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _titles(row)
        if all(f in columns for f in REQUIRED):
            return index, columns
    return None


def _no_header(path: str, rows, linenos) -> Roster:
    """The roster without a header: at the row nearest one (most titles, else the first
    non-empty row), saying which required columns it lacks."""
    candidates = [(len(_titles(row)), -index) for index, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                  if any(cell.strip() for cell in row)]
    titles, index = max(candidates)
    index = -index
    names = {"number": "学号", "name": "姓名"}
    expected = f"应为 {','.join(COLUMNS)}; 至少要有 学号、姓名 两列"
    if titles:
        missing = "、".join(names[f] for f in REQUIRED if f not in _titles(rows[index]))
        message = f"学生名册 {path} 缺少表头: 第 {linenos[index]} 行缺少 {missing} 列 ({expected})"
    else:
        shown = ",".join(cell.strip() for cell in rows[index])[:60]
        message = f"学生名册 {path} 缺少表头: 第 {linenos[index]} 行是 “{shown}” ({expected})"
    return _broken(path, message, linenos[index])


def read_roster(path: str) -> Roster:
    """The roster at `path` with its errors (never raises for a bad file)."""
    if os.path.isdir(path):
        return _broken(path, folder_hint(path, "学生名册", f"名册 CSV 文件, 如 {os.path.join(path, ROSTER_FILE)}"))
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return _broken(path, f"无法读取学生名册 {path}: {reason(exc)}")
    bad = first_bad_utf8_row(raw)
    if bad is not None and bad[1]:
        return _broken(path, f"学生名册 {path} 第 {bad[0]} 行不是 UTF-8 编码, 而前面各行是 (可能是从 GBK 编码的"
                             "文件复制来的): 请在 Excel/WPS 中另存为 “CSV UTF-8” 后重试", bad[0])
    decoded = decode(raw)
    if decoded is None:
        return _broken(path, f"学生名册 {path} 无法识别编码 (第 {bad[0]} 行起): "
                             "请在 Excel/WPS 中另存为 “CSV UTF-8” 后重试", bad[0])
    text, _encoding = decoded
    try:
        rows, linenos = [], []
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        start = 1
        for row in reader:
            rows.append(row)
            linenos.append(start)
            start = reader.line_num + 1
    except csv.Error:
        return _broken(path, f"学生名册 {path} 第 {reader.line_num} 行 CSV 格式错误 (引号不成对?)",
                       reader.line_num)
    if not any(any(cell.strip() for cell in row) for row in rows):
        return _broken(path, f"学生名册 {path} 为空, 应有表头 {','.join(COLUMNS)}")
    found = _header(rows)
    if found is None:
        return _no_header(path, rows, linenos)
    index, columns = found
    students, errors, first_row = {}, [], {}
    for row, lineno in zip(rows[index + 1:], linenos[index + 1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        cells = {f: row[c].strip() if c < len(row) else "" for f, c in columns.items()}
        number = cells["number"]
        if not number:
            errors.append(RosterError(path, lineno, f"学生名册 {path} 第 {lineno} 行缺少学号"))
        elif number in students:
            errors.append(RosterError(path, lineno, f"学生名册 {path} 第 {lineno} 行学号 {number} 重复 "
                                                    f"(第 {first_row[number]} 行已有)"))
        else:
            students[number] = Student(number, cells["name"], cells.get("class_name", ""),
                                       cells.get("base", ""))
            first_row[number] = lineno
    if not students and not errors:
        return _broken(path, f"学生名册 {path} 第 {linenos[index]} 行表头之后没有学生", linenos[index])
    return Roster(path, students, errors)
