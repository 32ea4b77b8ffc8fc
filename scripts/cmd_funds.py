"""`shixun report funds [LEDGER] --year YYYY --format html|xlsx|json [-o PATH]`:
专项资金使用情况表 with the P5, P6 and findings tables (reports/funds.py)."""
import re
import sys

from beancount.core import data

from scripts.common import UserError, add_ledger_argument, ledger_path, load, write_output


def run(args) -> int:
    if not re.fullmatch(r"\d{4}", args.year or ""):
        raise UserError(f"年度应为四位数字 (如 2024), 而不是 {args.year!r}")
    year = int(args.year)
    if args.format == "xlsx" and not args.output:
        raise UserError("xlsx 格式必须用 -o 指定输出文件")
    path = ledger_path(args)
    entries, errors, options_map = load(path)
    broken = [e for e in errors if not str(e.message).startswith("[")]
    if broken:
        first = broken[0]
        source = first.source or {}
        message = " ".join(str(first.message).split())
        raise UserError(f"账本有 {len(broken)} 个格式或平衡错误, 请先运行 shixun check 修正; 第一个: "
                        f"{source.get('filename', '?')}:{source.get('lineno', '?')}: {message}")
    years = [e.date.year for e in entries if isinstance(e, data.Transaction)]
    if not years:
        raise UserError(f"账本中没有任何交易记录: {path}")
    if not min(years) <= year <= max(years):
        raise UserError(f"账本中没有 {year} 年的记录 (账本交易年度为 {min(years)} 至 {max(years)} 年)")

    from reports.funds import build_funds, html, json_text, xlsx

    report = build_funds(entries, options_map, year)
    render = {"json": json_text, "html": html, "xlsx": xlsx}[args.format]
    write_output(args.output, render(report))
    if errors:
        print(f"注意: 账本有 {len(errors)} 个规则错误 (运行 shixun check 查看), 报表已照常生成。",
              file=sys.stderr)
    return 0


def register(commands, reports):
    parser = reports.add_parser("funds", help="专项资金使用情况表 (含职工教育经费、学徒补贴、审计整改台账)")
    add_ledger_argument(parser)
    parser.add_argument("--year", required=True, metavar="YYYY", help="年度")
    parser.add_argument("--format", choices=("html", "xlsx", "json"), default="json",
                        help="输出格式 (默认 json)")
    parser.add_argument("-o", "--output", default=None, metavar="PATH",
                        help="输出文件 (json/html 默认输出到标准输出)")
    parser.set_defaults(run=run)
