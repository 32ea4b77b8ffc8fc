"""Beancount plugins of the operating centre, one module per rule family.

A ledger enables them all with one line, `plugin "plugins.all"` (SPEC §2), which runs
plugins.work_study (P1), plugins.treasury (P2), plugins.taxes (P8, P9),
plugins.funds (P5, P6, P10) and plugins.seal (sealed years) in that order; each is
also a plugin on its own. Shared: plugins.asof (the date of judgement),
plugins.closing (closing entries), plugins.policy, plugins.roster, plugins.money.
"""
