"""Bank profiles: one bank's export layout described as data (TOML), so a bank is
added in a few lines without touching code.

Shipped profiles live in importers/bank_layouts/*.toml; a ledger's own go in
`bank-profiles/*.toml` beside its main file and are tried first. Format (every key
but `name`, `signature` and `[columns]` optional; the guide, chapter 6, prints each
shipped profile's header row):

    name = "工商银行"                       # shown in messages and `shixun import profiles`
    bank = "中国工商银行"
    kind = "bank"                           # "bank", "credit-card" or "not-bank" (refused)
    header = "交易日期,摘要,…"               # the header row as the bank writes it (documentation)
    signature = ["交易金额(收入)", "交易金额(支出)"]   # cells that identify the layout
    amount_sign = "in-positive"             # signed amount: + is money in ("out-positive": + is spent)
    direction_redundant = false             # true: a signed amount AND a 借贷 flag say the same thing
    footer = ["^人民币合计"]                 # regexes on a row's first cell: the table ends there
    refusal = "…"                           # kind = "not-bank": why the file is not a statement
    [columns]                               # field = header text, or a list of alternatives
    date = "交易日期"
    credit = ["交易金额(收入)", "记账金额(收入)"]
    …                                       # time, debit, amount, direction, balance, serial,
                                            # sequence, counterparty, counterparty_account,
                                            # summary, purpose, currency, own_account
    [direction_words]                       # the bank's words in its 借贷 column
    in = ["贷 Cr"]
    out = ["借 Dr"]
    [preamble]                              # regexes (one group) on the lines above the header
    account = '账\\s*号\\s*[:：]\\s*([0-9*]+)'
    currency = '币\\s*种\\s*[:：]\\s*(\\S+)'

A header cell matches after `table.header_key` (spaces and a "(元)" suffix dropped,
full-width folded), so "交易金额（收入）" is 交易金额(收入). Two-row headers (a merged
"发生额" over 借方 | 贷方) match either the lower cell or upper+lower ("发生额借方").
"""
from __future__ import annotations

import dataclasses
import difflib
import pathlib
import re

from importers import headers
from importers import config as config_lib
from importers.config import read_toml
from importers.table import HEADER_SEARCH_ROWS, ImportFailure, header_key

SHIPPED_DIR = pathlib.Path(__file__).resolve().parent / "bank_layouts"
LEDGER_DIR_NAME = "bank-profiles"
KINDS = ("bank", "credit-card", "not-bank")
FIELDS = ("date", "time", "credit", "debit", "amount", "direction", "balance", "serial",
          "sequence", "counterparty", "counterparty_account", "summary", "purpose", "currency",
          "own_account")
KEYS = {"name", "bank", "kind", "header", "signature", "amount_sign", "direction_redundant",
        "footer", "refusal", "columns", "direction_words", "preamble", "note"}
GENERIC_NAME = "通用格式"


@dataclasses.dataclass
class Profile:
    name: str
    columns: dict                 # field -> tuple of header keys
    signature: tuple = ()         # header keys; () = the generic layout (synonyms)
    bank: str = ""
    kind: str = "bank"
    header: str = ""
    amount_sign: int = 1          # +1: a positive signed amount is money in
    direction_redundant: bool = False
    footer: tuple = ()            # compiled regexes
    refusal: str = ""
    in_words: frozenset = frozenset()
    out_words: frozenset = frozenset()
    account_pattern: re.Pattern | None = None
    currency_pattern: re.Pattern | None = None
    source: str = "内置"

    @property
    def generic(self) -> bool:
        return not self.signature


@dataclasses.dataclass
class Match:
    """Where a profile found its header: data rows start at `start`."""
    profile: Profile
    index: int                    # the header's (first) row
    start: int                    # the first row after the header
    columns: dict                 # field -> column index


def _names(value, path, what) -> tuple:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip()
                                                           for i in items):
        raise ImportFailure(path, f"银行格式错误: {what} 应为表头文字或文字列表")
    return tuple(header_key(i) for i in items)


def _regex(value, path, what):
    return config_lib.regex(path, value, what, kind="银行格式错误")


def parse_profile(path: str, raw: dict, source: str) -> Profile:
    """One profile from its TOML table; ImportFailure naming the file and the key."""
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ImportFailure(path, f"银行格式错误: 未知项 {', '.join(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ImportFailure(path, "银行格式错误: 缺少 name")
    kind = raw.get("kind", "bank")
    if kind not in KINDS:
        raise ImportFailure(path, f"银行格式错误: kind 应为 {' / '.join(KINDS)}")
    columns_raw = raw.get("columns", {})
    if not isinstance(columns_raw, dict):
        raise ImportFailure(path, "银行格式错误: [columns] 应为 字段 = \"表头\" 的表")
    bad = sorted(set(columns_raw) - set(FIELDS))
    if bad:
        raise ImportFailure(path, f"银行格式错误: [columns] 含未知字段 {', '.join(bad)} "
                                  f"(可用: {', '.join(FIELDS)})")
    columns = {field: _names(value, path, f"columns.{field}") for field, value in columns_raw.items()}
    if "signature" not in raw:
        raise ImportFailure(path, "银行格式错误: 缺少 signature (识别此格式的表头单元格)")
    signature = _names(raw["signature"], path, "signature")
    if kind != "not-bank":
        if not ("date" in columns or "time" in columns):
            raise ImportFailure(path, "银行格式错误: [columns] 需要 date (交易日期列)")
        if not ({"credit", "debit"} <= set(columns) or "amount" in columns):
            raise ImportFailure(path, "银行格式错误: [columns] 需要 credit 与 debit, 或 amount")
    elif not str(raw.get("refusal", "")).strip():
        raise ImportFailure(path, "银行格式错误: kind = \"not-bank\" 需要 refusal (拒绝的理由)")
    sign = raw.get("amount_sign", "out-positive" if kind == "credit-card" else "in-positive")
    if sign not in ("in-positive", "out-positive"):
        raise ImportFailure(path, "银行格式错误: amount_sign 应为 \"in-positive\" 或 \"out-positive\"")
    footer = raw.get("footer", [])
    footer = [footer] if isinstance(footer, str) else footer
    if not isinstance(footer, list):
        raise ImportFailure(path, "银行格式错误: footer 应为正则表达式列表")
    words = raw.get("direction_words", {})
    if not isinstance(words, dict) or set(words) - {"in", "out"}:
        raise ImportFailure(path, "银行格式错误: [direction_words] 只应有 in 与 out")
    preamble = raw.get("preamble", {})
    if not isinstance(preamble, dict) or set(preamble) - {"account", "currency"}:
        raise ImportFailure(path, "银行格式错误: [preamble] 只应有 account 与 currency")
    return Profile(
        name=name.strip(), columns=columns, signature=signature, bank=str(raw.get("bank", "")),
        kind=kind, header=str(raw.get("header", "")),
        amount_sign=1 if sign == "in-positive" else -1,
        direction_redundant=bool(raw.get("direction_redundant", False)),
        footer=tuple(_regex(f, path, "footer") for f in footer),
        refusal=" ".join(str(raw.get("refusal", "")).split()),
        in_words=frozenset(_words(words.get("in", []), path)),
        out_words=frozenset(_words(words.get("out", []), path)),
        account_pattern=_regex(preamble["account"], path, "preamble.account")
        if "account" in preamble else None,
        currency_pattern=_regex(preamble["currency"], path, "preamble.currency")
        if "currency" in preamble else None,
        source=source)


def _words(items, path):
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ImportFailure(path, "银行格式错误: direction_words 的 in/out 应为文字列表")
    return [" ".join(i.split()).lower() for i in items]


def generic() -> Profile:
    """The layout of no bank in particular: the column synonyms of `headers.BANK`."""
    return Profile(name=GENERIC_NAME, columns={f: tuple(header_key(n) for n in names)
                                               for f, names in headers.BANK.items()},
                   source="内置")


def load_dir(directory: pathlib.Path, source: str) -> list:
    found = []
    for path in sorted(directory.glob("*.toml")):
        found.append(parse_profile(str(path), read_toml(str(path)), source))
    return found


def load_profiles(ledger_dir: str | None = None) -> list:
    """The ledger folder's `bank-profiles/*.toml` (tried first), then the shipped ones;
    a ledger profile with a shipped profile's name replaces it."""
    own = []
    if ledger_dir:
        folder = pathlib.Path(ledger_dir) / LEDGER_DIR_NAME
        if folder.is_dir():
            own = load_dir(folder, f"账本旁 {LEDGER_DIR_NAME}/")
    names = {p.name for p in own}
    shipped = [p for p in load_dir(SHIPPED_DIR, "内置") if p.name not in names]
    # The more cells a signature names, the more specific: tried first.
    return own + sorted(shipped, key=lambda p: -len(p.signature))


# ---------------------------------------------------------------- matching

def _row_keys(row) -> list:
    return [header_key(c) for c in row]


def _merged_keys(upper, lower) -> list:
    """Per column, the names a two-row header gives it: the lower cell, the upper+lower
    (a merged upper cell is written in its first column only: carried right)."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    keys, carried = [], ""
    for up, low in zip(upper, lower):
        if up:
            carried = up
        elif not low:
            carried = ""
        if low:
            keys.append((low, (carried + low) if carried else low))
        else:
            keys.append((up,))
    return keys


def _resolve(columns: dict, cells: list) -> dict:
    """{field: column index} for the header cells (each a tuple of names)."""
    found = {}
    for field, names in columns.items():
        for col, cell_names in enumerate(cells):
            if any(n in names for n in cell_names if n):
                found[field] = col
                break
    return found


def _satisfied(profile: Profile, found: dict) -> bool:
    if profile.kind == "not-bank":
        return True
    return headers.bank_required(set(found))


def _keyed(table) -> list:
    return [_row_keys(r) for r in table.rows[:HEADER_SEARCH_ROWS + 1]]


def _continues(upper, lower, columns) -> bool:
    """Whether `lower` is the second row of a two-row header over it: the upper row
    is all titles (no digits, as a preamble line's account number or date has), and
    every cell of the lower one names a column."""
    names = {n for ns in columns.values() for n in ns}
    upper_cells = [c for c in upper if c]
    lower_cells = [c for c in lower if c]
    return (len(upper_cells) >= 2 and bool(lower_cells)
            and not any(ch.isdigit() for c in upper_cells for ch in c)
            and all(c in names for c in lower_cells))


def _header_candidates(keyed, columns):
    """(row index, data start, header cells as name tuples): at each row a two-row
    header where the next row continues it, else the row alone."""
    for index in range(min(HEADER_SEARCH_ROWS, len(keyed))):
        if index + 1 < len(keyed) and _continues(keyed[index], keyed[index + 1], columns):
            yield index, index + 2, _merged_keys(keyed[index], keyed[index + 1])
        yield index, index + 1, [(k,) for k in keyed[index]]


def match(table, profiles) -> Match | None:
    """The first profile whose signature is in one header row (one- or two-row), then
    the generic synonyms; None if neither finds a header."""
    keyed = _keyed(table)
    for profile in profiles:
        signature = set(profile.signature)
        for index, start, cells in _header_candidates(keyed, profile.columns):
            names = {n for cell in cells for n in cell if n}
            if signature <= names:
                found = _resolve(profile.columns, cells)
                if _satisfied(profile, found):
                    return Match(profile, index, start, found)
    profile = generic()
    for index, start, cells in _header_candidates(keyed, profile.columns):
        found = _resolve(profile.columns, cells)
        if headers.bank_required(set(found)) and not _looks_like_work_hours(cells):
            return Match(profile, index, start, found)
    return None


def _looks_like_work_hours(cells) -> bool:
    names = {n for cell in cells for n in cell}
    return bool(names & {header_key(n) for n in headers.WORK_HOURS["student"]})


def closest(table, profiles, limit=3) -> list[str]:
    """"银行名 (缺少: 列, 列)" for the profiles whose signatures come nearest."""
    scored = []
    keyed = _keyed(table)
    for profile in profiles:
        if profile.kind == "not-bank":
            continue
        best = None
        for _, _, cells in _header_candidates(keyed, profile.columns):
            names = [n for cell in cells for n in cell if n]
            missing = [s for s in profile.signature if s not in names]
            hits = len(profile.signature) - len(missing)
            near = sum(1 for s in missing if difflib.get_close_matches(s, names, 1, 0.6))
            score = (hits + 0.5 * near) / len(profile.signature)
            if best is None or score > best[0]:
                best = (score, missing)
        if best and best[0] > 0:
            scored.append((best[0], profile.name, best[1]))
    scored.sort(key=lambda s: -s[0])
    return [f"{name} (缺少表头: {'、'.join(missing)})" for _, name, missing in scored[:limit]]
