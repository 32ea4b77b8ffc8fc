"""The one roster reader: the P1 plugin and the work-hours importer read students.csv alike."""
import pytest

from plugins.roster import Student, read_roster

ROSTER = "学号,姓名,班级,基地\n20240101,阿依古丽,2024级农产品加工1班,农产品精深加工\n20240102,马晓东,2024级电子商务1班,电子商务\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_read_alike(tmp_path, encoding):
    path = tmp_path / "students.csv"
    path.write_bytes(ROSTER.encode(encoding))
    roster = read_roster(str(path))
    assert roster.errors == [] and not roster.broken
    assert roster.get("20240102") == Student("20240102", "马晓东", "2024级电子商务1班", "电子商务")
    assert "20240101" in roster and "20249999" not in roster and len(roster) == 2


def test_title_line_and_synonyms_and_missing_optional_columns(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("2024 年学生名册\n学号,学生姓名,实训基地\n1,甲,电商\n", encoding="utf-8")
    assert read_roster(str(path)).get("1") == Student("1", "甲", "", "电商")


def test_duplicate_and_missing_number_are_row_errors(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text(ROSTER + "20240101,重名,x,y\n,无学号,x,y\n", encoding="utf-8")
    roster = read_roster(str(path))
    assert not roster.broken and len(roster) == 2
    assert [(e.row, "重复" in e.message, "缺少学号" in e.message) for e in roster.errors] == [
        (4, True, False), (5, False, True)]
    assert roster.get("20240101").name == "阿依古丽"  # the first one stands
    assert all(e.file == str(path) for e in roster.errors)


@pytest.mark.parametrize("content, words", [
    (b"", "为空"),
    ("学号,班级\n1,a\n".encode(), "缺少表头"),
    ("学号,姓名\n".encode(), "没有学生"),
    (b'\xe5\xad\xa6\xe5\x8f\xb7,"unterminated\n', "CSV"),
])
def test_broken_roster_is_one_error(tmp_path, content, words):
    path = tmp_path / "students.csv"
    path.write_bytes(content)
    roster = read_roster(str(path))
    assert roster.broken and len(roster) == 0
    [error] = roster.errors
    assert words in error.message and str(path) in error.message


def test_missing_file_is_one_error(tmp_path):
    roster = read_roster(str(tmp_path / "nope.csv"))
    assert roster.broken and "无法读取学生名册" in roster.errors[0].message
