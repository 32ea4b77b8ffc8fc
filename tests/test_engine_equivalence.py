"""`plugin "plugins.all"` against the five family lines on every ledger the tests use.

The contract (plugins/all.py, tests/test_plugins_all.py): a ledger with
`plugin "plugins.all"` and the same ledger with the five family lines
(`plugin "plugins.work_study"` … `"plugins.seal"`, in that order, the config split to
the family that owns each key) give the same entries (as Beancount text, without
filename/lineno) and the same errors (file, line, message), in the same order.

The ledgers:
- every `.beancount` file under tests/data that no other file includes (with its
  folder: includes, students.csv), the bundled ledger and tests/violations_ledger.py's
  copy of it (one violation of each clause);
- every ledger tests/test_spec_cases.py and the family tests (test_work_study,
  test_treasury, test_taxes, test_funds, test_funds_report, test_seal) load —
  `load_string` texts, `load_file` folders, the folders they hand to the `shixun`
  command — recorded in tests/data/equivalence/ledgers.json by tests/capture_ledgers.py.
  (test_taxes' hypothesis test adds the examples of the run that recorded them).
  After changing those tests' ledgers, record them again:

      CAPTURE_LEDGERS=tests/data/equivalence/ledgers.json .venv/bin/python -m pytest \\
          -p tests.capture_ledgers -m "not browser" tests/test_spec_cases.py tests/test_work_study.py \\
          tests/test_treasury.py tests/test_taxes.py tests/test_funds.py tests/test_funds_report.py tests/test_seal.py

Whatever plugin lines of ours a ledger has (none, one family, two, or plugins.all) are
replaced, in place, by the five lines in one variant and by `plugins.all` (padded with
comment lines to the same length) in the other; both are loaded with SHIXUN_AS_OF
pinned to each date the ledger's test used, its last booking and a year after it (and
unset when the ledger pins its own date). Ledgers whose config names a key its line's
family does not own (an unknown key: each line reports it in its own words) have no
equivalent and are only counted.

The one normalisation: an error on the plugin lines (a config problem) points at
"the plugin line" — the five lines and the one line cannot share a line number.
"""
import ast
import datetime
import json
import os
import pathlib
import re
import shutil

import pytest
from beancount import loader

from plugins import all as plugins_all
from tests.conftest import last_booking
from tests.test_plugins_all import summary
from tests.violations_ledger import violations_ledger

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data"
CORPUS = DATA / "equivalence" / "ledgers.json"
BUNDLED = HERE.parent / "ledger" / "main.beancount"

FAMILIES = tuple(module.__name__.split(".")[1] for module, _ in plugins_all.FAMILIES)
DEFAULTS = {module.__name__.split(".")[1]: set(defaults) for module, defaults in plugins_all.FAMILIES}
KNOWN = set().union(*DEFAULTS.values())
OURS = re.compile(r'^(?P<indent>[ \t]*)plugin[ \t]+"plugins\.(?P<name>all|%s)"(?:[ \t]+"(?P<config>[^"]*)")?[ \t]*$'
                  % "|".join(FAMILIES), re.M)
PLUGIN_LINE = "<plugin line>"


class NotApplicable(Exception):
    """The ledger's plugin lines have no one `plugins.all` equivalent (e.g. an unknown key)."""


def merged_config(found) -> dict:
    """The one config dict `plugins.all` gets for the plugin lines `found` (name, config)."""
    names = [name for name, _ in found]
    if len(set(names)) < len(names) or ("all" in names and len(names) > 1):
        raise NotApplicable(f"a family twice or beside plugins.all: {names}")
    merged = {}
    for name, config in found:
        if config is None or not config.strip():
            continue
        try:
            given = ast.literal_eval(config)
        except (ValueError, SyntaxError):
            raise NotApplicable(f"config of plugins.{name} is no Python literal: {config!r}") from None
        if not isinstance(given, dict):
            raise NotApplicable(f"config of plugins.{name} is no dict: {config!r}")
        own = KNOWN if name == "all" else DEFAULTS[name]
        if set(given) - own:
            raise NotApplicable(f"config of plugins.{name} names keys it does not own: {sorted(set(given) - own)}")
        for key, value in given.items():
            if key in merged and merged[key] != value:
                raise NotApplicable(f"two plugin lines give {key} different values")
            merged[key] = value
    return merged


def config_arg(config: dict) -> str:
    text = repr(config)
    if '"' in text or "\\" in text:
        raise NotApplicable(f"config cannot be written back as a Beancount string: {text}")
    return f' "{text}"' if config else ""


def variants(text: str) -> tuple[str, str, int]:
    """(the five-line text, the plugins.all text, the first line of the plugin block)."""
    found = list(OURS.finditer(text))
    config = merged_config([(m["name"], m["config"]) for m in found])
    indent = found[0]["indent"] if found else ""
    five = "\n".join(f'{indent}plugin "plugins.{family}"'
                     + config_arg({k: v for k, v in config.items() if k in DEFAULTS[family]})
                     for family in FAMILIES)
    one = f'{indent}plugin "plugins.all"{config_arg(config)}' + f"\n{indent};" * (len(FAMILIES) - 1)
    if not found:
        return five + "\n" + text, one + "\n" + text, 1
    start, first = found[0].start(), text.count("\n", 0, found[0].start()) + 1
    built = []
    for block in (five, one):
        out = [text[:start]]
        for number, match in enumerate(found):
            out.append(block if number == 0 else f"{match['indent']};")
            out.append(text[match.end():found[number + 1].start()] if number + 1 < len(found) else text[match.end():])
        built.append("".join(out))
    return built[0], built[1], first


def outcome(load_text, text: str, block_file: str, block_line: int):
    """(entries as text, errors as (file, line, message)) of one load of `text`."""
    entries, errors, _ = load_text(text)
    texts, _ = summary(entries, [])
    found = []
    for error in errors:
        source = error.source or {}
        filename, lineno = source.get("filename"), source.get("lineno")
        if filename == block_file and isinstance(lineno, int) and block_line <= lineno < block_line + len(FAMILIES):
            lineno = PLUGIN_LINE
        found.append((str(filename), str(lineno), str(error.message)))
    return texts, found


def judged_dates(texts, used=()) -> list:
    """The dates of judgement to pin: those the ledger's test used, its last booking and a
    year after it; None (SHIXUN_AS_OF unset) when the ledger pins its own."""
    dates = [d for d in used if d]
    last = max(filter(None, map(last_booking, texts)), default=None)
    if last:
        day = datetime.date.fromisoformat(last)
        dates += [last, day.replace(year=day.year + 1, day=min(day.day, 28) if day.month == 2 else day.day).isoformat()]
    if any('"shixun-option" "as-of"' in text for text in texts):
        dates.append(None)
    return list(dict.fromkeys(dates))


def differences(main_text: str, load_text, block_file: str, dates) -> list:
    """(as_of, "entries" or "errors", the five lines', plugins.all's) wherever they differ."""
    five, one, block_line = variants(main_text)
    found = []
    before = os.environ.get("SHIXUN_AS_OF")
    try:
        for as_of in dates:
            if as_of is None:
                os.environ.pop("SHIXUN_AS_OF", None)
            else:
                os.environ["SHIXUN_AS_OF"] = as_of
            (e5, r5), (e1, r1) = (outcome(load_text, text, block_file, block_line) for text in (five, one))
            if e5 != e1:
                found.append((as_of, "entries", e5, e1))
            if r5 != r1:
                found.append((as_of, "errors", r5, r1))
    finally:
        if before is None:
            os.environ.pop("SHIXUN_AS_OF", None)
        else:
            os.environ["SHIXUN_AS_OF"] = before
    return found


def string_differences(text: str, dates=None) -> list:
    return differences(text, loader.load_string, "<string>", judged_dates([text]) if dates is None else dates)


def folder_differences(main: pathlib.Path, dates=None, used=()) -> list:
    """Differences of a ledger folder on disk; the variants replace its main file in turn."""
    texts = [path.read_text(encoding="utf-8") for path in main.parent.rglob("*.beancount")]

    def load_text(text):
        main.write_text(text, encoding="utf-8")
        return loader.load_file(str(main))

    return differences(main.read_text(encoding="utf-8"), load_text, str(main),
                       judged_dates(texts, used) if dates is None else dates)


def described(found) -> str:
    """The differences, readably: what only one side has, per date of judgement."""
    lines = []
    for as_of, what, five, one in found:
        lines.append(f"SHIXUN_AS_OF={as_of}: {what} differ")
        lines += [f"  five lines only: {item}" for item in five if item not in one]
        lines += [f"  plugins.all only: {item}" for item in one if item not in five]
        if sorted(map(str, five)) == sorted(map(str, one)):
            lines.append("  (the same, in another order)")
    return "\n".join(lines)


# ------------------------------------------------------------------ the recorded ledgers

def _corpus():
    stored = json.loads(CORPUS.read_text(encoding="utf-8"))
    return stored["ledgers"], stored["blobs"]


LEDGERS, BLOBS = _corpus()

def _main_text(record):
    return BLOBS[record["text"]] if record["kind"] == "string" else BLOBS[record["files"][record["main"]]]


def _applicable(key):
    try:
        variants(_main_text(LEDGERS[key]))
    except NotApplicable as exc:
        return str(exc)
    return None


NOT_APPLICABLE = {key: reason for key in LEDGERS if (reason := _applicable(key))}


def _param(key):
    record = LEDGERS[key]
    name = record["test"].replace("tests/", "").replace(".py::", "::")
    return pytest.param(key, id=f"{name}@{key[:6]}")


@pytest.mark.parametrize("key", [_param(key) for key in LEDGERS if key not in NOT_APPLICABLE])
def test_recorded_ledger(key, tmp_path):
    record = LEDGERS[key]
    if record["kind"] == "string":
        text = BLOBS[record["text"]]
        found = differences(text, loader.load_string, "<string>", judged_dates([text], record["as_of"]))
    else:
        for name, digest in record["files"].items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(BLOBS[digest], encoding="utf-8")
        found = folder_differences(tmp_path / record["main"], used=record["as_of"])
    assert not found, described(found)


def test_the_record_covers_the_spec_cases_and_every_family_test():
    tests = {record["test"].split("::")[0] for record in LEDGERS.values()}
    assert tests >= {f"tests/test_{name}.py" for name in
                     ("spec_cases", "work_study", "treasury", "taxes", "funds", "funds_report", "seal")}
    assert len(LEDGERS) > 500


def test_only_configs_naming_keys_their_family_does_not_own_have_no_equivalent():
    """An unknown key is reported by the family's line ("插件配置含未知项") and by
    plugins.all ("plugins.all 的配置含未知项") in words of their own: no contract there."""
    assert NOT_APPLICABLE and all("names keys it does not own" in reason for reason in NOT_APPLICABLE.values())
    assert len(NOT_APPLICABLE) <= 5, NOT_APPLICABLE


# ------------------------------------------------------------------ the files under tests/data

def _included(paths):
    names = set()
    for path in paths:
        for name in re.findall(r'^include "([^"]+)"', path.read_text(encoding="utf-8"), re.M):
            names.add((path.parent / name).resolve())
    return names


FILES = sorted(DATA.rglob("*.beancount"))
MAINS = [path for path in FILES if path.resolve() not in _included(FILES)]


@pytest.mark.parametrize("path", MAINS, ids=lambda path: str(path.relative_to(DATA)))
def test_data_file(path, tmp_path):
    copy = tmp_path / "ledger"
    shutil.copytree(path.parent, copy)
    found = folder_differences(copy / path.name)
    assert not found, described(found)


def test_every_data_folder_is_covered():
    assert {p.relative_to(DATA).parts[:2] for p in MAINS} >= {("audit", "demo"), ("audit", "seal"), ("import", "ledger")}


@pytest.mark.parametrize("which", ["bundled", "violations"])
def test_bundled_ledger_and_its_violations(which, tmp_path):
    if which == "bundled":
        shutil.copytree(BUNDLED.parent, tmp_path / "ledger")
        main = tmp_path / "ledger" / "main.beancount"
    else:
        main = violations_ledger(tmp_path)
    found = folder_differences(main, dates=["2026-01-05", "2026-11-30", "2027-06-01"])
    assert not found, described(found)


# ------------------------------------------------------------------ the differences, small

SALE = """option "operating_currency" "CNY"
plugin "plugins.all"{config}
2024-01-01 open Assets:1002-银行存款:100201-农商银行基本户 CNY
2024-01-01 open Income:5001-主营业务收入:500101-勤工俭学收入 CNY
2024-01-01 open Expenses:5401-主营业务成本:540101-学生劳动报酬 CNY
2024-01-01 open Liabilities:2241-其他应付款:224101-学生劳动报酬 CNY
2024-03-05 * "食堂订购馕"
  Assets:1002-银行存款:100201-农商银行基本户  1000.00 CNY
  Income:5001-主营业务收入:500101-勤工俭学收入
"""


@pytest.mark.parametrize("as_of, pin", [("2025-13-01", ""), (None, '2024-01-01 custom "shixun-option" "as-of" "2024-02-30"\n')],
                         ids=["env", "pin"])
def test_an_unusable_date_of_judgement_is_said_alike(as_of, pin):
    found = string_differences(SALE.format(config="") + pin, dates=[as_of])
    assert not found, described(found)


def test_a_family_that_fails_costs_only_its_own_results():
    found = string_differences(SALE.format(config=' "' + "{'operating_income': 5001}" + '"'), dates=["2024-03-31"])
    assert not found, described(found)
