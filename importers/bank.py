"""Bank statements (CSV, .xls, .xlsx, as the banks and rural credit cooperatives
export them; each layout a profile, `importers.profiles`) → Beancount transactions and
a closing `balance` assertion, via beangulp.

County policy (seed): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计"
— the bank statement is the evidence the books are audited against: every row becomes
exactly one transaction carrying the bank's serial (`serial:`), nothing is guessed
silently (a row no rule explains goes to the suspense account, flagged "!"; a running
balance that does not chain flags the first row that breaks it, and no row is dropped
to make it chain), and the statement's closing balance is asserted so a missing or
doubled row cannot pass. The account and the currency come from the statement itself
(preamble or column), or the file is refused.

Dedupe never loses a row (SPEC §6: beangulp's default comparator calls two genuine
same-day payments of the same amount duplicates): the key is own account + serial +
date + amount (+ time where the bank gives one), counted — each row already in the
ledger accounts for one statement row only, so a statement's n-th row with a key is a
duplicate only if the ledger holds n such rows. A serial already in
the ledger with other content is imported and reported. A per-statement sequence number
(交易序号 1, 2, 3 …) is not a serial; without a serial a row gets `H` + a hash of its
content (its running balance included) so a re-import is still recognised.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import functools
import hashlib
import os
import re

import beangulp
from beancount.core import data
from beancount.core.amount import Amount
from beangulp import extract as bg_extract

from importers import headers, profiles
from importers.config import Config, normalise_number
from importers.table import ImportFailure, clean, parse_amount, parse_date, parse_time

FOOTER = re.compile(r"^(合计|总计|小计|本页|本期合计|累计|共\s*\d+\s*笔|以下空白|交易笔数|"
                    r"收入合计|支出合计|借方合计|贷方合计|打印|制表|人民币合计|本币合计|"
                    r"以上数据|说明\s*[:：]|注\s*[:：]|温馨提示|备注\s*[:：]|经办|复核|"
                    r"[借贷]方发生额合计|本页小计|期末余额|下载时间|导出时间)")
NUMBER_IN_PREAMBLE = re.compile(
    r"(?:账\s*号|帐\s*号|账\s*户\s*号\s*码|账\s*户\s*号|卡\s*号|账\s*户)\s*[:：]?\s*"
    r"[\[【]?\s*([0-9][0-9 \-*]{5,40}[0-9])")
CURRENCY_IN_PREAMBLE = re.compile(r"(?:币\s*种|币\s*别|货\s*币)\s*[:：]?\s*([^\s,，;；:：]+)")
CURRENCIES = {"人民币": "CNY", "cny": "CNY", "rmb": "CNY", "156": "CNY", "本币": "CNY",
              "人民币元": "CNY", "元": "CNY", "港币": "HKD", "港元": "HKD", "hkd": "HKD",
              "美元": "USD", "usd": "USD", "欧元": "EUR", "eur": "EUR", "日元": "JPY",
              "jpy": "JPY", "英镑": "GBP", "gbp": "GBP", "澳元": "AUD", "加元": "CAD"}
OUT_WORDS = {"借", "支出", "支", "出", "付", "付出", "转出", "d", "dr", "debit", "-", "借方",
             "借 dr", "借dr"}
IN_WORDS = {"贷", "收入", "收", "入", "存入", "转入", "c", "cr", "credit", "+", "贷方",
            "贷 cr", "贷cr"}
MAX_REPORTED = 20
SEQUENCE_DIGITS = 6


@dataclasses.dataclass
class Row:
    rowno: int
    date: datetime.date
    time: str
    amount: decimal.Decimal
    balance: decimal.Decimal | None
    serial: str
    counterparty: str
    counterparty_account: str
    summary: str
    purpose: str
    warning: str = ""
    debit: decimal.Decimal | None = None   # the 支出 cell as written (split layouts)


@dataclasses.dataclass
class Statement:
    path: str
    number: str                  # the statement's own account number
    account: str
    currency: str
    rows: list                   # in date order
    warnings: list               # about the file as a whole
    has_balance: bool
    profile: str = ""

    @property
    def start(self):
        return self.rows[0].date

    @property
    def end(self):
        return self.rows[-1].date


def _fail_many(failures):
    first = failures[0]
    first.others = failures[1:]
    raise first


def _cell(row, columns, field):
    index = columns.get(field)
    if index is None or index >= len(row):
        return None
    return row[index]


def _direction(value, profile) -> int:
    text = " ".join(clean(value).split()).lower()
    if text in profile.out_words or text in OUT_WORDS:
        return -1
    if text in profile.in_words or text in IN_WORDS:
        return 1
    if text[:1] in ("借", "支", "付") or text.endswith(" dr"):
        return -1
    if text[:1] in ("贷", "收", "存") or text.endswith(" cr"):
        return 1
    return 0


def _currency(path, text) -> str:
    """A currency cell or preamble word as an ISO code; ValueError if unknown."""
    key = re.sub(r"[(（].*$", "", clean(text).strip("[]【】")).strip().lower()
    if not key:
        return ""
    if key in CURRENCIES:
        return CURRENCIES[key]
    raise ValueError(f"币种无法识别: {clean(text)[:20]}")


def _is_footer(texts, date_text, profile) -> bool:
    first = next(t for t in texts if t)
    if first[:1].isdigit() and date_text[:1].isdigit():
        return False  # a date: a row, not a footer
    for text in (first, date_text):
        if text and (FOOTER.match(text) or any(p.search(text) for p in profile.footer)):
            return True
    return False


def parse_statement(path: str, table, found: profiles.Match, config: Config) -> Statement:
    """Rows of a statement table, validated; ImportFailure (with `.others`) naming rows."""
    profile, columns = found.profile, found.columns
    if profile.kind == "not-bank":
        raise ImportFailure(path, f"不是银行流水: {profile.refusal}")
    warnings = []
    header_rowno = table.rownos[found.index]
    preamble = [" ".join(clean(c) for c in row if clean(c)) for row in table.rows[:found.index]]
    numbers, currency_words = [], []
    for text in preamble:
        hit = (profile.account_pattern or NUMBER_IN_PREAMBLE).search(text)
        if hit:
            numbers.append(normalise_number(hit.group(1)))
        hit = (profile.currency_pattern or CURRENCY_IN_PREAMBLE).search(text)
        if hit:
            currency_words.append(hit.group(1))
    try:
        currency = next((c for c in (_currency(path, w) for w in currency_words) if c), "")
    except ValueError as exc:
        raise ImportFailure(path, f"表头前说明中的{exc}") from None
    if currency and currency != config.currency:
        raise ImportFailure(path, f"不支持外币流水 (对账单币种: {currency_words[0]}); "
                                  f"本账套只记 {config.currency}")

    failures, rows = [], []
    needed = max(columns.values()) + 1
    datecol = "date" if "date" in columns else "time"
    column_numbers = set()
    for offset in range(found.start, len(table.rows)):
        rowno = table.rownos[offset]
        raw = [clean(c) if isinstance(c, str) or c is None else c for c in table.rows[offset]]
        texts = [c if isinstance(c, str) else clean(c) for c in raw]
        if not any(texts):
            continue
        if _is_footer(texts, clean(_cell(raw, columns, datecol)), profile):
            break
        short = len(raw) < needed
        if short:  # some banks leave out trailing empty cells
            raw = list(raw) + [""] * (needed - len(raw))
        try:
            row = _parse_row(raw, columns, rowno, datecol, profile, config)
        except ValueError as exc:
            if short:
                exc = f"列数不足 (应有 {needed} 列, 实有 {len(texts)} 列; 文件可能被截断): {exc}"
            failures.append(ImportFailure(path, str(exc), rowno))
            if len(failures) > MAX_REPORTED:
                break
            continue
        if row is None:
            warnings.append(f"{path}: 第 {rowno} 行: 金额为零, 已跳过")
            continue
        rows.append(row)
        own = normalise_number(clean(_cell(raw, columns, "own_account")))
        if own:
            column_numbers.add(own)
    if failures:
        _fail_many(failures)
    if not rows:
        raise ImportFailure(path, "对账单没有交易记录 (表头之后为空; 文件为空或被截断?)",
                            header_rowno)
    if len(column_numbers) > 1:
        raise ImportFailure(path, f"一个对账单含多个本方账号 ({', '.join(sorted(column_numbers))}), "
                                  "请按账号分别导出")
    numbers = [n for n in numbers if n] or sorted(column_numbers)
    number = numbers[0] if numbers else ""
    if not number:
        raise ImportFailure(path, "对账单中未找到本方账号 (表头前的 账号: 一行或 本方账号 列), "
                                  "无法确定记入哪个银行存款账户")
    account = config.bank_account(number)
    if account is None:
        raise ImportFailure(path, f"对账单账号 {number} 未在配置 {config.path} 的 [accounts] 中; "
                                  "请添加 \"账号\" = \"账户\" 一行")
    if profile.kind == "credit-card" and not account.startswith("Liabilities:"):
        raise ImportFailure(path, f"这是信用卡对账单 ({profile.name}), 卡号 {number} 应在配置的 "
                                  f"[accounts] 中对应一个负债账户 (Liabilities:…), 而不是 {account}")

    has_balance = "balance" in columns
    rows = _chronological(_negative_debits(rows, has_balance))
    if has_balance:
        _check_chain(rows)
    else:
        warnings.append(f"{path}: 对账单没有余额列, 不生成余额断言")
    serial = "serial" in columns and not _is_sequence([r.serial for r in rows])
    if not serial:
        for row in rows:
            row.serial = ""
    _fill_serials(rows)
    return Statement(path, number, account, config.currency, rows, warnings, has_balance,
                     profile.name)


def _parse_row(raw, columns, rowno, datecol, profile, config) -> Row | None:
    date, time = parse_date(_cell(raw, columns, datecol), what="交易日期")
    if "time" in columns and datecol != "time":
        time = parse_time(_cell(raw, columns, "time")) or time
    currency = _currency(None, _cell(raw, columns, "currency"))
    if currency and currency != config.currency:
        raise ValueError(f"不支持外币流水 (币种: {clean(_cell(raw, columns, 'currency'))})")
    direction = _direction(_cell(raw, columns, "direction"), profile) if "direction" in columns else 0
    if "direction" in columns and not direction and clean(_cell(raw, columns, "direction")):
        raise ValueError(f"借贷方向无法识别: {clean(_cell(raw, columns, 'direction'))[:20]}")
    if "debit" in columns and "credit" in columns:
        debit = parse_amount(_cell(raw, columns, "debit"), what="支出金额")
        credit = parse_amount(_cell(raw, columns, "credit"), what="收入金额")
        if debit is None and credit is None:
            raise ValueError("支出和收入金额都为空")
        if debit and credit:
            raise ValueError("支出和收入金额同时有值")
        # A reversal (冲正) is written as a negative in its column: its sign is kept
        # (unless the bank writes every 支出 negative: `_negative_debits`).
        amount = (credit or 0) - (debit or 0)
    else:
        amount = parse_amount(_cell(raw, columns, "amount"), what="交易金额")
        if amount is None:
            raise ValueError("交易金额为空")
        if direction:
            amount = (abs(amount) if profile.direction_redundant else amount) * direction
        else:
            amount = amount * profile.amount_sign
    if amount == 0:
        return None  # e.g. 结息 0.00: nothing moved
    balance = parse_amount(_cell(raw, columns, "balance"), what="余额") if "balance" in columns else None
    if "balance" in columns and balance is None:
        raise ValueError("余额为空")
    return Row(rowno=rowno, date=date, time=time, amount=amount, balance=balance,
               debit=debit if "debit" in columns and "credit" in columns else None,
               serial=_one_line(_cell(raw, columns, "serial")),
               counterparty=_one_line(_cell(raw, columns, "counterparty")),
               counterparty_account=normalise_number(clean(_cell(raw, columns, "counterparty_account"))),
               summary=_one_line(_cell(raw, columns, "summary")),
               purpose=_one_line(_cell(raw, columns, "purpose")))


def _one_line(value) -> str:
    """Cell text for payee, narration and metadata: one line, single spaces."""
    return " ".join(clean(value).split())


def _is_sequence(values) -> bool:
    """A "serial" column that is really the statement's own row numbers (1, 2, 3 …)."""
    if not values or not all(v.isdigit() and len(v) <= SEQUENCE_DIGITS for v in values):
        return False
    numbers = sorted(int(v) for v in values)
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _negative_debits(rows, has_balance):
    """A negative number in the 支出 column is a reversal for most banks, but some write
    every 支出 negative. The balance chain decides (the reading it breaks less, a
    reversal on a tie); without a balance, only a statement whose every 支出 is
    negative is read as the second kind."""
    if not any(r.debit is not None and r.debit < 0 for r in rows):
        return rows
    flipped = [dataclasses.replace(r, amount=-r.amount) if r.debit is not None and r.debit < 0 else r
               for r in rows]
    if has_balance:
        return flipped if _chain_breaks(_chronological(flipped)) < _chain_breaks(_chronological(rows)) \
            else rows
    debits = [r.debit for r in rows if r.debit]
    return flipped if len(debits) > 1 and all(d < 0 for d in debits) else rows


def _chain_breaks(rows) -> int:
    return sum(1 for a, b in zip(rows, rows[1:]) if a.balance + b.amount != b.balance)


def _chronological(rows):
    """Rows oldest first: banks export either way. The dates decide; on a single day
    the running balance does. Within a day the bank's own order is kept."""
    if rows[0].date > rows[-1].date:
        rows = rows[::-1]
    elif rows[0].date == rows[-1].date and len(rows) > 1 and rows[0].balance is not None:
        if _chain_breaks(rows[::-1]) < _chain_breaks(rows):
            rows = rows[::-1]
    return sorted(rows, key=lambda r: r.date)  # stable: keeps the file's order within a day


def _check_chain(rows):
    """Flag the first row whose balance is not the previous balance plus its amount."""
    for a, b in zip(rows, rows[1:]):
        if a.balance + b.amount != b.balance:
            b.warning = (f"余额不连续: 上一笔 (第 {a.rowno} 行) 余额 {a.balance} + 本笔 {b.amount} "
                         f"≠ 本笔余额 {b.balance}; 请核对对账单是否完整")
            return


def _fill_serials(rows):
    """Rows without a bank serial get `H` + a hash of what identifies them."""
    seen = collections.Counter()
    for row in rows:
        if row.serial:
            continue
        key = "|".join(str(x) for x in (row.date, row.time, row.amount, row.balance,
                                         row.counterparty, row.counterparty_account,
                                         row.summary))
        seen[key] += 1
        digest = hashlib.sha1(f"{key}|{seen[key]}".encode()).hexdigest()[:16]
        row.serial = f"H{digest}"


# ---------------------------------------------------------------- entries

def statement_entries(statement: Statement, config: Config) -> list:
    entries = []
    currency = statement.currency
    for row in statement.rows:
        meta = data.new_metadata(statement.path, row.rowno)
        meta["serial"] = row.serial
        if row.time:
            meta["time"] = row.time
        if row.counterparty_account:
            meta["counterparty-account"] = row.counterparty_account
        narration = "；".join(t for t in (row.summary, row.purpose) if t)
        rule = config.rule_for(" ".join((row.summary, row.purpose)), row.counterparty,
                               row.counterparty_account, row.amount)
        counter_meta = None
        if rule is None:
            counter, flag = config.suspense_account, "!"
        else:
            counter, flag = rule.account, "*"
            extra = {k: v for k, v in (("fund", rule.fund), ("base", rule.base)) if v}
            if extra:
                counter_meta = extra
        if row.warning:
            meta["warning"] = row.warning
            flag = "!"
        postings = [
            data.Posting(statement.account, Amount(row.amount, currency), None, None, None, None),
            data.Posting(counter, Amount(-row.amount, currency), None, None, None, counter_meta),
        ]
        entries.append(data.Transaction(meta, row.date, flag, row.counterparty or None,
                                        narration, data.EMPTY_SET, data.EMPTY_SET, postings))
    last = statement.rows[-1]
    if statement.has_balance:
        meta = data.new_metadata(statement.path, last.rowno)
        entries.append(data.Balance(meta, last.date + datetime.timedelta(days=1), statement.account,
                                    Amount(last.balance, currency), None, None))
    return entries


def transaction_key(entry, posting) -> tuple:
    """What identifies a bank row: own account, serial, date, amount, time."""
    return (posting.account, str(entry.meta.get("serial")), entry.date, posting.units.number,
            str(entry.meta.get("time", "")))


class BankStatementImporter(beangulp.Importer):
    """beangulp importer for bank statements (every profile's layout)."""

    def __init__(self, config: Config, profile_list=None):
        self.config = config
        self.profiles = list(profiles.load_profiles() if profile_list is None else profile_list)
        self.known = headers.KnownHeader(self.profiles)

    @property
    def name(self) -> str:
        return "shixun.bank"

    def identify(self, filepath: str) -> bool:
        return headers.kind(filepath, self.known) == "bank"

    def statement(self, filepath: str) -> Statement:
        stat = os.stat(filepath)
        return self._statement(filepath, stat.st_mtime_ns, stat.st_size)

    @functools.lru_cache(maxsize=64)
    def _statement(self, filepath, _mtime, _size) -> Statement:
        table = headers.load(filepath, self.known)
        found = profiles.match(table, self.profiles)
        if found is None:
            raise ImportFailure(filepath, "未找到银行对账单表头 (需要 交易日期 与 金额列)")
        return parse_statement(filepath, table, found, self.config)

    def warnings(self, filepath: str) -> list:
        return self.statement(filepath).warnings

    def account(self, filepath: str) -> str:
        return self.statement(filepath).account

    def date(self, filepath: str):
        return self.statement(filepath).end

    def filename(self, filepath: str):
        st = self.statement(filepath)
        tail = st.number[-4:]
        ext = os.path.splitext(filepath)[1].lower() or ".csv"
        return f"银行对账单-{tail}-{st.start:%Y%m%d}至{st.end:%Y%m%d}{ext}"

    def extract(self, filepath: str, existing) -> list:
        return statement_entries(self.statement(filepath), self.config)

    def sort(self, entries, reverse=False) -> None:
        """By date (a balance assertion first on its day, as Beancount reads it), keeping
        the statement's chronological order within a day, which file line numbers of a
        newest-first export would invert."""
        entries.sort(key=lambda e: (e.date, data.SORT_ORDER.get(type(e), 0)), reverse=reverse)

    def deduplicate(self, entries, existing) -> None:
        """Mark (beangulp's `__duplicate__`) the rows the ledger (or an earlier file of
        this run) already holds, counting keys so no genuine row is taken for another;
        a serial already there with other content is kept and reported (`warning:`)."""
        counts, contents, balances = existing_keys(existing)
        for entry in entries:
            if isinstance(entry, data.Transaction):
                posting = entry.postings[0]
                key = transaction_key(entry, posting)
                # Each ledger row stands for one statement row; one without a time
                # (written by hand or by an older import) for a row with any time.
                for candidate in (key, key[:4] + ("",)):
                    if counts[candidate] > 0:
                        counts[candidate] -= 1
                        entry.meta[bg_extract.DUPLICATE] = True
                        break
                if entry.meta.get(bg_extract.DUPLICATE):
                    continue
                serial = key[1]
                if not serial.startswith("H") and (key[0], serial) in contents:
                    date, number = contents[(key[0], serial)]
                    entry.meta["warning"] = (
                        f"流水号 {serial} 已在账本中, 但内容不同 (账本: {date} {number}; "
                        f"本行: {entry.date} {posting.units.number}); 已作为新记录导入, 请核对")
            elif isinstance(entry, data.Balance):
                key = (entry.account, entry.date, entry.amount.number)
                if key in balances:
                    entry.meta[bg_extract.DUPLICATE] = True
                balances.add(key)


def existing_keys(existing) -> tuple:
    """(Counter of transaction keys, {(account, serial): (date, amount)}, balance keys):
    one pass over the ledger."""
    counts, contents, balances = collections.Counter(), {}, set()
    for entry in existing:
        if isinstance(entry, data.Transaction):
            meta = entry.meta
            if meta and "serial" in meta and not meta.get(bg_extract.DUPLICATE):
                for posting in entry.postings:
                    key = transaction_key(entry, posting)
                    counts[key] += 1
                    contents.setdefault(key[:2], (entry.date, posting.units.number))
        elif isinstance(entry, data.Balance):
            balances.add((entry.account, entry.date, entry.amount.number))
    return counts, contents, balances
