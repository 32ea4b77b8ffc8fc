"""A foreign plugin for tests/test_plugins_all.py: it appends through the unbound
`list.append`, as a compiled plugin would, and relies on Beancount's re-sort."""
from beancount.core import data

__plugins__ = ("append_note",)


def append_note(entries, options_map):
    first = next(e for e in entries if isinstance(e, data.Open))
    note = data.Note(data.new_metadata("<append_note>", 0), first.date, first.account, "外部插件追加的备注", None, None)
    list.append(entries, note)
    return entries, []
