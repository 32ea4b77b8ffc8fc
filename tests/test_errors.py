"""plugins/errors.py: every error of a Beancount 3.2.3 load in Chinese, and its cascades grouped.

Each test writes a small ledger to tmp_path, loads it as `shixun` does and reads what the
accountant would read; `test_every_message_class_of_beancount_is_translated` reads
Beancount's own sources, so a message class added by an upgrade fails here first.
"""
import ast
import pathlib
import re
import textwrap

import beancount
import pytest
from beancount import loader

from plugins.errors import Problem, group, translate

BEANCOUNT = pathlib.Path(beancount.__file__).parent
SOURCES = ["loader.py", "parser/grammar.py", "parser/booking.py", "parser/booking_full.py",
           "parser/booking_method.py", "ops/balance.py", "ops/pad.py", "ops/documents.py", "ops/validation.py"]
BUILTIN = {"ValueError", "AssertionError", "KeyError", "TypeError", "RuntimeError", "NotImplementedError"}
FALLBACK = "系统未能译出"

HEAD = """\
option "operating_currency" "CNY"
2024-01-01 open Assets:1001-库存现金 CNY
2024-01-01 open Assets:1002-银行存款 CNY
2024-01-01 open Income:5001-主营业务收入 CNY
2024-01-01 open Expenses:5602-管理费用 CNY
"""


def _template(node):
    """The message text of a call argument: a literal, "…".format(…), a sum or an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _template(node.func.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def beancount_messages():
    """Every message template Beancount's load builds an error with (file, template)."""
    found = []
    for name in SOURCES:
        for node in ast.walk(ast.parse((BEANCOUNT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if func.endswith("Error") and func not in BUILTIN and len(node.args) >= 2:
                    text = _template(node.args[1])
                    if text is not None:
                        found.append((name, text))
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "message" for t in node.targets):
                if (text := _template(node.value)) is not None:
                    found.append((name, text))
    options = ast.parse((BEANCOUNT / "parser/options.py").read_text(encoding="utf-8"))
    for node in ast.walk(options):  # DeprecatedError's message is the option's `deprecated=` text
        if isinstance(node, ast.keyword) and node.arg == "deprecated" and (text := _template(node.value)):
            found.append(("parser/options.py", text))
    return found


MESSAGES = beancount_messages()
# English a user must never read: the words each Beancount message starts with.
ENGLISH = sorted({" ".join(re.sub(r"[{}'\"]", "", t).split()[:2]) for _, t in MESSAGES
                  if len(re.sub(r"[{}'\"]", "", t).split()) >= 2} | {"Traceback", "Error", "syntax error"})


class Fake:
    def __init__(self, message, filename="/nowhere/main.beancount", lineno=3):
        self.source = {"filename": filename, "lineno": lineno}
        self.message = message
        self.entry = None


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


def load(tmp_path, text, name="main.beancount"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    return path, entries, errors, options


def test_sources_were_read():
    assert len(MESSAGES) > 60  # the parse found Beancount's messages, not nothing


@pytest.mark.parametrize("where,template", MESSAGES, ids=[t[:40] for _, t in MESSAGES])
def test_every_message_class_of_beancount_is_translated(where, template):
    if template == "{} ({}:{})":  # grammar.py: an exception inside the parser's builder
        message = "ValueError: something odd\n (grammar.py:123)"
    else:
        message = template.replace("{}", "Xq1")
    words = translate(Fake(message))
    assert FALLBACK not in words, (where, template, words)
    assert not english_in(words), (template, words)
    assert re.search(r"[\u4e00-\u9fff]", words)


def test_unknown_message_still_gives_chinese():
    words = translate(Fake("Something entirely new happened"))
    assert FALLBACK in words and "Something" not in words


def test_rule_errors_pass_through_unchanged():
    message = "[P1] 勤工俭学收入 1000.00 元应提取学生劳动报酬 200.00 元, 实际提取 0.00 元"
    assert translate(Fake(message)) == message
    assert group([Fake(message)])[0].message == message
    assert group([Fake(message)])[0].clause == "P1"


# One ledger per message class a person can write; the Chinese each must give.
CASES = [
    ("unbalanced", """
        2024-03-01 * "少记一行"
          Assets:1001-库存现金  100.00 CNY
          Income:5001-主营业务收入  -90.00 CNY
        """, "分录借贷不平衡: 借方多于贷方 10.00 CNY"),
    ("duplicate-open", "2024-01-01 open Assets:1001-库存现金 CNY\n", "科目 Assets:1001-库存现金 重复开设"),
    ("duplicate-close", """
        2024-05-01 close Expenses:5602-管理费用
        2024-05-02 close Expenses:5602-管理费用
        """, "重复关闭"),
    ("close-unopened", "2024-05-01 close Assets:1009-其他\n", "关闭了未开设的科目 Assets:1009-其他"),
    ("inactive", """
        2024-05-01 close Expenses:5602-管理费用
        2024-05-02 * "关闭后记账"
          Expenses:5602-管理费用  1.00 CNY
          Assets:1001-库存现金
        """, "尚未开设或已关闭"),
    ("currency", """
        2024-03-01 * "外币"
          Assets:1001-库存现金  1.00 USD
          Income:5001-主营业务收入  -1.00 USD
        """, "不接受币种 USD"),
    ("balance", """
        2024-03-01 balance Assets:1001-库存现金  5.00 CNY
        """, "余额断言不符: Assets:1001-库存现金 2024-03-01 日初应为 5.00 CNY, 账面为 0 CNY, 账面少 5.00 CNY"),
    ("balance-currency", "2024-03-01 balance Assets:1001-库存现金  0 USD\n", "余额断言的币种 USD"),
    ("duplicate-balance", """
        2024-03-01 balance Assets:1001-库存现金  0 CNY
        2024-03-01 balance Assets:1001-库存现金  1 CNY
        """, "两条金额不同的余额断言"),
    ("pad", "2024-03-01 pad Assets:1002-银行存款 Assets:1001-库存现金\n", "pad 补差记录没有用上"),
    ("document", '2024-03-01 document Assets:1001-库存现金 "/nonexistent/scan.pdf"\n',
     "document 指向的文件不存在: /nonexistent/scan.pdf"),
    ("commodity", "2024-01-01 commodity CNY\n2024-01-02 commodity CNY\n", "币种 CNY 重复声明"),
    ("account-name", "2024-01-01 open Assets:银行存款\n", "无效的科目名称 Assets:银行存款"),
    ("bad-day", """
        2024-02-30 * "二月三十日"
          Assets:1001-库存现金  1.00 CNY
          Income:5001-主营业务收入
        """, "日期无效 2024-02-30: 该月没有这一天"),
    ("bad-month", """
        2024-13-01 * "十三月"
          Assets:1001-库存现金  1.00 CNY
          Income:5001-主营业务收入
        """, "日期无效 2024-13-01: 月份应为 1 至 12"),
    ("syntax", """
        2024-03-01 * "两个币种"
          Assets:1001-库存现金  1.00 CNY CNY
          Income:5001-主营业务收入
        """, "语法错误: 此处不应出现币种"),
    ("token", """
        2024-03-01 * "乱码"
          Assets:1001-库存现金  1.00 CNY
          Income:5001-主营业务收入  -1.00 CNY
        2024-03-02 随便写的
        """, "此行有无法识别的内容"),
    ("option", 'option "no-such-option" "x"\n', '没有名为 "no-such-option" 的选项'),
    ("option-value", 'option "booking_method" "XYZ"\n', '选项 "booking_method" 的取值无效'),
    ("pushtag", "pushtag #trip\n", "pushtag #trip 没有对应的 poptag"),
    ("poptag", "poptag #trip\n", "poptag #trip 之前没有对应的 pushtag"),
    ("two-auto", """
        2024-03-01 * "两行都不写金额"
          Assets:1001-库存现金
          Income:5001-主营业务收入
        """, "只能有一个不写金额的分录行"),
    ("meta", """
        2024-03-01 * "凭证号两次"
          voucher: "记-2024-03-0001"
          voucher: "记-2024-03-0002"
          Assets:1001-库存现金  1.00 CNY
          Income:5001-主营业务收入
        """, "元数据 voucher 在同一记录上写了两次"),
    ("strings", """
        2024-03-01 * "甲" "乙" "丙"
          Assets:1001-库存现金  1.00 CNY
          Income:5001-主营业务收入
        """, "交易标题的文字太多"),
    ("plugin", 'plugin "plugins.no_such_family"\n', '无法加载插件 "plugins.no_such_family"'),
]


@pytest.mark.parametrize("name,body,expected", CASES, ids=[c[0] for c in CASES])
def test_each_error_a_person_writes_reads_in_chinese(tmp_path, name, body, expected):
    path, entries, errors, options = load(tmp_path, HEAD + textwrap.dedent(body))
    assert errors, "the ledger should have an error"
    problems = group(errors, entries, options)
    text = "\n".join(line for p in problems for line in p.lines())
    assert expected in text, text
    assert not english_in(text), text
    assert all(p.filename == str(path) and p.lineno for p in problems), text


def test_invalid_date_names_file_and_line(tmp_path):
    path, entries, errors, options = load(tmp_path, HEAD + '2024-04-31 * "四月没有 31 日"\n'
                                          '  Assets:1001-库存现金  1.00 CNY\n  Income:5001-主营业务收入\n')
    [problem] = group(errors, entries, options)
    assert problem.location == f"{path}:6"
    assert problem.message == "日期无效 2024-04-31: 该月没有这一天"


def test_missing_include_names_the_including_file_and_line(tmp_path):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "2024.beancount").write_text('include "2025.beancount"\n', encoding="utf-8")
    path, entries, errors, options = load(tmp_path, HEAD + 'include "books/2024.beancount"\n')
    [problem] = group(errors, entries, options)
    assert problem.location == f"{tmp_path / 'books' / '2024.beancount'}:1"
    assert "include 的文件不存在: 2025.beancount" in problem.message
    assert translate(errors[0], entries, options).endswith(f"(见 {tmp_path / 'books' / '2024.beancount'}:1)")


def test_plugin_that_cannot_load_points_at_its_line(tmp_path):
    path, entries, errors, options = load(tmp_path, HEAD + 'plugin "plugins.typo"\n')
    [problem] = group(errors, entries, options)
    assert problem.location == f"{path}:6" and "Traceback" not in problem.message


def test_file_included_twice_points_at_the_repeat(tmp_path):
    (tmp_path / "a.beancount").write_text("", encoding="utf-8")
    path, entries, errors, options = load(tmp_path, HEAD + 'include "a.beancount"\ninclude "a.beancount"\n')
    [problem] = group(errors, entries, options)
    assert problem.location == f"{path}:7" and "被重复 include" in problem.message


def test_gbk_included_file_is_one_line_with_encoding_and_command(tmp_path):
    body = "".join(f'2024-03-{day:02d} * "现金收入第{day}笔"\n  Assets:1001-库存现金  {day}.00 CNY\n'
                   f"  Income:5001-主营业务收入\n" for day in range(1, 29))
    (tmp_path / "2024.beancount").write_bytes(body.encode("gbk"))
    path, entries, errors, options = load(tmp_path, HEAD + 'include "2024.beancount"\n')
    assert len(errors) > 20  # Beancount's own: one per line it could not read
    [problem] = group(errors, entries, options)
    assert problem.filename == str(tmp_path / "2024.beancount") and problem.lineno == 1
    assert "不是 UTF-8 编码" in problem.message and "GBK" in problem.message
    assert "iconv -f GBK -t UTF-8 2024.beancount" in problem.message
    assert not english_in(problem.message)


def test_gbk_main_file_too(tmp_path):
    path = tmp_path / "main.beancount"
    path.write_bytes((HEAD + '2024-03-01 * "收款"\n  Assets:1001-库存现金  1.00 CNY\n'
                      "  Income:5001-主营业务收入\n").encode("gbk"))
    entries, errors, options = loader.load_file(str(path))
    [problem] = group(errors, entries, options)
    assert "main.beancount 不是 UTF-8 编码" in problem.message and problem.lineno == 2


def test_unknown_account_suggests_the_opened_one(tmp_path):
    _, entries, errors, options = load(tmp_path, HEAD + '2024-03-01 * "错字"\n  Assets:1001-库存现金  1.00 CNY\n'
                                       "  Income:5001-主营业务收人  -1.00 CNY\n")
    [problem] = group(errors, entries, options)
    assert problem.message == ("科目 Income:5001-主营业务收人 未开设 (没有 open 记录); "
                               "您是否要写 Income:5001-主营业务收入 ?")


def test_full_width_colon_is_named(tmp_path):
    _, entries, errors, options = load(tmp_path, HEAD + '2024-03-01 * "全角冒号"\n  Assets：1001-库存现金  1.00 CNY\n'
                                       "  Income:5001-主营业务收入  -1.00 CNY\n")
    text = " ".join(p.message for p in group(errors, entries, options))
    assert "全角冒号「：」" in text and "您是否要写 Assets:1001-库存现金" in text


def test_account_name_without_its_code_suggests_the_opened_one(tmp_path):
    _, entries, errors, options = load(tmp_path, HEAD + '2024-03-01 * "漏写代码"\n  Assets:银行存款  1.00 CNY\n'
                                       "  Income:5001-主营业务收入  -1.00 CNY\n")
    messages = [p.message for p in group(errors, entries, options)]
    assert any(m.startswith("无效的科目名称 Assets:银行存款") and "您是否要写 Assets:1002-银行存款" in m
               for m in messages), messages


def test_full_width_colon_inside_a_name_is_named_where_beancount_rejects_it(tmp_path):
    _, entries, errors, options = load(tmp_path, HEAD + '2024-03-01 * "全角冒号"\n'
                                       "  Assets:1002-银行存款：100201-基本户  1.00 CNY\n"
                                       "  Income:5001-主营业务收入  -1.00 CNY\n")
    messages = [p.message for p in group(errors, entries, options)]
    assert messages and all("全角冒号「：」" in m for m in messages), messages


def test_full_width_space_is_named(tmp_path):
    _, entries, errors, options = load(tmp_path, HEAD + '2024-03-01 * "全角空格"\n'
                                       "  Assets:1001-库存\u3000现金  1.00 CNY\n"
                                       "  Income:5001-主营业务收入  -1.00 CNY\n")
    [problem] = group(errors, entries, options)
    assert "全角空格" in problem.message and "您是否要写 Assets:1001-库存现金" in problem.message


def test_full_width_space_before_the_amount_is_named(tmp_path):
    _, entries, errors, options = load(tmp_path, HEAD + '2024-03-01 * "全角空格"\n'
                                       "  Assets:1001-库存现金\u3000100.00 CNY\n"
                                       "  Income:5001-主营业务收入  -100.00 CNY\n")
    assert any("全角空格" in p.message for p in group(errors, entries, options))


def test_one_typo_in_many_references_is_one_problem(tmp_path):
    body = "".join(f'2024-03-{d:02d} * "x"\n  Assets:1001-库存现金  1.00 CNY\n  Income:5001-主营业务收人  -1.00 CNY\n'
                   for d in range(1, 6))
    _, entries, errors, options = load(tmp_path, HEAD + body)
    assert len(errors) == 5
    [problem] = group(errors, entries, options)
    assert len(problem.consequences) == 4


def monthly_ledger(change_month=None, delta="0.00", unbalanced=False):
    """A cash book with a sale on the 10th and a balance assertion on the 1st of each month
    2024-02 … 2026-01 (24 assertions). `change_month` changes that month's sale by `delta`
    on the cash line (and on the income line too unless `unbalanced`)."""
    lines, cash = [HEAD], 0
    for index in range(24):
        year, month = 2024 + (index // 12), index % 12 + 1
        amount = 100 + index
        cash_amount = amount + (float(delta) if index == change_month else 0)
        income = amount + (float(delta) if index == change_month and not unbalanced else 0)
        lines.append(f'{year}-{month:02d}-10 * "销售"\n  Assets:1001-库存现金  {cash_amount:.2f} CNY\n'
                     f"  Income:5001-主营业务收入  -{income:.2f} CNY\n")
        cash += amount
        ny, nm = (year, month + 1) if month < 12 else (year + 1, 1)
        lines.append(f"{ny}-{nm:02d}-01 balance Assets:1001-库存现金  {cash:.2f} CNY\n")
    return "".join(lines)


def test_one_changed_amount_gives_one_problem_not_23(tmp_path):
    _, entries, errors, options = load(tmp_path, monthly_ledger(change_month=1, delta="50.00"))
    failures = [e for e in errors if str(e.message).startswith("Balance failed")]
    assert len(failures) == 23  # what Beancount reports: every assertion after the change
    [problem] = group(errors, entries, options)
    assert len(problem.consequences) == 22
    assert "2024-03-01 日初应为 201.00 CNY, 账面为 251.00 CNY, 账面多 50.00 CNY" in problem.message
    assert "上一次相符的断言是 2024-02-01" in problem.message and "2024-02-01 至 2024-03-01 之间" in problem.message
    assert all("同一差额" in c.message for c in problem.consequences)


def test_a_second_change_is_a_second_problem(tmp_path):
    text = monthly_ledger(change_month=1, delta="50.00").replace(
        "2024-06-10 * \"销售\"\n  Assets:1001-库存现金  105.00 CNY\n  Income:5001-主营业务收入  -105.00 CNY",
        "2024-06-10 * \"销售\"\n  Assets:1001-库存现金  115.00 CNY\n  Income:5001-主营业务收入  -115.00 CNY")
    _, entries, errors, options = load(tmp_path, text)
    problems = group(errors, entries, options)
    assert len(problems) == 2
    assert "差额由 50.00 变为 60.00" in problems[1].message
    assert len(problems[0].consequences) + len(problems[1].consequences) == 21


def test_balance_failures_of_an_unbalanced_transaction_are_under_it(tmp_path):
    _, entries, errors, options = load(tmp_path, monthly_ledger(change_month=3, delta="7.00", unbalanced=True))
    [problem] = group(errors, entries, options)
    assert problem.message.startswith("分录借贷不平衡: 借方多于贷方 7.00 CNY")
    assert len(problem.consequences) == 21  # every assertion from 2024-05-01 on
    assert "差额由上面一处引起" in problem.consequences[0].message


def test_balance_failures_of_a_transaction_with_a_bad_date_are_under_it(tmp_path):
    text = monthly_ledger().replace('2024-04-10 * "销售"', '2024-04-31 * "销售"')
    _, entries, errors, options = load(tmp_path, text)
    [problem] = group(errors, entries, options)
    assert problem.message == "日期无效 2024-04-31: 该月没有这一天"
    assert len(problem.consequences) == 21  # the sale is missing from every assertion after it


def test_problem_lines_show_a_few_consequences_and_count_the_rest():
    cause = Problem("原因", "/a.beancount", 1, consequences=[Problem(f"后果{i}", "/a.beancount", i + 2)
                                                           for i in range(5)])
    lines = cause.lines(shown=2)
    assert lines[0] == "/a.beancount:1: 原因" and len(lines) == 4 and "另有 3 条" in lines[-1]
