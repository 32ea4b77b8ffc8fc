"""Bank statements (CSV/XLSX, as Chinese banks and rural credit cooperatives export
them) → Beancount transactions and a closing `balance` assertion, via beangulp.

County policy (seed): "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计"
— the bank statement is the evidence the books are audited against: every row becomes
exactly one transaction carrying the bank's serial (`serial:`), nothing is guessed
silently (a row no rule explains goes to the suspense account, flagged "!"), and the
statement's closing balance is asserted so a missing or doubled row cannot pass.

Dedupe is on the bank serial, never on date+amount (SPEC §6: beangulp's default
comparator calls two genuine same-day payments of the same amount duplicates).
A statement without a serial column gets a synthetic one (`H` + hash of the row,
its running balance included) so a re-import is still recognised.
"""
from __future__ import annotations

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

from importers import headers
from importers.config import Config, normalise_number
from importers.table import (ImportFailure, clean, find_header, parse_amount, parse_date,
                             parse_time)

FOOTER = re.compile(r"^(合计|总计|小计|本页|本期合计|累计|共\s*\d+\s*笔|以下空白|交易笔数|"
                    r"收入合计|支出合计|借方合计|贷方合计|打印|制表)")
NUMBER_IN_PREAMBLE = re.compile(
    r"(?:账号|帐号|账户号码|账户号|卡号|账户)\s*[:：]?\s*([0-9][0-9 \-*]{5,40}[0-9])")
DOMESTIC = {"", "人民币", "cny", "rmb", "156", "本币", "人民币元", "元"}
OUT_WORDS = {"借", "支出", "支", "出", "付", "付出", "转出", "d", "dr", "debit", "-", "借方"}
IN_WORDS = {"贷", "收入", "收", "入", "存入", "转入", "c", "cr", "credit", "+", "贷方"}
MAX_REPORTED = 20


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


@dataclasses.dataclass
class Statement:
    path: str
    number: str                  # the statement's own account number ("" if none found)
    account: str
    rows: list                   # in date order
    warnings: list
    has_balance: bool

    @property
    def start(self):
        return self.rows[0].date

    @property
    def end(self):
        return self.rows[-1].date


def _fail_many(path, failures):
    first = failures[0]
    first.others = failures[1:]
    raise first


def _cell(row, columns, field):
    index = columns.get(field)
    if index is None or index >= len(row):
        return None
    return row[index]


def _direction(value) -> int:
    text = clean(value).lower()
    if text in OUT_WORDS:
        return -1
    if text in IN_WORDS:
        return 1
    return 0


def parse_statement(path: str, table, config: Config) -> Statement:
    """Rows of a statement table, validated; ImportFailure (with `.others`) naming rows."""
    found = find_header(table, headers.BANK, headers.bank_required)
    if not found:
        raise ImportFailure(path, "未找到银行对账单表头 (需要 交易日期 与 金额列)")
    index, columns = found
    warnings = []
    header_rowno = table.rownos[index]

    # The statement's own account number: the preamble, else a column of the rows.
    numbers = []
    for row in table.rows[:index]:
        text = " ".join(clean(c) for c in row if clean(c))
        match = NUMBER_IN_PREAMBLE.search(text)
        if match:
            numbers.append(normalise_number(match.group(1)))
    failures, rows = [], []
    needed = max(columns.values()) + 1
    datecol = "date" if "date" in columns else "time"
    column_numbers = set()
    for offset, raw in enumerate(table.rows[index + 1:], index + 1):
        rowno = table.rownos[offset]
        texts = [clean(c) for c in raw]
        if not any(texts):
            continue
        first = next(t for t in texts if t)
        if FOOTER.match(first) or FOOTER.match(clean(_cell(raw, columns, datecol))):
            break
        if len(raw) < needed and any(texts):
            failures.append(ImportFailure(path, f"列数不足 (应有 {needed} 列, 实有 {len(raw)} 列; "
                                                "文件可能被截断)", rowno))
            continue
        try:
            row = _parse_row(raw, columns, rowno, datecol)
        except ValueError as exc:
            failures.append(ImportFailure(path, str(exc), rowno))
            continue
        if row is None:
            warnings.append(f"{path}: 第 {rowno} 行: 金额为零, 已跳过")
            continue
        rows.append(row)
        own = normalise_number(clean(_cell(raw, columns, "own_account")))
        if own:
            column_numbers.add(own)
        if len(failures) > MAX_REPORTED:
            break
    if failures:
        _fail_many(path, failures)
    if not rows:
        raise ImportFailure(path, "对账单没有交易记录 (表头之后为空; 文件为空或被截断?)",
                            header_rowno)
    if len(column_numbers) > 1:
        raise ImportFailure(path, f"一个对账单含多个本方账号 ({', '.join(sorted(column_numbers))}), "
                                  "请按账号分别导出")
    numbers = [n for n in numbers if n] or sorted(column_numbers)
    number = numbers[0] if numbers else ""

    account = config.bank_account(number) if number else None
    if account is None:
        if config.default_account is None:
            raise ImportFailure(path, f"对账单账号 {number or '(未找到)'} 未在配置 {config.path} "
                                      "的 [accounts] 中, 且未设置 default_account")
        account = config.default_account
        if number:
            warnings.append(f"{path}: 对账单账号 {number} 未在配置的 [accounts] 中, "
                            f"记入默认账户 {account}")
        else:
            warnings.append(f"{path}: 对账单中未找到本方账号, 记入默认账户 {account}")

    rows = _chronological(rows)
    has_balance = "balance" in columns
    if has_balance:
        _check_chain(path, rows, warnings)
    else:
        warnings.append(f"{path}: 对账单没有余额列, 不生成余额断言")
    _fill_serials(rows, "serial" in columns)
    return Statement(path, number, account, rows, warnings, has_balance)


def _parse_row(raw, columns, rowno, datecol) -> Row | None:
    date, time = parse_date(_cell(raw, columns, datecol), what="交易日期")
    if "time" in columns and datecol != "time":
        time = parse_time(_cell(raw, columns, "time")) or time
    currency = clean(_cell(raw, columns, "currency")).lower()
    if currency not in DOMESTIC:
        raise ValueError(f"不支持外币流水 (币种: {clean(_cell(raw, columns, 'currency'))})")
    direction = _direction(_cell(raw, columns, "direction")) if "direction" in columns else 0
    if "direction" in columns and not direction and clean(_cell(raw, columns, "direction")):
        raise ValueError(f"借贷方向无法识别: {clean(_cell(raw, columns, 'direction'))[:20]}")
    if "debit" in columns and "credit" in columns:
        debit = parse_amount(_cell(raw, columns, "debit"), what="支出金额")
        credit = parse_amount(_cell(raw, columns, "credit"), what="收入金额")
        if debit is None and credit is None:
            raise ValueError("支出和收入金额都为空")
        debit, credit = abs(debit or 0), abs(credit or 0)
        if debit and credit:
            raise ValueError("支出和收入金额同时有值")
        amount = credit - debit
    else:
        amount = parse_amount(_cell(raw, columns, "amount"), what="交易金额")
        if amount is None:
            raise ValueError("交易金额为空")
        if direction:
            amount = abs(amount) * direction
    if amount == 0:
        return None  # e.g. 结息 0.00: nothing moved
    balance = parse_amount(_cell(raw, columns, "balance"), what="余额") if "balance" in columns else None
    if "balance" in columns and balance is None:
        raise ValueError("余额为空")
    return Row(rowno=rowno, date=date, time=time, amount=amount, balance=balance,
               serial=_one_line(_cell(raw, columns, "serial")),
               counterparty=_one_line(_cell(raw, columns, "counterparty")),
               counterparty_account=normalise_number(clean(_cell(raw, columns, "counterparty_account"))),
               summary=_one_line(_cell(raw, columns, "summary")),
               purpose=_one_line(_cell(raw, columns, "purpose")))


def _one_line(value) -> str:
    """Cell text for payee, narration and metadata: one line, single spaces."""
    return " ".join(clean(value).split())


def _chain_breaks(rows) -> int:
    return sum(1 for a, b in zip(rows, rows[1:]) if a.balance + b.amount != b.balance)


def _chronological(rows):
    """Rows oldest first: banks export either way. The dates decide; on a single day
    the running balance does."""
    if rows[0].date > rows[-1].date:
        rows = rows[::-1]
    elif rows[0].date == rows[-1].date and len(rows) > 1 and rows[0].balance is not None:
        if _chain_breaks(rows[::-1]) < _chain_breaks(rows):
            rows = rows[::-1]
    return sorted(rows, key=lambda r: r.date)  # stable: keeps the file's order within a day


def _check_chain(path, rows, warnings):
    for a, b in zip(rows, rows[1:]):
        if a.balance + b.amount != b.balance:
            warnings.append(f"{path}: 第 {b.rowno} 行: 余额不连续 (上一笔余额 {a.balance} + "
                            f"本笔 {b.amount} ≠ {b.balance}); 请核对对账单是否完整")
            return


def _fill_serials(rows, has_column):
    """Rows without a bank serial get `H` + a hash of what identifies them."""
    seen = {}
    for row in rows:
        if row.serial:
            continue
        key = "|".join(str(x) for x in (row.date, row.time, row.amount, row.balance,
                                         row.counterparty, row.counterparty_account, row.summary))
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha1(f"{key}|{seen[key]}".encode()).hexdigest()[:16]
        row.serial = f"H{digest}"


# ---------------------------------------------------------------- entries

def statement_entries(statement: Statement, config: Config) -> list:
    entries = []
    currency = config.currency
    for row in statement.rows:
        meta = data.new_metadata(statement.path, row.rowno)
        meta["serial"] = row.serial
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


class BankStatementImporter(beangulp.Importer):
    """beangulp importer for bank statements; dedupe on (bank account, serial)."""

    def __init__(self, config: Config):
        self.config = config

    @property
    def name(self) -> str:
        return "shixun.bank"

    def identify(self, filepath: str) -> bool:
        return headers.kind(filepath) == "bank"

    def statement(self, filepath: str) -> Statement:
        stat = os.stat(filepath)
        return self._statement(filepath, stat.st_mtime_ns, stat.st_size)

    @functools.lru_cache(maxsize=64)
    def _statement(self, filepath, _mtime, _size) -> Statement:
        return parse_statement(filepath, headers.load(filepath), self.config)

    def warnings(self, filepath: str) -> list:
        return self.statement(filepath).warnings

    def account(self, filepath: str) -> str:
        return self.statement(filepath).account

    def date(self, filepath: str):
        return self.statement(filepath).end

    def filename(self, filepath: str):
        st = self.statement(filepath)
        tail = st.number[-4:] if st.number else "未知账号"
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
        """Mark (beangulp's `__duplicate__`) rows whose (account, serial) is already in
        the ledger or earlier in this run, and balance assertions already there."""
        serials, balances = existing_keys(existing)
        for entry in entries:
            if isinstance(entry, data.Transaction):
                key = (entry.postings[0].account, str(entry.meta.get("serial")))
                if key in serials:
                    entry.meta[bg_extract.DUPLICATE] = True
                serials.add(key)
            elif isinstance(entry, data.Balance):
                key = (entry.account, entry.date)
                if key in balances:
                    entry.meta[bg_extract.DUPLICATE] = True
                balances.add(key)


def existing_keys(existing) -> tuple[set, set]:
    """(account, serial) of every transaction carrying `serial:`, and (account, date) of
    every balance assertion: one pass over the ledger."""
    serials, balances = set(), set()
    for entry in existing:
        if isinstance(entry, data.Transaction):
            serial = entry.meta.get("serial") if entry.meta else None
            if serial is not None and not entry.meta.get(bg_extract.DUPLICATE):
                for posting in entry.postings:
                    serials.add((posting.account, str(serial)))
        elif isinstance(entry, data.Balance):
            balances.add((entry.account, entry.date))
    return serials, balances
