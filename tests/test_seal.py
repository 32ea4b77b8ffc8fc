"""plugins.seal and `shixun seal`: sealing, verification, mutation detection, refusals."""
import datetime
import pathlib
import re
import shutil

import pytest
from beancount.core import data
from beancount.parser.grammar import ValueType

from plugins.common import generated_meta
from plugins.seal import canonical, seal_year, sealable, year_digests
from scripts.cli import main
from scripts.cmd_seal import seal_ledger
from scripts.common import UserError, load
from tests.conftest import load_ledger, messages

DATA = pathlib.Path(__file__).parent / "data" / "audit" / "seal"


@pytest.fixture
def sealed(tmp_path):
    """A copy of the seal test ledger with 2024 sealed."""
    target = tmp_path / "ledger"
    shutil.copytree(DATA, target)
    seal_ledger(str(target / "main.beancount"), 2024)
    return target


def seal_errors(main_file):
    _, errors, _ = load(str(main_file))
    return messages(errors, "封账")


def test_seal_appends_entry_and_ledger_stays_clean(sealed):
    text = (sealed / "main.beancount").read_text(encoding="utf-8")
    match = re.search(r'^(\d{4}-\d\d-\d\d) custom "seal" "2024" "([0-9a-f]{64})"$', text, re.M)
    assert match, text
    assert match.group(1) == "2025-01-06"  # the ledger's own last date, not the clock
    assert "  entries: 20\n" in text
    entries, errors, _ = load(str(sealed / "main.beancount"))
    assert errors == []


def test_reorder_whitespace_comments_and_open_year_changes_not_flagged(sealed):
    main_file = sealed / "main.beancount"
    text = main_file.read_text(encoding="utf-8")
    # Swap include order, move one file's entries into another, reformat whitespace.
    text = text.replace('include "2024a.beancount"\ninclude "2024b.beancount"',
                        'include "2024b.beancount"\ninclude "2024a.beancount"')
    main_file.write_text(text, encoding="utf-8")
    a = (sealed / "2024a.beancount").read_text(encoding="utf-8")
    b = (sealed / "2024b.beancount").read_text(encoding="utf-8")
    b = re.sub(r" {3,}", "      ", b)  # different alignment
    (sealed / "2024a.beancount").write_text("; 重新排版\n\n\n" + b + "\n", encoding="utf-8")
    (sealed / "2024b.beancount").write_text(a.replace("\n\n", "\n\n; 注释\n\n"), encoding="utf-8")
    with open(sealed / "2025.beancount", "a", encoding="utf-8") as out:  # the open year may change
        out.write('\n2025-02-03 * "办公用品商店" "购买文具"\n  voucher: "记-2025-02-0001"\n'
                  "  Expenses:5602-管理费用:560202-办公费  100.00 CNY\n"
                  "  Assets:1001-库存现金  -100.00 CNY\n")
    assert seal_errors(main_file) == []


def _mask_strings(line):
    return re.sub(r'"[^"]*"', lambda m: "#" * len(m.group()), line)


def _block(lines, start):
    """Indices of the lines of the entry starting at index `start`."""
    end = start + 1
    while end < len(lines) and lines[end].startswith((" ", "\t")) and lines[end].strip():
        end += 1
    return list(range(start, end))


def _mutations(lines, start, accounts, year):
    """Every single-field change of the entry whose header is lines[start]."""
    block = _block(lines, start)
    header = lines[start]
    date = datetime.date.fromisoformat(header[:10])
    other = date + datetime.timedelta(days=1)
    if other.year != year:
        other = date - datetime.timedelta(days=1)
    yield "date", {start: other.isoformat() + header[10:]}
    if re.match(r"^\S+ [*!] ", header):
        flag = header[11]
        yield "flag", {start: header[:11] + ("!" if flag == "*" else "*") + header[12:]}
        yield "tag", {start: header + " #added"}
    for index in block:
        line = lines[index]
        if line.lstrip().startswith(";"):
            continue
        for match in re.finditer(r'"[^"]*"', line):
            changed = line[:match.end() - 1] + "改" + line[match.end() - 1:]
            yield f"string {match.group()}", {index: changed}
        masked = _mask_strings(line)
        for match in re.finditer(r"(?<![\w.:-])-?\d+(?:\.\d+)?(?![\w.-])", masked):
            number = match.group()
            bumped = str(abs(float(number)) + 1) if "." in number else str(int(number) + 1)
            if number.startswith("-"):
                bumped = "-" + bumped
            yield f"number {number}", {index: line[:match.start()] + bumped + line[match.end():]}
        for match in re.finditer(r"\b(?:Assets|Liabilities|Equity|Income|Expenses):\S+", masked):
            account = line[match.start():match.end()]
            replacement = next(a for a in accounts if a != account and a.split(":")[0] == account.split(":")[0]) \
                if sum(a.split(":")[0] == account.split(":")[0] for a in accounts) > 1 \
                else next(a for a in accounts if a != account)
            yield f"account {account}", {index: line[:match.start()] + replacement + line[match.end():]}
        for match in re.finditer(r"\b(TRUE|FALSE)\b", masked):
            flipped = "FALSE" if match.group() == "TRUE" else "TRUE"
            yield "bool", {index: line[:match.start()] + flipped + line[match.end():]}
        meta = re.match(r"^(\s+)([a-z][\w-]*):\s", line)
        if meta:
            yield f"meta key {meta.group(2)}", {index: line.replace(f"{meta.group(2)}:", f"{meta.group(2)}x:", 1)}
    yield "removed", {i: "" for i in block}


def test_mutation_every_field_of_every_sealed_entry_is_detected(sealed):
    entries, errors, _ = load(str(sealed / "main.beancount"))
    assert errors == []
    accounts = sorted(e.account for e in entries if isinstance(e, data.Open))
    targets = [e for e in entries if e.date.year == 2024 and sealable(e)]
    assert len(targets) == 20
    total, missed, kinds = 0, [], set()
    for entry in targets:
        path = pathlib.Path(entry.meta["filename"])
        original = path.read_text(encoding="utf-8")
        lines = original.split("\n")
        start = entry.meta["lineno"] - 1
        for kind, changes in _mutations(lines, start, accounts, 2024):
            mutated = [changes.get(i, line) for i, line in enumerate(lines)]
            assert mutated != lines, kind
            path.write_text("\n".join(mutated), encoding="utf-8")
            try:
                found = seal_errors(sealed / "main.beancount")
            finally:
                path.write_text(original, encoding="utf-8")
            total += 1
            kinds.add(kind.split()[0])
            if not any("封账被破坏" in m for m in found):
                missed.append((path.name, entry.meta["lineno"], kind))
    assert missed == [], f"{len(missed)} of {total} mutations not detected: {missed}"
    assert total > 100
    assert {"date", "flag", "tag", "string", "number", "account", "bool", "meta", "removed"} <= kinds


def test_added_entry_in_sealed_year_is_named_where_it_is(sealed):
    with open(sealed / "2025.beancount", "a", encoding="utf-8") as out:
        out.write('\n2024-05-06 * "某公司" "补记的支出"\n'
                  "  Expenses:5602-管理费用:560202-办公费  100.00 CNY\n"
                  "  Assets:1001-库存现金  -100.00 CNY\n")
    _, errors, _ = load(str(sealed / "main.beancount"))
    [error] = [e for e in errors if e.message.startswith("[封账]")]
    assert "封账被破坏" in error.message and ('新增 2024-05-06 (无凭证号): 「2024-05-06 * "某公司" "补记的支出" | 5602-管理费用:560202-办公费 100.00 CNY'
                                               ' | 1001-库存现金 -100.00 CNY」') in error.message
    assert "会计基础工作规范 第五十一条" in error.message
    assert error.source["filename"].endswith("2025.beancount")  # the error sits at the record itself


def test_audit_seal_status_shows_a_seal_broken_at_its_records(sealed):
    """The audit page's 封账状态: a seal whose record list names the changed records
    (errors at the records, not at the seal) is still shown as broken, with them."""
    from reports.audit import seal_register

    entries, errors, _ = load(str(sealed / "main.beancount"))
    assert [r["problems"] for r in seal_register(entries, errors, [2024, 2025])] == [[], []]
    with open(sealed / "2025.beancount", "a", encoding="utf-8") as out:
        out.write('\n2024-05-06 * "某公司" "补记的支出"\n'
                  "  Expenses:5602-管理费用:560202-办公费  100.00 CNY\n"
                  "  Assets:1001-库存现金  -100.00 CNY\n")
    entries, errors, _ = load(str(sealed / "main.beancount"))
    rows = seal_register(entries, errors, [2024, 2025])
    assert [(r["year"], r["sealed"], len(r["problems"])) for r in rows] == [(2024, True, 1), (2025, False, 0)]
    assert "新增 2024-05-06 (无凭证号)" in rows[0]["problems"][0]


def test_edited_and_deleted_records_are_named_with_date_voucher_and_line(sealed):
    path = sealed / "2024b.beancount"
    text = path.read_text(encoding="utf-8")
    text = text.replace("购买办公用品", "购买办公用品及耗材")
    text = text.replace('2024-07-01 event "manager" "职业经理人 张三"\n', "")
    path.write_text(text, encoding="utf-8")
    found = seal_errors(sealed / "main.beancount")
    assert len(found) == 2
    assert ('修改 2024-03-04 记-2024-03-0001: 现为「2024-03-04 * "办公用品商店" "购买办公用品及耗材" ^INV-0301」, '
            '封账时为「2024-03-04 * "办公用品商店" "购买办公用品" ^INV-0301」 (封账时位于 2024b.beancount:1)') in found[0]
    assert '删除 2024-07-01 (无凭证号): 「2024-07-01 event "manager" "职业经理人 张三"」 (封账时位于 2024b.beancount:' in found[1]


def test_alone_and_inside_plugins_all_the_same_seal_errors(sealed):
    """Inside plugins.all the earlier families' entries (P1's accrual of the 2024 sale)
    reach the seal after the pass, alone they are not there: neither changes its result."""
    with open(sealed / "2025.beancount", "a", encoding="utf-8") as out:
        out.write('\n2024-05-06 * "某公司" "补记的支出"\n'
                  "  Expenses:5602-管理费用:560202-办公费  100.00 CNY\n"
                  "  Assets:1001-库存现金  -100.00 CNY\n")
    path = sealed / "2024b.beancount"
    path.write_text(path.read_text(encoding="utf-8").replace('2024-07-01 event "manager" "职业经理人 张三"\n', ""),
                    encoding="utf-8")
    with open(sealed / "accounts.beancount", "a", encoding="utf-8") as out:  # P1 books to them (before 2024)
        out.write("\n2023-01-01 open Expenses:5401-主营业务成本:540101-学生劳动报酬 CNY\n"
                  "2023-01-01 open Liabilities:2241-其他应付款:224101-学生劳动报酬 CNY\n")
    main_file = sealed / "main.beancount"
    results = []
    for line in ('plugin "plugins.seal"', 'plugin "plugins.all"'):
        main_file.write_text(re.sub(r'^plugin "plugins\.\w+"$', line, main_file.read_text(encoding="utf-8"),
                                    flags=re.M), encoding="utf-8")
        entries, errors, _ = load(str(main_file))
        results.append([(pathlib.Path(e.source["filename"]).name, e.source["lineno"], e.message)
                        for e in errors if e.message.startswith("[封账]")])
    assert any(e.date.year == 2024 and "generated" in e.meta for e in entries)  # plugins.all's accrual
    assert results[0] == results[1]
    assert [(name, "新增" in m, "删除" in m) for name, _, m in results[0]] == [
        ("2025.beancount", True, False), ("main.beancount", False, True)]


def test_an_edited_amount_says_which_line_changed(sealed):
    path = sealed / "2024b.beancount"
    path.write_text(path.read_text(encoding="utf-8").replace("380.50 CNY", "390.50 CNY")
                    .replace("-380.50 CNY", "-390.50 CNY"), encoding="utf-8")
    [message] = seal_errors(sealed / "main.beancount")
    assert "修改 2024-03-04 记-2024-03-0001: 现为「5602-管理费用:560202-办公费 390.50 CNY" in message
    assert "封账时为「5602-管理费用:560202-办公费 380.50 CNY" in message


def test_a_tampered_record_list_falls_back_to_months(sealed):
    listing = sealed / "seal-2024.records.tsv"
    listing.write_text(listing.read_text(encoding="utf-8").replace("购买办公用品", "购买"), encoding="utf-8")
    (sealed / "2024b.beancount").write_text(
        (sealed / "2024b.beancount").read_text(encoding="utf-8").replace("购买办公用品", "购买办公用品及耗材"),
        encoding="utf-8")
    [message] = seal_errors(sealed / "main.beancount")
    assert "封账记录清单 seal-2024.records.tsv 与封账时不一致 (已被改动)" in message
    assert "2024-03 有记录被修改 (封账时 3 条, 现 3 条)" in message


def test_a_seal_without_record_list_names_the_months(sealed):
    main_file = sealed / "main.beancount"
    main_file.write_text(re.sub(r'  records.*\n', "", main_file.read_text(encoding="utf-8")), encoding="utf-8")
    (sealed / "2024b.beancount").write_text(
        (sealed / "2024b.beancount").read_text(encoding="utf-8").replace('2024-07-01 event "manager" "职业经理人 张三"\n', ""),
        encoding="utf-8")
    [message] = seal_errors(main_file)
    assert "2024-07 删除 1 条 (封账时 1 条, 现 0 条)" in message and "2024-01" not in message


def test_generated_entries_and_seals_are_outside_the_hash():
    entries, errors, _ = load(str(DATA / "main.beancount"))
    before = year_digests(entries, [2024])[2024]
    source = next(e for e in entries if isinstance(e, data.Transaction))
    extra = data.Transaction(generated_meta(source, "work_study"), datetime.date(2024, 2, 6), "*", None,
                             "计提学生劳动报酬", frozenset(), frozenset(), [])
    seal_entry = data.Custom(data.new_metadata("x", 1), datetime.date(2024, 5, 1), "seal",
                             [ValueType("2023", str), ValueType("0" * 64, str)])
    after = year_digests(sorted(entries + [extra, seal_entry], key=data.entry_sortkey), [2024])[2024]
    assert after == before
    # …but filename/lineno never matter, any other metadata does.
    moved = source._replace(meta={**source.meta, "filename": "/elsewhere.beancount", "lineno": 999})
    assert canonical(moved) == canonical(source)
    tagged = source._replace(meta={**source.meta, "reviewed": "张三"})
    assert canonical(tagged) != canonical(source)


def test_malformed_duplicate_and_early_seals_are_errors():
    digest = "a" * 64
    _, errors, _ = load_ledger(f"""
        plugin "plugins.seal"
        2024-01-01 open Assets:1001-库存现金 CNY
        2025-01-02 custom "seal" "2024" "{digest}"
        2025-01-03 custom "seal" "2024" "{digest}"
        2024-06-01 custom "seal" "2024" "{digest}"
        2025-01-04 custom "seal" "24" "{digest}"
        2025-01-05 custom "seal" "2023" "not-a-hash"
    """)
    found = messages(errors, "封账")
    assert any("重复封账" in m for m in found)
    assert any("不在年度结束之后" in m for m in found)
    assert any("四位年份" in m for m in found)
    assert any("哈希值无效" in m for m in found)
    assert any("2024 年度已于 2025-01-02 封账" in m and "封账被破坏" in m for m in found)


def test_seal_year_parses_values():
    entry = data.Custom({}, datetime.date(2025, 1, 1), "seal",
                        [ValueType("2024", str), ValueType("b" * 64, str)])
    assert seal_year(entry) == (2024, "b" * 64)


# ---- CLI -------------------------------------------------------------------

def test_cli_seal_then_refuse_twice(tmp_path, capsys):
    target = tmp_path / "l"
    shutil.copytree(DATA, target)
    main_file = str(target / "main.beancount")
    assert main(["seal", "--year", "2024", main_file]) == 0
    out = capsys.readouterr().out
    assert "已封账: 2024 年度 20 条记录" in out
    before = (target / "main.beancount").read_bytes()
    assert main(["seal", "--year", "2024", main_file]) == 2
    assert "不能重复封账" in capsys.readouterr().err
    assert (target / "main.beancount").read_bytes() == before


def test_cli_refuses_a_year_not_over(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-06")
    target = tmp_path / "l"
    shutil.copytree(DATA, target)
    before = (target / "main.beancount").read_bytes()
    assert main(["seal", "--year", "2025", str(target / "main.beancount")]) == 2
    assert "2025 年度尚未结束" in capsys.readouterr().err
    assert main(["seal", "--year", "2023", str(target / "main.beancount")]) == 2
    assert "没有会计记录" in capsys.readouterr().err
    assert (target / "main.beancount").read_bytes() == before


def test_cli_refuses_an_error_of_the_year_itself(tmp_path, capsys):
    target = tmp_path / "l"
    shutil.copytree(DATA, target)
    with open(target / "2024b.beancount", "a", encoding="utf-8") as out:
        out.write('\n2024-12-30 * "y" "不平衡"\n  Expenses:5602-管理费用:560202-办公费  100.00 CNY\n'
                  "  Assets:1001-库存现金  -90.00 CNY\n")
    before = (target / "main.beancount").read_bytes()
    assert main(["seal", "--year", "2024", str(target / "main.beancount")]) == 2
    err = capsys.readouterr().err
    assert "涉及 2024 年度或以前的错误, 不能封账" in err and "2024b.beancount:" in err
    assert (target / "main.beancount").read_bytes() == before
    assert not (target / "seal-2024.records.tsv").exists()


def test_cli_refuses_only_errors_of_the_year_or_earlier_and_lists_them(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2026-01-05")
    target = tmp_path / "l"
    shutil.copytree(DATA, target)
    with open(target / "2025.beancount", "a", encoding="utf-8") as out:
        out.write('\n2025-02-03 * "x" "不平衡"\n  Expenses:5602-管理费用:560202-办公费  100.00 CNY\n'
                  "  Assets:1001-库存现金  -90.00 CNY\n")
    before = (target / "main.beancount").read_bytes()
    assert main(["seal", "--year", "2025", str(target / "main.beancount")]) == 2
    err = capsys.readouterr().err
    assert "1 个涉及 2025 年度或以前的错误, 不能封账" in err and "2025.beancount:" in err
    assert (target / "main.beancount").read_bytes() == before
    assert main(["seal", "--year", "2024", str(target / "main.beancount")]) == 0


def test_cli_seal_date_option_and_missing_ledger(tmp_path, capsys):
    target = tmp_path / "l"
    shutil.copytree(DATA, target)
    main_file = str(target / "main.beancount")
    assert main(["seal", "--year", "2024", "--date", "2024-12-31", main_file]) == 2
    assert "须在 2024-12-31 之后" in capsys.readouterr().err
    assert main(["seal", "--year", "2024", "--date", "2025-01-02", main_file]) == 0
    assert '2025-01-02 custom "seal" "2024"' in (target / "main.beancount").read_text(encoding="utf-8")
    assert main(["seal", "--year", "2024", str(tmp_path / "nope.beancount")]) == 2
    with pytest.raises(UserError):
        seal_ledger(str(tmp_path / "nope.beancount"), 2024)


def test_the_year_is_over_on_the_date_of_judgement(tmp_path, capsys, monkeypatch):
    target = tmp_path / "l"
    shutil.copytree(DATA, target)
    (target / "2025.beancount").write_text('2025-06-01 custom "policy" "cash-limit" 2000\n', encoding="utf-8")
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-12-31")
    assert main(["seal", "--year", "2024", str(target / "main.beancount")]) == 2
    assert "2024 年度尚未结束: 判断日期 2024-12-31 (指定)" in capsys.readouterr().err
    monkeypatch.setenv("SHIXUN_AS_OF", "2025-01-03")  # the books end on 12-31: the seal is dated as-of
    assert main(["seal", "--year", "2024", str(target / "main.beancount")]) == 0
    assert '2025-01-03 custom "seal" "2024"' in (target / "main.beancount").read_text(encoding="utf-8")
