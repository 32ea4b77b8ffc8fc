"""What every subcommand shares: the default ledger, loading, atomic output, user errors."""
import os
import pathlib
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
    try:
        return loader.load_file(path)
    except UnicodeDecodeError as exc:
        raise UserError(f"账本文件不是 UTF-8 编码: {path} ({exc.reason})") from exc


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
