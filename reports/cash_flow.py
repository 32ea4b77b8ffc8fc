"""现金流量表 (会小企03表, direct method): `shixun report cash-flow --year Y [--month M | --quarter Q]`.

Cash is 货币资金 (1001 + 1002 + 1012). Each transaction that moves cash is classified by
its counterpart postings, one by one, through reports.statement_lines.CASH_FLOW_CLASSES
(the table printed in docs/guide/10-账簿与报表.md): a counterpart credited is cash
received, debited is cash paid. 应交税费 posted beside a sale or a purchase (销项/进项税)
follows that sale or purchase; on its own it is 支付的税费. A transfer between two
monetary accounts has no counterpart and is no flow. 上缴国库 (2232 应付利润) is line 18.
Closing entries never touch cash. Tie-outs: 现金净增加额 (20) = the change in 货币资金,
期末现金余额 (22) = 货币资金 at the period's end.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from plugins.money import to_fen
from reports import books, statement_sheet
from reports.statement_lines import (CASH_FLOW, CASH_FLOW_SECTIONS, CASH_FLOW_TOTAL_LINES, TAX_CODE,
                                     cash_flow_amounts, cash_flow_line, code_of, is_monetary)

TITLE = "现金流量表"
FORM = "会小企03表"


def classify(txns) -> tuple[dict[int, Decimal], dict[str, Decimal]]:
    """line → cash received − cash paid, and account → cash no line takes (unplaced)."""
    flows: dict[int, Decimal] = defaultdict(Decimal)
    unplaced: dict[str, Decimal] = defaultdict(Decimal)
    for txn in txns:
        cash, others = False, []
        for posting in txn.postings:
            units = posting.units
            if units is None or units.currency != books.CURRENCY:
                continue
            if is_monetary(posting.account):
                cash = True
            else:
                others.append(posting)
        if not cash or not others:
            continue
        main = next((p.account for p in others if code_of(p.account) != TAX_CODE
                     and cash_flow_line(p.account, True) is not None), None)
        for posting in others:
            received = -posting.units.number  # a counterpart credited is cash received
            account = posting.account
            if main is not None and code_of(account) == TAX_CODE:
                account = main
            line = cash_flow_line(account, received > 0)
            if line is None:
                unplaced[posting.account] += received
            else:
                flows[line] += received
    return dict(flows), dict(unplaced)


def cash_balance(entries, day) -> Decimal:
    """货币资金 before `day`."""
    return sum((n for a, n in books.net_balances(entries, day).items() if is_monetary(a)), Decimal(0))


def build(entries, options_map, year, month=None, quarter=None) -> dict:
    start, after, key, number = books.statement_period(year, month, quarter)
    year_start = datetime.date(start.year, 1, 1)
    ytd_flows, ytd_unplaced = classify(books.between(entries, year_start, after))
    period_flows, _ = classify(books.between(entries, start, after))
    opening_year, opening_period = cash_balance(entries, year_start), cash_balance(entries, start)
    ytd = cash_flow_amounts(ytd_flows, opening_year)
    period = cash_flow_amounts(period_flows, opening_period)
    closing = cash_balance(entries, after)
    return {
        "year": start.year,
        key: number,
        "unit": books.unit(options_map), "as_of": books.as_of_label(entries),
        "lines": [{"line": line, "label": label, "year_to_date": to_fen(ytd[line]), key: to_fen(period[line])}
                  for line, label, *_ in CASH_FLOW],
        "cash_begin_year": to_fen(opening_year),
        "cash_begin_period": to_fen(opening_period),
        "cash_end": to_fen(closing),
        "unplaced": [{"account": a, "amount": to_fen(n)} for a, n in sorted(ytd_unplaced.items())],
    }


def checks(report: dict) -> list[dict]:
    key = "quarter" if "quarter" in report else "month"
    by_line = {row["line"]: row for row in report["lines"]}
    return [
        statement_sheet.check("现金净增加额(20) = 货币资金本年增加额", by_line[20]["year_to_date"],
                              report["cash_end"] - report["cash_begin_year"], "现金净增加额", "货币资金增加"),
        statement_sheet.check(f"现金净增加额(20) = 货币资金{'本季' if key == 'quarter' else '本月'}增加额",
                              by_line[20][key], report["cash_end"] - report["cash_begin_period"],
                              "现金净增加额", "货币资金增加"),
        statement_sheet.check("期末现金余额(22) = 期末货币资金", by_line[22]["year_to_date"], report["cash_end"],
                              "期末现金余额", "货币资金"),
    ]


def sheet(report: dict) -> dict:
    key = "quarter" if "quarter" in report else "month"
    rows, styles = [], []
    for row in report["lines"]:
        if row["line"] in CASH_FLOW_SECTIONS:
            rows.append([CASH_FLOW_SECTIONS[row["line"]], "", "", ""])
            styles.append("section")
        indent = "" if row["line"] in (20, 21, 22) else "　"
        rows.append([indent + row["label"], row["line"], row["year_to_date"], row[key]])
        styles.append("total" if row["line"] in CASH_FLOW_TOTAL_LINES else "")
    period = (f"{report['year']}年第{report['quarter']}季度" if key == "quarter"
              else f"{report['year']}年{report['month']}月")
    notes = []
    if report["unplaced"]:
        notes.append("未归入现金流量项目的对方科目：" + "、".join(
            f"{u['account']} {u['amount']:,.2f}" for u in report["unplaced"]))
    return {
        "title": TITLE, "form": FORM, "name": f"现金流量表{period}", "unit": report["unit"], "as_of": report.get("as_of"), "period": period,
        "columns": [("项目", 50, "text"), ("行次", 6, "integer"), ("本年累计金额", 18, "money"),
                    ("本季金额" if key == "quarter" else "本月金额", 18, "money")],
        "rows": rows, "styles": styles, "checks": checks(report), "notes": notes,
    }


def html(report: dict) -> str:
    return statement_sheet.html(sheet(report))


def xlsx(report: dict) -> bytes:
    return statement_sheet.xlsx([sheet(report)])
