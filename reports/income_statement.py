"""利润表 (会小企02表): `shixun report income-statement --year Y [--month M | --quarter Q]`.

Lines and their accounts: reports.statement_lines.INCOME_STATEMENT (every 其中 row the
chart's sub-account names support). 本年累计金额 is January to the end of the period,
本月金额 (or 本季金额) the period itself. Closing entries are left out (plugins.closing),
so the statement is the same with or without 结转损益; for a whole year 净利润 (32) is
the remittance report's `net_profit` (P2), shown as a tie-out.
"""
from __future__ import annotations

import datetime

from plugins.money import to_fen
from reports import books, statement_sheet
from reports.statement_lines import (INCOME_STATEMENT, INCOME_TOTAL_LINES, income_statement_amounts,
                                     is_profit_and_loss, unplaced_accounts)

TITLE = "利润表"
FORM = "会小企02表"


def pnl_totals(entries, start, end) -> dict:
    """account → Beancount-signed P&L total of the postings in [start, end)."""
    return {a: d - c for a, (d, c) in books.turnover(entries, start, end).items() if is_profit_and_loss(a)}


def build(entries, options_map, year, month=None, quarter=None) -> dict:
    start, after, key, number = books.statement_period(year, month, quarter)
    year = start.year
    ytd_totals = pnl_totals(entries, datetime.date(year, 1, 1), after)
    period_totals = pnl_totals(entries, start, after)
    ytd, period = income_statement_amounts(ytd_totals), income_statement_amounts(period_totals)
    report = {
        "year": year,
        key: number,
        "unit": books.unit(options_map), "as_of": books.as_of_label(entries),
        "lines": [{"line": line, "label": label, "year_to_date": to_fen(ytd[line]),
                   key: to_fen(period[line])} for line, label, *_ in INCOME_STATEMENT],
        "unplaced": unplaced_accounts(a for a, n in ytd_totals.items() if n),
    }
    if key == "month" and number == 12:
        report["remittance_net_profit"] = _remittance_net_profit(entries, options_map, year)
    return report


def _remittance_net_profit(entries, options_map, year):
    from reports.remittance import ReportError, build as build_remittance

    try:
        return build_remittance(entries, options_map, year)["net_profit"]
    except ReportError:  # a year without transactions: no remittance report, profit 0
        return to_fen(0)


def checks(report: dict) -> list[dict]:
    net = report["lines"][31]["year_to_date"]
    if "remittance_net_profit" not in report:
        return []
    return [statement_sheet.check("净利润(32) = 年度上缴国库报告的净利润", net, report["remittance_net_profit"],
                                  "利润表", "上缴国库报告")]


def sheet(report: dict) -> dict:
    key = "quarter" if "quarter" in report else "month"
    rows, styles = [], []
    for row, spec in zip(report["lines"], INCOME_STATEMENT):
        sub = bool(spec[5]) and not row["label"].startswith("其中")
        rows.append([("　　" if sub or spec[5] else "") + row["label"], row["line"], row["year_to_date"], row[key]])
        styles.append("total" if row["line"] in INCOME_TOTAL_LINES else "")
    period = (f"{report['year']}年第{report['quarter']}季度" if key == "quarter"
              else f"{report['year']}年{report['month']}月")
    return {
        "title": TITLE, "form": FORM, "name": f"利润表{period}", "unit": report["unit"], "as_of": report.get("as_of"), "period": period,
        "columns": [("项目", 44, "text"), ("行次", 6, "integer"), ("本年累计金额", 18, "money"),
                    ("本季金额" if key == "quarter" else "本月金额", 18, "money")],
        "rows": rows, "styles": styles,
        "checks": checks(report), "notes": statement_sheet.unplaced_note(report["unplaced"]),
    }


def html(report: dict) -> str:
    return statement_sheet.html(sheet(report))


def xlsx(report: dict) -> bytes:
    return statement_sheet.xlsx([sheet(report)])
