"""科目余额表 (发生额及余额表): `shixun report account-balances --from D1 --to D2`.

Every account of every level in chart order, with 期初余额, 本期发生额, 本年累计发生额 and
期末余额 in 借方 / 贷方 columns; a parent shows the net of its sub-accounts. 期初 and 期末
are read independently (reports.books.balances), so 期初 + 借 − 贷 = 期末 per account is a
real tie-out, as is the balance of the totals. A year starts with P&L accounts at zero
(earlier years' profit in 未分配利润); closing entries are left out; both dates lie in
one fiscal year.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from plugins.money import to_fen
from reports import books, statement_sheet

TITLE = "科目余额表"
AMOUNT_KEYS = ("opening_debit", "opening_credit", "period_debit", "period_credit",
               "ytd_debit", "ytd_credit", "closing_debit", "closing_credit")
ZERO = Decimal(0)


def _split(balance: Decimal) -> tuple[Decimal, Decimal]:
    return (balance, ZERO) if balance >= 0 else (ZERO, -balance)


def _roll_up(values: dict[str, Decimal | list]) -> dict[str, list[Decimal]]:
    """account → its own figures plus every sub-account's (for each parent level)."""
    out: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for account, value in values.items():
        pair = value if isinstance(value, list) else [value, ZERO]
        parts = account.split(":")
        for depth in range(2, len(parts) + 1):
            target = out[":".join(parts[:depth])]
            target[0] += pair[0]
            target[1] += pair[1]
    return out


def build(entries, options_map, start, end) -> dict:
    start, end = books.span_in_one_year(start, end)
    after = end + datetime.timedelta(days=1)
    opening = _roll_up(books.balances(entries, start))
    closing = _roll_up(books.balances(entries, after, start.year))
    period = _roll_up(books.turnover(entries, start, after))
    ytd = _roll_up(books.turnover(entries, datetime.date(start.year, 1, 1), after))
    opened = [a for a, e in books.opened_accounts(entries).items() if e.date <= end]
    accounts = books.with_parents(set(opened) | set(opening) | set(closing) | set(ytd))
    rows, totals = [], {key: ZERO for key in AMOUNT_KEYS}
    for account in accounts:
        amounts = dict(zip(("opening_debit", "opening_credit"), _split(opening[account][0])))
        amounts["period_debit"], amounts["period_credit"] = period[account]
        amounts["ytd_debit"], amounts["ytd_credit"] = ytd[account]
        amounts.update(zip(("closing_debit", "closing_credit"), _split(closing[account][0])))
        level = account.count(":")
        rows.append({"code": books.account_code(account), "name": books.account_title(account).rsplit("—", 1)[-1],
                     "account": account, "level": level, **{k: to_fen(v) for k, v in amounts.items()}})
        if level == 1:
            for key in AMOUNT_KEYS:
                totals[key] += amounts[key]
    return {"from": start, "to": end, "unit": books.unit(options_map), "as_of": books.as_of_label(entries), "accounts": rows,
            "totals": {k: to_fen(v) for k, v in totals.items()}}


def checks(report: dict) -> list[dict]:
    t = report["totals"]
    out = [statement_sheet.check(f"{label}借方合计 = 贷方合计", t[f"{key}_debit"], t[f"{key}_credit"], "借方", "贷方")
           for key, label in (("opening", "期初余额"), ("period", "本期发生额"), ("ytd", "本年累计发生额"),
                              ("closing", "期末余额"))]
    wrong = [row["code"] or row["account"] for row in report["accounts"]
             if (row["opening_debit"] - row["opening_credit"] + row["period_debit"] - row["period_credit"])
             != row["closing_debit"] - row["closing_credit"]]
    out.append({"label": "每个科目 期初 + 借方 − 贷方 = 期末", "ok": not wrong,
                "detail": "全部相符" if not wrong else "不符的科目：" + "、".join(wrong)})
    return out


def sheet(report: dict) -> dict:
    rows, styles = [], []
    for row in report["accounts"]:
        rows.append([row["code"], "　" * (row["level"] - 1) + row["name"]] + [row[k] for k in AMOUNT_KEYS])
        styles.append("total" if row["level"] == 1 else "")
    rows.append(["", "合计"] + [report["totals"][k] for k in AMOUNT_KEYS])
    styles.append("total")
    money = lambda header: (header, 14, "money")  # noqa: E731
    return {
        "title": TITLE, "name": f"科目余额表{report['from']}至{report['to']}", "unit": report["unit"], "as_of": report.get("as_of"),
        "period": f"{report['from']} 至 {report['to']}",
        "columns": [("科目代码", 9, "text"), ("科目名称", 18, "text"),
                    money("期初借方"), money("期初贷方"), money("本期借方"), money("本期贷方"),
                    money("本年累计借方"), money("本年累计贷方"), money("期末借方"), money("期末贷方")],
        "rows": rows, "styles": styles, "checks": checks(report), "orientation": "landscape",
        "font_size": "8pt",
    }


def html(report: dict) -> str:
    return statement_sheet.html(sheet(report))


def xlsx(report: dict) -> bytes:
    return statement_sheet.xlsx([sheet(report)])
