"""Report builders for P8/P9 surcharges and the county indicators (P4, P7; P5/P6 seam).

The query seam the CLI reports and the Fava finance view share: pure functions of
the loaded entries returning plain data (Decimals, dates, strings, bools).
`reports.render.to_json` turns it into JSON. The computation itself lives in
`plugins.taxes.analyse` (one pass over the entries), so the plugin's errors and
these tables never disagree.
"""
import datetime
import importlib
from decimal import ROUND_DOWN, Decimal

from plugins.money import ZERO, fmt_percent, to_fen
from plugins.taxes import analyse
from reports.memo import memo

CENT = Decimal("0.01")

# Other rule families add indicators here without editing this file: a module
# with a function `fund_indicators(entries, options_map, year) -> {"P5": {...}, "P6": {...}}`
# (same shape as the P4/P7 dicts below) is merged into `indicators()` if present.
EXTRA_INDICATORS = (("reports.funds", "fund_indicators"),)


def _analyse(entries, options_map):
    """`plugins.taxes.analyse` once per loaded entries list (reports.memo): every year's
    periods, indicators and credits are slices of the one whole-ledger pass."""
    return memo(entries, options_map, "taxes.analyse",
                lambda: analyse(entries, options_map))


def surcharge_periods(entries, options_map, year=None) -> list[dict]:
    """Per tax period: base, sales, exemption, halving, and per tax expected vs booked.

    `year` (optional) keeps the periods that start in that year.
    """
    rows = []
    for period in _analyse(entries, options_map).periods:
        if year is not None and period.start.year != int(year):
            continue
        taxes = []
        for line in period.taxes:
            taxes.append({
                "key": line.key,
                "tax": line.name,
                "account": line.account,
                "rate": fmt_percent(line.rate),
                "due": line.due,
                "after_exemption": line.after_exemption,
                "after_halving": line.after_halving,
                "credit": line.credit,
                "credit_claimed": line.credit_claimed,
                "expected": line.expected,
                "booked": line.booked,
                "difference": line.difference,
                "ok": line.difference == 0,
            })
        expected = sum((t["expected"] for t in taxes), ZERO)
        booked = sum((t["booked"] for t in taxes), ZERO)
        rows.append({
            "period": period.label,
            "start": period.start,
            "end": period.end,
            "months": period.months,
            "base": period.base,
            "sales": period.sales,
            "threshold": period.threshold,
            "exempt": period.exempt,
            "halving": period.halving,
            "taxes": taxes,
            "expected_total": expected,
            "booked_total": booked,
            "difference_total": booked - expected,
            "ok": all(t["ok"] for t in taxes),
        })
    return rows


def integration_credits(entries, options_map, year) -> dict:
    """P8 for one year: qualifying investment, the cap, credits claimed, within the cap?"""
    result = _analyse(entries, options_map)
    year = int(year)
    investment = result.investment.get(year, ZERO)
    cap = result.credit_cap.get(year, ZERO)
    claimed = result.credits.get(year, ZERO)
    return {"clause": "P8", "title": "产教融合投资抵免", "year": year,
            "investment": investment, "cap": cap, "claimed": claimed,
            "passed": claimed <= cap, "status": "合规" if claimed <= cap else "超限"}


def _status(passed):
    return "未申报" if passed is None else ("达标" if passed else "未达标")


def indicators(entries, options_map, year) -> dict:
    """County indicators of a year: P4 (local education surcharge → vocational
    education ≥ 30%) and P7 (per-student public funds ≥ 2,000), from the finance
    bureau's declarations; plus whatever other rule families contribute (P5, P6).

    Each indicator: clause, title, value (Decimal or None, in `unit`: P4 in percent,
    P7 in 元/生), unit, value_text, threshold (same unit), threshold_text,
    passed (True/False/None = not declared), status (达标/未达标/未申报),
    and its inputs.
    """
    year = int(year)
    result = _analyse(entries, options_map)
    year_end = datetime.date(year, 12, 31)
    declared = result.declarations.get(year, {})

    revenue = declared.get("revenue")
    allocations = declared.get("allocations")
    share_min = result.policies.value("surcharge-vocational-share-min", year_end)
    # Shown truncated (never rounded up into a pass); judged on the exact values.
    # The value is in percent (31.56 = 31.56%) so that two-decimal renderers stay exact.
    percent = p4_passed = None
    if revenue and revenue > 0:
        percent = ((allocations or ZERO) * 100 / revenue).quantize(CENT, rounding=ROUND_DOWN)
        p4_passed = (allocations or ZERO) >= share_min * revenue
    p4 = {
        "clause": "P4", "title": "地方教育附加用于职业教育比例",
        "revenue": revenue, "allocations": allocations,
        "value": percent, "unit": "%",
        "value_text": "—" if percent is None else f"{percent:.2f}%",
        "threshold": share_min * 100, "threshold_text": f"不低于 {share_min * 100:.2f}%",
        "passed": p4_passed, "status": _status(p4_passed),
    }

    students = declared.get("students")
    funds = declared.get("funds")
    funds_min = result.policies.value("per-student-funds-min", year_end)
    per_student = p7_passed = None
    if students:
        per_student = ((funds or ZERO) / students).quantize(CENT, rounding=ROUND_DOWN)
        p7_passed = (funds or ZERO) >= funds_min * students
    p7 = {
        "clause": "P7", "title": "生均公用经费",
        "students": students, "funds": funds,
        "value": per_student, "unit": "元/生", "value_text": "—" if per_student is None else f"{per_student:,.2f} 元/生",
        "threshold": funds_min, "threshold_text": f"不低于 {to_fen(funds_min):,.2f} 元/生",
        "passed": p7_passed, "status": _status(p7_passed),
    }
    out = {"year": year, "P4": p4, "P7": p7}
    for module_name, function in EXTRA_INDICATORS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        extra = getattr(module, function, None)
        if callable(extra):
            out.update(extra(entries, options_map, year))
    return out
