"""专项资金使用情况表: earmarked funds (P10), training fund (P5), apprentice subsidies
(P6) and the findings ledger (审计整改台账), for one year.

`build` and `findings_status` are pure builders over loaded entries; the CLI
(`shixun report funds`) and the Fava views call them. Both rest on the single pass of
`plugins.funds.analyse`, so the report and the plugin's errors never disagree.
"""
import datetime
from decimal import ROUND_DOWN, Decimal

from beancount.core import compare

from plugins.funds import STATUS_LABELS, analyse
from plugins.money import ZERO, fmt_percent, fmt_thousands, to_fen
from reports.capital import capital
from reports.memo import memo
from plugins.asof import as_of
from reports.render import SIGNATURE, render_html, to_json, xlsx_bytes
from reports.viewkit import account_label, clause_title, plain

TITLE = "专项资金使用情况表"
OTHER_CATEGORY = "不在允许范围"


def _analysis(entries, options_map):
    """`plugins.funds.analyse` once per loaded entries list (reports.memo): each year's
    report, indicators and the findings ledger are read from the one whole-ledger pass."""
    return memo(entries, options_map, "funds.analyse", lambda: analyse(entries, options_map))


def _label(prefix: str) -> str:
    """Assets:1601-固定资产 → 1601-固定资产 (the last component)."""
    return prefix.rsplit(":", 1)[-1]


def _finding_row(finding: dict) -> dict:
    return {
        "id": finding["id"], "date": finding["date"], "clause": finding["clause"],
        "description": finding["description"], "fund": finding["fund"],
        "amount": to_fen(finding["amount"]), "deadline": finding["deadline"],
        "returned": to_fen(finding["returned"]),
        "returned_by_deadline": to_fen(finding["returned_by_deadline"]),
        "outstanding": to_fen(finding["outstanding"]), "returned_on": finding["returned_on"],
        "status": finding["status"], "status_label": STATUS_LABELS[finding["status"]],
        "late": finding["late"], "location": _loc(finding["entry"]),
        "entry_hash": compare.hash_entry(finding["entry"]),
        "returns": [dict(r, amount=to_fen(r["amount"])) for r in finding["returns"]],
    }


def _loc(entry) -> str:
    meta = entry.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


def findings_status(entries, options_map, analysis=None) -> list[dict]:
    """Every finding (审计整改事项) with its status on the date of judgement (`plugins.asof`):
    open (整改中), returned (已退还; `late` if after the deadline) or overdue (逾期未退还)."""
    analysis = analysis or _analysis(entries, options_map)
    return [_finding_row(f) for f in analysis.findings.values()]


def _fund_row(fund, year: int, violations: list[dict]) -> dict:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    opening = received = used = received_total = used_total = ZERO
    categories = {prefix: ZERO for prefix in fund.allowed}
    other = ZERO
    for event in fund.events:
        value = event["amount"]
        sign = 1 if event["kind"] == "receipt" else -1
        if event["date"] < start:
            opening += sign * value
        if event["date"] > end:
            continue
        if event["kind"] == "receipt":
            received_total += value
            if event["date"] >= start:
                received += value
            continue
        used_total += value
        if event["date"] >= start:
            used += value
            if event["category"] is None:
                other += value
            else:
                categories[event["category"]] += value
    by_category = [{"category": p, "label": _label(p), "amount": to_fen(v)} for p, v in categories.items()]
    if other:
        by_category.append({"category": None, "label": OTHER_CATEGORY, "amount": to_fen(other)})
    allocation = to_fen(fund.amount) if fund.amount is not None else None
    return {
        "id": fund.id, "source": fund.source or "", "purpose": fund.purpose or "",
        "declared": fund.declared, "expires": fund.expires, "allowed": list(fund.allowed),
        "expired": bool(fund.expires and fund.expires < end),
        "allocation": allocation,
        "opening_balance": to_fen(opening), "received": to_fen(received), "used": to_fen(used),
        "used_by_category": by_category, "balance": to_fen(opening + received - used),
        "received_total": to_fen(received_total), "used_total": to_fen(used_total),
        "not_yet_received": (max(allocation - to_fen(received_total), ZERO)
                             if allocation is not None else None),
        "violations": violations,
    }


def _violation_row(v: dict) -> dict:
    return {"date": v["date"], "account": v["account"], "amount": to_fen(v["amount"]),
            "kind": v["kind"], "label": v["label"], "message": v["message"],
            "location": v["location"], "voucher": v["voucher"], "finding": v["finding"],
            "balance": to_fen(v["balance"])}


def build(entries, options_map, year: int) -> dict:
    """The 专项资金使用情况表 of `year` as plain data (Decimals, dates, lists)."""
    analysis = _analysis(entries, options_map)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    by_fund: dict[str, list] = {}
    for v in analysis.violations:
        if start <= v["date"] <= end:
            by_fund.setdefault(v["fund"], []).append(_violation_row(v))
    funds = []
    for fund in analysis.funds.values():
        if fund.declared > end:
            continue
        row = _fund_row(fund, year, by_fund.get(fund.id, []))
        active = (row["received"] or row["used"] or row["opening_balance"] or row["violations"]
                  or (fund.expires is None or fund.expires >= start))
        if active:
            funds.append(row)
    totals = {key: sum((f[key] for f in funds), ZERO)
              for key in ("opening_balance", "received", "used", "balance")}
    totals["allocation"] = sum((f["allocation"] or ZERO for f in funds), ZERO)
    training = analysis.training.get(year) or analysis.training_year(year)
    apprentices = []
    for app in analysis.apprentices.values():
        row = app["years"].get(year)
        if row is None or (row["months"] == 0 and not row["paid"]):
            continue
        apprentices.append({"id": app["id"], "name": app["name"], "start": app["start"], "end": app["end"],
                            **row, "ok": row["paid"] >= row["required"]})
    findings = [_finding_row(f) for f in analysis.findings.values() if f["date"] <= end]
    return {
        "year": year, "unit": analysis.title, "ledger_end": analysis.end, "judged": analysis.judged,
        "title": TITLE, "as_of": as_of(entries).label(),
        "funds": funds, "totals": totals,
        "training_fund": dict(training, ok=(not training["complete"]) or (
            training["accrued"] >= training["required"]
            and training["frontline"] >= training["frontline_share_min"] * training["uses"])),
        "apprentices": apprentices,
        "findings": findings,
        "violation_count": sum(len(f["violations"]) for f in funds),
    }


def fund_indicators(entries, options_map, year) -> dict:
    """P5 and P6 as county indicators of `year`, in the shape of reports.taxes.indicators
    (clause, title, value, unit, value_text, threshold, threshold_text, passed, status);
    `passed` is None while the year is not over (or there is nothing to judge)."""
    year = int(year)
    analysis = _analysis(entries, options_map)
    t = analysis.training.get(year) or analysis.training_year(year)
    cent = Decimal("0.01")
    complete = t["complete"]
    income = t["operating_income"]
    percent = (t["accrued"] * 100 / income).quantize(cent, ROUND_DOWN) if income > 0 else None
    accrual_passed = (t["accrued"] >= t["required"]) if complete else None
    rate_text = fmt_percent(t["rate"])
    p5 = {"clause": "P5", "title": "职工教育经费提取比例", "year": year,
          "operating_income": income, "required": t["required"], "accrued": t["accrued"],
          "value": percent, "unit": "%", "value_text": "—" if percent is None else f"{percent:.2f}%",
          "threshold": t["rate"] * 100, "threshold_text": f"不低于 {rate_text}",
          "passed": accrual_passed, "status": _indicator_status(accrual_passed, complete)}
    share = t["frontline_share"]
    front_percent = (share * 100).quantize(cent, ROUND_DOWN) if share is not None else None
    front_passed = (t["frontline"] >= t["frontline_share_min"] * t["uses"]) if complete and t["uses"] else None
    p5_front = {"clause": "P5", "title": "职工教育经费用于一线职工比例", "year": year,
                "uses": t["uses"], "frontline": t["frontline"],
                "value": front_percent, "unit": "%",
                "value_text": "—" if front_percent is None else f"{front_percent:.2f}%",
                "threshold": t["frontline_share_min"] * 100,
                "threshold_text": f"不低于 {fmt_percent(t['frontline_share_min'])}",
                "passed": front_passed,
                "status": _indicator_status(front_passed, complete, "无使用")}
    rows = [app["years"][year] for app in analysis.apprentices.values()
            if year in app["years"] and app["years"][year]["months"]]
    met = sum(1 for r in rows if r["paid"] >= r["required"])
    app_passed = (met == len(rows)) if complete and rows else None
    minimum = analysis.policies.value("apprentice-subsidy-min", datetime.date(year, 12, 31))
    p6 = {"clause": "P6", "title": "学徒补贴达标人数", "year": year,
          "apprentices": len(rows), "met": met,
          "value": Decimal(met), "unit": "人", "value_text": f"{met}/{len(rows)} 人" if rows else "—",
          "threshold": to_fen(minimum),
          "threshold_text": f"每人每年不低于 {fmt_thousands(minimum)} 元 (按在册月数折算)",
          "passed": app_passed, "status": _indicator_status(app_passed, complete, "无学徒")}
    return {"P5": p5, "P5-frontline": p5_front, "P6": p6}


def _indicator_status(passed, complete, nothing="—"):
    if not complete:
        return "年度未结束"
    if passed is None:
        return nothing
    return "达标" if passed else "未达标"


# ---- renderers -----------------------------------------------------------------

def _percent(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.2f}%"


RATIOS = ("rate", "frontline_share", "frontline_share_min")


def json_text(report: dict) -> str:
    """The report as JSON; ratios keep their precision ("0.025"), amounts are "1234.50"."""
    training = dict(report["training_fund"])
    for key in RATIOS:
        if training.get(key) is not None:
            training[key] = f"{Decimal(training[key]).normalize():f}"
    return to_json(dict(report, training_fund=training))


def html(report: dict) -> str:
    return render_html("funds.html", title=f"{report['year']} 年度{TITLE}", r=report,
                       percent=_percent, capital=capital, orientation="landscape", as_of=report.get("as_of"))


def _d(value):
    return value.isoformat() if isinstance(value, datetime.date) else (value or "")


def xlsx(report: dict) -> bytes:
    year, unit = report["year"], report["unit"]
    subtitle = [f"编制单位：{unit}    年度：{year}    单位：元    账本截至：{_d(report['ledger_end'])}"]
    signature = SIGNATURE
    funds = report["funds"]
    totals = report["totals"]
    summary = {
        "name": "专项资金", "title": f"{year} 年度{TITLE}", "subtitle": subtitle, "orientation": "landscape",
        "columns": [("资金编号", 12, "text"), ("资金来源", 16, "text"), ("用途", 20, "text"),
                    ("下达金额", 14, "money"), ("期初余额", 14, "money"), ("本年到位", 14, "money"),
                    ("本年支用", 14, "money"), ("期末余额", 14, "money"), ("累计未到位", 14, "money"),
                    ("到期日", 12, "text"), ("违规笔数", 9, "number")],
        "rows": [[f["id"], f["source"], f["purpose"], f["allocation"], f["opening_balance"], f["received"],
                  f["used"], f["balance"], f["not_yet_received"], _d(f["expires"]), len(f["violations"])]
                 for f in funds],
        "totals": ["合计", "", "", totals["allocation"], totals["opening_balance"], totals["received"],
                   totals["used"], totals["balance"], None, "", report["violation_count"]],
        "footer": [f"本年支用合计（大写）：{capital(totals['used'])}　（小写）¥{fmt_thousands(totals['used'])}", signature],
    }
    categories = {
        "name": "支用明细", "title": f"{year} 年度专项资金支用分类", "subtitle": subtitle,
        "columns": [("资金编号", 12, "text"), ("允许科目 (类别)", 44, "text"), ("本年支用", 14, "money")],
        "rows": [[f["id"], account_label(c["category"]) if c["category"] else plain(c["label"]), c["amount"]]
                 for f in funds for c in f["used_by_category"]],
    }
    violations = {
        "name": "违规支用", "title": f"{year} 年度专项资金违规支用", "subtitle": subtitle, "orientation": "landscape",
        "columns": [("资金编号", 12, "text"), ("日期", 12, "text"), ("凭证号", 16, "text"), ("科目", 40, "text"),
                    ("金额", 14, "money"), ("问题", 16, "text"), ("余额", 14, "money"), ("整改事项", 14, "text"),
                    ("位置", 30, "text")],
        "rows": [[f["id"], _d(v["date"]), v["voucher"] or "—", account_label(v["account"]), v["amount"], v["label"], v["balance"],
                  v["finding"] or "", v["location"]] for f in funds for v in f["violations"]],
    }
    t = report["training_fund"]
    training = {
        "name": "职工教育经费", "title": f"{year} 年度职工教育经费提取和使用", "subtitle": subtitle,
        "columns": [("项目", 30, "text"), ("金额 (元)", 18, "money"), ("比例", 14, "text")],
        "rows": [["营业收入 (5001+5051)", t["operating_income"], ""],
                 ["提取比例 (不低于)", None, _percent(t["rate"])],
                 ["应提取", t["required"], ""],
                 ["实际提取", t["accrued"], ""],
                 ["少提取", t["accrual_shortfall"], ""],
                 ["本年使用", t["uses"], ""],
                 ["其中一线职工", t["frontline"], _percent(t["frontline_share"])],
                 ["一线职工占比 (不低于)", None, _percent(t["frontline_share_min"])],
                 ["结论", None, ("符合" if t["ok"] else "不符合") if t["complete"] else "年度未结束, 暂不判断"]],
    }
    apprentices = {
        "name": "学徒补贴", "title": f"{year} 年度学徒补贴发放 (P6)", "subtitle": subtitle,
        "columns": [("学徒编号", 14, "text"), ("姓名", 10, "text"), ("开始", 12, "text"), ("结束", 12, "text"),
                    ("在册月数", 9, "number"), ("年标准 (不低于)", 12, "money"), ("应发 (不低于)", 12, "money"),
                    ("实发", 12, "money"), ("少发", 12, "money"), ("结论", 14, "text")],
        "rows": [[a["id"], a["name"], _d(a["start"]), _d(a["end"]), a["months"], a["minimum"], a["required"],
                  a["paid"], a["shortfall"],
                  ("符合" if a["ok"] else "少发") if a["complete"] else "年度未结束"] for a in report["apprentices"]],
    }
    findings = {
        "name": "审计整改台账", "title": "审计整改台账", "subtitle": subtitle, "orientation": "landscape",
        "columns": [("编号", 14, "text"), ("登记日期", 12, "text"), ("条款", 20, "text"), ("问题描述", 36, "text"),
                    ("资金", 12, "text"), ("应退金额", 14, "money"), ("整改期限", 12, "text"),
                    ("已退金额", 14, "money"), ("尚欠金额", 14, "money"), ("状态", 12, "text")],
        "rows": [[f["id"], _d(f["date"]), clause_title(f["clause"]), f["description"], f["fund"] or "", f["amount"],
                  _d(f["deadline"]), f["returned"], f["outstanding"],
                  f["status_label"] + (" (逾期退还)" if f["late"] else "")] for f in report["findings"]],
    }
    return xlsx_bytes([summary, categories, violations, training, apprentices, findings], as_of=report.get("as_of"))
