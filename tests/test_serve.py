"""`shixun serve` / `shixun user`: auth, roles, read-only bureaus, access log, throttling.

Every write route of Fava 1.30 (json_api PUT/DELETE endpoints, extension endpoints with
POST/PUT/DELETE) plus the editor/import pages is tried under each role with Flask's
test_client against the real middleware-wrapped `create_app`.
"""
import hashlib
import json
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from serving import users as users_mod
from tests.conftest import basic_auth, write_users
from serving.guard import Guard, Throttle
from serving.server import is_loopback, make_app
from scripts.cli import main as cli_main

PASSWORDS = {"fin": "财政-pass-1", "aud": "audit-pass-2", "acc": "acct-pass-3"}
ROLES = {"fin": "finance", "aud": "audit", "acc": "accountant"}

LEDGER = """\
option "title" "main"
option "operating_currency" "CNY"
option "documents" "docs"
2024-01-01 custom "fava-option" "language" "zh_CN"
2024-01-01 custom "fava-option" "import-config" "import_config.py"
2024-01-01 custom "fava-extension" "postext"

2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY

2024-01-05 * "客户" "销售"
  voucher: "记-2024-01-0001"
  Assets:1002-银行存款:100201-农商银行基本户  100.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入
"""

POST_EXTENSION = '''\
from fava.ext import FavaExtensionBase, extension_endpoint


class PostExt(FavaExtensionBase):
    """A test extension with endpoints for every method."""

    @extension_endpoint("poke", ["POST"])
    def poke_post(self):
        return "poked"

    @extension_endpoint("poke", ["PUT"])
    def poke_put(self):
        return "put"

    @extension_endpoint("poke", ["DELETE"])
    def poke_delete(self):
        return "deleted"

    @extension_endpoint("poke", ["GET"])
    def poke_get(self):
        return "seen"
'''


def auth(name, password=None):
    return basic_auth(name, PASSWORDS[name] if password is None else password)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    (root / "main.beancount").write_text(LEDGER, encoding="utf-8")
    (root / "postext.py").write_text(POST_EXTENSION, encoding="utf-8")
    (root / "import_config.py").write_text("CONFIG = []\n", encoding="utf-8")
    (root / "docs").mkdir()
    users = root / "users.txt"
    write_users(users, ROLES, PASSWORDS)
    app, guard = make_app(str(root / "main.beancount"), str(users), str(root / "access.log"),
                          max_failures=1000)
    return root, app, guard


@pytest.fixture
def client(site):
    return site[1].test_client()


def ledger_text(site):
    return (site[0] / "main.beancount").read_text(encoding="utf-8")


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(client):
    data = client.get("/main/api/journal", headers=auth("acc")).get_json()["data"]
    return next(e["entry_hash"] for e in data if e["t"] == "Transaction")


def write_requests(site, client):
    """(label, callable(headers) -> response) for every write route of Fava 1.30."""
    root = site[0]
    source = ledger_text(site)
    path = str(root / "main.beancount")
    ehash = entry_hash(client)
    new_entry = {"t": "Transaction", "date": "2024-01-06", "flag": "*", "payee": "客户",
                 "narration": "追加", "tags": [], "links": [], "meta": {},
                 "postings": [{"account": "Assets:1002-银行存款:100201-农商银行基本户",
                               "amount": "1.00 CNY"},
                              {"account": "Income:5001-主营业务收入:500101-勤工俭学收入",
                               "amount": "-1.00 CNY"}]}
    import io

    def upload(url, field="file", extra=None):
        def go(headers):
            data = {field: (io.BytesIO(b"%PDF-1.4 test"), "voucher.pdf"), **(extra or {})}
            return client.put(url, data=data, headers=headers, content_type="multipart/form-data")
        return go

    return [
        ("source save", lambda h: client.put("/main/api/source", headers=h, json={
            "file_path": path, "source": source + "\n; edited\n", "sha256sum": sha(source)})),
        ("source_slice save", lambda h: client.put("/main/api/source_slice", headers=h, json={
            "entry_hash": ehash, "source": "", "sha256sum": "0"})),
        ("source_slice delete", lambda h: client.delete(
            f"/main/api/source_slice?entry_hash={ehash}&sha256sum=0", headers=h)),
        ("format_source", lambda h: client.put("/main/api/format_source", headers=h,
                                               json={"source": source})),
        ("add_entries", lambda h: client.put("/main/api/add_entries", headers=h,
                                             json={"entries": [new_entry]})),
        ("upload document", upload("/main/api/add_document",
                                   extra={"folder": str(root / "docs"),
                                          "account": "Assets:1002-银行存款:100201-农商银行基本户"})),
        ("attach_document", lambda h: client.put("/main/api/attach_document", headers=h, json={
            "filename": str(root / "docs" / "x.pdf"), "entry_hash": ehash})),
        ("delete document", lambda h: client.delete(
            f"/main/api/document?filename={root / 'docs' / 'x.pdf'}", headers=h)),
        ("upload import file", upload("/main/api/upload_import_file",
                                      extra={"directory": str(root)})),
        ("move", lambda h: client.put("/main/api/move", headers=h, json={
            "account": "Assets:1002-银行存款:100201-农商银行基本户", "new_name": "x",
            "filename": str(root / "docs" / "x.pdf")})),
        ("extension POST", lambda h: client.post("/main/extension/PostExt/poke", headers=h)),
        ("extension PUT", lambda h: client.put("/main/extension/PostExt/poke", headers=h)),
        ("extension DELETE", lambda h: client.delete("/main/extension/PostExt/poke", headers=h)),
        ("import extract", lambda h: client.get(
            f"/main/api/extract?filename={root / 'x.csv'}&importer=x", headers=h)),
        ("editor page", lambda h: client.get("/main/editor/", headers=h)),
        ("import page", lambda h: client.get("/main/import/", headers=h)),
        ("raw source", lambda h: client.get(f"/main/api/source?filename={path}", headers=h)),
    ]


@pytest.mark.parametrize("name", ["fin", "aud"])
def test_bureau_roles_are_refused_every_write_route(site, client, name):
    before = ledger_text(site)
    for label, call in write_requests(site, client):
        response = call(auth(name))
        assert response.status_code == 403, label
        assert "只读" in response.get_data(as_text=True), label
    assert ledger_text(site) == before
    assert os.listdir(site[0] / "docs") == []


def test_accountant_reaches_every_write_route(site, client):
    for label, call in write_requests(site, client):
        response = call(auth("acc"))
        assert response.status_code not in (401, 403), label
    # the saves really happened: the editor save and the added entry are in the file
    text = ledger_text(site)
    assert "; edited" in text or "追加" in text
    assert client.post("/main/extension/PostExt/poke", headers=auth("acc")).get_data(as_text=True) == "poked"


def test_cross_site_writes_are_refused_even_for_the_accountant(client):
    evil = {**auth("acc"), "Origin": "http://evil.example"}
    assert client.post("/main/extension/PostExt/poke", headers=evil).status_code == 403
    assert client.post("/main/extension/PostExt/poke", headers={
        **auth("acc"), "Sec-Fetch-Site": "cross-site"}).status_code == 403
    same = {**auth("acc"), "Origin": "http://localhost"}  # Flask's test client host
    assert client.post("/main/extension/PostExt/poke", headers=same).status_code == 200
    # reading cross-site (links from elsewhere) stays possible
    assert client.get("/main/income_statement/", headers=evil).status_code == 200


def test_every_fava_write_route_is_covered():
    """If a Fava upgrade adds a write endpoint, this test names it."""
    from fava.application import create_app  # noqa: F401  (registers the blueprint routes)
    from fava.json_api import json_api

    import fava.json_api as api

    names = {n for n in dir(api) if n.startswith(("put_", "delete_"))}
    covered = {"put_source", "put_source_slice", "delete_source_slice", "put_format_source",
               "put_add_entries", "put_add_document", "put_attach_document", "delete_document",
               "put_upload_import_file", "put_move"}
    assert names <= covered, names - covered
    assert json_api.name == "json_api"


@pytest.mark.parametrize("name", ["fin", "aud", "acc"])
def test_reading_is_allowed_for_every_role(client, name):
    assert client.get("/main/income_statement/", headers=auth(name)).status_code == 200
    assert client.get("/main/api/journal", headers=auth(name)).status_code == 200
    assert client.get("/main/extension/PostExt/poke", headers=auth(name)).get_data(as_text=True) == "seen"
    # drill-down: Fava's context modal reads the entry and its source slice
    ehash = entry_hash(client)
    assert client.get(f"/main/api/context?entry_hash={ehash}", headers=auth(name)).status_code == 200
    assert client.get(f"/main/api/source_slice?entry_hash={ehash}", headers=auth(name)).status_code == 200


def test_bureau_html_hides_editor_import_and_add(client):
    page = client.get("/main/income_statement/", headers=auth("fin")).get_data(as_text=True)
    assert 'id="shixun-read-only"' in page and "财政局 · 只读访问" in page
    page = client.get("/main/income_statement/", headers=auth("acc")).get_data(as_text=True)
    assert "shixun-read-only" not in page


def test_401_without_and_with_wrong_credentials(client):
    for headers in ({}, auth("fin", "wrong-password"), auth("nobody", "whatever-1"),
                    {"Authorization": "Basic !!notbase64"}, {"Authorization": "Bearer x"}):
        response = client.get("/main/income_statement/", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
        response = client.put("/main/api/add_entries", headers=headers, json={"entries": []})
        assert response.status_code == 401


def test_access_log_is_appended_with_who_what_status(site, client):
    log = site[0] / "access.log"
    client.get("/main/income_statement/?time=2024", headers=auth("aud"))
    client.put("/main/api/add_entries", headers=auth("aud"), json={"entries": []})
    client.get("/main/income_statement/", headers=auth("aud", "bad-password"))
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {"time", "ip", "user", "role", "method", "path", "status", "event"} <= set(lines[-1])
    assert lines[-3]["user"] == "aud" and lines[-3]["status"] == 200 and "time=2024" in lines[-3]["path"]
    assert lines[-2]["status"] == 403 and lines[-2]["event"] == "refused"
    assert lines[-1]["status"] == 401 and lines[-1]["event"] == "login-failed"
    assert oct(os.stat(log).st_mode & 0o777) == "0o600"


def test_password_file_holds_only_salted_hashes(site):
    text = (site[0] / "users.txt").read_text(encoding="utf-8")
    for password in PASSWORDS.values():
        assert password not in text
    users = users_mod.read_users(str(site[0] / "users.txt"))
    hashes = [u.password_hash for u in users.values()]
    assert all(h.startswith(f"scrypt${users_mod.SCRYPT_N}$8$1$") for h in hashes)
    assert users_mod.SCRYPT_N >= 2**15  # raised from 2**14 (issue 14)
    assert len({h.split("$")[4] for h in hashes}) == 3  # distinct salts
    assert users_mod.verify_password(PASSWORDS["fin"], users["fin"].password_hash)
    assert not users_mod.verify_password("wrong", users["fin"].password_hash)
    # the same password twice gives different hashes (salted)
    assert users_mod.hash_password("same-password") != users_mod.hash_password("same-password")
    assert oct(os.stat(site[0] / "users.txt").st_mode & 0o777) == "0o600"


def test_failed_logins_lock_the_address_out(site):
    now = [1000.0]
    guard = Guard(site[1].wsgi_app.app, str(site[0] / "users.txt"), str(site[0] / "lock.log"),
                  max_failures=3, window=60, lockout=120, clock=lambda: now[0])
    from werkzeug.test import Client

    client = Client(guard)
    for _ in range(3):
        assert client.get("/main/income_statement/", headers=auth("fin", "bad-pass-x")).status_code == 401
    # locked: even the right password is refused now
    response = client.get("/main/income_statement/", headers=auth("fin"))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    now[0] += 121
    assert client.get("/main/income_statement/", headers=auth("fin")).status_code == 200
    events = [json.loads(line)["event"] for line in (site[0] / "lock.log").read_text("utf-8").splitlines()]
    assert events.count("login-failed") == 3 and "locked" in events and "locked-out" in events


def test_throttle_window_forgets_old_failures():
    now = [0.0]
    throttle = Throttle(max_failures=2, window=10, lockout=5, clock=lambda: now[0])
    assert not throttle.fail("a")
    now[0] = 11
    assert not throttle.fail("a")  # the first failure fell out of the window
    assert throttle.fail("a") and throttle.locked_for("a") == 5
    assert throttle.locked_for("b") == 0


def test_new_users_are_picked_up_without_restart(site, client):
    users_file = str(site[0] / "users.txt")
    assert client.get("/main/income_statement/", headers=auth("fin2", "fresh-pass-9")).status_code == 401
    time.sleep(0.01)
    users_mod.add_user(users_file, "fin2", "finance", "fresh-pass-9")
    assert client.get("/main/income_statement/", headers=auth("fin2", "fresh-pass-9")).status_code == 200
    assert client.put("/main/api/add_entries", headers=auth("fin2", "fresh-pass-9"),
                      json={"entries": []}).status_code == 403
    users_mod.remove_user(users_file, "fin2")
    assert client.get("/main/income_statement/", headers=auth("fin2", "fresh-pass-9")).status_code == 401


# -- the command line -----------------------------------------------------------------------
def run_cli(argv, stdin_text, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    try:
        code = cli_main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_user_add_reads_stdin_and_writes_hash_only(tmp_path, monkeypatch, capsys):
    users = tmp_path / "users.txt"
    code, out, _ = run_cli(["user", "add", "zhang", "--role", "finance", "--users", str(users)],
                           "long-enough-pw\n", monkeypatch, capsys)
    assert code == 0 and "zhang" in out
    assert "long-enough-pw" not in users.read_text(encoding="utf-8")
    code, _, err = run_cli(["user", "add", "zhang", "--role", "audit", "--users", str(users)],
                           "long-enough-pw\n", monkeypatch, capsys)
    assert code == 2 and "已存在" in err
    code, _, err = run_cli(["user", "add", "li", "--role", "finance", "--users", str(users)],
                           "short\n", monkeypatch, capsys)
    assert code == 2 and "太短" in err
    code, _, err = run_cli(["user", "add", "li", "--role", "boss", "--users", str(users)],
                           "long-enough-pw\n", monkeypatch, capsys)
    assert code == 2
    code, _, err = run_cli(["user", "add", "li", "--role", "audit", "--users", str(users)],
                           "", monkeypatch, capsys)
    assert code == 2 and "标准输入" in err
    code, out, _ = run_cli(["user", "list", "--users", str(users)], "", monkeypatch, capsys)
    assert code == 0 and "zhang\tfinance" in out
    code, _, _ = run_cli(["user", "passwd", "zhang", "--users", str(users)], "another-pw-22\n",
                         monkeypatch, capsys)
    assert code == 0
    user = users_mod.read_users(str(users))["zhang"]
    assert users_mod.verify_password("another-pw-22", user.password_hash)
    # no temporary files left behind by the atomic writes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.txt"]


def test_users_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "users.txt"
    bad.write_text("# c\nzhang:finance:plaintext\n", encoding="utf-8")
    with pytest.raises(users_mod.UsersError, match="第 2 行"):
        users_mod.read_users(str(bad))


def test_serve_refuses_non_loopback_without_tls(site, tmp_path, monkeypatch, capsys):
    users = str(site[0] / "users.txt")
    ledger = str(site[0] / "main.beancount")
    code, _, err = run_cli(["serve", ledger, "--users", users, "--host", "0.0.0.0"], "",
                           monkeypatch, capsys)
    assert code == 2 and "TLS" in err
    code, _, err = run_cli(["serve", ledger, "--users", users, "--certfile", "x.pem"], "",
                           monkeypatch, capsys)
    assert code == 2
    code, _, err = run_cli(["serve", ledger, "--users", str(tmp_path / "none")], "", monkeypatch, capsys)
    assert code == 2 and "用户文件不存在" in err
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, context=None, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def start_server(site, *extra):
    port = free_port()
    shixun = shutil.which("shixun") or str(pathlib.Path(sys.executable).parent / "shixun")
    proc = subprocess.Popen([shixun, "serve", str(site[0] / "main.beancount"),
                             "--users", str(site[0] / "users.txt"), "--port", str(port),
                             "--access-log", str(site[0] / "server.log"), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc, port


def get(url, headers, context=None):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_real_server_over_http(site):
    proc, port = start_server(site)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/")
        assert get(base + "/main/income_statement/", {}) == 401
        assert get(base + "/main/income_statement/", auth("fin")) == 200
        request = urllib.request.Request(base + "/main/api/add_entries", method="PUT",
                                         data=b'{"entries": []}', headers={
                                             **auth("fin"), "Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode("utf-8")
    assert "127.0.0.1" in out and proc.returncode == 0


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_real_server_over_tls(site, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    proc, port = start_server(site, "--certfile", str(cert), "--keyfile", str(key))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        base = f"https://127.0.0.1:{port}"
        wait_for(base + "/", context)
        assert get(base + "/main/income_statement/", auth("aud"), context) == 200
        with pytest.raises(OSError):  # plain HTTP on the TLS port does not get a page
            urllib.request.urlopen(f"http://127.0.0.1:{port}/main/income_statement/", timeout=5)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
