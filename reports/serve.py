"""`shixun serve`: Fava behind authentication, roles and an access log.

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。"
The finance and audit bureaus supervise and audit the centre's books: they must
be able to read everything and change nothing. Fava has no authentication of its
own and its `read_only` mode still shows the editor (SPEC §6), so this module wraps
`fava.application.create_app` in a WSGI middleware (`Guard`) that

- asks every request for HTTP Basic credentials (401 otherwise), checked against
  the scrypt hashes of the users file (`reports.users`);
- lets the `accountant` role do everything;
- refuses (403) for the read-only roles `finance` and `audit` every request whose
  method is not GET, and the editor, import and upload pages and APIs even by GET,
  and hides their links and the "+" (add entry) button in every HTML page;
- writes one JSON line per request (who, when, from where, what, status) to an
  append-only access log (the file is only ever opened with O_APPEND);
- refuses writes whose Origin/Referer is another site (CSRF: browsers resend Basic
  credentials on cross-site form posts);
- counts failed logins per client address: after `max_failures` within `window`
  seconds the address is locked out for `lockout` seconds (429), and each failure
  and lockout is logged.

The server is cheroot (Fava's own); `--certfile/--keyfile` turn on its builtin TLS
adapter; binding to a non-loopback address without TLS is refused unless forced.
"""
from __future__ import annotations

import base64
import binascii
import collections
import datetime
import hashlib
import hmac
import html
import ipaddress
import json
import os
import re
import secrets
import socket
import threading
import time

from reports.users import UsersError, hash_password, read_users, verify_password

REALM = "shixun"
# Paths (after the ledger slug) a read-only role may not open even with GET.
FORBIDDEN_READ_ONLY = re.compile(
    r"^/[^/]+/(editor|import)(/|$)"
    r"|^/[^/]+/api/(source|extract|imports|upload_import_file|add_document|attach_document"
    r"|add_entries|format_source|move)(/|$)"
)
ALLOWED_READ_ONLY_METHODS = frozenset({"GET"})
ROLE_NAMES = {"finance": "财政局", "audit": "审计局", "accountant": "会计"}
# Hide what would fail anyway: editor/import links, the add-entry "+" button.
READ_ONLY_CSS = (
    '<style id="shixun-read-only">'
    'a[href*="/editor/"],a[href*="/import/"],a[href="#add-transaction"],.add-transaction,'
    "form:has(> div.editor) > .flex-row"  # save/delete under the entry editor of the context modal
    "{display:none!important}"
    "#shixun-banner{position:fixed;right:.5em;bottom:.5em;z-index:1000;padding:.2em .6em;"
    "background:#fff3cd;color:#664d03;border:1px solid #ffe69c;border-radius:3px;font-size:.85em}"
    "</style>"
)
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]


def _now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class AccessLog:
    """One JSON object per line, appended; the file is never truncated or rewritten."""

    def __init__(self, path: str | None):
        self.path = path
        self._lock = threading.Lock()
        self._fd = None
        if path:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, **record) -> None:
        if self._fd is None:
            return
        line = json.dumps({"time": _now_iso(), **record}, ensure_ascii=False) + "\n"
        with self._lock:
            os.write(self._fd, line.encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Throttle:
    """Failed logins per client address; too many within `window` → locked for `lockout` s."""

    def __init__(self, max_failures=5, window=300.0, lockout=300.0, clock=time.monotonic):
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self._failures: dict[str, collections.deque] = {}
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, addr: str) -> float:
        """Seconds this address stays locked out (0 when free)."""
        with self._lock:
            until = self._locked.get(addr)
            if until is None:
                return 0.0
            left = until - self.clock()
            if left <= 0:
                del self._locked[addr]
                return 0.0
            return left

    def fail(self, addr: str) -> bool:
        """Record a failure; True when this failure locks the address out."""
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10000:  # bounded memory under a flood of addresses
                self._failures = {a: q for a, q in self._failures.items() if q and q[-1] > now - self.window}
            queue = self._failures.setdefault(addr, collections.deque())
            queue.append(now)
            while queue and queue[0] <= now - self.window:
                queue.popleft()
            if len(queue) >= self.max_failures:
                self._locked[addr] = now + self.lockout
                queue.clear()
                return True
            return False

    def succeed(self, addr: str) -> None:
        with self._lock:
            self._failures.pop(addr, None)


class Guard:
    """WSGI middleware: Basic auth, roles, read-only enforcement, access log, throttling."""

    def __init__(self, app, users_path: str, access_log: str | None = None, *,
                 max_failures: int = 5, window: float = 300.0, lockout: float = 300.0,
                 cache_seconds: float = 600.0, clock=time.monotonic):
        self.app = app
        self.users_path = users_path
        self.log = AccessLog(access_log)
        self.throttle = Throttle(max_failures, window, lockout, clock)
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._secret = secrets.token_bytes(32)
        self._users = {}
        self._users_stamp = None
        self._cache: dict[bytes, tuple[str, str, float]] = {}
        self._lock = threading.Lock()
        self._reload_users(force=True)

    # -- users ---------------------------------------------------------------------------
    def _reload_users(self, force: bool = False) -> None:
        try:
            stat = os.stat(self.users_path)
        except FileNotFoundError as exc:
            raise UsersError(f"用户文件不存在: {self.users_path}") from exc
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if force or stamp != self._users_stamp:
            users = read_users(self.users_path)
            with self._lock:
                self._users, self._users_stamp = users, stamp
                self._cache.clear()

    def authenticate(self, name: str, password: str):
        """The user's role, or None. Verified credentials are remembered (keyed by an HMAC
        under a per-process secret, never the password) so scrypt runs once per session."""
        try:
            self._reload_users()
        except (UsersError, OSError):
            pass  # keep serving with the last good file
        key = hmac.new(self._secret, f"{name}\0{password}".encode("utf-8"), hashlib.sha256).digest()
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[2] > now:
                return hit[1]
            user = self._users.get(name)
        if user is None:
            verify_password(password, _DUMMY_HASH)  # same cost whether or not the user exists
            return None
        if not verify_password(password, user.password_hash):
            return None
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[key] = (name, user.role, now + self.cache_seconds)
        return user.role

    # -- responses -----------------------------------------------------------------------
    @staticmethod
    def _page(start_response, status: str, title: str, message: str, headers=()):
        body = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>"
            f'<h1>{html.escape(title)}</h1><p class="shixun-refused">{html.escape(message)}</p>'
            "</body></html>"
        ).encode("utf-8")
        start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                                ("Content-Length", str(len(body))), *SECURITY_HEADERS, *headers])
        return [body]

    def _challenge(self, start_response, message="请使用分配给您的用户名和口令登录。"):
        return self._page(start_response, "401 Unauthorized", "需要登录", message,
                          [("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')])

    # -- the WSGI entry point ------------------------------------------------------------
    def __call__(self, environ, start_response):
        addr = environ.get("REMOTE_ADDR", "?")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        query = environ.get("QUERY_STRING", "")
        target = path + (f"?{query}" if query else "")
        entry = {"ip": addr, "method": method, "path": target}

        left = self.throttle.locked_for(addr)
        if left > 0:
            self.log.write(**entry, user=None, role=None, status=429, event="locked-out")
            return self._page(start_response, "429 Too Many Requests", "登录失败次数过多",
                              f"该地址登录失败次数过多, 已被暂时锁定, 请 {int(left) + 1} 秒后再试。",
                              [("Retry-After", str(int(left) + 1))])

        credentials = _basic_credentials(environ.get("HTTP_AUTHORIZATION", ""))
        if credentials is None:
            self.log.write(**entry, user=None, role=None, status=401, event="no-credentials")
            return self._challenge(start_response)
        name, password = credentials
        role = self.authenticate(name, password)
        if role is None:
            locked = self.throttle.fail(addr)
            self.log.write(**entry, user=name, role=None, status=401, event="login-failed")
            if locked:
                self.log.write(**entry, user=name, role=None, status=429, event="locked",
                               seconds=self.throttle.lockout)
            return self._challenge(start_response, "用户名或口令错误。")
        self.throttle.succeed(addr)

        if method not in ALLOWED_READ_ONLY_METHODS and _cross_site(environ):
            self.log.write(**entry, user=name, role=role, status=403, event="cross-site")
            return self._page(start_response, "403 Forbidden", "跨站请求, 已拒绝",
                              "修改请求必须来自本系统自己的页面 (Origin 与 Host 不一致)。")

        read_only = role not in ("accountant",)
        if read_only and (method not in ALLOWED_READ_ONLY_METHODS or FORBIDDEN_READ_ONLY.match(path)):
            self.log.write(**entry, user=name, role=role, status=403, event="refused")
            what = "修改账本" if method not in ALLOWED_READ_ONLY_METHODS else "打开编辑器、导入或上传页面"
            return self._page(start_response, "403 Forbidden", "只读账户, 已拒绝",
                              f"{ROLE_NAMES.get(role, role)}账户为只读, 不能{what} ({method} {path})。")

        environ["REMOTE_USER"] = name
        environ["shixun.role"] = role
        captured = {}

        def _start(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = headers
            captured["exc_info"] = exc_info
            return None

        result = self.app(environ, _start)
        status = captured.get("status", "500 Internal Server Error")
        headers = [(k, v) for k, v in captured.get("headers", [])
                   if k.lower() not in {h[0].lower() for h in SECURITY_HEADERS}]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        self.log.write(**entry, user=name, role=role, status=int(status.split()[0]), event="request")

        if read_only and content_type.startswith("text/html"):
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            body = _inject_read_only(body, role)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
            start_response(status, headers + SECURITY_HEADERS, captured.get("exc_info"))
            return [body]
        write = start_response(status, headers + SECURITY_HEADERS, captured.get("exc_info"))
        del write
        return result


def _basic_credentials(header: str):
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if ":" not in text:
        return None
    name, password = text.split(":", 1)
    return name, password


def _cross_site(environ) -> bool:
    """A write whose Origin (or, without one, Referer) names another host: a browser sends
    stored Basic credentials along with cross-site form posts, so refuse them (CSRF)."""
    from urllib.parse import urlsplit

    host = environ.get("HTTP_HOST", "")
    if environ.get("HTTP_SEC_FETCH_SITE", "") == "cross-site":
        return True
    origin = environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != host


def _inject_read_only(body: bytes, role: str) -> bytes:
    if b"</head>" not in body:
        return body
    banner = (f'<div id="shixun-banner">{ROLE_NAMES.get(role, role)} · 只读访问</div>').encode("utf-8")
    body = body.replace(b"</head>", READ_ONLY_CSS.encode("utf-8") + b"</head>", 1)
    return body.replace(b"</body>", banner + b"</body>", 1)


# Checked against when the user name is unknown, so a wrong name costs as much as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


# -- the application and the server -----------------------------------------------------------
def make_app(ledger: str, users_path: str, access_log: str | None = None, **guard_options):
    """Fava for `ledger`, wrapped in the guard. Returns (wsgi_app, flask_app)."""
    os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    from fava.application import create_app

    flask_app = create_app([os.path.abspath(ledger)], load=True)
    guard = Guard(flask_app.wsgi_app, users_path, access_log, **guard_options)
    flask_app.wsgi_app = guard
    return flask_app, guard


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def make_server(app, host: str, port: int, *, certfile: str | None = None, keyfile: str | None = None,
                numthreads: int = 16):
    from cheroot import wsgi

    host = "127.0.0.1" if host == "localhost" else host
    server = wsgi.Server((host, port), app, numthreads=numthreads, server_name="shixun")
    if certfile or keyfile:
        from cheroot.ssl.builtin import BuiltinSSLAdapter

        server.ssl_adapter = BuiltinSSLAdapter(certfile, keyfile)
    return server
