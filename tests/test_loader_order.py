"""plugins.common.LoaderOrder / in_loader_order: the plugins' output is exactly what
the loader's re-sort would make of it, so skipping that re-sort changes nothing."""
import datetime
import os
import pickle

from beancount.core import data
from hypothesis import given
from hypothesis import strategies as st

from plugins.common import LoaderOrder, in_loader_order

LEDGER = os.path.join(os.path.dirname(__file__), "..", "ledger", "main.beancount")
DAY0 = datetime.date(2024, 1, 1)


def _entry(day, kind, lineno, tag):
    meta = data.new_metadata("<test>", lineno)
    meta["tag"] = tag
    date = DAY0 + datetime.timedelta(days=day)
    if kind == "open":
        return data.Open(meta, date, "Assets:1001-库存现金", None, None)
    if kind == "balance":
        return data.Balance(meta, date, "Assets:1001-库存现金", None, None, None)
    return data.Transaction(meta, date, "*", None, "", data.EMPTY_SET, data.EMPTY_SET, [])


entry_specs = st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["open", "balance", "txn"]),
                                 st.integers(1, 8)), max_size=40)


@given(entry_specs, entry_specs)
def test_generated_entries_land_where_the_loaders_stable_sort_puts_them(old, new):
    entries = sorted((_entry(*spec, tag=f"old{i}") for i, spec in enumerate(old)),
                     key=data.entry_sortkey)
    generated = [_entry(*spec, tag=f"new{i}") for i, spec in enumerate(new)]
    expected = sorted(entries + generated, key=data.entry_sortkey)
    result = in_loader_order(entries, generated)
    assert [e.meta["tag"] for e in result] == [e.meta["tag"] for e in expected]
    assert type(result) is LoaderOrder and result.in_order


@given(entry_specs.filter(bool), st.lists(st.tuples(st.integers(0, 39), st.booleans()), max_size=20))
def test_a_source_hint_gives_the_same_place_as_bisection(old, picks):
    """work_study names, for each generated entry, the sale it copies date and line
    from; a hint that does not match (a wrong index) falls back to bisection."""
    entries = sorted((_entry(*spec, tag=f"old{i}") for i, spec in enumerate(old)),
                     key=data.entry_sortkey)
    generated, sources = [], []
    for n, (pick, right) in enumerate(picks):
        source = pick % len(entries)
        like = entries[source]
        generated.append(data.Transaction(dict(like.meta, tag=f"new{n}"), like.date, "*", None, "",
                                          data.EMPTY_SET, data.EMPTY_SET, []))
        sources.append(source if right else (source + 1) % len(entries))
    expected = sorted(entries + generated, key=data.entry_sortkey)
    result = in_loader_order(entries, generated, sources)
    assert [e.meta["tag"] for e in result] == [e.meta["tag"] for e in expected]


def test_sorting_is_skipped_only_until_the_list_changes():
    entries = in_loader_order([_entry(2, "txn", 5, "a"), _entry(3, "txn", 1, "b")])
    entries.sort(key=data.entry_sortkey)
    assert entries.in_order
    entries.append(_entry(0, "txn", 9, "c"))  # out of order: the next sort must really sort
    assert not entries.in_order
    entries.sort(key=data.entry_sortkey)
    assert [e.meta["tag"] for e in entries] == ["c", "a", "b"] and entries.in_order
    for change in (lambda l: l.insert(0, l[-1]), lambda l: l.__setitem__(0, l[1]),
                   lambda l: l.extend(l[:1]), lambda l: l.reverse(), lambda l: l.__iadd__([])):
        fresh = in_loader_order(list(entries))
        change(fresh)
        assert not fresh.in_order
    other_key = in_loader_order(list(entries))
    other_key.sort(key=lambda e: e.meta["tag"], reverse=True)
    assert not other_key.in_order and [e.meta["tag"] for e in other_key] == ["c", "b", "a"]


def test_a_pickled_list_keeps_its_entries_and_order():
    entries = in_loader_order([_entry(1, "txn", 1, "a")], [_entry(0, "txn", 2, "b")])
    copy = pickle.loads(pickle.dumps(entries))
    assert [e.meta["tag"] for e in copy] == ["b", "a"]


def test_each_plugin_hands_on_the_bundled_ledger_in_the_loaders_order():
    """Run the five plugins as the loader does but without its re-sorts: after each,
    the entries are already in entry_sortkey order, and the list says so."""
    import importlib

    from beancount import loader
    from beancount.parser import booking
    entries, _errors, options = loader._parse_recursive([(LEDGER, True)], None)  # with includes
    entries.sort(key=data.entry_sortkey)
    entries, _errors = booking.book(entries, options)
    names = [name for name, _config in options["plugin"]]
    assert names == ["plugins.work_study", "plugins.treasury", "plugins.taxes", "plugins.funds",
                     "plugins.seal"]
    for name, config in options["plugin"]:
        module = importlib.import_module(name)
        for function in module.__plugins__:
            args = () if config is None else (config,)
            entries, _errors = getattr(module, function)(entries, options, *args)
        assert type(entries) is LoaderOrder and entries.in_order, name
        assert list(entries) == sorted(entries, key=data.entry_sortkey), name
    generated = {(e.meta or {}).get("generated") for e in entries}
    assert {"work_study", "treasury"} <= generated
