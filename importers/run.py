"""One import run: identify each file, extract, dedupe, print — beangulp's own
machinery (`identify.identify`, `extract.extract_from_file`,
`extract.sort_extracted_entries`, the importers' `deduplicate` hooks,
`extract.print_extracted_entries`, `archive.filepath`/`archive.move`) driven with
Chinese messages instead of beangulp's click commands (English, tracebacks).

All or nothing: if any file is refused, no entry at all is returned; `archive` checks
every move first, then moves, and puts back what it moved if a later move fails.
"""
from __future__ import annotations

import gc
import io
import os

from beangulp import archive as bg_archive
from beangulp import exceptions as bg_exceptions
from beangulp import extract as bg_extract
from beangulp import identify as bg_identify

from importers import headers, profiles, table, workhours
from importers.bank import BankStatementImporter
from importers.config import Config
from importers.table import ImportFailure, is_supported
from importers.workhours import WorkHoursImporter
from plugins.files import reason


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


def make_importers(config: Config, roster: str | None, ledger_dir: str | None = None):
    """The bank-statement and work-hours importers; bank profiles from `ledger_dir`'s
    bank-profiles/ (if any) before the shipped ones."""
    bank = BankStatementImporter(config, profiles.load_profiles(ledger_dir))
    return [bank, WorkHoursImporter(roster, bank.known)]


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
        known = importers[0].known
        try:
            headers.load(path, known)  # raises with the precise reason (empty, corrupt…)
        except ImportFailure as failure:
            if not failure.unrecognised:
                raise
        raise ImportFailure(path, unrecognised_reason(path, known.profiles), unrecognised=True)
    return importer


def unrecognised_reason(path, profile_list) -> str:
    """Why a readable file is neither kind: the bank profiles that come closest."""
    try:
        rows = table.read_table(path, lambda t: True)
    except ImportFailure:
        rows = None
    near = profiles.closest(rows, profile_list) if rows is not None else []
    if not near:
        return "无法识别的文件: 既不是银行对账单也不是工时表 (未找到表头)"
    return ("无法识别的银行对账单格式: 最接近的是 " + "; ".join(near)
            + f"; 可在账本旁 {profiles.LEDGER_DIR_NAME}/ 中添加此银行的格式 (见使用指南第 6 章)")


def extract(paths, existing: list, importers, log=None):
    """(beancount text, summary dict). Raises Refused (nothing produced) if any file
    is bad. `existing` is extended in place with the new entries (beangulp's way of
    deduplicating within a run). The garbage collector is paused meanwhile: a run
    makes objects by the hundred thousand and frees none of them (SPEC §6)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _extract(paths, existing, importers, log)
    finally:
        if paused:
            gc.enable()


def _extract(paths, existing: list, importers, log):
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
                skipped.append((path, failure.reason))
            else:
                failures.append(failure)
            continue
        except bg_exceptions.Error as exc:
            failures.append(ImportFailure(path, f"无法确定导入方式: {exc.message}"))
            continue
        if isinstance(importer, BankStatementImporter):
            log(f"      银行格式: {importer.statement(path).profile}, 记入 {account}")
        extracted.append((path, entries, account, importer))
    if failures:
        raise Refused(failures)

    for number, (path, entries, _account, importer) in enumerate(extracted):
        if isinstance(importer, WorkHoursImporter):
            earlier = [e for item in extracted[:number] for e in item[1]]
            failures.extend(workhours.conflicts(path, entries, earlier))
    if failures:
        raise Refused(failures)

    bg_extract.sort_extracted_entries(extracted)
    duplicates = []
    for _path, entries, _account, importer in extracted:
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
                if entry.meta.get("warning"):
                    warnings.append(f"{path}: 第 {entry.meta.get('lineno')} 行: {entry.meta['warning']}")
        total += len(fresh)
        kept.append((path, fresh, account, importer))
    buffer = io.StringIO()
    bg_extract.print_extracted_entries(kept, buffer)
    warnings.extend(f"{path}: {reason}; 已跳过" for path, reason in skipped)
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


class ArchiveFailed(Exception):
    """A move failed: `lines` says which, and what was put back."""

    def __init__(self, lines):
        self.lines = lines
        super().__init__("; ".join(lines))


def archive_move(plan):
    """Move every file of the plan, or none: the plan is checked again just before
    (sources still there, targets still free), and on a failed move the files already
    moved are moved back."""
    problems = [f"{source}: 文件已不存在" for source, _ in plan if not os.path.isfile(source)]
    if problems:
        raise ArchiveFailed(problems)
    done = []
    for source, target in plan:
        try:
            bg_archive.move(source, target)
        except OSError as exc:
            lines = [f"{source}: 无法移动到 {target} ({reason(exc)})"]
            for moved_source, moved_target in reversed(done):
                try:
                    bg_archive.move(moved_target, moved_source)
                    lines.append(f"{moved_source}: 已移回原处")
                except OSError as back:
                    lines.append(f"{moved_source}: 未能移回, 文件现在在 {moved_target} "
                                 f"({reason(back)})")
            raise ArchiveFailed(lines) from None
        done.append((source, target))
