"""The importer configuration: which bank account a statement's account number is,
the suspense account, and the rules that pick the counter-posting of each row.

One TOML file (format in docs/guide/06-导入银行流水与工时表.md; the shipped default
is importers/default.toml):

    currency = "CNY"
    suspense_account = "Assets:1221-其他应收款:122199-待查明款项"

    [accounts]                      # 对账单上的本方账号 → 银行存款明细账户
    "88010120000012345" = "Assets:1002-银行存款:100201-农商银行基本户"

    [[rule]]                        # first matching rule wins
    summary = "手续费|工本费"        # regex on 摘要 (and 用途/附言)
    counterparty = "..."            # regex on 对方户名
    counterparty_account = "..."    # regex on 对方账号 (digits only)
    direction = "支出"              # or "收入"
    account = "Expenses:5603-财务费用:560301-手续费"
    fund = "FJ-2024"                # optional posting metadata
    base = "农产品精深加工"          # optional posting metadata
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import tomllib

from beancount.core import account as account_lib

from importers.table import ImportFailure
from plugins.files import reason

DEFAULT_CONFIG = pathlib.Path(__file__).resolve().parent / "default.toml"
SUSPENSE_ACCOUNT = "Assets:1221-其他应收款:122199-待查明款项"
CONFIG_BESIDE_LEDGER = "import.toml"

DIRECTIONS = {"支出": -1, "收入": 1, "out": -1, "in": 1}
RULE_KEYS = {"name", "summary", "counterparty", "counterparty_account", "direction",
             "account", "fund", "base"}


@dataclasses.dataclass
class Rule:
    account: str
    name: str = ""
    summary: re.Pattern | None = None
    counterparty: re.Pattern | None = None
    counterparty_account: re.Pattern | None = None
    direction: int = 0
    fund: str | None = None
    base: str | None = None

    def matches(self, summary: str, counterparty: str, counterparty_account: str, amount) -> bool:
        if self.direction and (amount > 0) != (self.direction > 0):
            return False
        for pattern, text in ((self.summary, summary), (self.counterparty, counterparty),
                              (self.counterparty_account, counterparty_account)):
            if pattern is not None and not pattern.search(text or ""):
                return False
        return True


@dataclasses.dataclass
class Config:
    path: str
    accounts: dict          # digits → account
    suspense_account: str
    currency: str
    rules: list

    def rule_for(self, summary, counterparty, counterparty_account, amount) -> Rule | None:
        for rule in self.rules:
            if rule.matches(summary, counterparty, counterparty_account, amount):
                return rule
        return None

    def bank_account(self, number: str) -> str | None:
        """The account mapped to a statement's number; a masked number (6228****1234)
        matches the one configured number it can be."""
        digits = normalise_number(number)
        if not digits:
            return None
        if digits in self.accounts:
            return self.accounts[digits]
        if "*" in digits:
            pattern = re.compile("^" + re.sub(r"\*+", r"\\d*", digits) + "$")
            hits = {acct for num, acct in self.accounts.items() if pattern.match(num)}
            if len(hits) == 1:
                return hits.pop()
        return None

    def own_numbers(self) -> set:
        return set(self.accounts)


def normalise_number(text: str) -> str:
    """An account number as digits (and * for masked digits)."""
    return re.sub(r"[^0-9*]", "", text or "")


def _account(path, value, what) -> str:
    if not isinstance(value, str) or not account_lib.is_valid(value):
        raise ImportFailure(path, f"配置错误: {what} 不是有效的 Beancount 账户名: {value!r}")
    return value


def regex(path, value, what, kind="配置错误"):
    """A regex of a TOML file (None stays None); ImportFailure naming file and key."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportFailure(path, f"{kind}: {what} 应为字符串")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ImportFailure(path, f"{kind}: {what} 不是有效的正则表达式: {value!r} ({exc})") from None


def read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ImportFailure(str(path), f"无法读取配置文件 ({reason(exc)})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ImportFailure(str(path), f"配置文件不是有效的 TOML: {exc}") from exc
    except UnicodeDecodeError:
        raise ImportFailure(str(path), "配置文件应为 UTF-8 编码") from None


def parse_rules(path: str, items) -> list:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ImportFailure(path, "配置错误: rule 应写作 [[rule]] 表数组")
    rules = []
    for number, item in enumerate(items, 1):
        what = f"第 {number} 条规则"
        if not isinstance(item, dict):
            raise ImportFailure(path, f"配置错误: {what} 应为表")
        unknown = sorted(set(item) - RULE_KEYS)
        if unknown:
            raise ImportFailure(path, f"配置错误: {what} 含未知项: {', '.join(unknown)}")
        if "account" not in item:
            raise ImportFailure(path, f"配置错误: {what} 缺少 account")
        direction = item.get("direction")
        if direction is not None and direction not in DIRECTIONS:
            raise ImportFailure(path, f"配置错误: {what} 的 direction 应为 \"收入\" 或 \"支出\"")
        rule = Rule(
            account=_account(path, item["account"], f"{what} 的 account"),
            name=str(item.get("name", "")),
            summary=regex(path, item.get("summary"), f"{what} 的 summary"),
            counterparty=regex(path, item.get("counterparty"), f"{what} 的 counterparty"),
            counterparty_account=regex(path, item.get("counterparty_account"),
                                        f"{what} 的 counterparty_account"),
            direction=DIRECTIONS.get(direction, 0),
            fund=str(item["fund"]) if item.get("fund") else None,
            base=str(item["base"]) if item.get("base") else None,
        )
        if not (rule.summary or rule.counterparty or rule.counterparty_account):
            raise ImportFailure(path, f"配置错误: {what} 至少要有 summary、counterparty 或 "
                                      "counterparty_account 之一")
        rules.append(rule)
    return rules


def load_config(path: str | os.PathLike | None = None, rules_path: str | None = None) -> Config:
    """The configuration at `path` (the shipped default without one); `rules_path`, a TOML
    file of [[rule]] tables, replaces the configuration's rules."""
    path = str(path or DEFAULT_CONFIG)
    raw = read_toml(path)
    known = {"currency", "suspense_account", "accounts", "rule"}
    if "default_account" in raw:
        raise ImportFailure(path, "配置错误: default_account 已停用 — 对账单记入哪个账户只按其账号 "
                                  "在 [accounts] 中确定, 找不到账号的对账单会被拒绝, 请删去此行")
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ImportFailure(path, f"配置错误: 未知项 {', '.join(unknown)}")
    mapping = raw.get("accounts", {})
    if not isinstance(mapping, dict):
        raise ImportFailure(path, "配置错误: [accounts] 应为 账号 = \"账户\" 的表")
    accounts = {}
    for number, account in mapping.items():
        digits = normalise_number(number)
        if not digits:
            raise ImportFailure(path, f"配置错误: [accounts] 中的账号无数字: {number!r}")
        accounts[digits] = _account(path, account, f"账号 {number} 对应的账户")
    suspense = _account(path, raw.get("suspense_account", SUSPENSE_ACCOUNT), "suspense_account")
    currency = raw.get("currency", "CNY")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]", currency):
        raise ImportFailure(path, f"配置错误: currency 不是有效币种: {currency!r}")
    rules = parse_rules(path, raw.get("rule"))
    if rules_path:
        rules_raw = read_toml(rules_path)
        extra = sorted(set(rules_raw) - {"rule"})
        if extra:
            raise ImportFailure(rules_path, f"规则文件只应含 [[rule]]: 未知项 {', '.join(extra)}")
        rules = parse_rules(rules_path, rules_raw.get("rule"))
    return Config(path, accounts, suspense, currency, rules)


def find_config(explicit: str | None, ledger: str | None) -> str:
    """--config, else import.toml beside the ledger, else the shipped default."""
    if explicit:
        return explicit
    if ledger:
        beside = pathlib.Path(ledger).resolve().parent / CONFIG_BESIDE_LEDGER
        if beside.is_file():
            return str(beside)
    return str(DEFAULT_CONFIG)
