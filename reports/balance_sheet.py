"""资产负债表 (会小企01表): `shixun report balance-sheet --date D`.

Lines and their accounts: reports.statement_lines.BALANCE_SHEET (小企业会计准则 填列说明).
期末余额 is the balance at the end of D, 年初余额 the balance at the previous 12-31.
Closing entries are left out and every P&L balance is shown in 51 未分配利润, so the
statement is the same with or without 结转损益 booked, and 资产总计 (30) = 负债和所有者权益
总计 (53) whenever every account is placed.
"""
from __future__ import annotations

import datetime

from plugins.money import to_fen
from reports import books, statement_sheet
from reports.statement_lines import (BALANCE_SHEET, BALANCE_SHEET_DETAIL, BALANCE_SHEET_SECTIONS,
                                     balance_sheet_amounts, unplaced_accounts)

TITLE = "资产负债表"
FORM = "会小企01表"


def build(entries, options_map, date=None, year=None) -> dict:
    """The statement at `date` (default: 12-31 of `year`)."""
    if date is None:
        if year is None:
            raise books.BooksError("请指定 --date 或 --year")
        date = datetime.date(books.parse_year(year), 12, 31)
    date = books.parse_date(date)
    start = datetime.date(date.year, 1, 1)
    end_balances = books.net_balances(entries, date + datetime.timedelta(days=1))
    begin_balances = books.net_balances(entries, start)
    end, begin = balance_sheet_amounts(end_balances), balance_sheet_amounts(begin_balances)
    used = {a for a, n in end_balances.items() if n} | {a for a, n in begin_balances.items() if n}
    return {
        "date": date,
        "unit": books.unit(options_map), "as_of": books.as_of_label(entries),
        "lines": [{"line": line, "label": label, "end": to_fen(end[line]), "begin": to_fen(begin[line])}
                  for line, label, *_ in BALANCE_SHEET],
        "unplaced": unplaced_accounts(a for a in used if not a.startswith(("Income:", "Expenses:"))),
    }


def checks(report: dict) -> list[dict]:
    by_line = {row["line"]: row for row in report["lines"]}
    return [statement_sheet.check(f"资产总计(30) = 负债和所有者权益总计(53)（{column}）",
                                  by_line[30][key], by_line[53][key], "资产总计", "负债和所有者权益总计")
            for key, column in (("end", "期末"), ("begin", "年初"))]


def sheet(report: dict) -> dict:
    """Side by side as the form prints it: 资产 on the left, 负债和所有者权益 on the right."""
    def column(first, last):
        out = []
        for row in report["lines"]:
            if not first <= row["line"] <= last:
                continue
            if row["line"] in BALANCE_SHEET_SECTIONS:
                out.append(([BALANCE_SHEET_SECTIONS[row["line"]], "", "", ""], "section"))
            indent = "　　" if row["line"] in BALANCE_SHEET_DETAIL else "　"
            formula = next(f for n, _l, _c, _s, f in BALANCE_SHEET if n == row["line"])
            out.append(([indent + row["label"] if not formula else row["label"], row["line"],
                         row["end"], row["begin"]], "total" if formula else ""))
        return out
    left, right = column(1, 30), column(31, 53)
    rows, styles = [], []
    for index in range(max(len(left), len(right))):
        a, sa = left[index] if index < len(left) else (["", "", "", ""], "")
        b, sb = right[index] if index < len(right) else (["", "", "", ""], "")
        rows.append(a + b)
        styles.append(" ".join([f"{sa}-left"] * bool(sa) + [f"{sb}-right"] * bool(sb)))
    date = report["date"]
    return {
        "title": TITLE, "form": FORM, "name": f"资产负债表{date.isoformat()}", "unit": report["unit"], "as_of": report.get("as_of"),
        "period": f"{date.year}年{date.month}月{date.day}日",
        "columns": [("资产", 26, "text"), ("行次", 5, "integer"), ("期末余额", 15, "money"),
                    ("年初余额", 15, "money"), ("负债和所有者权益（或股东权益）", 30, "text"), ("行次", 5, "integer"),
                    ("期末余额", 15, "money"), ("年初余额", 15, "money")],
        "rows": rows, "styles": styles,
        "checks": checks(report), "notes": statement_sheet.unplaced_note(report["unplaced"]),
        "font_size": "8.5pt",
    }


def html(report: dict) -> str:
    return statement_sheet.html(sheet(report))


def xlsx(report: dict) -> bytes:
    return statement_sheet.xlsx([sheet(report)])
