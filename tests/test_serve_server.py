"""Issue 14 finding 5 against the real `shixun serve` (cheroot + Guard + Fava) on loopback:
trickled headers, huge URLs and headers, no credentials. Every socket has a timeout, so
each test ends within a bound whatever the server does."""
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from serving import users as users_mod
from tests.conftest import basic_auth

LEDGER = """\
option "title" "实训账本"
option "operating_currency" "CNY"
2024-01-01 open Assets:1002-银行存款 CNY
2024-01-01 open Income:5001-主营业务收入 CNY
2024-01-05 * "客户" "销售"
  Assets:1002-银行存款  100.00 CNY
  Income:5001-主营业务收入
"""
SLUG = "%E5%AE%9E%E8%AE%AD%E8%B4%A6%E6%9C%AC"  # 实训账本
PASSWORD = "kuaiji-pass-3"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(root, users, *extra, context=None):
    """`shixun serve` of root/main.beancount on a free loopback port, once it answers (401)."""
    port = free_port()
    shixun = shutil.which("shixun") or str(pathlib.Path(sys.executable).parent / "shixun")
    proc = subprocess.Popen([shixun, "serve", str(root / "main.beancount"), "--users", str(users),
                             "--port", str(port), "--access-log", str(root / "access.log"), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"{'https' if context else 'http'}://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
        except urllib.error.HTTPError:
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("shixun serve did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("server")
    (root / "main.beancount").write_text(LEDGER, encoding="utf-8")
    users = root / "users.txt"
    users_mod.add_user(str(users), "kuaiji", "accountant", PASSWORD)
    proc, port = serve(root, users, "--threads", "16", "--header-seconds", "3")
    yield {"port": port, "pid": proc.pid, "log": root / "access.log", "root": root}
    proc.terminate()
    proc.wait(timeout=30)


def accountant_get(port, timeout=20):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/{SLUG}/api/errors",
                                     headers=basic_auth("kuaiji", PASSWORD))
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def raw(port, data: bytes, timeout=10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass
        try:
            return sock.recv(65536)
        except OSError:
            return b""


def test_trickled_headers_do_not_starve_the_accountant(server):
    port, stop = server["port"], threading.Event()
    sockets = []

    def trickle(sock):
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            while not stop.is_set():
                sock.sendall(b"X-a: b\r\n")
                stop.wait(1)
        except OSError:
            pass

    threads = []
    for _ in range(40):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sockets.append(sock)
        threads.append(threading.Thread(target=trickle, args=(sock,), daemon=True))
        threads[-1].start()
    try:
        time.sleep(1)
        answered = []
        for _ in range(5):
            started = time.monotonic()
            assert accountant_get(port, timeout=20) == 200
            answered.append(time.monotonic() - started)
        assert max(answered) < 10, answered  # answered within seconds, not after 48 s
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


def test_huge_url_and_header_are_refused_without_memory_growth(server):
    port, pid = server["port"], server["pid"]
    log_size = server["log"].stat().st_size
    before = rss_kib(pid)
    for _ in range(5):
        answer = raw(port, b"GET /" + b"a" * (8 * 2**20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 414")
        answer = raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * (16 * 2**20) + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413")
    assert rss_kib(pid) - before < 50 * 1024  # was +600 MiB for one 200 MiB header
    assert server["log"].stat().st_size - log_size < 10 * 1024  # nothing of the URL logged
    assert accountant_get(port) == 200


def test_oversized_body_is_refused(server):
    answer = raw(server["port"], b"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                 % (100 * 2**20))
    assert answer.startswith(b"HTTP/1.1 413")


def test_head_and_hsts_free_plain_http(server):
    answer = raw(server["port"], b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 401") and b"Strict-Transport-Security" not in answer


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_silent_tls_connections_do_not_block_the_others(tmp_path):
    """Seen while attacking: cheroot did the TLS handshake in its accept loop, so each
    connection that sent nothing held every other client for 10 s."""
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    (tmp_path / "main.beancount").write_text(LEDGER, encoding="utf-8")
    users = tmp_path / "users.txt"
    users_mod.add_user(str(users), "kuaiji", "accountant", PASSWORD)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    proc, port = serve(tmp_path, users, "--certfile", str(cert), "--keyfile", str(key), context=context)

    def get(timeout):
        request = urllib.request.Request(f"https://127.0.0.1:{port}/{SLUG}/api/errors",
                                         headers=basic_auth("kuaiji", PASSWORD))
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, response.headers.get("Strict-Transport-Security", "")

    try:
        silent = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
        try:
            time.sleep(0.5)
            status, hsts = get(timeout=5)  # was: blocked 10 s per silent connection
            assert status == 200 and hsts.startswith("max-age=")
        finally:
            for sock in silent:
                sock.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
