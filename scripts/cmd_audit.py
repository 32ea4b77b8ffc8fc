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


def audit_xlsx(result: dict) -> bytes:
    from reports.audit import TESTS
    from reports.render import xlsx_bytes

    unit, year = result["unit"], result["year"]
    subtitle = [f"单位: {unit}    年度: {year}    交易笔数: {result['transactions']}"]
    by_test = {t: [] for t in TESTS}
    for finding in result["findings"]:
        by_test[finding["test"]].append(finding)
    summary_rows = [[t, TESTS[t], len(by_test[t])] for t in TESTS]
    benford = result["benford"]
    sheets = [{
        "name": "汇总", "title": f"{unit} {year} 年度审计分析汇总", "subtitle": subtitle,
        "columns": [("检验项目", 20, "text"), ("名称", 22, "text"), ("发现数", 10, "number")],
        "rows": summary_rows, "totals": ["合计", "", len(result["findings"])],
        "footer": [f"本福特检验: 样本 {benford['n']} 笔, MAD {benford['mad']}, {benford['band']}"
                   + ("(样本少于 500 笔, 仅供参考)" if benford["indicative"] else ""),
                   result["exclusions"], *result.get("notes", []),
                   "位置列为 文件:行号 (相对账本主文件所在目录), 可在 Fava 中定位原始分录。"],
    }]
    for test, name in TESTS.items():
        sheets.append({
            "name": name, "title": f"{name} ({test})", "subtitle": subtitle,
            "columns": [("日期", 12, "date"), ("位置 (文件:行号)", 32, "text"),
                        ("金额", 16, "money"), ("说明", 90, "text")],
            "rows": [[f["date"], f["location"], f["amount"], f["detail"]] for f in by_test[test]],
            "orientation": "landscape",
        })
    sheets.append({
        "name": "本福特分布", "title": "本福特首位数字分布", "subtitle": subtitle,
        "columns": [("首位数字", 10, "number"), ("笔数", 10, "number"), ("实际占比", 12, "percent"),
                    ("期望占比", 12, "percent"), ("z 值", 10, "number")],
        "rows": [[d["digit"], d["count"], d["observed"], d["expected"], d["z"]] for d in benford["digits"]],
    })
    if result.get("sample"):
        s = result["sample"]
        sheets.append({
            "name": "货币单位抽样", "title": "货币单位抽样 (MUS)",
            "subtitle": subtitle + [f"种子 {s['seed']}, 样本量 {s['size']}, 总体 {s['population_count']} 笔 "
                                    f"{s['population_total']} 元, 抽样间隔 {s['interval']} 元, 起点 {s['start']} 元"],
            "columns": [("日期", 12, "date"), ("位置 (文件:行号)", 32, "text"), ("金额", 16, "money"),
                        ("凭证号", 18, "text"), ("收款人", 24, "text"), ("摘要", 36, "text"), ("命中", 8, "number")],
            "rows": [[i["date"], i["location"], i["amount"], i["voucher"] or "", i["payee"], i["narration"], i["hits"]]
                     for i in s["items"]],
            "orientation": "landscape",
        })
    return xlsx_bytes(sheets)


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
    from reports.audit import run_audit, sample
    from reports.render import to_json

    result = run_audit(entries, options_map, year, **options)
    if args.sample:
        if args.sample < 0:
            raise UserError("--sample 样本量不能为负")
        result["sample"] = sample(entries, options_map, year, size=args.sample, seed=args.seed)
    content = audit_xlsx(result) if args.format == "xlsx" else to_json(result)
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
