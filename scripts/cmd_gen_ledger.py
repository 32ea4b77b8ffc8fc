"""`shixun gen-ledger`: a deterministic synthetic ledger for benchmarks, or the bundled example."""
import pathlib

from devtools import ledger_gen
from scripts.common import UserError, check_output_path, file_problems

# A year of the example centre books about FIXED + PER_SCALE × scale transactions
# (monthly wages, fees, payouts are fixed; sales and purchases grow with the scale).
FIXED, PER_SCALE = 210, 199


def run(args) -> int:
    plugins = ledger_gen.available_plugins()
    if args.example:
        if pathlib.Path(args.example).exists() and not pathlib.Path(args.example).is_dir():
            raise UserError(f"--example 应为文件夹, 而 {args.example} 是一个文件")
        books = ledger_gen.generate(seed=args.seed if args.seed is not None else 2024)
        with file_problems():
            paths = ledger_gen.write_example(pathlib.Path(args.example), books, plugins)
        print(f"已生成示例账本 {args.example}/main.beancount ({len(books.txns)} 笔交易, {len(paths)} 个文件)")
        return 0
    if args.transactions is None or args.output is None:
        raise UserError("请用 --transactions N -o PATH 指定交易笔数和输出文件 (或 --example DIR)")
    if args.transactions < 100:
        raise UserError("--transactions 至少为 100")
    output = pathlib.Path(args.output)
    check_output_path(args.output, "输出账本", f"账本文件名, 如 {output / 'bench.beancount'}")  # before the generation
    check_output_path(str(ledger_gen.roster_path(output)), "学生名册")
    years = max(2, min(10, round(args.transactions / 10000)))  # full years, then 2026 up to LAST_MONTH
    last_year, last_month = ledger_gen.LAST_MONTH
    span = years + last_month / 12
    scale = max(0.3, (args.transactions / span - FIXED) / PER_SCALE)
    start = last_year - years
    books = ledger_gen.generate(seed=args.seed or 0, start_year=start, scale=scale)
    with file_problems():
        roster = ledger_gen.write_single(output, books, plugins)
    print(f"已生成 {output}: {len(books.txns)} 笔交易, {start}年1月至{last_year}年{last_month}月, "
          f"插件: {ledger_gen.plugin_label(plugins)}; 学生名册 {roster.name}")
    return 0


def register(commands, reports):
    parser = commands.add_parser("gen-ledger", help="生成确定性的合成账本 (用于性能测试)")
    parser.add_argument("--transactions", type=int, metavar="N", help="大约的交易笔数")
    parser.add_argument("--seed", type=int, default=None, help="随机种子 (相同种子生成相同账本)")
    parser.add_argument("-o", "--output", metavar="PATH", help="输出账本文件 (学生名册 <文件名>.students.csv 写在同一目录)")
    parser.add_argument("--example", metavar="DIR", help="改为重新生成随附的示例账本到 DIR (开发用)")
    parser.set_defaults(run=run)


