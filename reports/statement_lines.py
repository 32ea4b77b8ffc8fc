"""The one mapping from account codes to statement lines (小企业会计准则 填列说明).

Every statement (会小企01表 资产负债表, 会小企02表 利润表, 会小企03表 现金流量表) and the
remittance report's 利润表 section place accounts through these tables; the user guide
(docs/guide/10-账簿与报表.md) prints them. An account is placed by its first-level code
(the code its second component starts with: 1002 for `Assets:1002-银行存款:100201-…`);
a 其中 row of the income statement by a word in the sub-account's name. An account no
table places is listed by `unplaced_accounts`, and every statement shows that list and
a failing tie-out: never dropped in silence.

Closing entries (plugins.closing) are left out by the statements, so 本年利润 and
未分配利润 are computed here: 未分配利润 = 3103 + 3104 + every year's profit still
sitting in the P&L accounts (SPEC §2).
"""
from __future__ import annotations

from decimal import Decimal

from plugins.common import ACCOUNTS, account_code

# ---- 会小企01表 资产负债表 ---------------------------------------------------------
# (行次, label, first-level codes, sign, formula) — amount = sign × Σ Beancount balances
# of the codes (assets debit-positive, liabilities and equity credit-positive), or the
# sum of other lines (formula: list of (line, ±1)).
INVENTORY = ("1401", "1402", "1403", "1404", "1405", "1407", "1408", "1411", "1421",
             "4001", "4101", "4401", "4402", "4403")
BALANCE_SHEET = [
    (1, "货币资金", ("1001", "1002", "1012"), 1, None),
    (2, "短期投资", ("1101",), 1, None),
    (3, "应收票据", ("1121",), 1, None),
    (4, "应收账款", ("1122",), 1, None),
    (5, "预付账款", ("1123",), 1, None),
    (6, "应收股利", ("1131",), 1, None),
    (7, "应收利息", ("1132",), 1, None),
    (8, "其他应收款", ("1221",), 1, None),
    (9, "存货", INVENTORY, 1, None),
    (10, "其中：原材料", ("1401", "1402", "1403", "1404"), 1, None),
    (11, "在产品", ("4001",), 1, None),
    (12, "库存商品", ("1405", "1407"), 1, None),
    (13, "周转材料", ("1411",), 1, None),
    (14, "其他流动资产", ("1901",), 1, None),
    (15, "流动资产合计", (), 1, [(n, 1) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 14)]),
    (16, "长期债券投资", ("1501",), 1, None),
    (17, "长期股权投资", ("1511",), 1, None),
    (18, "固定资产原价", ("1601",), 1, None),
    (19, "减：累计折旧", ("1602",), -1, None),
    (20, "固定资产账面价值", (), 1, [(18, 1), (19, -1)]),
    (21, "在建工程", ("1604",), 1, None),
    (22, "工程物资", ("1605",), 1, None),
    (23, "固定资产清理", ("1606",), 1, None),
    (24, "生产性生物资产", ("1621", "1622"), 1, None),
    (25, "无形资产", ("1701", "1702"), 1, None),
    (26, "开发支出", ("4301",), 1, None),
    (27, "长期待摊费用", ("1801",), 1, None),
    (28, "其他非流动资产", (), 1, None),
    (29, "非流动资产合计", (), 1, [(n, 1) for n in (16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28)]),
    (30, "资产总计", (), 1, [(15, 1), (29, 1)]),
    (31, "短期借款", ("2001",), -1, None),
    (32, "应付票据", ("2201",), -1, None),
    (33, "应付账款", ("2202",), -1, None),
    (34, "预收账款", ("2203",), -1, None),
    (35, "应付职工薪酬", ("2211",), -1, None),
    (36, "应交税费", ("2221",), -1, None),
    (37, "应付利息", ("2231",), -1, None),
    (38, "应付利润", ("2232",), -1, None),
    (39, "其他应付款", ("2241",), -1, None),
    (40, "其他流动负债", (), -1, None),
    (41, "流动负债合计", (), 1, [(n, 1) for n in range(31, 41)]),
    (42, "长期借款", ("2501",), -1, None),
    (43, "长期应付款", ("2701",), -1, None),
    (44, "递延收益", ("2401",), -1, None),
    (45, "其他非流动负债", (), -1, None),
    (46, "非流动负债合计", (), 1, [(n, 1) for n in (42, 43, 44, 45)]),
    (47, "负债合计", (), 1, [(41, 1), (46, 1)]),
    (48, "实收资本（或股本）", ("3001",), -1, None),
    (49, "资本公积", ("3002",), -1, None),
    (50, "盈余公积", ("3101",), -1, None),
    # 3103 + 3104 + the profit not closed (every P&L balance): see `balance_sheet_amounts`
    (51, "未分配利润", ("3103", "3104"), -1, None),
    (52, "所有者权益（或股东权益）合计", (), 1, [(n, 1) for n in (48, 49, 50, 51)]),
    (53, "负债和所有者权益（或股东权益）总计", (), 1, [(47, 1), (52, 1)]),
]
BALANCE_SHEET_SECTIONS = {1: "流动资产：", 16: "非流动资产：", 31: "流动负债：", 42: "非流动负债：",
                          48: "所有者权益（或股东权益）："}
# 其中 rows and sub-lines: part of a line above, never added into a total twice.
BALANCE_SHEET_DETAIL = {10, 11, 12, 13}
RETAINED_EARNINGS_LINE = 51

# ---- 会小企02表 利润表 -------------------------------------------------------------
# (行次, label, first-level codes, sign, formula, 其中 words): sign +1 = an income line
# (credit shown positive), −1 = an expense line. A 其中 row takes the sub-accounts of its
# parent line's codes whose name holds one of the words.
INCOME_STATEMENT = [
    (1, "一、营业收入", ("5001", "5051"), 1, None, ()),
    (2, "减：营业成本", ("5401", "5402"), -1, None, ()),
    (3, "税金及附加", ("5403",), -1, None, ()),
    (4, "其中：消费税", ("5403",), -1, None, ("消费税",)),
    (5, "营业税", ("5403",), -1, None, ("营业税",)),
    (6, "城市维护建设税", ("5403",), -1, None, ("城市维护建设税", "城建税")),
    (7, "资源税", ("5403",), -1, None, ("资源税",)),
    (8, "土地增值税", ("5403",), -1, None, ("土地增值税",)),
    (9, "城镇土地使用税、房产税、车船税、印花税", ("5403",), -1, None,
     ("城镇土地使用税", "土地使用税", "房产税", "车船税", "印花税")),
    (10, "教育费附加、矿产资源补偿费、排污费", ("5403",), -1, None,
     ("教育费附加", "地方教育附加", "矿产资源补偿费", "排污费")),
    (11, "销售费用", ("5601",), -1, None, ()),
    (12, "其中：商品维修费", ("5601",), -1, None, ("维修费",)),
    (13, "广告费和业务宣传费", ("5601",), -1, None, ("广告费", "业务宣传费", "宣传费")),
    (14, "管理费用", ("5602",), -1, None, ()),
    (15, "其中：开办费", ("5602",), -1, None, ("开办费",)),
    (16, "业务招待费", ("5602",), -1, None, ("业务招待费", "招待费")),
    (17, "研究费用", ("5602",), -1, None, ("研究费", "研发费")),
    (18, "财务费用", ("5603",), -1, None, ()),
    (19, "其中：利息费用（收入以“-”号填列）", ("5603",), -1, None, ("利息",)),
    (20, "加：投资收益（损失以“-”号填列）", ("5111",), 1, None, ()),
    (21, "二、营业利润（亏损以“-”号填列）", (), 1,
     [(1, 1), (2, -1), (3, -1), (11, -1), (14, -1), (18, -1), (20, 1)], ()),
    (22, "加：营业外收入", ("5301",), 1, None, ()),
    (23, "其中：政府补助", ("5301",), 1, None, ("政府补助",)),
    (24, "减：营业外支出", ("5711",), -1, None, ()),
    (25, "其中：坏账损失", ("5711",), -1, None, ("坏账",)),
    (26, "无法收回的长期债券投资损失", ("5711",), -1, None, ("长期债券投资损失",)),
    (27, "无法收回的长期股权投资损失", ("5711",), -1, None, ("长期股权投资损失",)),
    (28, "自然灾害等不可抗力因素造成的损失", ("5711",), -1, None, ("自然灾害", "不可抗力")),
    (29, "税收滞纳金", ("5711",), -1, None, ("滞纳金",)),
    (30, "三、利润总额（亏损总额以“-”号填列）", (), 1, [(21, 1), (22, 1), (24, -1)], ()),
    (31, "减：所得税费用", ("5801",), -1, None, ()),
    (32, "四、净利润（净亏损以“-”号填列）", (), 1, [(30, 1), (31, -1)], ()),
]
INCOME_TOTAL_LINES = {21, 30, 32}

# ---- 会小企03表 现金流量表 (direct method) ----------------------------------------------
# (行次, label, direction, formula): direction +1 = cash received, −1 = cash paid
# (shown positive when paid), formula as above.
CASH_FLOW = [
    (1, "销售产成品、商品、提供劳务收到的现金", 1, None),
    (2, "收到其他与经营活动有关的现金", 1, None),
    (3, "购买原材料、商品、接受劳务支付的现金", -1, None),
    (4, "支付的职工薪酬", -1, None),
    (5, "支付的税费", -1, None),
    (6, "支付其他与经营活动有关的现金", -1, None),
    (7, "经营活动产生的现金流量净额", 1, [(1, 1), (2, 1), (3, -1), (4, -1), (5, -1), (6, -1)]),
    (8, "收回短期投资、长期债券投资和长期股权投资收到的现金", 1, None),
    (9, "取得投资收益收到的现金", 1, None),
    (10, "处置固定资产、无形资产和其他非流动资产收回的现金净额", 1, None),
    (11, "短期投资、长期债券投资和长期股权投资支付的现金", -1, None),
    (12, "购建固定资产、无形资产和其他非流动资产支付的现金", -1, None),
    (13, "投资活动产生的现金流量净额", 1, [(8, 1), (9, 1), (10, 1), (11, -1), (12, -1)]),
    (14, "取得借款收到的现金", 1, None),
    (15, "吸收投资者投资收到的现金", 1, None),
    (16, "偿还借款本金支付的现金", -1, None),
    (17, "偿还借款利息支付的现金", -1, None),
    (18, "分配利润支付的现金", -1, None),
    (19, "筹资活动产生的现金流量净额", 1, [(14, 1), (15, 1), (16, -1), (17, -1), (18, -1)]),
    (20, "四、现金净增加额", 1, [(7, 1), (13, 1), (19, 1)]),
    (21, "加：期初现金余额", 1, None),
    (22, "五、期末现金余额", 1, [(20, 1), (21, 1)]),
]
CASH_FLOW_SECTIONS = {1: "一、经营活动产生的现金流量：", 8: "二、投资活动产生的现金流量：",
                      14: "三、筹资活动产生的现金流量："}
CASH_FLOW_TOTAL_LINES = {7, 13, 19, 20, 22}
MONETARY = BALANCE_SHEET[0][2]  # 货币资金: the cash of the cash-flow statement

# The counterpart of a cash posting → (line when cash is received, line when paid).
# 应交税费 riding along with a sale or a purchase (销项/进项税) takes that line instead.
CASH_FLOW_CLASSES = [
    (("5001", "5051", "1121", "1122", "2203"), (1, 1), "销售商品、提供劳务及其应收、预收款"),
    (INVENTORY + ("5401", "5402", "1123", "2201", "2202"), (3, 3), "采购、营业成本及其应付、预付款"),
    (("2211",), (4, 4), "应付职工薪酬"),
    (("2221", "5403", "5801"), (5, 5), "应交税费、税金及附加、所得税费用"),
    (("1221", "1901", "2241", "2401", "5301", "5601", "5602", "5603", "5711"), (2, 6),
     "其他应收/应付款、递延收益（政府补助）、期间费用、营业外收支"),
    (("1101", "1501", "1511"), (8, 11), "短期投资、长期债券投资、长期股权投资"),
    (("1131", "1132", "5111"), (9, 9), "应收股利、应收利息、投资收益"),
    (("1601", "1602", "1604", "1605", "1606", "1621", "1622", "1701", "1702", "1801", "4301"), (10, 12),
     "固定资产（含累计折旧）、在建工程、无形资产、长期待摊费用等非流动资产"),
    (("2001", "2501", "2701"), (14, 16), "短期借款、长期借款、长期应付款"),
    (("2231",), (17, 17), "应付利息"),
    (("3001", "3002"), (15, 15), "实收资本、资本公积"),
    (("2232", "3101", "3103", "3104"), (18, 18), "应付利润（上缴国库）、盈余公积、本年利润、利润分配"),
]
# The student remuneration payable (2241 其他应付款 sub-account) paid out is 接受劳务支付的现金.
CASH_FLOW_ACCOUNTS = {ACCOUNTS["student_payable"]: (3, 3)}
TAX_CODE = "2221"
_CASH_BY_CODE = {code: lines for codes, lines, _ in CASH_FLOW_CLASSES for code in codes}

_BS_CODES = {code for _n, _l, codes, _s, formula in BALANCE_SHEET if formula is None for code in codes}
_IS_CODES = {code for _n, _l, codes, _s, _f, words in INCOME_STATEMENT if not words for code in codes}


def code_of(account: str) -> str:
    """The first-level code an account is placed by."""
    return account_code(account)


def leaf_name(account: str) -> str:
    """`Expenses:5403-税金及附加:540301-城市维护建设税` → 城市维护建设税."""
    last = account.rsplit(":", 1)[-1]
    return last.split("-", 1)[1] if "-" in last else last


def is_profit_and_loss(account: str) -> bool:
    return account.startswith(("Income:", "Expenses:"))


def placed(account: str) -> bool:
    """True when a statement line takes the account (balance sheet or income statement)."""
    code = code_of(account)
    return code in (_IS_CODES if is_profit_and_loss(account) else _BS_CODES)


def unplaced_accounts(accounts) -> list[str]:
    """The accounts no statement line takes, sorted: every statement lists them."""
    return sorted({a for a in accounts if not placed(a)})


def _apply_formulas(amounts: dict, table, formula_index: int) -> dict:
    for row in table:
        formula = row[formula_index]
        if formula:
            amounts[row[0]] = sum((amounts[n] * s for n, s in formula), Decimal(0))
    return {line: amount + 0 for line, amount in amounts.items()}  # never a "-0.00"


def balance_sheet_amounts(balances: dict[str, Decimal]) -> dict[int, Decimal]:
    """行次 → amount from per-account Beancount balances (every P&L balance goes to 51)."""
    by_code: dict[str, Decimal] = {}
    profit = Decimal(0)
    for account, number in balances.items():
        if is_profit_and_loss(account):
            profit += number
        else:
            code = code_of(account)
            by_code[code] = by_code.get(code, Decimal(0)) + number
    amounts = {}
    for line, _label, codes, sign, formula in BALANCE_SHEET:
        if formula is None:
            amounts[line] = sign * sum((by_code.get(c, Decimal(0)) for c in codes), Decimal(0))
    amounts[RETAINED_EARNINGS_LINE] -= profit
    return _apply_formulas(amounts, BALANCE_SHEET, 4)


def income_statement_amounts(totals: dict[str, Decimal]) -> dict[int, Decimal]:
    """行次 → amount (as printed) from per-account P&L totals (Beancount signs)."""
    amounts = {row[0]: Decimal(0) for row in INCOME_STATEMENT}
    for account, number in totals.items():
        if not is_profit_and_loss(account):
            continue
        code, name = code_of(account), account.rsplit(":", 1)[-1]
        for line, _label, codes, sign, formula, words in INCOME_STATEMENT:
            if formula or code not in codes:
                continue
            if words and not (account.count(":") > 1 and any(w in name for w in words)):
                continue
            amounts[line] += number if sign < 0 else -number
    return _apply_formulas(amounts, INCOME_STATEMENT, 4)


def cash_flow_line(account: str, received: bool) -> int | None:
    """The 行次 a counterpart of a cash posting goes to (None: not in the table)."""
    lines = CASH_FLOW_ACCOUNTS.get(account) or _CASH_BY_CODE.get(code_of(account))
    if lines is None:
        return None
    return lines[0] if received else lines[1]


def cash_flow_amounts(flows: dict[int, Decimal], opening: Decimal) -> dict[int, Decimal]:
    """行次 → amount from the classified flows (line → cash received − cash paid)."""
    amounts = {}
    for line, _label, direction, formula in CASH_FLOW:
        if formula is None:
            amounts[line] = direction * flows.get(line, Decimal(0))
    amounts[21] = opening
    return _apply_formulas(amounts, CASH_FLOW, 3)


def is_monetary(account: str) -> bool:
    return code_of(account) in MONETARY


def guide_tables() -> str:
    """The tables above as the user guide prints them (docs/guide/10-账簿与报表.md; a test
    keeps the guide equal to this text)."""
    out = ["| 行次 | 资产负债表项目 | 科目代码（期末余额合计） |", "|---|---|---|"]
    for line, label, codes, sign, formula in BALANCE_SHEET:
        if formula:
            text = " ".join(f"{'+' if s > 0 else '−'} {n}" for n, s in formula).lstrip("+ ")
            text = "行 " + text
        elif line == RETAINED_EARNINGS_LINE:
            text = "3103 + 3104 + 未结转的损益（全部损益类科目余额）"
        elif codes:
            text = (" + ".join(codes)) + ("（贷方余额）" if sign < 0 and line == 19 else "")
        else:
            text = "—"
        out.append(f"| {line} | {label} | {text} |")
    out += ["", "| 行次 | 利润表项目 | 科目代码 | 其中项：明细科目名称含 |", "|---|---|---|---|"]
    for line, label, codes, _sign, formula, words in INCOME_STATEMENT:
        if formula:
            text = "行 " + " ".join(f"{'+' if s > 0 else '−'} {n}" for n, s in formula).lstrip("+ ")
        else:
            text = " + ".join(codes)
        out.append(f"| {line} | {label} | {text} | {'、'.join(words) or '—'} |")
    out += ["", "| 对方科目代码 | 收到现金 | 支付现金 | 说明 |", "|---|---|---|---|"]
    for codes, (received, paid), text in CASH_FLOW_CLASSES:
        out.append(f"| {'、'.join(codes)} | {received} | {paid} | {text} |")
    for account, (received, paid) in CASH_FLOW_ACCOUNTS.items():
        out.append(f"| {account}（明细科目优先） | {received} | {paid} | 学生劳动报酬的发放为接受劳务支付的现金 |")
    return "\n".join(out) + "\n"
