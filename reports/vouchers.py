"""记账凭证: `shixun report vouchers --from D1 --to D2 [--voucher NO] --format html|json`.

One voucher per transaction (a booked closing entry is a voucher too): 凭证字号 from
`voucher:`, 日期, 附单据张数 (the documents `document:` names, on the transaction and its
postings), one line per posting (摘要, 科目 as code and name, 借方, 贷方), 合计 in figures
and in 大写 (reports.capital), and 会计主管 / 记账 / 审核 / 出纳 / 制单. Entries a plugin
generated print as 系统生成 with the voucher of the entry they came from. The HTML
prints one voucher per half A4 page; a long one goes on over numbered sheets (1/n …).
"""
from __future__ import annotations

import re
from decimal import Decimal

from beancount.core import data

from plugins.money import to_fen
from reports import books
from reports.capital import capital

ROLES = ("会计主管", "记账", "审核", "出纳", "制单")
ZERO = Decimal(0)


def attachments(txn) -> int:
    """附单据张数: the documents named by `document:` (comma or semicolon separated)."""
    names = set()
    for meta in [txn.meta or {}] + [p.meta or {} for p in txn.postings]:
        value = meta.get("document")
        if value:
            names.update(n.strip() for n in re.split(r"[,，;；]", str(value)) if n.strip())
    return len(names)


def voucher(entries, txn) -> dict:
    lines, debit_total, credit_total = [], ZERO, ZERO
    for posting in txn.postings:
        if posting.units is None or posting.units.currency != books.CURRENCY:
            continue
        number = posting.units.number
        debit, credit = (number, ZERO) if number >= 0 else (ZERO, -number)
        debit_total += debit
        credit_total += credit
        lines.append({"summary": books.summary_of(txn, posting), "account": books.account_title(posting.account),
                      "code": books.account_code(posting.account), "debit": to_fen(debit),
                      "credit": to_fen(credit)})
    return {"voucher": books.voucher_of(entries, txn), "date": txn.date, "attachments": attachments(txn),
            "lines": lines, "total_debit": to_fen(debit_total), "total_credit": to_fen(credit_total),
            "total_capital": capital(debit_total),
            "generated": "generated" in (txn.meta or {})}


def build(entries, options_map, start, end, number=None) -> dict:
    start, end = books.parse_date(start, "起始日期"), books.parse_date(end, "截止日期")
    if end < start:
        raise books.BooksError(f"截止日期 {end} 早于起始日期 {start}")
    out = []
    for entry in entries:  # closing entries are vouchers too: not reports.books' list
        if not isinstance(entry, data.Transaction) or not start <= entry.date <= end:
            continue
        if number and str((entry.meta or {}).get("voucher", "")) != number:
            continue
        out.append(voucher(entries, entry))
    if number and not out:
        raise books.BooksError(f"{start} 至 {end} 没有凭证号为 {number} 的记账凭证")
    return {"from": start, "to": end, "unit": books.unit(options_map), "as_of": books.as_of_label(entries), "vouchers": out}


# A half-A4 voucher holds about 70 mm of lines: 3.6 mm a printed text line, 1.3 mm a row's
# padding; the 摘要 column takes about 34 half-width characters a line, 会计科目 25.
SHEET_MM, LINE_MM, ROW_MM = 66, 3.6, 1.3
SUMMARY_COLUMNS, ACCOUNT_COLUMNS = 34, 25


def _text_lines(text: str, columns: int) -> int:
    width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))
    return max(1, -(-width // columns))


def sheets(v: dict) -> list[dict]:
    """The printed sheets of one voucher: a voucher whose lines overflow half a page goes on
    as 1/n, 2/n … (分数编号), the 合计 and 大写 on the last sheet; nothing is cut off."""
    groups, group, used = [], [], 0.0
    for line in v["lines"]:
        height = ROW_MM + LINE_MM * max(_text_lines(line["summary"], SUMMARY_COLUMNS),
                                        _text_lines(line["account"], ACCOUNT_COLUMNS))
        if group and used + height > SHEET_MM:
            groups.append(group)
            group, used = [], 0.0
        group.append(line)
        used += height
    groups.append(group)
    return [{"voucher": v, "lines": lines, "part": f"{i}/{len(groups)}" if len(groups) > 1 else "",
             "last": i == len(groups)} for i, lines in enumerate(groups, start=1)]


def html(report: dict) -> str:
    from reports.render import render_html

    printed = [sheet for v in report["vouchers"] for sheet in sheets(v)]
    return render_html("vouchers.html", title="记账凭证", r=report, sheets=printed, roles=ROLES)
