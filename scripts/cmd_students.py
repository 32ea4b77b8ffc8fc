"""`shixun report students [LEDGER] --from DATE --to DATE --format html|xlsx|json [-o PATH]`:
学生劳动报酬发放表 (reports/students.py)."""
import datetime
import sys

from scripts.common import UserError, add_ledger_argument, ledger_path, load, write_output


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
    path = ledger_path(args)
    entries, errors, options_map = load(path)
    broken = [e for e in errors if not str(e.message).startswith("[")]
    if broken:
        first = broken[0]
        source = first.source or {}
        message = " ".join(str(first.message).split())
        raise UserError(f"账本有 {len(broken)} 个格式或平衡错误, 请先运行 shixun check 修正; 第一个: "
                        f"{source.get('filename', '?')}:{source.get('lineno', '?')}: {message}")
    if args.format == "xlsx" and not args.output:
        raise UserError("xlsx 格式必须用 -o 指定输出文件")
    sheet = build_students(entries, options_map, start, end, paid_from, paid_to)
    write_output(args.output, render(sheet, args.format))
    if errors:
        print(f"注意: 账本有 {len(errors)} 个规则错误 (运行 shixun check 查看), 报表已照常生成。",
              file=sys.stderr)
    return 0


def register(commands, reports):
    parser = reports.add_parser("students", help="学生劳动报酬发放表 (工时分配与实发对照)")
    add_ledger_argument(parser)
    parser.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="起始日期 YYYY-MM-DD (含)")
    parser.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="截止日期 YYYY-MM-DD (含)")
    parser.add_argument("--paid-from", metavar="DATE", help="实发金额的起始日期 (默认同 --from)")
    parser.add_argument("--paid-to", metavar="DATE", help="实发金额的截止日期 (默认同 --to)")
    parser.add_argument("--format", choices=("html", "xlsx", "json"), default="json", help="输出格式 (默认 json)")
    parser.add_argument("-o", "--output", metavar="PATH", help="输出文件 (json/html 缺省时输出到标准输出)")
    parser.set_defaults(run=run)
