"""`shixun report students [LEDGER] --from DATE --to DATE --format html|xlsx|json [-o PATH]`:
学生劳动报酬发放表 (reports/students.py)."""
import datetime

from scripts.common import UserError, add_report_arguments, check_output, load_for_report, write_output


def _date(text: str, flag: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UserError(f"{flag} 日期格式错误: {text!r}, 应为 YYYY-MM-DD (如 2024-01-31)") from None


def run(args) -> int:
    from reports.students import build_students, render

    start, end = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    if start > end:
        raise UserError(f"--from {start} 晚于 --to {end}")
    paid_from = _date(args.paid_from, "--paid-from") if args.paid_from else start
    paid_to = _date(args.paid_to, "--paid-to") if args.paid_to else end
    if paid_from > paid_to:
        raise UserError(f"--paid-from {paid_from} 晚于 --paid-to {paid_to}")
    check_output(args)
    entries, _, options_map = load_for_report(args)
    sheet = build_students(entries, options_map, start, end, paid_from, paid_to)
    write_output(args.output, render(sheet, args.format))
    return 0


def register(commands, reports):
    parser = reports.add_parser("students", help="学生劳动报酬发放表 (工时分配与实发对照)")
    add_report_arguments(parser, year=False)
    parser.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="起始日期 YYYY-MM-DD (含)")
    parser.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="截止日期 YYYY-MM-DD (含)")
    parser.add_argument("--paid-from", metavar="DATE", help="实发金额的起始日期 (默认同 --from)")
    parser.add_argument("--paid-to", metavar="DATE", help="实发金额的截止日期 (默认同 --to)")
    parser.set_defaults(run=run)
