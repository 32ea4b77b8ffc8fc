"""The one statutory calendar: holidays and make-up working days (调休)."""
import datetime

import pytest

from reports.workdays import OutsideCalendar, is_workday, non_working_reason

D = datetime.date


def test_make_up_saturday_is_a_working_day():
    assert non_working_reason(D(2026, 2, 14)) is None  # 调休上班 before the 2026 Spring Festival
    assert is_workday(D(2024, 9, 29))  # a Sunday worked before National Day


def test_holidays_and_weekends_say_why():
    assert "国庆节" in non_working_reason(D(2024, 10, 1))
    assert non_working_reason(D(2025, 3, 8)) == "周末 (星期六)"


def test_years_without_data_fall_back_to_weekdays():
    with pytest.raises(OutsideCalendar):
        non_working_reason(D(2003, 1, 1))
    assert is_workday(D(2003, 1, 1)) and not is_workday(D(2003, 1, 4))
