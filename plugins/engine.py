"""The rule engine: the rule families over ONE pass over the entries (SPEC §2).

Each family is an accumulator made by its module's `accumulator(config, options_map,
policies, judged, roles)`:

- `wants`: the roles (`plugins.roles`) it has in postings; `keys`: the metadata keys
  that concern it wherever they sit (a transaction's or a posting's); a transaction
  reaches its `transaction(entry, mask)` only when the mask of its postings' roles
  meets `wants` or it carries one of `keys` (the mask then has `roles.KEYED`);
- `customs`: the `custom` types it reads, each reaching `custom(entry)`;
- `finish(facts)` → (generated entries, errors), after the pass.

The policies and the date of judgement are read once, before the pass, from the
`custom` entries. A family runs after the families before it in SPEC order and
sees what they generated as it would on a plugin line of its own after theirs:
their entries reach it, sorted, before its `finish` — what a family adds up does
not depend on where those entries fall among the accountant's, and the few facts
that do (the ledger's end, each year's last transaction, the opened accounts) are
the pass's `Facts`, taken from the accountant's entries only. The generated
entries are returned as they are: Beancount's own sort places them.
"""
import itertools
from typing import NamedTuple

from beancount.core import data

from plugins.asof import as_of
from plugins.common import ALL, GENERATED, config_error, rule_error
from plugins.policy import read_policies
from plugins.roles import KEYED, AccountRoles


class Facts(NamedTuple):
    """What the pass learns of the ledger as a whole, from the accountant's entries."""
    first: object          # the first entry (where an error about the whole ledger points)
    end: object            # the date of the last entry that is neither custom nor generated
    opened: frozenset      # the accounts with an `open` directive
    last_of_year: dict     # year → the year's last transaction
    entries: list          # the entries walked, in the loader's order (the seal digests its years' slices)


def walk(accumulators, entries, roles) -> Facts:
    """THE pass: every entry once, to the accumulators that want it."""
    by_type = {}
    for acc in accumulators:
        for name in acc.customs:
            by_type.setdefault(name, []).append(acc.custom)
    wanting = [(acc.wants | (KEYED if acc.keys else 0), acc.transaction) for acc in accumulators
               if acc.wants or acc.keys]
    keys = frozenset().union(*(acc.keys for acc in accumulators))
    dispatch = {}  # a transaction's mask → the families it reaches (masks repeat: a few dozen)
    bits = roles.bits
    Transaction, Custom, Open = data.Transaction, data.Custom, data.Open
    end, opened, last_of_year = None, set(), {}
    for entry in entries:
        kind = type(entry)
        if kind is Transaction or (kind is not Custom and isinstance(entry, Transaction)):
            meta = entry.meta
            if wanting:
                mask = KEYED if keys and meta and not keys.isdisjoint(meta) else 0
                for posting in entry.postings:
                    mask |= bits[posting.account]
                    if keys and (pmeta := posting.meta) and not keys.isdisjoint(pmeta):
                        mask |= KEYED
                reached = dispatch.get(mask)
                if reached is None:
                    reached = dispatch[mask] = [transaction for wants, transaction in wanting if mask & wants]
                for transaction in reached:
                    transaction(entry, mask)
            if meta and GENERATED in meta:
                continue
            last_of_year[entry.date.year] = entry
        elif kind is Custom or isinstance(entry, Custom):
            for custom in by_type.get(entry.type, ()):
                custom(entry)
            continue
        elif kind is Open:
            opened.add(entry.account)
        elif entry.meta and GENERATED in entry.meta:
            continue
        if end is None or entry.date > end:
            end = entry.date
    return Facts(entries[0] if entries else None, end, frozenset(opened), last_of_year, entries)


def unopened(clause, entry, accounts, facts, what):
    """The one error for generated entries that would book to accounts never opened,
    said once in Chinese (instead of Beancount's "unknown account" per entry), or None."""
    missing = [account for account in accounts if account not in facts.opened]
    if not missing:
        return None
    return rule_error(clause, entry, f"科目未开设: {', '.join(missing)}; 无法计提{what}, 请在科目表中 open 这些科目")


def latest(current, entry):
    """`entry` if it is the last so far in the ledger's order, else `current` (where an
    error about "the year's last …" points). The pass meets the accountant's entries in
    that order; an earlier family's generated entries reach a later family after the
    pass (`feed`), yet count where they sort, as on a plugin line of its own."""
    if current is None or not (entry.meta and GENERATED in entry.meta):
        return entry
    return entry if data.entry_sortkey(entry) >= data.entry_sortkey(current) else current


def feed(accumulator, entries, roles):
    """Entries an earlier family generated, to a later family, as the pass would have
    brought them (the same walk; its facts stay those of the accountant's entries)."""
    walk([accumulator], sorted(entries, key=data.entry_sortkey), roles)


def in_order(entries) -> list:
    """`entries` in the loader's order: as they are when already sorted by date (a
    plugin's input, a loaded ledger), else a sorted copy — for the report analyses,
    which any caller may hand a list."""
    if all(a.date <= b.date for a, b in itertools.pairwise(entries)):
        return entries
    return sorted(entries, key=data.entry_sortkey)


def customs_of(entries) -> list:
    """The `custom` entries, where the policies and the as-of pin are read from."""
    Custom = data.Custom
    return [entry for entry in entries if type(entry) is Custom]


def run(families, entries, options_map, judged, customs=None):
    """(generated entries, errors) of `families` — (accumulator factory, its config
    string or None to read it from the ledger) pairs, in SPEC order — on `entries`,
    judged on `judged`. `customs`: the entries' `custom` entries (`customs_of`)."""
    customs = customs if customs is not None else customs_of(entries)
    policies = read_policies(customs)
    roles = AccountRoles()
    accumulators = [make(config, options_map, policies, judged, roles) for make, config in families]
    facts = walk(accumulators, entries, roles)
    generated, errors = [], []
    for acc in accumulators:
        if generated:
            feed(acc, generated, roles)
        new, found = acc.finish(facts)
        generated.extend(new)
        errors.extend(found)
    return generated, errors


def alone(make, entries, options_map, config=None):
    """A family on its own plugin line (`plugin "plugins.treasury"`): the entries with
    what it generates, and its errors. The first of our lines says what was wrong with
    an unusable date of judgement, as `plugins.all` does on its line."""
    customs = customs_of(entries)
    judgement = as_of(customs)
    module = make.__module__
    names = (module, module.rsplit(".", 1)[-1])
    said = []
    if judgement.problem and _first_family_line(options_map) in (*names, None):
        said.append(judgement_error(options_map, judgement, names))
    generated, errors = run([(make, config)], entries, options_map, judgement.date, customs)
    return entries + generated, said + errors


FAMILY_MODULES = ("work_study", "treasury", "taxes", "funds", "seal")


def _first_family_line(options_map):
    """The first of the ledger's plugin lines that names a rule family (or plugins.all)."""
    for name, _ in (options_map or {}).get("plugin", []) or []:
        if name == ALL or name.rsplit(".", 1)[-1] in FAMILY_MODULES:
            return name
    return None


def judgement_error(options_map, judgement, names):
    """An unusable as-of pin, said once at the pin; an unusable SHIXUN_AS_OF, at the
    plugin line of `names`."""
    message = f"判断日期: {judgement.problem}; 已改用 {judgement.label()}"
    if judgement.bad_pin is not None:
        return rule_error("其他", judgement.bad_pin, message)
    return config_error("其他", options_map, names, message)


def accumulated(make, entries, options_map=None, config=None, policies=None, judged=None):
    """One family's accumulator after a pass over `entries` and its finish: what the
    reports read (P2's years, the tax periods, the funds) from the loaded entries."""
    if policies is None or judged is None:
        customs = customs_of(entries)
        policies = policies if policies is not None else read_policies(customs)
        judged = judged if judged is not None else as_of(customs).date
    roles = AccountRoles()
    acc = make(config, options_map, policies, judged, roles)
    acc.finish(walk([acc], in_order(entries), roles))
    return acc

