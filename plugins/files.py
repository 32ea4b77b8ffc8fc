"""Files a person names (an output path, a ledger, a roster, a users file): why one
cannot be read or written, in Chinese, and the one writer every output goes through.

`write_atomic` checks the path first (`check_writable`: not a folder, its folder there
and writable), then writes a temporary file in the same folder, fsyncs it and renames it
into place, so a failure never leaves half a file behind and the old file stays whole.
A command checks its output paths with `check_writable` before its work too, so a bad
`-o` costs no load of the ledger. Every problem is a `FileProblem` (Chinese, naming the
file), never an `OSError` with the system's English text.
"""
from __future__ import annotations

import errno
import os
import pathlib
import tempfile

# errno → what it means for a person who named the file.
REASONS = {
    errno.ENOENT: "不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "是一个文件夹, 不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "所在的磁盘是只读的",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ELOOP: "符号链接形成循环",
    errno.EBUSY: "正被其他程序占用",
    errno.ETXTBSY: "正被其他程序占用",
    errno.EIO: "磁盘读写出错",
    errno.EMFILE: "打开的文件过多",
    errno.EFBIG: "文件过大",
    # a server's address (shixun serve)
    errno.EADDRINUSE: "该端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
}


class FileProblem(ValueError):
    """A file that cannot be read or written; the message is Chinese and names it."""


def reason(exc: OSError) -> str:
    """The Chinese reason of an OSError (never the system's English strerror)."""
    if exc.errno in REASONS:
        return REASONS[exc.errno]
    return f"系统错误 (错误码 {exc.errno})" if exc.errno else "系统错误"


def folder_hint(path, what: str, expected: str) -> str:
    """The message for a folder given where a file is wanted: what to give instead."""
    return f"{what} {path} 是一个文件夹, 不是文件: 请给出{expected}"


def check_file(path, what: str, expected: str) -> pathlib.Path:
    """`path` as a Path when it names an existing file; FileProblem otherwise, saying
    what to give instead of a folder (`expected`)."""
    target = pathlib.Path(path)
    if target.is_dir():
        raise FileProblem(folder_hint(path, what, expected))
    if not target.is_file():
        raise FileProblem(f"{what}不存在: {path}")
    return target


def check_writable(path, what: str = "输出文件", expected: str | None = None) -> pathlib.Path:
    """`path` as a Path when a file can be written there; FileProblem saying why not.
    `expected` says what to give instead of a folder (default: a file name in it)."""
    target = pathlib.Path(path)
    if target.is_dir():
        raise FileProblem(folder_hint(path, what, expected or f"文件夹中的文件名, 如 {target / '文件名'}"))
    folder = target.parent
    if not folder.exists():
        raise FileProblem(f"{what} {path} 所在的文件夹 {folder} 不存在: 请先建立该文件夹, 或换一个路径")
    if not folder.is_dir():
        raise FileProblem(f"{what} {path} 所在的 {folder} 不是文件夹")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(f"无法写入{what} {path}: 没有在文件夹 {folder} 中写文件的权限")
    return target


def _new_file_mode() -> int:
    """What a plain `open(path, "w")` would give a new file (0666 less the umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path, content: str | bytes, what: str = "输出文件", mode: int | None = None) -> None:
    """Write `content` (str as UTF-8) to `path` atomically. The file keeps its permissions
    when it exists, else gets the usual ones; `mode` forces them (e.g. 0o600)."""
    target = check_writable(path, what)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise FileProblem(f"无法写入{what} {path}: {reason(exc)}") from None
    try:
        if mode is None:
            mode = target.stat().st_mode & 0o7777 if target.exists() else _new_file_mode()
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise FileProblem(f"无法写入{what} {path}: {reason(exc)}") from None
        raise
