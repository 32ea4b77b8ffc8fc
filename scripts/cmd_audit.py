"""`shixun audit [LEDGER] --year YYYY --format json|xlsx [-o PATH]`: audit analytics (审计分析).

JSON: {"findings": [{"test", "date", "location", "amount", "detail"}…], …} (SPEC CLI table);
XLSX: a summary sheet, one sheet per test (every row with its file:line), the Benford
digit table and, with --sample N, the monetary-unit sample.
"""
from decimal import Decimal, InvalidOperation

from scripts.common import UserError, add_report_arguments, load_for_report, report_year, write_output


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise UserError(f"金额格式无效: {text}") from exc
    if value < 0:
        raise UserError(f"金额不能为负: {text}")
    return value


def run(args) -> int:
    year = report_year(args)
    options = {}
    if args.dup_days is not None:
        if args.dup_days < 0:
            raise UserError("--dup-days 不能为负")
        options["duplicate_days"] = args.dup_days
    if args.round_floor is not None:
        options["round_floor"] = _money(args.round_floor)
    if args.document_threshold is not None:
        options["document_threshold"] = _money(args.document_threshold)
    entries, _, options_map = load_for_report(args)
    from reports import audit
    from reports.render import to_json

    result = audit.build(entries, options_map, year, **options)
    if args.sample:
        if args.sample < 0:
            raise UserError("--sample 样本量不能为负")
        result["sample"] = audit.sample(entries, options_map, year, size=args.sample, seed=args.seed)
    content = audit.xlsx(result) if args.format == "xlsx" else to_json(result)
    write_output(args.output, content)
    return 0


def register(commands, reports):
    parser = commands.add_parser("audit", help="审计分析: 本福特、重复发票/付款、断号、节假日记账等")
    add_report_arguments(parser, formats=("json", "xlsx"))
    parser.add_argument("--sample", type=int, default=0, metavar="N", help="附加 N 笔货币单位抽样")
    parser.add_argument("--seed", type=int, default=None, help="抽样随机种子 (默认为年度, 结果可复现)")
    parser.add_argument("--dup-days", type=int, default=None, metavar="N", help="重复付款的天数窗口 (默认 7)")
    parser.add_argument("--round-floor", default=None, metavar="AMOUNT", help="整数金额检验的起点 (默认 5000)")
    parser.add_argument("--document-threshold", default=None, metavar="AMOUNT",
                        help="缺少附件检验的金额起点 (默认 1000)")
    parser.set_defaults(run=run)
