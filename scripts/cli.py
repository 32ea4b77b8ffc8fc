"""`shixun`: the one console script. Arguments are parsed here and in scripts/cmd_*.py;
the work is done in the plugins, importers and reports packages.

Each scripts/cmd_*.py module defines `register(commands, reports)`, adding its
subcommand to `commands` (or to `reports`, the `shixun report …` family) with
`set_defaults(run=...)`; new commands need no edit of this file.
"""
import argparse
import importlib
import pkgutil
import sys

import scripts
from scripts.common import UserError


class ChineseParser(argparse.ArgumentParser):
    """argparse whose usage errors are one Chinese line and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: 参数错误: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="shixun", description="生产性实训基地经营中心账务与审计系统")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
    report = commands.add_parser("report", help="生成报表 (remittance / students / funds)")
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
    try:
        return args.run(args) or 0
    except UserError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except Exception as exc:  # the user gets one line, never a traceback
        print(f"内部错误: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
