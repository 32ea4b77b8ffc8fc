"""The one statutory calendar: holidays and make-up working days (调休) from the
`chinesecalendar` package (SPEC §7: it knows 2026, e.g. 2026-02-14 is a working Saturday).
The example ledger books on working days and the audit flags postings on other days,
both through this module."""
import datetime

import chinese_calendar

HOLIDAYS = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
WEEKDAYS = "一二三四五六日"
# The years the package has the State Council's holiday notices for (2004–2026 in 1.11).
YEARS = frozenset(d.year for d in (*chinese_calendar.constants.holidays, *chinese_calendar.constants.workdays))


class OutsideCalendar(LookupError):
    """The package has no holiday data for this year."""


def non_working_reason(date: datetime.date) -> str | None:
    """None on a working day (make-up Saturdays included), else why not, in Chinese."""
    if date.year not in YEARS:
        raise OutsideCalendar(f"chinese_calendar 没有 {date.year} 年的节假日数据")
    if chinese_calendar.is_workday(date):
        return None
    _, name = chinese_calendar.get_holiday_detail(date)
    weekday = f"星期{WEEKDAYS[date.weekday()]}"
    if name and date.weekday() < 5:
        return f"{HOLIDAYS.get(name, name)}法定节假日 ({weekday})"
    if name:
        return f"{HOLIDAYS.get(name, name)}假期 ({weekday})"
    return f"周末 ({weekday})"


def is_workday(date: datetime.date) -> bool:
    """A statutory working day; Monday to Friday for years outside the calendar's data."""
    try:
        return non_working_reason(date) is None
    except OutsideCalendar:
        return date.weekday() < 5
