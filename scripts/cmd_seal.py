"""`shixun seal --year YYYY [LEDGER]`: append the year's seal to LEDGER (the main file).

Refused when the ledger has errors, when the year is not over by the ledger's own
dates (no entry after 12-31 of that year), when the year has no entries, or when the
year is already sealed. The ledger's "today" is its last record that is not a
`custom` directive (policies and registers may be entered ahead of time); the seal is
dated that day unless --date says otherwise. The file is rewritten atomically and the result is loaded
again; if the new seal does not verify, the original file is put back.
"""
import datetime
import pathlib

from plugins.common import ledger_end
from plugins.seal import format_months, seals, year_digests
from scripts.common import UserError, add_ledger_argument, ledger_path, load, write_output


def seal_text(year: int, date: datetime.date, info: dict) -> str:
    return (f"\n; {year} 年度封账 (shixun seal): 覆盖该年度会计人员录入的 {info['entries']} 条记录。"
            f"封账后不得改动该年度记录, 更正在未结账年度进行。\n"
            f'{date.isoformat()} custom "seal" "{year}" "{info["digest"]}"\n'
            f"  entries: {info['entries']}\n"
            f'  months: "{format_months(info["months"])}"\n')


def seal_ledger(path: str, year: int, date: datetime.date | None = None) -> dict:
    """Seal `year` in the ledger whose main file is `path`; returns what was written."""
    entries, errors, options = load(path)
    if errors:
        raise UserError(f"账本有 {len(errors)} 个错误, 不能封账; 请先运行 shixun check 并改正")
    found, _ = seals(entries)
    if year in found:
        meta = found[year].meta
        raise UserError(f"{year} 年度已封账 ({meta.get('filename')}:{meta.get('lineno')}), 不能重复封账")
    end = ledger_end(entries)
    year_end = datetime.date(year, 12, 31)
    if end is None or end <= year_end:
        raise UserError(f"{year} 年度尚未结束: 账本截至日为 {end}, 须有 {year + 1} 年的记录后才能封账")
    info = year_digests(entries, [year])[year]
    if not info["entries"]:
        raise UserError(f"{year} 年度没有会计记录, 无需封账")
    date = date or end
    if date <= year_end:
        raise UserError(f"封账日期 {date} 须在 {year_end} 之后")
    target = pathlib.Path(path)
    original = target.read_bytes()
    text = seal_text(year, date, info)
    prefix = b"" if not original or original.endswith(b"\n") else b"\n"
    write_output(str(target), original + prefix + text.encode("utf-8"))
    after, new_errors, _ = load(path)
    if new_errors:
        write_output(str(target), original)
        raise UserError(f"写入封账后账本出现 {len(new_errors)} 个错误, 已恢复原文件: "
                        f"{' '.join(str(new_errors[0].message).split())}")
    enabled = any(name == "plugins.seal" for name, _ in options.get("plugin", []))
    return {"year": year, "date": date, "digest": info["digest"], "entries": info["entries"],
            "enabled": enabled, "path": str(target)}


def run(args) -> int:
    path = ledger_path(args)
    date = None
    if args.date:
        try:
            date = datetime.date.fromisoformat(args.date)
        except ValueError as exc:
            raise UserError(f"日期格式应为 YYYY-MM-DD: {args.date}") from exc
    result = seal_ledger(path, args.year, date)
    print(f"已封账: {result['year']} 年度 {result['entries']} 条记录, 封账日期 {result['date']}, "
          f"SHA-256 {result['digest']}, 写入 {result['path']}")
    if not result["enabled"]:
        print('注意: 账本未启用 plugin "plugins.seal", 加载时不会校验封账。')
    return 0


def register(commands, reports):
    parser = commands.add_parser("seal", help="年度封账: 把该年度记录的哈希写入账本")
    parser.add_argument("--year", type=int, required=True, help="要封账的年度, 如 2024")
    parser.add_argument("--date", default=None,
                        help="封账条目的日期 (默认为账本最后一条记录的日期), 须在年度结束之后")
    add_ledger_argument(parser)
    parser.set_defaults(run=run)
