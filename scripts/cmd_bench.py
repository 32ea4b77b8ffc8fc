"""`shixun bench [--sizes 10000,100000] [--repeat N] [--seed S] [-o docs/PERFORMANCE.md]`:
the benchmark of SPEC §5 (devtools/bench.py). Slow by design (a 100k load takes
~10 s and every variant is loaded `repeat` times): not a test; CI runs it on a 2k
ledger with `--repeat 1` (tests/test_bench.py) so it cannot rot."""
import json
import os
import shlex
import sys

from scripts.common import UserError, check_output_path, write_output


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--sizes 应为逗号分隔的整数 (如 10000,100000), 而不是 {text!r}") from None
    if not sizes or min(sizes) < 100:
        raise UserError("--sizes 每个规模至少 100 笔交易")
    return sizes


def command_line(args) -> str:
    parts = ["shixun", "bench", "--sizes", ",".join(map(str, args.sizes)),
             "--repeat", str(args.repeat), "--seed", str(args.seed)]
    if args.no_profile:
        parts.append("--no-profile")
    if args.output:
        parts += ["-o", args.output]
    return " ".join(shlex.quote(p) for p in parts)


def run(args) -> int:
    from devtools import bench

    args.sizes = _sizes(args.sizes_text)
    if args.repeat < 1:
        raise UserError("--repeat 至少为 1")
    check_output_path(args.output)  # before minutes of measuring
    check_output_path(args.json, "测量数据文件")
    if args.workdir and not os.path.isdir(args.workdir):
        raise UserError(f"--workdir 应为已有的文件夹: {args.workdir} {'是一个文件' if os.path.exists(args.workdir) else '不存在'}")

    def log(message):
        print(message, file=sys.stderr, flush=True)

    results = bench.run(args.sizes, repeat=args.repeat, seed=args.seed, workdir=args.workdir, log=log,
                        profile=not args.no_profile)
    if args.json:
        write_output(args.json, json.dumps(results, ensure_ascii=False, indent=1), "测量数据文件")
    text = bench.markdown(results, command_line(args))
    if args.output and os.path.isfile(args.output):  # keep the hand-written analysis
        with open(args.output, encoding="utf-8") as old:
            previous = old.read()
        if bench.NOTES_MARKER in previous:
            text = text.rstrip("\n") + "\n\n" + previous[previous.index(bench.NOTES_MARKER):]
    write_output(args.output, text)
    for name, limit, measured, passed in bench.targets(results["sizes"][-1]):
        mark = "—" if passed is None else ("达标" if passed else "未达标")
        log(f"{mark:>4}  {name}: {measured} (限值 {limit})")
    return 0


def register(commands, reports):
    parser = commands.add_parser("bench", help="性能测试: 插件开销、内存、报表与视图耗时 (写 docs/PERFORMANCE.md)")
    parser.add_argument("--sizes", dest="sizes_text", default="10000,100000", metavar="N,N",
                        help="账本规模 (交易笔数), 逗号分隔 (默认 10000,100000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="每个变体载入的轮数 (默认 3)")
    parser.add_argument("--seed", type=int, default=0, help="生成账本的随机种子 (默认 0)")
    parser.add_argument("-o", "--output", metavar="PATH", help="Markdown 输出 (如 docs/PERFORMANCE.md; 缺省为标准输出)")
    parser.add_argument("--json", metavar="PATH", help="另存原始测量数据 (JSON)")
    parser.add_argument("--no-profile", action="store_true", help="不做最大规模上各插件的 cProfile 分析")
    parser.add_argument("--workdir", metavar="DIR", help="生成的账本保存在此目录 (默认临时目录, 结束即删)")
    parser.set_defaults(run=run)
