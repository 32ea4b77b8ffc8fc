"""`plugin "plugins.all"`: every rule family in one plugin line (SPEC §2).

The families run in SPEC order — work_study (P1), treasury (P2), taxes (P8, P9),
funds (P5, P6, P10), seal — as accumulators over one pass over the entries
(`plugins.engine`), each account's roles classified once (`plugins.roles`), the
policies and the date of judgement (`plugins.asof`) read once for all of them. Each
family sees what it sees on a plugin line of its own after the families before it:
a family alone and inside `plugins.all` give the same entries and errors. The
result is an ordinary list; Beancount's own sort after the plugin places the
generated entries.

Config: one dict literal with any family's keys, e.g.
`plugin "plugins.all" "{'roster': 'students.csv', 'granularity': 'day'}"`.
"""
from plugins import engine, funds, seal, taxes, treasury, work_study
from plugins.asof import as_of
from plugins.common import ALL, config_error, literal_config, own_config

__plugins__ = ("all_rules",)

# (module, its settings' defaults), in the order SPEC §2 runs them.
FAMILIES = (
    (work_study, work_study.DEFAULTS),
    (treasury, treasury.DEFAULTS),
    (taxes, taxes.DEFAULTS),
    (funds, funds.DEFAULTS),
    (seal, {}),
)


def _config_problems(config, options_map) -> list:
    """Errors for a config string that is no dict or names keys no family knows."""
    given, problem = literal_config(config)
    if problem:
        return [config_error("其他", options_map, (ALL,), f"plugins.all 的{problem}")]
    known = set().union(*(defaults for _, defaults in FAMILIES))
    unknown = sorted(str(k) for k in set(given or {}) - known)
    if unknown:
        return [config_error("其他", options_map, (ALL,), f"plugins.all 的配置含未知项: {', '.join(unknown)}")]
    return []


def _line_problems(options_map, judged) -> list:
    """A family's own plugin line beside `plugins.all` runs its rules twice (P1 would
    accrue every share twice); an unusable date of judgement is said, not ignored."""
    names = {name for name, _ in (options_map or {}).get("plugin", []) or []}
    problems = [config_error("其他", options_map, (family.__name__,),
                             f'主文件同时启用了 plugin "plugins.all" 与 plugin "{family.__name__}": '
                             f"该组规则会执行两次 (如学生劳动报酬重复计提); 请删除 \"{family.__name__}\" 这一行")
                for family, _ in FAMILIES if family.__name__ in names]
    if judged.problem:
        problems.append(engine.judgement_error(options_map, judged, (ALL,)))
    return problems


def all_rules(entries, options_map, config=None):
    """Beancount plugin `plugins.all`."""
    customs = engine.customs_of(entries)
    judgement = as_of(customs)
    errors = _config_problems(config, options_map) + _line_problems(options_map, judgement)
    families = [(family.accumulator, own_config(config, defaults)) for family, defaults in FAMILIES]
    generated, found = engine.run(families, entries, options_map, judgement.date, customs)
    return entries + generated, errors + found
