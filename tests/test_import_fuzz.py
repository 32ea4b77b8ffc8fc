"""Hypothesis fuzz of the importers: well over 1,000 generated malformed files (mutated
samples, corrupt XLSX packages, tables made of tricky cells in several encodings).

Whatever the file, an import run either returns Beancount text that parses and
balances, or refuses with Chinese lines naming the file (`run.Refused`) and produces
nothing — never another exception, and never an entry from a refused file.
"""
import atexit
import csv
import io
import itertools
import pathlib
import shutil
import tempfile

from beancount.core import data
from beancount.parser import parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import config as config_lib
from importers import headers, run

DATA = pathlib.Path(__file__).resolve().parent / "data" / "import"
LEDGER_DIR = DATA / "ledger"
GOOD = DATA / "农商银行-2024-03-utf8.csv"
CSV_SAMPLES = [p.read_bytes() for p in sorted(DATA.glob("*.csv"))]
XLSX_SAMPLES = [p.read_bytes() for p in sorted(DATA.glob("*.xlsx"))]
WORKDIR = pathlib.Path(tempfile.mkdtemp(prefix="shixun-fuzz-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
COUNTER = itertools.count()
IMPORTERS = run.make_importers(config_lib.load_config(LEDGER_DIR / "import.toml"),
                               str(LEDGER_DIR / "students.csv"))
def fuzz(examples):
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])



SEEN = {"refused": 0, "accepted": 0}


def check(content: bytes, suffix: str):
    """The property, for one file alone and for the file after a good statement."""
    path = WORKDIR / f"f{next(COUNTER)}{suffix}"
    path.write_bytes(content)
    try:
        text, summary = run.extract([str(path)], [], IMPORTERS)
    except run.Refused as refusal:
        SEEN["refused"] += 1
        lines = refusal.lines()
        assert lines and all(str(path) in line and "\n" not in line for line in lines)
        # The same file after a good one: the run is refused whole, nothing comes out.
        try:
            run.extract([str(GOOD), str(path)], [], IMPORTERS)
        except run.Refused:
            pass
        else:
            raise AssertionError("a refused file did not refuse the run")
        return
    SEEN["accepted"] += 1
    entries, errors, _ = parser.parse_string(text)
    assert not errors, (text, errors)
    assert len([e for e in entries if not isinstance(e, data.Balance)]) == summary["entries"] - \
        len([e for e in entries if isinstance(e, data.Balance)])
    for entry in entries:
        if isinstance(entry, data.Transaction):
            assert sum(p.units.number for p in entry.postings) == 0
            assert all(p.units.number != 0 for p in entry.postings)


@st.composite
def mutated(draw, samples):
    content = bytearray(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "delete", "insert", "flip", "dupline", "zero"]))
        size = len(content)
        pos = draw(st.integers(0, max(size - 1, 0)))
        if op == "truncate":
            content = content[:pos]
        elif op == "delete":
            del content[pos:pos + draw(st.integers(1, 64))]
        elif op == "insert":
            content[pos:pos] = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(
                [b",", b"\n", b'"', b"\r\n", "合计".encode(), b"\xef\xbb\xbf", b"\x00", "，".encode()]))
        elif op == "flip" and size:
            content[pos] = draw(st.integers(0, 255))
        elif op == "dupline":
            lines = bytes(content).split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
            content = bytearray(b"\n".join(lines))
        elif op == "zero":
            content[pos:pos + 8] = b"\x00" * 8
    return bytes(content)


CELLS = st.sampled_from([
    "", " ", "-", "--", "0", "0.00", "1,234.56", "-1,234.56", "(12.00)", "1.005", "abc", "NaN",
    "1e5", "99999999999999999", "¥100", "100元", "１００", "2024-02-30", "2024-03-05",
    "2024/3/5", "20240305", "2024年3月5日", "1899-01-01", "10:11:12", "借", "贷", "收入", "支出",
    "人民币", "美元", "合计", "共3笔", "20240101", "20249999", "阿依古丽", "王芳", "25", "-1",
    "4小时", "24", "12", "=\"6217000000001111\"", "\t880101200000123456", '"', "\\", "\x00",
    "农产品精深加工", "电子商务", "NS1", "NS1", "H0", "账号:880101200000123456",
]) | st.text(max_size=12)

BANK_NAMES = sorted({n for names in headers.BANK.values() for n in names})
HOUR_NAMES = sorted({n for names in headers.WORK_HOURS.values() for n in names})


STUDENTS = [("20240101", "阿依古丽"), ("20240102", "李明"), ("20240103", "王芳"),
            ("20240104", "张伟")]


def bank_cell(draw, field, index):
    day = f"2024-03-{index % 28 + 1:02d}"
    value = {
        "date": day, "time": f"{index % 24:02d}:00:00", "summary": draw(st.sampled_from(
            ["货款", "手续费", "购原材料", "转账", "场地租金"])),
        "counterparty": draw(st.sampled_from(["昌吉州天山食品有限公司", "", "某单位"])),
        "counterparty_account": "6217000000001111", "debit": draw(st.sampled_from(["", "100.00"])),
        "credit": draw(st.sampled_from(["", "1,000.00"])), "amount": draw(st.sampled_from(
            ["-100.00", "1,000.00", "5"])), "balance": f"{1000 + index}.00",
        "serial": f"S{index}", "direction": draw(st.sampled_from(["借", "贷", ""])),
    }.get(field, "")
    return value


def hours_cell(draw, field, index):
    number, name = STUDENTS[index % len(STUDENTS)]
    return {"student": number, "name": name, "date": f"2024-03-{index % 28 + 1:02d}",
            "hours": draw(st.sampled_from(["4", "7.5", "0", "12"])),
            "base": draw(st.sampled_from(["农产品精深加工", "电子商务", ""]))}.get(field, "")


@st.composite
def tables(draw):
    """A plausible statement or sheet (a header of known columns, rows of right-looking
    values), some cells replaced by tricky ones; or cells thrown together."""
    bank = draw(st.booleans())
    synonyms, cell = (headers.BANK, bank_cell) if bank else (headers.WORK_HOURS, hours_cell)
    if draw(st.integers(0, 3)) == 0:
        names = BANK_NAMES if bank else HOUR_NAMES
        header = draw(st.lists(st.sampled_from(names) | CELLS, min_size=1, max_size=9))
        fields = [None] * len(header)
    else:
        if bank:
            required = ["date"] + draw(st.sampled_from([["amount"], ["debit", "credit"]]))
        else:
            required = ["student", "date", "hours"]
        extra = draw(st.lists(st.sampled_from(sorted(synonyms)), max_size=6, unique=True))
        fields = draw(st.permutations(required + [f for f in extra if f not in required]))
        header = [draw(st.sampled_from(synonyms[f])) for f in fields]
    width = len(header)
    preamble = draw(st.lists(st.lists(CELLS, max_size=3), max_size=3))
    body = [[cell(draw, f, index) for f in fields] for index in range(draw(st.integers(0, 8)))]
    for _ in range(draw(st.integers(0, 3)) if body else 0):
        row = body[draw(st.integers(0, len(body) - 1))]
        if row:
            row[draw(st.integers(0, len(row) - 1))] = draw(CELLS)
    if body and draw(st.integers(0, 4)) == 0:
        body[-1] = body[-1][:draw(st.integers(0, width))]
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(
        preamble + [header] + body)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text.encode(encoding, errors="replace")


@fuzz(450)
@given(mutated(CSV_SAMPLES))
def test_fuzz_mutated_csv(content):
    check(content, ".csv")


@fuzz(150)
@given(mutated(XLSX_SAMPLES))
def test_fuzz_mutated_xlsx(content):
    check(content, ".xlsx")


@fuzz(500)
@given(tables())
def test_fuzz_generated_tables(content):
    check(content, ".csv")


def test_fuzz_saw_both_outcomes():
    """The fuzz above ran ≥ 1,000 files and exercised refusals and acceptances."""
    if sum(SEEN.values()) < 1000:
        import pytest

        pytest.skip("run with the fuzz tests above")
    assert SEEN["refused"] > 100 and SEEN["accepted"] > 10
