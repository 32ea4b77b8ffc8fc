"""Pure helpers of the bureau views (reports.views): paging, Fava's time filter, the
inline SVG charts, the file:line index, an entry's 凭证 facts, clause texts, the
Beancount error seam and a bounded cache. No Flask here, so each is tested alone;
the Fava extension classes only pass the request's values in.
"""
from __future__ import annotations

import collections
import datetime
import html as _html
import os
import re
import threading
from decimal import Decimal

from plugins.common import CLAUSES, is_monetary
from plugins.money import fmt_thousands

PER_PAGE = 50

# The seed's own words for each clause (县产教融合实施方案), shown as "依据: …".
CLAUSE_TEXT = {
    "P1": "学校开展生产服务性实习实训取得的勤工俭学收入，可提取20%支付学生劳动报酬。",
    "P2": "生产经营所获纯利润上交国库，用于改善办学条件。",
    "P3": "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计。",
    "P4": "严格落实地方教育附加不低于30%用于职业教育。",
    "P5": "按收入2%比例足额提取教育培训经费，确保教育培训经费60%以上用于一线职工。",
    "P6": "学徒每人每年的补贴标准原则上不低于4000元。",
    "P7": "按照每生每年2000元标准安排中职校生均公用经费。",
    "P8": "可按规定投资额30%的比例，抵免当年应缴教育附加和地方教育附加。",
    "P9": "城市维护建设税、教育费附加及地方教育附加按国家规定按期足额计提 (本方案所依据的国家规定)。",
    "P10": "确保职教联盟专项资金以及职业教育专项资金足额拨付……对违法违规使用校企合作资金、"
           "骗取套取资金的，有关主管部门应当责令限期退还。",
    "封账": "已结账年度的账目封存后不得改动 (会计档案管理)。",
    "政策": "政策参数须完整有效。",
    "审计": "审计分析参数须有效。",
    "其他": "账本须格式正确、借贷平衡、余额断言相符。",
}

ROLES = {"accountant": ("会计", "可编辑"), "finance": ("财政局", "只读"), "audit": ("审计局", "只读")}
# What serving.guard's Guard sets in the WSGI environ after a login.
USER_KEY, ROLE_KEY = "REMOTE_USER", "shixun.role"


def clause_title(code: str) -> str:
    """"P1 勤工俭学收入提取学生劳动报酬" → "勤工俭学收入提取学生劳动报酬" (the code goes to small print)."""
    if code == "其他":  # plugins.common names the engine; officials read what it checks
        return "账本格式与借贷平衡"
    title = CLAUSES.get(code, code)
    return title.split(" ", 1)[1] if title.startswith(code + " ") else title


def clause_basis(code: str) -> str:
    return CLAUSE_TEXT.get(code, "")


def user_bar(environ) -> str:
    """"财政局 caizheng · 只读" from the Guard's environ keys; "" when served without a login."""
    user, role = environ.get(USER_KEY), environ.get(ROLE_KEY)
    if not user:
        return ""
    name, rights = ROLES.get(role, ("用户", "只读"))
    return f"{name} {user} · {rights}"


def can_edit(environ) -> bool:
    """Only the accountant, or Fava served without the Guard (no role), gets editor links."""
    role = environ.get(ROLE_KEY)
    return role is None or role == "accountant"


# ---- values --------------------------------------------------------------------------

def yuan(value) -> str:
    """1234.5 → "1,234.50"; None → "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, Decimal, float)):
        return fmt_thousands(Decimal(str(value)))
    return str(value)


def number(value) -> str:
    """Hours and counts: 12 → "12", 7.5 → "7.5"; None → "—"."""
    if value is None:
        return "—"
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def account_label(account: str | None) -> str:
    """"Expenses:5602-管理费用:560202-办公费" → "560202 办公费" (code and name, no root)."""
    if not account:
        return "—"
    last = account.rsplit(":", 1)[-1]
    code, _, name = last.partition("-")
    return f"{code} {name}" if name else last


def entry_facts(entry) -> dict:
    """What an official reads first about a transaction: 日期, 凭证号, 摘要, 科目, 金额."""
    meta = getattr(entry, "meta", None) or {}
    postings = getattr(entry, "postings", None) or []
    debits = [p for p in postings if p.units is not None and p.units.number is not None and p.units.number > 0]
    main = next((p for p in debits if not is_monetary(p.account)), debits[0] if debits else None)
    if main is None and postings:
        main = postings[0]
    amount = sum((p.units.number for p in debits), Decimal(0)) if debits else None
    narration = getattr(entry, "narration", None)
    if narration is None:  # a balance, a custom directive …
        narration = {"Balance": "余额断言", "Custom": "自定义指令", "Open": "开设科目",
                     "Close": "关闭科目"}.get(type(entry).__name__, "")
    voucher = meta.get("voucher")
    return {"date": getattr(entry, "date", None),
            "voucher": str(voucher) if voucher else "—",
            "narration": " ".join(str(x) for x in (getattr(entry, "payee", None), narration) if x) or "—",
            "account": account_label(main.account if main is not None else getattr(entry, "account", None)),
            "amount": amount}


# ---- paging --------------------------------------------------------------------------

class Page:
    """One page of rows; `number` is 1-based (clamped), `link(n)` gives the URL of page n."""

    def __init__(self, rows, number=1, per_page: int = PER_PAGE, link=None):
        rows = list(rows)
        self.total, self.per_page = len(rows), per_page
        self.pages = max(1, -(-len(rows) // per_page))
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        self.page = min(max(number, 1), self.pages)
        start = (self.page - 1) * per_page
        self.rows = rows[start:start + per_page]
        self.first = start + 1 if rows else 0
        self.last = start + len(self.rows)
        self._link = link or (lambda n: f"?page={n}")

    def url(self, number: int) -> str:
        return self._link(number)


# ---- Fava's time filter ------------------------------------------------------------------

def filter_bounds(text: str, options, fava_options) -> tuple[datetime.date, datetime.date] | None:
    """(first day, last day) of a Fava time filter (`?time=2025`, `2024-03 - 2024-06`), or None.

    Parsed with Fava's own TimeFilter but not applied: filtering every entry costs
    seconds at 100k transactions and the builders take the whole ledger anyway."""
    text = (text or "").strip()
    if not text:
        return None
    from fava.core.filters import TimeFilter

    try:
        date_range = TimeFilter(options, fava_options, text).date_range
    except Exception:  # Fava itself reports a bad filter in its header
        return None
    if not date_range:
        return None
    return date_range.begin, date_range.end - datetime.timedelta(days=1)


def years_in(years, bounds) -> list[int]:
    return [y for y in years if bounds is None or bounds[0].year <= y <= bounds[1].year]


# ---- file:line index ----------------------------------------------------------------------

class Locations:
    """"2024.beancount:394" (relative to the main file's folder) ↔ entry, built once per load."""

    def __init__(self, entries, main_file: str):
        self.base = os.path.dirname(os.path.abspath(main_file)) if main_file else ""
        self._names: dict = {}
        self._index: dict | None = None
        self._entries = entries

    def where(self, filename, lineno) -> str:
        if not filename:
            return "—"
        shown = self._names.get(filename)
        if shown is None:
            shown = filename
            if self.base and os.path.isabs(filename):
                try:
                    shown = os.path.relpath(filename, self.base)
                except ValueError:
                    pass
                if shown.startswith(".."):
                    shown = os.path.basename(filename)
            self._names[filename] = shown
        return f"{shown}:{lineno}" if lineno else shown

    def of(self, entry) -> str:
        meta = getattr(entry, "meta", None) or {}
        return self.where(meta.get("filename"), meta.get("lineno"))

    def entry_at(self, location: str):
        if self._index is None:
            index = {}
            for entry in self._entries:  # as shown ("2024.beancount:394") and as plugins give it (full path)
                meta = entry.meta or {}
                index.setdefault(self.of(entry), entry)
                index.setdefault(f"{meta.get('filename')}:{meta.get('lineno')}", entry)
            self._index = index
        return self._index.get(location)

    def document_path(self, entry, value) -> str | None:
        """The file a `document:` value names (relative to the entry's file, SPEC §2), if it
        exists inside the ledger's folder; None otherwise (the page says 附件未上传)."""
        value = str(value)
        meta = getattr(entry, "meta", None) or {}
        folder = os.path.dirname(str(meta.get("filename") or "")) or self.base
        path = os.path.realpath(value if os.path.isabs(value) else os.path.join(folder, value))
        root = os.path.realpath(self.base or folder)
        if os.path.commonpath([path, root]) != root or not os.path.isfile(path):
            return None
        return path


# ---- plain Chinese in messages ------------------------------------------------------------------

POLICY_NAMES = {
    "work-study-share": "学生劳动报酬提取比例", "student-pay-days": "学生劳动报酬发放期限 (天)",
    "treasury-share": "利润上缴比例", "treasury-deadline": "上缴国库期限", "loss-carryforward": "以前年度亏损弥补",
    "tax-period": "纳税期间", "city-tax-rate": "城建税税率", "edu-surcharge-rate": "教育费附加费率",
    "local-edu-surcharge-rate": "地方教育附加费率", "surcharge-exempt-monthly-sales": "附加免征月销售额",
    "six-taxes-halving": "六税两费减半", "integration-credit-rate": "产教融合投资抵免比例",
    "training-fund-rate": "职工教育经费提取比例", "training-frontline-share": "职工教育经费一线职工比例",
    "apprentice-subsidy-min": "学徒补贴最低标准", "per-student-funds-min": "生均公用经费标准",
    "surcharge-vocational-share-min": "地方教育附加用于职业教育比例", "cash-limit": "现金支付限额",
    "approval-threshold": "审批限额",
}
META_NAMES = {"receipt": "缴款书号", "voucher": "凭证号", "document": "附件", "invoice": "发票号",
              "student": "学号", "fund": "资金编号", "apprentice": "学徒编号", "corrects": "更正",
              "authority": "文号", "finding": "整改编号"}
# `custom "<type>"` directives of the ledger contract, as a record's text shows them.
DIRECTIVE_NAMES = {
    "policy": "政策参数", "fund": "专项资金登记", "work-hours": "学生工时", "apprentice": "学徒登记",
    "finding": "审计整改事项", "seal": "年度封账", "related-party": "关联方登记",
    "integration-credit": "产教融合投资抵免", "vocational-allocation": "职业教育拨款",
    "per-student-funds": "生均公用经费", "local-edu-surcharge-revenue": "地方教育附加收入",
    "enrolled-students": "在校学生数", "shixun-option": "系统设定", "fava-option": "Fava 设定",
    "fava-extension": "Fava 扩展",
}
_DIRECTIVE = re.compile(r'\bcustom "(' + "|".join(sorted(DIRECTIVE_NAMES, key=len, reverse=True)) + r')"')
KEYWORD_NAMES = {"balance": "余额断言", "open": "开设科目", "close": "关闭科目", "pad": "补足余额",
                 "note": "备注", "document": "附件", "event": "事件", "price": "价格", "commodity": "币种",
                 "query": "查询", "custom": "自定义"}
_KEYWORD = re.compile(r"(\d{4}-\d{2}-\d{2}) (" + "|".join(KEYWORD_NAMES) + r")\b")
_ACCOUNT = re.compile(r"\b(?:Assets|Liabilities|Equity|Income|Expenses)(?::[^\s,;:，；。()（）'\"]+)+")
_POLICY = re.compile(r"(?<![\w-])(" + "|".join(sorted(POLICY_NAMES, key=len, reverse=True)) + r")(?![\w-])")
_META = re.compile(r"\((" + "|".join(META_NAMES) + r"):\)")


def plain(message: str) -> str:
    """A rule's message as an official reads it: accounts as "560202 办公费" (no English
    root), `custom` directives, policy names and metadata keys in Chinese."""
    text = re.sub(r"^\[[^\]]+\]\s*", "", str(message))  # the clause is shown beside it
    text = _ACCOUNT.sub(lambda m: account_label(m.group(0)), text)
    text = _DIRECTIVE.sub(lambda m: f"〔{DIRECTIVE_NAMES[m.group(1)]}〕", text)
    text = _KEYWORD.sub(lambda m: f"{m.group(1)} {KEYWORD_NAMES[m.group(2)]}", text)
    text = _POLICY.sub(lambda m: f"「{POLICY_NAMES[m.group(1)]}」", text)
    text = text.replace(" ≥ ", " 不低于 ").replace("≥ ", "不低于 ")
    text = re.sub(r"(\d) CNY\b", r"\1 元", text)
    return _META.sub(lambda m: f"({META_NAMES[m.group(1)]})", text)


# ---- Beancount's errors ----------------------------------------------------------------------

def error_groups(errors, entries=None, options_map=None) -> list[dict]:
    """The load's errors as the audit page lists them, from the one translation layer
    (plugins.errors: Chinese messages, a cascade such as the balance failures after one
    change grouped under its cause): [{"clause", "message", "members", "entry", "filename",
    "lineno"}], messages in plain Chinese (see `plain`)."""
    from plugins import errors as translation

    return [{"clause": p.clause, "message": plain(p.message), "entry": p.entry,
             "filename": p.filename, "lineno": p.lineno,
             "members": [{"message": plain(c.message), "where": c.location} for c in p.consequences]}
            for p in translation.group(list(errors), entries, options_map)]


# ---- a bounded cache ------------------------------------------------------------------------

class LRU:
    """At most `size` results (least recently used dropped); cleared on each load."""

    def __init__(self, size: int = 32):
        self.size = size
        self._items: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# ---- charts ---------------------------------------------------------------------------------

def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    import math

    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def bar_chart(categories, series, *, title: str, unit: str, percent: bool = False,
              width: int = 640, height: int = 260) -> str:
    """An inline SVG grouped bar chart with a y axis, gridlines, value labels and a legend.

    series: [(name, colour, [value per category])]; values are Decimals/floats (None = 0).
    Drawn on the server: no JavaScript build step, prints as it shows."""
    esc = _html.escape
    left, right, top, bottom = 70, 10, 34, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v or 0) for _, _, vs in series for v in vs]
    peak = _nice_top(max(values + [0.0]))

    def label(v: float) -> str:
        return f"{v * 100:.1f}%" if percent else fmt_thousands(Decimal(str(round(v, 2))))

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{esc(title)}</text>',
           f'<text x="4" y="{top - 6}" font-size="10">{esc(unit)}</text>']
    for i in range(5):
        v = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{esc(label(v))}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>')
    n = max(len(categories), 1)
    group_w = plot_w / n
    bar_w = group_w * 0.8 / max(len(series), 1)
    for c, category in enumerate(categories):
        x0 = left + c * group_w + group_w * 0.1
        for s, (name, colour, vs) in enumerate(series):
            v = float(vs[c] or 0)
            h = plot_h * max(v, 0) / peak
            x, y = x0 + s * bar_w, top + plot_h - h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                       f'<title>{esc(str(category))} {esc(name)} {esc(label(v))}</title></rect>')
            out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                       f'font-size="9">{esc(label(v))}</text>')
        out.append(f'<text x="{left + c * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
                   f'text-anchor="middle" font-size="11">{esc(str(category))}</text>')
    lx = left
    for name, colour, _ in series:
        out.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 14}" y="{height - 3}" font-size="11">{esc(name)}</text>')
        lx += 24 + 12 * len(name)
    out.append("</svg>")
    return "".join(out)


def treasury_chart(rows) -> str:
    """应缴 / 已缴 / 欠缴 per year (rows of reports.remittance.treasury_by_year)."""
    return bar_chart([f"{r['year']}年" for r in rows],
                     [("应缴", "#3465a4", [r["owed"] for r in rows]),
                      ("已缴", "#4e9a06", [r["paid"] for r in rows]),
                      ("欠缴", "#cc0000", [max(r["outstanding"], 0) for r in rows])],
                     title="利润上缴国库 (按年度)", unit="元")


def benford_chart(digits) -> str:
    """Benford's first-digit shares: expected vs observed (reports.audit's digit table)."""
    return bar_chart([str(d["digit"]) for d in digits],
                     [("理论占比", "#888a85", [d["expected"] for d in digits]),
                      ("实际占比", "#3465a4", [d["observed"] for d in digits])],
                     title="本福特首位数字分布: 理论与实际", unit="占比", percent=True)
