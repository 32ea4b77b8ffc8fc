"""The Guard: Fava behind a login, with roles, an append-only access log and a lockout.

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。"
The finance and audit bureaus supervise and audit the centre's books: they read
everything and change nothing. Fava has no authentication of its own and its
`read_only` mode still shows the editor (SPEC §6), so `Guard` wraps Fava's WSGI app:

- every request needs HTTP Basic credentials (401 otherwise), checked against the
  scrypt hashes of the users file (`serving.users`); a verified login is remembered;
- `accountant` may do everything; the read-only roles `finance` and `audit` may only
  GET (and HEAD, answered as the GET without its body), never the editor, import and
  upload pages and APIs, and their HTML pages hide those links and the "+" button;
  their queries are sandboxed like everyone's (`serving.query`);
- for every role, writes and API/download requests sent from another site
  (Sec-Fetch-Site cross-site/same-site, or a foreign Origin/Referer) are refused:
  browsers resend Basic credentials with an `<img src=…/api/…>` on any page (CSRF);
- a Fava filter (`filter`, `account`) whose regex could backtrack for seconds inside
  the server (`serving.query.explosive_filter`) is refused (400) for every role;
- failed logins are counted per address and per user, requests without credentials per
  address (`Throttle`); too many → 429 for a while; memory stays bounded;
- one JSON line per request (who, when in Asia/Shanghai time with its offset, from where,
  what, status; long fields truncated) goes to a log only ever opened with O_APPEND.
"""
from __future__ import annotations

import base64
import binascii
import collections
import datetime
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import threading
import time
from urllib.parse import parse_qsl, urlsplit

from serving.query import explosive_filter
from serving.users import UsersError, hash_password, read_users, verify_password

REALM = "shixun"
# Paths (after the ledger slug) a read-only role may not open even with GET.
FORBIDDEN_READ_ONLY = re.compile(
    r"^/[^/]+/(editor|import)(/|$)"
    r"|^/[^/]+/api/(source|extract|imports|upload_import_file|add_document|attach_document"
    r"|add_entries|format_source|move)(/|$)"
)
# Requests a page of another site could send with the stored credentials and that are
# no top-level page: Fava's JSON API, downloads, documents, extension endpoints.
API_OR_DOWNLOAD = re.compile(
    r"^/[^/]+/(api/|download-|document/|statement/|extension_js_module/|extension/[^/]+/[^/]+)")
READ_METHODS = frozenset({"GET", "HEAD"})
ROLE_NAMES = {"finance": "财政局", "audit": "审计局", "accountant": "会计"}
MAX_TARGET = 8192  # bytes of path + query string; Fava's longest URLs are a few hundred
LOG_FIELD = 512  # characters of a logged path or user name
LOCKED_LOG_SECONDS = 10.0
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991
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
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def now_shanghai() -> str:
    return datetime.datetime.now(SHANGHAI).isoformat(timespec="milliseconds")


def utf8_path(environ) -> str:
    """PATH_INFO as the browser meant it: WSGI hands bytes over as latin-1 (PEP 3333)."""
    raw = environ.get("PATH_INFO", "") or "/"
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def clip(text, limit: int = LOG_FIELD):
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}…(共 {len(text)} 个字符)"


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
        record = {"time": now_shanghai(), **record}
        for key in ("path", "user"):
            record[key] = clip(record.get(key))
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            os.write(self._fd, line.encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _Recent:
    """Timestamps (with a tag) per key within a window; at most `keys` keys, oldest dropped."""

    def __init__(self, window: float, keys: int, per_key: int):
        self.window, self.keys, self.per_key = window, keys, per_key
        self.data: collections.OrderedDict = collections.OrderedDict()

    def add(self, key, now: float, tag=None) -> int:
        queue = self.data.get(key)
        if queue is None:
            if len(self.data) >= self.keys:
                self._prune(now)
            while len(self.data) >= self.keys:
                self.data.popitem(last=False)
            queue = self.data[key] = collections.deque(maxlen=self.per_key)
        else:
            self.data.move_to_end(key)
        queue.append((now, tag))
        while queue and queue[0][0] <= now - self.window:
            queue.popleft()
        return len(queue)

    def drop(self, key, tag) -> None:
        queue = self.data.get(key)
        if queue is not None:
            kept = [item for item in queue if item[1] != tag]
            queue.clear()
            queue.extend(kept)

    def clear(self, key) -> None:
        self.data.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in [k for k, q in self.data.items() if not q or q[-1][0] <= now - self.window]:
            del self.data[key]


class Throttle:
    """Failed logins per address and per user, anonymous requests per address.

    An address is locked after `max_failures` failures (of any user names) or
    `max_anonymous` requests without credentials within `window` seconds; a user after
    `max_user_failures` failures from any addresses. A good login clears only that
    user's failures from that address, so one bureau's login does not reset the
    guesses at the accountant's password. Every table holds at most `max_keys` keys.
    """

    def __init__(self, max_failures=5, window=300.0, lockout=300.0, clock=time.monotonic, *,
                 max_user_failures=None, max_anonymous=100, max_keys=4096):
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self.max_user_failures = max_user_failures or 2 * max_failures
        self.max_anonymous = max_anonymous
        self._by_addr = _Recent(window, max_keys, max_failures)
        self._by_user = _Recent(window, max_keys, self.max_user_failures)
        self._anonymous = _Recent(window, max_keys, max_anonymous)
        self._locked = _Recent(lockout, 2 * max_keys, 1)
        self._lock = threading.Lock()

    def locked_for(self, addr: str, user: str | None = None) -> float:
        """Seconds the address (or the user) stays locked out (0 when free)."""
        now = self.clock()
        with self._lock:
            left = 0.0
            for key in (("addr", addr), ("user", user)):
                queue = self._locked.data.get(key)
                if queue:
                    until = queue[-1][1]
                    if until > now:
                        left = max(left, until - now)
                    else:
                        self._locked.clear(key)
            return left

    def _lock_out(self, key, now: float) -> None:
        self._locked.add(key, now, now + self.lockout)

    def fail(self, addr: str, user: str | None = None) -> bool:
        """Record a failed login (user: a known user name, else None); True when it locks."""
        now = self.clock()
        with self._lock:
            locked = False
            if self._by_addr.add(addr, now, user) >= self.max_failures:
                self._lock_out(("addr", addr), now)
                self._by_addr.clear(addr)
                locked = True
            if user is not None and self._by_user.add(user, now, addr) >= self.max_user_failures:
                self._lock_out(("user", user), now)
                self._by_user.clear(user)
                locked = True
            return locked

    def anonymous(self, addr: str) -> bool:
        """Record a request without credentials; True when it locks the address."""
        now = self.clock()
        with self._lock:
            if self._anonymous.add(addr, now) >= self.max_anonymous:
                self._lock_out(("addr", addr), now)
                self._anonymous.clear(addr)
                return True
            return False

    def succeed(self, addr: str, user: str) -> None:
        with self._lock:
            self._by_addr.drop(addr, user)
            self._by_user.drop(user, addr)


class Guard:
    """WSGI middleware: Basic auth, roles, read-only enforcement, access log, throttling."""

    def __init__(self, app, users_path: str, access_log: str | None = None, *,
                 max_failures: int = 5, window: float = 300.0, lockout: float = 300.0,
                 max_anonymous: int = 100, cache_seconds: float = 600.0, clock=time.monotonic):
        self.app = app
        self.users_path = users_path
        self.log = AccessLog(access_log)
        self.throttle = Throttle(max_failures, window, lockout, clock, max_anonymous=max_anonymous)
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._secret = secrets.token_bytes(32)
        self._users = {}
        self._users_stamp = None
        self._cache: dict[bytes, tuple[str, str, float]] = {}
        self._lock = threading.Lock()
        self._locked_log: collections.OrderedDict = collections.OrderedDict()
        self._scrypt = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))  # 32 MiB each
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

    def known(self, name: str) -> bool:
        return name in self._users

    def authenticate(self, name: str, password: str):
        """The user's role, or None. Verified credentials are remembered (keyed by an HMAC
        under a per-process secret, never the password) so scrypt runs once per session."""
        try:
            self._reload_users()
        except (UsersError, OSError):
            pass  # keep serving with the last good file
        key = hmac.new(self._secret, f"{name}\0{password}".encode("utf-8", "surrogatepass"),
                       hashlib.sha256).digest()
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[2] > now:
                return hit[1]
            user = self._users.get(name)
        with self._scrypt:
            if user is None:
                verify_password(password, _dummy_hash())  # same cost whether or not the user exists
                return None
            if not verify_password(password, user.password_hash):
                return None
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[key] = (name, user.role, now + self.cache_seconds)
        return user.role

    def _quiet(self, addr: str):
        """Locked-out requests are logged once per address every `LOCKED_LOG_SECONDS`: None
        to skip this one, else how many were skipped since the last line (a flood cannot
        fill the disk; the log still shows it, with its size)."""
        now = self.clock()
        with self._lock:
            last, skipped = self._locked_log.get(addr, (None, 0))
            if last is not None and now - last < LOCKED_LOG_SECONDS:
                self._locked_log[addr] = (last, skipped + 1)
                return None
            if len(self._locked_log) >= 4096:
                self._locked_log.popitem(last=False)
            self._locked_log.pop(addr, None)
            self._locked_log[addr] = (now, 0)
            return skipped

    # -- responses -----------------------------------------------------------------------
    def _page(self, environ, start_response, status: str, title: str, message: str, headers=(),
              back: bool = False):
        link = '<p><a href="/">返回账本首页</a></p>' if back else ""
        body = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>"
            f'<h1>{html.escape(title)}</h1><p class="shixun-refused">{html.escape(message)}</p>'
            f"{link}</body></html>"
        ).encode("utf-8")
        start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                                ("Content-Length", str(len(body))),
                                *self._security_headers(environ), *headers])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    @staticmethod
    def _security_headers(environ):
        tls = environ.get("wsgi.url_scheme") == "https"
        return [*SECURITY_HEADERS, HSTS] if tls else list(SECURITY_HEADERS)

    def _challenge(self, environ, start_response, message="请使用分配给您的用户名和口令登录。"):
        return self._page(environ, start_response, "401 Unauthorized", "需要登录", message,
                          [("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')])

    def _locked_out(self, environ, start_response, left: float):
        seconds = str(int(left) + 1)
        return self._page(environ, start_response, "429 Too Many Requests", "登录失败次数过多",
                          f"该地址或该用户登录失败次数过多, 已被暂时锁定, 请 {seconds} 秒后再试。",
                          [("Retry-After", seconds)])

    # -- the WSGI entry point ------------------------------------------------------------
    def __call__(self, environ, start_response):
        addr = environ.get("REMOTE_ADDR", "?")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = utf8_path(environ)
        query = environ.get("QUERY_STRING", "")
        target = path + (f"?{query}" if query else "")
        entry = {"ip": addr, "method": method, "path": target}

        if len(environ.get("PATH_INFO", "")) + len(query) > MAX_TARGET:
            self.log.write(**entry, user=None, role=None, status=414, event="too-long")
            return self._page(environ, start_response, "414 URI Too Long", "请求地址过长",
                              f"请求地址超过 {MAX_TARGET} 字节, 已拒绝。")
        credentials = _basic_credentials(environ.get("HTTP_AUTHORIZATION", ""))
        name = credentials[0] if credentials else None
        left = self.throttle.locked_for(addr, name if name and self.known(name) else None)
        if left > 0:
            suppressed = self._quiet(addr)
            if suppressed is not None:
                self.log.write(**entry, user=name, role=None, status=429, event="locked-out",
                               **({"suppressed": suppressed} if suppressed else {}))
            return self._locked_out(environ, start_response, left)
        if credentials is None:
            locked = self.throttle.anonymous(addr)
            self.log.write(**entry, user=None, role=None, status=401, event="no-credentials")
            if locked:
                self.log.write(**entry, user=None, role=None, status=429, event="locked",
                               seconds=self.throttle.lockout)
            return self._challenge(environ, start_response)
        name, password = credentials
        role = self.authenticate(name, password)
        if role is None:
            locked = self.throttle.fail(addr, name if self.known(name) else None)
            self.log.write(**entry, user=name, role=None, status=401, event="login-failed")
            if locked:
                self.log.write(**entry, user=name, role=None, status=429, event="locked",
                               seconds=self.throttle.lockout)
            return self._challenge(environ, start_response, "用户名或口令错误。")
        self.throttle.succeed(addr, name)

        if (method not in READ_METHODS or API_OR_DOWNLOAD.match(path)) and _cross_site(environ):
            self.log.write(**entry, user=name, role=role, status=403, event="cross-site")
            return self._page(environ, start_response, "403 Forbidden", "跨站请求, 已拒绝",
                              "修改、查询接口和下载请求必须来自本系统自己的页面, "
                              "来自其他网站的请求一律拒绝。", back=True)

        read_only = role not in ("accountant",)
        if read_only and (method not in READ_METHODS or FORBIDDEN_READ_ONLY.match(path)):
            self.log.write(**entry, user=name, role=role, status=403, event="refused")
            what = "修改账本" if method not in READ_METHODS else "打开编辑器、导入或上传页面"
            return self._page(environ, start_response, "403 Forbidden", "只读账户, 已拒绝",
                              f"{ROLE_NAMES.get(role, role)}账户为只读, 不能{what} "
                              f"({method} {clip(path, 200)})。", back=True)

        if any(key in ("filter", "account") and explosive_filter(value)
               for key, value in parse_qsl(query, keep_blank_values=True)):
            self.log.write(**entry, user=name, role=role, status=400, event="filter-refused")
            return self._page(environ, start_response, "400 Bad Request", "筛选条件过于复杂",
                              "筛选条件中的正则表达式含有嵌套或过多的重复, 可能使服务器长时间停顿, "
                              "已拒绝; 请改用简单的文字或正则表达式。", back=True)

        environ["REMOTE_USER"] = name
        environ["shixun.role"] = role
        head = method == "HEAD"
        if head:  # answered exactly as the GET, without its body
            environ["REQUEST_METHOD"] = "GET"
        return self._forward(environ, start_response, entry, name, role, read_only, head)

    def _forward(self, environ, start_response, entry, name, role, read_only, head):
        captured = {}

        def _start(status, headers, exc_info=None):
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return None

        result = self.app(environ, _start)
        status = captured.get("status", "500 Internal Server Error")
        security = self._security_headers(environ)
        ours = {h[0].lower() for h in security}
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() not in ours]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        self.log.write(**entry, user=name, role=role, status=int(status.split()[0]), event="request")

        if head or (read_only and content_type.startswith("text/html")):
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            if read_only and content_type.startswith("text/html"):
                body = _inject_read_only(body, role)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
            start_response(status, headers + security, captured.get("exc_info"))
            return [] if head else [body]
        start_response(status, headers + security, captured.get("exc_info"))
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
    """Sent by a page of another site: a browser says so in Sec-Fetch-Site, else the
    Origin (or, without one, the Referer) names another host."""
    if environ.get("HTTP_SEC_FETCH_SITE", "") in ("cross-site", "same-site"):
        return True
    origin = environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER")
    if not origin:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc != environ.get("HTTP_HOST", "")


def _inject_read_only(body: bytes, role: str) -> bytes:
    if b"</head>" not in body:
        return body
    banner = (f'<div id="shixun-banner">{ROLE_NAMES.get(role, role)} · 只读访问</div>').encode("utf-8")
    body = body.replace(b"</head>", READ_ONLY_CSS.encode("utf-8") + b"</head>", 1)
    return body.replace(b"</body>", banner + b"</body>", 1)


_DUMMY = []


def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so a wrong name costs as much as a
    wrong password (made on first use: importing this module costs no scrypt)."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_hex(8)))
    return _DUMMY[0]
