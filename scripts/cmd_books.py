"""`shixun report balance-sheet | income-statement | cash-flow | account-balances | account-book |
vouchers | tax-return` (SPEC §8): the statements and books, argument parsing only."""
import importlib

from scripts.common import UserError, add_report_arguments, check_output, load_for_report, write_output

# name → (module, help, arguments, formats); an argument is (flag, metavar, help, required)
KINDS = {
    "balance-sheet": ("reports.balance_sheet", "资产负债表 (会小企01表)",
                      [("--date", "DATE", "资产负债表日 (默认 --year 的 12-31)", False),
                       ("--year", "YYYY", "年度", False)], ("html", "xlsx", "json")),
    "income-statement": ("reports.income_statement", "利润表 (会小企02表)",
                         [("--year", "YYYY", "年度", True), ("--month", "M", "月份 (默认 12)", False),
                          ("--quarter", "Q", "季度 (1–4, 代替 --month)", False)], ("html", "xlsx", "json")),
    "cash-flow": ("reports.cash_flow", "现金流量表 (会小企03表)",
                  [("--year", "YYYY", "年度", True), ("--month", "M", "月份 (默认 12)", False),
                   ("--quarter", "Q", "季度 (1–4, 代替 --month)", False)], ("html", "xlsx", "json")),
    "account-balances": ("reports.account_balances", "科目余额表",
                         [("--from", "DATE", "起始日期", True), ("--to", "DATE", "截止日期", True)],
                         ("html", "xlsx", "json")),
    "account-book": ("reports.account_book", "三栏式明细账 / 现金、银行存款日记账",
                     [("--account", "CODE", "科目代码 (如 1002)", True), ("--from", "DATE", "起始日期", True),
                      ("--to", "DATE", "截止日期", True)], ("html", "xlsx", "json")),
    "vouchers": ("reports.vouchers", "记账凭证",
                 [("--from", "DATE", "起始日期", True), ("--to", "DATE", "截止日期", True),
                  ("--voucher", "NO", "只打印该凭证号", False)], ("html", "json")),
    "tax-return": ("reports.tax_return", "附加税费申报表 (城建税、教育费附加、地方教育附加)",
                   [("--year", "YYYY", "年度", True)], ("html", "xlsx", "json")),
}
PARAMS = {"from": "start", "to": "end", "voucher": "number"}


def params_of(kind: str, args) -> dict:
    out = {}
    for flag, *_ in KINDS[kind][2]:
        name = flag[2:]
        value = getattr(args, name)
        if value is not None:
            out[PARAMS.get(name, name)] = value
    if kind == "balance-sheet" and "date" not in out and "year" not in out:
        raise UserError("请用 --date 指定资产负债表日, 或用 --year 指定年度")
    if "month" in out and "quarter" in out:
        raise UserError("--month 与 --quarter 只能指定一个")
    return out


def run(args) -> int:
    kind = args.report
    check_output(args)
    params = params_of(kind, args)
    module = importlib.import_module(KINDS[kind][0])
    from reports.books import BooksError
    from reports.render import to_json

    entries, _, options_map = load_for_report(args)
    try:
        report = module.build(entries, options_map, **params)
        content = to_json(report) if args.format == "json" else getattr(module, args.format)(report)
    except BooksError as exc:
        raise UserError(str(exc)) from exc
    write_output(args.output, content)
    return 0


def register(commands, reports):
    for kind, (_module, help_text, arguments, formats) in KINDS.items():
        parser = reports.add_parser(kind, help=help_text)
        add_report_arguments(parser, formats=formats, year=False)
        for flag, metavar, text, required in arguments:
            parser.add_argument(flag, dest=flag[2:], metavar=metavar, help=text, required=required)
        parser.set_defaults(run=run)
