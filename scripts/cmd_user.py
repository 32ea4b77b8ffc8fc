"""`shixun user add|passwd|remove|list --users FILE`: the password file of `shixun serve`.

The password is read from standard input (asked twice on a terminal) and stored
only as a salted scrypt hash; the file is rewritten atomically (serving.users).
"""
import getpass
import sys

from serving.users import ROLES, UsersError, add_user, check_name, load_or_empty, read_users, remove_user, set_password
from scripts.common import UserError, check_output_path


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("口令: ")
        second = getpass.getpass("再次输入口令: ")
        if first != second:
            raise UserError("两次输入的口令不一致")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UserError("标准输入中没有口令 (例如: echo '口令' | shixun user add …)")
    return line.rstrip("\r\n")


def run(args) -> int:
    try:
        if args.action in ("add", "passwd", "remove"):  # before the password is asked
            if args.action == "add":
                check_name(args.name)
                load_or_empty(args.users)
            else:
                read_users(args.users)
            check_output_path(args.users, "用户文件")
        if args.action == "add":
            user = add_user(args.users, args.name, args.role, _read_password())
            print(f"已添加用户 {user.name} ({ROLES[user.role]}) 到 {args.users}")
        elif args.action == "passwd":
            user = set_password(args.users, args.name, _read_password())
            print(f"已修改用户 {user.name} 的口令")
        elif args.action == "remove":
            remove_user(args.users, args.name)
            print(f"已删除用户 {args.name}")
        else:
            users = read_users(args.users)
            if not users:
                print("(没有用户)")
            for user in sorted(users.values(), key=lambda u: u.name):
                print(f"{user.name}\t{user.role}\t{ROLES[user.role]}")
    except UsersError as exc:
        raise UserError(str(exc)) from None
    return 0


def register(commands, reports):
    parser = commands.add_parser("user", help="管理 shixun serve 的用户 (财政局/审计局/会计)")
    actions = parser.add_subparsers(dest="action", metavar="操作", parser_class=type(parser))
    add = actions.add_parser("add", help="添加用户 (口令从标准输入读取)")
    add.add_argument("name", metavar="NAME", help="用户名 (英文字母、数字、_ . -)")
    add.add_argument("--role", required=True, choices=sorted(ROLES),
                     help="finance 财政局只读 / audit 审计局只读 / accountant 会计读写")
    passwd = actions.add_parser("passwd", help="修改口令 (从标准输入读取)")
    passwd.add_argument("name", metavar="NAME")
    remove = actions.add_parser("remove", help="删除用户")
    remove.add_argument("name", metavar="NAME")
    actions.add_parser("list", help="列出用户与角色")
    for sub in (add, passwd, remove, actions.choices["list"]):
        sub.add_argument("--users", required=True, metavar="FILE", help="用户文件 (口令只存散列)")
        sub.set_defaults(run=run)
