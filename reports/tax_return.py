"""附加税费申报表 worksheet (城市维护建设税、教育费附加、地方教育附加), one per tax period.

The figures are P9's own (reports.taxes.surcharge_periods over plugins.taxes.analyse):
计税依据 = the period's VAT (with consumption tax), 本期应纳 = round(依据 × 税率), 减免
(小微免征, 财税〔2016〕12号) = 应纳 when sales ≤ the threshold (surcharges only), "六税两费"
减征额 = round((应纳 − 减免) × 50%) when `six-taxes-halving` is on, 产教融合抵免 = the P8
credit, 本期应补（退） = 应纳 − 减免 − 减征 − 抵免 (本期已缴 left 0: the worksheet is
filled before paying). The columns follow the form, so the accountant files from it;
已计提 (what the ledger booked) is shown beside, with the difference P9 reports.
"""
from __future__ import annotations


from plugins.money import ZERO
from reports import books, statement_sheet

TITLE = "城市维护建设税 教育费附加 地方教育附加申报表"
AMOUNTS = ("base", "due", "relief", "halving_amount", "credit", "paid", "payable", "booked")


def build(entries, options_map, year) -> dict:
    from reports.taxes import surcharge_periods

    year = books.parse_year(year)
    periods = []
    for period in surcharge_periods(entries, options_map, year):
        rows = []
        for line in period["taxes"]:
            rows.append({
                "tax": line["tax"], "base": period["base"], "rate": line["rate"], "due": line["due"],
                "relief": line["due"] - line["after_exemption"],
                "halving_rate": "50%" if period["halving"] else "",
                "halving_amount": line["after_exemption"] - line["after_halving"],
                "credit": line["credit"], "paid": ZERO, "payable": line["expected"],
                "booked": line["booked"],
            })
        total = {key: sum((row[key] for row in rows), ZERO) for key in AMOUNTS}
        total["base"] = period["base"]
        periods.append({"period": period["period"], "start": period["start"], "end": period["end"],
                        "sales": period["sales"], "threshold": period["threshold"],
                        "exempt": period["exempt"], "halving": period["halving"], "rows": rows, "total": total})
    return {"year": year, "unit": books.unit(options_map), "as_of": books.as_of_label(entries), "periods": periods}


def sheets(report: dict) -> list[dict]:
    out = []
    for period in report["periods"]:
        rows = [[index, row["tax"], row["base"], row["rate"], row["due"], row["relief"], row["halving_rate"],
                 row["halving_amount"], row["credit"], row["paid"], row["payable"], row["booked"]]
                for index, row in enumerate(period["rows"], start=1)]
        t = period["total"]
        rows.append([len(rows) + 1, "合计", t["base"], "", t["due"], t["relief"], "", t["halving_amount"],
                     t["credit"], t["paid"], t["payable"], t["booked"]])
        notes = [f"本期销售额 {period['sales']:,.2f} 元，免征标准 {period['threshold']:,.2f} 元："
                 + ("教育费附加、地方教育附加免征（财税〔2016〕12号）" if period["exempt"] else "不适用免征")
                 + ("；适用“六税两费”减半征收" if period["halving"] else ""),
                 "计算：应纳 = 计税依据 × 税率；减征额 = (应纳 − 减免) × 减征比例；应补（退） = 应纳 − 减免 − 减征 − 抵免 − 已缴"]
        out.append({
            "title": TITLE, "name": f"附加税费{period['period']}"[:31], "unit": report["unit"], "as_of": report.get("as_of"),
            "period": f"税款所属期：{period['start']} 至 {period['end']}（{period['period']}）",
            "columns": [("行次", 5, "integer"), ("税（费）种", 14, "text"), ("计税（费）依据 增值税税额", 14, "money"),
                        ("税（费）率", 8, "text"), ("本期应纳税（费）额", 13, "money"), ("本期减免税（费）额", 13, "money"),
                        ("“六税两费”减征比例", 9, "text"), ("减征额", 12, "money"),
                        ("产教融合型企业本期抵免金额", 13, "money"), ("本期已缴税（费）额", 12, "money"),
                        ("本期应补（退）税（费）额", 13, "money"), ("账面已计提", 13, "money")],
            "rows": rows, "styles": [""] * (len(rows) - 1) + ["total"],
            "checks": [statement_sheet.check("本期应补（退）额 = 账面已计提（P9）", t["payable"], t["booked"],
                                             "申报表", "账面")],
            "notes": notes, "signatures": ("纳税人（签章）", "经办人", "受理人"), "orientation": "landscape",
            "font_size": "8.5pt",
        })
    return out


def html(report: dict) -> str:
    sheets_ = sheets(report)
    if not sheets_:
        raise books.BooksError(f"{report['year']} 年度没有附加税费的纳税期间")
    return statement_sheet.html(sheets_)


def xlsx(report: dict) -> bytes:
    sheets_ = sheets(report)
    if not sheets_:
        raise books.BooksError(f"{report['year']} 年度没有附加税费的纳税期间")
    return statement_sheet.xlsx(sheets_)
