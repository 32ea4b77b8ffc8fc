"""Fava wrapped in the Guard, on cheroot with limits that hold against slow or huge requests.

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。" The bureaus'
access must stay available to the accountant whatever an anonymous client sends:

- request line + headers at most `max_header` bytes (cheroot answers 414/413), a body at
  most `max_body` bytes (413);
- a header-read deadline (`HeaderDeadline`): a connection that has not finished its
  request line and headers `header_seconds` after its first byte is shut down, and
  after `busy_seconds` while every worker is taken, so trickling clients cannot hold
  the workers;
- a bounded queue in front of the workers (503 when full), idle keep-alive connections
  limited in number and closed after `timeout` seconds.
`--certfile/--keyfile` turn on cheroot's builtin TLS adapter, its handshake moved out of
the accept loop into the worker, under the header deadline.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from cheroot import server as cheroot_server
from cheroot import wsgi

from serving.guard import Guard
from serving.query import QueryLimits, install


@dataclass(frozen=True)
class ServerLimits:
    threads: int = 32
    max_header: int = 64 * 1024
    max_body: int = 64 * 2**20  # voucher uploads by the accountant
    header_seconds: float = 5.0
    busy_seconds: float = 1.0
    timeout: float = 10.0  # idle keep-alive and per-read socket timeout
    queue: int = 256
    keep_alive: int = 64


def make_app(ledger: str, users_path: str, access_log: str | None = None, *,
             query_limits: QueryLimits | None = None, **guard_options):
    """Fava for `ledger` with the sandboxed query module, wrapped in the Guard.
    Returns (flask_app, guard)."""
    os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    from fava.application import create_app

    from serving.query import QueryError

    flask_app = create_app([os.path.abspath(ledger)], load=True)
    install(flask_app, query_limits)
    flask_app.register_error_handler(QueryError, _query_error_page)
    guard = Guard(flask_app.wsgi_app, users_path, access_log, **guard_options)
    flask_app.wsgi_app = guard
    return flask_app, guard


def _query_error_page(error):
    """A refused or stopped query outside the JSON API (the download): Chinese, its status."""
    import html

    body = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>查询未执行</title>'
            f'</head><body><h1>查询未执行</h1><p class="shixun-refused">{html.escape(error.message)}</p>'
            '<p><a href="/">返回账本首页</a></p></body></html>')
    return body, int(error.status), {"Content-Type": "text/html; charset=utf-8"}


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


class HeaderDeadline:
    """Shuts down connections still reading their headers past the deadline."""

    def __init__(self, server, seconds: float, busy_seconds: float):
        self.server, self.seconds, self.busy_seconds = server, seconds, busy_seconds
        self._armed: dict[int, tuple[socket.socket, float]] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="header-deadline", daemon=True)
        self._thread.start()

    def arm(self, sock) -> int:
        token = id(sock)
        with self._lock:
            self._armed[token] = (sock, time.monotonic())
        return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._armed.pop(token, None)

    def _busy(self) -> bool:
        pool = self.server.requests
        return getattr(pool, "idle", 1) == 0 and getattr(pool, "qsize", 0) > 0

    def _watch(self) -> None:
        while True:
            time.sleep(0.2)
            now = time.monotonic()
            limit = self.busy_seconds if self._busy() else self.seconds
            with self._lock:
                late = [t for t, (_, since) in self._armed.items() if now - since > limit]
                socks = [self._armed.pop(t)[0] for t in late]
            for sock in socks:
                try:  # socket.socket's own shutdown: an SSLSocket's would drop its state
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass


class _Request(cheroot_server.HTTPRequest):
    def parse_request(self):
        deadline = getattr(self.server, "header_deadline", None)
        sock = self.conn.socket
        token = deadline.arm(sock) if deadline else None
        try:
            if isinstance(sock, ssl.SSLSocket) and sock.cipher() is None:
                try:  # the TLS handshake, deferred to the worker, under the same deadline
                    sock.do_handshake()
                except (OSError, ValueError):
                    return  # not ready: cheroot closes the connection
            super().parse_request()
        finally:
            if token is not None:
                deadline.disarm(token)


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


def _tls_adapter(certfile, keyfile):
    """cheroot's builtin adapter, but the handshake is not done in the accept loop: there a
    client that connects and sends nothing blocked every other connection for `timeout`
    seconds. The worker that reads the first request does it (`_Request`)."""
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    class DeferredHandshake(BuiltinSSLAdapter):
        def wrap(self, sock):
            wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
            return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on", **self._server_env}

    return DeferredHandshake(certfile, keyfile)


def make_server(app, host: str, port: int, *, certfile: str | None = None, keyfile: str | None = None,
                limits: ServerLimits | None = None):
    limits = limits or ServerLimits()
    host = "127.0.0.1" if host == "localhost" else host
    server = wsgi.Server((host, port), app, numthreads=limits.threads, server_name="shixun",
                         timeout=limits.timeout, accepted_queue_size=limits.queue,
                         accepted_queue_timeout=0.5, request_queue_size=128)
    server.ConnectionClass = _Connection
    server.max_request_header_size = limits.max_header
    server.max_request_body_size = limits.max_body
    server.keep_alive_conn_limit = limits.keep_alive
    server.header_deadline = HeaderDeadline(server, limits.header_seconds, limits.busy_seconds)
    if certfile or keyfile:
        server.ssl_adapter = _tls_adapter(certfile, keyfile)
    return server
