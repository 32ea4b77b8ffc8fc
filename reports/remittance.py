"""年度利润上缴国库情况表 (P2, P11): the annual treasury remittance report.

Seed: "生产经营所获纯利润上交国库,用于改善办学条件"; "财政、审计部门对…经营中心账务进行
监督、审计". The county finance bureau reads this report (SPEC §1).

`build(entries, options_map, year)` returns plain data: the JSON keys of
SPEC §2 (`year`, `unit`, `income_total`, `work_study_income`, `student_remuneration`,
`net_profit`, `losses_absorbed`, `owed`, `arrears_start`, `payments`, `paid_total`,
`arrears_end`, `owed_capital`) and, under further keys, the income-statement lines
(小企业会计准则 利润表), the student-remuneration cap and its headroom.

No second profit calculation: net profit, losses absorbed, owed and payments come
from `plugins.treasury.treasury_years` (what the plugin books); the statement lines
are the per-account totals P2 computed the profit from (`reports.query.scan_years`),
so they add up to the same net profit.
`treasury_by_year` is the finance view's table (one row per year).
"""
import datetime
from decimal import Decimal

from beancount.core import data as _data

from plugins.asof import as_of
from plugins.common import ACCOUNTS, family_enabled
from plugins.money import ZERO, fmt_thousands, to_fen
from plugins.treasury import treasury_years
from reports import statement_lines
from reports.capital import capital
from reports.memo import ledger_policies, memo
from reports.render import SIGNATURE
from reports.query import (entries_of_year, is_closing, postings_between,
                           sum_under, unit_name, year_bounds)


class ReportError(ValueError):
    """A report asked for something the ledger cannot answer (one Chinese line)."""


# 小企业会计准则 利润表, the lines this report prints: (key, 行次). Which accounts a line
# takes is reports.statement_lines (the one mapping table); P&L accounts that table does not
# place are shown as 其他收益 / 其他费用 so the net profit stays P2's to the fen.
STATEMENT = [
    ("operating_revenue", 1), ("operating_cost", 2), ("taxes_and_surcharges", 3),
    ("selling_expenses", 11), ("admin_expenses", 14), ("finance_expenses", 18),
    ("investment_income", 20), ("other_income", None), ("other_expenses", None),
    ("operating_profit", 21), ("non_operating_income", 22), ("non_operating_expense", 24),
    ("total_profit", 30), ("income_tax", 31), ("net_profit", 32),
]
_OTHER_LABELS = {"other_income": "加：其他收益（未归入报表项目的收入）",
                 "other_expenses": "减：其他费用（未归入报表项目的费用）"}


def _label(key, number) -> str:
    if number is None:
        return _OTHER_LABELS[key]
    label = next(label for line, label, *_ in statement_lines.INCOME_STATEMENT if line == number)
    return label.split("（", 1)[0]  # the form's "（亏损以“-”号填列）" notes are not printed here


def _statement(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    """Statement amounts (positive = as printed) from per-account P&L totals."""
    amounts = statement_lines.income_statement_amounts(totals)
    lines = {key: amounts[number] for key, number in STATEMENT if number is not None}
    unplaced = statement_lines.unplaced_accounts(totals)
    lines["other_income"] = -sum((totals[a] for a in unplaced if a.startswith("Income")), ZERO)
    lines["other_expenses"] = sum((totals[a] for a in unplaced if not a.startswith("Income")), ZERO)
    other = lines["other_income"] - lines["other_expenses"]
    for key in ("operating_profit", "total_profit", "net_profit"):
        lines[key] += other
    return {k: to_fen(v) for k, v in lines.items()}  # rounded last: net profit = P2's to the fen


def _student_cap(entries, year, policies) -> Decimal:
    """The P1 cap: Σ over work-study transactions of to_fen(work-study-share × income)."""
    per_txn = {}
    for txn, posting in postings_between(entries_of_year(entries, year), ACCOUNTS["work_study_income"]):
        if is_closing(txn):
            continue
        key = id(txn)
        income, _ = per_txn.get(key, (ZERO, txn))
        per_txn[key] = (income - posting.units.number, txn)
    return sum((to_fen(policies.value("work-study-share", txn.date) * income)
                for income, txn in per_txn.values()), ZERO)


def _treasury(entries, options_map, today):
    """`plugins.treasury.treasury_years` once per loaded entries list and day (reports.memo)."""
    today = today or as_of(entries).date
    return memo(entries, options_map, "treasury_years",
                lambda: treasury_years(entries, options_map, today=today, policies=ledger_policies(entries)),
                today)


def build(entries, options_map, year: int, today=None) -> dict:
    """The report's data for `year` (see the module docstring for the keys)."""
    if not any(isinstance(e, _data.Transaction) for e in entries_of_year(entries, year)):
        raise ReportError(f"账本中没有 {year} 年度的交易记录, 无法生成上缴国库报告")
    policies = ledger_policies(entries)
    result = _treasury(entries, options_map, today)
    row = result.row(year)
    start, end = year_bounds(year)
    totals = result.pnl.get(year, {})  # the very totals P2 computed the profit from
    lines = _statement(totals)
    net_profit = row.net_profit if row else ZERO
    if lines["net_profit"] != net_profit:  # the statement and P2 read the same postings
        raise AssertionError(f"利润表净利润 {lines['net_profit']} 与 P2 计算 {net_profit} 不一致")

    closed = bool(row and row.closed)
    owed = row.owed if closed else ZERO
    owed_before = sum((r.owed for r in result.rows if r.closed and r.year < year), ZERO)
    paid_before = sum((p.amount for p in result.payments if p.date < start), ZERO)
    payments = [p for p in result.payments if start <= p.date < end]
    paid_total = sum((p.amount for p in payments), ZERO)
    arrears_start = owed_before - paid_before

    student_remuneration = to_fen(sum_under(totals, ACCOUNTS["student_expense"]))
    cap = _student_cap(entries, year, policies)
    income_total = to_fen(-sum_under(totals, "Income"))
    year_end = datetime.date(year, 12, 31)
    report = {
        # SPEC §2 keys
        "year": year,
        "unit": unit_name(options_map),
        "income_total": income_total,
        "work_study_income": to_fen(-sum_under(totals, ACCOUNTS["work_study_income"])),
        "student_remuneration": student_remuneration,
        "net_profit": net_profit,
        "losses_absorbed": row.losses_absorbed if row else ZERO,
        "owed": owed,
        "arrears_start": arrears_start,
        "payments": [{"date": p.date, "receipt": p.receipt, "amount": p.amount} for p in payments],
        "paid_total": paid_total,
        "arrears_end": arrears_start + owed - paid_total,
        "owed_capital": capital(owed),
        # further keys
        "closed": closed,
        "owed_provisional": row.owed if row and not closed else None,
        "treasury_share": policies.value("treasury-share", year_end),
        "loss_carryforward": policies.value("loss-carryforward", year_end),
        "loss_carried_forward": row.loss_carried if row else ZERO,
        "deadline": row.deadline if row else None,
        "overdue": bool(row and row.overdue),
        "work_study_share": policies.value("work-study-share", year_end),
        "student_cap": cap,
        "student_headroom": cap - student_remuneration,
        "income_statement": [
            {"key": key, "line": number, "label": _label(key, number), "amount": lines[key]}
            for key, number in STATEMENT
            if number is not None or lines[key]  # "other" lines only when used
        ],
        "ledger_end": result.end,
        "as_of": as_of(entries).label(),
        "register": [row for row in treasury_register(entries, options_map, today) if row["closed"] and row["year"] <= year],
        "notes": [] if family_enabled(options_map, ("plugins.treasury", "treasury"))
        else ['注意: 账本主文件未启用 plugin "plugins.treasury", 应缴数为按同一规则计算的结果, 账本中没有相应的计提分录。'],
    }
    report.update({key: lines[key] for key, _n in STATEMENT if key != "net_profit"})
    return report


def treasury_register(entries, options_map, today=None) -> list[dict]:
    """非税收入缴款书登记簿: per year 应缴 / 已缴 / 欠缴 with each 缴款书 applied to it
    (FIFO, plugins.treasury), and for a payment after the deadline its days late
    (逾期缴纳 N 天); `status` is 已缴清 / 欠缴 (已逾期) / 待缴 (未到期限) / 未结账."""
    rows = treasury_by_year(entries, options_map, today)
    for row in rows:
        for payment in row["payments"]:
            late = (payment["date"] - row["deadline"]).days if row["deadline"] else 0
            payment["late_days"] = late if late > 0 else 0
        if not row["closed"]:
            row["status"] = "未结账"
        elif row["outstanding"] > 0:
            row["status"] = "欠缴 (已逾期)" if row["overdue"] else "待缴 (未到期限)"
        else:
            row["status"] = "已缴清"
        row["late"] = any(p["late_days"] for p in row["payments"])
    return rows


def treasury_by_year(entries, options_map, today=None) -> list[dict]:
    """One row per year for the finance view: net profit, owed, paid, outstanding, overdue,
    and `payments`: the payments (date, receipt, part applied) that paid the year's owed."""
    result = _treasury(entries, options_map, today)
    return [{
        "year": r.year,
        "closed": r.closed,
        "net_profit": r.net_profit,
        "losses_absorbed": r.losses_absorbed,
        "loss_carried_forward": r.loss_carried,
        "owed": r.owed if r.closed else ZERO,
        "paid": r.paid,
        "outstanding": r.outstanding,
        "deadline": r.deadline,
        "overdue": r.overdue,
        # the payments (FIFO) that paid this year's owed, with the part applied to it
        "payments": [{"date": p.date, "receipt": p.receipt, "amount": part} for p, part in r.applied],
    } for r in result.rows]


# ---- rendering ---------------------------------------------------------------

TITLE = "年度利润上缴国库情况表"


def html(report: dict) -> str:
    from reports.render import render_html
    return render_html("remittance.html", title=TITLE, r=report, as_of=report.get("as_of"))


def remittance_sheet(report: dict) -> dict:
    """The xlsx_bytes sheet spec of the report."""
    r = report
    rows = [[item["label"], item["line"] or "", item["amount"]] for item in r["income_statement"]]
    rows.insert(1, ["  其中：勤工俭学收入", "", r["work_study_income"]])
    rows.insert(3, ["  其中：学生劳动报酬", "", r["student_remuneration"]])
    rows += [
        ["学生劳动报酬提取上限 (勤工俭学收入 × {:.0%})".format(r["work_study_share"]), "", r["student_cap"]],
        ["学生劳动报酬尚可提取额度", "", r["student_headroom"]],
        ["弥补以前年度亏损", "", r["losses_absorbed"]],
        ["上缴比例", "", f"{r['treasury_share'] * 100:.2f}%"],
        ["本年应缴国库利润", "", r["owed"]],
        ["年初未缴", "", r["arrears_start"]],
    ]
    for p in r["payments"]:
        rows.append([f"  本年缴款 {p['date'].isoformat()} 缴款书号 {p['receipt'] or '（缺）'}", "", p["amount"]])
    rows += [
        ["本年已缴", "", r["paid_total"]],
        ["年末未缴", "", r["arrears_end"]],
    ]
    footer = [f"本年应缴金额（大写）：{r['owed_capital']}　（小写）¥{fmt_thousands(r['owed'])}"]
    if not r["closed"]:
        footer.append("注：本年度尚未结束，应缴数未计提。")
    if r["overdue"]:
        footer.append(f"注：已超过缴款期限 {r['deadline']}，存在欠缴。")
    footer += [SIGNATURE,
               f"{r['unit']}（盖章）    日期：______年____月____日"]
    return {
        "title": TITLE,
        "name": f"{r['year']}年度上缴国库",
        "subtitle": [f"编制单位：{r['unit']}    {r['year']} 年度    金额单位：元"],
        "columns": [("项目", 46, "text"), ("行次", 8, "number"), ("金额", 20, "money")],
        "rows": rows,
        "footer": footer,
    }


def register_sheet(report: dict) -> dict:
    """非税收入缴款书登记簿: each closed year's 应缴, every 缴款书 applied to it, 欠缴."""
    rows = []
    for y in report["register"]:
        state = "已缴清" if y["outstanding"] <= 0 else y["status"]
        for index, p in enumerate(y["payments"] or [None]):
            first = index == 0
            rows.append([y["year"] if first else None, y["owed"] if first else None,
                         p["date"] if p else None, (p["receipt"] or "（缺缴款书号）") if p else "—",
                         p["amount"] if p else None,
                         (f"逾期缴纳 {p['late_days']} 天" if p["late_days"] else "按期缴纳") if p else "尚未缴款",
                         y["paid"] if first else None, y["outstanding"] if first else None, state if first else ""])
    return {"title": "非税收入缴款书登记簿", "name": "缴款书登记簿",
            "subtitle": [f"编制单位：{report['unit']}    截至 {report['year']} 年度    金额单位：元"],
            "columns": [("所属年度", 9, "number"), ("应缴", 14, "money"), ("缴款日期", 12, "date"),
                        ("缴款书号", 22, "text"), ("本笔缴入", 14, "money"), ("缴款情况", 16, "text"),
                        ("已缴合计", 14, "money"), ("欠缴", 14, "money"), ("状态", 14, "text")],
            "rows": rows, "orientation": "landscape"}


def xlsx(report: dict) -> bytes:
    from reports.render import xlsx_bytes
    return xlsx_bytes([remittance_sheet(report), register_sheet(report)], as_of=report.get("as_of"))

