"""One import run: identify each file, extract, dedupe, print — beangulp's own
machinery (`identify.identify`, `extract.extract_from_file`,
`extract.sort_extracted_entries`, the importers' `deduplicate` hooks,
`extract.print_extracted_entries`, `archive.filepath`/`archive.move`) driven with
Chinese messages instead of beangulp's click commands (English, tracebacks).

All or nothing: if any file is refused, no entry at all is returned.
"""
from __future__ import annotations

import io
import os

from beangulp import archive as bg_archive
from beangulp import exceptions as bg_exceptions
from beangulp import extract as bg_extract
from beangulp import identify as bg_identify

from importers import headers
from importers.bank import BankStatementImporter
from importers.config import Config
from importers.table import ImportFailure, is_supported
from importers.workhours import WorkHoursImporter


class Refused(Exception):
    """One or more files refused: `failures` is a list of ImportFailure."""

    def __init__(self, failures):
        self.failures = failures
        super().__init__(f"{len(failures)} 个错误")

    def lines(self) -> list[str]:
        lines = []
        for failure in self.failures:
            lines.append(str(failure))
            others = getattr(failure, "others", None) or []
            lines.extend(str(other) for other in others)
        return lines


def make_importers(config: Config, roster: str | None):
    return [BankStatementImporter(config), WorkHoursImporter(roster)]


def _expand(paths, failures):
    """[(file, walked)]: files as given, and for a directory the CSV/XLSX files in it
    (sorted; `walked` True: such a file that is not ours at all is skipped, as beangulp
    does, instead of refusing the run)."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(root, name) for root, _, names in os.walk(path)
                           for name in names if is_supported(name))
            if not found:
                failures.append(ImportFailure(path, "目录中没有 CSV/XLSX 文件"))
            files.extend((name, True) for name in found)
        elif os.path.isfile(path):
            files.append((path, False))
        else:
            failures.append(ImportFailure(path, "文件不存在"))
    return files


def identify(importers, path):
    """The importer for a file, or ImportFailure saying why none fits."""
    importer = bg_identify.identify(importers, path)
    if importer is None:
        headers.load(path)  # raises with the precise reason (empty, corrupt, no header…)
        raise ImportFailure(path, "无法识别的文件: 既不是银行对账单也不是工时表",
                            unrecognised=True)
    return importer


def extract(paths, existing: list, importers, log=None):
    """(beancount text, summary dict). Raises Refused (nothing produced) if any file
    is bad. `existing` is extended in place with the new entries (beangulp's way of
    deduplicating within a run)."""
    log = log or (lambda message: None)
    failures = []
    files = _expand(paths, failures)
    extracted = []
    warnings = []
    skipped = []
    for number, (path, walked) in enumerate(files, 1):
        log(f"[{number}/{len(files)}] 读取 {path}")
        try:
            importer = identify(importers, path)
            entries = bg_extract.extract_from_file(importer, path, existing)
            account = importer.account(path)
            warnings.extend(importer.warnings(path))
        except ImportFailure as failure:
            if walked and failure.unrecognised:
                skipped.append(path)
            else:
                failures.append(failure)
            continue
        except bg_exceptions.Error as exc:
            failures.append(ImportFailure(path, f"无法确定导入方式: {exc.message}"))
            continue
        extracted.append((path, entries, account, importer))
    if failures:
        raise Refused(failures)

    bg_extract.sort_extracted_entries(extracted)
    duplicates = []
    for path, entries, account, importer in extracted:
        importer.deduplicate(entries, existing)
        existing.extend(entries)

    kept = []
    total = 0
    for path, entries, account, importer in extracted:
        fresh = []
        for entry in entries:
            if entry.meta.pop(bg_extract.DUPLICATE, False):
                duplicates.append((path, entry))
            else:
                fresh.append(entry)
        total += len(fresh)
        kept.append((path, fresh, account, importer))
    buffer = io.StringIO()
    bg_extract.print_extracted_entries(kept, buffer)
    warnings.extend(f"{path}: 不是银行对账单或工时表, 已跳过" for path in skipped)
    summary = {"files": len(files) - len(skipped), "entries": total, "duplicates": duplicates,
               "warnings": warnings}
    return buffer.getvalue(), summary


def archive_plan(paths, importers, destination, overwrite=False):
    """[(source, destination path)] for each file; Refused if any file is bad, the
    name collides, or the target exists (unless overwrite)."""
    failures = []
    files = _expand(paths, failures)
    plan = []
    for path, walked in files:
        try:
            importer = identify(importers, path)
            target = os.path.join(destination, bg_archive.filepath(importer, path))
        except ImportFailure as failure:
            if not (walked and failure.unrecognised):
                failures.append(failure)
            continue
        except bg_exceptions.Error as exc:
            failures.append(ImportFailure(path, f"无法归档: {exc.message}"))
            continue
        if any(dst == target for _, dst in plan):
            failures.append(ImportFailure(path, f"归档目标与本次另一文件重名: {target}"))
        elif not overwrite and os.path.exists(target):
            failures.append(ImportFailure(path, f"归档目标已存在: {target} (用 --overwrite 覆盖)"))
        else:
            plan.append((path, target))
    if failures:
        raise Refused(failures)
    return plan


def archive_move(plan):
    for source, target in plan:
        bg_archive.move(source, target)
