"""A memo of whole-ledger analyses for the most recently loaded entries list.

The report builders are per year (`reports.funds.build(entries, options_map, 2016)`), but the
analyses under them (`plugins.funds.analyse`, `plugins.taxes.analyse`,
`plugins.treasury.treasury_years`, the audit's invoice index) walk the whole ledger.
A Fava view or a CLI run asking for ten years would walk it ten times. `memo(...)`
computes each analysis once per entries list and returns the same object after:

    analysis = memo(entries, options_map, "funds", lambda: analyse(entries, options_map))

The key is the identity of the entries list (and of its first and last entry, and its
length, so an append shows), plus the identity of `options_map`. Only the most recent
list is held: a new list (a reload, another test's ledger) drops every earlier value,
so memory is never retained across reloads. Anything that is not a list (a generator,
a tuple built on the fly) is computed every time. The analyses are treated as
read-only by every caller. Thread-safe (Fava's warm-up thread and requests share it):
one computation at a time, a second caller of the same key waits for the first.
"""
from __future__ import annotations

import bisect
import threading

_lock = threading.RLock()
_state = {"entries": None, "key": None, "values": {}}


def _identity(entries) -> tuple:
    if not entries:
        return (id(entries), 0, None, None)
    return (id(entries), len(entries), id(entries[0]), id(entries[-1]))


def memo(entries, options_map, name, compute, *extra):
    """compute() once per (entries list, options_map, name, *extra); see the module doc."""
    if not isinstance(entries, list):
        return compute()
    identity = _identity(entries)
    with _lock:
        if _state["entries"] is not entries or _state["key"] != identity:
            _state["entries"], _state["key"], _state["values"] = entries, identity, {}
        values = _state["values"]
        key = (name, id(options_map)) + tuple(extra)
        found = values.get(key)
        if found is not None and found[0] is options_map:
            return found[1]
        value = compute()
        if _state["values"] is values:  # not replaced by a newer list meanwhile
            values[key] = (options_map, value)
        return value


def ledger_policies(entries):
    """plugins.policy.read_policies(entries), once per entries list (the reports share it)."""
    from plugins.policy import read_policies

    return memo(entries, None, "read_policies", lambda: read_policies(entries))


def clear() -> None:
    """Forget everything (tests; a view after a reload need not call it)."""
    with _lock:
        _state["entries"], _state["key"], _state["values"] = None, None, {}


def is_sorted(entries) -> bool:
    """Are the entries in date order (as the loader leaves them)? Checked once per list."""
    if not isinstance(entries, list):
        return False

    def compute():
        dates = [e.date for e in entries]
        return all(a <= b for a, b in zip(dates, dates[1:]))
    return memo(entries, None, "sorted", compute)


def between(entries, start, end):
    """The entries dated start..end (both inclusive, None = open), by bisection when the
    list is date-sorted (`is_sorted`); otherwise all of them (the caller still checks
    each date)."""
    if not is_sorted(entries):
        return entries
    key = lambda e: e.date  # noqa: E731
    low = 0 if start is None else bisect.bisect_left(entries, start, key=key)
    high = len(entries) if end is None else bisect.bisect_right(entries, end, key=key)
    return entries[low:high]
