"""P10 earmarked funds, P5 employee training fund, P6 apprentice subsidies, and the
findings ledger (审计整改台账).

County policy (seed), the clauses enforced here:

- P10: "统筹兼顾,确保职教联盟专项资金以及职业教育专项资金足额拨付" and "对违法违规
  使用校企合作资金、骗取套取资金的,有关主管部门应当责令限期退还".
- P5: "落实企业职工培训制度,按收入2%比例足额提取教育培训经费,确保教育培训经费60%以上
  用于一线职工".
- P6: "经人社部门认定实施新型学徒制的企业,学徒每人每年的补贴标准原则上不低于4000元".

Ledger conventions (docs/guide/05-专项资金与培训经费.md):

P10 — a fund is declared with
``2024-03-01 custom "fund" "FJ-2024" 300000.00 CNY`` and metadata ``source:``,
``purpose:``, ``allowed:`` (comma-separated account prefixes) and ``expires:`` (a date).
For a posting tagged ``fund:`` (on the posting, or on its transaction; the posting
wins), a credit to Income or Liabilities is a *receipt* into the fund, a debit to
Expenses or to a non-monetary Asset is a *use* of it; monetary accounts (1001, 1002,
1012) are neither. Each use must fall under an ``allowed`` prefix, be dated on or
after the fund's declared date and on or before ``expires`` and keep the fund's cumulative uses within its cumulative receipts
(receipts of a day count before that day's uses). A use whose posting (or transaction)
also names a declared finding with ``finding:`` is a misuse already in the findings
ledger: it is listed as a violation in the report but raises no error of its own (the
finding raises one if it is not returned in time).

Grant release (SPEC §2, 小企业会计准则 政府补助): a fund received into 2401 递延收益 and
spent on expenses is released in the same year, Dr 2401 / Cr 5301 营业外收入 (政府补助)
with ``fund:``; the release is neither a receipt nor a use. Once the year is over (as-of),
a shortfall is a [P10] error naming fund, year and amount: it understates net profit and
so the profit owed to the treasury (P2).

Findings — ``2025-03-20 custom "finding" "SJ-2025-01" 4800.00 CNY`` with ``clause:``,
``description:``, ``deadline:`` and optional ``fund:``. A return is a transaction with
*transaction* metadata ``finding:``; the returned amount is its credits to monetary
accounts. A finding not fully returned while the date of judgement (`plugins.asof`)
is after its deadline is overdue: a [P10] error on the finding. Status:
``returned`` (fully returned; ``late`` if after the deadline), ``overdue``, ``open``.

P5 — accrual: credits to Liabilities:2211-应付职工薪酬:221104-职工教育经费; uses: debits
to it, with ``frontline: TRUE`` (transaction or posting metadata; absent = not front
line). Per calendar year that is over (as-of): accrued ≥
Σ(policy ``training-fund-rate`` on the day × operating income of the day) (operating
income = Income:5001 + Income:5051, net; a closing entry (`plugins.closing`) does not
count, as in plugins.treasury), rounded to the fen; front-line uses ≥
``training-frontline-share`` (in force on 12-31) × all uses.

P6 — ``2024-03-01 custom "apprentice" "AP-2024-01" "马晓东"`` with ``start:`` and
optional ``end:``; subsidies are debits to Expenses:5401-主营业务成本:540102-学徒补贴
with ``apprentice:`` (posting or transaction). Per apprentice and calendar year that is
over: paid ≥ to_fen(``apprentice-subsidy-min`` × months enrolled in the year / 12), the
months counted whole and inclusive (start month and end month both count).

The plugin only checks: it adds no entries. The family is an accumulator of the one
pass (`plugins.engine`): the pass hands it the declarations and the transactions that
concern it, `finish` checks them; `analyse` runs it over loaded entries for the report
builders in reports/funds.py, so the report and the plugin's errors never disagree.
"""
import collections
import datetime
from decimal import ROUND_HALF_UP, Decimal

from beancount.core import amount as amount_mod
from beancount.core import convert

from plugins import engine
from plugins.asof import is_over, year_over
from plugins.closing import is_closing_entry
from plugins.common import ACCOUNTS, ALL, account_code, as_written, config_error, read_settings, rule_error, under, where
from plugins.money import ZERO, fmt_percent, fmt_thousands, to_fen
from plugins.roles import CLOSING_EQUITY, KEYED, MONETARY

__plugins__ = ("funds",)

PLUGIN = "plugins.funds"
# The policy clauses whose problems this family reports (and the general ones).
CLAUSES = ("P4", "P5", "P6", "P7", "P10", "政策", "审计")

DEFAULTS = {
    "training_fund_payable": ACCOUNTS["training_fund_payable"],
    "apprentice_expense": ACCOUNTS["apprentice_expense"],
    "operating_income": (ACCOUNTS["operating_income"], ACCOUNTS["other_operating_income"]),
}

STATUS_LABELS = {"open": "整改中", "returned": "已退还", "overdue": "逾期未退还"}
KIND_LABELS = {"not-allowed": "超范围支用", "expired": "过期支用", "overdrawn": "超出到位资金支用",
               "early": "早于资金下达支用"}
DEFERRED_CODE = "2401"  # 递延收益: where a government grant waits to be released
GRANT_INCOME_CODE = "5301"  # 营业外收入 (its 政府补助 sub-account takes the release)


def is_grant_income(account: str, declared: str | None = None) -> bool:
    """The 政府补助 account under 5301 营业外收入 (SPEC §2): the fund's `income:` where
    given, else a 5301 sub-account named 政府补助 — not 530101 非流动资产处置净收益."""
    if declared:
        return under(account, str(declared))
    return account_code(account) == GRANT_INCOME_CODE and "政府补助" in account.rsplit(":", 1)[-1]


def is_grant_release(txn, declared_income: str | None = None) -> bool:
    """Dr 2401 递延收益 / Cr the 政府补助 account (SPEC §2): neither a receipt nor a use."""
    debit = credit = False
    for posting in txn.postings:
        if account_code(posting.account) == DEFERRED_CODE and posting.units.number > 0:
            debit = True
        elif posting.units.number < 0 and is_grant_income(posting.account, declared_income):
            credit = True
    return debit and credit


def _release_side(txn, fund):
    """The posting a grant release is counted on, once: the Dr 2401 posting when it
    carries the fund's `fund:` (on itself or its transaction), else the Cr 5301 one."""
    def tagged(posting):
        meta = posting.meta or {}
        return str(meta.get("fund", (txn.meta or {}).get("fund"))) == str(fund)
    for code in (DEFERRED_CODE, GRANT_INCOME_CODE):
        for posting in txn.postings:
            if account_code(posting.account) == code and tagged(posting):
                return posting
    return None


def _yuan(value) -> str:
    return f"{fmt_thousands(value)} 元"


def months_enrolled(start: datetime.date, end: datetime.date | None, year: int) -> int:
    """Whole calendar months of `year` touched by [start, end] (both months count)."""
    first = max(start, datetime.date(year, 1, 1))
    last = min(end or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


_EMPTY: dict = {}
_EVENT_ORDER = {"receipt": 0, "use": 1, "neither": 2, "release": 3}  # a day's receipts count before its uses


def _use_problems(fund, event, received, used) -> list:
    """(kind, message) of what is wrong with a use, given the fund's running totals."""
    date, account, value, fund_id = event["date"], event["account"], event["amount"], fund.id
    left = received - used
    problems = []
    if fund.allowed_ok and event["category"] is None:
        problems.append(("not-allowed", (
            f"专项资金 {fund_id} 不得用于 {account}: {date} 支用 {_yuan(value)} "
            f"(允许范围: {', '.join(fund.allowed)}); 累计到位 {_yuan(received)}, "
            f"累计支用 {_yuan(used)}, 余额 {_yuan(left)}")))
    if date < fund.declared:
        problems.append(("early", (
            f"专项资金 {fund_id} 于 {fund.declared} 下达, {date} 已支用 {account} {_yuan(value)}: "
            f"支用不得早于资金下达日; 累计到位 {_yuan(received)}, 累计支用 {_yuan(used)}")))
    if fund.expires is not None and date > fund.expires:
        problems.append(("expired", (
            f"专项资金 {fund_id} 已于 {fund.expires} 到期, {date} 仍支用 {account} {_yuan(value)}; "
            f"累计到位 {_yuan(received)}, 累计支用 {_yuan(used)}, 余额 {_yuan(left)}")))
    if used > received:
        problems.append(("overdrawn", (
            f"专项资金 {fund_id} 支用超过到位资金: {date} {account} 支用 {_yuan(value)}, "
            f"累计支用 {_yuan(used)} > 累计到位 {_yuan(received)}, 超支 {_yuan(used - received)}; "
            f"可用余额 {_yuan(max(left + value, ZERO))}")))
    return problems


class Fund:
    """One declared fund and its events (receipts and uses), in date order."""

    def __init__(self, fund_id, entry):
        self.id = fund_id
        self.entry = entry
        self.declared = entry.date
        self.amount = None
        self.currency = "CNY"
        self.source = entry.meta.get("source")
        self.purpose = entry.meta.get("purpose")
        self.allowed_raw = entry.meta.get("allowed")
        self.allowed: list[str] = []
        self.allowed_ok = False  # False: allowed is unusable, the per-use check is skipped
        self.expires = None
        self.events: list[dict] = []
        self.received = ZERO
        self.used = ZERO
        self.unreleased: dict[int, Decimal] = {}  # year → grant spent on expenses, not released

    def read_allowed(self, opened) -> list:
        """`allowed:` as the prefixes that some opened account falls under; the problems."""
        raw = self.allowed_raw
        prefixes = [p.strip().rstrip(":") for p in raw.split(",")] if isinstance(raw, str) else []
        prefixes = [p for p in prefixes if p]
        if not prefixes:
            return ["allowed: 为空或缺失 (应为逗号分隔的科目前缀), 无法检查支用范围"]
        unknown = [p for p in prefixes if not any(under(a, p) for a in opened)]
        self.allowed = [p for p in prefixes if p not in unknown]
        self.allowed_ok = bool(self.allowed)
        return [f"allowed: 中的 {', '.join(unknown)} 不对应任何已开设的科目"] if unknown else []

    def read_expiry(self) -> list:
        expires = self.entry.meta.get("expires")
        if isinstance(expires, datetime.date):
            self.expires = expires
            return []
        if expires is None:
            return ["缺少 expires: (到期日, 如 expires: 2025-12-31)"]
        return [f"expires: {as_written(expires)} 不是日期 (应写作 expires: 2025-12-31, 不加引号)"]

    def category(self, account: str) -> str | None:
        """The longest allowed prefix `account` falls under."""
        best = None
        for prefix in self.allowed:
            if under(account, prefix) and (best is None or len(prefix) > len(best)):
                best = prefix
        return best


class Analysis:
    """P5, P6, P10 and the findings ledger as an accumulator of `plugins.engine`: the
    pass brings the declarations and the transactions that concern them, `finish`
    checks them; the reports read its attributes (`analyse`)."""

    customs = ("fund", "apprentice", "finding")
    # A fund's receipts and uses and a finding's returns may be on any account.
    keys = frozenset({"fund", "finding"})

    def __init__(self, settings, problems, title, policies, judged, roles):
        self.settings, self.title, self.policies, self.judged = settings, title, policies, judged
        self.income_prefixes = prefixes = settings["operating_income"]  # a tuple (common.account_settings)
        payable, subsidy = settings["training_fund_payable"], settings["apprentice_expense"]
        # An Income account is operating income or nothing here (never the payable or the subsidy).
        self.income = roles.claim(lambda a: a.startswith("Income:") and any(under(a, p) for p in prefixes))
        self.payable = roles.claim(lambda a: not a.startswith("Income:") and under(a, payable))
        self.subsidy = roles.claim(lambda a: not a.startswith("Income:") and under(a, subsidy))
        self.wants = self.income | self.payable | self.subsidy
        self.roles_of = roles.bits
        self.errors = list(problems)  # the config's, as errors at the plugin line
        self.errors.extend(policies.errors_of(CLAUSES))
        self.end = None
        self.funds: dict[str, Fund] = {}
        self.violations: list[dict] = []
        self.training: dict[int, dict] = {}
        self.apprentices: dict[str, dict] = {}
        self.findings: dict[str, dict] = {}
        self._declared = {name: [] for name in self.customs}
        self._fund_postings = []  # (txn, posting, fund id, finding id or None), in the pass's order
        self._income_by_date = collections.defaultdict(Decimal)
        self._tf = collections.defaultdict(lambda: {
            "accrued": Decimal(0), "uses": Decimal(0), "frontline": Decimal(0),
            "last_accrual": None, "last_use": None, "last_income": None})
        self._subsidies = []  # (apprentice id, date, amount, txn)
        self._returns = collections.defaultdict(list)  # finding id → [(date, amount, txn)]

    # ---- the pass ----------------------------------------------------------
    def custom(self, entry):
        """A declaration, checked in `finish` (the fund's `allowed:` needs every `open`)."""
        self._declared[entry.type].append(entry)

    def transaction(self, entry, mask):
        """A transaction tagged `fund:`/`finding:`, or with a posting in one of the roles."""
        if mask & KEYED:
            self._tagged(entry)
        if mask & self.wants:
            self._by_role(entry, mask)

    def _tagged(self, txn):
        """The `fund:` postings (posting meta wins) and a `finding:` return's monetary credits."""
        tmeta = txn.meta or _EMPTY
        txn_fund, txn_finding = tmeta.get("fund"), tmeta.get("finding")
        returned = Decimal(0)
        for posting in txn.postings:
            pmeta = posting.meta or _EMPTY
            fund = pmeta.get("fund", txn_fund)
            if fund is not None:
                self._fund_postings.append((txn, posting, str(fund), pmeta.get("finding", txn_finding)))
            number = posting.units.number
            if txn_finding is not None and number < 0 and self.roles_of[posting.account] & MONETARY:
                returned -= number
        if txn_finding is not None:
            self._returns[str(txn_finding)].append((txn.date, returned, txn))

    def _by_role(self, txn, mask):
        """Operating income (P5's base), the training-fund payable (P5), subsidies (P6)."""
        tmeta = txn.meta or _EMPTY
        roles_of, income_role, payable_role, subsidy_role = self.roles_of, self.income, self.payable, self.subsidy
        income = None
        for posting in txn.postings:
            bits = roles_of[posting.account]
            if bits & income_role:
                income = (income or Decimal(0)) - posting.units.number
            elif bits & CLOSING_EQUITY:
                continue
            elif bits & payable_role:
                self._training_fund(txn, posting, tmeta)
            elif bits & subsidy_role:
                self._subsidy(txn, posting, tmeta)
        if income is not None and not (mask & CLOSING_EQUITY and is_closing_entry(txn)):
            # income closed to equity is no income of the year
            self._income_by_date[txn.date] += income
            year = self._tf[txn.date.year]
            year["last_income"] = engine.latest(year["last_income"], txn)

    def _training_fund(self, txn, posting, tmeta):
        """A posting to the training-fund payable: a credit accrues, a debit uses (P5)."""
        number = posting.units.number
        year = self._tf[txn.date.year]
        if number < 0:
            year["accrued"] -= number
            year["last_accrual"] = engine.latest(year["last_accrual"], txn)
        elif number > 0:
            year["uses"] += number
            year["last_use"] = engine.latest(year["last_use"], txn)
            pmeta = posting.meta or _EMPTY
            front = pmeta.get("frontline", tmeta.get("frontline", False))
            if front is True:
                year["frontline"] += number
            elif front is not False:
                self.errors.append(rule_error("P5", txn, (
                    f"职工教育经费使用的 frontline: 应为 TRUE 或 FALSE, 实为 {as_written(front)}; "
                    f"{posting.account} {_yuan(number)} 按非一线职工计")))

    def _subsidy(self, txn, posting, tmeta):
        """A posting to the apprentice subsidies: whose, by `apprentice:` (P6)."""
        pmeta = posting.meta or _EMPTY
        who = pmeta.get("apprentice", tmeta.get("apprentice"))
        number = posting.units.number
        if who is not None:
            self._subsidies.append((str(who), txn.date, number, txn))
        elif number > 0:
            self.errors.append(rule_error("P6", txn, (
                f"学徒补贴 {posting.account} {_yuan(number)} 未注明 apprentice: (学徒编号), "
                "无法计入任何学徒")))

    def finish(self, facts):
        """The checks, on what the pass collected: (no entries, the family's errors)."""
        self.end = facts.end
        self._check_funds(facts.opened)
        self._check_findings()
        self._check_fund_events(self._fund_events())
        self._check_training()
        self._check_apprentices()
        return [], self.errors

    def _fund_events(self) -> dict:
        """fund id → its postings as (date, kind, value, account, txn, currency, finding);
        after the declarations, so that a release may credit the fund's `income:`."""
        events = collections.defaultdict(list)
        for txn, posting, fund, finding in self._fund_postings:
            account = posting.account
            weight = convert.get_weight(posting)
            number = weight.number
            root = account.split(":", 1)[0]
            declared = self.funds.get(fund)
            if is_grant_release(txn, declared.entry.meta.get("income") if declared else None):
                kind, value = ("release", abs(number)) if _release_side(txn, fund) is posting else ("neither", number)
            elif root in ("Income", "Liabilities") and number < 0:
                kind, value = "receipt", -number
            elif number > 0 and (root == "Expenses" or (root == "Assets" and not self.roles_of[account] & MONETARY)):
                kind, value = "use", number
            else:
                kind, value = "neither", number
            events[fund].append((txn.date, kind, value, account, txn, weight.currency,
                                 None if finding is None else str(finding)))
        return events

    # ---- declarations ----------------------------------------------------
    @staticmethod
    def _head(entry):
        """(id, Amount) of `custom "<type>" "<id>" <amount> CNY`, or a problem."""
        values = [v.value for v in entry.values]
        fund_id = values[0] if values and isinstance(values[0], str) and values[0].strip() else None
        amount = values[1] if len(values) > 1 and isinstance(values[1], amount_mod.Amount) else None
        return fund_id, amount, len(values)

    def _check_funds(self, opened):
        """Each `custom "fund"`, the first of an id only; `allowed:` against `opened`."""
        for entry in self._declared["fund"]:
            fund_id, amount, count = self._head(entry)
            if fund_id is None:
                self.errors.append(rule_error("P10", entry, (
                    '专项资金申报格式错误: 应写作 custom "fund" "<资金编号>" <金额> CNY; 本条不生效')))
                continue
            if fund_id in self.funds:
                first = self.funds[fund_id].entry
                self.errors.append(rule_error("P10", entry, (
                    f"专项资金 {fund_id} 重复申报 (首次申报见 {where(first)}); 本条不生效, 以首次申报为准")))
                continue
            fund = self.funds[fund_id] = Fund(fund_id, entry)
            problems = []
            if amount is None or count != 2:
                problems.append("下达金额缺失或格式错误 (应为 <金额> CNY)")
            elif amount.number < 0:
                problems.append(f"下达金额为负数 ({_yuan(amount.number)})")
            else:
                fund.amount, fund.currency = amount.number, amount.currency
            for key in ("source", "purpose"):
                if not isinstance(entry.meta.get(key), str) or not entry.meta[key].strip():
                    problems.append(f"缺少 {key}: ({'资金来源' if key == 'source' else '资金用途'})")
            problems.extend(fund.read_allowed(opened))
            problems.extend(fund.read_expiry())
            if problems:
                self.errors.append(rule_error("P10", entry, (
                    f"专项资金 {fund_id} 申报有误: {'; '.join(problems)}")))

    def _check_findings(self):
        """Each `custom "finding"` (the first of an id), then the returns to them."""
        for entry in self._declared["finding"]:
            self._register_finding(entry)
        for finding_id, returns in self._returns.items():
            finding = self.findings.get(finding_id)
            if finding is None:
                for _, value, txn in returns:
                    self.errors.append(rule_error("P10", txn, (
                        f"finding: {finding_id} 不是已登记的审计整改事项; 本笔退还 {_yuan(value)} 无法计入台账")))
                continue
            finding["returns"] = [{"date": d, "amount": v, "voucher": (t.meta or {}).get("voucher", ""),
                                   "location": where(t)} for d, v, t in returns]
        for finding in self.findings.values():
            self._finding_status(finding)

    def _register_finding(self, entry):
        """A `custom "finding"`: the first of an id counts, even with problems."""
        finding_id, amount, count = self._head(entry)
        if finding_id is None:
            self.errors.append(rule_error("P10", entry, (
                '审计整改事项格式错误: 应写作 custom "finding" "<编号>" <应退金额> CNY; 本条不生效')))
            return
        if finding_id in self.findings:
            first = self.findings[finding_id]["entry"]
            self.errors.append(rule_error("P10", entry, (
                f"审计整改事项 {finding_id} 重复登记 (首次登记见 {where(first)}); 本条不生效")))
            return
        meta = entry.meta
        problems = []
        value = ZERO
        if amount is None or count != 2:
            problems.append("应退金额缺失或格式错误 (应为 <金额> CNY)")
        elif amount.number < 0:
            problems.append(f"应退金额为负数 ({_yuan(amount.number)})")
        else:
            value = amount.number
        deadline = meta.get("deadline")
        if not isinstance(deadline, datetime.date):
            problems.append("deadline: 缺失或不是日期 (应写作 deadline: 2025-06-30, 不加引号)")
            deadline = None
        description = meta.get("description")
        if not isinstance(description, str) or not description.strip():
            problems.append("缺少 description: (问题描述)")
        clause = meta.get("clause")
        if not isinstance(clause, str) or not clause.strip():
            problems.append('缺少 clause: (违反的条款, 如 clause: "P10")')
        fund = meta.get("fund")
        if fund is not None and str(fund) not in self.funds:
            problems.append(f"fund: {fund} 不是已申报的专项资金")
        self.findings[finding_id] = {
            "entry": entry, "id": finding_id, "date": entry.date, "amount": value,
            "deadline": deadline, "description": description if isinstance(description, str) else "",
            "clause": clause if isinstance(clause, str) else "",
            "fund": None if fund is None else str(fund), "returns": []}
        if problems:
            self.errors.append(rule_error("P10", entry, (
                f"审计整改事项 {finding_id} 登记有误: {'; '.join(problems)}")))

    def _finding_status(self, finding):
        amount, deadline = finding["amount"], finding["deadline"]
        total, full_on, by_deadline = ZERO, None, ZERO
        for ret in finding["returns"]:
            total += ret["amount"]
            if deadline is not None and ret["date"] <= deadline:
                by_deadline += ret["amount"]
            if full_on is None and total >= amount:
                full_on = ret["date"]
        if amount == 0:
            full_on = finding["date"]
        finding["returned"] = total
        finding["returned_by_deadline"] = by_deadline
        finding["outstanding"] = max(amount - total, ZERO)
        finding["returned_on"] = full_on
        if total >= amount:
            status = "returned"
        elif deadline is not None and is_over(deadline, self.judged):
            status = "overdue"
        else:
            status = "open"
        finding["status"] = status
        finding["late"] = bool(status == "returned" and deadline is not None and full_on and full_on > deadline)
        entry = finding["entry"]
        if status == "overdue":
            self.errors.append(rule_error("P10", entry, (
                f"审计整改事项 {finding['id']} 逾期未退还: 应退 {_yuan(amount)}, 期限 {deadline}, "
                f"至判断日期 {self.judged} 已退 {_yuan(total)}, 尚欠 {_yuan(amount - total)}")))
        if total > amount:
            self.errors.append(rule_error("P10", entry, (
                f"审计整改事项 {finding['id']} 退还超过应退金额: 应退 {_yuan(amount)}, "
                f"已退 {_yuan(total)}, 多退 {_yuan(total - amount)}")))

    # ---- P10 per fund ------------------------------------------------------
    def _check_fund_events(self, events_of):
        for fund_id, events in events_of.items():
            fund = self.funds.get(fund_id)
            if fund is None:
                self._undeclared(fund_id, events)
            else:
                self._replay(fund, events)

    def _undeclared(self, fund_id, events):
        """One error per transaction naming a fund never declared."""
        seen = set()
        for _date, _kind, value, account, txn, _, _ in events:
            if id(txn) in seen:
                continue
            seen.add(id(txn))
            self.errors.append(rule_error("P10", txn, (
                f"fund: {fund_id} 不是已申报的专项资金 ({account} {_yuan(value)}); "
                f'请先以 custom "fund" "{fund_id}" <金额> CNY 申报')))

    def _replay(self, fund, events):
        """A fund's events in date order (a day's receipts before its uses): the running
        balance each use is judged against, and the grant spent and released per year."""
        events.sort(key=lambda e: (e[0], _EVENT_ORDER[e[1]]))
        received = used = ZERO
        deferred = False
        expensed = collections.defaultdict(lambda: [ZERO, None])  # year → [expense uses, last use]
        released = collections.defaultdict(Decimal)  # year → released to 5301
        for date, kind, value, account, txn, currency, finding in events:
            if kind == "release":
                released[date.year] += value
                continue
            if kind == "neither":
                continue
            if kind == "receipt" and account_code(account) == DEFERRED_CODE:
                deferred = True
            if kind == "use" and account.startswith("Expenses:"):
                expensed[date.year][0] += value
                expensed[date.year][1] = txn
            if currency != fund.currency:
                self.errors.append(rule_error("P10", txn, (
                    f"专项资金 {fund.id} 以 {fund.currency} 申报, {account} 的金额为 {currency}; 未计入")))
                continue
            event = {"date": date, "kind": kind, "amount": value, "account": account,
                     "location": where(txn), "voucher": (txn.meta or {}).get("voucher", ""),
                     "narration": txn.narration or "", "category": None, "problems": []}
            fund.events.append(event)
            if kind == "receipt":
                received += value
                continue
            used += value
            event["category"] = fund.category(account)
            self._violations(fund, event, txn, finding, received - used, _use_problems(fund, event, received, used))
        fund.received, fund.used = received, used
        if deferred:
            self._check_release(fund, expensed, released)

    def _violations(self, fund, event, txn, finding, left, problems):
        """A use's problems, listed; an error each unless the use names a declared finding."""
        known_finding = finding if finding in self.findings else None
        for kind_name, message in problems:
            violation = {"fund": fund.id, "date": event["date"], "account": event["account"],
                         "amount": event["amount"], "kind": kind_name, "label": KIND_LABELS[kind_name],
                         "message": message, "location": event["location"], "voucher": event["voucher"],
                         "finding": known_finding, "balance": left}
            event["problems"].append(violation)
            self.violations.append(violation)
            if known_finding is None:
                self.errors.append(rule_error("P10", txn, message))

    def _check_release(self, fund, expensed, released):
        """SPEC §2 政府补助 (小企业会计准则): a grant received into 2401 递延收益 and spent on
        expenses is released to 营业外收入 in the same year; judged once the year is over."""
        for year, (spent, last_use) in sorted(expensed.items()):
            missing = spent - released.get(year, ZERO)
            if missing > 0 and year_over(year, self.judged):
                fund.unreleased[year] = missing
                self.errors.append(rule_error("P10", last_use, (
                    f"专项资金 {fund.id} {year} 年用于费用 {_yuan(spent)}, 当年从递延收益转入营业外收入 "
                    f"{_yuan(released.get(year, ZERO))}, 未转 {_yuan(missing)}: 应于费用发生当年借记 "
                    f"2401 递延收益、贷记 5301 营业外收入 (政府补助) 并注明 fund: {fund.id}; 未转部分少计 "
                    f"{year} 年净利润, 从而少计应上缴国库的利润")))

    # ---- P5 ---------------------------------------------------------------
    def training_year(self, year: int) -> dict:
        """The P5 figures of one calendar year."""
        rate_total = Decimal(0)
        income = Decimal(0)
        for date, value in self._income_by_date.items():
            if date.year == year:
                income += value
                rate_total += self.policies.value("training-fund-rate", date) * value
        stats = self._tf.get(year) or {"accrued": Decimal(0), "uses": Decimal(0), "frontline": Decimal(0)}
        year_end = datetime.date(year, 12, 31)
        share_min = self.policies.value("training-frontline-share", year_end)
        required = max(to_fen(rate_total), ZERO)
        uses, front = stats["uses"], stats["frontline"]
        front_required = to_fen(share_min * uses)
        return {
            "year": year, "complete": year_over(year, self.judged),
            "operating_income": to_fen(income),
            "rate": self.policies.value("training-fund-rate", year_end),
            "required": required, "accrued": to_fen(stats["accrued"]),
            "accrual_shortfall": max(required - stats["accrued"], ZERO),
            "uses": to_fen(uses), "frontline": to_fen(front), "other": to_fen(uses - front),
            "frontline_share": (front / uses).quantize(Decimal("0.0001"), ROUND_HALF_UP) if uses else None,
            "frontline_share_min": share_min,
            "frontline_required": front_required,
            "frontline_shortfall": max(front_required - front, ZERO) if uses else ZERO,
        }

    def _check_training(self):
        years = {d.year for d in self._income_by_date} | set(self._tf)
        for year in sorted(years):
            if not year_over(year, self.judged):
                continue
            row = self.training_year(year)
            self.training[year] = row
            stats = self._tf.get(year, {})
            if row["accrued"] < row["required"]:
                anchor = stats.get("last_accrual") or stats.get("last_income")
                self.errors.append(rule_error("P5", anchor, (
                    f"{year} 年职工教育经费计提不足: 营业收入 {_yuan(row['operating_income'])} × "
                    f"{fmt_percent(row['rate'])} 应计提 {_yuan(row['required'])}, 实际计提 {_yuan(row['accrued'])}, "
                    f"少计提 {_yuan(row['accrual_shortfall'])}")))
            uses, front = stats.get("uses", 0), stats.get("frontline", 0)
            if uses and front < row["frontline_share_min"] * uses:
                self.errors.append(rule_error("P5", stats.get("last_use"), (
                    f"{year} 年职工教育经费用于一线职工的比例不足: 使用合计 {_yuan(uses)}, 其中一线职工 "
                    f"{_yuan(front)} ({front / uses:.2%}), 应不低于 {fmt_percent(row['frontline_share_min'])} "
                    f"即 {_yuan(row['frontline_required'])}, 差 {_yuan(row['frontline_shortfall'])}")))

    # ---- P6 ---------------------------------------------------------------
    def _check_apprentices(self):
        for entry in self._declared["apprentice"]:
            self._register_apprentice(entry)
        for app_id, date, value, txn in self._subsidies:
            app = self.apprentices.get(app_id)
            if app is None:
                self.errors.append(rule_error("P6", txn, (
                    f"apprentice: {app_id} 不是已登记的学徒 ({_yuan(value)}); "
                    f'请先以 custom "apprentice" "{app_id}" "<姓名>" 登记')))
                continue
            app["paid"][date.year] += value
        for app in self.apprentices.values():
            if app["start"] is None:
                continue
            last_year = app["end"].year if app["end"] else max(self.judged.year, app["start"].year)
            for year in range(app["start"].year, last_year + 1):
                row = self.apprentice_year(app, year)
                app["years"][year] = row
                if row["complete"] and row["paid"] < row["required"]:
                    self.errors.append(rule_error("P6", app["entry"], (
                        f"学徒 {app['id']} {app['name']} {year} 年补贴不足: 在册 {row['months']} 个月, "
                        f"应发 ≥ {_yuan(row['minimum'])} × {row['months']}/12 = {_yuan(row['required'])}, "
                        f"实发 {_yuan(row['paid'])}, 差 {_yuan(row['shortfall'])}")))

    def _register_apprentice(self, entry):
        """A `custom "apprentice"`: the first of an id counts, even with problems."""
        values = [v.value for v in entry.values]
        app_id = values[0] if values and isinstance(values[0], str) and values[0].strip() else None
        if app_id is None:
            self.errors.append(rule_error("P6", entry, (
                '学徒登记格式错误: 应写作 custom "apprentice" "<学徒编号>" "<姓名>"; 本条不生效')))
            return
        if app_id in self.apprentices:
            first = self.apprentices[app_id]["entry"]
            self.errors.append(rule_error("P6", entry, (
                f"学徒 {app_id} 重复登记 (首次登记见 {where(first)}); 本条不生效")))
            return
        name = values[1] if len(values) > 1 and isinstance(values[1], str) else ""
        start, end = entry.meta.get("start"), entry.meta.get("end")
        problems = []
        if not name.strip():
            problems.append("缺少姓名")
        if not isinstance(start, datetime.date):
            problems.append("start: 缺失或不是日期 (应写作 start: 2024-03-01)")
            start = None
        if end is not None and not isinstance(end, datetime.date):
            problems.append("end: 不是日期 (应写作 end: 2025-06-30)")
            end = None
        if start and end and end < start:
            problems.append(f"end: {end} 早于 start: {start}")
            end = None
        if problems:
            self.errors.append(rule_error("P6", entry, f"学徒 {app_id} 登记有误: {'; '.join(problems)}"))
        self.apprentices[app_id] = {"entry": entry, "id": app_id, "name": name, "start": start,
                                    "end": end, "paid": collections.defaultdict(Decimal), "years": {}}

    def apprentice_year(self, app: dict, year: int) -> dict:
        minimum = self.policies.value("apprentice-subsidy-min", datetime.date(year, 12, 31))
        months = months_enrolled(app["start"], app["end"], year) if app["start"] else 0
        required = to_fen(minimum * months / 12)
        paid = to_fen(app["paid"].get(year, ZERO))
        return {"year": year, "months": months, "minimum": minimum, "required": required,
                "paid": paid, "shortfall": max(required - paid, ZERO),
                "complete": year_over(year, self.judged)}


def accumulator(config, options_map, policies, judged, roles):
    """P5, P6, P10 and the findings ledger as an accumulator of `plugins.engine`."""
    settings, problems = read_settings(options_map, (PLUGIN, "funds"), DEFAULTS, config)
    problems = [config_error("P10", options_map, (PLUGIN, "funds", ALL), f"plugins.funds {p}") for p in problems]
    return Analysis(settings, problems, (options_map or {}).get("title", ""), policies, judged, roles)


def analyse(entries, options_map=None, config=None, policies=None, judged=None) -> Analysis:
    """The family over loaded `entries`, for the reports: its attributes are the result."""
    return engine.accumulated(accumulator, entries, options_map, config, policies, judged)


def funds(entries, options_map, config=None):
    """Beancount plugin `plugins.funds`: P5, P6, P10 and the findings ledger. Adds no entries."""
    return engine.alone(accumulator, entries, options_map, config)
