"""Beancount's errors in Chinese, in one place (issue 16): `shixun check`, every report
command and the audit view show the same words for the same error.

`translate(error)` gives one Chinese line for any error of a Beancount 3.2.3 load (parser,
lexer, booking, pad, balance, documents, validation, loader); our rule errors ("[P1] …")
pass through unchanged, and a message we do not know becomes a Chinese line too — no
English Beancount text, no Python exception name reaches the accountant.

`group(errors)` turns a load's errors into `Problem`s: the cause first, the errors that
follow from it under it — every error of a file that is not UTF-8 (one line naming the
file, its likely encoding and the `iconv` command), the later failures of a balance
assertion left by one changed amount, the further references to one misspelt account.

Pass the load's `entries` and `options_map` where you have them: the opened accounts give
"您是否要写 …", the parsed files give the `include`/`plugin` line behind a loader error
(whose own source is `<load>:0`), and the balance assertions give where a change lies.
"""
from __future__ import annotations

import dataclasses
import datetime
import difflib
import glob
import linecache
import os
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from beancount.core import data

# What an error message's "[…]" prefix names; `CLAUSES` lives with the rules.
from plugins.common import clause_of

OTHER = "其他"


@dataclasses.dataclass(eq=False)
class Problem:
    """One thing for the accountant to fix, with what follows from it."""

    message: str  # Chinese, one line
    filename: str | None
    lineno: int | None
    clause: str = OTHER  # "P1" … "P10", "封账", … or "其他" (Beancount's own)
    entry: object = None
    errors: list = dataclasses.field(default_factory=list)  # the Beancount errors behind it
    consequences: list = dataclasses.field(default_factory=list)  # Problems caused by this one

    @property
    def location(self) -> str:
        return f"{self.filename or '?'}:{self.lineno if self.lineno is not None else '?'}"

    @property
    def date(self):
        return getattr(self.entry, "date", None)

    def lines(self, shown: int = 3) -> list[str]:
        """"file:line: message", then at most `shown` consequences and a count of the rest."""
        out = [f"{self.location}: {self.message}"]
        for follow in self.consequences[:shown]:
            out.append(f"    └ {follow.location}: {follow.message}")
        rest = len(self.consequences) - shown
        if rest > 0:
            out.append(f"    └ ……另有 {rest} 条由此引起, 改正上面一处即可消除")
        return out


class _Context:
    """What the translation may look at besides the error: opened accounts, parsed files."""

    def __init__(self, entries=(), options_map=None):
        self.entries = entries or ()
        self.accounts = sorted({e.account for e in self.entries if isinstance(e, data.Open)})
        options_map = options_map or {}
        self.top = options_map.get("filename")
        files = list(options_map.get("include") or ())
        if self.top and self.top not in files:
            files.insert(0, self.top)
        self.files = files
        self._encodings = {}

    def balances_held(self):
        """(account, currency) -> the balance assertions that held, in date order."""
        if not hasattr(self, "_held"):
            self._held = {}
            for entry in self.entries:
                if isinstance(entry, data.Balance) and entry.diff_amount is None:
                    self._held.setdefault((entry.account, entry.amount.currency), []).append(entry)
        return self._held

    def encoding_problem(self, filename):
        """None for a UTF-8 file, else (first bad line, Chinese description of the encoding)."""
        if filename not in self._encodings:
            self._encodings[filename] = _encoding_problem(filename)
        return self._encodings[filename]

    def directive_line(self, pattern):
        """(file, line) of the first line matching `pattern` in the parsed files, else None."""
        return _find_line(self.files, pattern)

    def include_line(self, included):
        """(file, line) of the `include` naming `included` (its pattern, or a path it resolves
        to: the last such line, the repeat when a file is included twice), else None."""
        found = None
        for filename in self.files:
            try:
                with open(filename, encoding="utf-8", errors="replace") as handle:
                    lines = handle.readlines()
            except OSError:
                continue
            for lineno, line in enumerate(lines, 1):
                match = re.match(r'\s*include\s+"([^"]*)"', line)
                if not match:
                    continue
                name = match.group(1)
                if name == included:
                    return filename, lineno
                full = os.path.normpath(os.path.join(os.path.dirname(filename), name))
                if os.path.normpath(included) in {full, *map(os.path.normpath, glob.glob(full))}:
                    found = (filename, lineno)
        return found


# ------------------------------------------------------------------ helpers


def _find_line(files, pattern):
    for filename in files:
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                for lineno, line in enumerate(handle, 1):
                    if pattern.match(line):
                        return filename, lineno
        except OSError:
            continue
    return None


def _source(error):
    source = getattr(error, "source", None) or {}
    return source.get("filename"), source.get("lineno")


def _line(filename, lineno) -> str:
    if not filename or not lineno:
        return ""
    try:
        linecache.checkcache(filename)  # Fava reloads an edited file: never quote the old line
        return linecache.getline(filename, int(lineno)).rstrip("\n")
    except (OSError, UnicodeError, ValueError):
        return ""


def _width_hints(text: str) -> list[str]:
    """Full-width characters an input method slips into account names and amounts."""
    hints = []
    if "：" in text:
        hints.append("其中有全角冒号「：」(中文输入法), 科目各级之间应为半角冒号「:」")
    if "\u3000" in text:
        hints.append("其中有全角空格, 应为半角空格 (金额与科目之间至少两个半角空格)")
    if "\u00a0" in text:
        hints.append("其中有不换行空格 (常由网页或 Word 复制而来), 应为普通空格")
    others = sorted({c for c in text if "\uff01" <= c <= "\uff5e" and c != "："})
    if others:
        shown = "、".join(f"「{c}」→「{unicodedata.normalize('NFKC', c)}」" for c in others[:5])
        hints.append(f"其中有全角字符 {shown}, 应改为半角")
    return hints


def _normalized_account(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def account_hint(name: str, accounts) -> str:
    """"您是否要写 …" from the opened accounts, and a full-width hint; "" when none applies."""
    hints = _width_hints(name)
    plain = _normalized_account(name)
    accounts = list(accounts)
    candidates = [plain] if plain != name and plain in accounts else \
        difflib.get_close_matches(plain, accounts, n=3, cutoff=0.75)
    if candidates:
        hints.append("您是否要写 " + " 或 ".join(candidates) + " ?")
    return ("; " + "; ".join(hints)) if hints else ""


def _encoding_problem(filename):
    try:
        with open(filename, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return line, _guess_encoding(raw)
    return None


# Python's codec names and the names `iconv` and Windows Notepad use.
_ICONV = {"gb2312": "GBK", "gbk": "GBK", "gb18030": "GB18030", "big5": "BIG5", "big5hkscs": "BIG5-HKSCS",
          "utf_16": "UTF-16", "utf_16_le": "UTF-16LE", "utf_16_be": "UTF-16BE", "utf_32": "UTF-32",
          "cp1252": "CP1252", "latin_1": "LATIN1", "cp936": "GBK", "hz": "HZ", "euc_jp": "EUC-JP",
          "shift_jis": "SHIFT_JIS", "cp932": "CP932", "euc_kr": "EUC-KR"}


def _guess_encoding(raw: bytes) -> str | None:
    """The likely encoding of a non-UTF-8 ledger file, as `iconv` names it (charset-normalizer)."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:200_000]).best()
    except Exception:  # noqa: BLE001 — a detector failure only means no guess
        best = None
    name = best.encoding if best is not None else None
    if name in (None, "ascii", "utf_8"):
        name = None
    # A Chinese Windows tool's "ANSI" is GBK; the detector's rival guesses for a few Chinese
    # characters amid ASCII (Big5, cp1252, …) are wrong when the bytes read as GB18030.
    if name not in ("utf_16", "utf_16_le", "utf_16_be", "utf_32"):
        for chinese in ("gbk", "gb18030"):
            try:
                raw.decode(chinese)
                name = chinese
                break
            except UnicodeDecodeError:
                continue
    return _ICONV.get(name, name.upper().replace("_", "-")) if name else None


def _encoding_message(filename: str, line: int, encoding: str | None) -> str:
    base = os.path.basename(filename)
    guess = f"看来是 {encoding} 编码" if encoding else "编码无法判断"
    source = encoding or "GBK"
    return (f"账本文件 {base} 不是 UTF-8 编码 ({guess}, 第 {line} 行起), 账本文件只能用 UTF-8; "
            f"请转换后再用: iconv -f {source} -t UTF-8 {base} > {base}.utf8 && mv {base}.utf8 {base} "
            f"(或在记事本中「另存为」, 编码选 UTF-8)")


_DATE_PROBLEMS = [
    (r"day is out of range for month", "该月没有这一天"),
    (r"month must be in 1\.\.12", "月份应为 1 至 12"),
    (r"year -?\d+ is out of range", "年份超出范围"),
]

_TOKENS = {
    "INDENT": "行首缩进", "EOL": "行尾", "PIPE": "竖线 |", "ATAT": "@@", "AT": "@", "LCURLCURL": "{{",
    "RCURLCURL": "}}", "LCURL": "{", "RCURL": "}", "COMMA": "逗号", "TILDE": "~", "HASH": "#",
    "ASTERISK": "*", "SLASH": "/", "COLON": "冒号", "PLUS": "+", "MINUS": "-", "LPAREN": "(",
    "RPAREN": ")", "FLAG": "标记", "CAPITAL": "大写字母", "TXN": "txn", "BALANCE": "balance",
    "OPEN": "open", "CLOSE": "close", "COMMODITY": "commodity", "PAD": "pad", "EVENT": "event",
    "PRICE": "price", "NOTE": "note", "DOCUMENT": "document", "QUERY": "query", "CUSTOM": "custom",
    "PUSHTAG": "pushtag", "POPTAG": "poptag", "PUSHMETA": "pushmeta", "POPMETA": "popmeta",
    "OPTION": "option", "INCLUDE": "include", "PLUGIN": "plugin", "NONE": "NULL", "BOOL": "TRUE/FALSE",
    "DATE": "日期", "ACCOUNT": "科目", "CURRENCY": "币种", "STRING": "带引号的文字", "NUMBER": "数字",
    "TAG": "标签", "LINK": "链接", "KEY": "元数据键", "end of file": "文件结尾", "error": "无法识别的内容",
    "$end": "文件结尾", "YYEOF": "文件结尾", "$undefined": "无法识别的内容",
}


def _token(name: str) -> str:
    return _TOKENS.get(name.strip(), "无法识别的内容")


def _signed_amounts(text: str):
    """(number, currency) pairs in Beancount's printed inventory or amount."""
    out = []
    for number, currency in re.findall(r"(-?[\d,]*\.?\d+)\s+([A-Z][A-Z0-9'._-]*)", text):
        try:
            out.append((Decimal(number.replace(",", "")), currency))
        except InvalidOperation:
            continue
    return out


# ------------------------------------------------------------ the messages


def _unbalanced(match, error, ctx):
    parts = []
    for number, currency in _signed_amounts(match.group(1)):
        side = "借方多于贷方" if number > 0 else "贷方多于借方"
        parts.append(f"{side} {abs(number)} {currency}")
    detail = "; ".join(parts) or "借贷金额不等"
    return f"分录借贷不平衡: {detail} (各行金额之和应为零)"


def _balance_failed(match, error, ctx):
    account, expected, accumulated, diff, direction = match.groups()
    currency = expected.split()[-1]
    side = "多" if direction == "too much" else "少"
    entry = getattr(error, "entry", None)
    day = f" {entry.date}" if entry is not None else ""
    return (f"余额断言不符: {account}{day} 日初应为 {expected}, 账面为 {accumulated}, "
            f"账面{side} {diff} {currency}")


def _unknown_account(match, error, ctx):
    name = match.group(1)
    return f"科目 {name} 未开设 (没有 open 记录){account_hint(name, ctx.accounts)}"


def _invalid_account_name(match, error, ctx):
    name = match.group(1)
    return (f"无效的科目名称 {name} (每一级须以大写英文字母或数字开头, 如 Assets:1001-库存现金)"
            f"{account_hint(name, ctx.accounts)}")


def _inactive_account(match, error, ctx):
    name = match.group(1)
    entry = getattr(error, "entry", None)
    day = f" ({entry.date})" if entry is not None else ""
    return f"科目 {name} 在此日期{day}尚未开设或已关闭 (记录日期不在它的 open 与 close 之间)"


def _invalid_token(match, error, ctx):
    token = match.group(1)
    filename, lineno = _source(error)
    if token.startswith("\ufeff") and lineno == 1:
        return "文件开头有 BOM 标记 (UTF-8 带签名); 请另存为不带 BOM 的 UTF-8"
    if "\\x" in token:
        return "此行有无法识别的字节: 文件可能不是 UTF-8 编码 (请另存为 UTF-8)"
    words = "此行有无法识别的内容" + (f"「{token}」" if len(token) <= 40 else "")
    hints = _width_hints(_line(filename, lineno) or token)
    if not hints:
        return words + " (可能是拼写错误、缺少引号, 或金额、币种的写法不对)"
    if "：" in token:  # an account written with the input method's colon
        hints += [h for h in account_hint(token, ctx.accounts).split("; ") if h.startswith("您是否要写")]
    return words + "; " + "; ".join(hints)


def _lexer_exception(match, error, ctx):
    kind, detail = match.groups()
    filename, lineno = _source(error)
    if kind == "UnicodeDecodeError":
        return "此行有无法识别的字节: 文件不是 UTF-8 编码 (请另存为 UTF-8)"
    for pattern, words in _DATE_PROBLEMS:
        if re.search(pattern, detail):
            found = re.search(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}", _line(filename, lineno))
            date = f" {found.group(0)}" if found else ""
            return f"日期无效{date}: {words}"
    return "此行有无法识别的内容 (数字、日期或文字的写法有误)"


def _syntax_error(match, error, ctx):
    text = match.group(0)
    unexpected = re.search(r"unexpected ([^,]+)", text)
    expecting = re.search(r"expecting (.+)$", text)
    words = "语法错误"
    if unexpected:
        words += f": 此处不应出现{_token(unexpected.group(1))}"
    if expecting:
        wanted = "、".join(dict.fromkeys(_token(t) for t in expecting.group(1).split(" or ")))
        words += f", 应为{wanted}"
    return words + " (请对照上下文检查本行的写法)"


def _include_missing(match, error, ctx):
    name = match.group(1)
    return f"include 的文件不存在: {name} (路径相对于写 include 的文件所在的文件夹)"


def _plugin_import(match, error, ctx):
    return f'无法加载插件 "{match.group(1)}": 找不到该模块或加载时出错 (请检查 plugin 行的拼写, 或运行 make setup)'


def _plugin_apply(match, error, ctx):
    return f'插件 "{match.group(1)}" 运行时出错, 其检查没有完成 (这是程序缺陷, 请把本行报告给系统维护人员)'


def _document_missing(match, error, ctx):
    return f"document 指向的文件不存在: {match.group(1)}"


# (pattern, Chinese template or function(match, error, ctx)). A template may use the groups
# as {1}, {2}, … Every message class of Beancount 3.2.3's load is here (tests/test_errors.py
# reads Beancount's sources and checks it).
_RULES = [
    # ops/validation.py
    (r"Transaction does not balance: (.*)", _unbalanced),
    (r"Invalid reference to unknown account '(.*)'", _unknown_account),
    (r"Invalid reference to inactive account '(.*)'", _inactive_account),
    (r"Duplicate open directive for (.*)", "科目 {1} 重复开设 (已有一条 open 记录)"),
    (r"Duplicate close directive for (.*)", "科目 {1} 重复关闭 (已有一条 close 记录)"),
    (r"Internal error: closing date for (.*) appears before opening date",
     "科目 {1} 的关闭日期早于开设日期"),
    (r"Unopened account (.*) is being closed", "关闭了未开设的科目 {1}"),
    (r"Duplicate balance assertion with different amounts", "同一天对同一科目有两条金额不同的余额断言"),
    (r"Duplicate commodity directives for '(.*)'", "币种 {1} 重复声明 (commodity)"),
    (r"Invalid currency (\S+) for account '(.*)'", "科目 {2} 不接受币种 {1} (见该科目 open 行上的币种)"),
    (r"Invalid relative path for entry", "document 的文件路径应为绝对路径"),
    (r"Invalid data types: (.*)", "记录的数据类型有误 (多由插件产生; 请报告给系统维护人员)"),
    # ops/balance.py
    (r"Balance failed for '(.*?)': expected (.*?) != accumulated (.*?) \((\S+) (too much|too little)\)",
     _balance_failed),
    (r"Balance failed for '(.*?)'[\s\S]*", "余额断言不符: {1}"),
    (r"Invalid currency '(.*)' for Balance directive: ?", "余额断言的币种 {1} 不是该科目可用的币种"),
    # ops/pad.py
    (r"Unused Pad entry", "pad 补差记录没有用上 (其后没有同一科目的余额断言, 或余额本已相符)"),
    (r"Attempt to pad an entry with cost for balance: (.*)", "不能对按成本计价的持仓做 pad 补差"),
    # ops/documents.py
    (r'File does not exist: "(.*)"', _document_missing),
    (r"Document root '(.*)' does not exist", '选项 "documents" 指定的附件文件夹不存在: {1}'),
    (r"Document '(.*)' found in child account (.*)", "附件 {1} 放在了下级科目 {2} 的文件夹中"),
    (r"Document '(.*)' found in parent account (.*)", "附件 {1} 放在了上级科目 {2} 的文件夹中"),
    (r"Invalid date on document file '(.*)': (.*)", "附件文件名开头的日期无效: {1} (应为 YYYY-MM-DD.名称)"),
    # loader.py
    (r'File glob "(.*)" does not match any files', _include_missing),
    (r'Duplicate filename parsed: "(.*)"', "文件 {1} 被重复 include (每个文件只应包含一次)"),
    (r'File "(.*)" does not exist', "账本文件不存在: {1}"),
    (r'Error importing "(.*?)":[\s\S]*', _plugin_import),
    (r'Error applying plugin "(.*?)":[\s\S]*', _plugin_apply),
    # parser/lexer.l
    (r"Invalid token: '([\s\S]*)'", _invalid_token),
    (r"(\w+Error|\w+Exception|InvalidOperation): ([\s\S]*)", _lexer_exception),
    # parser/grammar.y and grammar.py
    (r"syntax error[\s\S]*", _syntax_error),
    (r"memory exhausted", "账本太大或嵌套太深, 无法解析"),
    (r"Pipe symbol is deprecated\.", "交易标题中的竖线 | 已不再支持, 请删去"),
    (r"Invalid account name: (.*)", _invalid_account_name),
    (r"Unbalanced pushed tag: '(.*)'", "pushtag #{1} 没有对应的 poptag"),
    (r"Unbalanced metadata key '(.*)'; leftover metadata '(.*)'", "pushmeta {1} 没有对应的 popmeta"),
    (r"Attempting to pop absent tag: '(.*)'", "poptag #{1} 之前没有对应的 pushtag"),
    (r"Attempting to pop absent metadata key: '(.*)'", "popmeta {1} 之前没有对应的 pushmeta"),
    (r"Invalid option: '(.*)'", '没有名为 "{1}" 的选项 (option)'),
    (r"Option '(.*)' may not be set", '选项 "{1}" 不能在账本中设置'),
    (r"Error for option '(.*?)': (.*)", '选项 "{1}" 的取值无效'),
    (r"Renamed to '(.*)'\.", "该选项已改名为 {1}"),
    (r"Allowing pipe separator temporarily.*", "交易标题中的竖线 | 已不再支持, 请删去"),
    (r"Allowing None for tags and link.*", "标签和链接不应为空值"),
    (r"Duplicate cost: '(.*)'\.", "成本 {1} 写了两次"),
    (r"Duplicate date: '(.*)'\.", "成本中的日期 {1} 写了两次"),
    (r"Cost merging is not supported yet", "不支持合并成本 (*)"),
    (r"Duplicate merge-cost spec", "合并成本 (*) 写了两次"),
    (r"Duplicate label: '(.*)'\.", "成本中的标签 {1} 写了两次"),
    (r"Per-unit cost may not be specified using total cost syntax: '(.*)'; ignoring per-unit cost",
     "总成本写法 {{{{…}}}} 中不能再写单位成本, 已忽略单位成本"),
    (r"Invalid booking method: (.*)", "无效的记账方法 (booking) {1}"),
    (r"Negative prices are not allowed: (.*?) \(see [\s\S]*", "价格不能为负: {1}"),
    (r"Total price on a posting without units: (.*)\.", "没有数量的分录行不能写总价 @@ {1}"),
    (r"Cost and price currencies must match: (.*) != (.*)", "成本的币种 {1} 与价格的币种 {2} 应相同"),
    (r"Too many strings on transaction description: (.*)",
     "交易标题的文字太多 (最多两段: 收付款方和摘要)"),
    (r"Tags or links not allowed after first Posting: (.*)", "标签和链接应写在交易首行或分录行之前"),
    (r"Duplicate metadata field on entry: KeyValue\(key='(.*?)'[\s\S]*", "元数据 {1} 在同一记录上写了两次"),
    (r"Duplicate metadata field on entry: (.*)", "同一记录上有重复的元数据"),
    (r"Duplicate posting metadata field: KeyValue\(key='(.*?)'[\s\S]*", "元数据 {1} 在同一分录行上写了两次"),
    (r"Duplicate posting metadata field: (.*)", "同一分录行上有重复的元数据"),
    # parser/booking.py, booking_full.py, booking_method.py
    (r"Transaction has incomplete elements", "交易有未补全的内容 (缺少金额或币种)"),
    (r"Reducing position results in inventory with positive and negative lots: (.*)",
     "减少持仓后同一科目同时出现正数和负数的批次"),
    (r"Cost syntax not supported; cost spec ignored", "此处不支持成本写法, 已忽略"),
    (r'Amount is zero: "(.*)"', "按成本计价的分录行金额不能为零: {1}"),
    (r'Cost is negative: "(.*)"', "成本不能为负"),
    (r"Self-reduction is not allowed", "同一交易不能既增加又减少同一批持仓"),
    (r"Failed to categorize posting (.*)", "第 {1} 个分录行无法确定币种"),
    (r"You may not have more than one auto-posting per currency",
     "同一币种只能有一个不写金额的分录行 (自动平衡行)"),
    (r"Could not resolve (.*) currency", "无法确定{1}币种"),
    (r'No position matches "(.*)" against balance (.*)', "没有与 {1} 相符的持仓可以减少 (现有 {2})"),
    (r"Too many missing numbers for currency group '(.*)'", "币种 {1} 缺少的金额太多, 无法自动补全"),
    (r"Cannot infer per-unit cost only from total", "只有总成本时无法推算单位成本"),
    (r"Cannot infer price for postings with units held at cost", "按成本计价的分录行无法推算价格"),
    (r'Not enough lots to reduce "(.*)": (.*)', "可减少的持仓不足: {1}"),
    (r'Ambiguous matches for "(.*)": (.*)', "有多个持仓与 {1} 相符, 无法确定减少哪一批 (请写明成本或日期)"),
    (r"AVERAGE method is not supported", "不支持平均成本法 (AVERAGE)"),
    (r"Cannot merge positions in multiple currencies: (.*)", "不能合并不同币种的持仓"),
    (r"Explicit cost reductions aren't supported yet: (.*)", "此记账方法下不能写明成本来减少持仓"),
]
_COMPILED = [(re.compile(pattern), then) for pattern, then in _RULES]

# Beancount's error types, for a message nobody has translated yet.
_KINDS = {"ParserError": "语法", "ParserSyntaxError": "语法", "LexerError": "书写", "DeprecatedError": "语法",
          "LoadError": "载入", "BookingError": "记账", "InterpolationError": "金额补全",
          "CategorizationError": "币种", "ReductionError": "持仓减少", "AmbiguousMatchError": "持仓减少",
          "SelfReduxError": "持仓减少", "ValidationError": "校验", "BalanceError": "余额断言",
          "PadError": "补差 (pad)", "DocumentError": "附件 (document)"}


def _is_rule_error(message: str) -> bool:
    return message.startswith("[")


def _chinese(error, ctx) -> str:
    message = str(getattr(error, "message", error))
    if _is_rule_error(message):
        return message
    text = message.strip()
    for pattern, then in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            if callable(then):
                return then(match, error, ctx)
            return then.format(None, *match.groups())
    if re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{4,}", text):
        return " ".join(text.split())  # already Chinese (a plugin's own words)
    kind = _KINDS.get(type(error).__name__, "账本")
    return f"此处有{kind}错误 (系统未能译出其说明; 请把本行报告给系统维护人员)"


def _located(error, ctx):
    """(file, line) to show: the error's own, or for the loader's `<load>:0` the directive behind it."""
    filename, lineno = _source(error)
    message = str(getattr(error, "message", ""))
    if filename not in (None, "<load>") and lineno:
        return filename, lineno, False
    left_open = re.match(r"Unbalanced (pushed tag|metadata key):? '(.*?)'", message)
    if left_open and filename:  # reported at line 0 of the file: find the push
        word = "pushtag #" if left_open.group(1) == "pushed tag" else "pushmeta "
        pattern = re.compile(r"\s*" + re.escape(word + left_open.group(2)) + r"\b")
        found = _find_line([filename], pattern)
        return (found[0], found[1], True) if found else (filename, lineno, False)
    found = None
    glob_match = re.match(r'File glob "(.*)" does not match', message)
    duplicate = re.match(r'Duplicate filename parsed: "(.*)"', message)
    plugin = re.match(r'Error (?:importing|applying plugin) "(.*?)"', message)
    if glob_match:
        found = ctx.include_line(glob_match.group(1))
    elif duplicate:
        found = ctx.include_line(duplicate.group(1))
    elif plugin:
        found = ctx.directive_line(re.compile(r'\s*plugin\s+"' + re.escape(plugin.group(1)) + '"'))
    if found:
        return found[0], found[1], True
    return filename, lineno, False


_CONTEXT = {}


def _context(entries, options_map):
    """One context per load; the cache holds the load itself, so its id is not reused."""
    key = (id(entries), id(options_map))
    if key not in _CONTEXT:
        _CONTEXT.clear()
        _CONTEXT[key] = (entries, options_map, _Context(entries, options_map))
    return _CONTEXT[key][2]


def translate(error, entries=None, options_map=None) -> str:
    """One Chinese line for a Beancount error; a rule error ("[P1] …") unchanged.

    For a loader error (source `<load>:0`) the line ends with the `include` or `plugin`
    line behind it, when `options_map` says which files were read.
    """
    ctx = _context(entries or (), options_map)
    message = _chinese(error, ctx)
    filename, lineno, moved = _located(error, ctx)
    return f"{message} (见 {filename}:{lineno})" if moved else message


# ------------------------------------------------------------------ grouping


def _balance_key(error):
    match = re.fullmatch(r"Balance failed for '(.*?)': expected (.*?) != accumulated (.*?) \((\S+) (too much|"
                         r"too little)\)", str(getattr(error, "message", "")).strip())
    if not match:
        return None
    account, expected, _, diff, direction = match.groups()
    currency = expected.split()[-1]
    signed = Decimal(diff) if direction == "too much" else -Decimal(diff)
    return account, currency, signed


def _unknown_name(error):
    match = re.fullmatch(r"Invalid reference to (unknown|inactive) account '(.*)'",
                         str(getattr(error, "message", "")).strip())
    return (match.group(1), match.group(2)) if match else None


def _last_good_balance(ctx, failing, account, currency):
    """The last assertion of `account` in `currency` before `failing` that held, or None."""
    held = ctx.balances_held().get((account, currency), [])
    earlier = [entry for entry in held if entry.date < failing.date]
    return earlier[-1] if earlier else None


def _where_change_is(ctx, error, account, currency):
    entry = getattr(error, "entry", None)
    if entry is None or not ctx.entries:
        return ""
    good = _last_good_balance(ctx, entry, account, currency)
    if good is None:
        return f"; 改动在 {entry.date} 之前 (此前没有相符的余额断言)"
    meta = good.meta or {}
    return (f"; 上一次相符的断言是 {good.date} ({os.path.basename(str(meta.get('filename')))}:"
            f"{meta.get('lineno')}), 改动在 {good.date} 至 {entry.date} 之间")


def _problem(error, ctx):
    filename, lineno, _ = _located(error, ctx)
    message = _chinese(error, ctx)
    return Problem(message, filename, lineno, clause_of(message), getattr(error, "entry", None), [error])


def _residuals(error):
    match = re.fullmatch(r"Transaction does not balance: (.*)", str(getattr(error, "message", "")).strip())
    return _signed_amounts(match.group(1)) if match else []


def _unbalanced_leaves(error):
    """An unbalanced transaction leaves its residual on each account it posts to."""
    residual = _residuals(error)
    entry = getattr(error, "entry", None)
    if not residual or entry is None:
        return None
    accounts = {p.account for p in getattr(entry, "postings", ())}
    return entry.date, {(a, c): n for a in accounts for n, c in residual}


_DROPS = re.compile(r"Invalid token: |syntax error|\w+Error: ")
_POSTING = re.compile(r"\s+([A-Z][^\s;]*)\s+(-?[\d,]*\.?\d+)\s+([A-Z][A-Z0-9'._-]*)")


def _dropped_leaves(error):
    """A transaction the parser could not read is missing from the books: each account it
    posts to is short by its amount (read from the file, around the error's line)."""
    filename, lineno = _source(error)
    if not _DROPS.match(str(getattr(error, "message", ""))) or not filename or not lineno:
        return None
    try:
        with open(filename, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeError):
        return None
    start = min(int(lineno), len(lines)) - 1
    while start > 0 and lines[start][:1] in (" ", "\t"):
        start -= 1
    header = re.match(r"(\d{4})-(\d{2})-(\d{2})\s", lines[start]) if lines else None
    leaves = {}
    for line in lines[start + 1:]:
        if line[:1] not in (" ", "\t"):
            break
        posting = _POSTING.match(line)
        if posting:
            account, number, currency = posting.groups()
            leaves[(account, currency)] = -Decimal(number.replace(",", ""))
    if not leaves:
        return None
    try:
        day = datetime.date(*map(int, header.groups())) if header else None
    except ValueError:
        day = None
    return day, leaves


def group(errors, entries=None, options_map=None) -> list[Problem]:
    """The load's errors as Problems, causes first and what follows from them under them.

    - every error in a file that is not UTF-8 → one Problem naming the file and encoding;
    - a balance assertion that fails by the same difference as an earlier failing one of the
      same account, as an unbalanced transaction posting to it, or as the amount of a
      transaction the parser could not read (a bad date, a stray character) → under that one;
    - further references to the same unknown account, and a balance failure of it → under
      the first reference;
    - the same message twice on the same line (Beancount checks some things twice) → once.
    """
    ctx = _context(entries or (), options_map)
    problems, seen, encodings = [], {}, {}
    balance_causes = {}  # (account, currency) -> (signed difference, Problem)
    unknown_causes = {}  # account -> Problem
    made = {}  # id(error) -> Problem, for the errors that explain balance failures
    explained = []  # (Problem, date, {(account, currency): the difference it leaves})
    for error in errors:  # Beancount reports them after the balance failures they explain
        found = _unbalanced_leaves(error) or _dropped_leaves(error)
        if found:
            made[id(error)] = problem = _problem(error, ctx)
            explained.append((problem, *found))

    for error in errors:
        filename, _ = _source(error)
        rule = _is_rule_error(str(getattr(error, "message", "")))
        trouble = None
        if not rule and filename and filename != "<load>" and os.path.isfile(filename):
            trouble = ctx.encoding_problem(filename)
        if trouble:
            if filename not in encodings:
                encodings[filename] = Problem(_encoding_message(filename, *trouble), filename, trouble[0])
                problems.append(encodings[filename])
            encodings[filename].errors.append(error)
            continue
        problem = made.get(id(error)) or _problem(error, ctx)
        key = (problem.filename, problem.lineno, problem.message)
        if key in seen:
            seen[key].errors.append(error)
            continue
        seen[key] = problem
        if not rule and not _follows(problem, error, ctx, balance_causes, unknown_causes, explained):
            problems.append(problem)
        elif rule:
            problems.append(problem)
    for cause in encodings.values():
        if len(cause.errors) > 1:
            cause.message += f" (由此引起的 {len(cause.errors)} 条错误不再逐条列出)"
    return problems


def _follows(problem, error, ctx, balance_causes, unknown_causes, explained) -> bool:
    """Put `problem` under the earlier Problem that caused it; True if it was."""
    unknown = _unknown_name(error)
    if unknown and unknown[0] == "unknown":
        first = unknown_causes.setdefault(unknown[1], problem)
        if first is not problem:
            first.consequences.append(problem)
            return True
        return False
    balance = _balance_key(error)
    if not balance:
        return False
    account, currency, signed = balance
    if account in unknown_causes:
        unknown_causes[account].consequences.append(problem)
        return True
    earlier = balance_causes.get((account, currency))
    if earlier and earlier[0] == signed:
        problem.message += " (与上面同一差额)"
        earlier[1].consequences.append(problem)
        return True
    failing = getattr(error, "entry", None)
    origin = next((p for p, day, leaves in explained if leaves.get((account, currency)) == signed
                   and (day is None or failing is None or day < failing.date)), None)
    if origin is not None:
        problem.message += " (差额由上面一处引起)"
        origin.consequences.append(problem)
        balance_causes[(account, currency)] = (signed, origin)
        return True
    if earlier:
        before = earlier[1].date
        problem.message += f"; 差额由 {earlier[0]} 变为 {signed}: {before} 之后另有改动"
    else:
        problem.message += _where_change_is(ctx, error, account, currency)
    balance_causes[(account, currency)] = (signed, problem)
    return False
