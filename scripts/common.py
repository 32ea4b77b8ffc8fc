"""What every subcommand shares: the default ledger, loading, atomic output, user errors."""
import gc
import os
import pathlib
import re
import sys
import tempfile

BUNDLED_LEDGER = pathlib.Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"


class UserError(Exception):
    """A problem the user can fix; shown as one Chinese line, exit code 2."""


def default_ledger() -> str:
    """`ledger/main.beancount` in the working directory, else the bundled example ledger."""
    here = pathlib.Path("ledger/main.beancount")
    return str(here if here.exists() else BUNDLED_LEDGER)


def add_ledger_argument(parser):
    parser.add_argument("ledger", nargs="?", default=None, metavar="LEDGER",
                        help="账本主文件 (默认 ledger/main.beancount)")


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
    if args.format == "xlsx" and not args.output:
        raise UserError("xlsx 格式必须用 -o 指定输出文件")


def load_for_report(args):
    """Load the ledger a report reads: (entries, errors, options). A ledger that does not
    parse or balance is refused (its figures would be wrong); rule errors (P1…P10) are
    what the reports exist to show, so they only earn a note on stderr."""
    path = ledger_path(args)
    entries, errors, options_map = load(path)
    broken = [e for e in errors if not str(e.message).startswith("[")]
    if broken:
        source = broken[0].source or {}
        message = " ".join(str(broken[0].message).split())
        raise UserError(f"账本有 {len(broken)} 个格式或平衡错误, 请先运行 shixun check 修正; 第一个: "
                        f"{source.get('filename', '?')}:{source.get('lineno', '?')}: {message}")
    if errors:
        print(f"注意: 账本有 {len(errors)} 个规则错误 (运行 shixun check 查看), 报表已照常生成。",
              file=sys.stderr)
    return entries, errors, options_map


def ledger_path(args) -> str:
    path = args.ledger or default_ledger()
    if not os.path.isfile(path):
        raise UserError(f"账本文件不存在: {path}")
    return path


def load(path: str):
    """Load a ledger with its plugins: (entries, errors, options). The pickle cache is
    off because it ignores plugin code (SPEC §6)."""
    os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    from beancount import loader

    if not os.path.isfile(path):
        raise UserError(f"账本文件不存在: {path}")
    check_utf8(path)
    # A one-shot command builds its whole heap once: the collector's full passes over
    # it are ~25% of a 100k-transaction load and free nothing (docs/PERFORMANCE.md).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return loader.load_file(path)
    except UnicodeDecodeError as exc:
        raise UserError(f"账本文件不是 UTF-8 编码: {path} ({exc.reason})") from exc
    finally:
        if collecting:
            gc.enable()


def check_utf8(path: str) -> None:
    """A ledger must be UTF-8; a GBK file (common from Chinese Windows tools) gets one clear line."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise UserError(f"无法读取账本文件 {path}: {exc.strerror}") from exc
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(f"账本文件不是 UTF-8 编码 (可能是 GBK): {path} 第 {line} 行; 请另存为 UTF-8") from exc


def write_output(path: str | None, content: str | bytes) -> None:
    """Write a report (or a ledger file) atomically: to stdout without a path, else via a
    temporary file renamed into place, so a failure never leaves half a file behind."""
    if path is None:
        if isinstance(content, bytes):
            raise UserError("二进制格式 (如 xlsx) 必须用 -o 指定输出文件")
        sys.stdout.write(content)
        if not content.endswith("\n"):
            sys.stdout.write("\n")
        return
    target = pathlib.Path(path)
    directory = target.parent if str(target.parent) else pathlib.Path(".")
    if not directory.is_dir():
        raise UserError(f"输出目录不存在: {directory}")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"无法写入输出文件 {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():  # rewriting a ledger file keeps its permissions
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise UserError(f"无法写入输出文件 {path}: {exc.strerror}") from exc
