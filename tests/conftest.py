"""Shared test helpers: docstring ledgers loaded with the real loader."""
import os
import textwrap

import pytest

os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"

from beancount import loader  # noqa: E402


def load_ledger(text: str):
    """Load a docstring ledger (dedented) with its own plugin lines: (entries, errors, options)."""
    return loader.load_string(textwrap.dedent(text))


def messages(errors, clause=None):
    """Error messages, optionally only those of one clause ("P1", …)."""
    texts = [str(e.message) for e in errors]
    return [t for t in texts if clause is None or t.startswith(f"[{clause}]")]


@pytest.fixture
def ledger():
    return load_ledger
