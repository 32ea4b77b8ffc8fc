"""`shixun check [LEDGER]`: load with every plugin, print errors grouped by clause."""
import collections
import re
import sys

from plugins.common import CLAUSES, clause_of
from scripts.common import add_ledger_argument, ledger_path, load

# Beancount's own messages are English; the accountant reads Chinese.
TRANSLATIONS = [
    (r"^Transaction does not balance: (.*)", r"分录借贷不平衡: \1"),
    (r"^Balance failed for '(.*?)': expected (.*?) != accumulated (.*?) \((.*)\)",
     r"余额断言失败 \1: 断言 \2, 实际 \3 (\4)"),
    (r"^Invalid reference to unknown account '(.*)'", r"引用了未开设的账户 \1"),
    (r"^Invalid account name: (.*)", r"无效的科目名称 \1 (每一级须以大写英文字母或数字开头, 如 1001-库存现金)"),
    (r"^Invalid reference to inactive account '(.*)'", r"引用了已关闭的账户 \1"),
    (r"^Duplicate open directive for (.*)", r"账户重复开设 \1"),
    (r"^File does not exist: \"?(.*?)\"?$", r"包含的文件不存在: \1"),
    (r"^Syntax error, unexpected (.*)", r"语法错误, 意外的 \1"),
    (r"^syntax error, unexpected (.*)", r"语法错误, 意外的 \1"),
    (r"^Invalid token: (.*)", r"无效的记号: \1"),
    (r"^Error importing '(.*?)': (.*)", r"无法加载插件 \1: \2"),
    (r"^Invalid currency (.*)", r"无效币种 \1"),
]


def chinese(message: str) -> str:
    for pattern, replacement in TRANSLATIONS:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message, count=1)
    return message


def run(args) -> int:
    path = ledger_path(args)
    entries, errors, _ = load(path)
    if not errors:
        print(f"检查通过: {path} 共 {len(entries)} 条记录, 无错误。")
        return 0
    groups = collections.defaultdict(list)
    for error in errors:
        source = error.source or {}
        location = f"{source.get('filename', '?')}:{source.get('lineno', '?')}"
        message = " ".join(str(error.message).split())
        groups[clause_of(message)].append(f"{location}: {chinese(message)}")
    order = list(CLAUSES)
    for clause in sorted(groups, key=order.index):
        title = CLAUSES.get(clause, clause)
        print(f"== {title} ({len(groups[clause])} 条) ==")
        for line in groups[clause]:
            print(f"  {line}")
    print(f"共 {len(errors)} 个错误。", file=sys.stderr)
    return 1


def register(commands, reports):
    parser = commands.add_parser("check", help="检查账本 (全部插件), 按条款分组列出错误")
    add_ledger_argument(parser)
    parser.set_defaults(run=run)
