"""`shixun report KIND [LEDGER] … --format html|xlsx|json [-o PATH]`: the one report command.

Every kind is a module `reports/<kind>.py` with the report API (docs: /work/notes/api.md,
SPEC §8): `build(entries, options_map, **params) -> dict`, `html(dict) -> str`,
`xlsx(dict) -> bytes`; JSON is `reports.render.to_json` of the dict (a module whose
dict holds ratios to keep at full precision gives its own `json_text`). A new kind is
one line in REPORTS: its module and its arguments.
"""
import importlib
import re
import sys

from plugins.asof import parse_date
from scripts.common import UserError, add_report_arguments, check_output, load_for_report, write_output

# An argument: (flag, parameter of build, kind "year" | "date" | "month" | "quarter" | "text",
# help, required).
YEAR = ("--year", "year", "year", "年度 (四位数字)", True)
PERIOD = [("--from", "start", "date", "起始日期 YYYY-MM-DD (含)", True),
          ("--to", "end", "date", "截止日期 YYYY-MM-DD (含)", True)]
MONTH = ("--month", "month", "month", "月份 1–12 (默认 12)", False)
QUARTER = ("--quarter", "quarter", "quarter", "季度 1–4 (代替 --month)", False)

# name -> (module, help, arguments[, formats]) (formats default: html, xlsx, json)
REPORTS = {
    "remittance": ("reports.remittance", "年度利润上缴国库情况表", [YEAR]),
    "students": ("reports.students", "学生劳动报酬发放表 (工时分配与实发对照)", PERIOD + [
        ("--paid-from", "paid_from", "date", "实发金额的起始日期 (默认同 --from)", False),
        ("--paid-to", "paid_to", "date", "实发金额的截止日期 (默认同 --to)", False)]),
    "funds": ("reports.funds", "专项资金使用情况表 (含职工教育经费、学徒补贴、审计整改台账)", [YEAR]),
    # the statements and books (SPEC §8; books room)
    "balance-sheet": ("reports.balance_sheet", "资产负债表 (会小企01表)", [
        ("--date", "date", "date", "资产负债表日 YYYY-MM-DD (默认 --year 的 12-31)", False),
        ("--year", "year", "year", "年度 (四位数字)", False)]),
    "income-statement": ("reports.income_statement", "利润表 (会小企02表)", [YEAR, MONTH, QUARTER]),
    "cash-flow": ("reports.cash_flow", "现金流量表 (会小企03表)", [YEAR, MONTH, QUARTER]),
    "account-balances": ("reports.account_balances", "科目余额表 (发生额及余额表)", PERIOD),
    "account-book": ("reports.account_book", "三栏式明细账 (1001/1002 为现金、银行存款日记账)", [
        ("--account", "account", "text", "科目代码 (如 1002、100201)", True)] + PERIOD),
    "vouchers": ("reports.vouchers", "记账凭证 (打印)", PERIOD + [
        ("--voucher", "number", "text", "只打印该凭证号 (如 记-2025-03-0007)", False)], ("html", "json")),
    "tax-return": ("reports.tax_return", "附加税费申报表 (城建税、教育费附加、地方教育附加)", [YEAR]),
}


def _value(kind: str, text: str, flag: str):
    if kind == "text":
        return text.strip()
    if kind in ("month", "quarter"):
        top = 12 if kind == "month" else 4
        if not (text or "").isdigit() or not 1 <= int(text) <= top:
            raise UserError(f"{flag} 应为 1 到 {top} 的整数, 而不是 {text!r}")
        return int(text)
    if kind == "year":
        if not re.fullmatch(r"\d{4}", text or ""):
            raise UserError(f"{flag} 年度应为四位数字 (如 2024), 而不是 {text!r}")
        return int(text)
    try:
        return parse_date(text, f"{flag} 日期")
    except ValueError as exc:
        raise UserError(str(exc)) from None


def parameters(arguments, args) -> dict:
    """The build parameters from the parsed flags, checked before the ledger is loaded."""
    params = {}
    for flag, name, kind, _help, _required in arguments:
        text = getattr(args, name)
        if text is not None:
            params[name] = _value(kind, text, flag)
    for low, high in (("start", "end"), ("paid_from", "paid_to")):
        if params.get(low) and params.get(high) and params[low] > params[high]:
            raise UserError(f"起始日期 {params[low]} 晚于截止日期 {params[high]}")
    return params


def _check_year(entries, year: int) -> None:
    from beancount.core import data

    years = {e.date.year for e in entries if isinstance(e, data.Transaction)}
    if not years:
        raise UserError("账本中没有任何交易记录")
    if year not in years:
        raise UserError(f"账本中没有 {year} 年度的交易记录 (账本交易年度为 {min(years)} 至 {max(years)} 年)")


def run(args) -> int:
    module_name, _help, arguments = REPORTS[args.report][:3]
    params = parameters(arguments, args)
    check_output(args)
    entries, _, options_map = load_for_report(args)
    if "year" in params:
        _check_year(entries, params["year"])
    module = importlib.import_module(module_name)
    from reports.render import to_json

    try:
        report = module.build(entries, options_map, **params)
    except ValueError as exc:  # the builders' own Chinese refusals (e.g. ReportError)
        raise UserError(str(exc)) from exc
    if args.format == "json":
        content = getattr(module, "json_text", to_json)(report)
    else:
        content = module.html(report) if args.format == "html" else module.xlsx(report)
    write_output(args.output, content)
    for note in report.get("notes") or []:  # what the reader of the file must know
        print(note, file=sys.stderr)
    return 0


def register(commands, reports):
    for name, (_module, help_text, arguments, *formats) in REPORTS.items():
        parser = reports.add_parser(name, help=help_text)
        add_report_arguments(parser, *formats, year=False)
        for flag, dest, kind, help_arg, required in arguments:
            parser.add_argument(flag, dest=dest, required=required, help=help_arg,
                                metavar={"year": "YYYY", "date": "DATE", "month": "M", "quarter": "Q"}.get(kind, "TEXT"))
        parser.set_defaults(run=run)
