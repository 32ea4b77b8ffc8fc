"""Import benchmark: a generated 50,000-row bank statement (the rural bank's layout,
with preamble, footer and a running balance) imported by `run.extract` against a
ledger that already holds the first half of it, as CSV and as .xlsx (python-calamine).

    .venv/bin/python -m devtools.import_bench [--rows 50000] [--repeat 3]

Prints the best wall and CPU time of each format (the bar: a 50,000-row statement in
< 5 s; on a shared machine the CPU time is the steadier figure).
Not a test: timings belong here, not in the test suite.
"""
from __future__ import annotations

import argparse
import datetime
import decimal
import pathlib
import random
import sys
import tempfile
import time

from beancount.parser import parser

from importers import config as config_lib
from importers import run

NUMBER = "880101200000123456"
HEADER = ["交易日期", "交易时间", "摘要", "对方户名", "对方账号", "借方发生额", "贷方发生额", "余额", "交易流水号"]


def statement_rows(count: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    balance = decimal.Decimal("100000.00")
    day = datetime.date(2024, 1, 1)
    rows = []
    for index in range(count):
        if rng.random() < 0.02:
            day += datetime.timedelta(days=1)
        cents = decimal.Decimal(rng.randint(1, 500_000)) / 100
        out = rng.random() < 0.5 and balance > cents
        balance += -cents if out else cents
        rows.append([day.isoformat(), f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00",
                     rng.choice(["货款", "手续费", "购原材料", "转账", "电费"]),
                     rng.choice(["昌吉州天山食品有限公司", "呼图壁县丰收农业合作社", ""]),
                     "6217000000001111", f"{cents}" if out else "", "" if out else f"{cents}",
                     f"{balance}", f"NS{index:014d}"])
    return rows


def write_csv(path: pathlib.Path, rows):
    import csv

    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(f"呼图壁县农村商业银行 账户交易明细\n账号:{NUMBER}\n币种:人民币\n\n")
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
        writer.writerow(["合计"])


def write_xlsx(path: pathlib.Path, rows):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("交易明细")
    sheet.append(["账号", NUMBER])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)


def timed(path, existing, config) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of this process, summary) of one import run."""
    importers = run.make_importers(config, None)
    wall, cpu = time.perf_counter(), time.process_time()
    _, summary = run.extract([str(path)], list(existing), importers)
    return time.perf_counter() - wall, time.process_time() - cpu, summary


def main(argv=None) -> int:
    parser_ = argparse.ArgumentParser(description="导入基准: 大对账单的导入耗时")
    parser_.add_argument("--rows", type=int, default=50_000)
    parser_.add_argument("--repeat", type=int, default=3)
    args = parser_.parse_args(argv)
    config = config_lib.load_config()
    rows = statement_rows(args.rows)
    folder = pathlib.Path(tempfile.mkdtemp(prefix="import-bench-"))
    half = folder / "half.csv"
    write_csv(half, rows[: args.rows // 2])
    text, _ = run.extract([str(half)], [], run.make_importers(config, None))
    existing = parser.parse_string(text)[0]
    files = {"csv": folder / "statement.csv", "xlsx": folder / "statement.xlsx"}
    write_csv(files["csv"], rows)
    write_xlsx(files["xlsx"], rows)
    print(f"{args.rows} 行对账单, 账本中已有前 {len(existing)} 条记录 (去重), 重复 {args.repeat} 次取最快:")
    for kind, path in files.items():
        runs = [timed(path, existing, config) for _ in range(args.repeat)]
        wall = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        summary = runs[0][2]
        print(f"  {kind:5s} 墙钟 {wall:6.2f} s  CPU {cpu:6.2f} s  新记录 {summary['entries']} 条, "
              f"跳过重复 {len(summary['duplicates'])} 条")
    return 0


if __name__ == "__main__":
    sys.exit(main())
