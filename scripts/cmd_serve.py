"""`shixun serve [LEDGER] --users FILE`: Fava for the accountant and the bureaus.

Fava's `create_app` with the sandboxed query module, wrapped in `serving.guard.Guard`
(HTTP Basic auth, roles, read-only bureaus, access log, lockout), on cheroot with the
limits of `serving.server`. Binds to 127.0.0.1 by default; a non-loopback address needs
TLS (`--certfile/--keyfile`) unless `--force-insecure` is given.
"""
import math
import os
import signal
import sys

from plugins.files import check_file, reason
from scripts.common import UserError, add_ledger_argument, check_output_path, file_problems, ledger_path

DEFAULT_PORT = 5000
WALL_PER_CPU = 2  # a query's wall-clock bound is this many times its CPU bound
PAGE_WORKERS = 8  # workers left for the pages however many queries wait for a child

# The numeric options: (flag, type, default, minimum, maximum, help). Each is a limit,
# so a value outside its range is refused rather than quietly making it no limit at all
# (0 threads, a query bound of 0 MiB or of days, a lockout of NaN seconds). The defaults
# are those of serving.server.ServerLimits, serving.query.QueryLimits and serving.guard.Guard
# (tests/test_cli_inputs.py keeps them equal; importing those here would slow every command).
NUMBERS = [
    ("--port", int, DEFAULT_PORT, 1, 65535, "端口"),
    ("--max-failures", int, 5, 1, 1000, "锁定前允许的连续登录失败次数"),
    ("--lockout", float, 300.0, 1, 7 * 24 * 3600, "锁定秒数"),
    ("--threads", int, 32, 1, 1024, "工作线程数"),
    ("--query-seconds", int, 5, 1, 600, "每个查询的 CPU 秒数上限 (墙钟时间上限为其两倍)"),
    ("--query-memory", int, 512, 1, 64 * 1024, "每个查询可额外使用的内存 MiB"),
    ("--header-seconds", float, 5.0, 0.1, 300, "读完请求头的期限秒数 (工作线程全忙时 1 秒)"),
]


def check_numbers(args) -> None:
    """Every numeric option within its range (a NaN or infinity is no number of seconds)."""
    for flag, _type, _default, low, high, _help in NUMBERS:
        value = getattr(args, flag[2:].replace("-", "_"))
        if not (math.isfinite(value) and low <= value <= high):
            raise UserError(f"{flag} 应在 {low:g} 到 {high:g} 之间, 而不是 {value:g}")


def run(args) -> int:
    from serving.query import QueryLimits
    from serving.server import ServerLimits, is_loopback, make_app, make_server
    from serving.users import UsersError, read_users

    check_numbers(args)
    path = ledger_path(args)
    if bool(args.certfile) != bool(args.keyfile):
        raise UserError("--certfile 和 --keyfile 必须同时给出")
    for tls_file in (args.certfile, args.keyfile):
        if tls_file:
            with file_problems():
                check_file(tls_file, "TLS 文件", "PEM 格式的证书或私钥文件")
    tls = bool(args.certfile)
    if not is_loopback(args.host) and not tls and not args.force_insecure:
        raise UserError(f"拒绝在非本机地址 {args.host} 上以明文 HTTP 提供服务: "
                        "请用 --certfile/--keyfile 启用 TLS (或明知风险时加 --force-insecure)")
    try:
        users = read_users(args.users)
    except UsersError as exc:
        raise UserError(str(exc)) from exc
    if not users:
        raise UserError(f"用户文件中没有用户: {args.users} (先运行 shixun user add)")
    access_log = args.access_log or os.path.join(os.path.dirname(os.path.abspath(args.users)),
                                                 "access.log")
    check_output_path(access_log, "访问日志")
    limits = QueryLimits(cpu_seconds=args.query_seconds, wall_seconds=args.query_seconds * WALL_PER_CPU,
                         memory_mb=args.query_memory,
                         waiting=max(1, args.threads - QueryLimits.parallel - PAGE_WORKERS))
    app, _guard = make_app(path, args.users, access_log, max_failures=args.max_failures,
                           lockout=args.lockout, query_limits=limits)
    server = make_server(app, args.host, args.port, certfile=args.certfile, keyfile=args.keyfile,
                         limits=ServerLimits(threads=args.threads, header_seconds=args.header_seconds))
    scheme = "https" if tls else "http"
    print(f"shixun serve: {scheme}://{args.host}:{args.port}/ 账本 {path}, "
          f"用户 {len(users)} 个, 访问日志 {access_log}", flush=True)
    if not tls and not is_loopback(args.host):
        print("警告: 明文 HTTP, 口令可被窃听", file=sys.stderr, flush=True)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise UserError(f"无法在 {args.host}:{args.port} 上监听: {reason(exc)}") from None
    finally:
        server.stop()
    print("shixun serve: 已停止", flush=True)
    return 0


def register(commands, reports):
    parser = commands.add_parser("serve", help="启动 Fava (需登录; 财政/审计只读)")
    add_ledger_argument(parser)
    parser.add_argument("--users", required=True, metavar="FILE", help="用户文件 (shixun user add 创建)")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址 (默认 127.0.0.1)")
    parser.add_argument("--certfile", help="TLS 证书 (PEM)")
    parser.add_argument("--keyfile", help="TLS 私钥 (PEM)")
    parser.add_argument("--force-insecure", action="store_true",
                        help="允许在非本机地址上使用明文 HTTP (不推荐)")
    parser.add_argument("--access-log", metavar="FILE",
                        help="访问日志 (只追加; 默认用户文件同目录 access.log)")
    for flag, kind, default, low, high, help_text in NUMBERS:
        parser.add_argument(flag, type=kind, default=default, metavar="N",
                            help=f"{help_text} ({low:g} 到 {high:g}, 默认 {default:g})")
    parser.set_defaults(run=run)
