"""`shixun`: the one console script. Arguments are parsed here and in scripts/cmd_*.py;
the work is done in the plugins, importers and reports packages.

Each scripts/cmd_*.py module defines `register(commands, reports)`, adding its
subcommand to `commands` (or to `reports`, the `shixun report …` family) with
`set_defaults(run=...)`; new commands need no edit of this file. Every parser is a
`ChineseParser`, so every command takes `--as-of DATE` (SPEC §2), before or after its name.
"""
import argparse
import importlib
import os
import pkgutil
import re
import sys

import scripts
from plugins import asof
from scripts import common
from scripts.common import UserError

# argparse's own English, as the accountant reads it.
_ARGPARSE = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数: \1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的取值 \2 无效 (可选: \3)"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"参数 \1 的取值 \3 无效 (应为\2)"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面需要一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 后面至少需要一个值"),
    (r"argument (\S+): expected (.*) arguments?", r"参数 \1 后面需要 \2 个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"argument (\S+): ignored explicit argument (.*)", r"参数 \1 不接受值 \2"),
    (r"ambiguous option: (\S+) could match (.*)", r"参数 \1 有歧义, 可能是: \2"),
    (r"argument (\S+): (.*)", r"参数 \1: \2"),
]
_TYPES = {"int": "整数", "float": "数字"}


def chinese_usage_error(message: str) -> str:
    for pattern, replacement in _ARGPARSE:
        match = re.fullmatch(pattern, message)
        if match:
            text = match.expand(replacement)
            for english, words in _TYPES.items():
                text = text.replace(f"(应为{english})", f"(应为{words})")
            return text
    return "命令行参数有误 (用 -h 查看用法)"


class ChineseFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法: " if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """argparse whose usage errors are one Chinese line and exit 2, and whose help is Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")
        common.add_as_of_argument(self)  # every command and subcommand takes --as-of (SPEC §2)

    def error(self, message):
        self.exit(2, f"{self.prog}: 参数错误: {chinese_usage_error(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="shixun", description="生产性实训基地经营中心账务与审计系统")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
    report = commands.add_parser("report", help="生成报表与账簿 (shixun report -h 列出全部)")
    reports = report.add_subparsers(dest="report", metavar="报表", parser_class=ChineseParser)
    for info in sorted(pkgutil.iter_modules(scripts.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"scripts.{info.name}").register(commands, reports)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    common.reset_announcements()
    saved = os.environ.get(asof.ENV)
    try:
        common.apply_as_of(getattr(args, "as_of", None))
        code = args.run(args) or 0
        common.say_announcements()
        return code
    except UserError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except Exception:  # the user gets one Chinese line, never a traceback or an exception name
        if os.environ.get("SHIXUN_DEBUG"):
            raise
        print("内部错误: 程序未能完成此命令 (这是程序缺陷, 不是账本的问题); 请把所用的命令和账本"
              "告知系统维护人员 (维护人员可设定 SHIXUN_DEBUG=1 重现详情)。", file=sys.stderr)
        return 3
    finally:  # `main` called in-process (tests, other tools) leaves the environment as it was
        if saved is None:
            os.environ.pop(asof.ENV, None)
        else:
            os.environ[asof.ENV] = saved


if __name__ == "__main__":
    sys.exit(main())
