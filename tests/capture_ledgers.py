"""A pytest plugin that records every ledger the tests load, for tests/test_engine_equivalence.py.

    CAPTURE_LEDGERS=tests/data/equivalence/ledgers.json \\
        .venv/bin/python -m pytest -p tests.capture_ledgers tests/test_spec_cases.py …

Each `beancount.loader.load_string` text, each `load_file` (the main file's folder,
its small text files) and each ledger a test hands to the `shixun` command
(subprocess) is kept once, with the dates of judgement (SHIXUN_AS_OF / --as-of) it
was loaded under and the first test that loaded it. The tests run as usual.
"""
import hashlib
import json
import os
import pathlib
import subprocess

import pytest
from beancount import loader

MAX_FILE = 400_000  # a folder's files above this size are not kept (none of the fixtures' are)
TEXT_SUFFIXES = (".beancount", ".csv", ".tsv", ".toml", ".txt")

_records: dict = {}
_current = {"test": None}


def _folder(main: pathlib.Path) -> dict | None:
    """The main file's folder as {relative path: text}, or None when it is not a small folder."""
    base = main.parent
    files = {}
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        if path.stat().st_size > MAX_FILE or len(files) > 60:
            return None
        try:
            files[str(path.relative_to(base))] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
    return files


def _keep(kind, payload, as_of):
    blob = json.dumps([kind, payload], ensure_ascii=False, sort_keys=True)
    key = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
    record = _records.setdefault(key, {"kind": kind, "payload": payload, "as_of": [], "test": _current["test"]})
    if as_of and as_of not in record["as_of"]:
        record["as_of"].append(as_of)


def _keep_file(filename, as_of):
    main = pathlib.Path(filename).resolve()
    if not main.is_file() or main.suffix != ".beancount":
        return
    files = _folder(main)
    if files is not None:
        _keep("file", {"main": main.name, "files": files}, as_of)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current["test"] = item.nodeid


def pytest_configure(config):
    if not os.environ.get("CAPTURE_LEDGERS"):
        return
    real_string, real_file, real_run = loader.load_string, loader.load_file, subprocess.run

    def load_string(string, *args, **kwargs):
        _keep("string", {"text": string}, os.environ.get("SHIXUN_AS_OF", ""))
        return real_string(string, *args, **kwargs)

    def load_file(filename, *args, **kwargs):
        _keep_file(filename, os.environ.get("SHIXUN_AS_OF", ""))
        return real_file(filename, *args, **kwargs)

    def run(command, *args, **kwargs):
        if isinstance(command, (list, tuple)) and command and str(command[0]).endswith("shixun"):
            cwd = pathlib.Path(kwargs.get("cwd") or ".")
            argv = [str(a) for a in command]
            as_of = argv[argv.index("--as-of") + 1] if "--as-of" in argv[:-1] else (kwargs.get("env") or {}).get("SHIXUN_AS_OF", "")
            named = [a for a in argv[1:] if a.endswith(".beancount")]
            for name in named or ["main.beancount"]:
                _keep_file(cwd / name, as_of)
        return real_run(command, *args, **kwargs)

    loader.load_string, loader.load_file, subprocess.run = load_string, load_file, run


def corpus(records) -> dict:
    """The records with every text stored once (`blobs`, by digest): the seal tests' many
    mutations of one folder share all but one file."""
    blobs, ledgers = {}, {}

    def blob(text):
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        blobs[digest] = text
        return digest

    for key, record in sorted(records.items(), key=lambda item: (item[1]["test"] or "", item[0])):
        payload = record["payload"]
        stored = {"test": record["test"], "as_of": sorted(record["as_of"]), "kind": record["kind"]}
        if record["kind"] == "string":
            stored["text"] = blob(payload["text"])
        else:
            stored["main"] = payload["main"]
            stored["files"] = {name: blob(text) for name, text in payload["files"].items()}
        ledgers[key] = stored
    return {"ledgers": ledgers, "blobs": dict(sorted(blobs.items()))}


def pytest_unconfigure(config):
    target = os.environ.get("CAPTURE_LEDGERS")
    if target:
        pathlib.Path(target).parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(corpus(_records), ensure_ascii=False, indent=0, sort_keys=True)
        pathlib.Path(target).write_text(text + "\n", encoding="utf-8")
