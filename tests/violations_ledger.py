"""A copy of the bundled ledger with one violation of each clause the rules can raise
(used by tests/test_views_text.py: every page and workbook stays Chinese and honest)."""
import shutil
import textwrap

from scripts.common import BUNDLED_LEDGER

# Appended to the open year's file: each block breaks one rule.
VIOLATIONS = textwrap.dedent("""
    ;; P1: the student share above the seed's 20% without a county decision (政策)
    2025-01-01 custom "policy" "work-study-share" 0.30

    ;; P2: a treasury payment without its 缴款书号
    2025-08-20 * "县财政局" "上缴国库"
      voucher: "记-2025-08-0901"
      Liabilities:2232-应付利润:223201-上缴国库  100.00 CNY
      Assets:1002-银行存款:100201-农商银行基本户  -100.00 CNY

    ;; P6: an apprentice of 2025 paid nothing
    2025-01-01 custom "apprentice" "AP-2025-09" "测试学徒"
      start: 2025-01-01
      base: "电子商务"

    ;; P9: a surcharge booked beside what the period owes
    2025-03-31 * "计提城建税 (多计)"
      voucher: "记-2025-03-0901"
      Expenses:5403-税金及附加:540301-城市维护建设税  88.00 CNY
      Liabilities:2221-应交税费:222104-应交城市维护建设税  -88.00 CNY

    ;; P10: an earmarked fund spent outside its allowed accounts
    2025-09-18 * "县城饭店" "职工聚餐"
      voucher: "记-2025-09-0901"
      fund: "ZJ-2025"
      document: "凭证/2025/记-2025-09-0901.pdf"
      Expenses:5602-管理费用:560202-办公费  1500.00 CNY
      Assets:1002-银行存款:100201-农商银行基本户  -1500.00 CNY

    ;; Beancount's own check: a balance assertion that fails
    2025-06-30 balance Assets:1002-银行存款:100201-农商银行基本户  1.00 CNY
    """)

# Appended to the sealed year's file: the 2024 seal breaks (封账).
SEALED_YEAR = textwrap.dedent("""
    2024-11-11 * "补记一笔" "封账后改动"
      voucher: "记-2024-11-0901"
      Expenses:5602-管理费用:560202-办公费  10.00 CNY
      Assets:1002-银行存款:100201-农商银行基本户  -10.00 CNY
    """)


def violations_ledger(folder):
    """The bundled ledger copied into `folder` with the violations above; its main file."""
    copy = folder / "ledger"
    shutil.copytree(BUNDLED_LEDGER.parent, copy)
    with open(copy / "2025.beancount", "a", encoding="utf-8") as handle:
        handle.write(VIOLATIONS)
    with open(copy / "2024.beancount", "a", encoding="utf-8") as handle:
        handle.write(SEALED_YEAR)
    return copy / "main.beancount"
