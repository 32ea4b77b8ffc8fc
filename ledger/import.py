"""导入配置: Fava 的 "导入" 页面 (main.beancount 中的 import-config) 与 beangulp 命令行共用。

在 Fava 中: 把银行对账单 (CSV/XLS/XLSX) 和基地工时表放进账本旁的 待导入/ 文件夹, 打开
"导入" 页面; 不能导入的文件在其旁边写明原因, 其余文件照常导入。
命令行: .venv/bin/python ledger/import.py extract ledger/待导入 -e ledger/main.beancount
本文件所在文件夹的 import.toml (没有则用内置默认配置)、students.csv 与 bank-profiles/ 生效。
"""
import pathlib

import beangulp

from importers.ledger_import import importers_for

CONFIG = importers_for(pathlib.Path(__file__).resolve().parent, shown_in_fava=__name__ != "__main__")

if __name__ == "__main__":
    beangulp.Ingest(CONFIG)()
