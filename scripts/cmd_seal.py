"""`shixun seal --year YYYY [LEDGER]`: append the year's seal to LEDGER (the main file).

SPEC §4: sealing year Y is refused only by errors that concern Y or earlier (dated in Y
or before, or not dated at all, such as a broken config), and the refusal lists them
with file:line; an error of a later year does not stop Y's seal. Also refused when Y
is not over on the date of judgement (`plugins.asof`), has no entries, or is sealed
already. The seal is dated the ledger's last booking (not a `custom` directive: those
may be entered ahead), or the date of judgement when the books end inside Y, unless
--date says otherwise. Beside the main file goes the seal's record list
(`seal-Y.records.tsv`, see plugins.seal), so a broken seal names each record. Both
files are written atomically and the result is loaded again; if the new seal does not
verify, the original file is put back and the list removed.
"""
import datetime
import hashlib
import os
import pathlib

from plugins.asof import as_of, parse_date, year_over
from plugins.common import family_enabled, ledger_end, where
from plugins.seal import format_months, records_name, records_text, seals, year_digests
from scripts.common import UserError, add_ledger_argument, check_ledger, check_output_path, ledger_path, load, write_output

MAX_LISTED = 20


def seal_text(year: int, date: datetime.date, info: dict, records: tuple[str, str] | None = None) -> str:
    """The seal entry; `records` = (file name, SHA-256) of its record list."""
    text = (f"\n; {year} 年度封账 (shixun seal): 覆盖该年度会计人员录入的 {info['entries']} 条记录。"
            f"封账后不得改动该年度记录, 更正在未结账年度进行。\n"
            f'{date.isoformat()} custom "seal" "{year}" "{info["digest"]}"\n'
            f"  entries: {info['entries']}\n"
            f'  months: "{format_months(info["months"])}"\n')
    if records:
        text += f'  records: "{records[0]}"\n  records-sha256: "{records[1]}"\n'
    return text


def error_year(error) -> int | None:
    """The year an error concerns: its entry's date; None for an undated one."""
    date = getattr(getattr(error, "entry", None), "date", None)
    return date.year if isinstance(date, datetime.date) else None


def blocking(errors, year: int) -> list:
    """The errors that refuse sealing `year`: dated in it or earlier, or undated."""
    return [e for e in errors if (error_year(e) or 0) <= year]


def _describe(errors) -> str:
    lines = []
    for error in errors[:MAX_LISTED]:
        source = error.source or {}
        text = " ".join(str(error.message).split())
        lines.append(f"  {source.get('filename', '?')}:{source.get('lineno', '?')}: {text[:300]}")
    if len(errors) > MAX_LISTED:
        lines.append(f"  …… 另有 {len(errors) - MAX_LISTED} 个")
    return "\n".join(lines)


def seal_ledger(path: str, year: int, date: datetime.date | None = None) -> dict:
    """Seal `year` in the ledger whose main file is `path`; returns what was written."""
    target = pathlib.Path(check_ledger(path))
    records_path = target.with_name(records_name(year))
    check_output_path(path, "账本文件")  # both written at the end: refused before the load
    check_output_path(str(records_path), "封账记录清单")
    entries, errors, options = load(path)
    refusing = blocking(errors, year)
    if refusing:
        raise UserError(f"账本有 {len(refusing)} 个涉及 {year} 年度或以前的错误, 不能封账; "
                        f"请先改正:\n{_describe(refusing)}")
    found, _ = seals(entries)
    if year in found:
        raise UserError(f"{year} 年度已封账 ({where(found[year])}), 不能重复封账")
    judged = as_of(entries)
    year_end = datetime.date(year, 12, 31)
    if not year_over(year, judged.date):
        raise UserError(f"{year} 年度尚未结束: {judged.label()}, 须在 {year_end} 之后才能封账")
    info = year_digests(entries, [year])[year]
    if not info["entries"]:
        raise UserError(f"{year} 年度没有会计记录, 无需封账")
    end = ledger_end(entries)
    date = date or (end if end and end > year_end else judged.date)
    if date <= year_end:
        raise UserError(f"封账日期 {date} 须在 {year_end} 之后")
    original = target.read_bytes()
    listing = records_text(entries, year, str(target.parent)).encode("utf-8")
    text = seal_text(year, date, info, (records_path.name, hashlib.sha256(listing).hexdigest()))
    prefix = b"" if not original or original.endswith(b"\n") else b"\n"
    write_output(str(records_path), listing, "封账记录清单")
    try:
        write_output(str(target), original + prefix + text.encode("utf-8"), "账本文件")
    except UserError:  # the ledger is as it was: no record list of a seal it lacks
        os.remove(records_path)
        raise
    after, new_errors, _ = load(path)
    if len(new_errors) > len(errors):
        write_output(str(target), original, "账本文件")
        os.remove(records_path)
        raise UserError(f"写入封账后账本出现新的错误, 已恢复原文件: "
                        f"{' '.join(str(new_errors[-1].message).split())}")
    enabled = family_enabled(options, ("plugins.seal", "seal"))
    return {"year": year, "date": date, "digest": info["digest"], "entries": info["entries"],
            "enabled": enabled, "path": str(target), "records": str(records_path)}


def run(args) -> int:
    path = ledger_path(args)
    date = None
    if args.date:
        try:
            date = parse_date(args.date, "--date 封账日期")
        except ValueError as exc:
            raise UserError(str(exc)) from None
    result = seal_ledger(path, args.year, date)
    print(f"已封账: {result['year']} 年度 {result['entries']} 条记录, 封账日期 {result['date']}, "
          f"SHA-256 {result['digest']}, 写入 {result['path']} (记录清单 {result['records']})")
    if not result["enabled"]:
        print('注意: 账本未启用 plugin "plugins.all" (或 "plugins.seal"), 加载时不会校验封账。')
    return 0


def register(commands, reports):
    parser = commands.add_parser("seal", help="年度封账: 把该年度记录的哈希写入账本")
    parser.add_argument("--year", type=int, required=True, help="要封账的年度, 如 2024")
    parser.add_argument("--date", default=None,
                        help="封账条目的日期 (默认为账本最后一笔记录的日期), 须在年度结束之后")
    add_ledger_argument(parser)
    parser.set_defaults(run=run)
