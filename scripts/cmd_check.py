"""`shixun check [LEDGER]`: load with every plugin, print the problems grouped by clause
(P1…P10, then Beancount's own), each with file:line, in Chinese (plugins/errors.py)."""
import collections
import sys

from beancount.core import data

from plugins.all import FAMILIES
from plugins.asof import as_of
from plugins.common import CLAUSES, family_enabled, is_generated, where
from plugins.errors import OTHER, group
from scripts.common import add_ledger_argument, is_bundled, ledger_path, load


# The rule families' own plugin lines (plugins.all counts too, see family_enabled).
RULE_PLUGINS = tuple(family.__name__ for family, _ in FAMILIES)


def dated_after_judgement(entries) -> str | None:
    """A notice when bookings are dated after the date of judgement (a mistyped 2062 is
    otherwise seen only as a balance failure): how many, and the latest, with file:line."""
    judgement = as_of(entries)
    late = [e for e in entries if e.date > judgement.date and not is_generated(e) and not isinstance(e, data.Custom)]
    if not late:
        return None
    last = max(late, key=lambda e: e.date)
    return (f"注意: {len(late)} 条记录的日期晚于{judgement.label()}, 最晚一条 {last.date} ({where(last)}); "
            "若是日期写错请改正, 否则这些记录要到判断日期之后才按期限评判")


def run(args) -> int:
    path = ledger_path(args)
    entries, errors, options_map = load(path)
    problems = group(errors, entries, options_map)
    notice = dated_after_judgement(entries)
    if notice:
        print(notice, file=sys.stderr)
    unchecked = not family_enabled(options_map, RULE_PLUGINS)
    if unchecked:
        print(f'错误: {path} 没有启用规则插件, 政策条款 (P1…P10) 与封账都未检查: 请在这个主文件中写一行 '
              'plugin "plugins.all" (写在被 include 的文件中无效)', file=sys.stderr)
    if not problems:
        if unchecked:
            return 1
        which = "随附的示例账本 " if is_bundled(path) else ""
        print(f"检查通过: {which}{path} 共 {len(entries)} 条记录, 无错误。")
        return 0
    by_clause = collections.defaultdict(list)
    for problem in problems:
        by_clause[problem.clause if problem.clause in CLAUSES else OTHER].append(problem)
    # Beancount's own errors in file order, top to bottom, as the accountant fixes them.
    by_clause[OTHER].sort(key=lambda p: (str(p.filename or ""), p.lineno or 0))
    order = list(CLAUSES)
    for clause in sorted((c for c in by_clause if by_clause[c]), key=order.index):
        print(f"== {CLAUSES[clause]} ({len(by_clause[clause])} 处) ==")
        for problem in by_clause[clause]:
            for line in problem.lines():
                print(f"  {line}")
    follow = sum(len(p.consequences) for p in problems)
    tail = f", 另有 {follow} 条由其引起 (已列在各处之下)" if follow else ""
    print(f"共 {len(problems)} 处问题{tail}。", file=sys.stderr)
    return 1


def register(commands, reports):
    parser = commands.add_parser("check", help="检查账本 (全部插件), 按条款分组列出错误")
    add_ledger_argument(parser)
    parser.set_defaults(run=run)
