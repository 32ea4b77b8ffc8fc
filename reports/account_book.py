"""三栏式明细账 of one account and its sub-accounts: `shixun report account-book --account CODE
--from D1 --to D2`; for 1001 库存现金 and 1002 银行存款 it is the 现金日记账 / 银行存款日记账,
with the 对方科目 column.

Rows: 期初余额, each posting (日期, 凭证字号, 摘要, 借方, 贷方, 借/贷, 余额), and after each
month 本月合计 and 本年累计. 余额 is shown without sign, its side in 借/贷 (平 at zero).
The figures are reports.books' (closing entries left out, P&L accounts starting the year
at zero), so the book agrees with the 科目余额表 line for line.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from plugins.common import under
from plugins.money import to_fen
from reports import books, statement_sheet
from reports.statement_lines import is_monetary

ZERO = Decimal(0)
CASH_BOOKS = {"1001": "现金日记账", "1002": "银行存款日记账"}


def _side(balance: Decimal) -> str:
    return "借" if balance > 0 else "贷" if balance < 0 else "平"


def title_of(code: str) -> str:
    return CASH_BOOKS.get(code[:4], "明细账") if len(code) >= 4 else "明细账"


def build(entries, options_map, account, start, end) -> dict:
    code = str(account).strip()
    start, end = books.span_in_one_year(start, end)
    target = books.find_account(entries, code)
    after = end + datetime.timedelta(days=1)
    cash_book = code[:4] in CASH_BOOKS and is_monetary(target)

    def total(values):
        return sum((n for a, n in values.items() if under(a, target)), ZERO)
    balance = total(books.balances(entries, start))
    rows = [{"date": start, "voucher": "", "summary": "期初余额", "debit": ZERO, "credit": ZERO,
             "direction": _side(balance), "balance": to_fen(abs(balance)), "kind": "opening"}]
    year_turnover = books.turnover(entries, datetime.date(start.year, 1, 1), start)
    ytd = [sum((v[0] for a, v in year_turnover.items() if under(a, target)), ZERO),
           sum((v[1] for a, v in year_turnover.items() if under(a, target)), ZERO)]
    month_start = start
    while month_start <= end:
        month_last = min(books.month_end(month_start.year, month_start.month), end)
        month = [ZERO, ZERO]
        for txn in books.between(entries, month_start, month_last + datetime.timedelta(days=1)):
            mine = [p for p in txn.postings if under(p.account, target) and p.units is not None
                    and p.units.currency == books.CURRENCY]
            for posting in mine:
                number = posting.units.number
                debit, credit = (number, ZERO) if number >= 0 else (ZERO, -number)
                balance += number
                month[0] += debit
                month[1] += credit
                row = {"date": txn.date, "voucher": books.voucher_of(entries, txn),
                       "summary": books.summary_of(txn, posting), "debit": to_fen(debit), "credit": to_fen(credit),
                       "direction": _side(balance), "balance": to_fen(abs(balance)), "kind": "entry"}
                if target != posting.account:
                    row["sub_account"] = books.account_title(posting.account).rsplit("—", 1)[-1]
                if cash_book:
                    row["counterpart"] = "、".join(dict.fromkeys(
                        books.account_title(p.account) for p in txn.postings if not under(p.account, target)))
                rows.append(row)
        ytd = [ytd[0] + month[0], ytd[1] + month[1]]
        for kind, label, (debit, credit) in (("month_total", "本月合计", month), ("year_total", "本年累计", ytd)):
            rows.append({"date": month_last, "voucher": "", "summary": label, "debit": to_fen(debit),
                         "credit": to_fen(credit), "direction": _side(balance), "balance": to_fen(abs(balance)),
                         "kind": kind})
        month_start = month_last + datetime.timedelta(days=1)
    closing = total(books.balances(entries, after, start.year))
    return {"account": target, "code": code, "name": books.account_title(target),
            "title": title_of(code) if cash_book else "明细账", "from": start, "to": end,
            "unit": books.unit(options_map), "as_of": books.as_of_label(entries), "rows": rows, "closing": to_fen(closing),
            "cash_book": cash_book}


def checks(report: dict) -> list[dict]:
    last = report["rows"][-1]
    shown = last["balance"] if last["direction"] != "贷" else -last["balance"]
    return [statement_sheet.check("期末余额 = 科目余额表期末余额", shown, report["closing"], "明细账", "科目余额表")]


def sheet(report: dict) -> dict:
    cash = report["cash_book"]
    columns = [("日期", 11, "text"), ("凭证字号", 16, "text"), ("摘要", 30, "text")]
    if cash:
        columns.append(("对方科目", 20, "text"))
    columns += [("借方", 14, "money"), ("贷方", 14, "money"), ("借或贷", 6, "text"), ("余额", 15, "money")]
    rows, styles = [], []
    for row in report["rows"]:
        summary = row["summary"] + (f"（{row['sub_account']}）" if row.get("sub_account") else "")
        values = [row["date"].isoformat(), row["voucher"], summary]
        if cash:
            values.append(row.get("counterpart", ""))
        totals = row["kind"] in ("month_total", "year_total")  # a posting leaves its other side blank
        values += [row["debit"] if totals or row["debit"] else "", row["credit"] if totals or row["credit"] else "",
                   row["direction"], row["balance"]]
        rows.append(values)
        styles.append("total" if row["kind"] in ("month_total", "year_total") else "")
    title = report["title"] if cash else "明细账"
    return {
        "title": title, "name": f"{title}{report['code']}", "unit": report["unit"], "as_of": report.get("as_of"),
        "period": f"科目：{report['code']} {report['name']}    {report['from']} 至 {report['to']}",
        "columns": columns, "rows": rows, "styles": styles, "checks": checks(report),
        "signatures": ("会计主管", "记账", "审核"), "orientation": "landscape" if cash else "portrait",
    }


def html(report: dict) -> str:
    return statement_sheet.html(sheet(report))


def xlsx(report: dict) -> bytes:
    return statement_sheet.xlsx([sheet(report)])
