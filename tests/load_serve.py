"""Load test of `shixun serve` on loopback (not part of the default pytest run).

    .venv/bin/python tests/load_serve.py [--ledger ledger/main.beancount] [--clients 20] [--requests 200]

Copies the ledger's folder to a temporary directory (adding the
`custom "fava-extension" "reports.views"` line if the main file lacks it), creates a
finance-bureau user, starts the real server (cheroot + Guard + Fava) on a free
127.0.0.1 port, and runs N concurrent clients × M requests each over keep-alive
HTTP/1.1 with Basic auth, cycling through the bureau pages, a few Fava pages and
APIs and a bureau's ordinary query (sandboxed: one forked child each). Prints
latency percentiles and throughput; exits 1 on any error. Every request goes to
127.0.0.1 only; the run is bounded by count and by --timeout.
"""
import argparse
import base64
import collections
import http.client
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATHS = [
    "extension/FinanceView/",
    "extension/AuditView/",
    "extension/FinanceView/?time=2024",
    "extension/AuditView/?time=2025",
    "income_statement/",
    "balance_sheet/",
    "api/income_statement",
    "api/errors",
    "api/query?query_string=SELECT%20account%2C%20sum%28position%29%20GROUP%20BY%20account",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(ledger: pathlib.Path, work: pathlib.Path) -> pathlib.Path:
    if ledger.exists():
        shutil.copytree(ledger.parent, work / "ledger")
        main = work / "ledger" / ledger.name
        text = main.read_text(encoding="utf-8")
        if "reports.views" not in text:
            main.write_text(text + '\n1900-01-01 custom "fava-extension" "reports.views"\n', encoding="utf-8")
        return main
    from tests.test_views import LEDGER

    main = work / "main.beancount"
    main.write_text(LEDGER, encoding="utf-8")
    return main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", default=str(ROOT / "ledger" / "main.beancount"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=32, help="server worker threads")
    parser.add_argument("--timeout", type=float, default=900, help="stop the whole run after this many seconds")
    parser.add_argument("--views-only", action="store_true",
                        help="only the two bureau views (Fava's own pages are slow on a 100k ledger)")
    args = parser.parse_args(argv)

    from serving.users import add_user

    work = pathlib.Path(tempfile.mkdtemp(prefix="shixun-load-"))
    main_file = prepare(pathlib.Path(args.ledger), work)
    users = work / "users.txt"
    add_user(str(users), "caizheng", "finance", "load-test-password")
    port = free_port()
    shixun = shutil.which("shixun") or str(pathlib.Path(sys.executable).parent / "shixun")
    out = open(work / "server.out", "wb")
    server = subprocess.Popen([shixun, "serve", str(main_file), "--users", str(users), "--port", str(port),
                               "--threads", str(args.threads), "--access-log", str(work / "access.log")],
                              stdout=out, stderr=subprocess.STDOUT)
    paths = [p for p in PATHS if p.startswith("extension/")] if args.views_only else PATHS
    token = base64.b64encode(b"caizheng:load-test-password").decode()
    headers = {"Authorization": f"Basic {token}", "Connection": "keep-alive"}
    try:
        started = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                if server.poll() is not None or time.monotonic() - started > 600:
                    print((work / "server.out").read_text("utf-8"))
                    return 1
                time.sleep(0.2)
        print(f"server up after {time.monotonic() - started:.1f} s (ledger load)")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/", headers=headers)
        response = conn.getresponse()
        response.read()
        slug = response.getheader("Location").strip("/").split("/")[0]
        conn.close()
        # warm the view caches once (the first render runs the builders)
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in paths:
            t0 = time.perf_counter()
            warm.request("GET", f"/{slug}/{path}", headers=headers)
            r = warm.getresponse()
            r.read()
            print(f"first render {path}: {r.status} {time.perf_counter() - t0:.3f} s")
        warm.close()

        latencies, errors, lock = [], [], threading.Lock()
        by_path = collections.defaultdict(list)
        deadline = time.monotonic() + args.timeout

        def client(index):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine, per_path = [], collections.defaultdict(list)
            for i in range(args.requests):
                if time.monotonic() > deadline:
                    with lock:
                        errors.append("timeout")
                    break
                path = f"/{slug}/{paths[(index + i) % len(paths)]}"
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    if response.status != 200 or not body:
                        with lock:
                            errors.append(f"{response.status} {path}")
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__} {path}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine.append(time.perf_counter() - t0)
                per_path[paths[(index + i) % len(paths)]].append(mine[-1])
            conn.close()
            with lock:
                latencies.extend(mine)
                for key, values in per_path.items():
                    by_path[key].extend(values)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t0
        latencies.sort()

        def pct(p):
            return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

        print(f"{args.clients} clients × {args.requests} requests = {len(latencies)} requests in {wall:.1f} s "
              f"({len(latencies) / wall:.0f} req/s), errors: {len(errors)}")
        print(f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p95 {pct(95):.1f}  p99 {pct(99):.1f}  "
              f"max {latencies[-1] * 1000:.1f}  mean {statistics.mean(latencies) * 1000:.1f}")
        for key, values in by_path.items():
            values.sort()
            print(f"  {key[:60]:60s} p50 {values[len(values) // 2] * 1000:7.1f}  "
                  f"p99 {values[min(len(values) - 1, int(0.99 * len(values)))] * 1000:7.1f} ms")
        if errors:
            print("first errors:", errors[:10])
        return 1 if errors else 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        out.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
