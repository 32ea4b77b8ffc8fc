"""The importers a ledger folder uses, for Fava's import page (`import-config`) and for
beangulp's own command line: ledger/import.py is three lines around `importers_for`.

Fava calls `identify`, `account`, `date` and `filename` on every file of the import
folder to draw its page, and turns any exception into a page-wide error with a Python
traceback. So for Fava each importer is wrapped (`LedgerImporter`): a file we refuse is
still listed, its Chinese reason where the new file name goes, and extracting it gives
one entry that says why (marked as a duplicate, so saving writes nothing) — the other
files import as usual. Under beangulp's CLI a refusal is raised: an `ImportFailure` is
a beangulp `Error`, which beangulp prints as it is. In both, a CSV/XLS/XLSX file that no
importer knows is taken by the bank importer only to say why (the closest bank
profiles), instead of being passed over without a word.
"""
from __future__ import annotations

import datetime
import os
import pathlib

import beangulp
from beancount.core import data
from beangulp import extract as bg_extract

from importers import config as config_lib
from importers import run
from importers.table import ImportFailure, is_supported
from plugins.roster import ROSTER_FILE

REFUSED_PREFIX = "无法导入: "


def _reason(failure: ImportFailure) -> str:
    """The refusal without the path (Fava shows the file beside it)."""
    where = f"第 {failure.row} 行: " if failure.row else ""
    others = getattr(failure, "others", None) or []
    more = f" (另有 {len(others)} 处错误)" if others else ""
    return where + " ".join(failure.reason.split()) + more


class LedgerImporter(beangulp.Importer):
    """One of our importers as the ledger folder's import.py hands it on; for Fava
    (`fava=True`) it never raises."""

    def __init__(self, inner, claim_unrecognised=False, fallback_account="", fava=True):
        self.inner = inner
        self.claim_unrecognised = claim_unrecognised  # list files no importer knows, with why
        self.fallback_account = fallback_account
        self.fava = fava
        self.others = []

    @property
    def name(self) -> str:
        return self.inner.name

    def _failure(self, filepath) -> ImportFailure | None:
        try:
            self.inner.account(filepath)
            self.inner.date(filepath)
        except ImportFailure as failure:
            return failure
        return None

    def _unrecognised(self, filepath) -> ImportFailure | None:
        """Why no importer takes a file we list anyway (unreadable, unknown layout)."""
        if not self.claim_unrecognised or self.inner.identify(filepath):
            return None
        try:
            run.identify([self.inner, *self.others], filepath)
        except ImportFailure as failure:
            return failure
        return None

    def identify(self, filepath: str) -> bool:
        try:
            if self.inner.identify(filepath):
                return True
            if self.claim_unrecognised and is_supported(filepath):
                return not any(other.identify(filepath) for other in self.others)
        except Exception:  # noqa: BLE001 - Fava must get a page, not a traceback
            return False
        return False

    def _refused(self, filepath) -> ImportFailure | None:
        failure = self._unrecognised(filepath)
        if failure is not None and not self.fava:
            raise failure
        return failure or (self._failure(filepath) if self.fava else None)

    def account(self, filepath: str) -> str:
        return "" if self._refused(filepath) else self.inner.account(filepath)

    def date(self, filepath: str):
        return None if self._refused(filepath) else self.inner.date(filepath)

    def filename(self, filepath: str):
        failure = self._refused(filepath)
        if failure is not None:
            return REFUSED_PREFIX + _reason(failure)
        return self.inner.filename(filepath)

    def extract(self, filepath: str, existing) -> list:
        failure = self._unrecognised(filepath)
        if failure is None:
            try:
                return self.inner.extract(filepath, existing)
            except ImportFailure as caught:
                failure = caught
        if not self.fava:
            raise failure
        meta = data.new_metadata(filepath, failure.row or 0)
        meta[bg_extract.DUPLICATE] = True
        return [data.Note(meta, datetime.date.today(), self.fallback_account,
                          f"{os.path.basename(filepath)} {REFUSED_PREFIX}{_reason(failure)}",
                          None, None)]

    def deduplicate(self, entries, existing) -> None:
        real = [e for e in entries if not isinstance(e, data.Note)]
        self.inner.deduplicate(real, existing)

    def sort(self, entries, reverse=False) -> None:
        self.inner.sort(entries, reverse)


class BrokenConfig(beangulp.Importer):
    """Stands in when the folder's import.toml or bank profiles are wrong: every file
    of the import folder shows that error (instead of Fava's traceback)."""

    def __init__(self, failure: ImportFailure):
        self.failure = failure

    @property
    def name(self) -> str:
        return "shixun.config-error"

    def identify(self, filepath: str) -> bool:
        return is_supported(filepath)

    def account(self, filepath: str) -> str:
        return ""

    def filename(self, filepath: str):
        return f"{REFUSED_PREFIX}导入配置有误: {self.failure}"

    def extract(self, filepath: str, existing) -> list:
        raise self.failure


def importers_for(ledger_dir, shown_in_fava: bool) -> list:
    """The bank and work-hours importers for the ledger in `ledger_dir`: its import.toml
    (else the shipped default), students.csv and bank-profiles/."""
    ledger_dir = pathlib.Path(ledger_dir).resolve()
    roster = ledger_dir / ROSTER_FILE
    try:
        config = config_lib.load_config(config_lib.find_config(None, str(ledger_dir / "main.beancount")))
        found = run.make_importers(config, str(roster) if roster.is_file() else None, str(ledger_dir))
    except ImportFailure as failure:
        if not shown_in_fava:
            raise
        return [BrokenConfig(failure)]
    bank, hours = found
    shown_bank = LedgerImporter(bank, True, config.suspense_account, shown_in_fava)
    shown_bank.others = [hours]
    if not shown_in_fava:
        return [shown_bank, hours]
    return [shown_bank, LedgerImporter(hours, False, config.suspense_account, shown_in_fava)]
