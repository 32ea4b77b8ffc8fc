"""Shared test helpers: docstring ledgers loaded with the real loader."""
import base64
import os
import pathlib
import re
import textwrap

import pytest

os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"

from beancount import loader  # noqa: E402


def load_ledger(text: str):
    """Load a docstring ledger (dedented) with its own plugin lines: (entries, errors, options)."""
    return loader.load_string(textwrap.dedent(text))


def last_booking(text: str) -> str | None:
    """The date of a ledger text's last dated line that is not a `custom` directive."""
    return max(re.findall(r"^\s*(\d{4}-\d\d-\d\d) (?!custom)", text, re.M), default=None)


def load_judged_on_last_booking(text: str):
    """`load_ledger` with the date of judgement (SHIXUN_AS_OF) pinned to the ledger's last
    booking, as a test written before plugins.asof expects: the day the books end
    (a test that sets SHIXUN_AS_OF itself keeps its own)."""
    before = os.environ.get("SHIXUN_AS_OF")
    os.environ["SHIXUN_AS_OF"] = before or last_booking(textwrap.dedent(text)) or ""
    try:
        return load_ledger(text)
    finally:
        if before is None:
            del os.environ["SHIXUN_AS_OF"]
        else:
            os.environ["SHIXUN_AS_OF"] = before


def basic_auth(name: str, password: str) -> dict:
    """The HTTP Basic `Authorization` header for a user of the served site."""
    token = base64.b64encode(f"{name}:{password}".encode("utf-8")).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def write_users(users: pathlib.Path, roles: dict, passwords: dict) -> None:
    """A users file with one user per name in `roles` (role, password from `passwords`)."""
    from serving import users as users_mod

    for name, role in roles.items():
        users_mod.add_user(str(users), name, role, passwords[name])


def regen_golden(golden: pathlib.Path, text: str) -> None:
    """With REGEN_GOLDEN set, (re)write the golden file with `text` before it is compared."""
    if os.environ.get("REGEN_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")


def messages(errors, clause=None):
    """Error messages, optionally only those of one clause ("P1", …)."""
    texts = [str(e.message) for e in errors]
    return [t for t in texts if clause is None or t.startswith(f"[{clause}]")]


@pytest.fixture
def ledger():
    return load_ledger
