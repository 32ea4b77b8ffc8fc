"""The date of judgement (判断日期, "as-of"): the one date every deadline is judged on.

SPEC §2: every deadline and every "is this period over" (P1 unpaid days, P2 year
closed and payment deadline, P9 tax period ended, P10 expiry and finding deadlines,
sealing) is judged on ONE date, so an unchanged ledger gives the same result on any
machine on a given day, and a centre that stops booking still shows its arrears.

Precedence: the environment variable `SHIXUN_AS_OF` (every `shixun --as-of DATE`
sets it), else the ledger's pin `<date> custom "shixun-option" "as-of" <DATE>` (the
last one, if several), else today's date in Asia/Shanghai. Generated entries never
move it: only the accountant's `custom` pin is read. A period is over when as-of is
after its last day.
"""
from __future__ import annotations

import calendar
import datetime
import os
import re
import zoneinfo
from typing import NamedTuple

from beancount.core import data

ENV = "SHIXUN_AS_OF"
OPTION = "shixun-option"
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")

# Where the date came from, as the pages and reports say it.
SOURCES = {"env": "指定", "ledger": "账本设定", "today": "今日"}


class AsOf(NamedTuple):
    date: datetime.date
    source: str  # "env", "ledger" or "today"
    entry: object = None  # the ledger's pin (a Custom entry), when source == "ledger"
    problem: str | None = None  # a Chinese message when a given value was unusable
    bad_pin: object = None  # the ledger's pin, when it was the unusable value

    def label(self) -> str:
        """"判断日期 2026-12-02 (今日)", "… (账本设定, main.beancount:12)"."""
        where = SOURCES[self.source]
        if self.entry is not None:
            meta = self.entry.meta or {}
            where += f", {os.path.basename(str(meta.get('filename', '?')))}:{meta.get('lineno', '?')}"
        return f"判断日期 {self.date.isoformat()} ({where})"


ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(text, what: str = "判断日期") -> datetime.date:
    """A YYYY-MM-DD date: the one parser of the dates a person types (--as-of, the
    ledger's pin, the report and seal flags). ValueError with a Chinese message naming
    `what` and saying what is wrong (the format, the month, or the day) otherwise."""
    shown = str(text).strip()
    match = ISO_DATE.fullmatch(shown)
    if match is None:
        raise ValueError(f"{what}应为 YYYY-MM-DD 格式的有效日期 (如 2024-01-31), 而不是 {shown[:40]!r}")
    year, month, day = (int(part) for part in match.groups())
    wrong = f"{what}应为 YYYY-MM-DD 格式的有效日期: {shown}"
    if year < datetime.MINYEAR:
        raise ValueError(f"{wrong} 的年份 {year} 无效")
    if not 1 <= month <= 12:
        raise ValueError(f"{wrong} 的月份 {month} 不在 1 到 12 之间")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"{wrong} 的日 {day} 不在 1 到 {last} 之间 ({year} 年 {month} 月有 {last} 天)")
    return datetime.date(year, month, day)


def today() -> datetime.date:
    return datetime.datetime.now(ZONE).date()


def ledger_pin(entries):
    """The accountant's last `custom "shixun-option" "as-of" DATE`, or None."""
    pin = None
    for entry in entries:
        if (isinstance(entry, data.Custom) and entry.type == OPTION and entry.values
                and entry.values[0].value == "as-of"):
            pin = entry
    return pin


def _pin_date(pin) -> datetime.date:
    if len(pin.values) < 2:
        raise ValueError("账本的判断日期设定缺少日期: custom \"shixun-option\" \"as-of\" 2026-06-30")
    value = pin.values[1].value
    return value if isinstance(value, datetime.date) else parse_date(value)


def as_of(entries=()) -> AsOf:
    """The date of judgement for this ledger (see the module's docstring).

    An unusable `SHIXUN_AS_OF` or pin never raises inside a plugin: the next source in
    the precedence is used and `problem` says what was wrong, for the caller to report.
    """
    problem = None
    given = os.environ.get(ENV, "").strip()
    if given:
        try:
            return AsOf(parse_date(given), "env")
        except ValueError as exc:
            problem = f"环境变量 {ENV}: {exc}"
    pin = ledger_pin(entries)
    if pin is not None:
        try:
            return AsOf(_pin_date(pin), "ledger", pin, problem)
        except ValueError as exc:
            if problem is None:
                return AsOf(today(), "today", None, str(exc), pin)
    return AsOf(today(), "today", None, problem)


def is_over(last_day: datetime.date, judged: datetime.date) -> bool:
    """A period ending on `last_day` is over when the date of judgement is after it."""
    return judged > last_day


def year_over(year: int, judged: datetime.date) -> bool:
    return is_over(datetime.date(year, 12, 31), judged)
