"""`shixun report funds [LEDGER] --year YYYY --format html|xlsx|json [-o PATH]`:
专项资金使用情况表 with the P5, P6 and findings tables (reports/funds.py)."""
from beancount.core import data

from scripts.common import UserError, add_report_arguments, load_for_report, report_year, write_output


def run(args) -> int:
    year = report_year(args)
    entries, _, options_map = load_for_report(args)
    years = [e.date.year for e in entries if isinstance(e, data.Transaction)]
    if not years:
        raise UserError(f"账本中没有任何交易记录: {args.ledger or '默认账本'}")
    if not min(years) <= year <= max(years):
        raise UserError(f"账本中没有 {year} 年的记录 (账本交易年度为 {min(years)} 至 {max(years)} 年)")

    from reports.funds import build_funds, html, json_text, xlsx

    report = build_funds(entries, options_map, year)
    render = {"json": json_text, "html": html, "xlsx": xlsx}[args.format]
    write_output(args.output, render(report))
    return 0


def register(commands, reports):
    parser = reports.add_parser("funds", help="专项资金使用情况表 (含职工教育经费、学徒补贴、审计整改台账)")
    add_report_arguments(parser)
    parser.set_defaults(run=run)
