"""Fava's query page without beanquery's shell: read-only statements, each in a bounded child.

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。" The bureaus
read everything and change nothing. Fava's `QueryShell` hands the query text to
beanquery's interactive shell, shared by all requests: its dot-commands write files
(`.output FILE`), `CREATE TABLE … USING 'csv:FILE'` reads any file into a table the next
request can select, and a runaway regex holds the server's GIL. `SandboxedQueryShell`
replaces that one Fava module (Fava's routes, filters and JSON stay Fava's):

- the text is parsed by beanquery's own parser, and only SELECT, BALANCES, JOURNAL and
  PRINT run; anything else (dot-commands, CREATE, INSERT, …) gets one Chinese refusal
  that never depends on what the text names;
- every query gets a fresh connection holding only the ledger's own tables, so there is
  no table backed by a file and no state shared between requests;
- the query runs in a forked child with a CPU limit (RLIMIT_CPU), an address-space
  limit (RLIMIT_AS), a wall-clock kill and a cap on the result's size, at most
  `parallel` at a time; a query over a bound is stopped and answered in Chinese while
  every other request goes on (the parent only waits on a pipe, without the GIL).
"""
from __future__ import annotations

import io
import re
import os
import pickle
import resource
import select
import signal
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus

import beanquery.sources.beancount  # noqa: F401  (imported before any fork, never in a child)
from beancount.parser import printer
from beanquery import CompilationError, ParseError, connect
from beanquery.numberify import numberify_results
from beanquery.parser import ast, parse
from fava.core.module_base import FavaModule
from fava.core.query_shell import _serialise
from fava.json_api import FavaJSONAPIError
from fava.util.excel import HAVE_EXCEL, to_csv, to_excel

READ_ONLY_STATEMENTS = (ast.Select, ast.Balances, ast.Journal, ast.Print)
REFUSED = ("只允许只读查询: SELECT、BALANCES、JOURNAL、PRINT, 且只能查询本账本的表; "
           "以 . 开头的命令、CREATE、INSERT 和读取文件的表均不允许。")


@dataclass(frozen=True)
class QueryLimits:
    """Bounds of one query; `parallel` children at most, a request waits `queue_seconds` for one."""

    max_chars: int = 4000
    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    memory_mb: int = 512
    result_mb: int = 32
    parallel: int = 2
    queue_seconds: float = 30.0
    waiting: int = 22  # queries waiting for a child at most; more get 503 at once, so that
    # a flood of slow queries leaves workers for the pages (serve: threads - parallel - 8)


class QueryError(FavaJSONAPIError):
    """A query refused or stopped; the message is Chinese, the status the response's."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self._status = status

    @property
    def status(self) -> HTTPStatus:  # type: ignore[override]
        return self._status


def precheck(text: str, limits: QueryLimits) -> str:
    """What needs no parser (the parser itself can take seconds, so it runs in the child)."""
    if len(text) > limits.max_chars:
        raise QueryError(f"查询语句过长 (最多 {limits.max_chars} 个字符)。",
                         HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    stripped = text.strip()
    if not stripped:
        raise QueryError("请输入查询语句, 例如 SELECT account, sum(position) GROUP BY account")
    if stripped.startswith(".") or stripped.split(None, 1)[0].lower() in SHELL_COMMANDS:
        raise QueryError(REFUSED, HTTPStatus.FORBIDDEN)
    return stripped


def checked_statement(text: str, limits: QueryLimits):
    """The parsed statement if it is one of the four read-only kinds, else QueryError."""
    stripped = precheck(text, limits)
    try:
        statement = parse(stripped)
    except ParseError as exc:
        position = getattr(getattr(exc, "parseinfo", None), "pos", None)
        where = f" (第 {position + 1} 个字符附近)" if isinstance(position, int) else ""
        raise QueryError(f"查询语句有语法错误{where}, 请检查。") from None
    if not isinstance(statement, READ_ONLY_STATEMENTS):
        raise QueryError(REFUSED, HTTPStatus.FORBIDDEN)
    if any(isinstance(node, (ast.CreateTable, ast.Insert)) for node in statement.walk()):
        raise QueryError(REFUSED, HTTPStatus.FORBIDDEN)
    return statement


# beanquery's shell commands: no BQL, refused like the dot-commands they alias
SHELL_COMMANDS = frozenset({
    "output", "run", "set", "format", "reload", "explain", "describe", "tables", "help",
    "history", "clear", "errors", "parse", "exit", "quit", "eof", "lex", "tokenize",
})


def _cursor(ledger, entries, statement):
    """A fresh connection with only the ledger's tables: nothing survives the query."""
    context = connect("beancount:", entries=entries, errors=ledger.errors, options=ledger.options)
    try:
        return context.execute(statement)
    except CompilationError:
        raise QueryError("查询无法执行: 列名、表名、函数名或参数类型有误, 请检查。") from None


def _printed(ledger, cursor) -> str:
    dcontext = ledger.options["dcontext"]
    return "\n".join(printer.format_entry(row[0], dcontext) for row in cursor).strip()


def _json_answer(ledger, entries, text, limits):
    from fava.core.query import QueryResultText

    statement = checked_statement(text, limits)
    cursor = _cursor(ledger, entries, statement)
    if isinstance(statement, ast.Print):
        return QueryResultText(_printed(ledger, cursor))
    return _serialise(cursor)


def _file_answer(ledger, entries, text, result_format, limits):
    statement = checked_statement(text, limits)
    if isinstance(statement, ast.Print):
        raise QueryError("只有返回表格的查询可以下载。")
    cursor = _cursor(ledger, entries, statement)
    types, rows = numberify_results(cursor.description, cursor.fetchall(),
                                    ledger.options["dcontext"].build())
    if result_format == "csv":
        return to_csv(types, rows).getvalue()
    if not HAVE_EXCEL:
        raise QueryError("不支持该下载格式。")
    return to_excel(types, rows, result_format, text).getvalue()


class Sandbox:
    """Runs a function in a forked child under the limits; the answer comes back pickled."""

    def __init__(self, limits: QueryLimits):
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.parallel)
        self._admitted = threading.BoundedSemaphore(limits.parallel + limits.waiting)

    def run(self, job):
        busy = QueryError("查询繁忙, 请稍后再试。", HTTPStatus.SERVICE_UNAVAILABLE)
        if not self._admitted.acquire(blocking=False):
            raise busy
        try:
            if not self._slots.acquire(timeout=self.limits.queue_seconds):
                raise busy
            try:
                return self._fork(job, self.limits.wall_seconds)
            finally:
                self._slots.release()
        finally:
            self._admitted.release()

    def _fork(self, job, seconds: float):
        limits = self.limits
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                os.close(reader)
                self._child(job, writer)
            finally:
                os._exit(0)
        os.close(writer)
        cap = limits.result_mb * 2**20 + 4096
        chunks, size, over = [], 0, None
        deadline = time.monotonic() + max(seconds, 0.5)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    over = "time"
                    break
                ready, _, _ = select.select([reader], [], [], left)
                if not ready:
                    continue
                chunk = os.read(reader, 2**20)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    over = "size"
                    break
                chunks.append(chunk)
        finally:
            os.close(reader)
            if over:
                _kill(pid)
            _, status = os.waitpid(pid, 0)
        if over == "size":
            raise QueryError(f"查询结果过大 (超过 {limits.result_mb} MiB), 请加 LIMIT 或缩小范围。")
        if over == "time" or (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU,
                                                                                 signal.SIGKILL)):
            raise QueryError(f"查询超过时间限制 (CPU {limits.cpu_seconds} 秒, 总计 {limits.wall_seconds:g} 秒), "
                             "已停止; 请缩小查询范围 (例如加 WHERE 条件或 LIMIT)。")
        try:
            answer = pickle.loads(b"".join(chunks))
        except Exception:  # the child died half-way (e.g. out of memory while writing)
            raise QueryError(f"查询超过内存限制 ({limits.memory_mb} MiB), 已停止; 请缩小查询范围。") from None
        if answer[0] == "error":
            raise QueryError(answer[2], HTTPStatus(answer[1]))
        return answer[1]

    def _child(self, job, writer: int) -> None:
        limits = self.limits
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        address_space = _address_space()
        if address_space:
            cap = address_space + limits.memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        try:
            try:
                answer = ("ok", job())
            except QueryError as exc:
                answer = ("error", int(exc.status), exc.message)
            except MemoryError:
                answer = ("error", 400, f"查询超过内存限制 ({limits.memory_mb} MiB), 已停止; 请缩小查询范围。")
            except RecursionError:
                answer = ("error", 400, "查询语句嵌套过深, 无法执行。")
            except Exception:  # beanquery's runtime errors (types, bad regex, …) are English
                answer = ("error", 400, "查询执行失败: 请检查表达式、正则表达式和参数类型。")
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = b""
        view = memoryview(data)
        while view:
            written = os.write(writer, view)
            view = view[written:]


def _address_space() -> int:
    """This process's virtual size in bytes (RLIMIT_AS counts what the fork inherited)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class SandboxedQueryShell(FavaModule):
    """Fava's `query_shell` module, answered by the sandbox (same results, same routes)."""

    def __init__(self, ledger, limits: QueryLimits | None = None) -> None:
        super().__init__(ledger)
        self.limits = limits or QueryLimits()
        self.sandbox = Sandbox(self.limits)

    def execute_query_serialised(self, entries, query: str):
        precheck(query, self.limits)  # refuse at once, without a fork
        return self.sandbox.run(lambda: _json_answer(self.ledger, entries, query, self.limits))

    def query_to_file(self, entries, query_string: str, result_format: str):
        precheck(query_string, self.limits)
        data = self.sandbox.run(
            lambda: _file_answer(self.ledger, entries, query_string, result_format, self.limits))
        return "query_result", io.BytesIO(data)


def install(flask_app, limits: QueryLimits | None = None) -> None:
    """Give every ledger of the Fava app the sandboxed query module."""
    for ledger in flask_app.config["LEDGERS"].ledgers:
        ledger.query_shell = SandboxedQueryShell(ledger, limits)


# -- Fava's filters: their regexes run inside the server process ------------------------------
def explosive_regex(pattern: str) -> bool:
    """True for a pattern whose backtracking can take seconds on one ledger string:
    a repeat inside a repeat (`(a+)+`, `(.*.*)*`), an alternation inside a repeat
    (`(a|a)*`), a back-reference, more than two open-ended repeats (`.*.*.*…`), or
    over 200 characters. Fava runs filter regexes in the server with the GIL held, so
    such a pattern is refused before it runs; a plain word or `^Assets:` is not touched."""
    import re._parser as sre_parse  # noqa: PLC0415  (the stdlib's own regex parser)
    from re._constants import MAXREPEAT

    if len(pattern) > 200:
        return True
    try:
        tree = sre_parse.parse(pattern)
    except Exception:  # not a regex: Fava compares it as plain text
        return False
    open_ended = 0

    def walk(items, inside_repeat: bool) -> bool:
        nonlocal open_ended
        for op, value in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, body = value
                if high > 1:
                    if inside_repeat:
                        return True
                    if high == MAXREPEAT or high > 100:
                        open_ended += 1
                if walk(body, inside_repeat or high > 1):
                    return True
            elif name == "BRANCH":
                if inside_repeat:
                    return True
                if any(walk(branch, inside_repeat) for branch in value[1]):
                    return True
            elif name in ("GROUPREF", "GROUPREF_EXISTS"):
                return True
            elif name == "SUBPATTERN":
                if walk(value[-1], inside_repeat):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
                if walk(value[-1] if name != "ATOMIC_GROUP" else value, inside_repeat):
                    return True
        return False

    return walk(tree, False) or open_ended > 2


def explosive_filter(value: str) -> bool:
    """Any regex Fava could take from a `filter`/`account` value is explosive (its own
    lexer splits at quotes, blanks and `key:`; every such piece is checked)."""
    pieces = {value}
    for piece in re.split(r'["\s]+', value):
        pieces.add(piece)
        pieces.update(piece.split(":", 1)[1:])
    return any(explosive_regex(piece) for piece in pieces if piece)
