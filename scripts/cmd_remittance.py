"""`shixun report remittance [LEDGER] --year YYYY --format html|xlsx|json [-o PATH]`:
the annual treasury remittance report (年度利润上缴国库情况表, P2/P11)."""
import re
import sys

from scripts.common import UserError, add_ledger_argument, ledger_path, load, write_output


def run(args) -> int:
    if not re.fullmatch(r"\d{4}", args.year or ""):
        raise UserError(f"年度应为四位数字 (如 2024), 而不是 {args.year!r}")
    year = int(args.year)
    path = ledger_path(args)
    entries, errors, options_map = load(path)
    from reports.remittance import (ReportError, build_remittance, render_remittance_html,
                                    render_remittance_json, render_remittance_xlsx)
    if args.format == "xlsx" and not args.output:
        raise UserError("xlsx 格式必须用 -o 指定输出文件")
    try:
        report = build_remittance(entries, options_map, year)
    except ReportError as exc:
        raise UserError(str(exc)) from exc
    render = {"json": render_remittance_json, "html": render_remittance_html,
              "xlsx": render_remittance_xlsx}[args.format]
    write_output(args.output, render(report))
    if not any(name == "plugins.treasury" for name, _ in options_map.get("plugin", [])):
        print('注意: 账本主文件未启用 plugin "plugins.treasury", 应缴数为按同一规则计算的结果, '
              "账本中没有相应的计提分录。", file=sys.stderr)
    if errors:
        print(f"注意: 账本有 {len(errors)} 个错误, 请用 shixun check 查看; 报表已按现有记录生成。",
              file=sys.stderr)
    return 0


def register(commands, reports):
    parser = reports.add_parser("remittance", help="年度利润上缴国库情况表")
    add_ledger_argument(parser)
    parser.add_argument("--year", required=True, metavar="YYYY", help="年度")
    parser.add_argument("--format", choices=("html", "xlsx", "json"), default="json",
                        help="输出格式 (默认 json)")
    parser.add_argument("-o", "--output", default=None, metavar="PATH",
                        help="输出文件 (json/html 默认输出到标准输出)")
    parser.set_defaults(run=run)
