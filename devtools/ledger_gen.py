"""The ledger generator: the bundled example ledger and `shixun gen-ledger`.

One generator writes both, so the benchmark ledger books every event exactly as
the accountant's example does (SPEC §2, docs/guide): the opening balances (建账, the
previous 12-31), work-study sales with VAT at the small-scale 1% rate, student payouts
that match the P1 accruals to the fen, quarterly surcharges as P9 expects, the
training fund (P5), apprentices (P6), earmarked funds with their grant income released
as spent (P10, SPEC §2 政府补助), wages with social insurance and 个税, depreciation,
income tax (预缴 per quarter, 汇算清缴 by 05-31) and the treasury remittance (P2) —
no 结转 entries (SPEC §2, the recommended practice).
The books run to `LAST_MONTH`, fixed so the output never depends on today. Amounts
the plugins will check are computed here with the same money helper, so the generated
books are clean.
"""
import calendar
import collections
import datetime
import importlib.util
import pathlib
import random
from decimal import Decimal

from plugins.files import write_atomic
from plugins.money import allocate, to_fen
from plugins.policy import POLICIES
from reports.workdays import is_workday


TITLE = "呼图壁县生产性实训基地经营管理中心"
BANK = "Assets:1002-银行存款:100201-农商银行基本户"
BANK2 = "Assets:1002-银行存款:100202-建设银行一般户"
CASH = "Assets:1001-库存现金"
RECEIVABLE = "Assets:1122-应收账款"
RAW_MATERIALS = "Assets:1403-原材料"
GOODS = "Assets:1405-库存商品"
EQUIPMENT = "Assets:1601-固定资产:160101-实训设备"
OFFICE_EQUIPMENT = "Assets:1601-固定资产:160102-办公设备"
DEPRECIATION = "Assets:1602-累计折旧"
PAYABLE = "Liabilities:2202-应付账款"
WAGES_PAYABLE = "Liabilities:2211-应付职工薪酬:221101-工资"
SOCIAL_PAYABLE = "Liabilities:2211-应付职工薪酬:221102-社会保险费"
TRAINING_PAYABLE = "Liabilities:2211-应付职工薪酬:221104-职工教育经费"
VAT = "Liabilities:2221-应交税费:222101-应交增值税"
INCOME_TAX_PAYABLE = "Liabilities:2221-应交税费:222103-应交所得税"
IIT_PAYABLE = "Liabilities:2221-应交税费:222107-应交个人所得税"
SURCHARGE_PAYABLE = {
    "city": "Liabilities:2221-应交税费:222104-应交城市维护建设税",
    "edu": "Liabilities:2221-应交税费:222105-应交教育费附加",
    "local": "Liabilities:2221-应交税费:222106-应交地方教育附加",
}
SURCHARGE_EXPENSE = {
    "city": "Expenses:5403-税金及附加:540301-城市维护建设税",
    "edu": "Expenses:5403-税金及附加:540302-教育费附加",
    "local": "Expenses:5403-税金及附加:540303-地方教育附加",
}
TREASURY = "Liabilities:2232-应付利润:223201-上缴国库"
STUDENT_PAYABLE = "Liabilities:2241-其他应付款:224101-学生劳动报酬"
SOCIAL_WITHHELD = "Liabilities:2241-其他应付款:224102-代扣社会保险费"
CAPITAL = "Equity:3001-实收资本"
FUND_LIABILITY = {
    "FJ": "Liabilities:2401-递延收益:240101-福建援疆资金",
    "ZJ": "Liabilities:2401-递延收益:240102-职业教育专项资金",
}
WORK_STUDY = "Income:5001-主营业务收入:500101-勤工俭学收入"
TECH_SERVICE = "Income:5001-主营业务收入:500102-技术服务收入"
GRANT_INCOME = "Income:5301-营业外收入:530102-政府补助"
MATERIALS = "Expenses:5401-主营业务成本:540103-原材料耗用"
APPRENTICE = "Expenses:5401-主营业务成本:540102-学徒补贴"
PRODUCTION_WAGES = "Expenses:5401-主营业务成本:540104-生产人员工资"
PRODUCTION_SOCIAL = "Expenses:5401-主营业务成本:540105-生产人员社会保险费"
FREIGHT = "Expenses:5601-销售费用:560101-运输费"
PLATFORM = "Expenses:5601-销售费用:560102-平台服务费"
ADMIN_WAGES = "Expenses:5602-管理费用:560201-管理人员工资"
OFFICE = "Expenses:5602-管理费用:560202-办公费"
UTILITIES = "Expenses:5602-管理费用:560203-水电费"
TRAINING_EXPENSE = "Expenses:5602-管理费用:560204-职工教育经费"
DEPRECIATION_EXPENSE = "Expenses:5602-管理费用:560205-折旧费"
ADMIN_SOCIAL = "Expenses:5602-管理费用:560206-社会保险费"
ENTERTAINMENT = "Expenses:5602-管理费用:560207-业务招待费"
BANK_FEES = "Expenses:5603-财务费用:560301-手续费"
RETURN_MISUSE = "Expenses:5711-营业外支出:571101-退还违规资金"
INCOME_TAX = "Expenses:5801-所得税费用"

# (account, code): the chart of accounts, 小企业会计准则 codes.
CHART = [
    (CASH, "1001"), ("Assets:1002-银行存款", "1002"), (BANK, "100201"), (BANK2, "100202"),
    ("Assets:1012-其他货币资金", "1012"), (RECEIVABLE, "1122"), ("Assets:1123-预付账款", "1123"),
    ("Assets:1221-其他应收款", "1221"), ("Assets:1221-其他应收款:122199-待查明款项", "122199"),
    (RAW_MATERIALS, "1403"), (GOODS, "1405"),
    (EQUIPMENT, "160101"), (OFFICE_EQUIPMENT, "160102"), (DEPRECIATION, "1602"),
    (PAYABLE, "2202"), (WAGES_PAYABLE, "221101"),
    (SOCIAL_PAYABLE, "221102"), (TRAINING_PAYABLE, "221104"),
    (VAT, "222101"), (INCOME_TAX_PAYABLE, "222103"),
    (SURCHARGE_PAYABLE["city"], "222104"), (SURCHARGE_PAYABLE["edu"], "222105"),
    (SURCHARGE_PAYABLE["local"], "222106"), (IIT_PAYABLE, "222107"),
    (TREASURY, "223201"), (STUDENT_PAYABLE, "224101"), (SOCIAL_WITHHELD, "224102"),
    (FUND_LIABILITY["FJ"], "240101"), (FUND_LIABILITY["ZJ"], "240102"),
    (CAPITAL, "3001"), ("Equity:3101-盈余公积", "3101"), ("Equity:3103-本年利润", "3103"),
    ("Equity:3104-利润分配:310405-应付利润", "310405"),
    ("Equity:3104-利润分配:310415-未分配利润", "310415"),
    (WORK_STUDY, "500101"), (TECH_SERVICE, "500102"),
    ("Income:5051-其他业务收入:505101-场地租赁收入", "505101"),
    ("Income:5301-营业外收入:530101-非流动资产处置净收益", "530101"), (GRANT_INCOME, "530102"),
    ("Expenses:5401-主营业务成本:540101-学生劳动报酬", "540101"), (APPRENTICE, "540102"),
    (MATERIALS, "540103"), (PRODUCTION_WAGES, "540104"), (PRODUCTION_SOCIAL, "540105"),
    (SURCHARGE_EXPENSE["city"], "540301"), (SURCHARGE_EXPENSE["edu"], "540302"),
    (SURCHARGE_EXPENSE["local"], "540303"),
    (FREIGHT, "560101"), (PLATFORM, "560102"), (ADMIN_WAGES, "560201"), (OFFICE, "560202"),
    (UTILITIES, "560203"), (TRAINING_EXPENSE, "560204"), (DEPRECIATION_EXPENSE, "560205"),
    (ADMIN_SOCIAL, "560206"), (ENTERTAINMENT, "560207"),
    (BANK_FEES, "560301"), (RETURN_MISUSE, "571101"), (INCOME_TAX, "5801"),
]

BASES = ("农产品精深加工", "电子商务", "纺织服装")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "晓明华丽军红伟芳娜敏静强磊洋艳勇杰娟涛超秀霞刚平辉玲鹏飞桂兰萍建波宁燕斌宇浩凯婷雪梅琳龙阳帆佳欣怡雯"
    "瑞鑫晨阿依古丽买买提热娜迪拉努尔"
)
CUSTOMERS = {
    "农产品精深加工": ["昌吉市惠民超市有限公司", "呼图壁县天山食品有限公司", "乌鲁木齐北园春果蔬批发商行",
                  "新疆丝路粮油贸易有限公司", "呼图壁县第一中学食堂"],
    "电子商务": ["拼多多平台结算", "抖音电商平台结算", "淘宝网店结算", "昌吉州邮政电商服务中心"],
    "纺织服装": ["新疆天山纺织服装有限公司", "呼图壁县人民医院", "昌吉州第二中学", "石河子市锦华制衣厂"],
}
SUPPLIERS = {
    "农产品精深加工": ["呼图壁县农丰农资有限公司", "昌吉市绿源包装材料厂", "呼图壁县五工台乡合作社"],
    "电子商务": ["新疆顺丰速运有限公司", "昌吉市美印包装有限公司"],
    "纺织服装": ["石河子市华新面料有限公司", "乌鲁木齐辅料城金线商行"],
}
RELATED_PARTY = "呼图壁县职业技术学校后勤服务部"
# 六税两费 halving for small-scale taxpayers: 财政部 税务总局公告2023年第12号, 2023–2027.
HALVING_FROM, HALVING_UNTIL = 2023, 2028
# 小型微利企业: 应纳税所得额减按25%计入, 按20%税率 (财政部 税务总局公告2023年第12号) = 5%.
INCOME_TAX_RATE = Decimal("0.05")
# 业务招待费 is deductible at 60% (企业所得税法实施条例 第四十三条): the rest is the 汇算清缴 adjustment.
ENTERTAINMENT_DEDUCTIBLE = Decimal("0.60")
# 社保: the employer's share (养老 16%, 医疗 7%, 失业 0.5%, 工伤 0.5%) and the employee's (8% + 2% + 0.5%).
UNIT_SOCIAL_RATE, PERSONAL_SOCIAL_RATE = Decimal("0.24"), Decimal("0.105")
# The books are written up to this month: the month before the demo's date of judgement.
LAST_MONTH = (2026, 11)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year, month + 1) if month < 12 else (year + 1, 1)


def opening_day(start_year: int) -> datetime.date:
    """The day the books are set up: the chart opens and the opening balances are entered."""
    return datetime.date(start_year - 1, 12, 31)


def workdays(year: int, month: int) -> list[datetime.date]:
    days = calendar.monthrange(year, month)[1]
    return [d for d in (datetime.date(year, month, i) for i in range(1, days + 1)) if is_workday(d)]


def money(value) -> str:
    return f"{to_fen(value):.2f}"


class Txn:
    """One transaction as the accountant writes it."""

    def __init__(self, date, payee, narration, postings, meta=None):
        self.date, self.payee, self.narration = date, payee, narration
        self.postings = postings  # (account, amount, posting meta dict or None)
        self.meta = dict(meta or {})

    def bank_delta(self) -> Decimal:
        return sum((amount for account, amount, _ in self.postings if account == BANK), Decimal(0))

    def render(self, voucher: str) -> str:
        head = f'{self.date} * "{self.payee}" "{self.narration}"' if self.payee else f'{self.date} * "{self.narration}"'
        lines = [head, f'  voucher: "{voucher}"']
        for key, value in self.meta.items():
            lines.append(f"  {key}: {value}")
        for account, amount, meta in self.postings:
            lines.append(f"  {account}  {money(amount)} CNY" if amount is not None else f"  {account}")
            for key, value in (meta or {}).items():
                lines.append(f"    {key}: {value}")
        return "\n".join(lines)


def q(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


class Books:
    """Generates the centre's books month by month, keeping every running total the
    plugins will check: VAT base and sales per quarter, P1 pool per month, profit per year."""

    def __init__(self, seed: int, start_year: int, scale: float, students_per_base: int, last_month=LAST_MONTH):
        self.rng = random.Random(seed)
        self.start_year, self.scale = start_year, scale
        self.last_month = last_month
        self.years = last_month[0] - start_year + 1
        self.txns: list[Txn] = []
        self.customs: list[str] = []
        self.balances: list[str] = []
        self.bank = Decimal(0)
        self.profit = collections.defaultdict(Decimal)  # year → profit before income tax
        self.tax_accrued = collections.defaultdict(Decimal)  # year → income tax accrued so far
        self.loss = Decimal(0)  # P2 losses carried forward, absorbed by later profits first
        self.nondeductible = collections.defaultdict(Decimal)  # year → 纳税调增 of the 汇算清缴
        self.releases = {}  # fund → monthly release: grants released over their assets' depreciation
        self.invoice_seq = 0
        self.students = self._roster(students_per_base)
        self.apprentices = []
        self.depreciation = Decimal(0)
        self.net_profit = {}
        self.quarter_vat = Decimal(0)  # VAT credited so far in the current quarter
        self.scheduled = collections.defaultdict(list)  # (year, month) → payments booked later

    # -- helpers --------------------------------------------------------------

    def _roster(self, per_base):
        students, used = [], set()
        for b, base in enumerate(BASES, start=1):
            for i in range(1, per_base + 1):
                while True:
                    name = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
                    if name not in used:
                        used.add(name)
                        break
                grade = self.start_year - 1
                students.append((f"{grade}{b:02d}{i:02d}" if per_base < 100 else f"{grade}{b:02d}{i:04d}",
                                 name, f"{grade}级{base}{1 + (i - 1) // 20}班", base))
        return students

    def invoice(self, year) -> str:
        self.invoice_seq += 1
        return q(f"{year % 100:02d}652000{self.rng.randrange(10**5, 10**6)}{self.invoice_seq:06d}")

    def add(self, txn: Txn):
        # Every expense or asset of 1,000 or more has its scanned evidence (a calculation
        # sheet for accruals), as the audit's missing-document test expects.
        if any(acc.startswith(("Expenses:", "Assets:1601")) and amount >= 1000 for acc, amount, _ in txn.postings):
            txn.meta.setdefault("document", None)
        self.txns.append(txn)
        self.bank += txn.bank_delta()
        return txn

    def schedule(self, txn: Txn):
        """A payment that falls in a later month (taxes, remittance): booked when that month is written."""
        self.scheduled[(txn.date.year, txn.date.month)].append(txn)

    def pay(self, date, payee, narration, account, amount, meta=None, source=BANK, posting_meta=None):
        """An expense or purchase paid from the bank (or cash); counts toward profit if an expense."""
        meta = dict(meta or {})
        if account.startswith("Expenses:"):
            self.profit[date.year] -= amount
        return self.add(Txn(date, payee, narration, [(account, amount, posting_meta), (source, -amount, None)], meta))

    # -- the months -------------------------------------------------------------

    def run(self):
        self.opening()
        pool, last_hours = Decimal(0), []  # P1 accruals of the month and its hours, paid the next month
        for year in range(self.start_year, self.last_month[0] + 1):
            for quarter in range(4):
                sales = Decimal(0)
                months = [m for m in range(3 * quarter + 1, 3 * quarter + 4) if (year, m) <= self.last_month]
                for month in months:
                    days = workdays(year, month)
                    self.balances.append(f"{datetime.date(year, month, 1)} balance {BANK}  {money(self.bank)} CNY")
                    for txn in self.scheduled.pop((year, month), []):
                        self.add(txn)
                    if pool:
                        self.student_payout(days[min(6, len(days) - 1)], pool, last_hours)
                    income, pool, last_hours = self.month(year, month, days, last_month_of_quarter=month % 3 == 0)
                    sales += income
                if len(months) == 3:  # a quarter still running on the last booked month is not closed
                    self.quarter_end(year, quarter, self.quarter_vat, sales)
                    self.quarter_vat = Decimal(0)
            if (year, 12) <= self.last_month:
                self.year_end(year)
        return self

    def opening(self):
        """The balances carried over from the centre's books of the year before (建账: 期初余额),
        dated the previous 12-31, so they are the first year's 年初余额 and none of it a flow
        of that year: the money in one entry, everything else in another (each against
        实收资本), so no cash posting has a mixed counterpart. What was owed or receivable
        then is settled in January. The registers: related party, funds, apprentices."""
        start = opening_day(self.start_year)
        scale = Decimal(str(max(1, self.scale)))

        def amount(value) -> Decimal:
            return to_fen(Decimal(value) * scale)

        wages = amount(46000)  # the December wages whose social insurance and 个税 are paid in January
        social_unit, social_personal = to_fen(wages * UNIT_SOCIAL_RATE), to_fen(wages * PERSONAL_SOCIAL_RATE)
        iit = to_fen((wages - social_personal) * Decimal("0.01"))
        others = [
            (RECEIVABLE, amount(46800)), (RAW_MATERIALS, amount(18600)), (GOODS, amount(32450)),
            (EQUIPMENT, amount(420000)), (OFFICE_EQUIPMENT, amount(60000)), (DEPRECIATION, -amount(126000)),
            (PAYABLE, -amount(28900)), (SOCIAL_PAYABLE, -social_unit), (INCOME_TAX_PAYABLE, -amount("3862.40")),
            (IIT_PAYABLE, -iit), (SOCIAL_WITHHELD, -social_personal),
        ]
        petty, second_bank = Decimal("2150.00"), amount(85000)
        bank = amount(1500000) - sum(value for _, value in others) - petty - second_bank  # 实收资本 1,500,000
        cash = [(CASH, petty), (BANK, bank), (BANK2, second_bank)]
        for what, balances in (("货币资金", cash), ("其他科目", others)):
            rest = -sum(value for _, value in balances)
            self.add(Txn(start, None, f"建账: {start.year}年12月31日{what}余额 (期初余额)",
                         [(account, value, None) for account, value in balances + [(CAPITAL, rest)]]))
        # Straight line: training equipment over ten years, office equipment over five.
        self.depreciation += amount(420000) / 120 + amount(60000) / 60
        self.depreciation = to_fen(self.depreciation)
        days = workdays(self.start_year, 1)
        prior = self.start_year - 1
        self.schedule(Txn(days[4], "新疆丝路粮油贸易有限公司", f"收回{prior}年末应收货款",
                          [(BANK, amount(46800), None), (RECEIVABLE, -amount(46800), None)]))
        self.schedule(Txn(days[6], "呼图壁县农丰农资有限公司", f"支付{prior}年末应付材料款",
                          [(PAYABLE, amount(28900), None), (BANK, -amount(28900), None)], {"document": None}))
        self.schedule(Txn(days[8], "国家税务总局呼图壁县税务局", f"缴纳{prior}年第4季度企业所得税 (预缴)",
                          [(INCOME_TAX_PAYABLE, amount("3862.40"), None), (BANK, -amount("3862.40"), None)],
                          {"document": None}))
        self.social_payments(days, prior, 12, social_unit, social_personal, iit, book=self.schedule)
        day = days[0]
        self.customs.append(f'{day} custom "related-party" {q(RELATED_PARTY)}\n  relation: "举办学校的内部服务部门"')
        allowed = "Assets:1601-固定资产,Expenses:5401-主营业务成本:540103-原材料耗用"
        first, second = self.start_year, self.start_year + 1
        self.customs.append(
            f'{datetime.date(first, 3, 1)} custom "fund" "FJ-{first}" 300000.00 CNY\n'
            f'  source: "福建省对口援疆资金 (闽援疆〔{first}〕12号)"\n  purpose: "实训基地设备购置及实训耗材"\n'
            f'  allowed: "{allowed}"\n  expires: {datetime.date(second, 12, 31)}')
        self.customs.append(
            f'{datetime.date(second, 2, 1)} custom "fund" "ZJ-{second}" 100000.00 CNY\n'
            f'  source: "呼图壁县职业教育专项资金 (呼财教〔{second}〕8号)"\n  purpose: "实训设备及实训耗材"\n'
            f'  allowed: "{allowed}"\n  expires: {datetime.date(second + 1, 12, 31)}')
        for n, (start, name) in enumerate(((datetime.date(self.start_year, 3, 1), "马晓东"),
                                           (datetime.date(self.start_year, 9, 1), "古丽娜尔"))):
            ident = f"AP-{self.start_year}-{n + 1:02d}"
            self.apprentices.append((ident, start))
            self.customs.append(f'{start} custom "apprentice" "{ident}" "{name}"\n  start: {start}\n'
                                f'  base: "{BASES[n]}"')

    def sale(self, day, base, net, vat, to_receivable=False):
        customer = self.rng.choice(CUSTOMERS[base])
        debit = RECEIVABLE if to_receivable else BANK
        txn = Txn(day, customer, f"{base}实训基地产品销售", [
            (debit, net + vat, None), (WORK_STUDY, -net, None), (VAT, -vat, None)],
            {"invoice": self.invoice(day.year), "base": q(base)})
        self.add(txn)
        self.quarter_vat += vat
        # P1: plugins.work_study accrues 20% of the sale as student remuneration expense.
        self.profit[day.year] += net - to_fen(Decimal("0.20") * net)
        return txn

    def month(self, year, month, days, last_month_of_quarter):
        rng = self.rng
        n_sales = max(3, round(rng.randint(8, 11) * self.scale))
        income, pool, receivables = Decimal(0), Decimal(0), []
        sale_days = sorted(rng.choice(days[:-1] or days) for _ in range(n_sales))
        for i, day in enumerate(sale_days):
            net = to_fen(Decimal(rng.randint(600000, 2400000)) / 100)
            on_credit = rng.random() < 0.2 and day < days[-3]
            self.sale(day, BASES[i % 3], net, to_fen(net * Decimal("0.01")), on_credit)
            if on_credit:
                receivables.append((day, net + to_fen(net * Decimal("0.01"))))
            income += net
            pool += to_fen(Decimal("0.20") * net)
        for day, amount in receivables:
            # Collected two to five weeks later, often in the next month (the balance sheet's 应收账款).
            collect = day + datetime.timedelta(days=rng.randint(14, 35))
            while not is_workday(collect):
                collect += datetime.timedelta(days=1)
            txn = Txn(collect, None, "收回应收货款", [(BANK, amount, None), (RECEIVABLE, -amount, None)])
            if collect.month == month:
                self.add(txn)
            else:
                self.schedule(txn)
        if rng.random() < 0.25 * self.scale:
            net = to_fen(Decimal(rng.randint(200000, 900000)) / 100)
            vat = to_fen(net * Decimal("0.01"))
            customer = rng.choice(["呼图壁县农业农村局", "昌吉州职业技能鉴定中心", "呼图壁县融媒体中心"])
            # Technical service by staff, not students: no work-study share.
            self.add(Txn(rng.choice(days[:-1] or days), customer, "教师团队对外技术服务", [
                (BANK, net + vat, None), (TECH_SERVICE, -net, None), (VAT, -vat, None)],
                {"invoice": self.invoice(year)}))
            self.quarter_vat += vat
            self.profit[year] += net
            income += net
        if last_month_of_quarter:
            # The quarter's last sale brings the VAT base to an even whole yuan, so every
            # surcharge (5%, 3%, 2%, then halved) is exact to the fen whatever the rounding order.
            vat = to_fen((int(self.quarter_vat) // 2 + 1) * 2 - self.quarter_vat)
            if vat < 1:
                vat += 2
            self.sale(days[-1], BASES[0], vat * 100, vat)
            income += vat * 100
            pool += to_fen(Decimal("0.20") * vat * 100)
        self.expenses(year, month, days)
        return income, pool, self.work_hours(year, month)

    def expenses(self, year, month, days):
        rng = self.rng
        scale = Decimal(str(self.scale))
        for _ in range(max(2, round(5 * self.scale))):
            base = rng.choice(BASES)
            supplier = rng.choice(SUPPLIERS[base])
            amount = to_fen(Decimal(rng.randint(80000, 940000)) / 100)
            self.pay(rng.choice(days), supplier, f"{base}实训基地采购原材料", MATERIALS, amount,
                     {"invoice": self.invoice(year), "base": q(base)})
        self.wages(year, month, days, scale)
        if rng.random() < 0.6 * self.scale:
            self.credit_purchase(year, month, days)
        if month % 2 == 0:
            amount = to_fen(Decimal(rng.randint(30000, 160000)) / 100)
            self.pay(rng.choice(days), rng.choice(["呼图壁县天山宾馆", "呼图壁县丝路人家餐厅"]), "客户接待餐费",
                     ENTERTAINMENT, amount, {"invoice": self.invoice(year)})
            self.nondeductible[year] += to_fen(amount * (1 - ENTERTAINMENT_DEDUCTIBLE))
        self.pay(rng.choice(days[5:] or days), "国网新疆电力有限公司昌吉供电公司", f"{month}月水电费", UTILITIES,
                 to_fen(Decimal(rng.randint(300000, 900000)) / 100 * scale), {"invoice": self.invoice(year)})
        self.pay(rng.choice(days), "拼多多平台结算", f"{month}月电商平台服务费", PLATFORM,
                 to_fen(Decimal(rng.randint(60000, 300000)) / 100 * scale), {"invoice": self.invoice(year)})
        self.pay(rng.choice(days), "新疆顺丰速运有限公司", f"{month}月产品运输费", FREIGHT,
                 to_fen(Decimal(rng.randint(90000, 400000)) / 100 * scale), {"invoice": self.invoice(year)})
        self.pay(rng.choice(days), "呼图壁县文汇办公用品店", "购买办公用品", OFFICE,
                 to_fen(Decimal(rng.randint(8000, 95000)) / 100), {"invoice": self.invoice(year)}, source=CASH)
        self.pay(days[-1], "呼图壁县农村信用合作联社", f"{month}月银行手续费", BANK_FEES,
                 to_fen(Decimal(rng.randint(1500, 9000)) / 100))
        if month % 3 == 1:
            self.add(Txn(days[0], None, "提取备用金", [(CASH, Decimal(3000), None), (BANK, Decimal(-3000), None)]))
        if month in (4, 10):
            self.pay(rng.choice(days), RELATED_PARTY, "后勤服务部代购劳保用品", OFFICE,
                     to_fen(Decimal(rng.randint(150000, 400000)) / 100), {"invoice": self.invoice(year)})
        for ident, start in self.apprentices:
            if datetime.date(year, month, 1) >= start.replace(day=1):
                self.pay(days[min(9, len(days) - 1)], None, f"发放学徒{ident}{month}月学徒补贴", APPRENTICE,
                         Decimal(400), posting_meta={"apprentice": q(ident)})
        if self.depreciation:
            self.add(Txn(days[-1], None, f"计提{month}月固定资产折旧", [
                (DEPRECIATION_EXPENSE, self.depreciation, None), (DEPRECIATION, -self.depreciation, None)]))
            self.profit[year] -= self.depreciation
        for fund, monthly in self.releases.items():
            self.release(days[-1], fund, monthly, f"按{month}月折旧额结转{fund}购置设备的政府补助")
        self.funds(year, month, days)

    def credit_purchase(self, year, month, days):
        """Materials bought on credit, paid the next month: the payable the balance sheet shows."""
        rng = self.rng
        base = rng.choice(BASES)
        amount = to_fen(Decimal(rng.randint(150000, 600000)) / 100)
        txn = self.add(Txn(rng.choice(days[:-5] or days), rng.choice(SUPPLIERS[base]), f"{base}实训基地赊购原材料",
                           [(MATERIALS, amount, None), (PAYABLE, -amount, None)],
                           {"invoice": self.invoice(year), "base": q(base)}))
        self.profit[year] -= amount
        self.schedule(Txn(workdays(*next_month(year, month))[7], txn.payee, "支付上月赊购材料款",
                          [(PAYABLE, amount, None), (BANK, -amount, None)], {"document": None}))

    def wages(self, year, month, days, scale):
        """计提 the month's wages and the employer's social insurance; 发放 them the same day,
        withholding the employee's social insurance and 个税, both paid over the next month."""
        rng = self.rng
        wages_prod = to_fen(Decimal(rng.randint(2400000, 2700000)) / 100 * scale)
        wages_admin = to_fen(Decimal(rng.randint(1000000, 1150000)) / 100 * scale)
        social_prod, social_admin = to_fen(wages_prod * UNIT_SOCIAL_RATE), to_fen(wages_admin * UNIT_SOCIAL_RATE)
        gross = wages_prod + wages_admin
        self.add(Txn(days[-1], None, f"计提{month}月工资及单位社会保险费", [
            (PRODUCTION_WAGES, wages_prod, None), (ADMIN_WAGES, wages_admin, None),
            (WAGES_PAYABLE, -gross, None), (PRODUCTION_SOCIAL, social_prod, None),
            (ADMIN_SOCIAL, social_admin, None), (SOCIAL_PAYABLE, -(social_prod + social_admin), None)],
            {"document": None}))
        self.profit[year] -= gross + social_prod + social_admin
        personal = to_fen(gross * PERSONAL_SOCIAL_RATE)
        iit = to_fen((gross - personal) * Decimal(rng.randint(80, 120)) / 10000)
        self.add(Txn(days[-1], None, f"发放{month}月工资 (代扣个人社会保险费及个人所得税)", [
            (WAGES_PAYABLE, gross, None), (SOCIAL_WITHHELD, -personal, None), (IIT_PAYABLE, -iit, None),
            (BANK, -(gross - personal - iit), None)], {"document": None}))
        self.social_payments(workdays(*next_month(year, month)), year, month, social_prod + social_admin, personal, iit,
                             book=self.schedule)

    def social_payments(self, days, year, month, unit, personal, iit, book):
        """The month's social insurance (both shares) and the 个税 withheld, paid the next month."""
        book(Txn(days[min(9, len(days) - 1)], "国家税务总局呼图壁县税务局", f"缴纳{year}年{month}月社会保险费", [
            (SOCIAL_PAYABLE, unit, None), (SOCIAL_WITHHELD, personal, None), (BANK, -(unit + personal), None)],
            {"document": None}))
        book(Txn(days[min(9, len(days) - 1)], "国家税务总局呼图壁县税务局", f"缴纳{year}年{month}月代扣个人所得税", [
            (IIT_PAYABLE, iit, None), (BANK, -iit, None)], {"document": None}))

    def release(self, day, fund, amount, narration):
        """SPEC §2 政府补助: Dr 2401 / Cr 530102, `fund:` on the 2401 posting (neither a receipt nor a use)."""
        self.add(Txn(day, None, narration, [
            (FUND_LIABILITY[fund[:2]], amount, {"fund": q(fund)}), (GRANT_INCOME, -amount, None)],
            {"document": None}))
        self.profit[day.year] += amount

    def funds(self, year, month, days):
        """The earmarked funds: 福建援疆 (FJ) in the first year, 职业教育专项 (ZJ) in the second
        and third. Grant income is released as SPEC §2 says: materials in the month they are
        used, equipment over its depreciation (from the month after it is bought)."""
        rng = self.rng
        first, second, third = self.start_year, self.start_year + 1, self.start_year + 2
        fj, zj = f"FJ-{first}", f"ZJ-{second}"
        plan = {
            (first, 3): ("receive", fj, Decimal(300000), "福建省对口援疆资金拨入"),
            (first, 4): ("equipment", fj, Decimal("168000.00"), "购置农产品加工实训设备"),
            (first, 9): ("materials", fj, Decimal("36480.50"), "援疆资金购置实训原材料"),
            (second, 2): ("receive", zj, Decimal(100000), "县财政拨入职业教育专项资金"),
            (second, 3): ("equipment", fj, Decimal("74500.00"), "购置电子商务直播实训设备"),
            (second, 5): ("equipment", zj, Decimal("58800.00"), "购置纺织服装实训缝纫设备"),
            (second, 10): ("materials", zj, Decimal("21360.00"), "专项资金购置实训面料"),
            (third, 4): ("materials", zj, Decimal("15600.00"), "专项资金购置实训耗材"),
        }
        if (year, month) not in plan:
            return
        kind, fund, amount, narration = plan[(year, month)]
        day = days[min(4, len(days) - 1)]
        fund_meta = {"fund": q(fund)}
        if kind == "receive":
            self.add(Txn(day, "呼图壁县财政局", narration, [
                (BANK, amount, None), (FUND_LIABILITY[fund[:2]], -amount, None)], dict(fund_meta)))
        elif kind == "equipment":
            self.pay(day, rng.choice(["新疆天工机械设备有限公司", "乌鲁木齐智联教学设备有限公司"]), narration,
                     EQUIPMENT, amount, dict(fund_meta, invoice=self.invoice(year)))
            monthly = to_fen(amount / 120)  # ten years, straight line
            self.depreciation += monthly
            self.releases[fund] = self.releases.get(fund, Decimal(0)) + monthly
        else:
            self.pay(day, rng.choice(SUPPLIERS["纺织服装"]), narration, MATERIALS, amount,
                     dict(fund_meta, invoice=self.invoice(year)))
            self.release(day, fund, amount, f"{fund}购置实训材料, 结转政府补助")
        if (year, month) == (second, 3):
            # The 2025 audit found 4,800 of the centre's money spent on staff meals charged
            # as training; the finding is recorded and the money returned before the deadline.
            self.customs.append(
                f'{day} custom "finding" "SJ-{second}-01" 4800.00 CNY\n  clause: "P10"\n'
                f'  description: "职业教育专项资金列支职工聚餐费用, 责令限期退还"\n'
                f'  deadline: {datetime.date(second, 6, 30)}\n  fund: "{zj}"')
        if (year, month) == (second, 5):
            self.pay(days[-2], "呼图壁县财政局", "退还审计查出违规使用资金", RETURN_MISUSE, Decimal("4800.00"),
                     {"finding": q(f"SJ-{second}-01")})

    def work_hours(self, year, month):
        """One work-hours entry per student per month (the importer's aggregation)."""
        end = datetime.date(year, month, calendar.monthrange(year, month)[1])
        hours = []
        for ident, _name, _class, base in self.students:
            h = Decimal(self.rng.randint(16, 120)) / 2
            hours.append(h)
            self.customs.append(f'{end} custom "work-hours" "{ident}" {h}\n  base: "{base}"')
        return hours

    def student_payout(self, day, pool, hours):
        """Last month's P1 pool split over last month's hours (largest remainder)."""
        shares = allocate(pool, hours)
        postings = [(STUDENT_PAYABLE, share, {"student": q(ident)})
                    for (ident, *_), share in zip(self.students, shares, strict=True) if share]
        postings.append((BANK, -pool, None))
        self.add(Txn(day, None, "发放上月学生劳动报酬", postings, {"document": None}))

    def accrue_surcharges(self, day, year, quarter, vat_base, sales):
        """P9, on the quarter's last working day: 城建税 5%, the two surcharges 3% and 2%
        unless the quarter's sales stay within 300,000, 六税两费 halved (the base is an even
        whole yuan, so the 申报表's rounding gives the same); returns what is due. A quarter
        still running on the last booked month has no accrual yet (P9 judges it once over)."""
        exempt = sales <= Decimal(300000)
        due = {
            "city": to_fen(vat_base * Decimal("0.05")),
            "edu": Decimal(0) if exempt else to_fen(vat_base * Decimal("0.03")),
            "local": Decimal(0) if exempt else to_fen(vat_base * Decimal("0.02")),
        }
        halving = HALVING_FROM <= year < HALVING_UNTIL  # as policies.beancount says
        if halving:
            due = {k: to_fen(v / 2) for k, v in due.items()}
        postings = []
        for key in ("city", "edu", "local"):
            if due[key]:
                postings += [(SURCHARGE_EXPENSE[key], due[key], None), (SURCHARGE_PAYABLE[key], -due[key], None)]
        note = "(季度销售额未超过30万元, 教育费附加和地方教育附加免征)" if exempt else ""
        half = ", 减半征收" if halving else ""
        self.add(Txn(day, None, f"计提{year}年第{quarter + 1}季度城建税及教育费附加{half}{note}", postings))
        self.profit[year] -= sum(due.values())
        return due

    def quarter_end(self, year, quarter, vat_base, sales):
        """P9 surcharges, the P5 training-fund accrual and the income tax 预缴 of the quarter."""
        last = max(d for m in range(3 * quarter + 1, 3 * quarter + 4) for d in workdays(year, m))
        due = self.accrue_surcharges(last, year, quarter, vat_base, sales)
        training = to_fen(sales * Decimal("0.025"))
        self.add(Txn(last, None, f"按收入2.5%计提{year}年第{quarter + 1}季度职工教育经费", [
            (TRAINING_EXPENSE, training, None), (TRAINING_PAYABLE, -training, None)]))
        self.profit[year] -= training
        # 企业所得税 预缴 on the profit of the year so far (累计利润 × 5%, less what is accrued).
        prepay = max(Decimal(0), to_fen(self.profit[year] * INCOME_TAX_RATE) - self.tax_accrued[year])
        if prepay:
            self.add(Txn(last, None, f"计提{year}年第{quarter + 1}季度企业所得税 (预缴)", [
                (INCOME_TAX, prepay, None), (INCOME_TAX_PAYABLE, -prepay, None)]))
            self.tax_accrued[year] += prepay
        # The next quarter's first month: pay the VAT, surcharges and income tax, spend the training fund.
        nyear, nmonth = (year, 3 * quarter + 4) if quarter < 3 else (year + 1, 1)
        if (nyear, nmonth) <= self.last_month:
            days = workdays(nyear, nmonth)
            tax_day = days[min(9, len(days) - 1)]
            if prepay:
                self.schedule(Txn(tax_day, "国家税务总局呼图壁县税务局", f"预缴{year}年第{quarter + 1}季度企业所得税",
                                  [(INCOME_TAX_PAYABLE, prepay, None), (BANK, -prepay, None)], {"document": None}))
            lines = [(VAT, vat_base, None)] + [(SURCHARGE_PAYABLE[k], v, None) for k, v in due.items() if v]
            total = vat_base + sum(due.values())
            self.schedule(Txn(tax_day, "国家税务总局呼图壁县税务局", f"缴纳{year}年第{quarter + 1}季度增值税及附加税费",
                                      lines + [(BANK, -total, None)], {"document": None}))
            frontline = to_fen(training * Decimal("0.75"))
            other = to_fen(training * Decimal("0.2"))
            self.schedule(Txn(days[-3], "新疆技师培训学院", "一线生产职工技能培训费",
                                      [(TRAINING_PAYABLE, frontline, None), (BANK, -frontline, None)],
                                      {"frontline": "TRUE", "document": None}))
            self.schedule(Txn(days[-2], "昌吉州财会培训中心", "财务人员继续教育培训费",
                                      [(TRAINING_PAYABLE, other, None), (BANK, -other, None)],
                                      {"frontline": "FALSE", "document": None}))

    def year_end(self, year):
        """Income tax 汇算清缴 (小型微利企业: 5% of the taxable income = profit + 纳税调增),
        its difference to the quarterly 预缴 accrued on 12-31 and paid by 05-31; then the
        remittance of the year's net profit (P2), with its 缴款书号. No 结转 entries: the
        statements compute 本年利润 themselves (SPEC §2, the recommended practice)."""
        end = datetime.date(year, 12, 31)
        profit = self.profit[year]
        taxable = profit + self.nondeductible[year]
        tax = to_fen(taxable * INCOME_TAX_RATE) if taxable > 0 else Decimal(0)
        adjust = tax - self.tax_accrued[year]
        if adjust:
            self.add(Txn(end, None, f"{year}年度企业所得税汇算清缴: 纳税调增 {money(self.nondeductible[year])} 元, "
                         f"补提应纳税额", [(INCOME_TAX, adjust, None), (INCOME_TAX_PAYABLE, -adjust, None)]))
        net = profit - tax
        absorbed = min(self.loss, max(net, Decimal(0)))
        self.loss += max(-net, Decimal(0)) - absorbed
        owed = max(net, Decimal(0)) - absorbed
        if (year + 1, 5) <= self.last_month:
            days = workdays(year + 1, 4)
            if adjust > 0:
                self.schedule(Txn(workdays(year + 1, 5)[9], "国家税务总局呼图壁县税务局",
                                  f"缴纳{year}年度企业所得税汇算清缴补税", [
                                      (INCOME_TAX_PAYABLE, adjust, None), (BANK, -adjust, None)], {"document": None}))
            if owed > 0:
                self.schedule(Txn(days[12], "国家金库呼图壁县支库", f"上缴{year}年度生产经营纯利润", [
                    (TREASURY, owed, None), (BANK, -owed, None)],
                    {"receipt": q(f"({year + 1})新财缴{self.rng.randrange(10**6, 10**7)}"), "document": None}))
        self.net_profit[year] = net

    def year_texts(self) -> dict[int, list[str]]:
        """Each year's transactions as text, vouchers numbered per month in date order."""
        by_month = collections.defaultdict(list)
        for txn in self.txns:
            by_month[(txn.date.year, txn.date.month)].append(txn)
        years = collections.defaultdict(list)
        for year, month in sorted(by_month):
            for n, txn in enumerate(sorted(by_month[(year, month)], key=lambda t: t.date), start=1):
                voucher = f"记-{year}-{month:02d}-{n:04d}"
                if "document" in txn.meta:
                    txn.meta["document"] = q(f"凭证/{year}/{voucher}.pdf")
                years[year].append(txn.render(voucher))
        for line in self.balances:
            years[int(line[:4])].append(line)
        return years

    def sections(self, plugins, config=None, importing=False) -> dict[str, str]:
        """The ledger's parts: name → text, in include order."""
        start = opening_day(self.start_year)
        accounts = [";; 会计科目表 (小企业会计准则): 科目组件 = 科目代码-科目名称, 每个科目带 code 元数据"]
        accounts += [f'{start} open {account} CNY\n  code: "{code}"' for account, code in CHART]
        policy_lines = [";; 政策参数 (按生效日期; 某日适用的值 = 该日及之前最近的一条; 无条目时用默认值)"]
        for name, (default, _kind, _clause) in POLICIES.items():
            policy_lines.append(f'2021-01-01 custom "policy" "{name}" {policy_literal(default)}')
        policy_lines.append(";; 小规模纳税人「六税两费」减半征收 (财政部 税务总局公告2023年第12号, 2023-01-01 至 2027-12-31)")
        policy_lines.append(f'{HALVING_FROM}-01-01 custom "policy" "six-taxes-halving" TRUE')
        policy_lines.append(f'{HALVING_UNTIL}-01-01 custom "policy" "six-taxes-halving" FALSE')
        years = self.year_texts()
        sections = {
            "header": header(plugins, config, importing),
            "accounts": "\n\n".join(accounts),
            "policies": "\n".join(policy_lines),
            "registers": ";; 登记簿: 关联方、学徒、专项资金、审计整改事项\n\n" + "\n\n".join(
                c for c in self.customs if '"work-hours"' not in c),
            "work-hours": ";; 学生实训工时 (每生每月一条, 由工时表导入)\n\n" + "\n".join(
                c for c in self.customs if '"work-hours"' in c),
        }
        sections["indicators"] = self.indicators(sorted(years))
        for year, texts in years.items():
            if year < self.start_year:  # the opening entry
                sections["opening"] = ";; 建账: 期初余额 (上年末各科目余额, 为首个年度的年初余额)\n\n" + "\n\n".join(texts)
                continue
            sections[str(year)] = f";; {TITLE} {year} 年度记账凭证 (凭证号按月连续)\n\n" + "\n\n".join(texts)
        return sections

    def indicators(self, years) -> str:
        """The finance bureau's P4/P7 declarations: county local-education-surcharge revenue
        and what of it went to vocational education; students enrolled and per-student funds."""
        rng = self.rng
        lines = [";; 县级指标申报 (P4 地方教育附加用于职业教育 ≥ 30%; P7 生均公用经费 ≥ 2000 元/生)",
                 ";; 数据由县财政局、教育局提供; 金额类条目同一年度累加, 在校生人数以最后一条为准。"]
        for year in years:
            students = 1600 + 50 * (year - self.start_year) + rng.randint(0, 40)
            spring = to_fen(students * rng.randint(1000, 1040))
            autumn = to_fen(students * rng.randint(1010, 1060))
            revenue = to_fen(Decimal(rng.randint(5600, 6400)) * 1000)
            first = to_fen(revenue * Decimal(rng.randint(150, 165)) / 1000)
            second = to_fen(revenue * Decimal(rng.randint(155, 170)) / 1000)
            day = {m: workdays(year, m) for m in (3, 6, 9, 10, 12)}
            declared = [
                f'{day[3][9]} custom "per-student-funds" "{year}" {money(spring)} CNY\n'
                f'  source: "县财政局"\n  description: "{year}年春季学期中职生均公用经费"',
                f'{day[9][9]} custom "per-student-funds" "{year}" {money(autumn)} CNY\n'
                f'  source: "县财政局"\n  description: "{year}年秋季学期中职生均公用经费"',
                f'{day[10][5]} custom "enrolled-students" "{year}" {students}\n  source: "县教育局学籍系统"',
                f'{day[6][-1]} custom "vocational-allocation" "{year}" {money(first)} CNY\n'
                f'  purpose: "中职校实训基地建设"',
                f'{day[12][-5]} custom "vocational-allocation" "{year}" {money(second)} CNY\n'
                f'  purpose: "中职校专业建设及双师型教师培训"',
                f'{datetime.date(year, 12, 31)} custom "local-edu-surcharge-revenue" "{year}" {money(revenue)} CNY\n'
                f'  source: "县财政局预算执行报表"',
            ]
            # What the bureaus have declared by the last booked month (no entry dated later).
            lines.append(f"\n;; ---- {year} 年度 ----")
            lines += [text for text in declared if (int(text[:4]), int(text[5:7])) <= self.last_month]
        return "\n".join(lines)

    def roster_csv(self) -> str:
        return "学号,姓名,班级,基地\n" + "".join(f"{i},{n},{c},{b}\n" for i, n, c, b in self.students)


def policy_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


PLUGIN_ORDER = ("work_study", "treasury", "taxes", "funds", "seal")


def available_plugins() -> list[str]:
    """The rule families whose modules exist, in SPEC order (a missing one is left out)."""
    return [name for name in PLUGIN_ORDER if importlib.util.find_spec(f"plugins.{name}")]


def combined_plugin() -> bool:
    """`plugins.all` (SPEC §2: one line for every family) exists: the ledgers use it."""
    return importlib.util.find_spec("plugins.all") is not None




def plugin_label(plugins) -> str:
    """What the plugin line runs, for the accountant: `plugins.all (work_study, …)`."""
    names = ", ".join(plugins) or "无"
    return f"plugins.all ({names})" if combined_plugin() else names


def header(plugins, config=None, importing=False) -> str:
    """Options, the Fava pages and the plugin line: `plugin "plugins.all"` when it exists,
    else one line per family; `config` (a dict) is the rules' settings, e.g. the roster's
    file name; `importing`: Fava's import page (the example has ledger/import.py beside it)."""
    lines = [
        f'option "title" "{TITLE}"',
        'option "operating_currency" "CNY"',
        '1900-01-01 custom "fava-option" "language" "zh_CN"',
        '1900-01-01 custom "fava-option" "invert-income-liabilities-equity" "true"',
    ]
    if importing:
        lines += [
            ';; 导入银行对账单与工时表 (使用指南第 6 章): 文件放进 待导入/, 在 "导入" 页面导入',
            '1900-01-01 custom "fava-option" "import-config" "import.py"',
            '1900-01-01 custom "fava-option" "import-dirs" "待导入"',
        ]
    lines += [
        ";; 财政监管、审计两个页面 (reports/views.py)",
        '1900-01-01 custom "fava-extension" "reports.views"',
        '1900-01-01 custom "fava-extension" "reports.books_view"',
        "",
        ";; 规则插件: 一行启用全部规则 (P1 P2 P9 P5 P6 P10 与封账, 见用户指南 01); 被 include 的文件中的 plugin 行会被 Beancount 忽略, 只能写在主文件",
    ]
    setting = f' "{config!r}"' if config else ""
    if combined_plugin():
        lines.append(f'plugin "plugins.all"{setting}')
    else:  # the roster is work_study's setting
        lines += [f'plugin "plugins.{name}"{setting if name == "work_study" else ""}' for name in plugins]
    return "\n".join(lines)


def write_example(directory: pathlib.Path, books: "Books", plugins) -> list[pathlib.Path]:
    """The bundled example: main.beancount including one file per part, and the roster."""
    directory.mkdir(parents=True, exist_ok=True)
    sections = books.sections(plugins, importing=True)
    written = []
    includes = [name for name in sections if name != "header"]
    main = sections["header"] + "\n\n" + "\n".join(f'include "{name}.beancount"' for name in includes) + "\n"
    for name in includes:
        path = directory / f"{name}.beancount"
        write_atomic(path, sections[name] + "\n", "账本文件")
        written.append(path)
    write_atomic(directory / "main.beancount", main, "账本文件")
    write_atomic(directory / "students.csv", books.roster_csv(), "学生名册")
    if "seal" in plugins:
        # Every year whose remittance and 汇算清缴 are done is sealed, at the end of the
        # following June, as the accountant does after the year's reports.
        from scripts.cmd_seal import seal_ledger

        for year in range(books.start_year, books.last_month[0]):
            if (year + 1, 6) <= books.last_month:
                seal_ledger(str(directory / "main.beancount"), year, workdays(year + 1, 6)[-1])
    return written + [directory / "main.beancount", directory / "students.csv"]


def roster_path(path: pathlib.Path) -> pathlib.Path:
    """The roster beside a one-file ledger: <name>.students.csv, so several generated
    ledgers can share a folder."""
    return path.with_name(f"{path.stem}.students.csv")


def write_single(path: pathlib.Path, books: "Books", plugins) -> pathlib.Path:
    """A one-file ledger (gen-ledger), with its own roster beside it (`roster_path`)."""
    roster = roster_path(path)
    sections = books.sections(plugins, {"roster": roster.name})
    text = "\n\n".join(sections.values()) + "\n"
    if "seal" in plugins:
        text += seal_first_year(text.replace(sections["header"], ""), books.start_year)
    write_atomic(roster, books.roster_csv(), "学生名册")
    write_atomic(path, text, "账本文件")
    return roster


def seal_first_year(text_without_plugins: str, year: int) -> str:
    """The first year's seal, so the benchmark ledger exercises plugins.seal too. The
    seal covers accountant-written entries only, so loading without plugins gives the
    same digest as `shixun seal` would, at a fraction of the cost."""
    from beancount import loader

    from plugins.seal import year_digests
    from scripts.cmd_seal import seal_text

    entries, _, _ = loader.load_string(text_without_plugins)
    info = year_digests(entries, [year])[year]
    return seal_text(year, datetime.date(year + 1, 12, 31), info)


def generate(seed: int = 2024, start_year: int = 2024, scale: float = 1.0, students_per_base: int = 15,
             last_month=LAST_MONTH) -> Books:
    """The books from January of `start_year` to `last_month` (year, month)."""
    return Books(seed, start_year, scale, students_per_base, last_month).run()
