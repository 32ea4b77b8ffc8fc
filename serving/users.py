"""The password file of `shixun serve`: who may read the books, and in which role.

Seed (P3): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。" The
bureaus get their own accounts; the file stores only a salted, slow hash of each
password (stdlib `hashlib.scrypt`), never the password itself.

File format (UTF-8 text, one user a line, `#` starts a comment)::

    NAME:ROLE:scrypt$N$r$p$SALT_B64$HASH_B64

Roles: `finance` (财政局, read-only), `audit` (审计局, read-only),
`accountant` (会计, full access). The file is always rewritten atomically
(temporary file + rename) with mode 0600.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass

from plugins.files import FileProblem, folder_hint, reason, write_atomic

ROLES = {
    "finance": "财政局 (只读)",
    "audit": "审计局 (只读)",
    "accountant": "会计 (读写)",
}
READ_ONLY_ROLES = frozenset({"finance", "audit"})

# scrypt cost: N=2**15, r=8, p=1 — 32 MiB, about 0.10 s per check on this 2-core machine
# (was 2**14, 0.05 s). 2**16 measured 0.19-0.24 s and OWASP's 2**17 0.41 s, over the 0.2 s a
# login may cost; the server remembers a verified login, so the cost is paid once per session.
# Old hashes keep their own parameters and still verify; `shixun user passwd` rewrites them.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD = 8
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # always fullmatch: "$" would accept "evil\n"
HEADER = "# shixun 用户文件: 用户名:角色:scrypt 口令散列 (不含明文口令, 请勿手工编辑)\n"


class UsersError(ValueError):
    """A problem with the users file or a user record; the message is Chinese."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str

    @property
    def read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P,
                  salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                            maxmem=128 * r * (n + p + 2), dklen=HASH_BYTES)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${n}${r}${p}${b64(salt)}${b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, hash_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        n, r, p = int(n), int(r), int(p)
        if not (2 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
            return False  # a cost no hash of ours has: refuse rather than allocate gigabytes
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                            maxmem=128 * r * (n + p + 2) + 1024, dklen=len(expected))
    return hmac.compare_digest(digest, expected)


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise UsersError(f"用户名不合法: {name!r} (只允许英文字母、数字、_ . -, 最长 64 个字符)")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UsersError(f"角色不合法: {role!r} (可选: {', '.join(ROLES)})")
    return role


def check_password(password: str) -> str:
    """At least MIN_PASSWORD characters that are not blanks ("        " is no password)."""
    if "\n" in password or "\r" in password:
        raise UsersError("口令不能包含换行")
    if sum(1 for ch in password if not ch.isspace()) < MIN_PASSWORD:
        raise UsersError(f"口令太短: 至少 {MIN_PASSWORD} 个非空白字符")
    return password


def read_users(path: str) -> dict[str, User]:
    """Parse the users file; a missing file is an error, a bad line names its line number."""
    if os.path.isdir(path):
        raise UsersError(folder_hint(path, "用户文件", "用户文件的文件名 (shixun user add 创建的那个文件)"))
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError as exc:
        raise UsersError(f"用户文件不存在: {path}") from exc
    except UnicodeDecodeError as exc:
        raise UsersError(f"用户文件不是 UTF-8 编码: {path}") from exc
    except OSError as exc:
        raise UsersError(f"无法读取用户文件 {path}: {reason(exc)}") from None
    users: dict[str, User] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 3 or not parts[2].startswith("scrypt$"):
            raise UsersError(f"用户文件 {path} 第 {number} 行格式错误 (应为 用户名:角色:scrypt$…)")
        name, role, encoded = parts
        try:
            check_name(name)
            check_role(role)
        except UsersError as exc:
            raise UsersError(f"用户文件 {path} 第 {number} 行: {exc}") from exc
        if name in users:
            raise UsersError(f"用户文件 {path} 第 {number} 行: 用户 {name} 重复")
        users[name] = User(name, role, encoded)
    return users


def write_users(path: str, users: dict[str, User]) -> None:
    """Rewrite the file atomically (plugins.files.write_atomic), mode 0600."""
    text = HEADER + "".join(f"{u.name}:{u.role}:{u.password_hash}\n"
                            for u in sorted(users.values(), key=lambda u: u.name))
    try:
        write_atomic(path, text, "用户文件", mode=0o600)
    except FileProblem as exc:
        raise UsersError(str(exc)) from None


def load_or_empty(path: str) -> dict[str, User]:
    return read_users(path) if os.path.exists(path) else {}


def add_user(path: str, name: str, role: str, password: str, *, replace: bool = False) -> User:
    check_name(name)
    check_role(role)
    check_password(password)
    users = load_or_empty(path)
    if name in users and not replace:
        raise UsersError(f"用户已存在: {name} (修改口令请用 shixun user passwd)")
    user = User(name, role, hash_password(password))
    users[name] = user
    write_users(path, users)
    return user


def set_password(path: str, name: str, password: str) -> User:
    check_password(password)
    users = read_users(path)
    if name not in users:
        raise UsersError(f"用户不存在: {name}")
    user = User(name, users[name].role, hash_password(password))
    users[name] = user
    write_users(path, users)
    return user


def remove_user(path: str, name: str) -> None:
    users = read_users(path)
    if name not in users:
        raise UsersError(f"用户不存在: {name}")
    del users[name]
    write_users(path, users)
