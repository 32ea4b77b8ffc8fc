"""`shixun report remittance [LEDGER] --year YYYY --format html|xlsx|json [-o PATH]`:
the annual treasury remittance report (年度利润上缴国库情况表, P2/P11)."""
import sys

from scripts.common import UserError, add_report_arguments, load_for_report, report_year, write_output


def run(args) -> int:
    year = report_year(args)
    entries, _, options_map = load_for_report(args)
    from reports.remittance import (ReportError, build_remittance, render_remittance_html,
                                    render_remittance_json, render_remittance_xlsx)
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
    return 0


def register(commands, reports):
    parser = reports.add_parser("remittance", help="年度利润上缴国库情况表")
    add_report_arguments(parser)
    parser.set_defaults(run=run)
