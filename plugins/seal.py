"""Sealed years (封账): a closed year's entries can no longer change unnoticed.

Seed: "财政、审计部门对中职校生产性实训基地经营中心账务进行监督、审计" — the bureaus
must be able to trust that a year they audited was not rewritten afterwards (SPEC §4,
tamper-evident year close). 会计基础工作规范 第五十一条(五): "发现以前年度记账凭证有错误的,
应当用蓝字填制一张更正的记账凭证" — an error found in a closed year is corrected by a
new voucher in the open year (红字冲销/蓝字更正/补充登记), never by editing the old entry.

A seal is an accountant-visible entry appended by `shixun seal --year 2024`:

    2025-12-31 custom "seal" "2024" "<sha256 hex>"
      entries: 412
      months: "01:3f2a9c1e0b7d/35 02:…"

The hash covers a canonical rendering of every entry dated in the year that the
accountant wrote: generated entries (`generated:` metadata, see plugins.common) and
seal entries themselves are left out. The rendering is built from the parsed entries,
so it does not depend on file order, whitespace, comments or which file an entry sits
in (`filename`/`lineno` and internal `__…` metadata are ignored); it does depend on
the date, flag, payee, narration, tags, links, every posting (account, amount, cost,
price, flag) and every other metadata key and value, and on every field of the other
directives (open, balance, custom, note, …). Entry digests are sorted before the year
digest is taken, so the year digest is a digest of the multiset of entries.

`months` keeps a short digest and a count per month. `records:` names the seal's record
list, a file beside the ledger file that holds the seal (`seal-2024.records.tsv`): one
row per sealed record with its date, 凭证号, position, its text (first line and postings, `record_text`),
and its digest. The list is itself covered: `records-sha256:` is the digest of the
file, and its rows' digests must give the seal's own digest. With it, a broken seal
names each changed, added or removed record (date, 凭证号, what changed); without it (a
seal written before the list existed, or a list gone missing), the months that changed.

On load, `plugins.seal` recomputes each sealed year: a `[封账]` error for each changed
or added record (at the record) and each removed one (at the seal), or one error on
the seal listing the changed months.
"""
import collections
import datetime
import bisect
import hashlib
import operator
import os
import re
from decimal import Decimal

from beancount.core import data
from beancount.parser import printer

from plugins import engine
from plugins.common import config_error, is_generated, parse_config, rule_error

__plugins__ = ("seal",)

SEAL = "seal"
VERSION = b"shixun-seal-v1\n"
MONTH_DIGEST_LEN = 12
CORRECTION = ("已封账年度的记录不得改动; 发现错误应在当前未结账年度填制更正凭证 "
              "(会计基础工作规范 第五十一条: 发现以前年度记账凭证有错误的, 应当用蓝字填制一张更正的记账凭证)")

_SKIP_META = ("filename", "lineno")
RECORDS_HEADER = "# shixun seal records v1"
RECORDS_COLUMNS = ("日期", "凭证号", "位置", "记录首行", "SHA-256")
MAX_LISTED = 30  # records named one by one in a broken seal; the rest are counted


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _meta(meta) -> str:
    if not meta:
        return "{}"
    parts = [f"{key}={_render(meta[key])}" for key in sorted(meta)
             if key not in _SKIP_META and not key.startswith("__")]
    return "{" + ",".join(parts) + "}"


def _render(value) -> str:
    """A canonical, type-tagged text of a value found in an entry."""
    if value is None:
        return "~"
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is Decimal:
        return "D" + str(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is datetime.date:
        return value.isoformat()
    if kind is int:
        return "I" + str(value)
    if isinstance(value, dict):
        return _meta(value)
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_render(v) for v in value)) + "}"
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # namedtuples: Amount, Cost, Posting…
        return kind.__name__ + "(" + ",".join(
            _meta(getattr(value, f)) if f == "meta" else _render(getattr(value, f))
            for f in value._fields) + ")"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_render(v) for v in value) + "]"
    if isinstance(value, type):
        return value.__name__
    return kind.__name__ + ":" + str(value)


SEP, REC = "\x1f", "\x1e"  # field and posting separators of the canonical text


def _tagged(value) -> str:
    kind = type(value)
    if kind is str:
        return "s" + value
    if kind is Decimal:
        return "d" + str(value)
    if kind is bool:
        return "b1" if value else "b0"
    if kind is datetime.date:
        return "t" + value.isoformat()
    return "o" + _render(value)


def _items(meta) -> str:
    """The metadata that matters, "key=<tagged value>" sorted, separated."""
    if not meta or len(meta) == 2 and "filename" in meta and "lineno" in meta:
        return ""
    items = [key + "=" + _tagged(value) for key, value in meta.items()
             if key != "filename" and key != "lineno" and key[:2] != "__"]
    items.sort()
    return SEP.join(items)


def canonical(entry) -> str:
    """The canonical text of one entry (what the seal digests). Transactions, the
    common case, are joined from their fields directly for speed; other directives
    use the generic type-tagged rendering."""
    if type(entry) is not data.Transaction:
        return _render(entry)
    parts = ["T", entry.date.isoformat(), entry.flag or "", _tagged(entry.payee),
             _tagged(entry.narration),
             " ".join(sorted(entry.tags)) if entry.tags else "",
             " ".join(sorted(entry.links)) if entry.links else "",
             _items(entry.meta)]
    for posting in entry.postings:
        units, price, cost = posting.units, posting.price, posting.cost
        parts.append(REC + posting.account + SEP
                     + (str(units.number) + " " + str(units.currency) if units is not None else "~") + SEP
                     + (_render(cost) if cost is not None else "~") + SEP
                     + (str(price.number) + " " + str(price.currency) if price is not None else "~") + SEP
                     + (posting.flag or "") + SEP + _items(posting.meta))
    return SEP.join(parts)


_date_of = operator.attrgetter("date")


def entry_digest(entry) -> bytes:
    return hashlib.sha256(canonical(entry).encode("utf-8")).digest()


def is_seal(entry) -> bool:
    return isinstance(entry, data.Custom) and entry.type == SEAL


def sealable(entry) -> bool:
    """True for entries a seal covers: written by the accountant, not a seal — neither
    ours (`generated:`) nor another plugin's (e.g. auto_accounts' `open`, placed in
    "<auto_accounts>", no file of the ledger's)."""
    return not is_generated(entry) and not is_seal(entry) and not _made_by_a_plugin(entry)


def _made_by_a_plugin(entry) -> bool:
    """Beancount's plugins place what they make in "<plugin name>"; "<string>" is a
    ledger given as text (`load_string`), the accountant's own."""
    filename = str((entry.meta or {}).get("filename", ""))
    return filename.startswith("<") and filename != "<string>"


def _digest(digests) -> str:
    hasher = hashlib.sha256(VERSION)
    for digest in sorted(digests):
        hasher.update(digest)
    return hasher.hexdigest()


def sealed_entries(entries, year: int) -> list:
    """THE entries a seal of `year` covers: the sealable entries dated in the year, in
    ledger order, from a date-sorted list (the loader's order: a plugin's input, a
    loaded ledger) — one bisection, the year is a contiguous slice."""
    low = bisect.bisect_left(entries, datetime.date(year, 1, 1), key=_date_of)
    high = bisect.bisect_left(entries, datetime.date(year + 1, 1, 1), lo=low, key=_date_of)
    return [entry for entry in entries[low:high] if sealable(entry)]


def _digested(records) -> list[tuple[bytes, object]]:
    """(digest, entry) of each of a year's sealable entries, each digested once."""
    return [(entry_digest(entry), entry) for entry in records]


def _summary(digested) -> dict:
    """{"digest": hex, "entries": n, "months": {"01": (short hex, n), …}} of a year."""
    by_month = collections.defaultdict(list)
    for digest, entry in digested:
        by_month[entry.date.month].append(digest)
    months = {f"{month:02d}": (_digest(digests)[:MONTH_DIGEST_LEN], len(digests))
              for month, digests in sorted(by_month.items())}
    return {"digest": _digest(digest for digest, _ in digested), "entries": len(digested), "months": months}


def year_digests(entries, years) -> dict:
    """{year: `_summary`} of the given years of an entries list (in any order)."""
    entries = engine.in_order(entries)
    return {year: _summary(_digested(sealed_entries(entries, year))) for year in set(years)}


def format_months(months: dict) -> str:
    return " ".join(f"{m}:{digest}/{count}" for m, (digest, count) in sorted(months.items()))


def parse_months(text) -> dict | None:
    if not isinstance(text, str):
        return None
    months = {}
    for part in text.split():
        match = re.fullmatch(r"(\d\d):([0-9a-f]+)/(\d+)", part)
        if not match:
            return None
        months[match.group(1)] = (match.group(2), int(match.group(3)))
    return months


def seal_year(entry):
    """(year, hex digest) of a seal entry, or raise ValueError with a Chinese reason."""
    values = [v.value for v in entry.values]
    if len(values) != 2:
        raise ValueError('封账条目应写作 custom "seal" "<年度>" "<SHA-256>"')
    year, digest = values
    if isinstance(year, Decimal) and year == year.to_integral_value():
        year = str(int(year))
    if not (isinstance(year, str) and re.fullmatch(r"\d{4}", year)):
        raise ValueError(f"封账年度 {year!r} 无效, 应为四位年份")
    if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
        raise ValueError(f"{year} 年度封账的哈希值无效, 应为 64 位小写十六进制 SHA-256")
    return int(year), digest


def take_seal(found: dict, errors: list, entry) -> None:
    """Add a seal entry to `found` (year → seal), or its error if malformed, early or repeated."""
    try:
        year, _ = seal_year(entry)
    except ValueError as exc:
        errors.append(rule_error("封账", entry, str(exc)))
        return
    if entry.date <= datetime.date(year, 12, 31):
        errors.append(rule_error("封账", entry, f"{year} 年度的封账日期 {entry.date} 不在年度结束之后, 封账无效"))
    elif year in found:
        errors.append(rule_error("封账", entry, f"{year} 年度重复封账 (已于 {found[year].date} 封账); 一个年度只封账一次"))
    else:
        found[year] = entry


def seals(entries) -> tuple[dict, list]:
    """{year: seal entry} and the errors of malformed or repeated seals."""
    found, errors = {}, []
    for entry in entries:
        if is_seal(entry):
            take_seal(found, errors, entry)
    return found, errors


def describe_changes(year: int, sealed_months: dict | None, now: dict) -> list[str]:
    """Chinese descriptions of what differs between a seal and the entries now."""
    if sealed_months is None:
        return [f"{year} 年度的记录与封账时不一致 (封账条目未记录分月摘要, 无法定位月份)"]
    changes = []
    for month in sorted(set(sealed_months) | set(now)):
        old = sealed_months.get(month)
        new = now.get(month)
        if old == new:
            continue
        old_n = old[1] if old else 0
        new_n = new[1] if new else 0
        label = f"{year}-{month}"
        if new_n > old_n:
            what = f"新增 {new_n - old_n} 条"
        elif new_n < old_n:
            what = f"删除 {old_n - new_n} 条"
        else:
            what = "有记录被修改"
        if old and new and new_n != old_n:
            what += " (其余记录也可能被修改)"
        changes.append(f"{label} {what} (封账时 {old_n} 条, 现 {new_n} 条)")
    return changes or [f"{year} 年度的记录与封账时不一致"]


def records_name(year: int) -> str:
    return f"seal-{year}.records.tsv"


def first_line(entry) -> str:
    """The record's first line as Beancount text (tabs and newlines never inside)."""
    try:
        text = printer.format_entry(entry).strip().splitlines()[0]
    except (ValueError, AttributeError, IndexError):
        text = f"{entry.date} {type(entry).__name__.lower()}"
    return " ".join(text.split())


def record_text(entry) -> str:
    """The record as one line for the record list: its first line, then each posting as
    account (without the root) and amount, " | " between them; what a change names."""
    parts = [first_line(entry)]
    for posting in getattr(entry, "postings", None) or ():
        account = posting.account.split(":", 1)[-1]
        parts.append(f"{account} {posting.units}" if posting.units is not None else account)
    return " | ".join(" ".join(part.split()) for part in parts)


def _difference(now: str, then: str) -> str:
    """"现为「…」, 封账时为「…」" over the parts of two record texts that differ."""
    new, old = now.split(" | "), then.split(" | ")
    changed_new = [part for part in new if part not in old] or new[:1]
    changed_old = [part for part in old if part not in new] or old[:1]
    return f"现为「{' | '.join(changed_new)}」, 封账时为「{' | '.join(changed_old)}」"


def _position(entry, base: str) -> str:
    meta = entry.meta or {}
    filename = str(meta.get("filename", "?"))
    try:
        filename = os.path.relpath(filename, base) if os.path.isabs(filename) else filename
    except ValueError:
        pass
    return f"{filename}:{meta.get('lineno', '?')}"


def year_records(entries, year: int) -> list[tuple[str, object]]:
    """(digest hex, entry) of every sealed-over record dated in `year`, in ledger order."""
    return _hex(_digested(sealed_entries(engine.in_order(entries), year)))


def _hex(digested) -> list[tuple[str, object]]:
    return [(digest.hex(), entry) for digest, entry in digested]


def records_text(entries, year: int, base: str) -> str:
    """The record list `shixun seal` writes beside the seal (see the module docstring)."""
    rows = [RECORDS_HEADER + f" {year}", "\t".join(RECORDS_COLUMNS)]
    for digest, entry in year_records(entries, year):
        rows.append("\t".join([entry.date.isoformat(), str((entry.meta or {}).get("voucher", "")),
                               _position(entry, base), record_text(entry), digest]))
    return "\n".join(rows) + "\n"


def read_records(seal_entry, digest: str) -> tuple[list[dict] | None, str | None]:
    """(rows of the seal's record list, None) or (None, why it can't be used)."""
    meta = seal_entry.meta or {}
    name, expected = meta.get("records"), meta.get("records-sha256")
    if not name:
        return None, None
    path = os.path.join(os.path.dirname(str(meta.get("filename", ""))), str(name))
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None, f"封账记录清单 {name} 不存在, 只能按月份定位"
    if hashlib.sha256(raw).hexdigest() != expected:
        return None, f"封账记录清单 {name} 与封账时不一致 (已被改动), 只能按月份定位"
    rows = []
    for line in raw.decode("utf-8").splitlines()[2:]:
        fields = line.split("\t")
        if len(fields) == len(RECORDS_COLUMNS):
            rows.append(dict(zip(("date", "voucher", "position", "line", "digest"), fields, strict=True)))
    if _digest(bytes.fromhex(r["digest"]) for r in rows) != digest:
        return None, f"封账记录清单 {name} 与封账哈希不符, 只能按月份定位"
    return rows, None


def _record_label(date, voucher) -> str:
    return f"{date} {voucher or '(无凭证号)'}"


def record_changes(year: int, rows: list[dict], now: list[tuple[str, object]]):
    """[(entry or None, Chinese description)] of each changed, added and removed record:
    a removed row and an added entry of the same date and 凭证号 are one change."""
    sealed = collections.Counter(r["digest"] for r in rows)
    added = []
    for digest, entry in now:
        if sealed[digest]:
            sealed[digest] -= 1
        else:
            added.append(entry)
    removed = []
    for row in rows:
        if sealed[row["digest"]]:
            sealed[row["digest"]] -= 1
            removed.append(row)
    by_key = collections.defaultdict(list)
    for row in removed:
        if row["voucher"]:
            by_key[(row["date"], row["voucher"])].append(row)
    changes = []
    for entry in added:
        voucher = str((entry.meta or {}).get("voucher", ""))
        label = _record_label(entry.date, voucher)
        match = by_key.get((entry.date.isoformat(), voucher)) if voucher else None
        if match:
            old = match.pop(0)
            removed.remove(old)
            changes.append((entry, f"修改 {label}: {_difference(record_text(entry), old['line'])}"
                                   f" (封账时位于 {old['position']})"))
        else:
            changes.append((entry, f"新增 {label}: 「{record_text(entry)}」"))
    for row in removed:
        changes.append((None, f"删除 {_record_label(row['date'], row['voucher'])}: 「{row['line']}」"
                              f" (封账时位于 {row['position']})"))
    return changes


def _broken(year, seal_entry, text) -> str:
    return f"{year} 年度已于 {seal_entry.date} 封账, 但该年度的记录已被改动, 封账被破坏: {text}。{CORRECTION}"


def check_year(year: int, seal_entry, records) -> list:
    """The [封账] errors of a sealed year whose sealable entries are `records`: none if
    the digest holds; else each changed record (with the record list) or the months."""
    _, digest = seal_year(seal_entry)
    now = _digested(records)
    current = _summary(now)
    if current["digest"] == digest:
        return []
    rows, problem = read_records(seal_entry, digest)
    if rows is None:
        changes = describe_changes(year, parse_months(seal_entry.meta.get("months")), current["months"])
        if problem:
            changes.insert(0, problem)
        return [rule_error("封账", seal_entry, _broken(year, seal_entry, "; ".join(changes)))]
    changes = record_changes(year, rows, _hex(now))
    errors = [rule_error("封账", record or seal_entry, _broken(year, seal_entry, text))
              for record, text in changes[:MAX_LISTED]]
    if len(changes) > MAX_LISTED:
        errors.append(rule_error("封账", seal_entry, _broken(
            year, seal_entry, f"另有 {len(changes) - MAX_LISTED} 条记录被修改、新增或删除")))
    return errors


class SealCheck:
    """The seal family as an accumulator of `plugins.engine`: the seals from their
    `custom` entries; `finish` digests the sealed years' slices of the entries the pass
    walked (a seal covers every kind of entry the accountant wrote in its year)."""

    customs = (SEAL,)
    keys = frozenset()
    wants = 0

    def __init__(self):
        self.found = {}   # year → its seal entry
        self.errors = []  # malformed, early and repeated seals

    def custom(self, entry):
        take_seal(self.found, self.errors, entry)

    def finish(self, facts):
        errors = list(self.errors)
        for year, seal_entry in sorted(self.found.items()):
            errors.extend(check_year(year, seal_entry, sealed_entries(facts.entries, year)))
        return [], errors


def accumulator(config, options_map, policies, judged, roles):
    """The seal family's accumulator for `plugins.engine` (it has no settings: any
    config on its own plugin line is a problem said at that line)."""
    check = SealCheck()
    _, problems = parse_config(config, {})
    check.errors += [config_error("封账", options_map, ("plugins.seal", "seal"), f"plugins.seal {p}") for p in problems]
    return check


def seal(entries, options_map, config=None):
    """Beancount plugin `plugins.seal`: errors only."""
    return engine.alone(accumulator, entries, options_map, config)
