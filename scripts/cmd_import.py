"""`shixun import extract FILE… [--existing LEDGER]`, `shixun import archive FILE…` and
`shixun import profiles [--existing LEDGER]` (the bank layouts known).

extract: new entries from bank statements and work-hour sheets, Beancount text on
stdout (or -o FILE, written atomically); rows already in LEDGER (by bank serial) or
earlier in the run are left out. Any bad file: one Chinese line per problem on
stderr, exit 2, nothing on stdout. Progress and warnings go to stderr.
archive: move the statements/sheets into DIR/<account path>/<date>.<name>, the
layout Fava's `option "documents"` reads; nothing moves unless every file is fine.
"""
import os
import sys

from plugins.files import check_file
from scripts.common import UserError, check_ledger, check_output_path, file_problems, write_output

MAX_LINES = 50


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _setup(args):
    from importers import config as config_lib
    from importers import run
    from importers.table import ImportFailure
    from plugins.roster import ROSTER_FILE

    existing_path = getattr(args, "existing", None)
    if existing_path:
        check_ledger(existing_path)
    given = [(args.roster, "学生名册", f"名册 CSV 文件, 如 {os.path.join(args.roster or '', ROSTER_FILE)}"),
             (args.config, "导入配置文件", "导入配置 .toml 文件, 如 import.toml"),
             (args.rules, "规则文件", "含 [[rule]] 表的 .toml 文件")]
    with file_problems():
        for path, what, expected in given:
            if path:
                check_file(path, what, expected)
    try:
        config = config_lib.load_config(config_lib.find_config(args.config, existing_path),
                                        args.rules)
    except ImportFailure as failure:
        raise UserError(str(failure)) from None
    roster = args.roster
    if roster is None and existing_path:
        beside = os.path.join(os.path.dirname(os.path.abspath(existing_path)), ROSTER_FILE)
        roster = beside if os.path.isfile(beside) else None
    ledger_dir = os.path.dirname(os.path.abspath(existing_path)) if existing_path else None
    try:
        return run.make_importers(config, roster, ledger_dir)
    except ImportFailure as failure:
        raise UserError(str(failure)) from None


def _refused(refusal) -> int:
    lines = refusal.lines()
    for line in lines[:MAX_LINES]:
        _err(f"错误: {line}")
    if len(lines) > MAX_LINES:
        _err(f"错误: ……另有 {len(lines) - MAX_LINES} 个错误")
    _err("未输出任何记录: 请修正上述文件后重新导入。")
    return 2


def run_extract(args) -> int:
    from importers import run

    check_output_path(args.output)
    importers = _setup(args)
    existing = []
    if not args.existing:
        _err("提示: 未指定 --existing 账本, 只在本次导入的文件之间去重。")
    if args.existing:
        from scripts.common import load

        _err(f"读取已有账本 {args.existing} (用于去重) …")
        existing, ledger_errors, _ = load(args.existing)
        existing = list(existing)
        if ledger_errors:
            _err(f"警告: 已有账本有 {len(ledger_errors)} 个错误 (不影响去重; 用 shixun check 查看)")
    try:
        text, summary = run.extract(args.files, existing, importers, log=_err)
    except run.Refused as refusal:
        return _refused(refusal)
    for warning in summary["warnings"]:
        _err(f"警告: {warning}")
    per_file = {}
    for path, entry in summary["duplicates"]:
        per_file.setdefault(path, []).append(entry)
    for path, entries in per_file.items():
        rows = sorted({e.meta.get("lineno") for e in entries if e.meta.get("lineno")})
        shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        _err(f"跳过重复: {path}: {len(entries)} 条已在账本或本次导入中 (第 {shown} 行)")
    write_output(args.output, text)
    _err(f"完成: {summary['files']} 个文件, 新记录 {summary['entries']} 条, "
         f"跳过重复 {len(summary['duplicates'])} 条。")
    return 0


def run_archive(args) -> int:
    from importers import run

    importers = _setup(args)
    destination = args.destination
    if os.path.exists(destination) and not os.path.isdir(destination):
        raise UserError(f"归档目录不是目录: {destination}")
    try:
        plan = run.archive_plan(args.files, importers, destination, args.overwrite)
    except run.Refused as refusal:
        for line in refusal.lines()[:MAX_LINES]:
            _err(f"错误: {line}")
        _err("未归档任何文件。")
        return 2
    for source, target in plan:
        print(f"{source} -> {target}")
    if args.dry_run:
        _err(f"试运行: {len(plan)} 个文件将被归档, 未移动任何文件。")
        return 0
    try:
        run.archive_move(plan)
    except run.ArchiveFailed as failure:
        for line in failure.lines:
            _err(f"错误: {line}")
        _err("归档失败: 已移动的文件已移回原处 (见上), 未归档任何文件。")
        return 2
    _err(f"已归档 {len(plan)} 个文件到 {destination}")
    return 0


def run_profiles(args) -> int:
    from importers import profiles
    from importers.table import ImportFailure

    existing = args.existing
    if existing:
        check_ledger(existing)
    try:
        found = profiles.load_profiles(os.path.dirname(os.path.abspath(existing)) if existing else None)
    except ImportFailure as failure:
        raise UserError(str(failure)) from None
    kinds = {"bank": "银行流水", "credit-card": "信用卡", "not-bank": "拒绝 (不是银行流水)"}
    print("格式\t银行\t类别\t来源\t表头 (按此顺序比较)")
    for profile in found:
        print(f"{profile.name}\t{profile.bank or '-'}\t{kinds[profile.kind]}\t{profile.source}\t"
              f"{profile.header or '、'.join(profile.signature)}")
    print(f"{profiles.GENERIC_NAME}\t-\t银行流水\t内置\t(其余格式: 按常见列名识别)")
    _err(f"共 {len(found) + 1} 种格式; 在账本旁 {profiles.LEDGER_DIR_NAME}/ 中放 .toml 文件可添加银行格式。")
    return 0


def _common_options(parser):
    parser.add_argument("files", nargs="+", metavar="FILE", help="银行对账单或工时表 (CSV/XLS/XLSX), 或目录")
    parser.add_argument("--config", metavar="TOML",
                        help="导入配置 (账号映射与规则; 默认: 账本旁的 import.toml, 否则内置默认配置)")
    parser.add_argument("--rules", metavar="TOML", help="规则文件 ([[rule]] 表), 替换配置中的规则")
    parser.add_argument("--roster", metavar="CSV",
                        help="学生名册 students.csv (默认: --existing 账本旁的 students.csv)")


def register(commands, reports):
    parser = commands.add_parser("import", help="导入银行对账单与工时表 (extract / archive)")
    sub = parser.add_subparsers(dest="import_command", metavar="子命令",
                                parser_class=type(parser))

    extract = sub.add_parser("extract", help="从对账单/工时表生成新记录 (Beancount 文本)")
    _common_options(extract)
    extract.add_argument("--existing", "-e", metavar="LEDGER",
                         help="已有账本: 已导入的流水 (按流水号) 不再输出")
    extract.add_argument("-o", "--output", metavar="PATH", help="输出文件 (默认标准输出)")
    extract.set_defaults(run=run_extract)

    archive = sub.add_parser("archive", help="把对账单/工时表按账户归档到文件夹")
    _common_options(archive)
    archive.add_argument("--existing", "-e", metavar="LEDGER", help="账本 (用于查找 import.toml 与 students.csv)")
    archive.add_argument("--destination", "-d", default="documents", metavar="DIR",
                         help="归档根目录 (默认 documents)")
    archive.add_argument("--dry-run", "-n", action="store_true", help="只显示归档位置, 不移动")
    archive.add_argument("--overwrite", "-f", action="store_true", help="覆盖已存在的同名文件")
    archive.set_defaults(run=run_archive)

    listing = sub.add_parser("profiles", help="列出可识别的银行对账单格式")
    listing.add_argument("--existing", "-e", metavar="LEDGER",
                         help="账本 (同时列出账本旁 bank-profiles/ 中的格式)")
    listing.set_defaults(run=run_profiles)

    def no_sub(args):
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(run=no_sub)
