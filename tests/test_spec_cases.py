"""Acceptance-style cases written from SPEC.md alone (§2 ledger contract, §3 P1/P2/P9/P10,
policy departures, closing entries, as-of, §4 seal, §8 statements, CLI contract).

Each ledger is a string with `plugin "plugins.all"` and SPEC §2's default account names,
loaded with beancount.loader.load_string under a pinned SHIXUN_AS_OF; the expected
amounts are computed by hand from SPEC's wording.
"""
import json
import os
import re
import subprocess
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
SHIXUN = ROOT / ".venv" / "bin" / "shixun"

BANK = "Assets:1002-银行存款:100201-农商银行基本户"
WS_INCOME = "Income:5001-主营业务收入:500101-勤工俭学收入"
SALES = "Income:5001-主营业务收入:500102-技术服务收入"
EXPENSE = "Expenses:5401-主营业务成本:540101-学生劳动报酬"
PAYABLE = "Liabilities:2241-其他应付款:224101-学生劳动报酬"
TREASURY = "Liabilities:2232-应付利润:223201-上缴国库"
APPROP = "Equity:3104-利润分配:310405-应付利润"
UNDIST = "Equity:3104-利润分配:310415-未分配利润"
THIS_YEAR = "Equity:3103-本年利润"
VAT = "Liabilities:2221-应交税费:222101-应交增值税"
CITY_P = "Liabilities:2221-应交税费:222104-应交城市维护建设税"
EDU_P = "Liabilities:2221-应交税费:222105-应交教育费附加"
LEDU_P = "Liabilities:2221-应交税费:222106-应交地方教育附加"
CITY_E = "Expenses:5403-税金及附加:540301-城市维护建设税"
EDU_E = "Expenses:5403-税金及附加:540302-教育费附加"
LEDU_E = "Expenses:5403-税金及附加:540303-地方教育附加"
INCOME_TAX = "Expenses:5801-所得税费用"
OFFICE = "Expenses:5602-管理费用:560202-办公费"
MATERIAL = "Expenses:5401-主营业务成本:540103-材料费"
DEFERRED = "Liabilities:2401-递延收益"
GRANT = "Income:5301-营业外收入:530102-政府补助"
SUBSIDY = "Income:5301-营业外收入:530101-其他"
EQUIP = "Assets:1601-固定资产"
TRAIN_FUND = "Liabilities:2211-应付职工薪酬:221104-职工教育经费"

ACCOUNTS = [BANK, WS_INCOME, SALES, EXPENSE, PAYABLE, TREASURY, APPROP, UNDIST, THIS_YEAR, VAT,
            CITY_P, EDU_P, LEDU_P, CITY_E, EDU_E, LEDU_E, INCOME_TAX, OFFICE, MATERIAL, DEFERRED,
            GRANT, SUBSIDY, EQUIP, TRAIN_FUND]

HEADER = 'option "operating_currency" "CNY"\nplugin "plugins.all"\n' + "".join(
    f"2020-01-01 open {a} CNY\n" for a in ACCOUNTS)


def ledger_text(body: str) -> str:
    return HEADER + textwrap.dedent(body)


def load(monkeypatch, body: str, as_of: str | None):
    if as_of is None:
        monkeypatch.delenv("SHIXUN_AS_OF", raising=False)
    else:
        monkeypatch.setenv("SHIXUN_AS_OF", as_of)
    return loader.load_string(ledger_text(body))


def msgs(errors, clause=None):
    # amounts compared without thousands separators (SPEC fixes no format for them)
    texts = [re.sub(r"(?<=\d),(?=\d{3})", "", str(e.message)) for e in errors]
    if clause is None:
        return texts
    return [t for t in texts if re.match(rf"\[?{clause}\b", t) or t.startswith(f"[{clause}]")]


def balance(entries, account, year=None, generated_only=False):
    total = Decimal(0)
    for e in entries:
        if not isinstance(e, data.Transaction):
            continue
        if year is not None and e.date.year != year:
            continue
        if generated_only and not (e.meta or {}).get("generated"):
            continue
        for p in e.postings:
            if p.account == account:
                total += p.units.number
    return total


def line_of(body: str, needle: str) -> int:
    """Line number (in the loaded string) of the first line containing `needle`."""
    for i, line in enumerate(ledger_text(body).splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def sale(date, amount, narration="销售", meta="", account=WS_INCOME):
    meta_lines = "".join(f"  {m}\n" for m in meta.split(";") if m)
    return (f'{date} * "客户" "{narration}"\n{meta_lines}'
            f"  {BANK}  {amount} CNY\n  {account}  -{amount} CNY\n")


# ----------------------------------------------------------------------------------- P1

def test_p1_accrual_is_twenty_percent_per_transaction_half_up(monkeypatch):
    # 0.15 x 100.30 = 15.045 -> 15.05 each (half-up, per transaction): 30.10, not round(30.09)
    body = (sale("2024-03-05", "100.30", meta="student-share: 0.15")
            + sale("2024-03-05", "100.30", meta="student-share: 0.15")
            + sale("2024-03-06", "1000.10"))
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors, "P1") == []
    assert balance(entries, EXPENSE) == Decimal("30.10") + Decimal("200.02")
    assert balance(entries, PAYABLE) == -(Decimal("30.10") + Decimal("200.02"))
    gen = [e for e in entries if isinstance(e, data.Transaction) and (e.meta or {}).get("generated")]
    assert gen, "accruals are generated entries marked by metadata"


def test_p1_student_share_above_cap_is_an_error(monkeypatch):
    body = sale("2024-03-05", "1000.00", meta="student-share: 0.25")
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert len(msgs(errors, "P1")) >= 1
    assert balance(entries, EXPENSE) <= Decimal("200.00")


def test_p1_student_share_lower_is_accepted(monkeypatch):
    body = sale("2024-03-05", "1000.00", meta="student-share: 0.10")
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors, "P1") == []
    assert balance(entries, EXPENSE) == Decimal("100.00")


def payout(date, amount, student="2024001"):
    return (f'{date} * "发放学生劳动报酬"\n'
            f'  {PAYABLE}  {amount} CNY\n    student: "{student}"\n'
            f"  {BANK}  -{amount} CNY\n")


def test_p1_payout_within_accrual_is_fine(monkeypatch):
    body = sale("2024-03-05", "1000.00") + payout("2024-03-10", "200.00")
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors, "P1") == []


def test_p1_payout_above_accruals_is_an_error(monkeypatch):
    body = sale("2024-03-05", "1000.00") + payout("2024-03-10", "250.00")
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    found = msgs(errors, "P1")
    assert len(found) == 1
    assert "250.00" in found[0] and "200.00" in found[0]


def test_p1_payout_before_its_accrual_breaks_the_invariant_at_that_date(monkeypatch):
    body = payout("2024-03-01", "100.00") + sale("2024-03-05", "1000.00")
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert len(msgs(errors, "P1")) == 1


def test_p1_return_after_payout_breaks_the_invariant(monkeypatch):
    # accrued 200, paid 200, then a return of 500 reverses 100: accruals 100 < payouts 200
    body = (sale("2024-03-05", "1000.00") + payout("2024-03-10", "200.00")
            + f'2024-03-20 * "客户" "退货"\n  {WS_INCOME}  500.00 CNY\n  {BANK}  -500.00 CNY\n')
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert balance(entries, EXPENSE) == Decimal("100.00")
    assert len(msgs(errors, "P1")) == 1


def test_p1_hand_written_expense_above_the_years_cap_is_an_error(monkeypatch):
    body = sale("2024-03-05", "1000.00") + (
        f'2024-03-31 * "手工计提学生劳动报酬"\n  {EXPENSE}  300.00 CNY\n  {PAYABLE}  -300.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2024-04-15")
    found = msgs(errors, "P1")
    assert len(found) == 1
    assert "500.00" in found[0] or "300.00" in found[0]


def test_p1_hand_written_expense_within_the_cap_is_accepted(monkeypatch):
    # plugin accrues 100 (share 0.10), by hand 50: 150 <= 20% x 1000 = 200
    body = sale("2024-03-05", "1000.00", meta="student-share: 0.10") + (
        f'2024-03-31 * "手工计提学生劳动报酬"\n  {EXPENSE}  50.00 CNY\n  {PAYABLE}  -50.00 CNY\n')
    entries, errors, _ = load(monkeypatch, body, "2024-04-15")
    assert msgs(errors, "P1") == []
    assert balance(entries, EXPENSE) == Decimal("150.00")


def test_p1_cap_is_per_year(monkeypatch):
    # 2024's income does not make room for 2025's hand-written expense
    body = sale("2024-03-05", "1000.00", meta="student-share: 0.00") + (
        f'2025-01-31 * "手工计提学生劳动报酬"\n  {EXPENSE}  50.00 CNY\n  {PAYABLE}  -50.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2025-02-15")
    assert len(msgs(errors, "P1")) == 1


UNPAID = sale("2024-01-10", "1000.00")


def test_p1_unpaid_exactly_90_days_is_not_flagged(monkeypatch):
    _, errors, _ = load(monkeypatch, UNPAID, "2024-04-09")  # 2024-01-10 + 90 days
    assert msgs(errors, "P1") == []


def test_p1_unpaid_past_90_days_is_flagged_on_as_of_blaming_the_sale(monkeypatch):
    entries, errors, _ = load(monkeypatch, UNPAID, "2024-04-10")
    found = [e for e in errors if msgs([e], "P1")]
    assert len(found) == 1
    assert "200.00" in found[0].message
    assert found[0].source["lineno"] == line_of(UNPAID, "2024-01-10 *")


def test_p1_unpaid_judged_on_as_of_not_on_last_entry(monkeypatch):
    # the books stop early; as-of long after: still flagged
    _, errors, _ = load(monkeypatch, UNPAID, "2026-12-01")
    assert len(msgs(errors, "P1")) == 1


def test_p1_unpaid_blames_the_sale_whose_share_is_unpaid(monkeypatch):
    body = (sale("2024-01-10", "1000.00", narration="甲")
            + sale("2024-01-10", "500.00", narration="乙")
            + payout("2024-01-31", "200.00"))
    _, errors, _ = load(monkeypatch, body, "2024-06-30")
    found = [e for e in errors if msgs([e], "P1")]
    assert len(found) == 1
    assert "100.00" in found[0].message
    assert found[0].source["lineno"] == line_of(body, '"乙"')


def test_p1_student_pay_days_policy(monkeypatch):
    body = '2020-01-01 custom "policy" "student-pay-days" 30\n' + UNPAID
    _, errors, _ = load(monkeypatch, body, "2024-02-10")
    assert len(msgs(errors, "P1")) == 1
    _, errors, _ = load(monkeypatch, body, "2024-02-09")
    assert msgs(errors, "P1") == []


# ----------------------------------------------------------------------------------- P2

P2_BODY = f"""
2024-06-30 * "办公用品"
  {OFFICE}  1000.00 CNY
  {BANK}  -1000.00 CNY
2025-03-01 * "客户" "技术服务"
  {BANK}  5000.00 CNY
  {SALES}  -5000.00 CNY
2025-06-30 * "办公用品"
  {OFFICE}  1000.00 CNY
  {BANK}  -1000.00 CNY
2025-10-31 * "所得税"
  {INCOME_TAX}  100.00 CNY
  {BANK}  -100.00 CNY
"""
# 2024: loss 1000; 2025: 5000 - 1000 - 100 = 3900, after absorbing 1000: owed 2900.00


def treasury_accruals(entries):
    out = {}
    for e in entries:
        if isinstance(e, data.Transaction) and (e.meta or {}).get("generated"):
            for p in e.postings:
                if p.account == TREASURY:
                    out[e.date] = out.get(e.date, Decimal(0)) - p.units.number
    return out


def test_p2_year_end_accrual_after_losses_carried_forward(monkeypatch):
    import datetime
    entries, errors, _ = load(monkeypatch, P2_BODY, "2026-01-15")
    assert msgs(errors, "P2") == []
    assert treasury_accruals(entries) == {datetime.date(2025, 12, 31): Decimal("2900.00")}
    assert balance(entries, APPROP) == Decimal("2900.00")


def test_p2_running_year_is_not_accrued(monkeypatch):
    entries, errors, _ = load(monkeypatch, P2_BODY, "2025-12-31")
    assert treasury_accruals(entries) == {}


def test_p2_unpaid_after_deadline_is_arrears(monkeypatch):
    _, errors, _ = load(monkeypatch, P2_BODY, "2026-05-31")
    assert msgs(errors, "P2") == []
    entries, errors, _ = load(monkeypatch, P2_BODY, "2026-06-01")
    found = [e for e in errors if msgs([e], "P2")]
    assert len(found) == 1
    assert "2025" in found[0].message and "2900.00" in found[0].message
    # pointing at the year's accrual
    assert found[0].source["lineno"] in {
        e.meta["lineno"] for e in entries
        if isinstance(e, data.Transaction) and e.meta.get("generated")
        and any(p.account == TREASURY for p in e.postings)}


def pay_treasury(date, amount, receipt="(2026)0001"):
    return (f'{date} * "上缴国库"\n  receipt: "{receipt}"\n'
            f"  {TREASURY}  {amount} CNY\n  {BANK}  -{amount} CNY\n")


def test_p2_paid_in_time_no_arrears(monkeypatch):
    _, errors, _ = load(monkeypatch, P2_BODY + pay_treasury("2026-05-20", "2900.00"), "2026-12-01")
    assert msgs(errors, "P2") == []


def test_p2_overpayment_is_an_error(monkeypatch):
    _, errors, _ = load(monkeypatch, P2_BODY + pay_treasury("2026-05-20", "3000.00"), "2026-06-15")
    found = msgs(errors, "P2")
    assert len(found) == 1
    assert "100.00" in found[0] or "3000.00" in found[0]


def test_p2_hand_written_credit_is_duplicate_not_doubled(monkeypatch):
    body = P2_BODY + (f'2025-12-31 * "计提应缴利润"\n  {APPROP}  2900.00 CNY\n  {TREASURY}  -2900.00 CNY\n'
                      + pay_treasury("2026-05-20", "2900.00"))
    _, errors, _ = load(monkeypatch, body, "2026-12-01")
    found = msgs(errors, "P2")
    assert len(found) == 1, found
    assert "重复计提" in found[0]
    from reports import remittance  # noqa: F401  (the amount owed is the plugin's only)
    proc = run_cli(["report", "remittance", "--year", "2025", "--format", "json"], body,
                   as_of="2026-12-01")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["owed"] == "2900.00"
    assert report["net_profit"] == "3900.00"
    assert report["losses_absorbed"] == "1000.00"
    assert report["paid_total"] == "0.00"  # paid in 2026
    assert report["arrears_end"] == "2900.00"


def test_p2_remittance_2026_sees_the_payment(monkeypatch, tmp_path):
    body = P2_BODY + pay_treasury("2026-05-20", "2900.00")
    proc = run_cli(["report", "remittance", "--year", "2026", "--format", "json"], body,
                   as_of="2027-01-10")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["arrears_start"] == "2900.00"
    assert report["paid_total"] == "2900.00"
    assert report["owed"] == "0.00"
    assert report["arrears_end"] == "0.00"
    assert report["payments"][0]["receipt"] == "(2026)0001"
    assert report["payments"][0]["amount"] == "2900.00"


def test_p2_treasury_deadline_policy(monkeypatch):
    body = '2020-01-01 custom "policy" "treasury-deadline" "03-31"\n' + P2_BODY
    _, errors, _ = load(monkeypatch, body, "2026-04-01")
    assert len(msgs(errors, "P2")) == 1


# ----------------------------------------------------------------------------------- P9

def q_sales(date, amount, vat):
    total = Decimal(amount) + Decimal(vat)
    return (f'{date} * "客户" "技术服务"\n  {BANK}  {total} CNY\n'
            f"  {SALES}  -{amount} CNY\n  {VAT}  -{vat} CNY\n")


def surcharges(date, city, edu="0.00", ledu="0.00"):
    out = f'{date} * "计提税金及附加"\n'
    total = Decimal(0)
    for acc_e, amt in ((CITY_E, city), (EDU_E, edu), (LEDU_E, ledu)):
        if Decimal(amt):
            out += f"  {acc_e}  {amt} CNY\n"
            total += Decimal(amt)
    for acc_p, amt in ((CITY_P, city), (EDU_P, edu), (LEDU_P, ledu)):
        if Decimal(amt):
            out += f"  {acc_p}  -{amt} CNY\n"
    return out


HALVING = '2023-01-01 custom "policy" "six-taxes-halving" TRUE\n'
# Q1 2024: sales 59313.33 (<= 300000: surcharges exempt), VAT 1779.40
# city tax: 应纳 round(1779.40 x 5%) = 88.97; 减征 round(88.97 x 50%) = round(44.485) = 44.49;
# 应补 88.97 - 44.49 = 44.48
SMALL_Q = q_sales("2024-02-15", "59313.33", "1779.40")


def test_p9_halving_rounding_as_the_return_does(monkeypatch):
    _, errors, _ = load(monkeypatch, HALVING + SMALL_Q + surcharges("2024-03-31", "44.48"), "2024-04-15")
    assert msgs(errors, "P9") == []


def test_p9_halving_44_49_is_wrong(monkeypatch):
    _, errors, _ = load(monkeypatch, HALVING + SMALL_Q + surcharges("2024-03-31", "44.49"), "2024-04-15")
    found = msgs(errors, "P9")
    assert len(found) == 1
    assert "44.48" in found[0]


def test_p9_without_halving_full_city_tax_and_exempt_surcharges(monkeypatch):
    _, errors, _ = load(monkeypatch, SMALL_Q + surcharges("2024-03-31", "88.97"), "2024-04-15")
    assert msgs(errors, "P9") == []


def test_p9_exempt_surcharges_booked_is_an_error(monkeypatch):
    # sales <= 300000 a quarter: 教育费附加 53.38 and 地方教育附加 35.59 are exempt
    _, errors, _ = load(monkeypatch, SMALL_Q + surcharges("2024-03-31", "88.97", "53.38", "35.59"),
                        "2024-04-15")
    assert len(msgs(errors, "P9")) >= 1


# Q2 2024: sales 400000.00 > 300000: no exemption; VAT 12345.67
# city round(617.2835)=617.28, edu round(370.3701)=370.37, local round(246.9134)=246.91
# halving: city 617.28-308.64=308.64, edu 370.37-round(185.185)=370.37-185.19=185.18,
#          local 246.91-round(123.455)=246.91-123.46=123.45
BIG_Q = q_sales("2024-05-10", "400000.00", "12345.67")


def test_p9_above_exemption_full_rates(monkeypatch):
    body = BIG_Q + surcharges("2024-06-30", "617.28", "370.37", "246.91")
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert msgs(errors, "P9") == []


def test_p9_above_exemption_halved(monkeypatch):
    body = HALVING + BIG_Q + surcharges("2024-06-30", "308.64", "185.18", "123.45")
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert msgs(errors, "P9") == []


def test_p9_exemption_boundary_is_inclusive(monkeypatch):
    # exactly 300000.00 of sales in the quarter: exempt (≤)
    body = q_sales("2024-05-10", "300000.00", "9000.00") + surcharges("2024-06-30", "450.00")
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert msgs(errors, "P9") == []
    body = q_sales("2024-05-10", "300000.01", "9000.00") + surcharges("2024-06-30", "450.00")
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert len(msgs(errors, "P9")) >= 1


def test_p9_missing_surcharges_flagged_once_quarter_is_over(monkeypatch):
    _, errors, _ = load(monkeypatch, SMALL_Q, "2024-04-01")
    assert len(msgs(errors, "P9")) >= 1


def test_p9_running_quarter_not_checked(monkeypatch):
    _, errors, _ = load(monkeypatch, SMALL_Q, "2024-03-31")
    assert msgs(errors, "P9") == []


def test_p9_monthly_period_policy(monkeypatch):
    # month: exemption 100000/month; Feb sales 59313.33 exempt; city 88.97 due for February
    body = ('2020-01-01 custom "policy" "tax-period" "month"\n' + SMALL_Q
            + surcharges("2024-02-29", "88.97"))
    _, errors, _ = load(monkeypatch, body, "2024-03-01")
    assert msgs(errors, "P9") == []


# ------------------------------------------------------------------- policy departures

@pytest.mark.parametrize("name,value", [
    ("work-study-share", "0.25"), ("treasury-share", "0.80"), ("edu-surcharge-rate", "0.02"),
    ("local-edu-surcharge-rate", "0.01"), ("surcharge-vocational-share-min", "0.20"),
    ("per-student-funds-min", "1500"), ("apprentice-subsidy-min", "3000"),
    ("training-fund-rate", "0.01"), ("training-frontline-share", "0.50"),
])
def test_policy_departure_without_authority_is_an_error(monkeypatch, name, value):
    body = f'2024-01-01 custom "policy" "{name}" {value}\n'
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert len(errors) == 1, msgs(errors)
    assert name in errors[0].message


@pytest.mark.parametrize("name,value", [
    ("work-study-share", "0.25"), ("treasury-share", "0.80"), ("edu-surcharge-rate", "0.02"),
    ("per-student-funds-min", "1500"), ("training-frontline-share", "0.50"),
])
def test_policy_departure_with_authority_is_accepted(monkeypatch, name, value):
    body = f'2024-01-01 custom "policy" "{name}" {value}\n  authority: "县政府〔2024〕12号"\n'
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors) == []


def test_policy_work_study_share_with_authority_in_force(monkeypatch):
    body = ('2024-01-01 custom "policy" "work-study-share" 0.25\n  authority: "县政府〔2024〕12号"\n'
            + sale("2024-03-05", "1000.00"))
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors) == []
    assert balance(entries, EXPENSE) == Decimal("250.00")


def test_policy_work_study_share_without_authority_not_in_force(monkeypatch):
    body = '2024-01-01 custom "policy" "work-study-share" 0.25\n' + sale("2024-03-05", "1000.00")
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert len(msgs(errors, "P1")) == 1
    assert balance(entries, EXPENSE) == Decimal("200.00")


@pytest.mark.parametrize("name,value", [
    ("work-study-share", "0.15"), ("treasury-share", "1.00"), ("training-fund-rate", "0.03"),
    ("apprentice-subsidy-min", "5000"), ("training-frontline-share", "0.70"),
])
def test_policy_stricter_than_seed_needs_no_authority(monkeypatch, name, value):
    body = f'2024-01-01 custom "policy" "{name}" {value}\n'
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors) == []


def test_policy_value_in_force_is_latest_on_or_before(monkeypatch):
    body = ('2024-03-06 custom "policy" "work-study-share" 0.10\n'
            + sale("2024-03-05", "1000.00") + sale("2024-03-06", "1000.00"))
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors, "P1") == []
    assert balance(entries, EXPENSE) == Decimal("300.00")


# ------------------------------------------------------------------------------- as-of

PIN = '2024-01-01 custom "shixun-option" "as-of" 2024-04-10\n'


def test_as_of_ledger_pin_used_without_env(monkeypatch):
    _, errors, _ = load(monkeypatch, PIN + UNPAID, None)
    assert len(msgs(errors, "P1")) == 1


def test_as_of_env_wins_over_ledger_pin(monkeypatch):
    _, errors, _ = load(monkeypatch, PIN + UNPAID, "2024-04-09")
    assert msgs(errors, "P1") == []


def test_as_of_pin_wins_over_today(monkeypatch):
    # today (2026) is long after; the pin says 2024-04-09: not yet overdue
    pin = '2024-01-01 custom "shixun-option" "as-of" 2024-04-09\n'
    _, errors, _ = load(monkeypatch, pin + UNPAID, None)
    assert msgs(errors, "P1") == []


def test_as_of_defaults_to_today(monkeypatch):
    _, errors, _ = load(monkeypatch, UNPAID, None)  # today is years after 2024-04
    assert len(msgs(errors, "P1")) == 1


# ------------------------------------------------------------------------------ CLI helper

def run_cli(args, body=None, as_of=None, tmp=None, env_extra=None):
    import tempfile
    env = dict(os.environ)
    env["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    env.pop("SHIXUN_AS_OF", None)
    env.pop("SHIXUN_LEDGER", None)
    if env_extra:
        env.update(env_extra)
    cwd = tmp or tempfile.mkdtemp(prefix="spec-")
    if body is not None:
        path = Path(cwd) / "main.beancount"
        if not path.exists():
            path.write_text(ledger_text(body), encoding="utf-8")
    full = [str(SHIXUN)] + list(args)
    if as_of:
        full += ["--as-of", as_of]
    return subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------------------------- P10

FUND = f"""
2024-03-01 custom "fund" "ZX-2024" 10000.00 CNY
  source: "县财政局"
  purpose: "实训耗材"
  allowed: "{MATERIAL}"
  expires: 2024-12-31
2024-03-01 * "县财政局" "拨入专项资金"
  fund: "ZX-2024"
  {BANK}  10000.00 CNY
  {DEFERRED}  -10000.00 CNY
"""


def use(date, amount, account=MATERIAL, fund="ZX-2024"):
    return (f'{date} * "购买耗材"\n  fund: "{fund}"\n'
            f"  {account}  {amount} CNY\n  {BANK}  -{amount} CNY\n")


def release(date, amount, fund="ZX-2024"):
    return (f'{date} * "结转政府补助"\n  fund: "{fund}"\n'
            f"  {DEFERRED}  {amount} CNY\n  {GRANT}  -{amount} CNY\n")


def test_p10_clean_use_and_release(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00") + release("2024-12-31", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_p10_use_on_account_not_allowed(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00", account=OFFICE) + release("2024-12-31", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert len(msgs(errors, "P10")) == 1


def test_p10_use_before_fund_date(monkeypatch):
    body = (FUND + use("2024-02-28", "3000.00") + release("2024-12-31", "3000.00"))
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert len(msgs(errors, "P10")) >= 1


def test_p10_use_after_expiry(monkeypatch):
    body = FUND + use("2025-01-05", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-03-01")
    assert len(msgs(errors, "P10")) >= 1


def test_p10_use_on_expiry_day_is_fine(monkeypatch):
    body = FUND + use("2024-12-31", "3000.00") + release("2024-12-31", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_p10_use_beyond_received(monkeypatch):
    body = FUND + use("2024-04-01", "12000.00") + release("2024-12-31", "10000.00")
    _, errors, _ = load(monkeypatch, body, "2024-06-30")
    found = msgs(errors, "P10")
    assert len(found) == 1
    assert "2000.00" in found[0] or "12000.00" in found[0]


def test_p10_grant_release_missing_once_year_over(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2024-12-31")
    assert msgs(errors, "P10") == []
    _, errors, _ = load(monkeypatch, body, "2025-01-01")
    found = msgs(errors, "P10")
    assert len(found) == 1
    assert "ZX-2024" in found[0] and "2024" in found[0] and "3000.00" in found[0]


def test_p10_grant_release_partial(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00") + release("2024-12-31", "2000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-01")
    found = msgs(errors, "P10")
    assert len(found) == 1
    assert "1000.00" in found[0]


def test_p10_release_is_not_a_use_nor_receipt(monkeypatch):
    # releasing is no use: receipts 10000, uses 10000 → not overdrawn by the release
    body = FUND + use("2024-04-01", "10000.00") + release("2024-12-31", "10000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


# ------------------------------------------------------------------- closing entries

CLOSE_BASE = (sale("2025-03-05", "10000.00") + payout("2025-04-10", "2000.00") + f"""
2025-06-30 * "办公用品"
  {OFFICE}  1000.00 CNY
  {BANK}  -1000.00 CNY
""")
# 2025 net profit: 10000 - 2000 (P1 accrual) - 1000 = 7000.00 owed to the treasury
CLOSE_VIA_3103 = f"""
2025-12-31 * "结转损益"
  {WS_INCOME}  10000.00 CNY
  {EXPENSE}  -2000.00 CNY
  {OFFICE}  -1000.00 CNY
  {THIS_YEAR}  -7000.00 CNY
2025-12-31 * "结转本年利润"
  {THIS_YEAR}  7000.00 CNY
  {UNDIST}  -7000.00 CNY
"""
CLOSE_VIA_3104 = f"""
2025-12-31 * "结转损益"
  {WS_INCOME}  10000.00 CNY
  {EXPENSE}  -2000.00 CNY
  {OFFICE}  -1000.00 CNY
  {UNDIST}  -7000.00 CNY
"""


@pytest.mark.parametrize("closing", [CLOSE_VIA_3103, CLOSE_VIA_3104])
def test_closing_entries_give_the_same_results(monkeypatch, closing):
    plain, plain_errors, _ = load(monkeypatch, CLOSE_BASE, "2026-01-15")
    closed, closed_errors, _ = load(monkeypatch, CLOSE_BASE + closing, "2026-01-15")
    assert msgs(plain_errors, "P1") == [] and msgs(plain_errors, "P2") == []
    assert sorted(msgs(plain_errors)) == sorted(msgs(closed_errors))
    assert treasury_accruals(plain) == treasury_accruals(closed)
    assert list(treasury_accruals(plain).values()) == [Decimal("7000.00")]
    assert balance(closed, EXPENSE, generated_only=True) == Decimal("2000.00")


@pytest.mark.parametrize("closing", [CLOSE_VIA_3103, CLOSE_VIA_3104])
def test_closing_entries_same_reports(closing):
    outs = []
    for body in (CLOSE_BASE, CLOSE_BASE + closing):
        rem = run_cli(["report", "remittance", "--year", "2025", "--format", "json"], body,
                      as_of="2026-01-15")
        inc = run_cli(["report", "income-statement", "--year", "2025", "--format", "json"], body,
                      as_of="2026-01-15")
        bs = run_cli(["report", "balance-sheet", "--date", "2025-12-31", "--format", "json"], body,
                     as_of="2026-01-15")
        for p in (rem, inc, bs):
            assert p.returncode == 0, p.stderr
        rem, inc, bs = json.loads(rem.stdout), json.loads(inc.stdout), json.loads(bs.stdout)
        outs.append((rem["net_profit"], rem["owed"], rem["work_study_income"],
                     rem["student_remuneration"],
                     [(ln["line"], ln["year_to_date"]) for ln in inc["lines"]],
                     [(ln["line"], ln["end"]) for ln in bs["lines"]]))
    assert outs[0] == outs[1]
    assert outs[0][0] == "7000.00" and outs[0][1] == "7000.00"
    assert outs[0][2] == "10000.00" and outs[0][3] == "2000.00"


# ------------------------------------------------------------------------ statements §8

STMT = (P2_BODY + pay_treasury("2026-05-20", "2900.00") + sale("2025-05-05", "1000.00")
        + payout("2025-06-05", "200.00"))
# 2025: 5000 + 1000 - 200 - 1000 - 100 = 4700 net profit; after the 2024 loss: 3700 owed
# bank 2025-12-31: -1000 (2024) + 5000 - 1000 - 100 + 1000 - 200 = 3700.00


def report_json(args, body, as_of="2026-12-01"):
    proc = run_cli(["report"] + args + ["--format", "json"], body, as_of=as_of)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def by_line(doc):
    return {ln["line"]: ln for ln in doc["lines"]}


def test_balance_sheet_json_keys_lines_and_tie_out():
    doc = report_json(["balance-sheet", "--date", "2025-12-31"], STMT)
    assert {"date", "unit", "lines"} <= set(doc)
    assert doc["date"] == "2025-12-31"
    lines = by_line(doc)
    assert sorted(lines) == list(range(1, 54))
    for ln in doc["lines"]:
        assert {"line", "label", "end", "begin"} <= set(ln)
        assert re.fullmatch(r"-?\d+\.\d\d", ln["end"]) and re.fullmatch(r"-?\d+\.\d\d", ln["begin"])
    assert lines[1]["label"] == "货币资金"
    assert lines[30]["label"] == "资产总计"
    assert lines[31]["label"] == "短期借款"
    assert lines[53]["label"].startswith("负债和所有者权益") and lines[53]["label"].endswith("总计")
    assert lines[1]["end"] == "3700.00"
    assert lines[1]["begin"] == "-1000.00"
    assert lines[30]["end"] == lines[53]["end"]
    assert lines[30]["begin"] == lines[53]["begin"]


def test_balance_sheet_default_date_is_year_end():
    doc = report_json(["balance-sheet", "--year", "2025"], STMT)
    assert doc["date"] == "2025-12-31"


def test_income_statement_json_keys_and_net_profit_equals_remittance():
    doc = report_json(["income-statement", "--year", "2025"], STMT)
    assert {"year", "month", "unit", "lines"} <= set(doc)
    lines = by_line(doc)
    assert sorted(lines) == list(range(1, 33))
    for ln in doc["lines"]:
        assert {"line", "label", "year_to_date", "month"} <= set(ln)
    assert "营业收入" in lines[1]["label"]
    assert "净利润" in lines[32]["label"]
    assert lines[1]["year_to_date"] == "6000.00"
    assert lines[32]["year_to_date"] == "4700.00"
    assert lines[32]["month"] == "0.00"  # December: nothing booked
    rem = report_json(["remittance", "--year", "2025"], STMT)
    assert rem["net_profit"] == lines[32]["year_to_date"]
    assert rem["owed"] == "3700.00"


def test_income_statement_month():
    doc = report_json(["income-statement", "--year", "2025", "--month", "3"], STMT)
    lines = by_line(doc)
    assert doc["month"] in (3, "3")
    assert lines[1]["month"] == "5000.00"
    assert lines[1]["year_to_date"] == "5000.00"


def test_cash_flow_json_keys_lines_and_tie_out():
    doc = report_json(["cash-flow", "--year", "2026"], STMT)
    assert {"year", "month", "unit", "lines"} <= set(doc)
    lines = by_line(doc)
    assert sorted(lines) == list(range(1, 23))
    for ln in doc["lines"]:
        assert {"line", "label", "year_to_date", "month"} <= set(ln)
    assert lines[18]["year_to_date"] == "2900.00"  # 上缴国库 = 分配利润支付的现金
    assert lines[21]["year_to_date"] == "3700.00"
    assert lines[22]["year_to_date"] == "800.00"
    assert lines[20]["year_to_date"] == "-2900.00"


def test_cash_flow_2025():
    doc = report_json(["cash-flow", "--year", "2025"], STMT)
    lines = by_line(doc)
    assert lines[1]["year_to_date"] == "6000.00"
    assert lines[20]["year_to_date"] == "4700.00"
    assert lines[21]["year_to_date"] == "-1000.00"
    assert lines[22]["year_to_date"] == "3700.00"


def test_account_balances_json_keys_and_identity():
    doc = report_json(["account-balances", "--from", "2025-01-01", "--to", "2025-12-31"], STMT)
    assert {"from", "to", "unit", "accounts", "totals"} <= set(doc)
    keys = {"opening_debit", "opening_credit", "period_debit", "period_credit", "ytd_debit",
            "ytd_credit", "closing_debit", "closing_credit"}
    assert keys <= set(doc["totals"])
    codes = []
    for a in doc["accounts"]:
        assert {"code", "name", "account", "level"} | keys <= set(a)
        d = {k: Decimal(a[k]) for k in keys}
        assert (d["opening_debit"] - d["opening_credit"] + d["period_debit"] - d["period_credit"]
                == d["closing_debit"] - d["closing_credit"]), a
        codes.append(a["code"])
    assert "1002" in codes and "100201" in codes
    bank = [a for a in doc["accounts"] if a["code"] == "100201"][0]
    assert bank["opening_credit"] == "1000.00" and bank["closing_debit"] == "3700.00"


def test_account_book_json_keys():
    doc = report_json(["account-book", "--account", "1002", "--from", "2025-01-01",
                       "--to", "2025-12-31"], STMT)
    assert {"account", "code", "name", "rows"} <= set(doc)
    kinds = {r["kind"] for r in doc["rows"]}
    assert kinds <= {"opening", "entry", "month_total", "year_total"}
    assert {"opening", "entry", "month_total", "year_total"} <= kinds
    for r in doc["rows"]:
        assert {"date", "voucher", "summary", "debit", "credit", "direction", "balance", "kind"} <= set(r)
        assert r["direction"] in ("借", "贷", "平")
    assert doc["rows"][0]["kind"] == "opening"
    assert doc["rows"][0]["direction"] == "贷"
    assert doc["rows"][-1]["balance"] in ("3700.00",)


def test_vouchers_json_keys():
    doc = report_json(["vouchers", "--from", "2025-01-01", "--to", "2025-12-31"], STMT)
    assert doc["vouchers"]
    for v in doc["vouchers"]:
        assert {"voucher", "date", "attachments", "lines", "total_debit", "total_credit",
                "total_capital"} <= set(v)
        assert v["total_debit"] == v["total_credit"]
        for ln in v["lines"]:
            assert {"summary", "account", "code", "debit", "credit"} <= set(ln)


# -------------------------------------------------------------------------------- seal §4

SEAL_BASE = f"""
2024-06-15 * "办公用品"
  voucher: "记-2024-06-0001"
  {OFFICE}  100.00 CNY
  {BANK}  -100.00 CNY
2024-07-15 * "办公用品"
  voucher: "记-2024-07-0001"
  {OFFICE}  200.00 CNY
  {BANK}  -200.00 CNY
2025-02-10 * "办公用品"
  voucher: "记-2025-02-0001"
  {OFFICE}  50.00 CNY
  {BANK}  -50.00 CNY
"""


def write_ledger(tmp_path, body):
    path = tmp_path / "main.beancount"
    path.write_text(ledger_text(body), encoding="utf-8")
    return path


def shixun(args, tmp_path, as_of):
    return run_cli(list(args), None, as_of=as_of, tmp=str(tmp_path))


def no_traceback(proc):
    assert "Traceback" not in proc.stdout + proc.stderr


def test_seal_clean_year_then_check_passes(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = path.read_text(encoding="utf-8")
    assert re.search(r'custom "seal" "2024"', text)
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_seal_change_after_sealing_names_the_record(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("200.00 CNY", "260.00 CNY").replace("-200.00 CNY", "-260.00 CNY"),
                    encoding="utf-8")
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "2024-07-15" in out and "记-2024-07-0001" in out


def test_seal_new_entry_inside_sealed_year_is_an_error(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    with path.open("a", encoding="utf-8") as f:
        f.write(f'\n2024-11-11 * "补记"\n  voucher: "记-2024-11-0001"\n'
                f"  {OFFICE}  10.00 CNY\n  {BANK}  -10.00 CNY\n")
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "2024-11-11" in out and "记-2024-11-0001" in out


def test_seal_not_refused_by_a_later_years_error(tmp_path):
    body = SEAL_BASE + payout("2025-02-20", "30.00")  # P1 error dated 2025
    path = write_ledger(tmp_path, body)
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'custom "seal" "2024"' in path.read_text(encoding="utf-8")


def test_seal_refused_by_an_error_of_that_year(tmp_path):
    body = SEAL_BASE + payout("2024-08-20", "30.00")  # P1 error dated 2024
    path = write_ledger(tmp_path, body)
    before = path.read_text(encoding="utf-8")
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode != 0
    assert "P1" in proc.stdout + proc.stderr
    assert path.read_text(encoding="utf-8") == before


def test_seal_refused_by_an_error_of_an_earlier_year(tmp_path):
    body = SEAL_BASE + payout("2023-08-20", "30.00")
    path = write_ledger(tmp_path, body)
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode != 0


def test_seal_refused_while_the_year_runs(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    proc = shixun(["seal", "--year", "2025", str(path)], tmp_path, "2025-12-31")
    no_traceback(proc)
    assert proc.returncode != 0
    assert 'custom "seal"' not in path.read_text(encoding="utf-8")


def test_seal_earlier_year_not_refused_by_grant_release_error_of_later_year(tmp_path):
    # The fund is declared and received in 2023, used in 2024 with no release: the P10
    # error concerns 2024 (SPEC §2: "naming the fund, the year and the amount"), so it
    # does not refuse sealing 2023.
    body = f"""
2023-11-01 custom "fund" "ZX-2023" 10000.00 CNY
  source: "县财政局"
  purpose: "实训耗材"
  allowed: "{MATERIAL}"
  expires: 2025-12-31
2023-11-01 * "县财政局" "拨入专项资金"
  fund: "ZX-2023"
  {BANK}  10000.00 CNY
  {DEFERRED}  -10000.00 CNY
""" + use("2024-04-01", "3000.00", fund="ZX-2023") + SEAL_BASE
    path = write_ledger(tmp_path, body)
    proc = shixun(["seal", "--year", "2023", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode != 0
    assert "P10" in proc.stdout + proc.stderr


# ------------------------------------------------------------------------- CLI contract

COMMANDS = [
    ["check"], ["audit"], ["seal"], ["serve"], ["gen-ledger"], ["import", "extract"],
    ["user", "add"], ["report", "remittance"], ["report", "students"], ["report", "funds"],
    ["report", "balance-sheet"], ["report", "income-statement"], ["report", "cash-flow"],
    ["report", "account-balances"], ["report", "account-book"], ["report", "vouchers"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c))
def test_cli_every_command_takes_as_of(cmd, tmp_path):
    proc = run_cli(cmd + ["--help"], tmp=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "--as-of" in proc.stdout


def one_line_chinese_error(proc):
    no_traceback(proc)
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert err, proc.stdout
    assert len(err.splitlines()) == 1, err
    assert re.search(r"[\u4e00-\u9fff]", err), err


def test_cli_missing_ledger_is_a_chinese_one_liner(tmp_path):
    proc = run_cli(["check", str(tmp_path / "nope.beancount")], tmp=str(tmp_path))
    one_line_chinese_error(proc)


def test_cli_bad_as_of_is_a_chinese_one_liner(tmp_path):
    write_ledger(tmp_path, SEAL_BASE)
    proc = run_cli(["check", "main.beancount"], tmp=str(tmp_path), as_of="2025-13-01")
    one_line_chinese_error(proc)


def test_cli_bad_report_date_is_a_chinese_one_liner(tmp_path):
    write_ledger(tmp_path, SEAL_BASE)
    proc = run_cli(["report", "balance-sheet", "main.beancount", "--date", "2025-02-30",
                    "--format", "json"], tmp=str(tmp_path))
    one_line_chinese_error(proc)


def test_cli_bad_month_is_a_chinese_one_liner(tmp_path):
    write_ledger(tmp_path, SEAL_BASE)
    proc = run_cli(["report", "income-statement", "main.beancount", "--year", "2025",
                    "--month", "13", "--format", "json"], tmp=str(tmp_path))
    one_line_chinese_error(proc)


def test_cli_unknown_format_is_a_chinese_one_liner(tmp_path):
    write_ledger(tmp_path, SEAL_BASE)
    proc = run_cli(["report", "balance-sheet", "main.beancount", "--date", "2025-12-31",
                    "--format", "pdfx"], tmp=str(tmp_path))
    one_line_chinese_error(proc)


def test_cli_check_groups_errors_by_clause_with_file_line(tmp_path):
    body = SEAL_BASE + payout("2024-08-20", "30.00")
    path = write_ledger(tmp_path, body)
    proc = run_cli(["check", str(path)], tmp=str(tmp_path), as_of="2025-03-01")
    no_traceback(proc)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "P1" in out
    assert f"main.beancount:{line_of(body, '2024-08-20 *')}" in out


def test_cli_check_clean_ledger_exit_0_and_names_ledger(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    proc = run_cli(["check", str(path)], tmp=str(tmp_path), as_of="2025-03-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "main.beancount" in proc.stdout + proc.stderr


def test_cli_ledger_from_env_variable(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE + payout("2024-08-20", "30.00"))
    other = tmp_path / "elsewhere"
    other.mkdir()
    proc = run_cli(["check"], tmp=str(other), as_of="2025-03-01",
                   env_extra={"SHIXUN_LEDGER": str(path)})
    assert proc.returncode == 1
    assert str(path) in proc.stdout + proc.stderr or "main.beancount" in proc.stdout + proc.stderr


def test_cli_broken_ledger_exits_nonzero_in_chinese(tmp_path):
    path = tmp_path / "main.beancount"
    path.write_text(HEADER + "2024-01-01 * \"坏\"\n  Assets:不合法  10 CNY\n", encoding="utf-8")
    proc = run_cli(["check", str(path)], tmp=str(tmp_path), as_of="2025-03-01")
    no_traceback(proc)
    assert proc.returncode != 0


def test_cli_as_of_option_judges_deadlines(tmp_path):
    path = write_ledger(tmp_path, UNPAID)
    assert run_cli(["check", str(path)], tmp=str(tmp_path), as_of="2024-04-09").returncode == 0
    assert run_cli(["check", str(path)], tmp=str(tmp_path), as_of="2024-04-10").returncode == 1


def test_cli_ledger_pin_is_shown_on_reports(tmp_path):
    path = write_ledger(tmp_path, '2024-01-01 custom "shixun-option" "as-of" 2025-03-01\n' + SEAL_BASE)
    out = tmp_path / "bs.html"
    proc = run_cli(["report", "balance-sheet", str(path), "--date", "2024-12-31", "--format", "html",
                    "-o", str(out)], tmp=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "账本设定" in out.read_text(encoding="utf-8")


# ------------------------------------------------------------------- more, by clause

@pytest.mark.parametrize("name,value,clause", [
    ("work-study-share", "0.25", "P1"), ("treasury-share", "0.80", "P2"),
    ("edu-surcharge-rate", "0.02", "P9"), ("local-edu-surcharge-rate", "0.01", "P9"),
    ("city-tax-rate", "0.03", "P9"), ("surcharge-vocational-share-min", "0.20", "P4"),
    ("per-student-funds-min", "1500", "P7"), ("apprentice-subsidy-min", "3000", "P6"),
    ("training-fund-rate", "0.01", "P5"), ("training-frontline-share", "0.50", "P5"),
])
def test_policy_departure_is_an_error_of_its_clause(monkeypatch, name, value, clause):
    body = f'2024-01-01 custom "policy" "{name}" {value}\n'
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert len(msgs(errors, clause)) == 1, msgs(errors)


@pytest.mark.parametrize("value", ["0.07", "0.05", "0.01"])
def test_policy_national_city_tax_rates_need_no_authority(monkeypatch, value):
    body = f'2024-01-01 custom "policy" "city-tax-rate" {value}\n'
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors) == []


def test_p2_treasury_share_with_authority_applies(monkeypatch):
    body = ('2020-01-01 custom "policy" "treasury-share" 0.80\n  authority: "县政府〔2020〕3号"\n'
            + P2_BODY)
    entries, errors, _ = load(monkeypatch, body, "2026-01-15")
    assert msgs(errors, "P2") == []
    assert list(treasury_accruals(entries).values()) == [Decimal("2320.00")]


def test_p2_treasury_share_without_authority_not_in_force(monkeypatch):
    body = '2020-01-01 custom "policy" "treasury-share" 0.80\n' + P2_BODY
    entries, errors, _ = load(monkeypatch, body, "2026-01-15")
    assert len(msgs(errors, "P2")) == 1
    assert list(treasury_accruals(entries).values()) == [Decimal("2900.00")]


def test_p2_without_loss_carryforward(monkeypatch):
    body = '2020-01-01 custom "policy" "loss-carryforward" FALSE\n' + P2_BODY
    entries, errors, _ = load(monkeypatch, body, "2026-01-15")
    assert list(treasury_accruals(entries).values()) == [Decimal("3900.00")]


def test_p2_loss_year_owes_nothing(monkeypatch):
    entries, errors, _ = load(monkeypatch, P2_BODY, "2025-01-15")
    assert treasury_accruals(entries) == {}
    assert msgs(errors, "P2") == []


def test_p2_partial_payment_leaves_arrears(monkeypatch):
    body = P2_BODY + pay_treasury("2026-05-20", "2000.00")
    _, errors, _ = load(monkeypatch, body, "2026-06-01")
    found = msgs(errors, "P2")
    assert len(found) == 1
    assert "900.00" in found[0] and "2025" in found[0]


def test_p2_net_profit_after_student_remuneration_and_surcharges(monkeypatch):
    # 2024: work-study 10000 (student share 2000), VAT 300 → city tax 15.00 (sales ≤ 300000:
    # surcharges exempt), income tax 100: net 10000 - 2000 - 15 - 100 = 7885.00
    body = (f'2024-03-05 * "客户" "勤工俭学"\n  {BANK}  10300.00 CNY\n  {WS_INCOME}  -10000.00 CNY\n'
            f"  {VAT}  -300.00 CNY\n"
            + payout("2024-03-20", "2000.00") + surcharges("2024-03-31", "15.00")
            + f'2024-12-20 * "所得税"\n  {INCOME_TAX}  100.00 CNY\n  {BANK}  -100.00 CNY\n')
    entries, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P1") == [] and msgs(errors, "P2") == [] and msgs(errors, "P9") == []
    assert list(treasury_accruals(entries).values()) == [Decimal("7885.00")]


def test_p10_posting_level_fund_meta(monkeypatch):
    body = FUND + (f'2024-04-01 * "购买耗材"\n  {MATERIAL}  3000.00 CNY\n    fund: "ZX-2024"\n'
                   f"  {OFFICE}  500.00 CNY\n  {BANK}  -3500.00 CNY\n") + release("2024-12-31", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_p10_fixed_asset_use_needs_no_same_year_release(monkeypatch):
    body = FUND.replace(f'allowed: "{MATERIAL}"', f'allowed: "{MATERIAL},{EQUIP}"') + use(
        "2024-04-01", "3000.00", account=EQUIP)
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_p10_release_counts_in_net_profit(monkeypatch):
    # 2024: grant released 3000, material 3000: net 0 → nothing owed
    body = FUND + use("2024-04-01", "3000.00") + release("2024-12-31", "3000.00")
    entries, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert treasury_accruals(entries) == {}


def test_balance_sheet_lines_of_the_form():
    doc = report_json(["balance-sheet", "--date", "2025-12-31"], STMT)
    lines = by_line(doc)
    assert lines[38]["end"] == "3700.00"  # 应付利润
    assert "应付利润" in lines[38]["label"]
    assert lines[39]["end"] == "0.00"  # 其他应付款: students paid
    assert "未分配利润" in lines[51]["label"]
    assert lines[51]["end"] == "0.00" and lines[51]["begin"] == "-1000.00"
    assert lines[47]["end"] == "3700.00"  # 负债合计
    assert lines[53]["end"] == "3700.00" and lines[53]["begin"] == "-1000.00"


def test_income_statement_lines_of_the_form():
    doc = report_json(["income-statement", "--year", "2025"], STMT)
    lines = by_line(doc)
    assert lines[2]["year_to_date"] == "200.00"  # 营业成本: student remuneration
    assert lines[14]["year_to_date"] == "1000.00"  # 管理费用
    assert lines[21]["year_to_date"] == "4800.00"  # 营业利润
    assert lines[30]["year_to_date"] == "4800.00"  # 利润总额
    assert lines[31]["year_to_date"] == "100.00"  # 所得税费用
    assert lines[32]["year_to_date"] == "4700.00"


def test_income_statement_grant_line():
    body = FUND + use("2024-04-01", "3000.00") + release("2024-12-31", "3000.00")
    doc = report_json(["income-statement", "--year", "2024"], body, as_of="2025-01-15")
    lines = by_line(doc)
    assert lines[22]["year_to_date"] == "3000.00"  # 营业外收入
    assert lines[23]["year_to_date"] == "3000.00"  # 其中: 政府补助
    assert lines[32]["year_to_date"] == "0.00"


def test_cash_flow_2026_financing():
    doc = report_json(["cash-flow", "--year", "2026"], STMT)
    lines = by_line(doc)
    assert lines[19]["year_to_date"] == "-2900.00"
    assert lines[7]["year_to_date"] == "0.00"


@pytest.mark.parametrize("amount,capital", [
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("2900.00", "贰仟玖佰元整"),
])
def test_remittance_owed_capital(amount, capital):
    body = f'2025-03-01 * "客户" "技术服务"\n  {BANK}  {amount} CNY\n  {SALES}  -{amount} CNY\n'
    rem = report_json(["remittance", "--year", "2025"], body, as_of="2026-01-15")
    assert rem["owed"] == amount
    assert rem["owed_capital"].removeprefix("人民币") == capital
    for key in ("year", "unit", "income_total", "work_study_income", "student_remuneration",
                "net_profit", "losses_absorbed", "owed", "arrears_start", "payments", "paid_total",
                "arrears_end", "owed_capital"):
        assert key in rem


def test_seal_removed_record_is_named(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    text = path.read_text(encoding="utf-8")
    start = text.index('2024-06-15 *')
    end = text.index('2024-07-15 *')
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "2024-06-15" in out and "记-2024-06-0001" in out


def test_seal_unaffected_by_later_year_entries(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    with path.open("a", encoding="utf-8") as f:
        f.write(f'\n2025-03-11 * "办公用品"\n  {OFFICE}  10.00 CNY\n  {BANK}  -10.00 CNY\n')
    proc = shixun(["check", str(path)], tmp_path, "2025-03-20")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cli_import_unrecognised_file_is_an_error(tmp_path):
    bad = tmp_path / "随便.txt"
    bad.write_text("hello\n", encoding="utf-8")
    proc = run_cli(["import", "extract", str(bad)], tmp=str(tmp_path))
    no_traceback(proc)
    assert proc.returncode != 0
    assert re.search(r"[\u4e00-\u9fff]", proc.stderr)


def test_cli_bundled_example_is_said_loudly(tmp_path):
    proc = run_cli(["check"], tmp=str(tmp_path), as_of="2026-01-15")
    no_traceback(proc)
    assert "示例" in proc.stdout + proc.stderr


# ------------------------------------------------------------------- probes, round 3

def test_p1_sub_account_of_work_study_income_accrues(monkeypatch):
    sub = WS_INCOME + ":馕坊"
    body = (f"2020-01-01 open {sub} CNY\n"
            + sale("2024-03-05", "1000.00", account=sub))
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors, "P1") == []
    assert balance(entries, EXPENSE) == Decimal("200.00")


def test_p1_rounding_is_per_transaction_not_per_posting(monkeypatch):
    # one sale, two income postings: 0.15 × (100.30 + 100.30) = 30.09 (per transaction)
    body = (f'2024-03-05 * "客户" "两种产品"\n  student-share: 0.15\n  {BANK}  200.60 CNY\n'
            f"  {WS_INCOME}  -100.30 CNY\n  {WS_INCOME}  -100.30 CNY\n")
    entries, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert msgs(errors, "P1") == []
    assert balance(entries, EXPENSE) == Decimal("30.09")


def test_p2_hand_written_credit_next_year_is_duplicate_not_doubled(monkeypatch):
    body = P2_BODY + (f'2026-01-10 * "计提应缴利润"\n  {APPROP}  2900.00 CNY\n  {TREASURY}  -2900.00 CNY\n'
                      + pay_treasury("2026-05-20", "2900.00"))
    _, errors, _ = load(monkeypatch, body, "2026-06-15")
    found = msgs(errors, "P2")
    assert len(found) == 1, found
    assert "重复计提" in found[0]


def test_p9_closing_entry_does_not_change_the_check(monkeypatch):
    closing = f"""
2024-06-30 * "结转损益"
  {SALES}  400000.00 CNY
  {CITY_E}  -617.28 CNY
  {EDU_E}  -370.37 CNY
  {LEDU_E}  -246.91 CNY
  {THIS_YEAR}  -398765.44 CNY
"""
    body = BIG_Q + surcharges("2024-06-30", "617.28", "370.37", "246.91") + closing
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert msgs(errors, "P9") == []


MONTHLY_CLOSE = f"""
2025-03-31 * "结转损益"
  {WS_INCOME}  10000.00 CNY
  {EXPENSE}  -2000.00 CNY
  {THIS_YEAR}  -8000.00 CNY
2025-06-30 * "结转损益"
  {OFFICE}  -1000.00 CNY
  {THIS_YEAR}  1000.00 CNY
2025-12-31 * "结转本年利润"
  {THIS_YEAR}  7000.00 CNY
  {UNDIST}  -7000.00 CNY
"""


def test_closing_monthly_same_income_statement_month():
    outs = []
    for body in (CLOSE_BASE, CLOSE_BASE + MONTHLY_CLOSE):
        doc = report_json(["income-statement", "--year", "2025", "--month", "3"], body, as_of="2026-01-15")
        outs.append([(ln["line"], ln["year_to_date"], ln["month"]) for ln in doc["lines"]])
    assert outs[0] == outs[1]
    assert by_line({"lines": [dict(line=a, year_to_date=b, month=c) for a, b, c in outs[0]]})[1]["month"] \
        == "10000.00"


@pytest.mark.parametrize("closing", [CLOSE_VIA_3103, MONTHLY_CLOSE])
def test_closing_same_income_and_expense_rows_in_account_balances(closing):
    outs = []
    for body in (CLOSE_BASE, CLOSE_BASE + closing):
        doc = report_json(["account-balances", "--from", "2025-01-01", "--to", "2025-12-31"], body,
                          as_of="2026-01-15")
        outs.append({a["code"]: a for a in doc["accounts"] if a["code"][:1] in ("5",)})
    assert outs[0] == outs[1]


def test_closing_same_remittance_income_total():
    outs = []
    for body in (CLOSE_BASE, CLOSE_BASE + CLOSE_VIA_3103):
        rem = report_json(["remittance", "--year", "2025"], body, as_of="2026-01-15")
        outs.append(rem)
    for key in ("income_total", "work_study_income", "student_remuneration", "net_profit", "owed"):
        assert outs[0][key] == outs[1][key], key
    assert outs[0]["income_total"] == "10000.00"


def test_income_statement_month_defaults_to_12():
    doc = report_json(["income-statement", "--year", "2025"], STMT)
    assert str(doc["month"]) == "12"
    assert str(doc["year"]) == "2025"


CASH = "Assets:1001-库存现金"


def test_cash_flow_transfer_between_monetary_accounts_is_no_flow():
    body = f"2020-01-01 open {CASH} CNY\n" + STMT + (
        f'2025-07-01 * "提取备用金"\n  {CASH}  500.00 CNY\n  {BANK}  -500.00 CNY\n')
    doc = report_json(["cash-flow", "--year", "2025"], body)
    lines = by_line(doc)
    assert lines[20]["year_to_date"] == "4700.00"
    assert lines[22]["year_to_date"] == "3700.00"
    bs = by_line(report_json(["balance-sheet", "--date", "2025-12-31"], body))
    assert bs[1]["end"] == "3700.00"


def test_account_balances_codes_in_chart_order_all_levels():
    doc = report_json(["account-balances", "--from", "2025-01-01", "--to", "2025-12-31"], STMT)
    codes = [a["code"] for a in doc["accounts"]]
    assert codes == sorted(codes)
    levels = {a["code"]: a["level"] for a in doc["accounts"]}
    assert levels["1002"] == 1 and levels["100201"] == 2
    assert "2232" in levels and "223201" in levels


# ------------------------------------------------------------------- probes, round 4

def test_seal_change_says_what_changed(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("200.00 CNY", "260.00 CNY"), encoding="utf-8")
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode == 1
    out = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "记-2024-07-0001" in ln]
    assert out
    assert any(w in out[0] for w in ("260.00", "200.00", "金额", "分录", "过账", "科目")), out[0]


@pytest.mark.parametrize("directive", [
    '2024-05-01 open Assets:1122-应收账款 CNY\n',
    '2024-05-01 custom "policy" "student-pay-days" 60\n',
    '2024-05-01 note Assets:1002-银行存款:100201-农商银行基本户 "补记说明"\n',
])
def test_seal_new_directive_inside_sealed_year_is_an_error(tmp_path, directive):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + directive)
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode == 1
    assert "2024-05-01" in proc.stdout + proc.stderr


def test_p10_release_in_next_year_does_not_count(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00") + release("2025-01-10", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-02-01")
    found = msgs(errors, "P10")
    assert len(found) == 1 and "3000.00" in found[0] and "2024" in found[0]


def test_p10_release_without_fund_meta_does_not_count(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00") + (
        f'2024-12-31 * "结转政府补助"\n  {DEFERRED}  3000.00 CNY\n  {GRANT}  -3000.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert len(msgs(errors, "P10")) == 1


def test_p10_release_named_by_income_meta(monkeypatch):
    special = "Income:5301-营业外收入:530103-政府补助-专项"
    fund = FUND.replace('  expires: 2024-12-31\n', f'  expires: 2024-12-31\n  income: "{special}"\n')
    body = f"2020-01-01 open {special} CNY\n" + fund + use("2024-04-01", "3000.00") + (
        f'2024-12-31 * "结转政府补助"\n  fund: "ZX-2024"\n  {DEFERRED}  3000.00 CNY\n'
        f"  {special}  -3000.00 CNY\n")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_p10_receipt_same_day_as_use(monkeypatch):
    body = FUND + use("2024-03-01", "3000.00") + release("2024-12-31", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_as_of_pin_in_report_json(tmp_path):
    path = write_ledger(tmp_path, '2024-01-01 custom "shixun-option" "as-of" 2025-03-01\n' + SEAL_BASE)
    proc = run_cli(["report", "balance-sheet", str(path), "--date", "2024-12-31", "--format", "json"],
                   tmp=str(tmp_path))
    assert proc.returncode == 0
    assert "账本设定" in proc.stdout + proc.stderr
    assert "2025-03-01" in proc.stdout + proc.stderr


# -------------------------------------------------------------- students report (P1/P11)

STUDENTS = sale("2024-03-05", "1000.00") + "".join(
    f'2024-03-{d} custom "work-hours" "2024{d}" 10\n  base: "馕坊"\n' for d in ("10", "11", "12"))


def test_students_report_pool_is_the_accrued_share_under_plugins_all():
    doc = report_json(["students", "--from", "2024-03-01", "--to", "2024-03-31"], STUDENTS,
                      as_of="2024-04-01")
    assert doc["pool"] == "200.00"
    allocated = sorted(Decimal(s["allocated"]) for s in doc["students"])
    assert allocated == [Decimal("66.66"), Decimal("66.67"), Decimal("66.67")]


def test_students_report_allocation_sums_to_pool():
    doc = report_json(["students", "--from", "2024-03-01", "--to", "2024-03-31"], STUDENTS,
                      as_of="2024-04-01")
    total = sum(Decimal(s["allocated"]) for s in doc["students"])
    assert total + Decimal(doc["unallocated"]) == Decimal(doc["pool"])


def test_p10_release_to_a_non_grant_5301_account_is_no_release(monkeypatch):
    body = FUND + use("2024-04-01", "3000.00") + (
        f'2024-12-31 * "结转"\n  fund: "ZX-2024"\n  {DEFERRED}  3000.00 CNY\n  {SUBSIDY}  -3000.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    found = msgs(errors, "P10")
    assert len(found) == 1 and "3000.00" in found[0]


def test_income_statement_grant_line_only_for_the_grant_account():
    body = FUND + use("2024-04-01", "3000.00") + (
        f'2024-12-31 * "结转"\n  fund: "ZX-2024"\n  {DEFERRED}  3000.00 CNY\n  {SUBSIDY}  -3000.00 CNY\n')
    lines = by_line(report_json(["income-statement", "--year", "2024"], body, as_of="2025-01-15"))
    assert lines[22]["year_to_date"] == "3000.00" and lines[23]["year_to_date"] == "0.00"


# ------------------------------------------------------------------- regression, round 5

@pytest.mark.parametrize("closing", [CLOSE_VIA_3103, MONTHLY_CLOSE])
def test_closing_same_audit_findings_and_account_book(closing):
    outs = []
    for body in (CLOSE_BASE, CLOSE_BASE + closing):
        proc = run_cli(["audit", "--year", "2025", "--format", "json"], body, as_of="2026-01-15")
        assert proc.returncode == 0, proc.stderr
        audit = json.loads(proc.stdout)
        book = report_json(["account-book", "--account", "500101", "--from", "2025-01-01",
                            "--to", "2025-12-31"], body, as_of="2026-01-15")
        bs = report_json(["balance-sheet", "--date", "2025-06-30"], body, as_of="2026-01-15")
        outs.append((sorted((f["test"], f["date"], f["amount"]) for f in audit["findings"]),
                     [(r["kind"], r["date"], r["debit"], r["credit"], r["balance"]) for r in book["rows"]],
                     [(ln["line"], ln["end"]) for ln in bs["lines"]]))
    assert outs[0] == outs[1]


def test_cli_as_of_wins_over_ledger_pin(tmp_path):
    pin = '2024-01-01 custom "shixun-option" "as-of" 2024-04-09\n'
    path = write_ledger(tmp_path, pin + UNPAID)
    assert run_cli(["check", str(path)], tmp=str(tmp_path)).returncode == 0
    assert run_cli(["check", str(path)], tmp=str(tmp_path), as_of="2024-04-10").returncode == 1


def test_p9_vat_payment_is_not_next_quarters_base(monkeypatch):
    body = SMALL_Q + surcharges("2024-03-31", "88.97") + (
        f'2024-04-15 * "缴纳增值税"\n  {VAT}  1779.40 CNY\n  {BANK}  -1779.40 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert msgs(errors, "P9") == []


def test_p9_exemption_threshold_policy(monkeypatch):
    # 50000 a month → 150000 a quarter; 200000 of sales is not exempt: VAT 6000 →
    # city 300.00, edu 180.00, local 120.00
    body = ('2020-01-01 custom "policy" "surcharge-exempt-monthly-sales" 50000\n'
            + q_sales("2024-05-10", "200000.00", "6000.00"))
    _, errors, _ = load(monkeypatch, body + surcharges("2024-06-30", "300.00", "180.00", "120.00"),
                        "2024-07-15")
    assert msgs(errors, "P9") == []
    _, errors, _ = load(monkeypatch, body + surcharges("2024-06-30", "300.00"), "2024-07-15")
    assert len(msgs(errors, "P9")) == 2


def test_p9_sales_return_lowers_the_base(monkeypatch):
    # Q2: VAT 12345.67 then a return of 1000 with its 30.00 VAT: base 12315.67 → city 615.78
    body = BIG_Q + (f'2024-05-20 * "客户" "退货"\n  {SALES}  1000.00 CNY\n  {VAT}  30.00 CNY\n'
                    f"  {BANK}  -1030.00 CNY\n")
    # sales 399000.00 > 300000: edu round(369.4701)=369.47, local round(246.3134)=246.31
    _, errors, _ = load(monkeypatch, body + surcharges("2024-06-30", "615.78", "369.47", "246.31"),
                        "2024-07-15")
    assert msgs(errors, "P9") == []


FAMILY_HEADER = HEADER.replace('plugin "plugins.all"', 'plugin "plugins.work_study"')


def test_family_plugin_on_its_own(monkeypatch):
    monkeypatch.setenv("SHIXUN_AS_OF", "2024-03-31")
    body = sale("2024-03-05", "1000.00") + payout("2024-03-10", "250.00")
    entries, errors, _ = loader.load_string(FAMILY_HEADER + body)
    assert balance(entries, EXPENSE) == Decimal("200.00")
    assert len(msgs(errors, "P1")) == 1


def test_p2_losses_absorbed_over_several_years(monkeypatch):
    import datetime
    body = f"""
2023-06-30 * "办公用品"
  {OFFICE}  5000.00 CNY
  {BANK}  -5000.00 CNY
2024-03-01 * "客户" "技术服务"
  {BANK}  3000.00 CNY
  {SALES}  -3000.00 CNY
2025-03-01 * "客户" "技术服务"
  {BANK}  3900.00 CNY
  {SALES}  -3900.00 CNY
"""
    entries, errors, _ = load(monkeypatch, body, "2026-01-15")
    assert msgs(errors, "P2") == []
    assert treasury_accruals(entries) == {datetime.date(2025, 12, 31): Decimal("1900.00")}
    rem = report_json(["remittance", "--year", "2025"], body, as_of="2026-01-15")
    assert rem["net_profit"] == "3900.00" and rem["losses_absorbed"] == "2000.00"
    assert rem["owed"] == "1900.00" and rem["owed_capital"].removeprefix("人民币") == "壹仟玖佰元整"
    rem = report_json(["remittance", "--year", "2024"], body, as_of="2026-01-15")
    assert rem["losses_absorbed"] == "3000.00" and rem["owed"] == "0.00"


TAXED = (BIG_Q + surcharges("2024-06-30", "617.28", "370.37", "246.91") + f"""
2024-07-10 * "缴纳增值税及附加"
  {VAT}  12345.67 CNY
  {CITY_P}  617.28 CNY
  {EDU_P}  370.37 CNY
  {LEDU_P}  246.91 CNY
  {BANK}  -13580.23 CNY
""")


def test_statements_taxes_lines():
    inc = by_line(report_json(["income-statement", "--year", "2024"], TAXED, as_of="2025-01-15"))
    assert inc[1]["year_to_date"] == "400000.00"
    assert inc[3]["year_to_date"] == "1234.56"  # 税金及附加
    assert inc[6]["year_to_date"] == "617.28"  # 其中: 城市维护建设税
    bs = by_line(report_json(["balance-sheet", "--date", "2024-06-30"], TAXED, as_of="2025-01-15"))
    assert bs[36]["end"] == "13580.23"  # 应交税费
    assert bs[30]["end"] == bs[53]["end"] == "412345.67"
    cf = by_line(report_json(["cash-flow", "--year", "2024"], TAXED, as_of="2025-01-15"))
    assert cf[1]["year_to_date"] == "412345.67"
    assert cf[5]["year_to_date"] == "13580.23"  # 支付的税费
    assert cf[20]["year_to_date"] == "398765.44"


def test_account_balances_totals_balance():
    doc = report_json(["account-balances", "--from", "2025-01-01", "--to", "2025-12-31"], STMT)
    t = doc["totals"]
    assert t["opening_debit"] == t["opening_credit"]
    assert t["period_debit"] == t["period_credit"]
    assert t["closing_debit"] == t["closing_credit"]
    assert t["ytd_debit"] == t["ytd_credit"]


CASH_ACC = "Assets:1001-库存现金"
AUDIT_BODY = f"2020-01-01 open {CASH_ACC} CNY\n" + f'''
2026-02-13 * "A" "办公"
  voucher: "记-2026-02-0001"
  invoice: "111"
  document: "a.pdf"
  {OFFICE}  123.45 CNY
  {BANK}  -123.45 CNY
2026-02-14 * "B" "办公"
  voucher: "记-2026-02-0003"
  invoice: "111"
  document: "b.pdf"
  {OFFICE}  234.56 CNY
  {BANK}  -234.56 CNY
2026-02-15 * "C" "办公"
  voucher: "记-2026-02-0004"
  document: "c.pdf"
  {OFFICE}  1500.00 CNY
  {CASH_ACC}  -1500.00 CNY
2026-10-01 * "D" "办公"
  voucher: "记-2026-10-0001"
  document: "d.pdf"
  {OFFICE}  345.67 CNY
  {BANK}  -345.67 CNY
'''


def test_audit_findings_json():
    proc = run_cli(["audit", "--year", "2026", "--format", "json"], AUDIT_BODY, as_of="2026-12-01")
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    for f in findings:
        assert {"test", "date", "location", "amount", "detail"} <= set(f)
    got = {(f["test"], f["date"]) for f in findings}
    assert ("duplicate-invoice", "2026-02-14") in got
    assert ("voucher-gap", "2026-02-14") in got
    assert ("cash-limit", "2026-02-15") in got
    assert ("weekend-holiday", "2026-02-15") in got
    assert ("weekend-holiday", "2026-10-01") in got
    assert ("weekend-holiday", "2026-02-14") not in got  # a working Saturday (调休)


@pytest.mark.parametrize("allowed", ["Expenses:5401-主营业务成本", f"{OFFICE}, {MATERIAL}"])
def test_p10_allowed_prefixes(monkeypatch, allowed):
    body = FUND.replace(f'allowed: "{MATERIAL}"', f'allowed: "{allowed}"') + use(
        "2024-04-01", "3000.00") + release("2024-12-31", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


def test_p10_fund_received_into_income_needs_no_release(monkeypatch):
    body = FUND.replace(DEFERRED, GRANT) + use("2024-04-01", "3000.00")
    _, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert msgs(errors, "P10") == []


# --------------------------------------------------------------- the finance bureau's view

VIEW_HEADER = ('option "title" "测试经营中心"\n2020-01-01 custom "fava-option" "language" "zh_CN"\n'
               '2020-01-01 custom "fava-extension" "reports.views"\n')
VIEW_BODY = CLOSE_BASE + "".join(
    f'2025-03-{d} custom "work-hours" "2025{d}" 10\n  base: "馕坊"\n' for d in ("10", "11"))


def finance_page(tmp_path, monkeypatch, body, name="main.beancount"):
    from fava.application import create_app
    monkeypatch.setenv("SHIXUN_AS_OF", "2026-01-15")
    folder = tmp_path / name.replace(".", "_")
    folder.mkdir()
    path = folder / "main.beancount"
    path.write_text(VIEW_HEADER + ledger_text(body), encoding="utf-8")
    client = create_app([str(path)], load=True).test_client()
    slug = client.get("/").headers["Location"].split("/")[1]
    response = client.get(f"/{slug}/extension/FinanceView/?time=2025")
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(text.split())


def test_finance_view_student_share_under_plugins_all(tmp_path, monkeypatch):
    page = finance_page(tmp_path, monkeypatch, VIEW_BODY)
    assert "勤工俭学收入 10,000.00" in page
    assert "已提取学生劳动报酬 2,000.00" in page
    assert "20.00%" in page


def test_finance_view_same_with_closing_entries(tmp_path, monkeypatch):
    plain = finance_page(tmp_path, monkeypatch, VIEW_BODY, "a")
    closed = finance_page(tmp_path, monkeypatch, VIEW_BODY + CLOSE_VIA_3103, "b")
    assert "勤工俭学收入 10,000.00" in plain
    assert "勤工俭学收入 10,000.00" in closed


def test_statements_fixed_asset_and_grant_lines():
    body = FUND.replace(f'allowed: "{MATERIAL}"', f'allowed: "{MATERIAL},{EQUIP}"') + use(
        "2024-04-01", "3000.00", account=EQUIP)
    bs = by_line(report_json(["balance-sheet", "--date", "2024-12-31"], body, as_of="2025-01-15"))
    assert bs[1]["end"] == "7000.00"
    assert bs[18]["end"] == "3000.00" and bs[20]["end"] == "3000.00"
    assert bs[44]["end"] == "10000.00"  # 递延收益
    assert bs[30]["end"] == bs[53]["end"] == "10000.00"
    cf = by_line(report_json(["cash-flow", "--year", "2024"], body, as_of="2025-01-15"))
    assert cf[12]["year_to_date"] == "3000.00"  # 购建固定资产…支付的现金
    assert cf[20]["year_to_date"] == "7000.00"


def test_remittance_amounts_of_the_year():
    rem = report_json(["remittance", "--year", "2025"], STMT)
    assert str(rem["year"]) == "2025"
    assert rem["income_total"] == "6000.00"
    assert rem["work_study_income"] == "1000.00"
    assert rem["student_remuneration"] == "200.00"
    assert rem["net_profit"] == "4700.00"
    assert rem["losses_absorbed"] == "1000.00"
    assert rem["owed"] == "3700.00"
    assert rem["arrears_start"] == "0.00"
    assert rem["payments"] == [] and rem["paid_total"] == "0.00"
    assert rem["arrears_end"] == "3700.00"


def test_unit_is_the_title():
    body = 'option "title" "某县职业中学生产性实训基地经营中心"\n' + STMT
    for args in (["balance-sheet", "--date", "2025-12-31"], ["income-statement", "--year", "2025"],
                 ["cash-flow", "--year", "2025"], ["remittance", "--year", "2025"],
                 ["account-balances", "--from", "2025-01-01", "--to", "2025-12-31"]):
        assert report_json(args, body)["unit"] == "某县职业中学生产性实训基地经营中心", args


def test_rules_never_rewrite_the_accountants_entries(monkeypatch):
    entries, _, _ = load(monkeypatch, STMT, "2026-12-01")
    written = [e for e in entries if isinstance(e, data.Transaction) and not e.meta.get("generated")]
    assert len(written) == STMT.count(" * ")
    for e in written:
        assert len(e.postings) in (2, 3)


def test_cash_flow_month():
    doc = by_line(report_json(["cash-flow", "--year", "2026", "--month", "5"], STMT))
    assert doc[18]["month"] == "2900.00" and doc[18]["year_to_date"] == "2900.00"
    doc = by_line(report_json(["cash-flow", "--year", "2026", "--month", "4"], STMT))
    assert doc[18]["month"] == "0.00" and doc[18]["year_to_date"] == "0.00"


def test_vouchers_filter_and_capital():
    doc = report_json(["vouchers", "--from", "2024-01-01", "--to", "2025-12-31",
                       "--voucher", "记-2024-07-0001"], SEAL_BASE, as_of="2025-03-01")
    [v] = doc["vouchers"]
    assert v["voucher"] == "记-2024-07-0001" and v["date"] == "2024-07-15"
    assert v["total_debit"] == v["total_credit"] == "200.00"
    assert v["total_capital"].removeprefix("人民币") == "贰佰元整"
    assert {(ln["code"], ln["debit"], ln["credit"]) for ln in v["lines"]} == {
        ("560202", "200.00", "0.00"), ("100201", "0.00", "200.00")} or \
        {(ln["code"], ln["debit"], ln["credit"]) for ln in v["lines"]} == {
        ("560202", "200.00", ""), ("100201", "", "200.00")}


# ------------------------------------------------------------ metadata contract, formats

def test_p2_payment_without_receipt_is_an_error(monkeypatch):
    body = P2_BODY + (f'2026-05-20 * "上缴国库"\n  {TREASURY}  2900.00 CNY\n  {BANK}  -2900.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2026-06-15")
    found = msgs(errors, "P2")
    assert len(found) == 1 and "receipt" in found[0]


def test_p1_payout_without_student_is_an_error(monkeypatch):
    body = sale("2024-03-05", "1000.00") + (
        f'2024-03-10 * "发放"\n  {PAYABLE}  100.00 CNY\n  {BANK}  -100.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    found = msgs(errors, "P1")
    assert len(found) == 1 and "student" in found[0]


def test_p1_work_hours_without_base_is_an_error(monkeypatch):
    body = '2024-03-10 custom "work-hours" "2024001" 10\n'
    _, errors, _ = load(monkeypatch, body, "2024-03-31")
    assert len(msgs(errors, "P1")) == 1


def test_audit_split_threshold():
    body = "".join(f'2026-03-{d} * "同一供应商" "采购"\n  voucher: "记-2026-03-000{i}"\n'
                   f'  document: "x{i}.pdf"\n  {MATERIAL}  9800.00 CNY\n  {BANK}  -9800.00 CNY\n'
                   for i, d in ((1, "02"), (2, "03")))
    proc = run_cli(["audit", "--year", "2026", "--format", "json"], body, as_of="2026-12-01")
    assert proc.returncode == 0, proc.stderr
    assert "split-threshold" in {f["test"] for f in json.loads(proc.stdout)["findings"]}


@pytest.mark.parametrize("args", [
    ["report", "balance-sheet", "--date", "2025-12-31"], ["report", "income-statement", "--year", "2025"],
    ["report", "cash-flow", "--year", "2025"], ["report", "remittance", "--year", "2025"],
    ["report", "account-balances", "--from", "2025-01-01", "--to", "2025-12-31"],
    ["report", "account-book", "--account", "1002", "--from", "2025-01-01", "--to", "2025-12-31"],
    ["report", "funds", "--year", "2025"],
    ["report", "students", "--from", "2025-01-01", "--to", "2025-12-31"],
], ids=lambda a: a[1])
@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_report_formats_write_files(tmp_path, args, fmt):
    out = tmp_path / f"out.{fmt}"
    proc = run_cli(args + ["--format", fmt, "-o", str(out)], STMT, as_of="2026-12-01")
    assert proc.returncode == 0, proc.stderr
    if fmt == "xlsx":
        import openpyxl
        book = openpyxl.load_workbook(out)
        assert book.worksheets
    else:
        assert "<html" in out.read_text(encoding="utf-8").lower()


def test_vouchers_has_no_xlsx(tmp_path):
    proc = run_cli(["report", "vouchers", "--from", "2025-01-01", "--to", "2025-12-31",
                    "--format", "xlsx", "-o", str(tmp_path / "v.xlsx")], STMT, as_of="2026-12-01")
    one_line_chinese_error(proc)


def test_user_add_stores_only_a_salted_hash(tmp_path):
    users = tmp_path / "users.txt"
    env = dict(os.environ, BEANCOUNT_DISABLE_LOAD_CACHE="1")
    for name in ("caizheng", "shenji"):
        proc = subprocess.run([str(SHIXUN), "user", "add", name, "--role", "finance", "--users", str(users)],
                              input="same-secret-pw\n", capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
    text = users.read_text(encoding="utf-8")
    assert "same-secret-pw" not in text
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2
    assert lines[0].split("caizheng", 1)[1] != lines[1].split("shenji", 1)[1]  # salted


def test_gen_ledger_is_deterministic_and_enables_all_plugins(tmp_path):
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        path = tmp_path / name / "gen.beancount"
        proc = run_cli(["gen-ledger", "--transactions", "100", "--seed", "7", "-o", str(path)],
                       tmp=str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    text = paths[0].read_text(encoding="utf-8")
    assert 'plugin "plugins.all"' in text or all(
        f'plugin "plugins.{f}"' in text for f in ("work_study", "treasury", "taxes", "funds", "seal"))


# ------------------------------------------------------------ P10 findings (user guide 05)

REFUND = "Expenses:5711-营业外支出:571101-退还违规资金"
FINDING = f"""
2020-01-01 open {REFUND} CNY
2025-03-07 custom "finding" "SJ-2025-01" 4800.00 CNY
  clause: "P10"
  description: "专项资金列支聚餐费用, 责令限期退还"
  deadline: 2025-06-30
"""


def refund(date, amount):
    return (f'{date} * "县财政局" "退还违规资金"\n  finding: "SJ-2025-01"\n'
            f"  {REFUND}  {amount} CNY\n  {BANK}  -{amount} CNY\n")


def test_p10_finding_open_before_deadline(monkeypatch):
    _, errors, _ = load(monkeypatch, FINDING, "2025-06-30")
    assert msgs(errors, "P10") == []


def test_p10_finding_overdue_after_deadline_on_as_of(monkeypatch):
    _, errors, _ = load(monkeypatch, FINDING + refund("2025-05-29", "3000.00"), "2025-07-01")
    found = msgs(errors, "P10")
    assert len(found) == 1 and "SJ-2025-01" in found[0] and "1800.00" in found[0]


def test_p10_finding_returned_in_parts(monkeypatch):
    body = FINDING + refund("2025-05-29", "3000.00") + refund("2025-06-20", "1800.00")
    _, errors, _ = load(monkeypatch, body, "2025-12-01")
    assert msgs(errors, "P10") == []


@pytest.mark.parametrize("view", ["FinanceView", "AuditView"])
def test_bureau_pages_show_the_ledger_pin(tmp_path, monkeypatch, view):
    from fava.application import create_app
    monkeypatch.delenv("SHIXUN_AS_OF", raising=False)
    path = tmp_path / "main.beancount"
    path.write_text(VIEW_HEADER + ledger_text('2024-01-01 custom "shixun-option" "as-of" 2025-03-01\n'
                                              + SEAL_BASE), encoding="utf-8")
    client = create_app([str(path)], load=True).test_client()
    slug = client.get("/").headers["Location"].split("/")[1]
    response = client.get(f"/{slug}/extension/{view}/")
    assert response.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())
    assert re.search(r"判断日期 2025-03-01 \(账本设定", text)


def test_p2_duplicate_accrual_not_doubled_in_the_books(monkeypatch):
    body = P2_BODY + (f'2025-12-31 * "计提应缴利润"\n  {APPROP}  2900.00 CNY\n  {TREASURY}  -2900.00 CNY\n')
    entries, errors, _ = load(monkeypatch, body, "2026-01-15")
    assert any("重复计提" in m for m in msgs(errors, "P2"))
    bs = by_line(report_json(["balance-sheet", "--date", "2025-12-31"], body, as_of="2026-01-15"))
    assert bs[38]["end"] == "2900.00"
    assert balance(entries, TREASURY) == Decimal("-2900.00")


def test_account_balances_period_and_ytd():
    doc = report_json(["account-balances", "--from", "2025-06-01", "--to", "2025-06-30"], STMT)
    rows = {a["code"]: a for a in doc["accounts"]}
    office = rows["560202"]
    assert office["period_debit"] == "1000.00" and office["ytd_debit"] == "1000.00"
    sales = rows["500102"]
    assert sales["period_credit"] == "0.00" and sales["ytd_credit"] == "5000.00"
    payable = rows["224101"]
    # 2025-05-05 accrual 200 (credit), 2025-06-05 payout 200 (debit)
    assert payable["opening_credit"] == "200.00" and payable["period_debit"] == "200.00"
    assert payable["closing_credit"] in ("0.00", "") and payable["closing_debit"] in ("0.00", "")


def test_cli_env_ledger_wins_over_current_folder(tmp_path):
    here = write_ledger(tmp_path, SEAL_BASE)  # clean
    other = tmp_path / "other"
    other.mkdir()
    bad = other / "main.beancount"
    bad.write_text(ledger_text(SEAL_BASE + payout("2024-08-20", "30.00")), encoding="utf-8")
    proc = run_cli(["check"], tmp=str(tmp_path), as_of="2025-03-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_cli(["check"], tmp=str(tmp_path), as_of="2025-03-01", env_extra={"SHIXUN_LEDGER": str(bad)})
    assert proc.returncode == 1
    assert here.exists()


AUDIT_TESTS = {"benford", "duplicate-invoice", "duplicate-payment", "voucher-gap", "weekend-holiday",
               "round-amount", "split-threshold", "cash-limit", "missing-document", "related-party"}


def test_audit_tests_are_the_spec_names():
    body = AUDIT_BODY + f'2026-04-01 * "E" "办公"\n  {OFFICE}  20000.00 CNY\n  {BANK}  -20000.00 CNY\n'
    proc = run_cli(["audit", "--year", "2026", "--format", "json"], body, as_of="2026-12-01")
    findings = json.loads(proc.stdout)["findings"]
    assert {f["test"] for f in findings} <= AUDIT_TESTS
    assert {"round-amount", "missing-document"} <= {f["test"] for f in findings}


def test_p1_non_closing_transaction_touching_equity_still_accrues(monkeypatch):
    capital = "Equity:3001-实收资本"
    body = (f"2020-01-01 open {capital} CNY\n"
            f'2024-03-05 * "学校" "拨入资本金并购买产品"\n  {BANK}  2000.00 CNY\n'
            f"  {WS_INCOME}  -1000.00 CNY\n  {capital}  -1000.00 CNY\n")
    entries, errors, _ = load(monkeypatch, body, "2025-01-15")
    assert balance(entries, EXPENSE) == Decimal("200.00")
    assert list(treasury_accruals(entries).values()) == [Decimal("800.00")]


def test_p9_non_closing_transaction_touching_equity_is_in_the_base(monkeypatch):
    capital = "Equity:3001-实收资本"
    body = (f"2020-01-01 open {capital} CNY\n"
            f'2024-05-05 * "学校" "拨入资本金并购买服务"\n  {BANK}  2030.00 CNY\n'
            f"  {SALES}  -1000.00 CNY\n  {VAT}  -30.00 CNY\n  {capital}  -1000.00 CNY\n"
            + surcharges("2024-06-30", "1.50"))
    _, errors, _ = load(monkeypatch, body, "2024-07-15")
    assert msgs(errors, "P9") == []


def test_p2_arrears_per_year_fifo(monkeypatch):
    body = (f'2024-03-01 * "客户" "技术服务"\n  {BANK}  800.00 CNY\n  {SALES}  -800.00 CNY\n'
            + pay_treasury("2025-03-01", "500.00", "(2025)0001")
            + f'2025-03-01 * "客户" "技术服务"\n  {BANK}  1000.00 CNY\n  {SALES}  -1000.00 CNY\n')
    _, errors, _ = load(monkeypatch, body, "2025-06-01")
    found = msgs(errors, "P2")
    assert len(found) == 1 and "2024" in found[0] and "300.00" in found[0]
    # 2026-06-01: 2024 still owes 300, 2025 owes 1000
    _, errors, _ = load(monkeypatch, body, "2026-06-01")
    found = msgs(errors, "P2")
    assert len(found) == 2
    assert any("2025" in m and "1000.00" in m for m in found)
    rem = report_json(["remittance", "--year", "2025"], body, as_of="2026-06-01")
    assert rem["arrears_start"] == "800.00" and rem["paid_total"] == "500.00"
    assert rem["owed"] == "1000.00" and rem["arrears_end"] == "1300.00"


def test_seal_refusal_lists_the_errors_with_file_line(tmp_path):
    body = SEAL_BASE + payout("2024-08-20", "30.00")
    path = write_ledger(tmp_path, body)
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    assert proc.returncode != 0
    assert f"main.beancount:{line_of(body, '2024-08-20 *')}" in proc.stdout + proc.stderr


def test_seal_twice_is_refused(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    before = path.read_text(encoding="utf-8")
    proc = shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01")
    one_line_chinese_error(proc)
    assert path.read_text(encoding="utf-8") == before


def test_seal_tampered_digest_is_an_error(tmp_path):
    path = write_ledger(tmp_path, SEAL_BASE)
    assert shixun(["seal", "--year", "2024", str(path)], tmp_path, "2025-03-01").returncode == 0
    text = path.read_text(encoding="utf-8")
    digest = re.search(r'custom "seal" "2024" "([0-9a-f]{64})"', text).group(1)
    path.write_text(text.replace(digest, "0" * 64), encoding="utf-8")
    proc = shixun(["check", str(path)], tmp_path, "2025-03-01")
    no_traceback(proc)
    assert proc.returncode == 1
