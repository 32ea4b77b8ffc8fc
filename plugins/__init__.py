"""Beancount plugins of the operating centre, one module per rule family.

Enabled in the accountant's main.beancount in this order (SPEC §2):
plugins.work_study (P1), plugins.treasury (P2), plugins.taxes (P8, P9),
plugins.funds (P5, P6, P10), plugins.seal (sealed years).
"""
