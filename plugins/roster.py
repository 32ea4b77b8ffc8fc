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
    row: int  # 1-based line of the file; 0 for the file as a whole
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


def _broken(path: str, message: str) -> Roster:
    return Roster(path, {}, [RosterError(path, 0, message)], broken=True)


def _header(rows) -> tuple[int, dict] | None:
    """(index of the header row, field → column) within the first rows."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = {}
        for col, cell in enumerate(row):
            field = TITLES.get(cell.strip().lstrip("\ufeff"))
            if field and field not in columns:
                columns[field] = col
        if all(f in columns for f in REQUIRED):
            return index, columns
    return None


def read_roster(path: str) -> Roster:
    """The roster at `path` with its errors (never raises for a bad file)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return _broken(path, f"无法读取学生名册 {path}: {exc.strerror or '读取失败'}")
    decoded = decode(raw)
    if decoded is None:
        return _broken(path, f"学生名册 {path} 无法识别编码: 请在 Excel/WPS 中另存为 “CSV UTF-8” 后重试")
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
        return _broken(path, f"学生名册 {path} 第 {reader.line_num} 行 CSV 格式错误 (引号不成对?)")
    if not any(any(cell.strip() for cell in row) for row in rows):
        return _broken(path, f"学生名册 {path} 为空, 应有表头 {','.join(COLUMNS)}")
    found = _header(rows)
    if found is None:
        return _broken(path, f"学生名册 {path} 缺少表头 (应为 {','.join(COLUMNS)}; 至少要有 学号、姓名 两列)")
    index, columns = found
    students, errors = {}, []
    for row, lineno in zip(rows[index + 1:], linenos[index + 1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        cells = {f: row[c].strip() if c < len(row) else "" for f, c in columns.items()}
        number = cells["number"]
        if not number:
            errors.append(RosterError(path, lineno, f"学生名册 {path} 第 {lineno} 行缺少学号"))
        elif number in students:
            errors.append(RosterError(path, lineno, f"学生名册 {path} 第 {lineno} 行学号 {number} 重复"))
        else:
            students[number] = Student(number, cells["name"], cells.get("class_name", ""),
                                       cells.get("base", ""))
    if not students and not errors:
        return _broken(path, f"学生名册 {path} 只有表头, 没有学生")
    return Roster(path, students, errors)
