"""What every subcommand shares: the default ledger, --as-of, loading (errors in Chinese), atomic
output, user errors."""
import argparse
import contextlib
import gc
import os
import pathlib
import re
import sys

from plugins import asof
from plugins.errors import OTHER, group
from plugins.files import FileProblem, check_file, check_writable, reason, write_atomic

BUNDLED_LEDGER = pathlib.Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"
LEDGER_ENV = "SHIXUN_LEDGER"
HERE = "main.beancount"


class UserError(Exception):
    """A problem the user can fix; shown as one Chinese line, exit code 2."""


@contextlib.contextmanager
def file_problems():
    """A file that cannot be read or written (plugins.files) is a user error."""
    try:
        yield
    except FileProblem as exc:
        raise UserError(str(exc)) from None


def _main_file_instead(folder: str) -> str:
    """What to give instead of a ledger's folder: its main file."""
    main = pathlib.Path(folder) / HERE
    if main.is_file():
        return f"账本主文件, 如 {main}"
    found = sorted(p.name for p in pathlib.Path(folder).glob("*.beancount"))
    if found:
        return (f"账本主文件 (写有 plugin 行、include 其余文件的那个 .beancount 文件); "
                f"该文件夹中有 {', '.join(found[:3])}{' 等' if len(found) > 3 else ''}")
    return "账本主文件 (.beancount); 该文件夹中没有 .beancount 文件"


def check_ledger(path: str, source: str = "") -> str:
    """`path` when it names a ledger file; a user error saying what is wrong otherwise
    (missing, or a folder: then which main file to give). `source` says where the path
    came from ("环境变量 SHIXUN_LEDGER 指向的")."""
    with file_problems():
        check_file(path, f"{source}账本文件", _main_file_instead(path))
    return path


def default_ledger() -> str:
    """SPEC §2: `$SHIXUN_LEDGER`, else `main.beancount` in the current folder, else the
    bundled example ledger."""
    given = os.environ.get(LEDGER_ENV, "").strip()
    if given:
        return check_ledger(given, f"环境变量 {LEDGER_ENV} 指向的")
    return HERE if os.path.isfile(HERE) else str(BUNDLED_LEDGER)


def is_bundled(path: str) -> bool:
    try:
        return pathlib.Path(path).resolve() == BUNDLED_LEDGER
    except OSError:
        return False


def add_ledger_argument(parser):
    parser.add_argument("ledger", nargs="?", default=None, metavar="LEDGER",
                        help=f"账本主文件 (默认: ${LEDGER_ENV}, 否则当前文件夹的 {HERE}, 否则随附的示例账本)")


def add_as_of_argument(parser):
    """`--as-of DATE`: every command takes it (SPEC §2); scripts/cli.py adds it to each."""
    parser.add_argument("--as-of", dest="as_of", default=argparse.SUPPRESS, metavar="DATE",
                        help=f"判断日期 YYYY-MM-DD (设定环境变量 {asof.ENV}; 默认: 账本设定, 否则今日)")


def apply_as_of(text: str | None) -> None:
    """`--as-of DATE` sets SHIXUN_AS_OF for the load; a bad date (given or already in the
    environment) is a user error, not a silent fallback to today."""
    if text is not None:
        try:
            day = asof.parse_date(text)
        except ValueError as exc:
            raise UserError(f"--as-of: {exc}") from None
        os.environ[asof.ENV] = day.isoformat()
        return
    given = os.environ.get(asof.ENV, "").strip()
    if given:
        try:
            asof.parse_date(given)
        except ValueError as exc:
            raise UserError(f"环境变量 {asof.ENV}: {exc}") from None


def add_report_arguments(parser, formats=("html", "xlsx", "json"), year=True):
    """LEDGER, --year (for annual reports), --format and -o: what every report command takes."""
    add_ledger_argument(parser)
    if year:
        parser.add_argument("--year", required=True, metavar="YYYY", help="年度")
    parser.add_argument("--format", choices=formats, default="json", help="输出格式 (默认 json)")
    parser.add_argument("-o", "--output", default=None, metavar="PATH",
                        help="输出文件 (json/html 缺省时输出到标准输出; xlsx 必须指定)")


def report_year(args) -> int:
    """The --year of an annual report, after the checks that need no ledger."""
    if not re.fullmatch(r"\d{4}", args.year or ""):
        raise UserError(f"年度应为四位数字 (如 2024), 而不是 {args.year!r}")
    check_output(args)
    return int(args.year)


def check_output(args) -> None:
    """A report's --format and -o, before any work: xlsx needs a file, and the file must
    be one that can be written (not a folder, in an existing folder)."""
    if args.format == "xlsx" and not args.output:
        raise UserError("xlsx 格式必须用 -o 指定输出文件")
    check_output_path(args.output)


def check_output_path(path: str | None, what: str = "输出文件", expected: str | None = None) -> None:
    """An output path (None: standard output) checked before the work that fills it;
    `expected` says what to give instead of a folder (plugins.files.check_writable)."""
    if path is not None:
        with file_problems():
            check_writable(path, what, expected)


def load_for_report(args):
    """Load the ledger a report reads: (entries, errors, options). A ledger that does not
    parse or balance is refused (its figures would be wrong); rule errors (P1…P10) are
    what the reports exist to show, so they only earn a note on stderr."""
    path = ledger_path(args)
    entries, errors, options_map = load(path)
    found = group(errors, entries, options_map)
    broken = [p for p in found if p.clause == OTHER]
    if broken:
        raise UserError(f"账本有 {len(broken)} 处格式或平衡错误, 报表不能生成; 请先运行 shixun check 修正。"
                        f"第一处: {broken[0].location}: {broken[0].message}")
    if found:  # said once the report is written: a refusal after this stays one line
        _announced.insert(0, f"注意: 账本有 {len(found)} 个规则错误 (运行 shixun check 查看), 报表已照常生成。")
    return entries, errors, options_map


def ledger_path(args) -> str:
    """The LEDGER argument, else the default (SPEC §2), said loudly when it is the bundled example."""
    path = check_ledger(getattr(args, "ledger", None) or default_ledger())
    if is_bundled(path) and not getattr(args, "ledger", None):
        _warn_bundled(path)
    return path


def _warn_bundled(path: str) -> None:
    others = sorted(pathlib.Path(".").glob("*.beancount"))
    hint = (f"当前文件夹有 {', '.join(p.name for p in others[:3])}, 但没有 {HERE}; " if others else "")
    bar = "!" * 72
    print(f"{bar}\n注意: 正在使用随附的【示例账本】(演示数据, 不是您单位的账): {path}\n"
          f"{hint}要用自己的账本: 在其文件夹中运行 (主文件名为 {HERE}), "
          f"或在命令后写出账本路径, 或设定环境变量 {LEDGER_ENV}。\n{bar}", file=sys.stderr, flush=True)


_announced = []  # the lines of this command, said when it completes


def reset_announcements() -> None:
    """A new command says again which ledger and as-of it used (scripts/cli.py)."""
    _announced.clear()


def announce(path: str, entries=()) -> None:
    """Note "账本: …  判断日期 … (今日)" for this command; `say_announcements` prints it."""
    judged = asof.as_of(entries)
    lines = [f"账本: {path}{' (随附的示例账本)' if is_bundled(path) else ''}  {judged.label()}"]
    if judged.problem:
        lines.append(f"注意: {judged.problem}; 已改用 {judged.label()}")
    _announced.extend(line for line in lines if line not in _announced)


def say_announcements() -> None:
    """On stderr, once the command has done its work: a refusal stays one line (SPEC §2)."""
    for line in _announced:
        print(line, file=sys.stderr, flush=True)
    _announced.clear()


def load(path: str):
    """Load a ledger with its plugins: (entries, errors, options). The pickle cache is
    off because it ignores plugin code (SPEC §6)."""
    os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    from beancount import loader

    check_ledger(path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UserError(f"无法读取账本文件 {path}: {reason(exc)}") from None
    # A one-shot command builds its whole heap once: the collector's full passes over
    # it are ~25% of a 100k-transaction load and free nothing (docs/PERFORMANCE.md).
    collecting = gc.isenabled()
    gc.disable()
    try:
        entries, errors, options_map = loader.load_file(path)
    finally:
        if collecting:
            gc.enable()
    announce(path, entries)
    return entries, errors, options_map


def write_output(path: str | None, content: str | bytes, what: str = "输出文件") -> None:
    """Write a report (or a ledger file) atomically (plugins.files.write_atomic), or to
    stdout without a path; a path that cannot be written is a user error."""
    if path is None:
        if isinstance(content, bytes):
            raise UserError("二进制格式 (如 xlsx) 必须用 -o 指定输出文件")
        sys.stdout.write(content)
        if not content.endswith("\n"):
            sys.stdout.write("\n")
        return
    with file_problems():
        write_atomic(path, content, what)
