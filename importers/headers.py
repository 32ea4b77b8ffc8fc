"""The column names we recognise, for bank statements and for work-hour sheets.

A header cell is compared after `table.header_key` (no spaces, full-width folded,
a unit suffix like "(元)" dropped), so "借方发生额（元）" is 借方发生额.
"""
from __future__ import annotations

from importers import table as tables

BANK = {
    "date": ["交易日期", "记账日期", "入账日期", "日期", "交易日", "发生日期", "会计日期",
             "账务日期", "交易日期时间", "记账日"],
    "time": ["交易时间", "时间", "记账时间", "入账时间", "交易时刻"],
    "summary": ["摘要", "交易摘要", "摘要说明", "交易类型", "业务摘要", "业务类型"],
    "purpose": ["用途", "附言", "备注", "交易用途", "交易附言", "用途/附言", "备注/附言"],
    "counterparty": ["对方户名", "对方账户名", "对方名称", "对方账户名称", "对方单位",
                     "对方单位名称", "收/付方名称", "收付方名称", "对手方户名", "对手户名",
                     "对方姓名", "交易对手", "对手方名称", "对方户名称"],
    "counterparty_account": ["对方账号", "对方账户", "对方卡号", "收/付方账号", "收付方账号",
                             "对手方账号", "对手账号", "对方账户账号"],
    "debit": ["支出", "支出金额", "借方发生额", "借方金额", "借方", "付款金额", "付出金额",
              "转出金额", "借方发生金额"],
    "credit": ["收入", "收入金额", "贷方发生额", "贷方金额", "贷方", "收款金额", "存入金额",
               "转入金额", "贷方发生金额"],
    "amount": ["交易金额", "发生额", "金额", "交易额", "收支金额"],
    "direction": ["借贷标志", "借贷方向", "收支方向", "收/支", "收支", "借贷", "方向", "收支标志",
                  "借/贷"],
    "balance": ["余额", "账户余额", "交易后余额", "联机余额", "当前余额", "本次余额", "账面余额"],
    "serial": ["交易流水号", "流水号", "交易流水", "银行流水号", "业务流水号",
               "交易参考号", "流水号码", "核心流水号", "柜员流水号", "交易编号"],
    # Numbered per statement (1, 2, 3 … each month again): identifies no transaction.
    "sequence": ["交易序号", "序号", "序列号", "顺序号", "记录号"],
    "own_account": ["本方账号", "账号", "本方账户", "卡号", "账户账号"],
    "currency": ["币种", "币别", "货币"],
}

WORK_HOURS = {
    "student": ["学号", "学生学号", "学籍号"],
    "name": ["姓名", "学生姓名"],
    "date": ["日期", "工作日期", "劳动日期", "出勤日期", "实训日期"],
    "hours": ["工时", "小时", "工作时长", "时长", "劳动工时", "工时数", "出勤工时"],
    "base": ["基地", "实训基地", "所在基地", "基地名称"],
}


def bank_required(found: set) -> bool:
    """A statement header: a date (or date-time) column and an amount layout."""
    dated = "date" in found or "time" in found
    amounts = {"debit", "credit"} <= found or "amount" in found
    return dated and amounts and "student" not in found


def work_hours_required(found: set) -> bool:
    return {"student", "date", "hours"} <= found


class KnownHeader:
    """The header test of one set of bank profiles: a work-hour sheet, or a table one
    of the profiles (or the generic synonyms) finds its header in."""

    def __init__(self, profile_list):
        self.profiles = tuple(profile_list)

    def __call__(self, table) -> bool:
        from importers import profiles

        return bool(tables.find_header(table, WORK_HOURS, work_hours_required)
                    or profiles.match(table, self.profiles))


def load(path: str, known: KnownHeader):
    """The file's rows, read once per run (cached); ImportFailure if unreadable or no
    known header is in it."""
    return tables.read_table(path, known)


def kind(path: str, known: KnownHeader) -> str | None:
    """"bank", "work-hours" or None; never raises."""
    from importers import profiles

    try:
        table = load(path, known)
    except tables.ImportFailure:
        return None
    if tables.find_header(table, WORK_HOURS, work_hours_required):
        return "work-hours"
    if profiles.match(table, known.profiles):
        return "bank"
    return None
