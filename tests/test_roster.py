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


# Every problem of a row names that row (the header is row 1); 0 only for the file as a whole.
UTF8_ROWS = "学号,姓名,班级,基地\n1,甲,a,电商\n"


@pytest.mark.parametrize("content, row, words", [
    (UTF8_ROWS.encode() + "2,乙,a,电商\n".encode("gbk") + "3,丙,a,电商\n".encode(), 3,
     "第 3 行不是 UTF-8 编码, 而前面各行是"),
    ("学号,班级\n1,a\n".encode(), 1, "缺少表头: 第 1 行缺少 姓名 列"),
    ("2024 年学生名册\n\n学号,基地\n1,a\n".encode("gbk"), 3, "缺少表头: 第 3 行缺少 姓名 列"),
    (b"a,b,c\n1,2,3\n", 1, "缺少表头: 第 1 行是 “a,b,c”"),
    ("\n学号,姓名\n".encode(), 2, "第 2 行表头之后没有学生"),
    ("学号,姓名\n1,\"甲\n".encode(), 2, "第 2 行 CSV 格式错误"),
    (b"id,name\n" + bytes(range(256)) * 4, 3, "无法识别编码 (第 3 行起)"),
    (b"", 0, "为空"),
], ids=["gbk-row-in-utf8", "header-lacks-name", "header-below-title", "no-header", "header-only",
        "open-quote", "undecodable", "empty"])
def test_a_broken_roster_names_its_row(tmp_path, content, row, words):
    path = tmp_path / "students.csv"
    path.write_bytes(content)
    roster = read_roster(str(path))
    [error] = roster.errors
    assert roster.broken and (error.row, words in error.message) == (row, True), error


def test_a_duplicate_names_both_rows(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text(UTF8_ROWS + "2,乙,a,电商\n1,丙,a,电商\n", encoding="utf-8")
    [error] = read_roster(str(path)).errors
    assert error.row == 4 and "第 4 行学号 1 重复 (第 2 行已有)" in error.message


def test_a_folder_is_not_a_roster(tmp_path):
    [error] = read_roster(str(tmp_path)).errors
    assert f"学生名册 {tmp_path} 是一个文件夹, 不是文件" in error.message
    assert f"{tmp_path / 'students.csv'}" in error.message


def test_check_points_at_the_roster_row(tmp_path, capsys):
    from scripts.cli import main

    (tmp_path / "main.beancount").write_text('plugin "plugins.all"\n2024-01-01 open Assets:1001-库存现金 CNY\n',
                                             encoding="utf-8")
    (tmp_path / "students.csv").write_text("学号,班级\n1,a\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "main.beancount"), "--as-of", "2024-06-30"]) == 1
    assert f"{tmp_path / 'students.csv'}:1: [P1] 学生名册" in capsys.readouterr().out
