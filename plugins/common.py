"""What every rule family shares: default accounts, errors, generated entries, posting walks.

One way to walk postings (`iter_postings`), one way to read a metadata key that
may sit on the posting or on its transaction (`meta_value`, posting wins), one
error type whose message names the clause (P1…P10), and one way to mark what a
plugin generates so Fava shows it and nobody mistakes it for the accountant's.
"""
import ast
import collections
import datetime
from decimal import Decimal
import re

from beancount.core import data

# SPEC §2: the default accounts; a plugin's config string may rename any of them.
ACCOUNTS = {
    "work_study_income": "Income:5001-主营业务收入:500101-勤工俭学收入",
    "student_expense": "Expenses:5401-主营业务成本:540101-学生劳动报酬",
    "student_payable": "Liabilities:2241-其他应付款:224101-学生劳动报酬",
    "treasury_payable": "Liabilities:2232-应付利润:223201-上缴国库",
    "profit_appropriation": "Equity:3104-利润分配:310405-应付利润",
    "vat_payable": "Liabilities:2221-应交税费:222101-应交增值税",
    "city_tax_payable": "Liabilities:2221-应交税费:222104-应交城市维护建设税",
    "edu_surcharge_payable": "Liabilities:2221-应交税费:222105-应交教育费附加",
    "local_edu_surcharge_payable": "Liabilities:2221-应交税费:222106-应交地方教育附加",
    "city_tax_expense": "Expenses:5403-税金及附加:540301-城市维护建设税",
    "edu_surcharge_expense": "Expenses:5403-税金及附加:540302-教育费附加",
    "local_edu_surcharge_expense": "Expenses:5403-税金及附加:540303-地方教育附加",
    "income_tax_expense": "Expenses:5801-所得税费用",
    # Conventions of ours (docs/用户指南.md) for P5, P6, P10 and findings.
    "operating_income": "Income:5001-主营业务收入",
    "other_operating_income": "Income:5051-其他业务收入",
    "training_fund_payable": "Liabilities:2211-应付职工薪酬:221104-职工教育经费",
    "training_fund_expense": "Expenses:5602-管理费用:560204-职工教育经费",
    "apprentice_expense": "Expenses:5401-主营业务成本:540102-学徒补贴",
}

# 1001 库存现金, 1002 银行存款, 1012 其他货币资金: money itself, neither a fund receipt nor a use.
MONETARY_CODES = ("1001", "1002", "1012")
CASH_CODE = "1001"

# The metadata key every generated entry carries; its value names the plugin.
GENERATED = "generated"

RuleError = collections.namedtuple("RuleError", "source message entry")

# What an error message's "[…]" prefix names, in the order reports list them.
CLAUSES = {
    "P1": "P1 勤工俭学收入提取学生劳动报酬",
    "P2": "P2 纯利润上交国库",
    "P3": "P3 财政、审计监督",
    "P4": "P4 地方教育附加用于职业教育",
    "P5": "P5 职工教育培训经费",
    "P6": "P6 学徒补贴",
    "P7": "P7 生均公用经费",
    "P8": "P8 产教融合投资抵免",
    "P9": "P9 城建税及教育费附加",
    "P10": "P10 专项资金专款专用",
    "封账": "封账 (已结账年度防篡改)",
    "政策": "政策参数",
    "审计": "审计分析参数",
    "其他": "账本格式与平衡 (Beancount)",
}
OTHER = "其他"


def clause_of(message: str) -> str:
    """The clause an error belongs to ("P1" … "封账"), or "其他" for Beancount's own errors."""
    match = re.match(r"\[([^\]]+)\]", str(message))
    return match.group(1) if match and match.group(1) in CLAUSES else OTHER


def rule_error(clause: str, entry, message: str) -> RuleError:
    """A Beancount error whose message starts with its clause, e.g. "[P1] …".

    The source is the entry's own filename/lineno, so bean-check, Fava and
    `shixun check` all point at the line to fix.
    """
    meta = getattr(entry, "meta", None) or {}
    source = data.new_metadata(meta.get("filename", "<plugin>"), meta.get("lineno", 0))
    return RuleError(source, f"[{clause}] {message}", entry)


def file_error(clause: str, filename: str, lineno: int, message: str) -> RuleError:
    """An error in a file that holds no directive (e.g. the student roster CSV): it
    points at the file and row, with no entry (Fava hashes an error's entry)."""
    return RuleError(data.new_metadata(filename, lineno), f"[{clause}] {message}", None)


def plugin_line(options_map, names) -> int:
    """The line of the main file's `plugin "<name>"` directive (any of `names`), for
    errors about a plugin's config; 0 when it is not found. Beancount keeps no line for
    plugin directives, so the file is read — only when there is a problem to report."""
    filename = (options_map or {}).get("filename") or ""
    pattern = re.compile(r'\s*plugin\s+"(%s)"' % "|".join(re.escape(n) for n in names))
    try:
        with open(filename, encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                if pattern.match(line):
                    return number
    except OSError:
        pass
    return 0


def config_error(clause: str, options_map, names, message: str) -> RuleError:
    """An error in a plugin line's config, pointing at that line of the main file."""
    filename = (options_map or {}).get("filename", "<plugin>")
    return file_error(clause, filename, plugin_line(options_map, names), message)


def where(entry) -> str:
    """file:line of an entry, for messages and reports."""
    meta = getattr(entry, "meta", None) or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


def generated_meta(source_entry, plugin: str, **extra) -> dict:
    """Metadata of an entry a plugin generates: the source's file/line (the loader
    sorts on them) and the `generated` mark naming the plugin."""
    meta = getattr(source_entry, "meta", None) or {}
    new = data.new_metadata(meta.get("filename", "<plugin>"), meta.get("lineno", 0))
    new[GENERATED] = plugin
    new.update(extra)
    return new


def as_written(value) -> str:
    """A ledger value as the accountant wrote it, for messages: 12.5, 100.00 CNY, TRUE,
    2025-12-31, "x" — never a Python repr such as Decimal('12.5')."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (Decimal, int, datetime.date)) or hasattr(value, "currency"):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def is_generated(entry) -> bool:
    return GENERATED in (entry.meta or {})


ALL = "plugins.all"


def literal_config(config: str | None) -> tuple[dict | None, str | None]:
    """THE reading of a plugin line's config string (a Python dict literal): (the dict,
    None), (None, None) for no config, or (None, a Chinese problem)."""
    if not config or not config.strip():
        return None, None
    try:
        given = ast.literal_eval(config)
    except (ValueError, SyntaxError):
        return None, f"插件配置无法解析 (应为 Python 字典): {config!r}"
    if not isinstance(given, dict):
        return None, f"插件配置应为字典: {config!r}"
    return given, None


def parse_config(config: str | None, defaults: dict) -> tuple[dict, list[str]]:
    """A plugin's config string merged over `defaults`: the settings and a list of
    Chinese problems (unknown keys, bad syntax)."""
    settings = dict(defaults)
    given, problem = literal_config(config)
    if given is None:
        return settings, [problem] if problem else []
    unknown = sorted(str(k) for k in set(given) - set(defaults))
    settings.update({k: v for k, v in given.items() if k in defaults})
    return settings, [f"插件配置含未知项: {', '.join(unknown)}"] if unknown else []


def own_config(config: str | None, defaults: dict) -> str | None:
    """The part of a `plugins.all` config string that names keys of `defaults` (one
    family's share of the combined line's settings), as a dict literal."""
    given, _ = literal_config(config)  # plugins.all reports a problem, once
    if given is None:
        return None
    return repr({k: v for k, v in given.items() if k in defaults})


def family_config(options_map, modules, defaults) -> str | None:
    """THE config reader: the config string of a family's own plugin line (any name in
    `modules`), else its share of the `plugins.all` line, else None."""
    for name, config in (options_map or {}).get("plugin", []) or []:
        if name in modules:
            return config
        if name == ALL:
            return own_config(config, defaults)
    return None


def family_enabled(options_map, modules) -> bool:
    """Whether the ledger's main file runs a family: its own plugin line (any name in
    `modules`) or `plugins.all`. Reports use it to know whether the family's generated
    entries are already in the entries they read."""
    return any(name in modules or name == ALL for name, _ in (options_map or {}).get("plugin", []) or [])


def read_settings(options_map, modules, defaults, config=None, lists=()) -> tuple[dict, list[str]]:
    """A family's settings and config problems: `config` if given, else from the ledger;
    account settings checked (`account_settings`), the keys in `lists` as tuples."""
    if config is None:
        config = family_config(options_map, modules, defaults)
    settings, problems = parse_config(config, defaults)
    account_settings(settings, defaults, lists, problems)
    return settings, problems


_ROOTS = ("Assets:", "Liabilities:", "Equity:", "Income:", "Expenses:")


def account_settings(settings, defaults, lists, problems) -> None:
    """Every setting whose default is an account must name one (a list/tuple of them, as
    a tuple, for the keys in `lists`, where None or "" names none): anything else is a
    problem and the default is used, so a mistyped config never crashes a family."""
    for key, default in defaults.items():
        listed = key in lists or isinstance(default, tuple)
        if not (listed or (isinstance(default, str) and default.startswith(_ROOTS))):
            continue
        value = settings[key]
        if listed:
            if not value:
                settings[key] = ()
            elif isinstance(value, str):
                settings[key] = (value,)
            elif isinstance(value, (list, tuple)) and all(isinstance(v, str) and v for v in value):
                settings[key] = tuple(value)
            else:
                problems.append(f"插件配置 {key} 应为科目名或科目名的列表, 而不是 {value!r}; 已改用默认值")
                settings[key] = (default,) if isinstance(default, str) else tuple(default)
        elif not (isinstance(value, str) and value):
            problems.append(f"插件配置 {key} 应为科目名, 而不是 {value!r}; 已改用默认值")
            settings[key] = default


def iter_postings(entries):
    """Every (transaction, posting) pair, in entry order: the one posting walk."""
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                yield entry, posting


def meta_value(txn, posting, key, default=None):
    """A metadata value from the posting, else from its transaction."""
    if posting is not None and posting.meta and key in posting.meta:
        return posting.meta[key]
    if txn.meta and key in txn.meta:
        return txn.meta[key]
    return default


def under(account: str, prefix: str) -> bool:
    """True if `account` is `prefix` or one of its sub-accounts."""
    return account == prefix or account.startswith(prefix + ":")


def account_code(account: str) -> str:
    """The first-level account code (1002 for Assets:1002-银行存款:100201-…)."""
    parts = account.split(":")
    return parts[1].split("-", 1)[0] if len(parts) > 1 else ""


def is_monetary(account: str) -> bool:
    return account_code(account) in MONETARY_CODES


def ledger_end(entries) -> datetime.date | None:
    """How far the books go ("账本截至", for display; deadlines use `plugins.asof`): the
    date of the last entry that is neither a `custom` directive (they may be dated
    ahead: a policy change scheduled for 2028) nor generated by a plugin (P2's 12-31
    accrual is no booking of the accountant's). `plugins.engine.Facts.end` is the same."""
    return max((e.date for e in entries if not isinstance(e, data.Custom) and not is_generated(e)), default=None)


def customs(entries, type_name: str):
    """The `custom "<type_name>"` directives, in order."""
    return [e for e in entries if isinstance(e, data.Custom) and e.type == type_name]
