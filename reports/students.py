"""学生劳动报酬发放表: the period's accrued student pool split by work hours, against payouts.

Seed: "学校开展生产服务性实习实训取得的勤工俭学收入,可提取20%支付学生劳动报酬。"
(SPEC §3 P1 / P11). The pool is what `plugins.work_study` accrued (Cr the student
payable) on dates in the period, net of returns; it is split over the students'
`custom "work-hours"` with `allocate` (largest remainder, exact to the fen), month by
month: each calendar month's pool over that month's hours (the payout convention), so a
sheet for a year is the sum of its monthly sheets; a month with a pool but no hours
leaves that pool unallocated (shown); beside it, what each student was paid (accountant's debits to the
payable with `student:`) on dates in the period, and the difference.

`build` is a pure function of loaded entries (CLI and Fava both call it); `html`,
`xlsx` and `reports.render.to_json` render the same dict.
"""
import bisect
import datetime
from decimal import Decimal

from beancount.core import data

from plugins.asof import as_of
from plugins.closing import is_closing_entry
from plugins.common import ACCOUNTS, family_enabled, under
from plugins.money import ZERO, allocate, fmt_thousands
from plugins.work_study import PLUGIN, load_roster, read_hours, settings_from, work_study
from reports.capital import capital
from reports.memo import ledger_policies, memo
from reports.render import SIGNATURE, render_html, to_json, xlsx_bytes

TITLE = "学生劳动报酬发放表"
UNNAMED = ""  # the row of payouts written without `student:`
NONE = Decimal(0)  # hours start from a plain zero (42.5, not 42.50)

__all__ = ["build", "html", "xlsx", "work_study_income", "TITLE"]


POOL, PAID, HOURS = "pool", "paid", "hours"


def _scan(entries, payable, income_account) -> tuple[list[tuple], list, list]:
    """One pass over the entries: (events, days, cumulative income).

    events, in ledger order: (POOL, date, None, number, None) per generated posting to the
    student payable (the accruals, credits negative), (PAID, date, student, number, None)
    per accountant's debit to it (student "" when unnamed), (HOURS, date, student, hours,
    base) per valid `custom "work-hours"`; a sheet for any period is a filter of this list.
    days / cumulative: the dates with work-study income (credits to `income_account`, net,
    closing entries left out)
    and the running total up to each, so the income of any span is a bisection."""
    events = []
    by_day: dict = {}
    kinds: dict[str, tuple[bool, bool]] = {}  # account → (payable?, income?): few accounts
    transaction, custom = data.Transaction, data.Custom
    for entry in entries:
        kind = type(entry)
        if kind is transaction:
            generated = closing = None
            for posting in entry.postings:
                account = posting.account
                hit = kinds.get(account)
                if hit is None:
                    hit = kinds[account] = (under(account, payable), under(account, income_account))
                if hit[1]:
                    if closing is None:
                        closing = is_closing_entry(entry)  # 结转损益 is no income of the year
                    if posting.units is not None and not closing:
                        by_day[entry.date] = by_day.get(entry.date, ZERO) - posting.units.number
                    continue
                if not hit[0]:
                    continue
                if generated is None:
                    generated = entry.meta.get("generated") == PLUGIN
                number = posting.units.number
                if generated:
                    events.append((POOL, entry.date, None, number, None))
                elif number > 0:
                    student = posting.meta.get("student") if posting.meta else None
                    if student is None:
                        student = entry.meta.get("student")
                    events.append((PAID, entry.date, student if isinstance(student, str) else UNNAMED,
                                   number, None))
        elif kind is custom and entry.type == "work-hours":
            sid, value, base, problem = read_hours(entry)
            if not problem:
                events.append((HOURS, entry.date, sid, value, base))
    days = sorted(by_day)
    running, cumulative = ZERO, []
    for day in days:
        running += by_day[day]
        cumulative.append(running)
    return events, days, cumulative


def _scanned(entries, options_map, payable):
    """`_scan` once per loaded entries list (reports.memo)."""
    income = ACCOUNTS["work_study_income"]
    return memo(entries, options_map, "students.scan", lambda: _scan(entries, payable, income), payable)


def work_study_income(entries, options_map, start: datetime.date, end: datetime.date) -> Decimal:
    """Work-study income (credits to 500101, net, closing entries left out) dated
    start..end, from the per-day running totals of `_scan` (once per loaded entries list)."""
    settings, _ = settings_from(options_map)
    _, days, cumulative = _scanned(entries, options_map, settings["student_payable"])
    low = bisect.bisect_left(days, start)
    high = bisect.bisect_right(days, end)
    if high <= low:
        return Decimal(0)
    return cumulative[high - 1] - (cumulative[low - 1] if low else ZERO)


def build(entries, options_map, start: datetime.date, end: datetime.date,
                   paid_from: datetime.date | None = None, paid_to: datetime.date | None = None) -> dict:
    """The sheet for dates start..end (both inclusive) as plain data (Decimals, dates).

    Payouts are counted on dates paid_from..paid_to, by default the same period; a month's
    pool is paid in the following month, so a monthly sheet may set the next month here.
    """
    paid_from = start if paid_from is None else paid_from
    paid_to = end if paid_to is None else paid_to
    if start > end:
        raise ValueError(f"起始日期 {start} 晚于截止日期 {end}")
    if paid_from > paid_to:
        raise ValueError(f"发放起始日期 {paid_from} 晚于发放截止日期 {paid_to}")
    low, high = min(start, paid_from), max(end, paid_to)
    settings, _ = settings_from(options_map)
    enabled = family_enabled(options_map, ("plugins.work_study", PLUGIN))
    if not enabled:
        # A ledger without the plugin line: compute the accruals the plugin would make.
        entries, _ = work_study(entries, options_map)
    payable = settings["student_payable"]
    roster, _ = load_roster(options_map, settings)
    roster = roster or {}

    pool = ZERO
    hours: dict[str, Decimal] = {}
    month_pool: dict[tuple[int, int], Decimal] = {}
    month_hours: dict[tuple[int, int], dict[str, Decimal]] = {}
    bases: dict[str, list[str]] = {}
    paid: dict[str, Decimal] = {}
    if enabled:  # the loaded entries: their events are read once per load (reports.memo)
        events = _scanned(entries, options_map, payable)[0]
    else:
        events = _scan(entries, payable, ACCOUNTS["work_study_income"])[0]
    for kind, date, key, value, base in events:
        if date < low or date > high:
            continue
        in_period = start <= date <= end
        if kind == POOL:
            if in_period:
                pool -= value
                month = (date.year, date.month)
                month_pool[month] = month_pool.get(month, ZERO) - value
        elif kind == PAID:
            if paid_from <= date <= paid_to:
                paid[key] = paid.get(key, ZERO) + value
        elif in_period:  # HOURS
            hours[key] = hours.get(key, NONE) + value
            per = month_hours.setdefault((date.year, date.month), {})
            per[key] = per.get(key, NONE) + value
            seen = bases.setdefault(key, [])
            if base not in seen:
                seen.append(base)

    ids = sorted(set(hours) | set(paid), key=lambda s: (s == UNNAMED, s))
    weights = [hours.get(s, NONE) for s in ids]
    hours_total = sum(weights, NONE)
    # Each month's pool is split over that month's hours (the payout convention), so a
    # sheet over several months is the sum of the monthly sheets, each exact to the fen.
    shares = [ZERO for _ in ids]
    for key in sorted(set(month_pool) | set(month_hours)):
        per = month_hours.get(key, {})
        month_weights = [per.get(s, NONE) for s in ids]
        if sum(month_weights, NONE) > 0 and month_pool.get(key, ZERO):
            parts = allocate(month_pool[key], month_weights)
            shares = [a + b for a, b in zip(shares, parts)]
    students = []
    for sid, weight, allocated in zip(ids, weights, shares):
        info = roster.get(sid)  # plugins.roster.Student, or None for a 学号 not on the roster
        got = paid.get(sid, ZERO)
        students.append({
            "student": sid,
            "name": info.name if info else ("（未注明学号）" if sid == UNNAMED else ""),
            "class": info.class_name if info else "",
            "base": "、".join(bases.get(sid, [])) or (info.base if info else ""),
            "hours": weight,
            "allocated": allocated,
            "paid": got,
            "difference": allocated - got,
        })
    allocated_total = sum(shares, ZERO)
    paid_total = sum(paid.values(), ZERO)
    return {
        "unit": (options_map or {}).get("title", ""),
        "from": start,
        "to": end,
        "paid_from": paid_from,
        "paid_to": paid_to,
        "pool": pool,
        "hours_total": hours_total,
        "students": students,
        "allocated_total": allocated_total,
        "paid_total": paid_total,
        "difference_total": allocated_total - paid_total,
        "unallocated": pool - allocated_total,
        "pool_capital": capital(pool),
        "paid_capital": capital(paid_total),
        **_pay_deadline(entries, end),
    }


def _pay_deadline(entries, end: datetime.date) -> dict:
    """When the period's last accrual must be paid (student-pay-days, P1) and whether that
    day has passed on the date of judgement: an unpaid share inside its days is 待发, not a breach."""
    judged = as_of(entries)
    days = ledger_policies(entries).value("student-pay-days", end)
    deadline = end + datetime.timedelta(days=int(days)) if days is not None else None
    return {"as_of": judged.label(), "pay_deadline": deadline,
            "pay_overdue": deadline is not None and judged.date > deadline}


def students_json(sheet: dict) -> str:
    return to_json(sheet)


def html(sheet: dict) -> str:
    return render_html("students.html", title=TITLE, orientation="landscape", sheet=sheet, as_of=sheet.get("as_of"),
                       paid_note=_paid_note(sheet).strip())


def _hours(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _paid_note(sheet) -> str:
    if (sheet["paid_from"], sheet["paid_to"]) == (sheet["from"], sheet["to"]):
        return ""
    return f"    实发期间：{sheet['paid_from']} 至 {sheet['paid_to']}"


def xlsx(sheet: dict) -> bytes:
    rows = []
    for number, s in enumerate(sheet["students"], start=1):
        rows.append([number, s["student"], s["name"], s["class"], s["base"], s["hours"],
                     s["allocated"], s["paid"], s["difference"], ""])
    footer = [f"本期计提学生劳动报酬（大写）：{sheet['pool_capital']}　（小写）¥{fmt_thousands(sheet['pool'])}",
              f"本期实发合计（大写）：{sheet['paid_capital']}　（小写）¥{fmt_thousands(sheet['paid_total'])}"]
    if sheet["unallocated"]:
        footer.append(f"注：本期无工时记录，{fmt_thousands(sheet['unallocated'])} 元未分配")
    if sheet["difference_total"] > 0 and sheet.get("pay_deadline"):
        state = "已逾期未发" if sheet["pay_overdue"] else "尚在发放期限内 (待发)"
        footer.append(f"注：应发未发 {fmt_thousands(sheet['difference_total'])} 元，发放期限 {sheet['pay_deadline']}，{state}")
    footer.append(SIGNATURE)
    spec = {
        "name": TITLE,
        "title": TITLE,
        "subtitle": [f"编制单位：{sheet['unit']}    期间：{sheet['from']} 至 {sheet['to']}{_paid_note(sheet)}    单位：元",
                     f"本期计提学生劳动报酬（分配总额）：{fmt_thousands(sheet['pool'])}    工时合计：{_hours(sheet['hours_total'])}"],
        "columns": [("序号", 6, "number"), ("学号", 12, "text"), ("姓名", 10, "text"),
                    ("班级", 14, "text"), ("实训基地", 16, "text"), ("工时", 9, "decimal"),
                    ("应分配金额", 13, "money"), ("实发金额", 13, "money"), ("未发 (应发−实发)", 14, "money"),
                    ("学生签字", 12, "text")],
        "rows": rows,
        "totals": ["合计", "", "", "", "", sheet["hours_total"], sheet["allocated_total"],
                   sheet["paid_total"], sheet["difference_total"], ""],
        "footer": footer,
        "orientation": "landscape",
    }
    return xlsx_bytes([spec], as_of=sheet.get("as_of"))
